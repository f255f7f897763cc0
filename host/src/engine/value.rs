//! Values that flow through pipelines and variables.

use crate::certificate::CertificateObject;
use crate::lang::ast::ScriptBlock;
use std::cell::RefCell;
use std::rc::Rc;

/// A custom object (`[pscustomobject]`, `Select-Object` output, error records): a type
/// name and ordered properties. Objects are shared, as .NET objects are: a change through
/// one variable is seen through every other.
#[derive(Debug)]
pub struct PsObject {
    pub type_name: String,
    pub properties: RefCell<Vec<(String, Value)>>,
    /// Set when the object is an instance of a script's class.
    pub instance: Option<crate::engine::class::Instance>,
    /// For a warning, verbose or debug record merged into the output (`3>&1`): the
    /// prefix the console shows it with (`WARNING: `).
    pub merged_from: Option<&'static str>,
    /// Members `Add-Member` gave this object: script properties, aliases and script
    /// methods (its note properties are among `properties`).
    pub members: RefCell<Vec<crate::engine::class::TypeMember>>,
    /// The value this object wraps, when `Add-Member -PassThru` added members to a value
    /// that is not an object (a string, a certificate): it shows and compares as that
    /// value, and has that value's properties and methods too.
    pub base: Option<Value>,
}

impl PsObject {
    /// A new object of the type `type_name` with these properties.
    pub fn new(type_name: &str, properties: Vec<(String, Value)>) -> Self {
        PsObject {
            type_name: type_name.into(),
            properties: RefCell::new(properties),
            instance: None,
            merged_from: None,
            members: RefCell::new(Vec::new()),
            base: None,
        }
    }
}

impl PsObject {
    /// A property's value by name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<Value> {
        self.properties
            .borrow()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// Sets an existing property; false when the object has none of that name.
    pub fn set(&self, name: &str, value: Value) -> bool {
        let mut properties = self.properties.borrow_mut();
        match properties
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            Some(slot) => {
                slot.1 = value;
                true
            }
            None => false,
        }
    }

    /// The property names and values, in order.
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.properties.borrow().clone()
    }
}

/// A hashtable or dictionary: its entries in insertion order, shared as .NET's are.
pub type Table = Rc<HashTable>;

/// What kind of dictionary a table is: how it compares keys, indexes and shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableKind {
    /// `@{}`: keys compare case-insensitively.
    Hashtable,
    /// `[ordered]@{}`: an integer index is a position (`$d[0]`), as OrderedDictionary's.
    Ordered,
    /// `ConvertFrom-Json -AsHashtable`: ordered, and keys compare case-sensitively.
    OrderedCaseSensitive,
    /// `Dictionary[K,V]`: the full type name and the value type (values are converted
    /// to it); keys compare case-sensitively, as .NET's default comparer does.
    Dictionary {
        full_name: String,
        value_type: Option<String>,
    },
    /// `$PSBoundParameters`.
    BoundParameters,
}

/// A table's entries, with its kind.
#[derive(Debug)]
pub struct HashTable {
    pub kind: TableKind,
    entries: RefCell<Vec<(String, Value)>>,
}

impl HashTable {
    pub fn new(kind: TableKind, entries: Vec<(String, Value)>) -> Self {
        HashTable {
            kind,
            entries: RefCell::new(entries),
        }
    }

    pub fn borrow(&self) -> std::cell::Ref<'_, Vec<(String, Value)>> {
        self.entries.borrow()
    }

    pub fn borrow_mut(&self) -> std::cell::RefMut<'_, Vec<(String, Value)>> {
        self.entries.borrow_mut()
    }

    /// Whether two keys are the same key of this table.
    pub fn same_key(&self, a: &str, b: &str) -> bool {
        match self.kind {
            TableKind::OrderedCaseSensitive | TableKind::Dictionary { .. } => a == b,
            _ => a.eq_ignore_ascii_case(b),
        }
    }

    /// The value of a key, if the table has it.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.entries
            .borrow()
            .iter()
            .find(|(k, _)| self.same_key(k, key))
            .map(|(_, v)| v.clone())
    }

    /// Sets a key's value, adding the key when it is new.
    pub fn insert(&self, key: String, value: Value) {
        let mut entries = self.entries.borrow_mut();
        match entries.iter_mut().find(|(k, _)| self.same_key(k, &key)) {
            Some(slot) => slot.1 = value,
            None => entries.push((key, value)),
        }
    }

    /// A value as the table holds it: a `Dictionary[K,V]` converts it to V.
    pub fn converted(&self, value: Value) -> Result<Value, String> {
        match &self.kind {
            TableKind::Dictionary {
                value_type: Some(t),
                ..
            } => super::operators::cast(t, value),
            _ => Ok(value),
        }
    }

    /// Whether a key is in the table.
    pub fn contains(&self, key: &str) -> bool {
        self.entries
            .borrow()
            .iter()
            .any(|(k, _)| self.same_key(k, key))
    }

    /// Removes a key (nothing happens when it is absent).
    pub fn remove(&self, key: &str) {
        self.entries
            .borrow_mut()
            .retain(|(k, _)| !self.same_key(k, key));
    }

    /// The .NET type's full name.
    pub fn full_name(&self) -> &str {
        match &self.kind {
            TableKind::Hashtable => "System.Collections.Hashtable",
            TableKind::Ordered => "System.Collections.Specialized.OrderedDictionary",
            TableKind::OrderedCaseSensitive => "System.Management.Automation.OrderedHashtable",
            TableKind::Dictionary { full_name, .. } => full_name,
            TableKind::BoundParameters => {
                "System.Management.Automation.PSBoundParametersDictionary"
            }
        }
    }

    /// Whether it shows as a table of Key and Value (a generic dictionary), rather than
    /// of Name and Value (a hashtable).
    pub fn shows_keys(&self) -> bool {
        matches!(
            self.kind,
            TableKind::Dictionary { .. } | TableKind::BoundParameters
        )
    }

    /// A new table of the same kind with the same entries (`.Clone()`).
    pub fn copy(&self) -> Value {
        Value::Hashtable(Rc::new(HashTable::new(
            self.kind.clone(),
            self.entries.borrow().clone(),
        )))
    }
}

/// A password. Its text is never displayed: it prints as PowerShell prints a SecureString.
#[derive(Clone, PartialEq, Eq)]
pub struct SecureString(String);

impl SecureString {
    pub fn new(text: String) -> Self {
        SecureString(text)
    }
    /// The secret text, for handing to a cmdlet that needs it.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecureString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("System.Security.SecureString")
    }
}

/// An enum type defined by a script.
#[derive(Debug, PartialEq, Eq)]
pub struct EnumType {
    pub name: String,
    pub flags: bool,
    /// The .NET integer type of its values (`System.Int32` unless declared).
    pub underlying: String,
    pub members: Vec<(String, i64)>,
}

impl EnumType {
    /// The members in the order .NET lists them: by value (declaration order when the
    /// declaration is already in value order; otherwise members of equal value come in
    /// reverse declaration order, as the documented outputs of pwsh show).
    pub fn ordered(&self) -> Vec<(String, i64)> {
        let mut members = self.members.clone();
        if members.windows(2).all(|w| w[0].1 <= w[1].1) {
            return members;
        }
        members.reverse();
        members.sort_by_key(|(_, v)| *v);
        members
    }

    /// The text of a value: its member's name, `A, B` for flags, else the number.
    pub fn text(&self, value: i64) -> String {
        if let Some((name, _)) = self.ordered().into_iter().find(|(_, v)| *v == value) {
            return name;
        }
        if self.flags && value != 0 {
            let mut rest = value;
            let mut names = Vec::new();
            let mut by_size: Vec<&(String, i64)> =
                self.members.iter().filter(|(_, v)| *v != 0).collect();
            by_size.sort_by_key(|(_, v)| std::cmp::Reverse(*v));
            for (name, v) in by_size {
                if rest & v == *v {
                    names.push((v, name.clone()));
                    rest &= !v;
                }
            }
            if rest == 0 {
                names.sort_by_key(|(v, _)| **v);
                return names
                    .into_iter()
                    .map(|(_, n)| n)
                    .collect::<Vec<_>>()
                    .join(", ");
            }
        }
        value.to_string()
    }

    /// The member names, `A, B, C` (for messages).
    pub fn member_list(&self) -> String {
        self.members
            .iter()
            .map(|(m, _)| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The value a member name (or `A, B` for flags, or a number) stands for.
    pub fn parse(&self, text: &str) -> Option<i64> {
        if let Ok(n) = text.trim().parse::<i64>() {
            return Some(n);
        }
        let mut value = 0;
        for part in text.split(',') {
            let (_, v) = self
                .members
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(part.trim()))?;
            value |= v;
        }
        Some(value)
    }
}

/// A .NET `List[T]` or `ArrayList`: a list that grows in place and is shared by
/// reference (an array is a value here).
#[derive(Debug)]
pub struct ListObject {
    /// `System.Collections.Generic.List`1[System.String]` or `System.Collections.ArrayList`.
    pub full_name: String,
    /// The element type items are converted to (`string`), if typed.
    pub element: Option<String>,
    pub items: RefCell<Vec<Value>>,
}

impl ListObject {
    /// Whether it is an ArrayList (whose `Add` returns the new item's index).
    pub fn is_array_list(&self) -> bool {
        self.full_name.ends_with("ArrayList")
    }
}

/// A live enumerator (`$input`, `$foreach`, `$switch`): `MoveNext()`, `Current`,
/// `Reset()`; reading it as a whole (`"$input"`, piping it) takes the items not yet
/// read, so a second read is empty until `Reset()`.
#[derive(Debug)]
pub struct Enumerator {
    pub items: Vec<Value>,
    /// How many items have been moved onto: 0 before the first, `items.len() + 1` after
    /// the end.
    pub position: std::cell::Cell<usize>,
}

impl Enumerator {
    pub fn new(items: Vec<Value>) -> Rc<Self> {
        Rc::new(Enumerator {
            items,
            position: std::cell::Cell::new(0),
        })
    }

    /// Moves to the next item; false at the end.
    pub fn move_next(&self) -> bool {
        let p = self.position.get();
        if p < self.items.len() {
            self.position.set(p + 1);
            true
        } else {
            self.position.set(self.items.len() + 1);
            false
        }
    }

    /// The item moved onto last (`$null` before the first and after the end).
    pub fn current(&self) -> Value {
        match self.position.get() {
            0 => Value::Null,
            p => self.items.get(p - 1).cloned().unwrap_or(Value::Null),
        }
    }

    pub fn reset(&self) {
        self.position.set(0);
    }

    /// The items not read yet, which reading them uses up.
    pub fn take_rest(&self) -> Vec<Value> {
        let p = self.position.get().min(self.items.len());
        self.position.set(self.items.len() + 1);
        self.items[p..].to_vec()
    }
}

/// The records of the warning, verbose, debug and information streams.
pub fn is_stream_record(type_name: &str) -> bool {
    matches!(
        type_name,
        "WarningRecord" | "VerboseRecord" | "DebugRecord" | "InformationRecord"
    )
}

/// The property that holds a stream record's text (an InformationRecord's is MessageData).
fn record_message_property(type_name: &str) -> &'static str {
    if type_name == "InformationRecord" {
        "MessageData"
    } else {
        "Message"
    }
}

/// A PowerShell value.
#[derive(Debug, Clone)]
pub enum Value {
    /// A value of a script's enum.
    Enum(Rc<EnumType>, i64),
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    SecureString(SecureString),
    /// Unix seconds, UTC.
    DateTime(i64),
    Array(Vec<Value>),
    /// Ordered key/value pairs (keys compared case-insensitively).
    Hashtable(Table),
    /// An X509Certificate2-like object.
    Certificate(Rc<CertificateObject>),
    /// `{ ... }`
    ScriptBlock(Rc<ScriptBlock>),
    /// A custom object.
    Object(Rc<PsObject>),
    /// A duration in milliseconds.
    TimeSpan(i64),
    /// A `List[T]` or `ArrayList`.
    List(Rc<ListObject>),
    /// `$input`, `$foreach`, `$switch`.
    Enumerator(Rc<Enumerator>),
}

impl Value {
    /// PowerShell's name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "System.Boolean",
            Value::Int(i) if i32::try_from(*i).is_ok() => "System.Int32",
            Value::Int(_) => "System.Int64",
            Value::Float(_) => "System.Double",
            Value::String(_) => "System.String",
            Value::SecureString(_) => "System.Security.SecureString",
            Value::DateTime(_) => "System.DateTime",
            Value::Array(_) => "System.Object[]",
            Value::List(l) if l.is_array_list() => "System.Collections.ArrayList",
            Value::List(_) => "System.Collections.Generic.List`1",
            Value::Enumerator(_) => "System.Collections.IEnumerator",
            Value::Hashtable(t) => match t.kind {
                TableKind::Hashtable => "System.Collections.Hashtable",
                TableKind::Ordered => "System.Collections.Specialized.OrderedDictionary",
                TableKind::OrderedCaseSensitive => "System.Management.Automation.OrderedHashtable",
                TableKind::Dictionary { .. } => "System.Collections.Generic.Dictionary`2",
                TableKind::BoundParameters => {
                    "System.Management.Automation.PSBoundParametersDictionary"
                }
            },
            Value::Certificate(_) => {
                "System.Security.Cryptography.X509Certificates.X509Certificate2"
            }
            Value::ScriptBlock(_) => "System.Management.Automation.ScriptBlock",
            Value::Object(_) => "System.Management.Automation.PSCustomObject",
            Value::TimeSpan(_) => "System.TimeSpan",
            Value::Enum(..) => "System.Enum",
        }
    }

    /// PowerShell truthiness.
    pub fn is_truthy(&self) -> bool {
        if let Some(base) = self.base_value() {
            return base.is_truthy();
        }
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            // A list is true as an array is: by its one item, when it has one.
            Value::List(l) => match l.items.borrow().as_slice() {
                [] => false,
                [one] => one.is_truthy(),
                _ => true,
            },
            Value::Array(a) => match a.as_slice() {
                [] => false,
                [one] => one.is_truthy(),
                _ => true,
            },
            _ => true,
        }
    }

    /// The text PowerShell gives the value in a string context.
    pub fn to_text(&self) -> String {
        if let Some(base) = self.base_value() {
            return base.to_text();
        }
        match self {
            Value::Null => String::new(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_double(*f),
            Value::String(s) => s.clone(),
            Value::SecureString(_) => "System.Security.SecureString".into(),
            Value::DateTime(t) => crate::clock::datetime_invariant(*t),
            Value::List(l) => l
                .items
                .borrow()
                .iter()
                .map(Value::item_text)
                .collect::<Vec<_>>()
                .join(" "),
            Value::Enumerator(e) => Value::Array(e.take_rest()).to_text(),
            Value::Array(items) => items
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(" "),
            Value::Hashtable(t) => t.full_name().to_string(),
            Value::Certificate(c) => format!(
                "[Subject]\n  {}\n\n[Thumbprint]\n  {}",
                c.info.subject, c.info.thumbprint
            ),
            Value::ScriptBlock(b) => b.text.clone(),
            // An instance of a script's class: its ToString(), else its class's name.
            Value::Object(o) if o.instance.is_some() => o
                .instance
                .as_ref()
                .and_then(|i| i.text.borrow().clone())
                .unwrap_or_else(|| o.type_name.clone()),
            Value::Object(o) if o.type_name == "ErrorRecord" => {
                o.get("Message").map(|v| v.to_text()).unwrap_or_default()
            }
            Value::Object(o) if is_stream_record(&o.type_name) => o
                .get(record_message_property(&o.type_name))
                .map(|v| v.to_text())
                .unwrap_or_default(),
            Value::Object(o) if o.type_name == "RuntimeType" => {
                o.get("FullName").map(|v| v.to_text()).unwrap_or_default()
            }
            // A regex Match or Group (Select-String): its text.
            Value::Object(o) if o.type_name == "Match" || o.type_name == "Group" => {
                o.get("Value").map(|v| v.to_text()).unwrap_or_default()
            }
            Value::Object(o) if o.type_name == "Guid" => {
                o.get("Guid").map(|v| v.to_text()).unwrap_or_default()
            }
            // Resolve-Path's PathInfo: its path.
            Value::Object(o) if o.type_name == "PathInfo" => {
                o.get("Path").map(|v| v.to_text()).unwrap_or_default()
            }
            // Select-String's match: the line, or `path:number:line` for a file.
            Value::Object(o) if o.type_name == "MatchInfo" => {
                let line = o.get("Line").map(|v| v.to_text()).unwrap_or_default();
                match o.get("Path").map(|v| v.to_text()) {
                    Some(path) if path != "InputStream" => format!(
                        "{path}:{}:{line}",
                        o.get("LineNumber").map(|v| v.to_text()).unwrap_or_default()
                    ),
                    _ => line,
                }
            }
            Value::Object(o) => format!(
                "@{{{}}}",
                o.properties
                    .borrow()
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.to_text()))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Value::TimeSpan(ms) => crate::engine::operators::format_timespan(*ms),
            Value::Enum(ty, v) => ty.text(*v),
        }
    }

    /// The text of an item of a collection being made text: a list inside shows as its
    /// type, as .NET's ToString gives it (so a list holding itself prints).
    pub fn item_text(&self) -> String {
        match self {
            Value::List(inner) => inner.full_name.clone(),
            other => other.to_text(),
        }
    }

    /// Flattens arrays one level, as the pipeline enumerates them.
    pub fn into_items(self) -> Vec<Value> {
        match self.unwrapped() {
            Value::Array(items) => items,
            Value::List(l) => l.items.borrow().clone(),
            Value::Enumerator(e) => e.take_rest(),
            Value::Null => Vec::new(),
            other => vec![other],
        }
    }

    /// A property by name (case-insensitive), or `None` when the value has none of that name.
    pub fn property(&self, name: &str) -> Option<Value> {
        match self {
            Value::Certificate(c) => super::certificate::property(c, name),
            Value::Object(o) => o
                .get(name)
                .or_else(|| o.base.as_ref().and_then(|b| b.property(name))),
            Value::DateTime(_) | Value::TimeSpan(_) => super::methods::time_property(self, name),
            Value::Enum(_, v) if name.eq_ignore_ascii_case("value__") => Some(Value::Int(*v)),
            Value::Hashtable(table) => {
                let entries = table.borrow();
                match entries.iter().find(|(k, _)| table.same_key(k, name)) {
                    Some((_, v)) => Some(v.clone()),
                    None if name.eq_ignore_ascii_case("Count") => {
                        Some(Value::Int(entries.len() as i64))
                    }
                    None if name.eq_ignore_ascii_case("Keys") => Some(Value::Array(
                        entries
                            .iter()
                            .map(|(k, _)| Value::String(k.clone()))
                            .collect(),
                    )),
                    None if name.eq_ignore_ascii_case("Values") => Some(Value::Array(
                        entries.iter().map(|(_, v)| v.clone()).collect(),
                    )),
                    None => None,
                }
            }
            Value::String(s) if name.eq_ignore_ascii_case("Length") => {
                Some(Value::Int(s.chars().count() as i64))
            }
            Value::Enumerator(e) if name.eq_ignore_ascii_case("Current") => Some(e.current()),
            Value::List(l) => match name.to_ascii_lowercase().as_str() {
                "count" | "capacity" => Some(Value::Int(l.items.borrow().len() as i64)),
                "isreadonly" | "isfixedsize" | "issynchronized" => Some(Value::Bool(false)),
                _ => None,
            },
            Value::Array(a)
                if name.eq_ignore_ascii_case("Count") || name.eq_ignore_ascii_case("Length") =>
            {
                Some(Value::Int(a.len() as i64))
            }
            _ => None,
        }
    }
}

/// A double as PowerShell shows it: up to 15 significant digits, scientific notation
/// for exponents from 15 up or below -5 (`1E+15`, `1E-06`).
pub fn format_double(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return "0".into();
    }
    let scientific = format!("{:.14e}", f);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if negative { "-" } else { "" };
    if !(-5..15).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}{fraction}E{exp_sign}{:02}", exponent.abs());
    }
    if exponent < 0 {
        let zeros = "0".repeat((-exponent - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = exponent as usize + 1;
    if digits.len() <= point {
        format!("{sign}{digits}{}", "0".repeat(point - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..point], &digits[point..])
    }
}

/// The .NET type of a value as `GetType()` returns it: an object with `Name` and
/// `FullName` that prints as its full name.
pub fn type_object(value: &Value) -> Value {
    if let Some(base) = value.base_value() {
        return type_object(base);
    }
    let full = match value {
        Value::Object(o) if o.type_name == "RuntimeType" => "System.RuntimeType".to_string(),
        Value::Enum(ty, _) => ty.name.clone(),
        Value::Object(o) if o.instance.is_some() => o.type_name.clone(),
        Value::List(l) => l.full_name.clone(),
        Value::Hashtable(t) => t.full_name().to_string(),
        // An object named by its .NET type (`System.Tuple`2`).
        Value::Object(o) if o.type_name.starts_with("System.") => o.type_name.clone(),
        Value::Object(o) if o.type_name == "ErrorRecord" || is_stream_record(&o.type_name) => {
            format!("System.Management.Automation.{}", o.type_name)
        }
        other => other.type_name().to_string(),
    };
    type_object_named(&full)
}

/// The type object of a type known by its full name.
pub fn type_object_named(full: &str) -> Value {
    // `List`1[System.String]` is named `List`1`; `Object[]` keeps its brackets.
    let base = match full.find('[') {
        Some(i) if !full[i..].starts_with("[]") => &full[..i],
        _ => full,
    };
    let name = base.rsplit('.').next().unwrap_or(base).to_string();
    let base_type = match full {
        "System.Object" => "",
        "System.Int32" | "System.Int64" | "System.Int16" | "System.Byte" | "System.SByte"
        | "System.UInt16" | "System.UInt32" | "System.UInt64" | "System.Double"
        | "System.Single" | "System.Decimal" | "System.Boolean" | "System.Char"
        | "System.DateTime" | "System.TimeSpan" | "System.Guid" => "System.ValueType",
        "System.Enum" => "System.ValueType",
        array if array.ends_with("[]") => "System.Array",
        _ => "System.Object",
    };
    Value::object(
        "RuntimeType",
        vec![
            ("IsPublic".into(), Value::Bool(true)),
            ("IsSerial".into(), Value::Bool(true)),
            ("Name".into(), Value::String(name)),
            ("BaseType".into(), Value::String(base_type.to_string())),
            ("FullName".into(), Value::String(full.to_string())),
        ],
    )
}

impl Value {
    /// The value an `Add-Member -PassThru` object wraps, if this is one.
    pub fn base_value(&self) -> Option<&Value> {
        match self {
            Value::Object(o) => o.base.as_ref(),
            _ => None,
        }
    }

    /// The wrapped value of an `Add-Member -PassThru` object (others as they are): what
    /// operators work on.
    pub fn unwrapped(self) -> Value {
        match self {
            Value::Object(o) if o.base.is_some() => o.base.clone().unwrap_or(Value::Null),
            other => other,
        }
    }

    /// A list as an array of its items now (other values as they are): what operators,
    /// conversions and cmdlets work on.
    pub fn unlisted(self) -> Value {
        match self {
            Value::List(l) => Value::Array(l.items.borrow().clone()),
            Value::Enumerator(e) => Value::Array(e.take_rest()),
            other => other,
        }
    }

    /// The columns a table shows by default: pwsh's view for a variable (Name, Value)
    /// and a type (IsPublic, IsSerial, Name, BaseType), else every property.
    pub fn default_columns(&self) -> Vec<String> {
        let view: &[&str] = match self {
            Value::Object(o) if o.type_name == "PSVariable" => &["Name", "Value"],
            Value::Object(o) if o.type_name == "HistoryInfo" => &["Id", "Duration", "CommandLine"],
            Value::Object(o) if o.type_name == "MemberDefinition" => {
                &["Name", "MemberType", "Definition"]
            }
            Value::Object(o) if o.type_name == "RuntimeType" => {
                &["IsPublic", "IsSerial", "Name", "BaseType"]
            }
            _ => return self.property_names(),
        };
        view.iter().map(|c| c.to_string()).collect()
    }

    /// The names of the value's properties, in display order.
    pub fn property_names(&self) -> Vec<String> {
        match self {
            Value::Certificate(_) => super::certificate::PROPERTY_NAMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            Value::Object(o) => {
                let hidden = |name: &str| {
                    o.instance
                        .as_ref()
                        .is_some_and(|i| i.class.property(name).is_some_and(|p| p.hidden))
                };
                o.properties
                    .borrow()
                    .iter()
                    .filter(|(k, _)| !hidden(k))
                    .map(|(k, _)| k.clone())
                    .collect()
            }
            Value::Hashtable(t) if t.shows_keys() => vec!["Key".into(), "Value".into()],
            Value::Hashtable(_) => vec!["Name".into(), "Value".into()],
            _ => Vec::new(),
        }
    }

    /// A custom object from ordered properties.
    pub fn object(type_name: &str, properties: Vec<(String, Value)>) -> Value {
        Value::Object(Rc::new(PsObject::new(type_name, properties)))
    }

    /// A record of another stream (`WarningRecord`, ...) with its message; `merged_from`
    /// is the console prefix when it was redirected into the output.
    pub fn stream_record(
        type_name: &str,
        message: &str,
        merged_from: Option<&'static str>,
    ) -> Value {
        Value::Object(Rc::new(PsObject {
            merged_from,
            ..PsObject::new(
                type_name,
                vec![(
                    record_message_property(type_name).into(),
                    Value::String(message.to_string()),
                )],
            )
        }))
    }

    /// A PSCredential: a user name and a password that never prints.
    pub fn credential(user: &str, password: SecureString) -> Value {
        Value::object(
            "PSCredential",
            vec![
                ("UserName".into(), Value::String(user.to_string())),
                ("Password".into(), Value::SecureString(password)),
            ],
        )
    }

    /// A hashtable from ordered entries.
    pub fn hashtable(entries: Vec<(String, Value)>) -> Value {
        Value::table(TableKind::Hashtable, entries)
    }

    /// A dictionary of the given kind.
    pub fn table(kind: TableKind, entries: Vec<(String, Value)>) -> Value {
        Value::Hashtable(Rc::new(HashTable::new(kind, entries)))
    }

    /// A copy of a hashtable's entries (empty for other values).
    pub fn entries(&self) -> Vec<(String, Value)> {
        match self {
            Value::Hashtable(t) => t.borrow().clone(),
            Value::Object(o) => o.entries(),
            _ => Vec::new(),
        }
    }
}
