//! `Measure-Object`: counts, sums, averages, extremes and the standard deviation of
//! objects or of their properties; lines, words and characters of text.

use super::objects::key_of;
use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, example_with_output,
    input_items, param,
};
use crate::engine::operators;
use crate::engine::{Session, Value};
use std::cmp::Ordering;

/// `Measure-Object` (`measure`).
pub fn measure_object() -> Builtin {
    Builtin::new(
        command_info(
            "Measure-Object",
            &["measure"],
            "Calculates the numeric properties of objects, or counts the lines, words and characters of text.",
            "Counts the objects and, when asked, sums, averages, finds the minimum and maximum and the (sample) standard deviation of the objects or of each -Property (names or script blocks; one result per property). -AllStats asks for all of them. -Line, -Word and -Character count the text of the objects instead. Booleans count as 1 and 0, as in PowerShell; an object that is not a number is an error.",
            vec![
                param(
                    "Property",
                    T::Any,
                    "Properties (names or script blocks) to measure.",
                )
                .position(0),
                param("Sum", T::Switch, "Sum the values."),
                param("Average", T::Switch, "Average the values."),
                param("Maximum", T::Switch, "Largest value."),
                param("Minimum", T::Switch, "Smallest value."),
                param(
                    "StandardDeviation",
                    T::Switch,
                    "The sample standard deviation.",
                ),
                param("AllStats", T::Switch, "All of the statistics."),
                param("Line", T::Switch, "Count lines of text."),
                param("Word", T::Switch, "Count words of text."),
                param("Character", T::Switch, "Count characters of text."),
                param(
                    "IgnoreWhiteSpace",
                    T::Switch,
                    "With -Character: leave out white space.",
                ),
                super::objects::input_object(),
            ],
            "GenericMeasureInfo",
        )
        .examples(vec![
            example_with_output(
                "Statistics of numbers",
                "1..10 | Measure-Object -Sum -Average",
                "Count, Average and Sum; the statistics not asked for stay empty.",
                "\nCount             : 10\nAverage           : 5.5\nSum               : 55\nMaximum           :\nMinimum           :\nStandardDeviation :\nProperty          :\n\n",
            ),
            example_with_output(
                "Lines and words of text",
                "'first line', 'second line here' | Measure-Object -Line -Word",
                "A TextMeasureInfo.",
                "\nLines Words Characters Property\n----- ----- ---------- --------\n    2     5\n\n",
            ),
        ]),
        true,
        |session, args, input| {
            let items = input_items(args, input, "InputObject");
            if args.switch("Line") || args.switch("Word") || args.switch("Character") {
                return Ok(vec![measure_text(args, &items)]);
            }
            let properties: Vec<Value> = args
                .get("Property")
                .map(|p| p.clone().into_items())
                .unwrap_or_default();
            if properties.is_empty() {
                return Ok(vec![measure(args, &items, Value::Null)?]);
            }
            let mut results = Vec::new();
            for property in properties {
                let values = property_values(session, &property, &items)?;
                if values.is_empty() && !items.is_empty() && !matches!(property, Value::ScriptBlock(_)) {
                    return Err(CommandError::new(
                        "Measure-Object",
                        "InvalidArgument",
                        "GenericMeasurePropertyNotFound",
                        format!(
                            "The property \"{}\" cannot be found in the input for any objects.",
                            property.to_text()
                        ),
                    )
                    .into());
                }
                let label = match &property {
                    Value::ScriptBlock(b) => Value::String(b.text.trim().to_string()),
                    other => Value::String(other.to_text()),
                };
                results.push(measure(args, &values, label)?);
            }
            Ok(results)
        },
    )
}

/// The values of one property (or script block) of the objects; objects without the
/// property are left out, as pwsh does.
fn property_values(
    session: &mut Session,
    property: &Value,
    items: &[Value],
) -> Result<Vec<Value>, crate::engine::session::Interrupt> {
    let mut values = Vec::new();
    for item in items {
        match property {
            Value::ScriptBlock(_) | Value::Hashtable(_) => {
                values.push(key_of(session, property, item)?)
            }
            name => {
                if let Some(v) = item.property(&name.to_text()) {
                    values.push(v);
                }
            }
        }
    }
    Ok(values)
}

/// The statistics asked for over `values`: a GenericMeasureInfo.
fn measure(
    args: &BoundArguments,
    values: &[Value],
    property: Value,
) -> Result<Value, CommandError> {
    let all = args.switch("AllStats");
    let wants = |name: &str| all || args.switch(name);
    let present: Vec<&Value> = values
        .iter()
        .filter(|v| !matches!(v, Value::Null))
        .collect();
    // Maximum and Minimum also compare dates and text; the other statistics need numbers.
    let all_numbers = present.iter().all(|v| as_number(v).is_some());
    let arithmetic = ["Sum", "Average", "StandardDeviation"]
        .iter()
        .any(|s| wants(s));
    let numbers: Vec<f64> = if arithmetic || all_numbers {
        present
            .iter()
            .map(|v| {
                as_number(v).ok_or_else(|| {
                    CommandError::new(
                        "Measure-Object",
                        "InvalidArgument",
                        "NonNumericInput",
                        format!(
                            "Input object \"{}\" is not a number: -Sum, -Average and -StandardDeviation need numbers (-Maximum and -Minimum also compare text and dates).",
                            v.to_text()
                        ),
                    )
                })
            })
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let sum: f64 = numbers.iter().sum();
    let count = numbers.len() as f64;
    let average = (count > 0.0).then(|| sum / count);
    let deviation = average.filter(|_| count > 1.0).map(|mean| {
        let squares: f64 = numbers.iter().map(|x| (x - mean).powi(2)).sum();
        (squares / (count - 1.0)).sqrt()
    });
    let stat = |name: &str, value: Option<f64>| {
        if wants(name) {
            value.map(number).unwrap_or(Value::Null)
        } else {
            Value::Null
        }
    };
    Ok(Value::object(
        "GenericMeasureInfo",
        vec![
            ("Count".into(), Value::Int(values.len() as i64)),
            ("Average".into(), stat("Average", average)),
            ("Sum".into(), stat("Sum", Some(sum))),
            (
                "Maximum".into(),
                extreme(wants("Maximum"), &numbers, &present, Ordering::Greater),
            ),
            (
                "Minimum".into(),
                extreme(wants("Minimum"), &numbers, &present, Ordering::Less),
            ),
            (
                "StandardDeviation".into(),
                stat("StandardDeviation", deviation),
            ),
            ("Property".into(), property),
        ],
    ))
}

/// The largest (`Greater`) or smallest value: of the numbers, or, when the values are
/// not all numbers (dates, text), of the values as PowerShell compares them.
fn extreme(on: bool, numbers: &[f64], values: &[&Value], wanted: Ordering) -> Value {
    if !on {
        return Value::Null;
    }
    if numbers.len() == values.len() {
        let pick = if wanted == Ordering::Greater {
            f64::max
        } else {
            f64::min
        };
        return numbers
            .iter()
            .cloned()
            .reduce(pick)
            .map(number)
            .unwrap_or(Value::Null);
    }
    values
        .iter()
        .copied()
        .reduce(|best, v| {
            if operators::order(v, best, false) == Some(wanted) {
                v
            } else {
                best
            }
        })
        .cloned()
        .unwrap_or(Value::Null)
}

/// A value as a number for statistics: numbers, numeric text, and booleans as 1 and 0.
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        other => operators::to_number(other).map(|n| match n {
            operators::Number::Int(i) => i as f64,
            operators::Number::Float(f) => f,
        }),
    }
}

/// A whole number shows as one (55, not 55.0).
fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9e15 {
        Value::Int(f as i64)
    } else {
        Value::Float(f)
    }
}

/// `-Line`, `-Word`, `-Character`: a TextMeasureInfo with the counts asked for.
fn measure_text(args: &BoundArguments, items: &[Value]) -> Value {
    let texts: Vec<String> = items.iter().map(Value::to_text).collect();
    let count_if = |on: bool, count: usize| {
        if on {
            Value::Int(count as i64)
        } else {
            Value::Null
        }
    };
    let lines: usize = texts.iter().map(|t| t.lines().count().max(1)).sum();
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    let characters: usize = texts
        .iter()
        .map(|t| {
            t.chars()
                .filter(|c| !(args.switch("IgnoreWhiteSpace") && c.is_whitespace()))
                .count()
        })
        .sum();
    Value::object(
        "TextMeasureInfo",
        vec![
            ("Lines".into(), count_if(args.switch("Line"), lines)),
            ("Words".into(), count_if(args.switch("Word"), words)),
            (
                "Characters".into(),
                count_if(args.switch("Character"), characters),
            ),
            ("Property".into(), Value::Null),
        ],
    )
}
