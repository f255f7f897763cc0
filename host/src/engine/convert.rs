//! Argument conversion to a parameter's declared type.

use super::command::{ParameterType, type_name};
use super::value::{SecureString, Value};

/// Why a value does not convert.
pub struct ConversionError {
    pub shown: String,
    pub target: &'static str,
    pub reason: Option<String>,
}

fn fail(value: &Value, ty: ParameterType, reason: Option<String>) -> ConversionError {
    ConversionError {
        shown: value.to_text(),
        target: type_name(ty),
        reason,
    }
}

/// Converts `value` to `ty` as PowerShell's binder would.
pub fn to_parameter_type(value: Value, ty: ParameterType) -> Result<Value, ConversionError> {
    // A value Add-Member wrapped binds as the value, except where any object is taken.
    let value = match ty {
        ParameterType::Any => value,
        _ => value.unwrapped(),
    };
    match ty {
        ParameterType::Switch => Ok(Value::Bool(value.is_truthy())),
        ParameterType::Any => Ok(value),
        ParameterType::Text => match value {
            Value::Array(ref items) if items.len() != 1 => Err(fail(&value, ty, None)),
            Value::Array(mut items) => to_parameter_type(items.remove(0), ty),
            Value::Certificate(_) | Value::Hashtable(_) => Err(fail(&value, ty, None)),
            other => Ok(Value::String(other.to_text())),
        },
        ParameterType::TextList => Ok(Value::Array(
            value
                .into_items()
                .into_iter()
                .map(|v| Value::String(v.to_text()))
                .collect(),
        )),
        ParameterType::Integer => match value {
            Value::Int(i) => Ok(Value::Int(i)),
            Value::Float(f) if f.fract() == 0.0 => Ok(Value::Int(f as i64)),
            Value::String(ref s) => s.trim().parse::<i64>().map(Value::Int).map_err(|_| {
                fail(
                    &value,
                    ty,
                    Some("Input string was not in a correct format.".into()),
                )
            }),
            other => Err(fail(&other, ty, None)),
        },
        ParameterType::Datetime => match value {
            Value::DateTime(t) => Ok(Value::DateTime(t)),
            Value::String(ref s) => parse_datetime(s).map(Value::DateTime).ok_or_else(|| {
                fail(
                    &value,
                    ty,
                    Some("String was not recognized as a valid DateTime.".into()),
                )
            }),
            other => Err(fail(&other, ty, None)),
        },
        ParameterType::SecureText => match value {
            Value::SecureString(s) => Ok(Value::SecureString(s)),
            // Plain strings are accepted in place of a SecureString (as a convenience
            // until scripts use ConvertTo-SecureString); text written out in the command
            // line gets a warning first (`warn_written_out_secrets`, session/pipeline.rs).
            Value::String(s) => Ok(Value::SecureString(SecureString::new(s))),
            other => Err(fail(&other, ty, None)),
        },
        ParameterType::Certificate => match value {
            Value::Certificate(c) => Ok(Value::Certificate(c)),
            Value::Array(ref items) if items.len() == 1 => to_parameter_type(items[0].clone(), ty),
            other => Err(fail(&other, ty, None)),
        },
    }
}

pub use crate::clock::parse_datetime;
