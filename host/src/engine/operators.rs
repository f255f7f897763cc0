//! PowerShell's operators: arithmetic, comparison (case-insensitive unless `-c`),
//! `-like`, `-match`, `-replace`, `-split`, `-join`, `-f`, ranges and casts. The left
//! operand decides the type, as in PowerShell.

use super::value::{TableKind, Value};
use crate::lang::ast::{BinaryOp, Comparison};
use std::cmp::Ordering;

/// Longest range `a..b` built (a larger one is almost certainly a mistake).
const MAX_RANGE: i64 = 50_000_000;

/// A number PowerShell would see in a value.
#[derive(Debug, Clone, Copy)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    /// The number as a double.
    pub fn as_float(self) -> f64 {
        self.f()
    }

    /// The number as an integer (a double rounded as .NET rounds).
    pub fn as_int(self) -> i64 {
        match self {
            Number::Int(i) => i,
            Number::Float(f) => round_half_even(f) as i64,
        }
    }

    fn f(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// The number in a value (numbers, numeric strings, booleans, `$null` as 0).
pub fn to_number(v: &Value) -> Option<Number> {
    if let Some(base) = v.base_value() {
        return to_number(base);
    }
    match v {
        Value::Int(i) => Some(Number::Int(*i)),
        Value::Float(f) => Some(Number::Float(*f)),
        Value::Bool(b) => Some(Number::Int(i64::from(*b))),
        Value::Null => Some(Number::Int(0)),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Some(Number::Int(0));
            }
            if let Some(hex) = t.strip_prefix("0x") {
                return i64::from_str_radix(hex, 16).ok().map(Number::Int);
            }
            t.parse::<i64>()
                .map(Number::Int)
                .ok()
                .or_else(|| t.parse::<f64>().ok().map(Number::Float))
        }
        Value::Array(a) if a.len() == 1 => to_number(&a[0]),
        Value::Enum(_, v) => Some(Number::Int(*v)),
        _ => None,
    }
}

fn number_error(v: &Value, op: &str) -> String {
    format!(
        "Cannot convert value \"{}\" to a number for the '{op}' operator.",
        v.to_text()
    )
}

fn arithmetic(op: &str, a: Number, b: Number) -> Result<Value, String> {
    // Two Int32 operands whose sum, difference or product leaves Int32's range give a
    // Double, as in PowerShell (not an Int64).
    if let (Number::Int(x), Number::Int(y)) = (a, b)
        && i32::try_from(x).is_ok()
        && i32::try_from(y).is_ok()
        && matches!(op, "+" | "-" | "*")
    {
        let exact = match op {
            "+" => x + y,
            "-" => x - y,
            _ => x * y,
        };
        if i32::try_from(exact).is_err() {
            return Ok(Value::Float(exact as f64));
        }
    }
    Ok(match (a, b) {
        (Number::Int(x), Number::Int(y)) => match op {
            "+" => x
                .checked_add(y)
                .map(Value::Int)
                .unwrap_or(Value::Float(x as f64 + y as f64)),
            "-" => x
                .checked_sub(y)
                .map(Value::Int)
                .unwrap_or(Value::Float(x as f64 - y as f64)),
            "*" => x
                .checked_mul(y)
                .map(Value::Int)
                .unwrap_or(Value::Float(x as f64 * y as f64)),
            "/" if y == 0 => return Err("Attempted to divide by zero.".into()),
            "/" => match (x.checked_rem(y), x.checked_div(y)) {
                (Some(0), Some(q)) => Value::Int(q),
                _ => Value::Float(x as f64 / y as f64),
            },
            "%" if y == 0 => return Err("Attempted to divide by zero.".into()),
            _ => Value::Int(x.checked_rem(y).unwrap_or(0)),
        },
        (x, y) => {
            let (x, y) = (x.f(), y.f());
            Value::Float(match op {
                "+" => x + y,
                "-" => x - y,
                "*" => x * y,
                "/" if y == 0.0 => return Err("Attempted to divide by zero.".into()),
                "/" => x / y,
                _ => x % y,
            })
        }
    })
}

/// `left op right` for every binary operator except `-and`/`-or` (which short-circuit
/// in the evaluator) and `-match` (which also sets `$Matches`, see [`regex_match`]).
pub fn binary(op: BinaryOp, left: Value, right: Value) -> Result<Value, String> {
    // (`-is` sees a wrapped value as it is: `([psobject]1) -is [psobject]`.)
    let left = match op {
        BinaryOp::Is | BinaryOp::IsNot => left.unlisted(),
        _ => left.unlisted().unwrapped(),
    };
    let right = right.unlisted().unwrapped();
    // Arithmetic and bitwise operators on an enum value give a value of that enum
    // (`[Flags]::A + [Flags]::B` is `A, B`).
    if let Value::Enum(ty, a) = &left
        && matches!(
            op,
            BinaryOp::Add
                | BinaryOp::Subtract
                | BinaryOp::BitAnd
                | BinaryOp::BitOr
                | BinaryOp::BitXor
        )
        && let Some(b) = match &right {
            Value::Enum(_, b) => Some(*b),
            Value::String(s) => ty.parse(s),
            other => to_number(other).map(|n| n.as_int()),
        }
    {
        let result = match op {
            BinaryOp::Add => a.wrapping_add(b),
            BinaryOp::Subtract => a.wrapping_sub(b),
            BinaryOp::BitAnd => a & b,
            BinaryOp::BitOr => a | b,
            _ => a ^ b,
        };
        return Ok(Value::Enum(ty.clone(), result));
    }
    match op {
        BinaryOp::Add => add(left, right),
        BinaryOp::Subtract => match (&left, &right) {
            (Value::DateTime(a), Value::DateTime(b)) => Ok(Value::TimeSpan((a - b) * 1000)),
            (Value::DateTime(a), Value::TimeSpan(ms)) => Ok(Value::DateTime(a - ms / 1000)),
            (Value::TimeSpan(a), Value::TimeSpan(b)) => Ok(Value::TimeSpan(a - b)),
            _ => numeric("-", &left, &right),
        },
        BinaryOp::Multiply => match (&left, &right) {
            (Value::String(s), r) => {
                let n = to_number(r)
                    .map(|n| n.f() as i64)
                    .unwrap_or(0)
                    .clamp(0, 1_000_000);
                Ok(Value::String(s.repeat(n as usize)))
            }
            (Value::Array(a), r) => {
                let n = to_number(r)
                    .map(|n| n.f() as i64)
                    .unwrap_or(0)
                    .clamp(0, 1_000_000) as usize;
                Ok(Value::Array(
                    a.iter().cloned().cycle().take(a.len() * n).collect(),
                ))
            }
            _ => numeric("*", &left, &right),
        },
        BinaryOp::Divide => numeric("/", &left, &right),
        BinaryOp::Remainder => numeric("%", &left, &right),
        BinaryOp::Range => {
            if let (Value::String(a), Value::String(b)) = (&left, &right)
                && let (Some(a), Some(b)) = (single_char(a), single_char(b))
            {
                let chars = |from: u32, to: u32| -> Vec<Value> {
                    (from..=to)
                        .filter_map(char::from_u32)
                        .map(|c| Value::String(c.to_string()))
                        .collect()
                };
                let (a, b) = (a as u32, b as u32);
                return Ok(Value::Array(if a <= b {
                    chars(a, b)
                } else {
                    let mut list = chars(b, a);
                    list.reverse();
                    list
                }));
            }
            let (Some(a), Some(b)) = (to_number(&left), to_number(&right)) else {
                return Err("The range operator needs numbers on both sides.".into());
            };
            let (a, b) = (round_half_even(a.f()) as i64, round_half_even(b.f()) as i64);
            if (a - b).abs() > MAX_RANGE {
                return Err(format!(
                    "The range {a}..{b} is longer than {MAX_RANGE} elements."
                ));
            }
            Ok(Value::Array(if a <= b {
                (a..=b).map(Value::Int).collect()
            } else {
                (b..=a).rev().map(Value::Int).collect()
            }))
        }
        BinaryOp::Format => format_operator(&left.to_text(), &right.into_items_keep()),
        BinaryOp::Xor => Ok(Value::Bool(left.is_truthy() ^ right.is_truthy())),
        BinaryOp::And => Ok(Value::Bool(left.is_truthy() && right.is_truthy())),
        BinaryOp::Or => Ok(Value::Bool(left.is_truthy() || right.is_truthy())),
        BinaryOp::Compare { op, case_sensitive } => compare(op, case_sensitive, &left, &right),
        BinaryOp::Replace { case_sensitive } => {
            let items = right.into_items_keep();
            let pattern = items.first().map(Value::to_text).unwrap_or_default();
            let replacement =
                dotnet_replacement(&items.get(1).map(Value::to_text).unwrap_or_default());
            let re = regex(&pattern, case_sensitive)?;
            let apply = |v: &Value| {
                Value::String(
                    re.replace_all(&v.to_text(), replacement.as_str())
                        .into_owned(),
                )
            };
            Ok(match &left {
                Value::Array(a) => Value::Array(a.iter().map(apply).collect()),
                other => apply(other),
            })
        }
        BinaryOp::Split { case_sensitive } => {
            let arguments = right.into_items_keep();
            let pattern = arguments.first().map(Value::to_text).unwrap_or_default();
            let count = match arguments.get(1) {
                Some(v) => to_number(v).map(|n| n.as_int()).ok_or_else(|| {
                    format!("The -split count must be a number, not '{}'.", v.to_text())
                })?,
                None => 0,
            };
            let options = SplitOptions::parse(arguments.get(2), case_sensitive)?;
            let re = options.regex(&pattern)?;
            Ok(Value::Array(
                left.into_items_keep()
                    .iter()
                    .flat_map(|v| split_text(&v.to_text(), &re, count, options.captures))
                    .collect(),
            ))
        }
        BinaryOp::Join => Ok(Value::String(
            left.into_items_keep()
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(&right.to_text()),
        )),
        BinaryOp::Is | BinaryOp::IsNot => {
            let type_name = match &right {
                Value::String(t) => t.clone(),
                // A script's class or enum (`[Device]`) is a type object.
                Value::Object(o) if o.type_name == "RuntimeType" => {
                    o.get("FullName").map(|f| f.to_text()).unwrap_or_default()
                }
                _ => return Err("The right side of -is must be a type such as [string].".into()),
            };
            let is = is_type(&left, &type_name);
            Ok(Value::Bool(if op == BinaryOp::Is { is } else { !is }))
        }
        BinaryOp::As => Ok(cast(&right.to_text(), left).unwrap_or(Value::Null)),
        BinaryOp::BitAnd
        | BinaryOp::BitOr
        | BinaryOp::BitXor
        | BinaryOp::ShiftLeft
        | BinaryOp::ShiftRight => bitwise(op, &left, &right),
    }
}

/// The integer in a value for a bitwise operator.
fn to_integer(v: &Value, op: &str) -> Result<i64, String> {
    match to_number(v) {
        Some(Number::Int(i)) => Ok(i),
        Some(Number::Float(f)) if f.is_finite() => Ok(round_half_even(f) as i64),
        _ => Err(number_error(v, op)),
    }
}

/// .NET's rounding of a double to an integer: halves go to the even neighbour.
pub fn round_half_even(f: f64) -> f64 {
    let r = f.round();
    if (f - f.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - f.signum()
    } else {
        r
    }
}

fn bitwise(op: BinaryOp, left: &Value, right: &Value) -> Result<Value, String> {
    let name = match op {
        BinaryOp::BitAnd => "-band",
        BinaryOp::BitOr => "-bor",
        BinaryOp::BitXor => "-bxor",
        BinaryOp::ShiftLeft => "-shl",
        _ => "-shr",
    };
    let a = to_integer(left, name)?;
    let b = to_integer(right, name)?;
    Ok(Value::Int(match op {
        BinaryOp::BitAnd => a & b,
        BinaryOp::BitOr => a | b,
        BinaryOp::BitXor => a ^ b,
        BinaryOp::ShiftLeft => a.wrapping_shl((b & 63) as u32),
        _ => a.wrapping_shr((b & 63) as u32),
    }))
}

/// `-bnot`.
pub fn bit_not(v: &Value) -> Result<Value, String> {
    Ok(Value::Int(!to_integer(v, "-bnot")?))
}

/// .NET's name of an integer type, for overflow messages.
fn dotnet_integer_name(t: &str) -> &'static str {
    match t {
        "byte" => "an unsigned byte",
        "sbyte" => "a signed byte",
        "int16" | "short" => "an Int16",
        "uint16" | "ushort" => "a UInt16",
        "int" | "int32" => "Int32",
        "uint32" | "uint" => "a UInt32",
        "uint64" | "ulong" => "a UInt64",
        _ => "Int64",
    }
}

/// The character of a one-character string.
fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

fn numeric(op: &str, left: &Value, right: &Value) -> Result<Value, String> {
    let a = to_number(left).ok_or_else(|| number_error(left, op))?;
    let b = to_number(right).ok_or_else(|| number_error(right, op))?;
    arithmetic(op, a, b)
}

fn add(left: Value, right: Value) -> Result<Value, String> {
    match (left, right) {
        (Value::String(s), r) => Ok(Value::String(s + &r.to_text())),
        (Value::Array(mut a), r) => {
            a.extend(r.into_items_keep());
            Ok(Value::Array(a))
        }
        (Value::Hashtable(a), Value::Hashtable(b)) => {
            // `+` makes a new hashtable (ordered when the left one is); neither operand
            // changes.
            let sum = match a.kind {
                TableKind::Ordered => a.copy(),
                _ => Value::hashtable(a.borrow().clone()),
            };
            if let Value::Hashtable(table) = &sum {
                for (k, v) in b.borrow().iter().cloned() {
                    if table.contains(&k) {
                        return Err(format!(
                            "Item has already been added. Key in dictionary: '{k}'"
                        ));
                    }
                    table.insert(k, v);
                }
            }
            Ok(sum)
        }
        (Value::DateTime(t), Value::TimeSpan(ms)) => Ok(Value::DateTime(t + ms / 1000)),
        (Value::TimeSpan(a), Value::TimeSpan(b)) => Ok(Value::TimeSpan(a + b)),
        (Value::Null, r) => Ok(r),
        (l, r) => numeric("+", &l, &r),
    }
}

impl Value {
    /// Array elements, or the value itself as a one-element list (`$null` stays one item).
    pub fn into_items_keep(self) -> Vec<Value> {
        match self.unwrapped() {
            Value::Array(a) => a,
            Value::List(l) => l.items.borrow().clone(),
            Value::Enumerator(e) => e.take_rest(),
            other => vec![other],
        }
    }
}

/// Case-folded text for comparisons.
fn fold(s: &str, case_sensitive: bool) -> String {
    if case_sensitive {
        s.to_string()
    } else {
        s.to_lowercase()
    }
}

/// PowerShell equality with the left operand deciding the type.
pub fn equals(left: &Value, right: &Value, case_sensitive: bool) -> bool {
    if let Some(base) = left.base_value() {
        return equals(base, right, case_sensitive);
    }
    if let Some(base) = right.base_value() {
        return equals(left, base, case_sensitive);
    }
    match (left, right) {
        // An enum value equals its name, its number, or the same value.
        (Value::Enum(ty, v), Value::String(s)) => ty.parse(s) == Some(*v),
        (Value::Enum(_, v), other) => to_number(other).is_some_and(|n| n.as_int() == *v),
        (Value::Null, r) => matches!(r, Value::Null),
        (_, Value::Null) => false,
        // A type (`$x.GetType()`) equals a type literal naming it (`[int32]`, `[string]`).
        (Value::Object(o), r) if o.type_name == "RuntimeType" => {
            let name = |v: &Value| {
                let full = match v {
                    Value::Object(t) if t.type_name == "RuntimeType" => {
                        t.get("FullName").map(|f| f.to_text()).unwrap_or_default()
                    }
                    other => dotnet_type_name(&other.to_text()),
                };
                let lower = full.to_ascii_lowercase();
                lower.strip_prefix("system.").unwrap_or(&lower).to_string()
            };
            name(left) == name(r)
        }
        // An instance of a script's class is equal only to itself (unless its class
        // defines Equals, which the session calls).
        (Value::Object(a), r) if a.instance.is_some() => {
            matches!(r, Value::Object(b) if std::rc::Rc::ptr_eq(a, b))
        }
        (Value::Bool(a), r) => *a == r.is_truthy(),
        (Value::Int(_) | Value::Float(_), r) => match (to_number(left), to_number(r)) {
            (Some(a), Some(b)) => a.f() == b.f(),
            _ => false,
        },
        (Value::DateTime(a), Value::DateTime(b)) => a == b,
        (Value::DateTime(a), Value::String(s)) => super::convert::parse_datetime(s) == Some(*a),
        (Value::TimeSpan(a), Value::TimeSpan(b)) => a == b,
        (Value::Certificate(a), Value::Certificate(b)) => a.info.thumbprint == b.info.thumbprint,
        (l, r) => fold(&l.to_text(), case_sensitive) == fold(&r.to_text(), case_sensitive),
    }
}

/// PowerShell ordering with the left operand deciding the type.
pub fn order(left: &Value, right: &Value, case_sensitive: bool) -> Option<Ordering> {
    if let Some(base) = left.base_value() {
        return order(base, right, case_sensitive);
    }
    if let Some(base) = right.base_value() {
        return order(left, base, case_sensitive);
    }
    match (left, right) {
        (Value::Int(_) | Value::Float(_), r)
        | (Value::Bool(_), r @ (Value::Int(_) | Value::Float(_))) => {
            to_number(left)?.f().partial_cmp(&to_number(r)?.f())
        }
        (Value::DateTime(a), Value::DateTime(b)) => Some(a.cmp(b)),
        (Value::DateTime(a), Value::String(s)) => {
            super::convert::parse_datetime(s).map(|b| a.cmp(&b))
        }
        (Value::TimeSpan(a), Value::TimeSpan(b)) => Some(a.cmp(b)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) => Some(Ordering::Less),
        (_, Value::Null) => Some(Ordering::Greater),
        (l, r) => Some(fold(&l.to_text(), case_sensitive).cmp(&fold(&r.to_text(), case_sensitive))),
    }
}

fn compare_one(op: Comparison, cs: bool, left: &Value, right: &Value) -> Result<bool, String> {
    Ok(match op {
        Comparison::Eq => equals(left, right, cs),
        Comparison::Ne => !equals(left, right, cs),
        Comparison::Gt => order(left, right, cs) == Some(Ordering::Greater),
        Comparison::Ge => matches!(
            order(left, right, cs),
            Some(Ordering::Greater | Ordering::Equal)
        ),
        Comparison::Lt => order(left, right, cs) == Some(Ordering::Less),
        Comparison::Le => matches!(
            order(left, right, cs),
            Some(Ordering::Less | Ordering::Equal)
        ),
        Comparison::Like => wildcard_match(&right.to_text(), &left.to_text(), cs),
        Comparison::NotLike => !wildcard_match(&right.to_text(), &left.to_text(), cs),
        Comparison::Match => regex(&right.to_text(), cs)?.is_match(&left.to_text()),
        Comparison::NotMatch => !regex(&right.to_text(), cs)?.is_match(&left.to_text()),
        Comparison::Contains | Comparison::NotContains | Comparison::In | Comparison::NotIn => {
            unreachable_collection()
        }
    })
}

fn unreachable_collection() -> bool {
    // Collection operators are handled in `compare` before reaching here.
    false
}

/// A comparison; with an array on the left, the matching elements (PowerShell's filter).
pub fn compare(op: Comparison, cs: bool, left: &Value, right: &Value) -> Result<Value, String> {
    if let Some(base) = left.base_value() {
        return compare(op, cs, base, right);
    }
    match op {
        Comparison::Contains | Comparison::NotContains => {
            let found = left
                .clone()
                .into_items_keep()
                .iter()
                .any(|v| equals(v, right, cs));
            return Ok(Value::Bool(found == (op == Comparison::Contains)));
        }
        Comparison::In | Comparison::NotIn => {
            let found = right
                .clone()
                .into_items_keep()
                .iter()
                .any(|v| equals(v, left, cs));
            return Ok(Value::Bool(found == (op == Comparison::In)));
        }
        _ => {}
    }
    match left {
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                if compare_one(op, cs, item, right)? {
                    out.push(item.clone());
                }
            }
            Ok(Value::Array(out))
        }
        _ => Ok(Value::Bool(compare_one(op, cs, left, right)?)),
    }
}

/// `-match` on one value: whether it matched, and the captures for `$Matches`.
pub fn regex_match(
    text: &str,
    pattern: &str,
    cs: bool,
) -> Result<Option<Vec<(String, Value)>>, String> {
    let re = regex(pattern, cs)?;
    Ok(re.captures(text).map(|caps| {
        let mut groups = Vec::new();
        for (i, name) in re.capture_names().enumerate() {
            if let Some(m) = caps.get(i) {
                groups.push((
                    name.map(str::to_string).unwrap_or_else(|| i.to_string()),
                    Value::String(m.as_str().to_string()),
                ));
            }
        }
        groups
    }))
}

/// The options of `-split` (`'SimpleMatch'`, `'Multiline,IgnoreCase'`, ...).
struct SplitOptions {
    simple: bool,
    case_sensitive: bool,
    flags: String,
    /// Whether captured groups are part of the result (not with ExplicitCapture).
    captures: bool,
}

impl SplitOptions {
    fn parse(value: Option<&Value>, case_sensitive: bool) -> Result<Self, String> {
        let mut options = SplitOptions {
            simple: false,
            case_sensitive,
            flags: String::new(),
            captures: true,
        };
        let text = value.map(Value::to_text).unwrap_or_default();
        for option in text
            .split([',', ' '])
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            match option.to_ascii_lowercase().as_str() {
                "simplematch" => options.simple = true,
                "regexmatch" | "none" | "cultureinvariant" => {}
                "ignorecase" => options.case_sensitive = false,
                "multiline" => options.flags.push('m'),
                "singleline" => options.flags.push('s'),
                "ignorepatternwhitespace" => options.flags.push('x'),
                "explicitcapture" => options.captures = false,
                other => {
                    return Err(format!(
                        "'{other}' is not a -split option; use SimpleMatch, RegexMatch, IgnoreCase, Multiline, Singleline, IgnorePatternWhitespace, ExplicitCapture or CultureInvariant."
                    ));
                }
            }
        }
        Ok(options)
    }

    fn regex(&self, pattern: &str) -> Result<regex::Regex, String> {
        if self.simple {
            return regex(&regex::escape(pattern), self.case_sensitive);
        }
        if self.flags.is_empty() {
            return regex(pattern, self.case_sensitive);
        }
        regex(&format!("(?{}){pattern}", self.flags), self.case_sensitive)
    }
}

/// Splits at the matches of `re`: all of them (`count` 0), the first `count - 1`, or
/// for a negative count the last `-count - 1` (the rest stays joined). Captured groups
/// go between the parts, as in .NET's Regex.Split.
fn split_text(text: &str, re: &regex::Regex, count: i64, captures: bool) -> Vec<Value> {
    let all: Vec<regex::Captures> = re.captures_iter(text).collect();
    let keep = |n: i64| usize::try_from(n.unsigned_abs().saturating_sub(1)).unwrap_or(usize::MAX);
    let chosen: &[regex::Captures] = match count {
        0 => &all,
        n if n > 0 => &all[..all.len().min(keep(n))],
        n => &all[all.len().saturating_sub(keep(n))..],
    };
    let mut parts = Vec::new();
    let mut at = 0;
    for c in chosen {
        let Some(whole) = c.get(0) else { continue };
        parts.push(Value::String(text[at..whole.start()].to_string()));
        if captures {
            parts.extend(
                c.iter()
                    .skip(1)
                    .flatten()
                    .map(|g| Value::String(g.as_str().to_string())),
            );
        }
        at = whole.end();
    }
    parts.push(Value::String(text[at..].to_string()));
    parts
}

/// A .NET replacement string in the `regex` crate's syntax: `$&` is the whole match,
/// `$1` ends at its last digit (`$1a` is group 1 then `a`), `$$` is a dollar.
fn dotnet_replacement(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('&') => {
                chars.next();
                out.push_str("${0}");
            }
            Some('$') => {
                chars.next();
                out.push_str("$$");
            }
            Some(d) if d.is_ascii_digit() => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{digits}}}"));
            }
            Some('{') => out.push('$'),
            // A `$` .NET would keep as it is.
            _ => out.push_str("$$"),
        }
    }
    out
}

/// A .NET pattern in the `regex` crate's syntax: `(?#comments)` dropped, and a `-`
/// next to a class escape inside `[...]` (`[\w-.]`, literal in .NET) escaped.
fn dotnet_pattern(pattern: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if !in_class && c == '(' && chars.get(i + 1) == Some(&'?') && chars.get(i + 2) == Some(&'#')
        {
            while i < chars.len() && chars[i] != ')' {
                i += 1;
            }
            i += 1;
            continue;
        }
        match c {
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '-' if in_class => {
                let after_escape =
                    i >= 2 && chars[i - 2] == '\\' && chars[i - 1].is_ascii_alphabetic();
                let before_escape = chars.get(i + 1) == Some(&'\\')
                    && chars
                        .get(i + 2)
                        .is_some_and(|n| matches!(n, 'w' | 'd' | 's' | 'W' | 'D' | 'S'));
                if after_escape || before_escape {
                    out.push_str("\\-");
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// One match as .NET's Match: Value, Index, Length, and Groups (0 the whole match,
/// then each group by number or name).
pub fn match_object(captures: &regex::Captures, names: &[Option<&str>]) -> Value {
    let group = |i: usize| {
        let m = captures.get(i);
        let name = names
            .get(i)
            .copied()
            .flatten()
            .map(str::to_string)
            .unwrap_or_else(|| i.to_string());
        Value::object(
            "Group",
            vec![
                ("Name".into(), Value::String(name)),
                ("Success".into(), Value::Bool(m.is_some())),
                (
                    "Value".into(),
                    Value::String(m.map(|m| m.as_str().to_string()).unwrap_or_default()),
                ),
                (
                    "Index".into(),
                    Value::Int(m.map_or(0, |m| m.start() as i64)),
                ),
                ("Length".into(), Value::Int(m.map_or(0, |m| m.len() as i64))),
            ],
        )
    };
    let whole = captures.get(0);
    Value::object(
        "Match",
        vec![
            (
                "Value".into(),
                Value::String(whole.map(|m| m.as_str().to_string()).unwrap_or_default()),
            ),
            (
                "Index".into(),
                Value::Int(whole.map_or(0, |m| m.start() as i64)),
            ),
            (
                "Length".into(),
                Value::Int(whole.map_or(0, |m| m.len() as i64)),
            ),
            (
                "Groups".into(),
                Value::Array((0..captures.len()).map(group).collect()),
            ),
        ],
    )
}

/// A pattern compiled as PowerShell's operators compile it (.NET syntax translated).
pub fn regex(pattern: &str, cs: bool) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&dotnet_pattern(pattern))
        .case_insensitive(!cs)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("The regular expression pattern {pattern} is not valid: {e}"))
}

/// `-like`: `*`, `?` and `[a-z]` wildcards over the whole text.
/// Whether `text` is a wildcard pattern (`*`, `?` or `[...]`) rather than a plain name.
pub fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

pub fn wildcard_match(pattern: &str, text: &str, cs: bool) -> bool {
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                let mut class = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    class.push(d);
                }
                re.push('[');
                re.push_str(&class.replace('\\', "\\\\"));
                re.push(']');
            }
            '`' => {
                if let Some(d) = chars.next() {
                    re.push_str(&regex::escape(&d.to_string()));
                }
            }
            other => re.push_str(&regex::escape(&other.to_string())),
        }
    }
    re.push('$');
    regex::RegexBuilder::new(&re)
        .case_insensitive(!cs)
        .dot_matches_new_line(true)
        .build()
        .map(|r| r.is_match(text))
        .unwrap_or(false)
}

/// `"{0} {1:N2} {0,-10}" -f a, b`.
pub fn format_operator(format: &str, args: &[Value]) -> Result<Value, String> {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut spec = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    spec.push(d);
                }
                let (head, fmt) = spec
                    .split_once(':')
                    .map(|(h, f)| (h, Some(f)))
                    .unwrap_or((spec.as_str(), None));
                let (index, align) = head
                    .split_once(',')
                    .map(|(i, a)| (i, a.trim().parse::<i64>().ok()))
                    .unwrap_or((head, None));
                let index: usize = index.trim().parse().map_err(|_| {
                    format!("Error formatting a string: '{{{spec}}}' is not a valid placeholder.")
                })?;
                let value = args.get(index).ok_or_else(|| {
                    format!("Error formatting a string: Index (zero based) must be greater than or equal to zero and less than the size of the argument list ({index}).")
                })?;
                let text = match fmt {
                    Some(f) => format_value(value, f),
                    None => value.to_text(),
                };
                match align {
                    Some(w) if w < 0 => {
                        out.push_str(&format!("{text:<width$}", width = (-w) as usize))
                    }
                    Some(w) => out.push_str(&format!("{text:>width$}", width = w as usize)),
                    None => out.push_str(&text),
                }
            }
            other => out.push(other),
        }
    }
    Ok(Value::String(out))
}

/// A value with a .NET format string (`N2`, `D5`, `X`, `P1`, or a date pattern).
pub fn format_value(value: &Value, fmt: &str) -> String {
    if let Value::DateTime(t) = value {
        return super::methods::format_datetime(*t, fmt);
    }
    let Some(n) = to_number(value) else {
        return value.to_text();
    };
    let (kind, digits) = fmt.split_at(fmt.chars().next().map(char::len_utf8).unwrap_or(0));
    let digits: Option<usize> = digits.parse().ok();
    match kind {
        "N" | "n" => group_thousands(&format!("{:.*}", digits.unwrap_or(2), n.f())),
        "F" | "f" => format!("{:.*}", digits.unwrap_or(2), n.f()),
        "D" | "d" => format!("{:0width$}", n.f() as i64, width = digits.unwrap_or(0)),
        "X" => format!("{:0width$X}", n.f() as i64, width = digits.unwrap_or(0)),
        "x" => format!("{:0width$x}", n.f() as i64, width = digits.unwrap_or(0)),
        "P" | "p" => format!("{:.*} %", digits.unwrap_or(2), n.f() * 100.0),
        _ if fmt.contains(['0', '#']) => custom_number(n.f(), fmt),
        _ => value.to_text(),
    }
}

/// A custom .NET numeric format: `0` a digit always shown, `#` a digit shown when
/// significant, `.` the decimal point, `,` between digits groups thousands; other
/// characters are copied (`'00'` → `07`, `'#,##0.00'` → `1,234.50`).
fn custom_number(x: f64, fmt: &str) -> String {
    let (int_fmt, frac_fmt) = fmt.split_once('.').unwrap_or((fmt, ""));
    let frac_places = frac_fmt.chars().filter(|c| matches!(c, '0' | '#')).count();
    let required_frac = frac_fmt.chars().filter(|c| *c == '0').count();
    let rounded = format!("{:.*}", frac_places, x.abs());
    let (int_digits, frac_digits) = rounded.split_once('.').unwrap_or((&rounded, ""));
    let min_int = int_fmt.chars().filter(|c| *c == '0').count();
    let mut int_digits = int_digits.trim_start_matches('0').to_string();
    while int_digits.len() < min_int {
        int_digits.insert(0, '0');
    }
    if int_fmt.contains(',') {
        int_digits = group_thousands(&int_digits);
    }
    // Literal text before the first placeholder (`'#'` prefixes, currency signs).
    let prefix: String = int_fmt
        .chars()
        .take_while(|c| !matches!(c, '0' | '#' | ','))
        .collect();
    let mut frac = frac_digits.to_string();
    while frac.len() > required_frac && frac.ends_with('0') {
        frac.pop();
    }
    let suffix: String = frac_fmt
        .chars()
        .skip_while(|c| matches!(c, '0' | '#'))
        .collect();
    let sign = if x < 0.0
        && (int_digits
            .chars()
            .chain(frac.chars())
            .any(|c| c != '0' && c != ','))
    {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{prefix}{int_digits}{suffix}")
    } else {
        format!("{sign}{prefix}{int_digits}.{frac}{suffix}")
    }
}

fn group_thousands(number: &str) -> String {
    let (sign, rest) = number
        .strip_prefix('-')
        .map(|r| ("-", r))
        .unwrap_or(("", number));
    let (int, frac) = rest
        .split_once('.')
        .map(|(i, f)| (i, Some(f)))
        .unwrap_or((rest, None));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// `[type] value`.
pub fn cast(type_name: &str, value: Value) -> Result<Value, String> {
    // A value Add-Member wrapped converts as the value ([psobject] keeps the wrapper).
    let value = if type_name.eq_ignore_ascii_case("psobject") {
        value
    } else {
        value.unwrapped()
    };
    let t = type_name.trim().to_ascii_lowercase();
    let t = t.strip_prefix("system.").unwrap_or(&t).to_string();
    if let Some((array_list, element)) = generic_list_type(&t) {
        // A list of this type already is one; anything else gives a new list.
        if let Value::List(l) = &value
            && l.is_array_list() == array_list
            && l.element == element
        {
            return Ok(value);
        }
        return new_list(array_list, element.as_deref(), value.unlisted());
    }
    let value = value.unlisted();
    let fail = |v: &Value| {
        format!(
            "Cannot convert value \"{}\" to type \"{type_name}\".",
            v.to_text()
        )
    };
    Ok(match t.as_str() {
        "int"
        | "int32"
        | "int64"
        | "long"
        | "byte"
        | "sbyte"
        | "int16"
        | "short"
        | "uint16"
        | "ushort"
        | "uint32"
        | "uint"
        | "uint64"
        | "ulong"
        | "bigint"
        | "numerics.biginteger" => {
            let n = match &value {
                Value::String(s) if s.trim().is_empty() => Some(Number::Int(0)),
                Value::String(s) if single_char(s).is_some() && to_number(&value).is_none() => {
                    return Err(fail(&value));
                }
                _ => to_number(&value),
            };
            let Some(n) = n else {
                return Err(fail(&value));
            };
            let i = round_half_even(n.f());
            let (min, max): (f64, f64) = match t.as_str() {
                "byte" => (0.0, 255.0),
                "sbyte" => (-128.0, 127.0),
                "int16" | "short" => (-32768.0, 32767.0),
                "uint16" | "ushort" => (0.0, 65535.0),
                "int" | "int32" => (-2147483648.0, 2147483647.0),
                "uint32" | "uint" => (0.0, 4294967295.0),
                "uint64" | "ulong" => (0.0, 1.8446744073709552e19),
                _ => (-9.223372036854776e18, 9.223372036854776e18),
            };
            if i < min || i > max {
                return Err(format!(
                    "Cannot convert value \"{}\" to type \"{type_name}\". Error: \"Value was either too large or too small for {}.\"",
                    value.to_text(),
                    dotnet_integer_name(&t)
                ));
            }
            match n {
                Number::Int(i) => Value::Int(i),
                Number::Float(_) => Value::Int(i as i64),
            }
        }
        "char" => match &value {
            Value::String(s) if single_char(s).is_some() => value,
            other => match to_number(other) {
                Some(n) => Value::String(
                    char::from_u32(n.as_int() as u32)
                        .map(String::from)
                        .ok_or_else(|| fail(other))?,
                ),
                None => return Err(fail(other)),
            },
        },
        "char[]" => Value::Array(
            value
                .to_text()
                .chars()
                .map(|c| Value::String(c.to_string()))
                .collect(),
        ),
        "double" | "float" | "decimal" | "single" => match to_number(&value) {
            Some(n) => Value::Float(n.f()),
            None => return Err(fail(&value)),
        },
        "string" => Value::String(value.to_text()),
        "bool" | "boolean" => Value::Bool(value.is_truthy()),
        "datetime" => match &value {
            Value::DateTime(_) => value,
            // .NET ticks (100 ns since 1/1/0001, up to the end of 9999).
            Value::Int(ticks) if (0..=3_155_378_975_999_999_999).contains(ticks) => {
                Value::DateTime(ticks / 10_000_000 - 62_135_596_800)
            }
            Value::Int(_) => {
                return Err(format!(
                    "Cannot convert value \"{}\" to type \"{type_name}\": as .NET ticks a date must be from 0 (1/1/0001) to 3155378975999999999 (12/31/9999).",
                    value.to_text()
                ));
            }
            Value::String(s) => {
                Value::DateTime(super::convert::parse_datetime(s).ok_or_else(|| fail(&value))?)
            }
            _ => return Err(fail(&value)),
        },
        "guid" => match &value {
            Value::Object(o) if o.type_name == "Guid" => value,
            other => {
                let text = other.to_text();
                let hex: String = text
                    .trim()
                    .trim_matches(['{', '}', '(', ')'])
                    .chars()
                    .filter(|c| *c != '-')
                    .collect();
                let bytes = (hex.len() == 32)
                    .then(|| hex::decode(&hex).ok())
                    .flatten()
                    .ok_or_else(|| {
                        format!(
                            "Cannot convert value \"{text}\" to type \"System.Guid\": a Guid is 32 hexadecimal digits (such as 0f8fad5b-d9cb-469f-a165-70867728950e)."
                        )
                    })?;
                let mut b = [0u8; 16];
                b.copy_from_slice(&bytes);
                // (Text lists the first three groups big-endian; .NET keeps them
                // little-endian.)
                b[..4].reverse();
                b[4..6].reverse();
                b[6..8].reverse();
                crate::engine::methods::guid_from_bytes(&b)
            }
        },
        "type" | "runtimetype" => match &value {
            Value::Object(o) if o.type_name == "RuntimeType" => value,
            Value::String(name) => crate::engine::value::type_object_named(&dotnet_type_name(name)),
            other => return Err(fail(other)),
        },
        "timespan" => match &value {
            Value::TimeSpan(_) => value,
            _ => return Err(fail(&value)),
        },
        "array" | "object[]" => Value::Array(value.into_items_keep()),

        "hashtable" => match value {
            Value::Hashtable(t) if t.kind == TableKind::Hashtable => Value::Hashtable(t),
            Value::Hashtable(t) => Value::hashtable(t.borrow().clone()),
            other => return Err(fail(&other)),
        },
        // `[ordered]@{...}` keeps the order, and an integer index is a position.
        "ordered" | "collections.specialized.ordereddictionary" => match value {
            Value::Hashtable(t) => Value::table(TableKind::Ordered, t.borrow().clone()),
            other => return Err(fail(&other)),
        },
        // `[pscustomobject]@{...}` makes an object (keys that differ only in case, from
        // a case-sensitive table, become one property: the first name, the last value);
        // `[psobject]` wraps a value as it is.
        "pscustomobject" => match value {
            Value::Hashtable(entries) => {
                let mut properties: Vec<(String, Value)> = Vec::new();
                for (k, v) in entries.borrow().iter() {
                    match properties
                        .iter_mut()
                        .find(|(n, _)| n.eq_ignore_ascii_case(k))
                    {
                        Some(slot) => slot.1 = v.clone(),
                        None => properties.push((k.clone(), v.clone())),
                    }
                }
                Value::object("PSCustomObject", properties)
            }
            other => other,
        },
        "psobject" => value,
        "securestring" => match value {
            Value::SecureString(_) => value,
            other => return Err(fail(&other)),
        },
        "object" => value,
        "void" => Value::Null,
        "regex" | "text.regularexpressions.regex" => Value::String(value.to_text()),
        array if array.ends_with("[]") => {
            let element = &array[..array.len() - 2];
            Value::Array(
                value
                    .into_items_keep()
                    .into_iter()
                    .filter(|v| !matches!(v, Value::Null) || element == "object")
                    .map(|v| cast(element, v))
                    .collect::<Result<_, _>>()?,
            )
        }
        // .NET interfaces a value may stand for; certhost keeps the value as it is.
        "iformatprovider"
        | "icomparable"
        | "iequatable[object]"
        | "iformattable"
        | "collections.ienumerable"
        | "collections.icollection"
        | "collections.ilist"
        | "collections.idictionary" => value,
        _ => return Err(format!("Unable to find type [{type_name}].")),
    })
}

/// `List[string]`, `System.Collections.Generic.List[int]` (lowercase, without
/// `system.`): `(false, Some(element))`; `ArrayList`: `(true, None)`.
pub fn generic_list_type(t: &str) -> Option<(bool, Option<String>)> {
    let t = t.strip_prefix("system.").unwrap_or(t);
    if matches!(t, "collections.arraylist" | "arraylist") {
        return Some((true, None));
    }
    let inner = t
        .strip_prefix("collections.generic.list[")
        .or_else(|| t.strip_prefix("list["))?
        .strip_suffix(']')?
        .trim();
    let element = inner.strip_prefix("system.").unwrap_or(inner);
    let element = element.trim_start_matches('[').trim_end_matches(']');
    Some((false, Some(element.to_string())))
}

/// `Dictionary[K,V]` (with or without `System.Collections.Generic.`, lowercase): a new,
/// empty dictionary of that kind.
pub fn generic_dictionary(t: &str) -> Option<Value> {
    let t = t.strip_prefix("system.").unwrap_or(t);
    let inner = t
        .strip_prefix("collections.generic.dictionary[")
        .or_else(|| t.strip_prefix("dictionary["))?
        .strip_suffix(']')?;
    let (key, value) = inner.split_once(',')?;
    let name = |t: &str| dotnet_type_name(t.trim().trim_start_matches('[').trim_end_matches(']'));
    let (key, value) = (name(key), name(value));
    Some(Value::table(
        TableKind::Dictionary {
            full_name: format!("System.Collections.Generic.Dictionary`2[{key},{value}]"),
            value_type: (value != "System.Object").then_some(value),
        },
        Vec::new(),
    ))
}

/// A .NET type's full name for a type written in a script (`string` → `System.String`).
pub fn dotnet_type_name(t: &str) -> String {
    let lower = t.to_ascii_lowercase();
    let lower = lower.strip_prefix("system.").unwrap_or(&lower);
    match lower {
        "string" => "System.String".into(),
        "int" | "int32" => "System.Int32".into(),
        "long" | "int64" => "System.Int64".into(),
        "double" => "System.Double".into(),
        "float" | "single" => "System.Single".into(),
        "bool" | "boolean" => "System.Boolean".into(),
        "datetime" => "System.DateTime".into(),
        "object" | "psobject" => "System.Object".into(),
        "char" => "System.Char".into(),
        "byte" => "System.Byte".into(),
        "decimal" => "System.Decimal".into(),
        "int16" | "short" => "System.Int16".into(),
        "sbyte" => "System.SByte".into(),
        "uint16" | "ushort" => "System.UInt16".into(),
        "uint32" | "uint" => "System.UInt32".into(),
        "uint64" | "ulong" => "System.UInt64".into(),
        "timespan" => "System.TimeSpan".into(),
        "hashtable" => "System.Collections.Hashtable".into(),
        _ => t.to_string(),
    }
}

/// A value as an item of a list of `element`s: converted (an instance of a script's
/// class or a value of its enum of that name is kept as it is).
pub fn list_item(element: Option<&str>, value: Value) -> Result<Value, String> {
    match element {
        None | Some("object" | "psobject") => Ok(value),
        Some(e) => match &value {
            Value::Object(o) if o.instance.as_ref().is_some_and(|i| i.class.is_a(e)) => Ok(value),
            Value::Enum(ty, _) if ty.name.eq_ignore_ascii_case(e) => Ok(value),
            _ => cast(e, value),
        },
    }
}

/// A new list of `value`'s items (`[List[int]]@(1, 2)`, `[ArrayList]$items`), each
/// converted to the element type.
pub fn new_list(array_list: bool, element: Option<&str>, value: Value) -> Result<Value, String> {
    let items = match value {
        Value::Null => Vec::new(),
        other => other.into_items_keep(),
    };
    let items = items
        .into_iter()
        .map(|v| list_item(element, v))
        .collect::<Result<Vec<_>, _>>()?;
    let full_name = if array_list {
        "System.Collections.ArrayList".to_string()
    } else {
        format!(
            "System.Collections.Generic.List`1[{}]",
            dotnet_type_name(element.unwrap_or("object"))
        )
    };
    Ok(Value::List(std::rc::Rc::new(
        crate::engine::value::ListObject {
            full_name,
            element: element.map(str::to_string),
            items: std::cell::RefCell::new(items),
        },
    )))
}

pub fn is_type(value: &Value, type_name: &str) -> bool {
    if let Some(base) = value.base_value() {
        return is_type(base, type_name) || type_name.eq_ignore_ascii_case("psobject");
    }
    let t = type_name.to_ascii_lowercase();
    let t = t.strip_prefix("system.").unwrap_or(&t);
    match value {
        Value::Int(i) if i32::try_from(*i).is_ok() => {
            matches!(t, "int" | "int32" | "valuetype" | "object")
        }
        Value::Int(_) => matches!(t, "int64" | "long" | "valuetype" | "object"),
        Value::Enumerator(_) => matches!(t, "collections.ienumerator" | "object"),
        Value::List(l) => {
            let full = l.full_name.to_ascii_lowercase();
            let full = full.strip_prefix("system.").unwrap_or(&full);
            full == t
                || generic_list_type(t).is_some_and(|(array_list, element)| {
                    array_list == l.is_array_list() && element.as_deref() == l.element.as_deref()
                })
                || matches!(
                    t,
                    "object"
                        | "collections.ilist"
                        | "collections.icollection"
                        | "collections.ienumerable"
                )
        }
        Value::Float(_) => matches!(t, "double" | "valuetype" | "object"),
        Value::String(_) => matches!(t, "string" | "object"),
        Value::Bool(_) => matches!(t, "bool" | "boolean" | "object"),
        Value::DateTime(_) => matches!(t, "datetime" | "object"),
        Value::TimeSpan(_) => matches!(t, "timespan" | "object"),
        Value::Array(_) => matches!(
            t,
            "array"
                | "object[]"
                | "object"
                | "collections.ilist"
                | "collections.icollection"
                | "collections.ienumerable"
        ),
        Value::Hashtable(table) if table.kind != TableKind::Hashtable => {
            let full = table.full_name().to_ascii_lowercase();
            full.strip_prefix("system.").unwrap_or(&full) == t
                || matches!(
                    t,
                    "object"
                        | "collections.idictionary"
                        | "collections.icollection"
                        | "collections.ienumerable"
                )
                || (t == "ordered" && table.kind == TableKind::Ordered)
        }
        Value::Hashtable(_) => matches!(
            t,
            "hashtable"
                | "object"
                | "collections.idictionary"
                | "collections.icollection"
                | "collections.ienumerable"
        ),
        Value::SecureString(_) => matches!(t, "securestring" | "object"),
        Value::Certificate(_) => matches!(
            t,
            "x509certificate2"
                | "security.cryptography.x509certificates.x509certificate2"
                | "object"
        ),
        Value::ScriptBlock(_) => matches!(t, "scriptblock" | "object"),
        Value::Enum(ty, _) => {
            t.eq_ignore_ascii_case(&ty.name) || matches!(t, "enum" | "valuetype" | "object")
        }
        Value::Object(o) => match &o.instance {
            Some(i) => i.class.is_a(t) || matches!(t, "psobject" | "object"),
            None if o.type_name == "ErrorRecord"
                || crate::engine::value::is_stream_record(&o.type_name) =>
            {
                let own = o.type_name.to_ascii_lowercase();
                let short = t.strip_prefix("management.automation.").unwrap_or(t);
                short == own
                    || (short == "informationalrecord"
                        && own != "informationrecord"
                        && own != "errorrecord")
                    || matches!(t, "psobject" | "object")
            }
            None => matches!(t, "pscustomobject" | "psobject" | "object"),
        },
        Value::Null => false,
    }
}

/// `d.hh:mm:ss` as TimeSpan prints.
pub fn format_timespan(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let total = ms.unsigned_abs() / 1000;
    let (days, rem) = (total / 86_400, total % 86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // .NET shows a fraction of a second with seven digits, when there is one.
    let fraction = match ms.unsigned_abs() % 1000 {
        0 => String::new(),
        f => format!(".{:07}", f * 10_000),
    };
    if days > 0 {
        format!("{sign}{days}.{h:02}:{m:02}:{s:02}{fraction}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Value {
        Value::String(t.into())
    }

    #[test]
    fn comparisons_are_case_insensitive_and_left_typed() {
        assert!(equals(&s("ABC"), &s("abc"), false));
        assert!(!equals(&s("ABC"), &s("abc"), true));
        assert!(equals(&Value::Int(10), &s("10"), false));
        assert_eq!(order(&Value::Int(9), &s("10"), false), Some(Ordering::Less));
        assert_eq!(
            order(&s("9"), &Value::Int(10), false),
            Some(Ordering::Greater),
            "string order when the left is a string"
        );
        let filtered = compare(
            Comparison::Gt,
            false,
            &Value::Array(vec![Value::Int(1), Value::Int(5), Value::Int(9)]),
            &Value::Int(4),
        )
        .unwrap();
        assert!(matches!(filtered, Value::Array(v) if v.len() == 2));
    }

    #[test]
    fn wildcards_regex_and_format() {
        assert!(wildcard_match(
            "CN=*.tech.local",
            "cn=backup01.TECH.local",
            false
        ));
        assert!(!wildcard_match("a?c", "abbc", false));
        assert!(wildcard_match("[ab]*", "beta", false));
        assert_eq!(
            regex_match("veeam-bk01", r"bk(\d+)", false)
                .unwrap()
                .unwrap()[1]
                .1
                .to_text(),
            "01"
        );
        assert_eq!(
            format_operator(
                "{0,-5}|{1:N1}|{2:D3}",
                &[s("ab"), Value::Float(1234.56), Value::Int(7)]
            )
            .unwrap()
            .to_text(),
            "ab   |1,234.6|007"
        );
    }

    #[test]
    fn arithmetic_follows_powershell() {
        assert_eq!(
            binary(BinaryOp::Divide, Value::Int(5), Value::Int(2))
                .unwrap()
                .to_text(),
            "2.5"
        );
        assert_eq!(
            binary(BinaryOp::Add, s("a"), Value::Int(1))
                .unwrap()
                .to_text(),
            "a1"
        );
        assert!(binary(BinaryOp::Divide, Value::Int(1), Value::Int(0)).is_err());
        assert!(
            matches!(binary(BinaryOp::Range, Value::Int(3), Value::Int(1)).unwrap(), Value::Array(v) if v.len() == 3)
        );
        assert_eq!(
            binary(BinaryOp::Join, Value::Array(vec![s("a"), s("b")]), s(","))
                .unwrap()
                .to_text(),
            "a,b"
        );
    }

    /// .NET's custom numeric format strings, with the results the .NET documentation
    /// ("Custom numeric format strings") gives for them.
    #[test]
    fn custom_numeric_formats_follow_dotnet() {
        let f = |x: f64, fmt: &str| format_value(&Value::Float(x), fmt);
        assert_eq!(f(7.0, "00"), "07");
        assert_eq!(f(365.0, "000000"), "000365");
        assert_eq!(f(1234.5678, "#,##0.00"), "1,234.57");
        assert_eq!(f(0.45678, "0.00"), "0.46");
        assert_eq!(f(1.2, "0.0#"), "1.2");
        assert_eq!(f(-3.0, "00"), "-03");
    }

    /// `-split` as about_Split documents it: a count from the left, a negative count
    /// from the right, captured delimiters kept.
    #[test]
    fn split_counts_and_captures() {
        let split = |text: &str, args: Vec<Value>| {
            binary(
                BinaryOp::Split {
                    case_sensitive: false,
                },
                s(text),
                Value::Array(args),
            )
            .unwrap()
            .into_items()
            .iter()
            .map(Value::to_text)
            .collect::<Vec<_>>()
        };
        assert_eq!(
            split("a,b,c,d", vec![s(","), Value::Int(2)]),
            ["a", "b,c,d"]
        );
        assert_eq!(
            split("a,b,c,d", vec![s(","), Value::Int(-2)]),
            ["a,b,c", "d"]
        );
        assert_eq!(split("a-b", vec![s("(-)")]), ["a", "-", "b"]);
        assert_eq!(
            split("a.b", vec![s("."), Value::Int(0), s("SimpleMatch")]),
            ["a", "b"]
        );
    }

    /// .NET regular-expression and replacement syntax the `regex` crate spells
    /// differently.
    #[test]
    fn dotnet_regex_syntax_is_translated() {
        let replace = |text: &str, pattern: &str, with: &str| {
            binary(
                BinaryOp::Replace {
                    case_sensitive: false,
                },
                s(text),
                Value::Array(vec![s(pattern), s(with)]),
            )
            .unwrap()
            .to_text()
        };
        assert_eq!(replace("abc", "b", "[$&]"), "a[b]c");
        assert_eq!(replace("ab", "(a)(b)", "$2$1"), "ba");
        assert_eq!(replace("a.b-c", "[\\w-.]+", "x"), "x");
        assert_eq!(replace("book", "(?# a comment)oo", "0"), "b0k");
        assert_eq!(replace("5", "5", "$$"), "$");
    }

    #[test]
    fn generic_list_types_are_recognised() {
        assert_eq!(
            generic_list_type("collections.generic.list[string]"),
            Some((false, Some("string".to_string())))
        );
        assert_eq!(
            generic_list_type("collections.arraylist"),
            Some((true, None))
        );
        assert_eq!(generic_list_type("hashtable"), None);
        let list = cast(
            "System.Collections.Generic.List[int]",
            Value::Array(vec![s("4"), Value::Int(2)]),
        )
        .unwrap();
        assert_eq!(list.type_name(), "System.Collections.Generic.List`1");
        assert_eq!(list.to_text(), "4 2");
    }
}
