//! `ConvertTo-Json` and `ConvertFrom-Json`, with PowerShell 7's layout (two-space
//! indentation) and depth limit (2 by default; deeper values become their text).

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParameterInfo, ParameterType as T, command_info,
    example, input_items, param,
};
use crate::engine::value::TableKind;
use crate::engine::{Session, Value};
use serde_json::{Map, Value as Json};

pub(crate) fn to_json(v: &Value, depth: i64) -> Json {
    // A value Add-Member wrapped is written as the value.
    if let Some(base) = v.base_value() {
        return to_json(base, depth);
    }
    let nested = |v: &Value| {
        if depth > 0 {
            to_json(v, depth - 1)
        } else {
            Json::String(v.to_text())
        }
    };
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        // .NET writes whole doubles without a fraction (1, not 1.0).
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => Json::from(*f as i64),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.clone()),
        Value::DateTime(t) => Json::String(crate::engine::methods::format_datetime(
            *t,
            "yyyy-MM-ddTHH:mm:ssK",
        )),
        // A password never leaves as text.
        Value::SecureString(_) => Json::Object(Map::new()),
        Value::TimeSpan(_) | Value::ScriptBlock(_) => Json::String(v.to_text()),
        Value::Enum(_, n) => Json::from(*n),
        Value::List(_) | Value::Enumerator(_) => to_json(&v.clone().unlisted(), depth),
        Value::Array(items) => Json::Array(
            items
                .iter()
                .map(|i| {
                    if depth > 0 {
                        to_json(i, depth - 1)
                    } else {
                        Json::String(i.to_text())
                    }
                })
                .collect(),
        ),
        Value::Hashtable(entries) => Json::Object(
            entries
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), nested(v)))
                .collect(),
        ),
        Value::Object(_) | Value::Certificate(_) => Json::Object(
            v.property_names()
                .iter()
                .map(|p| (p.clone(), nested(&v.property(p).unwrap_or(Value::Null))))
                .collect(),
        ),
    }
}

pub(crate) fn from_json(j: Json) -> Value {
    from_json_as(j, false)
}

/// A JSON value as PowerShell values; `as_hashtable`: objects become ordered,
/// case-sensitive hashtables (`ConvertFrom-Json -AsHashtable`).
fn from_json_as(j: Json, as_hashtable: bool) -> Value {
    let nested = |v| from_json_as(v, as_hashtable);
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
        // PowerShell 7 turns ISO 8601 date strings into DateTime values.
        Json::String(s) => {
            match time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339) {
                Ok(dt) => Value::DateTime(dt.unix_timestamp()),
                Err(_) => Value::String(s),
            }
        }
        Json::Array(items) => Value::Array(items.into_iter().map(nested).collect()),
        Json::Object(map) if as_hashtable => Value::table(
            TableKind::OrderedCaseSensitive,
            map.into_iter().map(|(k, v)| (k, nested(v))).collect(),
        ),
        Json::Object(map) => Value::object(
            "PSCustomObject",
            map.into_iter().map(|(k, v)| (k, nested(v))).collect(),
        ),
    }
}

fn input_param() -> ParameterInfo {
    let mut p = param("InputObject", T::Any, "The objects to convert.");
    p.sets[0].position = Some(0);
    p.sets[0].from_pipeline = true;
    p
}

pub fn convert_to_json() -> Builtin {
    Builtin::new(
        command_info(
            "ConvertTo-Json",
            &[],
            "Converts an object to a JSON-formatted string.",
            "Objects, hashtables, arrays and certificates become JSON (two-space indentation; -Compress for one line; -Depth, default 2). Passwords become {}.",
            vec![
                input_param(),
                param("Depth", T::Integer, "How deep to descend (default 2)."),
                param("Compress", T::Switch, "One line."),
            ],
            "String",
        )
.examples(vec![example("Certificates as JSON", "New-SelfSignedCertificate -DnsName www.contoso.com | Select-Object Subject, Thumbprint | ConvertTo-Json", "PowerShell 7's layout.")]),
        true,
        |_: &mut Session, args: &BoundArguments, input: Option<&Value>| -> CommandResult {
            let depth = match args.get("Depth") {
                Some(Value::Int(d)) => *d,
                _ => 2,
            };
            let mut values = input_items(args, input, "InputObject");
            let json = match values.len() {
                0 => return Ok(Vec::new()),
                1 => to_json(&values.remove(0), depth),
                _ => Json::Array(values.iter().map(|v| to_json(v, depth)).collect()),
            };
            let text = if args.switch("Compress") {
                serde_json::to_string(&json)
            } else {
                serde_json::to_string_pretty(&json)
            };
            Ok(vec![Value::String(text.map_err(|e| {
                CommandError::new(
                    "ConvertTo-Json",
                    "InvalidOperation",
                    "JsonSerialization",
                    e.to_string(),
                )
            })?)])
        },
    )
}

pub fn convert_from_json() -> Builtin {
    Builtin::new(
        command_info(
            "ConvertFrom-Json",
            &[],
            "Converts a JSON-formatted string to a custom object.",
            "JSON objects become custom objects (with -AsHashtable, ordered hashtables whose keys are case-sensitive, so `a` and `A` stay apart), arrays arrays, ISO 8601 strings dates. An array is written item by item unless -NoEnumerate.",
            vec![
                input_param(),
                param(
                    "AsHashtable",
                    T::Switch,
                    "Objects become ordered hashtables (case-sensitive keys).",
                ),
                param("NoEnumerate", T::Switch, "Write a JSON array as one object."),
                param("Depth", T::Integer, "Accepted: any depth is read."),
            ],
            "PSCustomObject",
        )
        .examples(vec![example(
            "Read JSON",
            "'{\"validBy\": \"2027-01-01\"}' | ConvertFrom-Json",
            "An object with the JSON's properties.",
        )]),
        true,
        |_: &mut Session, args: &BoundArguments, input: Option<&Value>| -> CommandResult {
            let text = input_items(args, input, "InputObject")
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join("\n");
            let json: Json = serde_json::from_str(&without_comments(&text)).map_err(|e| {
                CommandError::new(
                    "ConvertFrom-Json",
                    "InvalidData",
                    "JsonParse",
                    format!("Conversion from JSON failed with error: {e}"),
                )
            })?;
            let as_hashtable = args.switch("AsHashtable");
            if !as_hashtable && let Some((first, second)) = keys_differing_in_case(&json) {
                return Err(CommandError::new(
                    "ConvertFrom-Json",
                    "InvalidOperation",
                    "DuplicateKeysInJsonString",
                    format!(
                        "Cannot convert the JSON string because it contains keys with different casing. Please use the -AsHashtable switch instead. The key that was attempted to be added to the existing key '{first}' was '{second}'."
                    ),
                )
                .into());
            }
            Ok(match from_json_as(json, as_hashtable) {
                Value::Array(items) if !args.switch("NoEnumerate") => items,
                // (An array in the output is sent on item by item: wrapped, it goes as one.)
                array @ Value::Array(_) => vec![Value::Array(vec![array])],
                other => vec![other],
            })
        },
    )
}

/// Two keys of one JSON object that differ only in case (an object's properties
/// cannot tell them apart), if there are any.
fn keys_differing_in_case(json: &Json) -> Option<(String, String)> {
    match json {
        Json::Object(map) => {
            let mut seen: std::collections::HashMap<String, &String> = Default::default();
            for key in map.keys() {
                if let Some(first) = seen.insert(key.to_lowercase(), key) {
                    return Some((first.clone(), key.clone()));
                }
            }
            map.values().find_map(keys_differing_in_case)
        }
        Json::Array(items) => items.iter().find_map(keys_differing_in_case),
        _ => None,
    }
}

/// JSON with its `//` and `/* */` comments blanked out (outside strings), as
/// ConvertFrom-Json accepts them; line and column numbers in errors stay right.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                while let Some(&next) = chars.peek() {
                    if next == '\n' {
                        break;
                    }
                    chars.next();
                    out.push(' ');
                }
                out.push(' ');
            }
            ('/', Some('*')) => {
                chars.next();
                out.push_str("  ");
                let mut previous = ' ';
                for next in chars.by_ref() {
                    out.push(if next == '\n' { '\n' } else { ' ' });
                    if previous == '*' && next == '/' {
                        break;
                    }
                    previous = next;
                }
            }
            _ => out.push(c),
        }
    }
    out
}
