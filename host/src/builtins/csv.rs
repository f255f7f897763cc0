//! `ConvertTo-Csv`, `ConvertFrom-Csv`, `Export-Csv` and `Import-Csv` with PowerShell 7's
//! defaults: no `#TYPE` line (unless -IncludeTypeInformation), every field quoted with
//! `"` (embedded quotes doubled), the first object's properties as the columns
//! (hashtables: their keys), UTF-8 without BOM and `\n` line endings. Reading follows
//! PowerShell's lenient parser: quoted fields may hold delimiters, quotes (`""`) and
//! line breaks; blanks around fields are dropped; a leading `#` line (`#TYPE`) and `#`
//! comment lines before the header are skipped; `#Fields:` (W3C extended log) names the
//! columns; empty header names become H1, H2, ...

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterInfo, ParameterType as T,
    command_info, example, example_with_output, input_items, param,
};
use crate::engine::session::{ErrorKind, Interrupt, RuntimeError};
use crate::engine::{Session, Value};

// ----- writing ---------------------------------------------------------------------------

/// When fields are quoted (`-UseQuotes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Always,
    AsNeeded,
    Never,
}

/// How rows are written: the delimiter, the quoting, and the columns always quoted
/// (`-QuoteFields`, which replaces the quoting rule).
#[derive(Debug, Clone)]
struct CsvWriter {
    delimiter: char,
    quoting: Quoting,
    quote_fields: Option<Vec<String>>,
}

impl CsvWriter {
    fn new(delimiter: char) -> Self {
        CsvWriter {
            delimiter,
            quoting: Quoting::Always,
            quote_fields: None,
        }
    }

    /// Whether `text` in `column` is written in quotes.
    fn quotes(&self, column: &str, text: &str) -> bool {
        match &self.quote_fields {
            Some(fields) => fields.iter().any(|f| f.eq_ignore_ascii_case(column)),
            None => match self.quoting {
                Quoting::Always => true,
                Quoting::Never => false,
                Quoting::AsNeeded => text.contains([self.delimiter, '\n', '"']),
            },
        }
    }

    fn field(&self, column: &str, text: &str) -> String {
        if self.quotes(column, text) {
            quote(text)
        } else {
            text.to_string()
        }
    }

    /// The header line: the column names.
    fn header(&self, columns: &[String]) -> String {
        columns
            .iter()
            .map(|c| self.field(c, c))
            .collect::<Vec<_>>()
            .join(&self.delimiter.to_string())
    }

    /// One row; a missing value (`None`, `$null`) is an empty, unquoted field.
    fn row(&self, columns: &[String], values: &[Option<String>]) -> String {
        columns
            .iter()
            .zip(values)
            .map(|(c, v)| v.as_deref().map(|t| self.field(c, t)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(&self.delimiter.to_string())
    }
}

/// `text` in double quotes, its quotes doubled.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// A property value as .NET's `ToString()` gives it (`None` for `$null`).
fn field_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Array(_) => Some("System.Object[]".into()),
        Value::Hashtable(_) => Some("System.Collections.Hashtable".into()),
        Value::DateTime(t) => Some(crate::clock::datetime_short(*t)),
        other => Some(other.to_text()),
    }
}

/// The properties of a DateTime, in .NET's order.
const DATETIME_COLUMNS: &[&str] = &[
    "DisplayHint",
    "DateTime",
    "Date",
    "Day",
    "DayOfWeek",
    "DayOfYear",
    "Hour",
    "Kind",
    "Millisecond",
    "Minute",
    "Month",
    "Second",
    "Ticks",
    "TimeOfDay",
    "Year",
];

/// A property of a DateTime (dates are UTC, whole seconds).
fn datetime_property(t: i64, name: &str) -> Option<Value> {
    let text = |s: &str| Some(Value::String(s.into()));
    match name.to_ascii_lowercase().as_str() {
        "displayhint" => text("DateTime"),
        "datetime" => text(&crate::format::datetime_long(t)),
        "kind" => text("Utc"),
        "millisecond" => Some(Value::Int(0)),
        "timeofday" => Some(Value::TimeSpan(t.rem_euclid(86_400) * 1000)),
        _ => crate::engine::methods::time_property(&Value::DateTime(t), name),
    }
}

/// The columns an object gives: a hashtable's keys, an object's properties.
fn column_names(first: &Value) -> Vec<String> {
    match first {
        Value::Hashtable(t) => t.borrow().iter().map(|(k, _)| k.clone()).collect(),
        Value::String(_) => vec!["Length".into()],
        Value::DateTime(_) => DATETIME_COLUMNS.iter().map(|c| c.to_string()).collect(),
        other => other.property_names(),
    }
}

/// The text of `item`'s `column` (`None` when it has no such property or it is `$null`).
fn column_value(item: &Value, column: &str) -> Option<String> {
    let value = match item {
        Value::Hashtable(t) => t
            .borrow()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(column))
            .map(|(_, v)| v.clone()),
        Value::DateTime(t) => datetime_property(*t, column),
        other => other.property(column),
    };
    value.as_ref().and_then(field_text)
}

/// The `#TYPE` line of the first object.
fn type_line(first: &Value) -> String {
    format!("#TYPE {}", first.type_name())
}

/// What goes before the rows (`-NoHeader`, `-IncludeTypeInformation`).
#[derive(Debug, Clone, Copy, Default)]
struct Preamble {
    no_header: bool,
    type_information: bool,
}

/// The CSV lines of `items` (`$null` items are skipped): the `#TYPE` line when asked,
/// the header (when there are columns), then one line per object. With `columns`
/// given (appending to a file), those columns are used and no header is written.
fn csv_lines(
    items: &[Value],
    writer: &CsvWriter,
    preamble: Preamble,
    columns: Option<Vec<String>>,
) -> Vec<String> {
    let items: Vec<&Value> = items.iter().filter(|v| !matches!(v, Value::Null)).collect();
    let Some(first) = items.first() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let columns = match columns {
        Some(c) => c,
        None => {
            let c = column_names(first);
            if !preamble.no_header {
                if preamble.type_information {
                    lines.push(type_line(first));
                }
                lines.push(writer.header(&c));
            }
            c
        }
    };
    for item in items {
        let values: Vec<Option<String>> = columns.iter().map(|c| column_value(item, c)).collect();
        lines.push(writer.row(&columns, &values));
    }
    lines
}

// ----- reading ---------------------------------------------------------------------------

/// A character reader over CSV text, parsing records as PowerShell's `Import-Csv` does.
struct Reader {
    chars: Vec<char>,
    pos: usize,
    delimiter: char,
}

impl Reader {
    fn new(text: &str, delimiter: char) -> Self {
        Reader {
            chars: text.trim_start_matches('\u{feff}').chars().collect(),
            pos: 0,
            delimiter,
        }
    }

    fn eof(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn peek_is(&self, c: char) -> bool {
        self.chars.get(self.pos) == Some(&c)
    }

    /// The rest of the line, its line break consumed.
    fn read_line(&mut self) -> String {
        let mut line = String::new();
        while let Some(c) = self.next_char() {
            if self.line_break(c).is_some() {
                break;
            }
            line.push(c);
        }
        line
    }

    /// `\r`, `\n` or `\r\n` (consumed) when `c` starts a line break.
    fn line_break(&mut self, c: char) -> Option<&'static str> {
        match c {
            '\r' if self.peek_is('\n') => {
                self.pos += 1;
                Some("\r\n")
            }
            '\r' => Some("\r"),
            '\n' => Some("\n"),
            _ => None,
        }
    }

    /// The next record's fields (empty at the end of the text).
    fn record(&mut self) -> Vec<String> {
        let mut fields = Vec::new();
        let mut current = String::new();
        let mut quoted = false;
        while let Some(c) = self.next_char() {
            let end_of_record = if c == self.delimiter {
                if quoted {
                    current.push(c);
                } else {
                    fields.push(std::mem::take(&mut current));
                }
                false
            } else if c == '"' {
                self.quote_char(&mut current, &mut quoted, &mut fields)
            } else if c == ' ' || c == '\t' {
                self.blank(c, &mut current, quoted, &mut fields)
            } else if let Some(line_break) = self.line_break(c) {
                if quoted {
                    current.push_str(line_break);
                    false
                } else {
                    fields.push(std::mem::take(&mut current));
                    true
                }
            } else {
                current.push(c);
                false
            };
            if end_of_record {
                return fields;
            }
        }
        if !current.is_empty() {
            fields.push(current);
        }
        fields
    }

    /// A `"`: opens a quoted field, closes it (`""` inside is one quote), or (inside an
    /// unquoted field) is kept with the rest of the field. True at the end of the record.
    fn quote_char(
        &mut self,
        current: &mut String,
        quoted: &mut bool,
        fields: &mut Vec<String>,
    ) -> bool {
        if *quoted {
            if self.peek_is('"') {
                self.pos += 1;
                current.push('"');
                return false;
            }
            *quoted = false;
            let end = self.until_delimiter(current, true);
            fields.push(std::mem::take(current));
            end
        } else if current.is_empty() {
            *quoted = true;
            false
        } else {
            current.push('"');
            let end = self.until_delimiter(current, false);
            fields.push(std::mem::take(current));
            end
        }
    }

    /// A space or tab: kept inside quotes, dropped before a field, else the field runs to
    /// the next delimiter. True at the end of the record.
    fn blank(
        &mut self,
        c: char,
        current: &mut String,
        quoted: bool,
        fields: &mut Vec<String>,
    ) -> bool {
        if quoted {
            current.push(c);
            false
        } else if current.is_empty() {
            false
        } else {
            current.push(c);
            let end = self.until_delimiter(current, true);
            fields.push(std::mem::take(current));
            end
        }
    }

    /// Adds the text up to the next delimiter or line break to `current` (only blanks
    /// are dropped when `drop_blanks`); true when the record ended.
    fn until_delimiter(&mut self, current: &mut String, drop_blanks: bool) -> bool {
        let mut rest = String::new();
        let mut end = true;
        while let Some(c) = self.next_char() {
            if c == self.delimiter {
                end = false;
                break;
            }
            if self.line_break(c).is_some() {
                break;
            }
            rest.push(c);
        }
        let blank = rest.chars().all(|c| c == ' ' || c == '\t');
        if !(drop_blanks && blank) {
            current.push_str(&rest);
        }
        end
    }
}

/// Header names that are not empty must differ (case-insensitively).
fn check_names(names: &[String]) -> Result<(), String> {
    let mut seen: Vec<String> = Vec::new();
    for name in names.iter().filter(|n| !n.is_empty()) {
        let lower = name.to_lowercase();
        if seen.contains(&lower) {
            return Err(format!("The member \"{name}\" is already present."));
        }
        seen.push(lower);
    }
    Ok(())
}

/// One row read: property names and values (`None` where the row is short).
type Row = Vec<(String, Option<String>)>;

/// What reading one CSV text gave.
#[derive(Debug, Default)]
struct CsvTable {
    /// The column names used (read from the text unless given).
    header: Option<Vec<String>>,
    /// The `#TYPE` name, when the text began with one.
    type_name: Option<String>,
    rows: Vec<Row>,
    /// Some header names were empty and became H1, H2, ...
    defaulted_names: bool,
}

/// Reads the header (unless `header` is given): a first `#` line is skipped (its
/// `#TYPE` name kept) unless a type name is already known, then `#` comment lines, then
/// `#Fields: a,b` or the first record.
fn read_header(
    reader: &mut Reader,
    header: Option<Vec<String>>,
    type_known: bool,
) -> (Option<Vec<String>>, Option<String>) {
    let mut type_name = None;
    if !type_known && reader.peek_is('#') {
        let line = reader.read_line();
        if line
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("#Type"))
        {
            type_name = Some(line[5..].trim().to_string()).filter(|t| !t.is_empty());
        }
    }
    let mut header = header;
    while header.is_none() && !reader.eof() {
        let mut values = reader.record();
        while values.len() > 1 && values.last().is_some_and(String::is_empty) {
            values.pop();
        }
        match values.first() {
            Some(first) if first.starts_with("#Fields: ") => {
                values[0] = first["#Fields: ".len()..].to_string();
                header = Some(values);
            }
            Some(first) if first.starts_with('#') => {}
            _ => header = Some(values),
        }
    }
    (header, type_name)
}

/// One row from a record: empty names become H1, H2, ...; values past the header are
/// dropped, missing ones are `None`. Returns whether a name was defaulted.
fn build_row(names: &[String], values: Vec<String>) -> (Row, bool) {
    let mut unnamed = 0;
    let mut values = values.into_iter();
    let row = names
        .iter()
        .map(|name| {
            let name = if name.is_empty() {
                unnamed += 1;
                format!("H{unnamed}")
            } else {
                name.clone()
            };
            (name, values.next())
        })
        .collect();
    (row, unnamed > 0)
}

/// Parses one CSV text into rows (blank lines are skipped).
fn read_table(
    text: &str,
    delimiter: char,
    header: Option<Vec<String>>,
    type_known: bool,
) -> Result<CsvTable, String> {
    let mut reader = Reader::new(text, delimiter);
    let (header, type_name) = read_header(&mut reader, header, type_known);
    if let Some(names) = &header {
        check_names(names)?;
    }
    let mut table = CsvTable {
        header,
        type_name,
        ..CsvTable::default()
    };
    let names = table.header.clone().unwrap_or_default();
    loop {
        let values = reader.record();
        if values.is_empty() {
            break;
        }
        if values.len() == 1 && values[0].is_empty() {
            continue;
        }
        let (row, defaulted) = build_row(&names, values);
        table.defaulted_names |= defaulted;
        table.rows.push(row);
    }
    Ok(table)
}

fn row_object(row: Row) -> Value {
    Value::object(
        "PSCustomObject",
        row.into_iter()
            .map(|(k, v)| (k, v.map(Value::String).unwrap_or(Value::Null)))
            .collect(),
    )
}

// ----- parameters ------------------------------------------------------------------------

const DEFAULTED_NAMES_WARNING: &str = "One or more headers were not specified. Default names starting with \"H\" have been used in place of any missing headers.";

/// A terminating error (it stops the statement), as PowerShell's ThrowTerminatingError.
fn terminating(error: CommandError) -> Interrupt {
    Interrupt::Error(Box::new(RuntimeError {
        error,
        kind: ErrorKind::StatementTerminating,
        thrown: None,
    }))
}

/// The delimiter: `-Delimiter` (one character), `,` for `-UseCulture` and by default.
fn delimiter(command: &str, args: &BoundArguments) -> Result<char, CommandError> {
    let given = args.text("Delimiter");
    if given.is_some() && args.switch("UseCulture") {
        return Err(CommandError::new(
            command,
            "InvalidArgument",
            "AmbiguousParameterSet",
            "Parameter set cannot be resolved using the specified named parameters. -Delimiter and -UseCulture cannot be used together: give one of them.",
        ));
    }
    let Some(text) = given else {
        return Ok(',');
    };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(CommandError::new(
            command,
            "InvalidArgument",
            "ParameterArgumentTransformationError",
            format!(
                "Cannot bind parameter 'Delimiter'. Cannot convert value \"{text}\" to type \"System.Char\". Error: \"String must be exactly one character long.\""
            ),
        )),
    }
}

fn writer_of(command: &str, args: &BoundArguments) -> Result<CsvWriter, CommandError> {
    let mut writer = CsvWriter::new(delimiter(command, args)?);
    let quote_fields = args
        .get("QuoteFields")
        .map(|v| v.clone().into_items().iter().map(Value::to_text).collect());
    let use_quotes = args.text("UseQuotes");
    if quote_fields.is_some() && use_quotes.is_some() {
        return Err(CommandError::new(
            command,
            "InvalidData",
            "CannotSpecifyQuoteFieldsAndUseQuotes",
            "You must specify either the -UseQuotes or -QuoteFields parameters, but not both.",
        ));
    }
    writer.quote_fields = quote_fields;
    writer.quoting = match use_quotes
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("never") => Quoting::Never,
        Some("asneeded") => Quoting::AsNeeded,
        _ => Quoting::Always,
    };
    Ok(writer)
}

fn preamble_of(args: &BoundArguments) -> Preamble {
    Preamble {
        no_header: args.switch("NoHeader"),
        type_information: args.switch("IncludeTypeInformation"),
    }
}

fn delimiter_params() -> Vec<ParameterInfo> {
    vec![
        param(
            "Delimiter",
            T::Text,
            "The character between fields (default a comma).",
        )
        .position(1),
        param(
            "UseCulture",
            T::Switch,
            "Use the culture's list separator (a comma).",
        ),
    ]
}

fn writing_params() -> Vec<ParameterInfo> {
    let mut params = delimiter_params();
    params.extend([
        param(
            "IncludeTypeInformation",
            T::Switch,
            "Write a first line '#TYPE <type name>'.",
        )
        .aliases(&["ITI"]),
        param(
            "NoTypeInformation",
            T::Switch,
            "Accepted for compatibility: no #TYPE line is the default.",
        )
        .aliases(&["NTI"]),
        param(
            "QuoteFields",
            T::TextList,
            "Quote only these columns (not with -UseQuotes).",
        )
        .aliases(&["QF"]),
        param(
            "UseQuotes",
            T::Text,
            "When to quote fields: Always (default), AsNeeded (a delimiter, quote or line break inside), Never.",
        )
        .aliases(&["UQ"])
        .values(&["Never", "Always", "AsNeeded"]),
        param("NoHeader", T::Switch, "Do not write the header line."),
    ]);
    params
}

fn encoding_param() -> ParameterInfo {
    param(
        "Encoding",
        T::Text,
        "Accepted for compatibility: files are always UTF-8 without BOM.",
    )
}

fn literal_path_param(help: &str) -> ParameterInfo {
    param("LiteralPath", T::Text, help).aliases(&["PSPath", "LP"])
}

/// The one file path of `-Path` or `-LiteralPath`.
fn file_path(command: &str, args: &BoundArguments) -> Result<String, CommandError> {
    match (args.text("Path"), args.text("LiteralPath")) {
        (Some(p), None) | (None, Some(p)) => Ok(p),
        _ => Err(CommandError::new(
            command,
            "InvalidData",
            "CannotSpecifyPathAndLiteralPath",
            "You must specify either the -Path or -LiteralPath parameters, but not both.",
        )),
    }
}

fn header_param(what: &str) -> ParameterInfo {
    param(
        "Header",
        T::TextList,
        &format!(
            "Column names to use instead of the first line (leave the header line out of the {what})."
        ),
    )
}

fn header_arg(args: &BoundArguments) -> Option<Vec<String>> {
    args.get("Header")
        .map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
}

// ----- the commands ----------------------------------------------------------------------

pub fn convert_to_csv() -> Builtin {
    let mut params = vec![
        param("InputObject", T::Any, "The objects to convert.")
            .position(0)
            .takes_pipeline_input(),
    ];
    params.extend(writing_params());
    Builtin::new(
        command_info(
            "ConvertTo-Csv",
            &[],
            "Converts objects into a series of character-separated value (CSV) strings.",
            "One line of column names (the first object's properties; a hashtable's keys), then one line per object, every field in double quotes (PowerShell 7's default; -UseQuotes AsNeeded or Never, -QuoteFields for chosen columns). A $null property is an empty field; a property holding a collection is written as System.Object[], as in PowerShell.",
            params,
            "String",
        )
        .examples(vec![
            example_with_output(
                "Convert hashtables to CSV",
                "$person1 = @{ Name = 'John Smith'; Number = 1 }\n$person2 = @{ Name = 'Jane Smith'; Number = 2 }\n$person1, $person2 | ConvertTo-Csv",
                "The keys of the first hashtable are the columns.",
                "\"Name\",\"Number\"\n\"John Smith\",\"1\"\n\"Jane Smith\",\"2\"\n",
            ),
            example_with_output(
                "Quote only where needed",
                "[pscustomobject]@{ Name = 'Contoso, Ltd'; Days = 30 } | ConvertTo-Csv -UseQuotes AsNeeded",
                "Only the field that holds the delimiter is quoted.",
                "Name,Days\n\"Contoso, Ltd\",30\n",
            ),
        ]),
        true,
        |_, args, input| {
            let writer = writer_of("ConvertTo-Csv", args)?;
            let items = input_items(args, input, "InputObject");
            Ok(csv_lines(&items, &writer, preamble_of(args), None)
                .into_iter()
                .filter(|l| !l.is_empty())
                .map(Value::String)
                .collect())
        },
    )
}

/// Objects from CSV texts read one after another: the header (and `#TYPE`) of the
/// first text carries over to the next ones, as with ConvertFrom-Csv's pipeline input.
fn objects_from_texts(
    session: &mut Session,
    command: &str,
    texts: &[String],
    delimiter: char,
    header: Option<Vec<String>>,
    carry_header: bool,
) -> CommandResult {
    let mut header = header;
    let mut type_known = false;
    let mut warned = false;
    let mut out = Vec::new();
    for text in texts {
        let table = read_table(text, delimiter, header.clone(), type_known).map_err(|m| {
            terminating(CommandError::new(
                command,
                "NotSpecified",
                "AlreadyPresentPSMemberInfoInternalCollectionAdd",
                m,
            ))
        })?;
        if table.defaulted_names && !warned {
            session.warning(DEFAULTED_NAMES_WARNING);
            warned = true;
        }
        if carry_header {
            header = header.or(table.header);
            type_known |= table.type_name.is_some();
        }
        out.extend(table.rows.into_iter().map(row_object));
    }
    Ok(out)
}

pub fn convert_from_csv() -> Builtin {
    let mut params = vec![
        param("InputObject", T::Any, "The CSV strings to convert.")
            .position(0)
            .takes_pipeline_input(),
    ];
    params.extend(delimiter_params());
    params.push(header_param("strings"));
    Builtin::new(
        command_info(
            "ConvertFrom-Csv",
            &[],
            "Converts character-separated value (CSV) strings to custom objects.",
            "Each line after the header becomes a custom object whose properties (named by the header, or -Header) hold the fields as strings. Quoted fields may hold delimiters, doubled quotes and line breaks; '#' lines before the header are skipped and '#Fields:' (W3C extended log format) names the columns.",
            params,
            "PSCustomObject",
        )
        .examples(vec![
            example_with_output(
                "Convert CSV data in W3C Extended Log Format",
                "$logData = @\"\n#Version: 1.0\n#Date: 12-Jan-1996 00:00:00\n#Fields: time,cs-method,cs-uri\n00:34:23,GET,/foo/bar.html\n12:21:16,GET,/foo/bar.html\n\"@\nConvertFrom-Csv $logData",
                "The #Fields: line names the columns; other # lines are comments.",
                "\ntime     cs-method cs-uri\n----     --------- ------\n00:34:23 GET       /foo/bar.html\n12:21:16 GET       /foo/bar.html\n\n",
            ),
            example_with_output(
                "Name the columns with -Header",
                "'113207,about_Aliases', '113208,about_Arithmetic_Operators' | ConvertFrom-Csv -Header LinkID, TopicTitle",
                "Without -Header the first line would be the header.",
                "\nLinkID TopicTitle\n------ ----------\n113207 about_Aliases\n113208 about_Arithmetic_Operators\n\n",
            ),
        ]),
        true,
        |session, args, input| {
            let delimiter = delimiter("ConvertFrom-Csv", args)?;
            let texts: Vec<String> = input_items(args, input, "InputObject")
                .iter()
                .map(Value::to_text)
                .collect();
            objects_from_texts(
                session,
                "ConvertFrom-Csv",
                &texts,
                delimiter,
                header_arg(args),
                true,
            )
        },
    )
}

/// The columns of the file being appended to, when it has content (then no header is
/// written): they must all be among the new objects' properties, unless -Force.
fn append_columns(
    path: &str,
    full: &std::path::Path,
    first: Option<&Value>,
    delimiter: char,
    force: bool,
) -> Result<Option<Vec<String>>, CommandError> {
    let existing = match std::fs::read_to_string(full) {
        Ok(text) if !text.is_empty() => text,
        _ => return Ok(None),
    };
    let (header, _) = read_header(&mut Reader::new(&existing, delimiter), None, false);
    let (Some(header), Some(first)) = (header, first) else {
        return Ok(Some(first.map(column_names).unwrap_or_default()));
    };
    let properties = column_names(first);
    if !force
        && let Some(missing) = header
            .iter()
            .find(|h| !properties.iter().any(|p| p.eq_ignore_ascii_case(h)))
    {
        return Err(CommandError::new(
            "Export-Csv",
            "InvalidData",
            "CannotAppendCsvWithMismatchedPropertyNames",
            format!(
                "Cannot append CSV content to the following file: {path}. The appended object does not have a property that corresponds to the following column: {missing}. To continue with mismatched properties, add the -Force parameter, and then retry the command."
            ),
        ));
    }
    Ok(Some(header))
}

fn write_error(path: &str, e: &std::io::Error) -> CommandError {
    CommandError::new(
        "Export-Csv",
        "OpenError",
        "FileOpenFailure",
        format!("Cannot write '{path}': {}.", crate::plugin::io_reason(e)),
    )
}

fn export_csv_run(
    session: &mut Session,
    args: &BoundArguments,
    input: Option<&Value>,
) -> CommandResult {
    let writer = writer_of("Export-Csv", args)?;
    let path = file_path("Export-Csv", args)?;
    let append = args.switch("Append");
    if append && args.switch("NoHeader") {
        return Err(CommandError::new(
            "Export-Csv",
            "InvalidData",
            "CannotSpecifyBothAppendAndNoHeader",
            "You must specify either the -Append or -NoHeader parameters, but not both.",
        )
        .into());
    }
    let full = super::paths::absolute(session, &path);
    if args.switch("NoClobber") && !append && full.exists() {
        return Err(CommandError::new(
            "Export-Csv",
            "ResourceExists",
            "NoClobber",
            format!("File {path} already exists and NoClobber was specified."),
        )
        .into());
    }
    let items: Vec<Value> = input_items(args, input, "InputObject")
        .into_iter()
        .filter(|v| !matches!(v, Value::Null))
        .collect();
    let columns = if append {
        append_columns(
            &path,
            &full,
            items.first(),
            writer.delimiter,
            args.switch("Force"),
        )?
    } else {
        None
    };
    let text: String = csv_lines(&items, &writer, preamble_of(args), columns)
        .into_iter()
        .map(|l| l + "\n")
        .collect();
    let result = if append {
        use std::io::Write;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&full)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    } else {
        crate::paths::write_atomically(&full, text.as_bytes(), false)
    };
    result.map_err(|e| write_error(&path, &e))?;
    Ok(Vec::new())
}

pub fn export_csv() -> Builtin {
    let mut params = vec![
        param("InputObject", T::Any, "The objects to export.").takes_pipeline_input(),
        param("Path", T::Text, "The CSV file to write.").position(0),
        literal_path_param("The CSV file to write (no wildcards)."),
        param(
            "Append",
            T::Switch,
            "Add rows to the end of the file (its columns are kept; no header is written).",
        ),
        param(
            "Force",
            T::Switch,
            "With -Append: write even when the objects lack some of the file's columns.",
        ),
        param("NoClobber", T::Switch, "Do not overwrite an existing file.")
            .aliases(&["NoOverwrite"]),
        encoding_param(),
    ];
    params.extend(writing_params());
    Builtin::new(
        command_info(
            "Export-Csv",
            &["epcsv"],
            "Converts objects into a series of CSV strings and saves them in a file.",
            "Writes what ConvertTo-Csv gives to a file (UTF-8 without BOM). -Append adds rows under the file's existing columns; the objects must have those properties unless -Force is given. Without objects the file is still created, empty.",
            params,
            "None",
        )
        .changes_state()
        .examples(vec![
            example_with_output(
                "Export objects to a CSV file",
                "[pscustomobject]@{ Name = 'PowerShell'; Version = '7.0' } | Export-Csv -Path ./ParmFile.csv\nGet-Content -Path ./ParmFile.csv",
                "Every field is quoted; there is no #TYPE line.",
                "\"Name\",\"Version\"\n\"PowerShell\",\"7.0\"\n",
            ),
            example_with_output(
                "Append objects with other properties",
                "[pscustomobject]@{ Name = 'PowerShell'; Version = '7.0' } | Export-Csv -Path ./ParmFile.csv\n[pscustomobject]@{ Name = 'Windows PowerShell'; Edition = 'Desktop' } | Export-Csv -Path ./ParmFile.csv -Append -Force\nImport-Csv -Path ./ParmFile.csv",
                "Without -Force the append fails: the new object has no Version. With it, Edition is dropped and Version left empty.",
                "\nName               Version\n----               -------\nPowerShell         7.0\nWindows PowerShell\n\n",
            ),
        ]),
        true,
        export_csv_run,
    )
}

fn read_error(
    command: &str,
    path: &str,
    full: &std::path::Path,
    e: &std::io::Error,
) -> CommandError {
    if e.kind() == std::io::ErrorKind::NotFound {
        return CommandError::new(
            command,
            "ObjectNotFound",
            "PathNotFound",
            format!(
                "Cannot find path '{}' because it does not exist.",
                full.display()
            ),
        );
    }
    CommandError::new(
        command,
        "ReadError",
        "FileOpenFailure",
        format!("Cannot read '{path}': {}.", crate::plugin::io_reason(e)),
    )
}

fn import_csv_run(
    session: &mut Session,
    args: &BoundArguments,
    _: Option<&Value>,
) -> CommandResult {
    let delimiter = delimiter("Import-Csv", args)?;
    let paths: Vec<String> = match (args.get("Path"), args.get("LiteralPath")) {
        (Some(p), None) | (None, Some(p)) => {
            p.clone().into_items().iter().map(Value::to_text).collect()
        }
        _ => {
            return Err(CommandError::new(
                "Import-Csv",
                "InvalidData",
                "CannotSpecifyPathAndLiteralPath",
                "You must specify either the -Path or -LiteralPath parameters, but not both.",
            )
            .into());
        }
    };
    let mut texts = Vec::new();
    for path in &paths {
        let full = super::paths::absolute(session, path);
        let text = std::fs::read_to_string(&full)
            .map_err(|e| read_error("Import-Csv", path, &full, &e))?;
        texts.push(text);
    }
    objects_from_texts(
        session,
        "Import-Csv",
        &texts,
        delimiter,
        header_arg(args),
        false,
    )
}

pub fn import_csv() -> Builtin {
    let mut params = vec![
        param("Path", T::TextList, "The CSV files to read.")
            .position(0)
            .takes_pipeline_input()
            .by_property_name(),
        param(
            "LiteralPath",
            T::TextList,
            "The CSV files to read (no wildcards).",
        )
        .aliases(&["PSPath", "LP"])
        .by_property_name(),
        encoding_param(),
    ];
    params.extend(delimiter_params());
    params.push(header_param("file"));
    Builtin::new(
        command_info(
            "Import-Csv",
            &["ipcsv"],
            "Creates table-like custom objects from the items in a CSV file.",
            "Each row after the header becomes a custom object whose properties (named by the header, or -Header) hold the fields as strings. Empty header names become H1, H2, ... with a warning; a row shorter than the header leaves the missing properties $null.",
            params,
            "PSCustomObject",
        )
        .examples(vec![
            example_with_output(
                "Import a CSV that's missing a header name",
                "Set-Content -Path ./Projects.csv -Value 'ProjectID,ProjectName,,Completed', '13,Inventory,Redmond,True', '440,,FarEast,True', '469,Marketing,Europe,False'\nImport-Csv -Path ./Projects.csv -WarningAction SilentlyContinue",
                "The empty header becomes H1 (with a warning, silenced here).",
                "\nProjectID ProjectName H1      Completed\n--------- ----------- --      ---------\n13        Inventory   Redmond True\n440                   FarEast True\n469       Marketing   Europe  False\n\n",
            ),
            example(
                "Export and import again",
                "[pscustomobject]@{ Name = 'www.contoso.com'; Days = 30 } | Export-Csv ./renewals.csv\n$rows = Import-Csv ./renewals.csv\n$rows[0].Days",
                "The values come back as strings ('30').",
            ),
        ]),
        false,
        import_csv_run,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, delimiter: char) -> Vec<Vec<String>> {
        let mut reader = Reader::new(text, delimiter);
        let mut out = Vec::new();
        loop {
            let r = reader.record();
            if r.is_empty() {
                return out;
            }
            out.push(r);
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn table(text: &str) -> CsvTable {
        read_table(text, ',', None, false).expect("valid csv")
    }

    fn values(row: &Row) -> Vec<Option<&str>> {
        row.iter().map(|(_, v)| v.as_deref()).collect()
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_line_breaks() {
        assert_eq!(
            records("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nx,y,z", ','),
            vec![
                strings(&["a,b", "say \"hi\"", "two\nlines"]),
                strings(&["x", "y", "z"])
            ]
        );
    }

    #[test]
    fn blanks_around_fields_are_dropped_and_crlf_ends_a_record() {
        assert_eq!(
            records("  a ,\"b\"  ,c\r\nd", ','),
            vec![strings(&["a ", "b", "c"]), strings(&["d"])]
        );
        assert_eq!(records("a;b", ';'), vec![strings(&["a", "b"])]);
        // A quote inside an unquoted field is kept, up to the next delimiter.
        assert_eq!(records("ab\"c,d", ','), vec![strings(&["ab\"c", "d"])]);
    }

    #[test]
    fn empty_fields_and_a_trailing_delimiter() {
        assert_eq!(records("a,,c\n", ','), vec![strings(&["a", "", "c"])]);
        assert_eq!(records("a,b,\n", ','), vec![strings(&["a", "b", ""])]);
    }

    #[test]
    fn a_type_line_and_comments_before_the_header_are_skipped() {
        let t = table("#TYPE System.Management.Automation.PSCustomObject\n\"Foo\"\n\"Bar\"\n");
        assert_eq!(
            t.type_name.as_deref(),
            Some("System.Management.Automation.PSCustomObject")
        );
        assert_eq!(t.header, Some(strings(&["Foo"])));
        assert_eq!(values(&t.rows[0]), vec![Some("Bar")]);
        // about_Comments: a CSV comment line.
        let t = table("# This is a CSV comment\nCol1,Col2\nVal1,Val2\n");
        assert_eq!(t.header, Some(strings(&["Col1", "Col2"])));
        assert_eq!(values(&t.rows[0]), vec![Some("Val1"), Some("Val2")]);
    }

    #[test]
    fn w3c_fields_name_the_columns() {
        // ConvertFrom-Csv, example 5.
        let t = table(
            "#Version: 1.0\n#Date: 12-Jan-1996 00:00:00\n#Fields: time,cs-method,cs-uri\n00:34:23,GET,/foo/bar.html\n12:21:16,GET,/foo/bar.html",
        );
        assert_eq!(t.header, Some(strings(&["time", "cs-method", "cs-uri"])));
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            values(&t.rows[1]),
            vec![Some("12:21:16"), Some("GET"), Some("/foo/bar.html")]
        );
    }

    #[test]
    fn missing_header_names_become_h1_and_short_rows_are_null() {
        // Import-Csv, example 6.
        let t = table(
            "ProjectID,ProjectName,,Completed\n13,Inventory,Redmond,True\n440,,FarEast,True\n\n469\n",
        );
        assert!(t.defaulted_names);
        let names: Vec<&str> = t.rows[0].iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, vec!["ProjectID", "ProjectName", "H1", "Completed"]);
        assert_eq!(
            values(&t.rows[1]),
            vec![Some("440"), Some(""), Some("FarEast"), Some("True")]
        );
        // The blank line is skipped; the short row leaves $null.
        assert_eq!(t.rows.len(), 3);
        assert_eq!(values(&t.rows[2]), vec![Some("469"), None, None, None]);
    }

    #[test]
    fn a_given_header_and_extra_fields() {
        let t = read_table(
            "113207,about_Aliases,extra\n",
            ',',
            Some(strings(&["LinkID", "TopicTitle"])),
            false,
        )
        .expect("valid");
        assert_eq!(
            values(&t.rows[0]),
            vec![Some("113207"), Some("about_Aliases")]
        );
    }

    #[test]
    fn duplicate_header_names_are_refused() {
        assert_eq!(
            read_table("a,A\n1,2", ',', None, false).map(|_| ()),
            Err("The member \"A\" is already present.".to_string())
        );
    }

    fn object(props: &[(&str, Value)]) -> Value {
        Value::object(
            "PSCustomObject",
            props
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn hashtables_are_written_with_their_keys_as_columns() {
        // ConvertTo-Csv, example 6.
        let people = [
            Value::hashtable(vec![
                ("Name".into(), Value::String("John Smith".into())),
                ("Number".into(), Value::Int(1)),
            ]),
            Value::hashtable(vec![
                ("Name".into(), Value::String("Jane Smith".into())),
                ("Number".into(), Value::Int(2)),
            ]),
        ];
        assert_eq!(
            csv_lines(&people, &CsvWriter::new(','), Preamble::default(), None),
            strings(&[
                "\"Name\",\"Number\"",
                "\"John Smith\",\"1\"",
                "\"Jane Smith\",\"2\""
            ])
        );
    }

    #[test]
    fn quoting_rules() {
        let item = object(&[
            ("Name", Value::String("Contoso, \"Ltd\"".into())),
            ("Days", Value::Int(30)),
            ("Note", Value::Null),
            ("Tags", Value::Array(vec![Value::Int(1)])),
        ]);
        let mut writer = CsvWriter::new(',');
        let lines =
            |w: &CsvWriter| csv_lines(std::slice::from_ref(&item), w, Preamble::default(), None);
        assert_eq!(
            lines(&writer),
            strings(&[
                "\"Name\",\"Days\",\"Note\",\"Tags\"",
                "\"Contoso, \"\"Ltd\"\"\",\"30\",,\"System.Object[]\""
            ])
        );
        writer.quoting = Quoting::AsNeeded;
        assert_eq!(
            lines(&writer)[1],
            "\"Contoso, \"\"Ltd\"\"\",30,,System.Object[]"
        );
        writer.quoting = Quoting::Never;
        assert_eq!(lines(&writer)[1], "Contoso, \"Ltd\",30,,System.Object[]");
        writer.quote_fields = Some(strings(&["days"]));
        assert_eq!(
            lines(&writer),
            strings(&[
                "Name,\"Days\",Note,Tags",
                "Contoso, \"Ltd\",\"30\",,System.Object[]"
            ])
        );
    }

    #[test]
    fn type_line_no_header_and_semicolons() {
        // about_Comments: ConvertTo-Csv -IncludeTypeInformation.
        let item = object(&[("Foo", Value::String("Bar".into()))]);
        let preamble = Preamble {
            no_header: false,
            type_information: true,
        };
        assert_eq!(
            csv_lines(
                std::slice::from_ref(&item),
                &CsvWriter::new(','),
                preamble,
                None
            ),
            strings(&[
                "#TYPE System.Management.Automation.PSCustomObject",
                "\"Foo\"",
                "\"Bar\""
            ])
        );
        let preamble = Preamble {
            no_header: true,
            type_information: true,
        };
        assert_eq!(
            csv_lines(&[item.clone(), item], &CsvWriter::new(';'), preamble, None),
            strings(&["\"Bar\"", "\"Bar\""])
        );
    }

    #[test]
    fn later_objects_follow_the_first_ones_columns() {
        let a = object(&[
            ("Name", Value::String("PowerShell".into())),
            ("Version", Value::String("7.0".into())),
        ]);
        let b = object(&[
            ("Name", Value::String("Windows PowerShell".into())),
            ("Edition", Value::String("Desktop".into())),
        ]);
        assert_eq!(
            csv_lines(&[a, b], &CsvWriter::new(','), Preamble::default(), None),
            strings(&[
                "\"Name\",\"Version\"",
                "\"PowerShell\",\"7.0\"",
                "\"Windows PowerShell\","
            ])
        );
    }

    #[test]
    fn dates_give_their_properties() {
        // ConvertTo-Csv, example 5 (Get-Date | ConvertTo-Csv -UseQuotes AsNeeded), in UTC
        // and whole seconds.
        let writer = CsvWriter {
            quoting: Quoting::AsNeeded,
            ..CsvWriter::new(',')
        };
        let lines = csv_lines(
            &[Value::DateTime(1_566_473_460)],
            &writer,
            Preamble::default(),
            None,
        );
        assert_eq!(
            lines,
            strings(&[
                "DisplayHint,DateTime,Date,Day,DayOfWeek,DayOfYear,Hour,Kind,Millisecond,Minute,Month,Second,Ticks,TimeOfDay,Year",
                "DateTime,\"Thursday, August 22, 2019 11:31:00 AM\",8/22/2019 12:00:00 AM,22,Thursday,234,11,Utc,0,31,8,0,637020702600000000,11:31:00,2019"
            ])
        );
    }

    #[test]
    fn written_text_reads_back() {
        let item = object(&[
            ("A", Value::String("x,\"y\"\nz".into())),
            ("B", Value::String(" padded ".into())),
        ]);
        let text = csv_lines(&[item], &CsvWriter::new(','), Preamble::default(), None).join("\n");
        let t = table(&text);
        assert_eq!(
            values(&t.rows[0]),
            vec![Some("x,\"y\"\nz"), Some(" padded ")]
        );
    }
}
