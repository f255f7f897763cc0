//! Methods and properties of core values (strings, DateTime, TimeSpan, arrays,
//! hashtables) and the static members scripts use (`[datetime]::Now`, `[math]::Round`).

use super::operators::{equals, to_number};
use super::value::{TableKind, Value};
use time::OffsetDateTime;

fn utc(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The current time, unix seconds.
pub use crate::clock::now;

fn arg_text(args: &[Value], i: usize) -> String {
    args.get(i).map(Value::to_text).unwrap_or_default()
}

fn arg_int(args: &[Value], i: usize, method: &str) -> Result<i64, String> {
    args.get(i)
        .and_then(to_number)
        .map(|n| match n {
            super::operators::Number::Int(i) => i,
            super::operators::Number::Float(f) => f.round() as i64,
        })
        .ok_or_else(|| {
            format!(
                "Cannot find an overload for \"{method}\" and the argument count: \"{}\".",
                args.len()
            )
        })
}

fn arg_float(args: &[Value], i: usize, method: &str) -> Result<f64, String> {
    args.get(i)
        .and_then(to_number)
        .map(|n| match n {
            super::operators::Number::Int(i) => i as f64,
            super::operators::Number::Float(f) => f,
        })
        .ok_or_else(|| {
            format!(
                "Cannot find an overload for \"{method}\" and the argument count: \"{}\".",
                args.len()
            )
        })
}

fn add_months(t: i64, months: i64) -> Result<i64, String> {
    let d = utc(t);
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + months;
    let year = i32::try_from(total.div_euclid(12)).map_err(|_| {
        "The added or subtracted value results in an un-representable DateTime.".to_string()
    })?;
    let month =
        time::Month::try_from((total.rem_euclid(12) + 1) as u8).map_err(|e| e.to_string())?;
    let last_day = time::util::days_in_month(month, year);
    let date = time::Date::from_calendar_date(year, month, d.day().min(last_day))
        .map_err(|e| e.to_string())?;
    Ok(d.replace_date(date).unix_timestamp())
}

/// Calls `target.name(args)`.
pub fn call(target: &Value, name: &str, args: &[Value]) -> Result<Value, String> {
    let lower = name.to_ascii_lowercase();
    match (target, lower.as_str()) {
        (Value::DateTime(t), "tostring") => {
            Ok(Value::String(format_datetime(*t, &arg_text(args, 0))))
        }
        (Value::Array(_), "tostring") => Ok(Value::String("System.Object[]".into())),
        (Value::Array(items), "getenumerator") => Ok(Value::Enumerator(
            crate::engine::value::Enumerator::new(items.clone()),
        )),
        (Value::List(list), m) if m != "gettype" => list_method(list, &lower, name, args),
        (Value::Enumerator(e), "movenext") => Ok(Value::Bool(e.move_next())),
        (Value::Enumerator(e), "reset") => {
            e.reset();
            Ok(Value::Null)
        }
        (_, "tostring") if args.is_empty() => Ok(Value::String(target.to_text())),
        // `(2.5).ToString('F2')`, `(2.5).ToString('F2', $culture)`: .NET format strings.
        (Value::Int(_) | Value::Float(_), "tostring") => Ok(Value::String(
            super::operators::format_value(target, &arg_text(args, 0)),
        )),
        (Value::Int(_) | Value::Float(_) | Value::String(_), "compareto") => {
            let other = args.first().unwrap_or(&Value::Null);
            Ok(Value::Int(
                match super::operators::order(target, other, true) {
                    Some(std::cmp::Ordering::Less) => -1,
                    Some(std::cmp::Ordering::Greater) => 1,
                    _ => 0,
                },
            ))
        }
        (Value::Null, _) => Err("You cannot call a method on a null-valued expression.".into()),
        (_, "gettype") => Ok(super::value::type_object(target)),
        (Value::String(s), _) => string_method(s, &lower, name, args),
        (Value::DateTime(t), m) if m.starts_with("add") => {
            let n = arg_float(args, 0, name)?;
            let seconds = match m {
                "adddays" => n * 86_400.0,
                "addhours" => n * 3600.0,
                "addminutes" => n * 60.0,
                "addseconds" => n,
                "addmilliseconds" => n / 1000.0,
                "addmonths" => return add_months(*t, n as i64).map(Value::DateTime),
                "addyears" => return add_months(*t, n as i64 * 12).map(Value::DateTime),
                _ => return Err(no_method(target, name)),
            };
            Ok(Value::DateTime(t + seconds.round() as i64))
        }
        (Value::DateTime(t), "subtract") => match args.first() {
            Some(Value::DateTime(o)) => Ok(Value::TimeSpan((t - o) * 1000)),
            Some(Value::TimeSpan(ms)) => Ok(Value::DateTime(t - ms / 1000)),
            _ => Err(no_method(target, name)),
        },
        (Value::DateTime(_), "touniversaltime" | "tolocaltime") => Ok(target.clone()),
        (Value::DateTime(t), "compareto") => match args.first() {
            Some(Value::DateTime(o)) => Ok(Value::Int(t.cmp(o) as i64)),
            _ => Err(no_method(target, name)),
        },
        (Value::Array(items), "contains") => {
            Ok(Value::Bool(items.iter().any(|v| {
                equals(v, args.first().unwrap_or(&Value::Null), true)
            })))
        }
        (Value::Array(items), "indexof") => Ok(Value::Int(
            items
                .iter()
                .position(|v| equals(v, args.first().unwrap_or(&Value::Null), true))
                .map(|i| i as i64)
                .unwrap_or(-1),
        )),
        (Value::Hashtable(table), "add") => {
            let key = args.first().cloned().unwrap_or(Value::Null);
            let k = key.to_text();
            if table.contains(&k) {
                return Err(match table.kind {
                    TableKind::Dictionary { .. } => format!(
                        "Exception calling \"Add\" with \"2\" argument(s): \"An item with the same key has already been added. Key: {k}\""
                    ),
                    _ => format!(
                        "Exception calling \"Add\" with \"2\" argument(s): \"Item has already been added. Key in dictionary: '{k}'  Key being added: '{k}'\""
                    ),
                });
            }
            let value = table.converted(args.get(1).cloned().unwrap_or(Value::Null))?;
            table.insert(k, value);
            Ok(Value::Null)
        }
        (Value::Hashtable(table), "remove") => {
            let k = arg_text(args, 0);
            let had = table.contains(&k);
            table.remove(&k);
            // A generic dictionary's Remove says whether the key was there.
            Ok(match table.kind {
                TableKind::Dictionary { .. } | TableKind::BoundParameters => Value::Bool(had),
                _ => Value::Null,
            })
        }
        (Value::Hashtable(table), "clear") => {
            table.borrow_mut().clear();
            Ok(Value::Null)
        }
        (Value::Hashtable(table), "clone") => Ok(table.copy()),
        (Value::Hashtable(table), "containsvalue") => {
            let wanted = args.first().cloned().unwrap_or(Value::Null);
            Ok(Value::Bool(
                table
                    .borrow()
                    .iter()
                    .any(|(_, v)| equals(v, &wanted, false)),
            ))
        }
        (Value::Hashtable(table), "getenumerator") => Ok(Value::Array(
            table
                .borrow()
                .iter()
                .map(|(k, v)| {
                    if table.shows_keys() {
                        return Value::object(
                            "KeyValuePair",
                            vec![
                                ("Key".into(), Value::String(k.clone())),
                                ("Value".into(), v.clone()),
                            ],
                        );
                    }
                    Value::object(
                        "DictionaryEntry",
                        vec![
                            ("Name".into(), Value::String(k.clone())),
                            ("Key".into(), Value::String(k.clone())),
                            ("Value".into(), v.clone()),
                        ],
                    )
                })
                .collect(),
        )),
        (Value::Hashtable(table), "containskey" | "contains") => {
            Ok(Value::Bool(table.contains(&arg_text(args, 0))))
        }
        (_, "equals") => Ok(Value::Bool(equals(
            target,
            args.first().unwrap_or(&Value::Null),
            false,
        ))),
        _ => Err(no_method(target, name)),
    }
}

/// A value as an item of `list`: converted to its element type (an item the session
/// already converted to a script's class or enum is kept).
fn list_element(list: &crate::engine::value::ListObject, value: Value) -> Result<Value, String> {
    super::operators::list_item(list.element.as_deref(), value)
}

/// The methods of a `List[T]` or `ArrayList`, which change it in place.
fn list_method(
    list: &crate::engine::value::ListObject,
    lower: &str,
    name: &str,
    args: &[Value],
) -> Result<Value, String> {
    let item = |i: usize| list_element(list, args.get(i).cloned().unwrap_or(Value::Null));
    let index = |i: usize| -> Result<usize, String> {
        let n = arg_int(args, i, name)?;
        usize::try_from(n).map_err(|_| {
            format!("Index {n} is out of range: an index must be 0 or more and less than the size of the collection.")
        })
    };
    let position = |v: &Value| list.items.borrow().iter().position(|x| equals(x, v, true));
    let out_of_range = |i: usize, len: usize| match len {
        0 => format!("Index {i} is out of range: the list is empty."),
        _ => format!(
            "Index {i} is out of range: the list has {len} items (0 to {}).",
            len - 1
        ),
    };
    Ok(match lower {
        "add" => {
            let v = item(0)?;
            let mut items = list.items.borrow_mut();
            items.push(v);
            // ArrayList.Add returns the new item's index (hence `$null = $list.Add(x)`).
            if list.is_array_list() {
                Value::Int(items.len() as i64 - 1)
            } else {
                Value::Null
            }
        }
        "addrange" => {
            let values = args.first().cloned().unwrap_or(Value::Null).into_items();
            let converted = values
                .into_iter()
                .map(|v| list_element(list, v))
                .collect::<Result<Vec<_>, _>>()?;
            list.items.borrow_mut().extend(converted);
            Value::Null
        }
        "insert" => {
            let (at, v) = (index(0)?, item(1)?);
            let mut items = list.items.borrow_mut();
            if at > items.len() {
                return Err(out_of_range(at, items.len()));
            }
            items.insert(at, v);
            Value::Null
        }
        "remove" => {
            let v = item(0)?;
            let found = position(&v);
            if let Some(i) = found {
                list.items.borrow_mut().remove(i);
            }
            // List[T].Remove says whether it removed; ArrayList.Remove returns nothing.
            if list.is_array_list() {
                Value::Null
            } else {
                Value::Bool(found.is_some())
            }
        }
        "removeat" => {
            let at = index(0)?;
            let mut items = list.items.borrow_mut();
            if at >= items.len() {
                return Err(out_of_range(at, items.len()));
            }
            items.remove(at);
            Value::Null
        }
        "clear" => {
            list.items.borrow_mut().clear();
            Value::Null
        }
        "contains" => Value::Bool(position(&item(0)?).is_some()),
        "indexof" => Value::Int(position(&item(0)?).map(|i| i as i64).unwrap_or(-1)),
        "toarray" => Value::Array(list.items.borrow().clone()),
        "reverse" => {
            list.items.borrow_mut().reverse();
            Value::Null
        }
        "sort" => {
            // (Sorted outside the list's borrow: comparing may read the list itself.)
            let mut items = list.items.borrow().clone();
            items.sort_by(|a, b| {
                super::operators::order(a, b, false).unwrap_or(std::cmp::Ordering::Equal)
            });
            *list.items.borrow_mut() = items;
            Value::Null
        }
        "item" | "get_item" => {
            let at = index(0)?;
            let items = list.items.borrow();
            items
                .get(at)
                .cloned()
                .ok_or_else(|| out_of_range(at, items.len()))?
        }
        "getrange" => {
            let (at, count) = (index(0)?, index(1)?);
            let items = list.items.borrow();
            if at + count > items.len() {
                return Err(out_of_range(at + count, items.len()));
            }
            Value::Array(items[at..at + count].to_vec())
        }
        "removerange" => {
            let (at, count) = (index(0)?, index(1)?);
            let mut items = list.items.borrow_mut();
            if at + count > items.len() {
                return Err(out_of_range(at + count, items.len()));
            }
            items.drain(at..at + count);
            Value::Null
        }
        "find" | "findall" | "findindex" | "findlast" | "exists" | "removeall" | "trueforall"
        | "convertall" => {
            return Err(format!(
                "List.{name}() takes a .NET delegate, which certhost does not offer; filter with Where-Object or .Where({{ ... }}) instead."
            ));
        }
        "tostring" => Value::String(list.full_name.clone()),
        "equals" => Value::Bool(false),
        _ => {
            return Err(format!(
                "Method invocation failed because [{}] does not contain a method named '{name}'.",
                list.full_name
            ));
        }
    })
}

/// A Guid from its 16 bytes in .NET's order (the first three groups little-endian).
pub fn guid_from_bytes(b: &[u8; 16]) -> Value {
    let text = format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        hex::encode(&b[10..])
    );
    Value::object("Guid", vec![("Guid".into(), Value::String(text))])
}

/// What .NET's `Regex.Escape` gives: metacharacters and white space escaped (`]` and
/// `}` are left as they are).
fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' | '*' | '+' | '?' | '|' | '{' | '[' | '(' | ')' | '^' | '$' | '.' | '#' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            other => out.push(other),
        }
    }
    out
}

fn no_method(target: &Value, name: &str) -> String {
    format!(
        "Method invocation failed because [{}] does not contain a method named '{name}'.",
        target.type_name()
    )
}

fn string_method(s: &str, lower: &str, name: &str, args: &[Value]) -> Result<Value, String> {
    let text = |v: String| Ok(Value::String(v));
    let chars_of = |i: usize| -> Vec<char> { arg_text(args, i).chars().collect() };
    match lower {
        "toupper" | "toupperinvariant" => text(s.to_uppercase()),
        "tolower" | "tolowerinvariant" => text(s.to_lowercase()),
        "trim" if args.is_empty() => text(s.trim().to_string()),
        "trim" => text(s.trim_matches(chars_of(0).as_slice()).to_string()),
        "trimstart" if args.is_empty() => text(s.trim_start().to_string()),
        "trimstart" => text(s.trim_start_matches(chars_of(0).as_slice()).to_string()),
        "trimend" if args.is_empty() => text(s.trim_end().to_string()),
        "trimend" => text(s.trim_end_matches(chars_of(0).as_slice()).to_string()),
        "split" => {
            let seps = chars_of(0);
            let parts: Vec<Value> = if seps.is_empty() {
                s.split(char::is_whitespace)
                    .map(|p| Value::String(p.to_string()))
                    .collect()
            } else {
                s.split(seps.as_slice())
                    .map(|p| Value::String(p.to_string()))
                    .collect()
            };
            Ok(Value::Array(parts))
        }
        "replace" => text(s.replace(&arg_text(args, 0), &arg_text(args, 1))),
        "startswith" => Ok(Value::Bool(s.starts_with(&arg_text(args, 0)))),
        "endswith" => Ok(Value::Bool(s.ends_with(&arg_text(args, 0)))),
        "contains" => Ok(Value::Bool(s.contains(&arg_text(args, 0)))),
        "indexof" => Ok(Value::Int(
            s.find(&arg_text(args, 0))
                .map(|i| s[..i].chars().count() as i64)
                .unwrap_or(-1),
        )),
        "lastindexof" => Ok(Value::Int(
            s.rfind(&arg_text(args, 0))
                .map(|i| s[..i].chars().count() as i64)
                .unwrap_or(-1),
        )),
        "substring" => {
            let chars: Vec<char> = s.chars().collect();
            let start = usize::try_from(arg_int(args, 0, name)?)
                .map_err(|_| "startIndex cannot be negative.".to_string())?;
            let len = match args.get(1) {
                Some(_) => usize::try_from(arg_int(args, 1, name)?)
                    .map_err(|_| "length cannot be negative.".to_string())?,
                None => chars.len().saturating_sub(start),
            };
            if start + len > chars.len() {
                return Err(format!(
                    "Exception calling \"Substring\": startIndex {start} and length {len} exceed the string length {}.",
                    chars.len()
                ));
            }
            text(chars[start..start + len].iter().collect())
        }
        "padleft" => text(format!(
            "{s:>width$}",
            width = arg_int(args, 0, name)?.max(0) as usize
        )),
        "padright" => text(format!(
            "{s:<width$}",
            width = arg_int(args, 0, name)?.max(0) as usize
        )),
        "equals" => Ok(Value::Bool(s == arg_text(args, 0))),
        _ => Err(no_method(&Value::String(s.to_string()), name)),
    }
}

/// Properties of DateTime and TimeSpan values.
pub fn time_property(value: &Value, name: &str) -> Option<Value> {
    let lower = name.to_ascii_lowercase();
    match value {
        Value::DateTime(t) => {
            let d = utc(*t);
            Some(match lower.as_str() {
                "year" => Value::Int(i64::from(d.year())),
                "month" => Value::Int(i64::from(u8::from(d.month()))),
                "day" => Value::Int(i64::from(d.day())),
                "hour" => Value::Int(i64::from(d.hour())),
                "minute" => Value::Int(i64::from(d.minute())),
                "second" => Value::Int(i64::from(d.second())),
                // A DayOfWeek enum value: `Thursday`, equal to 4.
                "dayofweek" => Value::Enum(
                    std::rc::Rc::new(crate::engine::value::EnumType {
                        name: "System.DayOfWeek".into(),
                        flags: false,
                        underlying: "System.Int32".into(),
                        members: [
                            "Sunday",
                            "Monday",
                            "Tuesday",
                            "Wednesday",
                            "Thursday",
                            "Friday",
                            "Saturday",
                        ]
                        .iter()
                        .zip(0..)
                        .map(|(n, v)| (n.to_string(), v))
                        .collect(),
                    }),
                    i64::from(d.weekday().number_days_from_sunday()),
                ),
                "dayofyear" => Value::Int(i64::from(d.ordinal())),
                "date" => Value::DateTime(d.date().midnight().assume_utc().unix_timestamp()),
                "ticks" => Value::Int((t + 62_135_596_800) * 10_000_000),
                _ => return None,
            })
        }
        Value::TimeSpan(ms) => {
            let ms = *ms;
            Some(match lower.as_str() {
                "days" => Value::Int(ms / 86_400_000),
                "hours" => Value::Int(ms / 3_600_000 % 24),
                "minutes" => Value::Int(ms / 60_000 % 60),
                "seconds" => Value::Int(ms / 1000 % 60),
                "milliseconds" => Value::Int(ms % 1000),
                "totaldays" => Value::Float(ms as f64 / 86_400_000.0),
                "totalhours" => Value::Float(ms as f64 / 3_600_000.0),
                "totalminutes" => Value::Float(ms as f64 / 60_000.0),
                "totalseconds" => Value::Float(ms as f64 / 1000.0),
                "totalmilliseconds" => Value::Float(ms as f64),
                _ => return None,
            })
        }
        _ => None,
    }
}

/// `[type]::Name` and `[type]::Name(args)`.
pub fn static_member(type_name: &str, name: &str, args: Option<&[Value]>) -> Result<Value, String> {
    let t = type_name.to_ascii_lowercase();
    let t = t.strip_prefix("system.").unwrap_or(&t);
    let n = name.to_ascii_lowercase();
    let args = args.unwrap_or(&[]);
    Ok(match (t, n.as_str()) {
        ("datetime", "now" | "utcnow") => Value::DateTime(now()),
        (
            "midpointrounding",
            "toeven" | "awayfromzero" | "tozero" | "tonegativeinfinity" | "topositiveinfinity",
        ) => Value::String(name.to_string()),
        ("regex" | "text.regularexpressions.regex", "escape") => {
            Value::String(regex_escape(&arg_text(args, 0)))
        }
        // certhost formats as en-US (dates) and invariant (numbers) everywhere.
        (
            "cultureinfo" | "globalization.cultureinfo",
            "currentculture" | "currentuiculture" | "invariantculture",
        ) => Value::object(
            "CultureInfo",
            vec![
                ("Name".into(), Value::String("en-US".into())),
                (
                    "DisplayName".into(),
                    Value::String("English (United States)".into()),
                ),
            ],
        ),
        ("datetime", "today") => Value::DateTime(now() - now().rem_euclid(86_400)),
        ("datetime", "parse") => {
            let s = arg_text(args, 0);
            Value::DateTime(
                super::convert::parse_datetime(&s).ok_or_else(|| {
                    format!("String '{s}' was not recognized as a valid DateTime.")
                })?,
            )
        }
        ("timespan", "fromdays") => {
            Value::TimeSpan((arg_float(args, 0, name)? * 86_400_000.0) as i64)
        }
        ("timespan", "fromhours") => {
            Value::TimeSpan((arg_float(args, 0, name)? * 3_600_000.0) as i64)
        }
        ("timespan", "fromminutes") => {
            Value::TimeSpan((arg_float(args, 0, name)? * 60_000.0) as i64)
        }
        ("timespan", "fromseconds") => Value::TimeSpan((arg_float(args, 0, name)? * 1000.0) as i64),
        ("timespan", "frommilliseconds") => Value::TimeSpan(arg_float(args, 0, name)? as i64),
        ("math", "round") => {
            let x = arg_float(args, 0, name)?;
            // Round(x), Round(x, digits), Round(x, mode), Round(x, digits, mode).
            let mode = match args.last().filter(|_| args.len() > 1) {
                Some(v @ Value::String(_)) => v.to_text().to_ascii_lowercase(),
                _ => "toeven".into(),
            };
            let digits = match args.get(1) {
                Some(Value::String(_)) | None => 0,
                Some(_) => arg_int(args, 1, name)?,
            };
            let f = 10f64.powi(digits as i32);
            let scaled = x * f;
            // .NET rounds half to even by default.
            let r = match mode.as_str() {
                "toeven" => scaled.round_ties_even(),
                "awayfromzero" => scaled.round(),
                "tozero" => scaled.trunc(),
                "tonegativeinfinity" => scaled.floor(),
                "topositiveinfinity" => scaled.ceil(),
                other => {
                    return Err(format!(
                        "'{other}' is not a MidpointRounding mode; use ToEven, AwayFromZero, ToZero, ToNegativeInfinity or ToPositiveInfinity."
                    ));
                }
            } / f;
            if digits == 0 {
                Value::Int(r as i64)
            } else {
                Value::Float(r)
            }
        }
        ("math", "floor") => Value::Float(arg_float(args, 0, name)?.floor()),
        ("math", "ceiling") => Value::Float(arg_float(args, 0, name)?.ceil()),
        ("math", "abs") => Value::Float(arg_float(args, 0, name)?.abs()),
        ("math", "max") => Value::Float(arg_float(args, 0, name)?.max(arg_float(args, 1, name)?)),
        ("math", "min") => Value::Float(arg_float(args, 0, name)?.min(arg_float(args, 1, name)?)),
        ("math", "pow") => Value::Float(arg_float(args, 0, name)?.powf(arg_float(args, 1, name)?)),
        ("math", "sqrt") => Value::Float(arg_float(args, 0, name)?.sqrt()),
        ("math", "pi") => Value::Float(std::f64::consts::PI),
        ("string", "isnullorempty") => {
            Value::Bool(args.first().is_none_or(|v| v.to_text().is_empty()))
        }
        ("string", "isnullorwhitespace") => {
            Value::Bool(args.first().is_none_or(|v| v.to_text().trim().is_empty()))
        }
        ("string", "join") => Value::String(
            args.get(1..)
                .unwrap_or(&[])
                .iter()
                .flat_map(|v| v.clone().into_items_keep())
                .map(|v| v.to_text())
                .collect::<Vec<_>>()
                .join(&arg_text(args, 0)),
        ),
        ("string", "empty") => Value::String(String::new()),
        ("int" | "int32", "maxvalue") => Value::Int(i64::from(i32::MAX)),
        ("int" | "int32", "minvalue") => Value::Int(i64::from(i32::MIN)),
        ("int64" | "long", "maxvalue") => Value::Int(i64::MAX),
        ("int64" | "long", "minvalue") => Value::Int(i64::MIN),
        ("byte", "maxvalue") => Value::Int(255),
        ("byte", "minvalue") => Value::Int(0),
        ("sbyte", "maxvalue") => Value::Int(i64::from(i8::MAX)),
        ("sbyte", "minvalue") => Value::Int(i64::from(i8::MIN)),
        ("int16" | "short", "maxvalue") => Value::Int(i64::from(i16::MAX)),
        ("int16" | "short", "minvalue") => Value::Int(i64::from(i16::MIN)),
        ("uint16" | "ushort", "maxvalue") => Value::Int(i64::from(u16::MAX)),
        ("uint32" | "uint", "maxvalue") => Value::Int(i64::from(u32::MAX)),
        ("uint16" | "ushort" | "uint32" | "uint" | "uint64" | "ulong", "minvalue") => Value::Int(0),
        // Beyond Int64: held as a Double (as pwsh's arithmetic on it gives one).
        ("uint64" | "ulong", "maxvalue") => Value::Float(u64::MAX as f64),
        ("double", "maxvalue") => Value::Float(f64::MAX),
        ("double", "minvalue") => Value::Float(f64::MIN),
        ("math", "truncate") => Value::Float(arg_float(args, 0, name)?.trunc()),
        ("math", "log") => Value::Float(arg_float(args, 0, name)?.ln()),
        ("math", "log10") => Value::Float(arg_float(args, 0, name)?.log10()),
        ("math", "e") => Value::Float(std::f64::consts::E),
        ("management.automation.pscredential" | "pscredential", "new") => {
            let password = match args.get(1) {
                Some(Value::SecureString(s)) => s.clone(),
                _ => {
                    return Err(
                        "PSCredential needs a user name and a SecureString password: [pscredential]::new('user', (ConvertTo-SecureString $text -AsPlainText -Force))."
                            .into(),
                    );
                }
            };
            Value::credential(&arg_text(args, 0), password)
        }
        // `[List[string]]::new()`, `::new(capacity)`, `::new($items)`.
        (list, "new")
            if let Some((array_list, element)) = super::operators::generic_list_type(list) =>
        {
            let initial = match args.first() {
                None | Some(Value::Int(_)) => Value::Null,
                Some(items) => items.clone(),
            };
            super::operators::new_list(array_list, element.as_deref(), initial)?
        }
        ("collections.hashtable" | "hashtable", "new") => Value::hashtable(Vec::new()),
        // `[Tuple]::Create(a, b, ...)`: Item1..Item7 (and Length), indexed as an array.
        ("tuple", "create") if (1..=7).contains(&args.len()) => {
            let mut items: Vec<(String, Value)> = args
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("Item{}", i + 1), v.clone()))
                .collect();
            items.push(("Length".into(), Value::Int(args.len() as i64)));
            Value::object(&format!("System.Tuple`{}", args.len()), items)
        }
        ("collections.specialized.ordereddictionary" | "ordered", "new") => {
            Value::table(TableKind::Ordered, Vec::new())
        }
        (dictionary, "new")
            if let Some(empty) = super::operators::generic_dictionary(dictionary) =>
        {
            empty
        }
        ("guid", "newguid") => {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes)
                .map_err(|e| format!("The system's random source failed: {e}."))?;
            // Version 4, RFC 4122 variant.
            bytes[7] = (bytes[7] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            guid_from_bytes(&bytes)
        }
        ("guid", "empty") => guid_from_bytes(&[0; 16]),
        ("guid", "new" | "parse") => match args.first() {
            Some(Value::String(text)) => {
                super::operators::cast("guid", Value::String(text.clone()))?
            }
            Some(Value::Array(items)) if items.len() == 16 => {
                let mut bytes = [0u8; 16];
                for (b, v) in bytes.iter_mut().zip(items) {
                    *b = super::operators::to_number(v)
                        .and_then(|n| u8::try_from(n.as_int()).ok())
                        .ok_or_else(|| {
                            format!(
                                "A Guid's bytes are numbers from 0 to 255, not '{}'.",
                                v.to_text()
                            )
                        })?;
                }
                guid_from_bytes(&bytes)
            }
            _ => {
                return Err("[guid]::new() takes a Guid's text or its 16 bytes.".into());
            }
        },
        ("text.stringbuilder", "new") => Value::String(arg_text(args, 0)),
        _ => {
            return Err(format!(
                "[{type_name}] has no static member '{name}' that certhost supports."
            ));
        }
    })
}

/// .NET date formatting: standard (`o`, `s`, `u`, `d`, `D`, `g`, `G`, `yyyy-MM-dd`...) and
/// custom patterns (`yyyy MM dd HH hh mm ss tt ddd dddd MMM MMMM fff zzz K`). UTC.
pub fn format_datetime(t: i64, fmt: &str) -> String {
    let d = utc(t);
    let pattern = match fmt {
        "" | "G" => return crate::clock::datetime_short(t),
        "o" | "O" => "yyyy-MM-ddTHH:mm:ss.fffffffK",
        "s" => "yyyy-MM-ddTHH:mm:ss",
        "u" => "yyyy-MM-dd HH:mm:ssZ",
        "d" => "M/d/yyyy",
        "D" => "dddd, MMMM d, yyyy",
        "g" => "M/d/yyyy h:mm tt",
        "t" => "h:mm tt",
        "T" => "h:mm:ss tt",
        other => other,
    };
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        let month_name = d.month().to_string();
        let weekday = d.weekday().to_string();
        let hour12 = match d.hour() % 12 {
            0 => 12,
            h => h,
        };
        match c {
            'y' => out.push_str(&if run <= 2 {
                format!("{:02}", d.year() % 100)
            } else {
                format!("{:0width$}", d.year(), width = run)
            }),
            'M' => out.push_str(&match run {
                1 => u8::from(d.month()).to_string(),
                2 => format!("{:02}", u8::from(d.month())),
                3 => month_name[..3].to_string(),
                _ => month_name,
            }),
            'd' => out.push_str(&match run {
                1 => d.day().to_string(),
                2 => format!("{:02}", d.day()),
                3 => weekday[..3].to_string(),
                _ => weekday,
            }),
            'H' => out.push_str(&if run == 1 {
                d.hour().to_string()
            } else {
                format!("{:02}", d.hour())
            }),
            'h' => out.push_str(&if run == 1 {
                hour12.to_string()
            } else {
                format!("{hour12:02}")
            }),
            'm' => out.push_str(&if run == 1 {
                d.minute().to_string()
            } else {
                format!("{:02}", d.minute())
            }),
            's' => out.push_str(&if run == 1 {
                d.second().to_string()
            } else {
                format!("{:02}", d.second())
            }),
            'f' | 'F' => out.push_str(&"0".repeat(run)),
            't' => out.push_str(if d.hour() < 12 {
                if run == 1 { "A" } else { "AM" }
            } else if run == 1 {
                "P"
            } else {
                "PM"
            }),
            'z' => out.push_str(if run >= 3 { "+00:00" } else { "+00" }),
            'K' => out.push('Z'),
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == c)
                    .map(|p| i + 1 + p)
                    .unwrap_or(chars.len());
                out.extend(&chars[i + 1..end]);
                i = end + 1;
                continue;
            }
            other => {
                for _ in 0..run {
                    out.push(other);
                }
            }
        }
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_380_736; // 2026-11-22 20:52:16 UTC

    #[test]
    fn dates() {
        assert_eq!(
            format_datetime(T, "yyyy-MM-dd HH:mm:ss"),
            "2026-11-22 20:52:16"
        );
        assert_eq!(format_datetime(T, "dddd, MMMM d"), "Sunday, November 22");
        assert_eq!(format_datetime(T, "o"), "2026-11-22T20:52:16.0000000Z");
        let jan31 = 1_800_000_000 - 1_800_000_000 % 86_400; // 2027-01-15
        let Value::DateTime(later) =
            call(&Value::DateTime(jan31), "AddMonths", &[Value::Int(1)]).unwrap()
        else {
            panic!()
        };
        assert_eq!(format_datetime(later, "yyyy-MM-dd"), "2027-02-15");
        assert!(
            matches!(call(&Value::DateTime(T), "AddDays", &[Value::Int(30)]).unwrap(), Value::DateTime(x) if x == T + 30 * 86_400)
        );
    }

    #[test]
    fn strings_and_statics() {
        let s = Value::String("  Backup01.Tech.Local ".into());
        assert_eq!(
            call(&s, "Trim", &[]).unwrap().to_text(),
            "Backup01.Tech.Local"
        );
        assert_eq!(
            call(
                &Value::String("a,b".into()),
                "Split",
                &[Value::String(",".into())]
            )
            .unwrap()
            .to_text(),
            "a b"
        );
        assert_eq!(
            call(
                &Value::String("abcdef".into()),
                "Substring",
                &[Value::Int(2), Value::Int(3)]
            )
            .unwrap()
            .to_text(),
            "cde"
        );
        assert!(
            call(
                &Value::String("abc".into()),
                "Substring",
                &[Value::Int(2), Value::Int(5)]
            )
            .is_err()
        );
        assert_eq!(
            static_member("math", "Round", Some(&[Value::Float(2.5)]))
                .unwrap()
                .to_text(),
            "2"
        );
        assert!(static_member("Nope", "X", None).is_err());
    }
}
