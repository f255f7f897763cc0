//! Table and list rendering of objects, shared by `Format-Table`, `Format-List` and the
//! default output.

use crate::engine::Value;

/// Text of a property value in a table cell or list line.
pub(crate) fn cell(v: &Value) -> String {
    match v {
        Value::Array(items) => format!(
            "{{{}}}",
            items
                .iter()
                // An item of several lines (a certificate) shows as its first line.
                .map(|item| {
                    let text = item.to_text();
                    match text.split_once('\n') {
                        Some((first, _)) => format!("{first}…"),
                        None => text,
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::DateTime(t) => super::datetime_short(*t),
        Value::List(_) => cell(&v.clone().unlisted()),
        other => other.to_text().replace('\n', " "),
    }
}

fn is_numeric(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_))
}

/// Columns of the terminal on stdout (`$COLUMNS` first), when it is one.
pub fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(n);
    }
    // SAFETY: TIOCGWINSZ only writes a `winsize` into `ws`, which lives on this stack
    // frame; on failure (not a terminal) it returns -1 and `ws` is ignored.
    let ws = unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        (libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) == 0).then_some(ws)
    };
    ws.map(|ws| usize::from(ws.ws_col)).filter(|c| *c > 0)
}

/// Shortens `text` to `width` characters, ending in `…` when cut (as PowerShell 7 does).
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A table of `rows` with the given columns: header, dashes, rows; numbers right-aligned.
/// With a terminal `width`, the last column is shortened to fit.
pub fn render_table_fitted(rows: &[Value], columns: &[String], width: Option<usize>) -> String {
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
    let mut widths: Vec<usize> = columns
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
    if let (Some(total), Some(last)) = (width, widths.len().checked_sub(1)) {
        let others: usize = widths[..last].iter().map(|w| w + 1).sum();
        widths[last] = widths[last].min(
            total
                .saturating_sub(others + 1)
                .max(columns[last].chars().count()),
        );
    }
    let cells: Vec<Vec<(String, bool)>> = cells
        .into_iter()
        .map(|r| {
            r.into_iter()
                .enumerate()
                .map(|(i, (t, n))| (fit(&t, widths[i]), n))
                .collect()
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

/// [`render_table_fitted`] without a width limit.
pub fn render_table(rows: &[Value], columns: &[String]) -> String {
    render_table_fitted(rows, columns, None)
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
        // A value of several lines continues under its first line.
        let text = match &v {
            Value::String(s) => s.replace('\n', &format!("\n{:width$}   ", "")),
            other => cell(other),
        };
        out.push_str(&format!("{p:<width$} : {text}\n"));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_column_is_cut_to_the_width() {
        let rows = vec![Value::object(
            "T",
            vec![
                ("Name".into(), Value::String("backup01".into())),
                (
                    "Subject".into(),
                    Value::String("CN=a-very-long-subject-name.tech.local".into()),
                ),
            ],
        )];
        let cols = vec!["Name".to_string(), "Subject".to_string()];
        let table = render_table_fitted(&rows, &cols, Some(30));
        assert!(table.lines().all(|l| l.chars().count() <= 30), "{table}");
        assert!(table.contains("backup01 CN=a-very-long-subj…"), "{table}");
        assert!(render_table(&rows, &cols).contains("CN=a-very-long-subject-name.tech.local"));
    }
}
