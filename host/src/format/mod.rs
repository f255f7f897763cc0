//! PowerShell's default output (`Out-Default`): a type's registered view if it has one
//! (certificates: the `Thumbprint  Subject` table under a `PSParentPath` header, as the
//! Cert: provider shows them), otherwise values as text. Tables continue across
//! statements while the objects keep the same shape, as in PowerShell.

pub mod table;

use crate::engine::Value;
use crate::engine::certificate::parent_path;
use std::io::Write;

/// Writes values as the console shows them.
pub struct Formatter {
    out: Box<dyn Write>,
    /// The certificate table in progress: its PSParentPath (None = not in a store).
    table: Option<Option<String>>,
    /// Objects waiting to be shown as one table (same properties, at most four).
    pending: Vec<Value>,
    pending_columns: Vec<String>,
    /// Terminal width tables are fitted to (`None`: no limit, as when piped).
    width: Option<usize>,
}

/// Objects with more properties than this show as a list, as in PowerShell.
const MAX_TABLE_COLUMNS: usize = 4;

const THUMBPRINT_WIDTH: usize = 40;

impl crate::engine::Output for Formatter {
    fn write(&mut self, value: &Value) {
        Formatter::write(self, value);
    }

    fn flush_table(&mut self) {
        Formatter::flush_table(self);
    }
}

impl Formatter {
    /// Fits tables to `width` columns (the terminal's).
    pub fn with_width(mut self, width: Option<usize>) -> Self {
        self.width = width;
        self
    }

    pub fn new(out: Box<dyn Write>) -> Self {
        Formatter {
            out,
            table: None,
            pending: Vec::new(),
            pending_columns: Vec::new(),
            width: None,
        }
    }

    /// Writes one value (arrays element by element).
    pub fn write(&mut self, value: &Value) {
        // Output errors (a closed pipe) are ignored, as PowerShell ignores them.
        let _ = self.write_value(value);
    }

    fn write_value(&mut self, value: &Value) -> std::io::Result<()> {
        // A value `Add-Member` wrapped shows as the value.
        if let Some(base) = value.base_value() {
            return self.write_value(&base.clone());
        }
        match value {
            Value::Array(items) => {
                for item in items {
                    self.write_value(item)?;
                }
                Ok(())
            }
            Value::List(l) => {
                let items = l.items.borrow().clone();
                for item in &items {
                    match item {
                        // A list inside a list is one object: it shows as its type.
                        Value::List(inner) => writeln!(self.out, "{}", inner.full_name)?,
                        other => self.write_value(other)?,
                    }
                }
                Ok(())
            }
            Value::Enumerator(e) => {
                for item in e.take_rest() {
                    self.write_value(&item)?;
                }
                Ok(())
            }
            Value::Certificate(c) => {
                self.flush_pending();
                let parent = parent_path(c);
                if self.table.as_ref() != Some(&parent) {
                    self.flush_table();
                    if let Some(p) = &parent {
                        write!(self.out, "\n   PSParentPath: {p}\n")?;
                    }
                    writeln!(self.out)?;
                    writeln!(self.out, "{:<THUMBPRINT_WIDTH$}  Subject", "Thumbprint")?;
                    writeln!(self.out, "{:<THUMBPRINT_WIDTH$}  -------", "----------")?;
                    self.table = Some(parent);
                }
                let subject = match self.width {
                    Some(w) => table::fit(
                        &c.info.subject,
                        w.saturating_sub(THUMBPRINT_WIDTH + 2).max(10),
                    ),
                    None => c.info.subject.clone(),
                };
                writeln!(
                    self.out,
                    "{:<THUMBPRINT_WIDTH$}  {subject}",
                    c.info.thumbprint
                )
            }
            Value::Null => Ok(()),
            // Objects pwsh shows as their text (Select-String's matches).
            Value::Object(o) if o.type_name == "MatchInfo" => {
                self.flush_table();
                writeln!(self.out, "{}", value.to_text())
            }
            // An error record in the output shows as errors are shown: `Command: message`.
            Value::Object(o) if o.type_name == "ErrorRecord" => {
                self.flush_table();
                let text = |v: Option<Value>| v.map(|v| v.to_text()).unwrap_or_default();
                let message = text(o.get("Message"));
                let command = text(
                    o.get("InvocationInfo")
                        .and_then(|i| i.property("MyCommand")),
                );
                let category = text(o.get("CategoryInfo"));
                if !command.is_empty() {
                    writeln!(self.out, "{command}: {message}")
                } else if category == "OperationStopped" {
                    writeln!(self.out, "Exception: {message}")
                } else {
                    writeln!(self.out, "{message}")
                }
            }
            // A warning, verbose, debug or information record shows as its message
            // (with the stream's prefix when it was merged into the output by `3>&1`).
            Value::Object(o) if crate::engine::value::is_stream_record(&o.type_name) => {
                self.flush_table();
                writeln!(
                    self.out,
                    "{}{}",
                    o.merged_from.unwrap_or_default(),
                    value.to_text()
                )
            }
            Value::Object(_) => {
                let columns = value.default_columns();
                if self.table.is_some() {
                    self.flush_certificates();
                }
                if columns.len() <= MAX_TABLE_COLUMNS && !columns.is_empty() {
                    if !self.pending.is_empty() && columns != self.pending_columns {
                        self.flush_pending();
                    }
                    self.pending_columns = columns;
                    // Rows wait for the table's end: they keep the values they have now
                    // (a later change to the same object is not theirs).
                    self.pending.push(match value {
                        Value::Object(o) if o.instance.is_none() => {
                            Value::object(&o.type_name, o.entries())
                        }
                        other => other.clone(),
                    });
                    Ok(())
                } else {
                    self.flush_table();
                    write!(
                        self.out,
                        "\n{}",
                        table::render_list(value, &columns)
                            .lines()
                            .map(|l| l.trim_end().to_string() + "\n")
                            .collect::<String>()
                    )?;
                    writeln!(self.out)
                }
            }
            // A generic dictionary shows as a table of its Key and Value pairs.
            Value::Hashtable(table) if table.shows_keys() => {
                self.flush_table();
                let pairs: Vec<Value> = table
                    .borrow()
                    .iter()
                    .map(|(k, v)| {
                        Value::object(
                            "KeyValuePair",
                            vec![
                                ("Key".into(), Value::String(k.clone())),
                                ("Value".into(), v.clone()),
                            ],
                        )
                    })
                    .collect();
                if pairs.is_empty() {
                    return Ok(());
                }
                let columns = vec!["Key".to_string(), "Value".to_string()];
                write!(
                    self.out,
                    "\n{}\n",
                    table::render_table_fitted(&pairs, &columns, self.width)
                )
            }
            Value::Hashtable(entries) => {
                self.flush_table();
                let entries = entries.borrow().clone();
                let width = entries
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(4)
                    .max(4);
                writeln!(self.out, "\n{:<width$} Value", "Name")?;
                writeln!(self.out, "{:<width$} -----", "----")?;
                for (k, v) in &entries {
                    writeln!(self.out, "{k:<width$} {}", table::cell(v))?;
                }
                writeln!(self.out)
            }
            Value::DateTime(t) => {
                self.flush_table();
                writeln!(self.out, "\n{}\n", datetime_long(*t))
            }
            other => {
                self.flush_table();
                writeln!(self.out, "{}", other.to_text())
            }
        }
    }

    fn flush_certificates(&mut self) {
        if self.table.take().is_some() {
            let _ = writeln!(self.out);
        }
    }

    fn flush_pending(&mut self) {
        if !self.pending.is_empty() {
            let rows = std::mem::take(&mut self.pending);
            let _ = write!(
                self.out,
                "\n{}\n",
                table::render_table_fitted(&rows, &self.pending_columns, self.width)
            );
        }
    }

    /// Ends a table in progress with its blank line.
    pub fn flush_table(&mut self) {
        self.flush_certificates();
        self.flush_pending();
    }

    /// Ends the output.
    pub fn finish(&mut self) {
        self.flush_table();
        let _ = self.out.flush();
    }
}

fn utc(t: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Renders values as the console would show them, into a string (`Out-String`).
pub fn render_to_string(values: &[Value]) -> String {
    let buffer = SharedBuffer::default();
    let mut f = Formatter::new(Box::new(buffer.clone()));
    for v in values {
        f.write(v);
    }
    f.finish();
    let bytes = buffer.0.borrow().clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A `Write` into a shared byte buffer.
#[derive(Clone, Default)]
struct SharedBuffer(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub use crate::clock::datetime_short;

/// `Sunday, November 22, 2026 8:52:16 PM` (how a DateTime displays by itself).
pub fn datetime_long(t: i64) -> String {
    let d = utc(t);
    let (hour, ampm) = crate::clock::twelve_hour(d.hour());
    format!(
        "{}, {} {}, {:04} {}:{:02}:{:02} {ampm}",
        d.weekday(),
        d.month(),
        d.day(),
        d.year(),
        hour,
        d.minute(),
        d.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_like_powershell() {
        assert_eq!(
            datetime_long(1_795_380_736),
            "Sunday, November 22, 2026 8:52:16 PM"
        );
        assert_eq!(datetime_short(1_795_380_736), "11/22/2026 8:52:16 PM");
        assert_eq!(
            crate::clock::datetime_invariant(1_795_380_736),
            "11/22/2026 20:52:16"
        );
    }
}
