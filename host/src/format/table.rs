//! Table and list rendering of objects, shared by `Format-Table`, `Format-List` and the
//! default output.

use crate::engine::Value;

/// Text of a property value in a table cell or list line.
fn cell(v: &Value) -> String {
    match v {
        Value::Array(items) => format!(
            "{{{}}}",
            items
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::DateTime(t) => super::datetime_short(*t),
        other => other.to_text().replace('\n', " "),
    }
}

fn is_numeric(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}

/// A table of `rows` with the given columns: header, dashes, rows; numbers right-aligned.
pub fn render_table(rows: &[Value], columns: &[String]) -> String {
    let cells: Vec<Vec<(String, bool)>> = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| {
                    r.property(c)
                        .map(|v| (cell(&v), is_numeric(&v)))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].0.chars().count())
                .max()
                .unwrap_or(0)
                .max(c.chars().count())
        })
        .collect();
    let numeric: Vec<bool> = (0..columns.len())
        .map(|i| !cells.is_empty() && cells.iter().all(|r| r[i].1 || r[i].0.is_empty()))
        .collect();
    let line = |parts: Vec<String>| parts.join(" ").trim_end().to_string();
    let pad = |i: usize, text: &str| {
        if numeric[i] {
            format!("{text:>w$}", w = widths[i])
        } else {
            format!("{text:<w$}", w = widths[i])
        }
    };
    let mut out = String::new();
    out.push_str(&line(
        columns.iter().enumerate().map(|(i, c)| pad(i, c)).collect(),
    ));
    out.push('\n');
    out.push_str(&line(
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| pad(i, &"-".repeat(c.chars().count())))
            .collect(),
    ));
    out.push('\n');
    for r in &cells {
        out.push_str(&line(
            r.iter().enumerate().map(|(i, (t, _))| pad(i, t)).collect(),
        ));
        out.push('\n');
    }
    out
}

/// `Name : Value` lines for one object, names padded to the longest.
pub fn render_list(value: &Value, properties: &[String]) -> String {
    let width = properties
        .iter()
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for p in properties {
        let v = value.property(p).unwrap_or(Value::Null);
        out.push_str(&format!("{p:<width$} : {}\n", cell(&v)));
    }
    out
}

/// Expands `*` and wildcards in a property list against an object's properties.
pub fn resolve_properties(value: &Value, wanted: &[String]) -> Vec<String> {
    let all = value.property_names();
    if wanted.is_empty() {
        return all;
    }
    let mut out = Vec::new();
    for w in wanted {
        if w.contains('*') || w.contains('?') {
            out.extend(
                all.iter()
                    .filter(|p| crate::engine::operators::wildcard_match(w, p, false))
                    .cloned(),
            );
        } else {
            out.push(
                all.iter()
                    .find(|p| p.eq_ignore_ascii_case(w))
                    .cloned()
                    .unwrap_or_else(|| w.clone()),
            );
        }
    }
    out
}
