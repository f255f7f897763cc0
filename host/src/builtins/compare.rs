//! `Compare-Object`, `Get-Unique` and `Tee-Object`.
//!
//! Values compare as PowerShell's ObjectCommandComparer compares them: the first value's
//! type decides (a string compares with the other's text, a number with the other as a
//! number), and values without an ordering compare by their .NET `ToString()`, which is
//! empty for custom objects (so, as in PowerShell, custom objects are all equal unless
//! -Property names what to compare).

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterInfo, ParameterType as T,
    command_info, console_example, example_with_output, input_items, param,
};
use crate::engine::operators::{equals, to_number};
use crate::engine::session::Interrupt;
use crate::engine::{Session, Value};

/// What .NET's `ToString()` gives for a value.
fn dotnet_text(value: &Value) -> String {
    match value {
        // A custom object's ToString() is empty.
        Value::Object(o) if o.type_name == "PSCustomObject" || o.type_name == "Selected" => {
            String::new()
        }
        Value::Array(_) => "System.Object[]".into(),
        other => other.to_text(),
    }
}

fn text_equal(a: &str, b: &str, case_sensitive: bool) -> bool {
    if case_sensitive {
        a == b
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Whether two values are equal for Compare-Object and Get-Unique (`first` decides how).
pub(crate) fn same(first: &Value, second: &Value, case_sensitive: bool) -> bool {
    match (first, second) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::String(a), b) => text_equal(a, &b.to_text(), case_sensitive),
        (Value::Int(_) | Value::Float(_), b) => match (to_number(first), to_number(b)) {
            (Some(x), Some(y)) => x.as_float() == y.as_float(),
            _ => text_equal(&dotnet_text(first), &dotnet_text(b), case_sensitive),
        },
        (Value::Bool(_) | Value::DateTime(_) | Value::TimeSpan(_), _) => {
            equals(first, second, case_sensitive)
        }
        _ => text_equal(&dotnet_text(first), &dotnet_text(second), case_sensitive),
    }
}

// ----- Compare-Object ------------------------------------------------------------------------

/// An input object with the values it is compared by.
#[derive(Debug, Clone)]
struct Entry {
    value: Value,
    keys: Vec<Value>,
}

const MATCH: &str = "==";
const REFERENCE_ONLY: &str = "<=";
const DIFFERENCE_ONLY: &str = "=>";

/// PowerShell's comparison of two collections: each difference object is matched
/// against the reference object at the same position, then against the objects not
/// yet matched on either side (within the sync window). Unmatched objects are given
/// out when they leave the window, else at the end: difference objects first.
struct Comparison {
    references: std::vec::IntoIter<Entry>,
    reference_backlog: Vec<Entry>,
    difference_backlog: Vec<Entry>,
    sync_window: usize,
    case_sensitive: bool,
    out: Vec<(Entry, &'static str)>,
}

impl Comparison {
    fn equal(&self, a: &Entry, b: &Entry) -> bool {
        a.keys.len() == b.keys.len()
            && a.keys
                .iter()
                .zip(&b.keys)
                .all(|(x, y)| same(x, y, self.case_sensitive))
    }

    /// Removes and returns the first entry of `backlog` equal to `entry`.
    fn take_match(&self, entry: &Entry, backlog: &mut Vec<Entry>) -> Option<Entry> {
        let i = backlog.iter().position(|b| self.equal(entry, b))?;
        Some(backlog.remove(i))
    }

    /// One difference object (`None` once they are all in): compared with the next
    /// reference object, then with the backlogs.
    fn process(&mut self, difference: Option<Entry>) {
        let mut reference = self.references.next();
        let mut difference = difference;
        if let (Some(r), Some(d)) = (&reference, &difference)
            && self.equal(r, d)
        {
            self.out.push((r.clone(), MATCH));
            return;
        }
        if let Some(d) = &difference {
            let mut backlog = std::mem::take(&mut self.reference_backlog);
            if let Some(m) = self.take_match(d, &mut backlog) {
                self.out.push((m, MATCH));
                difference = None;
            }
            self.reference_backlog = backlog;
        }
        if let Some(r) = &reference {
            let mut backlog = std::mem::take(&mut self.difference_backlog);
            if self.take_match(r, &mut backlog).is_some() {
                self.out.push((r.clone(), MATCH));
                reference = None;
            }
            self.difference_backlog = backlog;
        }
        if let Some(d) = difference {
            self.hold(d, DIFFERENCE_ONLY);
        }
        if let Some(r) = reference {
            self.hold(r, REFERENCE_ONLY);
        }
    }

    /// Puts an unmatched entry in its backlog, giving out the oldest when it is full.
    fn hold(&mut self, entry: Entry, side: &'static str) {
        if self.sync_window == 0 {
            self.out.push((entry, side));
            return;
        }
        let backlog = if side == DIFFERENCE_ONLY {
            &mut self.difference_backlog
        } else {
            &mut self.reference_backlog
        };
        let mut left = Vec::new();
        while backlog.len() >= self.sync_window {
            left.push((backlog.remove(0), side));
        }
        backlog.push(entry);
        self.out.extend(left);
    }

    /// The remaining reference objects, then everything unmatched.
    fn finish(mut self) -> Vec<(Entry, &'static str)> {
        while self.references.len() > 0 {
            self.process(None);
        }
        let differences = std::mem::take(&mut self.difference_backlog);
        self.out
            .extend(differences.into_iter().map(|e| (e, DIFFERENCE_ONLY)));
        let references = std::mem::take(&mut self.reference_backlog);
        self.out
            .extend(references.into_iter().map(|e| (e, REFERENCE_ONLY)));
        self.out
    }
}

/// The name a -Property item gives its column.
fn property_label(property: &Value) -> String {
    match property {
        Value::Hashtable(_) => property
            .property("Expression")
            .or_else(|| property.property("e"))
            .map(|e| e.to_text())
            .unwrap_or_default(),
        other => other.to_text(),
    }
}

fn entries(
    session: &mut Session,
    items: Vec<Value>,
    properties: &[Value],
) -> Result<Vec<Entry>, Interrupt> {
    items
        .into_iter()
        .map(|value| {
            let keys = if properties.is_empty() {
                vec![value.clone()]
            } else {
                properties
                    .iter()
                    .map(|p| super::objects::key_of(session, p, &value))
                    .collect::<Result<_, _>>()?
            };
            Ok(Entry { value, keys })
        })
        .collect()
}

/// The output for one compared object: the object itself with -PassThru (a custom
/// object gets a SideIndicator property, as PowerShell adds a note property), else a
/// new object with InputObject (or the -Property values) and SideIndicator.
fn result_object(entry: Entry, side: &str, properties: &[Value], pass_thru: bool) -> Value {
    let indicator = ("SideIndicator".to_string(), Value::String(side.into()));
    if pass_thru {
        if let Value::Object(o) = &entry.value
            && !o.set("SideIndicator", indicator.1.clone())
        {
            o.properties.borrow_mut().push(indicator);
        }
        return entry.value;
    }
    let mut props: Vec<(String, Value)> = if properties.is_empty() {
        vec![("InputObject".into(), entry.value)]
    } else {
        let mut props: Vec<(String, Value)> = Vec::new();
        for (p, v) in properties.iter().zip(entry.keys) {
            let name = property_label(p);
            if !props.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                props.push((name, v));
            }
        }
        props
    };
    props.push(indicator);
    Value::object("PSCustomObject", props)
}

fn null_argument(name: &str) -> CommandError {
    CommandError::new(
        "Compare-Object",
        "InvalidData",
        "ParameterArgumentValidationErrorNullNotAllowed",
        format!("Cannot bind argument to parameter '{name}' because it is null."),
    )
}

/// The difference objects: the pipeline input, else -DifferenceObject.
fn difference_items(
    args: &BoundArguments,
    input: Option<&Value>,
) -> Result<Vec<Value>, CommandError> {
    if let Some(piped) = input {
        return Ok(piped.clone().into_items());
    }
    match args.get("DifferenceObject") {
        Some(Value::Null) => Err(null_argument("DifferenceObject")),
        Some(v) => Ok(v.clone().into_items()),
        None => Err(CommandError::new(
            "Compare-Object",
            "InvalidArgument",
            "MissingMandatoryParameter",
            "Cannot process command because of one or more missing mandatory parameters: DifferenceObject. Give it as the second argument or pipe the objects in.",
        )),
    }
}

fn compare_object_run(
    session: &mut Session,
    args: &BoundArguments,
    input: Option<&Value>,
) -> CommandResult {
    let references = match args.get("ReferenceObject") {
        None | Some(Value::Null) => return Err(null_argument("ReferenceObject").into()),
        Some(v) => v.clone().into_items(),
    };
    let differences = difference_items(args, input)?;
    // Nothing piped in: PowerShell's comparison never starts.
    if input.is_some() && differences.is_empty() {
        return Ok(Vec::new());
    }
    let properties: Vec<Value> = args
        .get("Property")
        .map(|p| p.clone().into_items())
        .unwrap_or_default();
    let sync_window = match args.get("SyncWindow") {
        Some(Value::Int(n)) if *n >= 0 => usize::try_from(*n).unwrap_or(usize::MAX),
        Some(other) => {
            return Err(CommandError::new(
                "Compare-Object",
                "InvalidData",
                "ParameterArgumentValidationError",
                format!(
                    "Cannot validate argument on parameter 'SyncWindow'. The {} argument is less than the minimum allowed range of 0. Supply an argument that is greater than or equal to 0 and then try the command again.",
                    other.to_text()
                ),
            )
            .into());
        }
        None => usize::MAX,
    };
    let comparison = Comparison {
        references: entries(session, references, &properties)?.into_iter(),
        reference_backlog: Vec::new(),
        difference_backlog: Vec::new(),
        sync_window,
        case_sensitive: args.switch("CaseSensitive"),
        out: Vec::new(),
    };
    let mut comparison = comparison;
    for d in entries(session, differences, &properties)? {
        comparison.process(Some(d));
    }
    let exclude_different = args.switch("ExcludeDifferent");
    let include_equal = match args.get("IncludeEqual") {
        Some(v) => v.is_truthy(),
        None => exclude_different,
    };
    let pass_thru = args.switch("PassThru");
    Ok(comparison
        .finish()
        .into_iter()
        .filter(|(_, side)| {
            if *side == MATCH {
                include_equal
            } else {
                !exclude_different
            }
        })
        .map(|(entry, side)| result_object(entry, side, &properties, pass_thru))
        .collect())
}

pub fn compare_object() -> Builtin {
    Builtin::new(
        command_info(
            "Compare-Object",
            &[],
            "Compares two sets of objects.",
            "Lists the objects found only in -ReferenceObject (<=) or only in -DifferenceObject (=>), in PowerShell's order: difference-only objects first. -IncludeEqual adds those in both (==); -ExcludeDifferent keeps only those. -Property compares the values of properties (names, script blocks or @{ Expression = ... }) and outputs them; -PassThru outputs the objects themselves. Strings compare case-insensitively unless -CaseSensitive; custom objects without -Property all compare equal, as in PowerShell.",
            vec![
                param("ReferenceObject", T::Any, "The objects used as the reference.")
                    .position(0)
                    .mandatory(),
                param("DifferenceObject", T::Any, "The objects compared with the reference.")
                    .position(1)
                    .takes_pipeline_input(),
                param("Property", T::Any, "The properties to compare."),
                param("IncludeEqual", T::Switch, "Also output the objects found in both sets (==)."),
                param("ExcludeDifferent", T::Switch, "Output only the objects found in both sets."),
                param("PassThru", T::Switch, "Output the compared objects themselves."),
                param("CaseSensitive", T::Switch, "Compare strings case-sensitively."),
                param(
                    "SyncWindow",
                    T::Integer,
                    "How many neighbouring objects to search for a match (default: all).",
                ),
                param("Culture", T::Text, "Accepted for compatibility (comparisons are culture-invariant)."),
            ],
            "PSCustomObject",
        )
        .examples(vec![
            example_with_output(
                "Compare the lines of two texts",
                "$objects = @{\n  ReferenceObject = 'dog', 'squirrel', 'bird'\n  DifferenceObject = 'cat', 'bird', 'racoon'\n}\nCompare-Object @objects",
                "cat and racoon are only in the difference object, dog and squirrel only in the reference object.",
                "\nInputObject SideIndicator\n----------- -------------\ncat         =>\nracoon      =>\ndog         <=\nsquirrel    <=\n\n",
            ),
            example_with_output(
                "Only what both have",
                "Compare-Object -ReferenceObject 'dog', 'squirrel', 'bird' -DifferenceObject 'cat', 'bird', 'racoon' -ExcludeDifferent",
                "-ExcludeDifferent implies -IncludeEqual.",
                "\nInputObject SideIndicator\n----------- -------------\nbird        ==\n\n",
            ),
            example_with_output(
                "Compare two strings by a property",
                "Compare-Object -ReferenceObject 'abc' -DifferenceObject 'xyz' -Property Length -IncludeEqual",
                "The strings differ but their lengths are equal.",
                "\nLength SideIndicator\n------ -------------\n     3 ==\n\n",
            ),
        ]),
        true,
        compare_object_run,
    )
}

// ----- Get-Unique ----------------------------------------------------------------------------

/// Drops each object equal to the last one kept (the input must be sorted).
fn unique(items: Vec<Value>, as_string: bool, on_type: bool, case_sensitive: bool) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        let duplicate = out.last().is_some_and(|last| {
            if on_type {
                item.type_name() == last.type_name()
            } else if as_string {
                text_equal(&item.to_text(), &last.to_text(), case_sensitive)
            } else {
                same(&item, last, case_sensitive)
            }
        });
        if !duplicate {
            out.push(item);
        }
    }
    out
}

pub fn get_unique() -> Builtin {
    Builtin::new(
        command_info(
            "Get-Unique",
            &["gu"],
            "Returns unique items from a sorted list.",
            "Drops each object equal to the one before it, so a sorted list keeps one of each. Case-sensitive unless -CaseInsensitive; -AsString compares the objects' text, -OnType their types. An -InputObject collection is returned unchanged (it is one object).",
            vec![
                param("InputObject", T::Any, "The objects.").takes_pipeline_input(),
                param("AsString", T::Switch, "Compare the objects as strings.")
                    .in_sets(&[("AsString", false)]),
                param("OnType", T::Switch, "Return one object of each type.")
                    .in_sets(&[("UniqueByType", false)]),
                param("CaseInsensitive", T::Switch, "Compare strings case-insensitively."),
            ],
            "Object",
        )
        .default_set("AsString")
        .examples(vec![
            example_with_output(
                "Get unique integers in an array",
                "1,1,1,1,12,23,4,5,4643,5,3,3,3,3,3,3,3 | Sort-Object | Get-Unique",
                "Sort-Object puts equal values next to each other.",
                "1\n3\n4\n5\n12\n23\n4643\n",
            ),
            example_with_output(
                "Use case-insensitive comparisons to get unique strings",
                "\"aa\", \"Aa\", \"Bb\", \"bb\", \"aa\" | Sort-Object | Get-Unique -CaseInsensitive",
                "Without -CaseInsensitive, aa and Aa are different.",
                "aa\nBb\n",
            ),
        ]),
        true,
        |_, args, input| {
            let items = match input {
                Some(v) => v.clone().into_items(),
                // An -InputObject collection is one object, returned as it is.
                None => return Ok(args.get("InputObject").cloned().into_iter().collect()),
            };
            Ok(unique(
                items,
                args.switch("AsString"),
                args.switch("OnType"),
                !args.switch("CaseInsensitive"),
            ))
        },
    )
}

// ----- Tee-Object ----------------------------------------------------------------------------

/// Writes `text` to the file: replaced (atomically), or appended; a device such as
/// /dev/tty is written to directly.
fn write_file(session: &Session, path: &str, text: &str, append: bool) -> Result<(), CommandError> {
    use std::io::Write;
    let full = super::paths::absolute(session, path);
    let device = full.exists() && !full.is_file() && !full.is_dir();
    let result = if append || device {
        std::fs::OpenOptions::new()
            .create(true)
            .append(append)
            .write(true)
            .open(&full)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    } else {
        crate::paths::write_atomically(&full, text.as_bytes(), false)
    };
    result.map_err(|e| {
        CommandError::new(
            "Tee-Object",
            "WriteError",
            "FileOpenFailure",
            format!("Cannot write '{path}': {}.", crate::plugin::io_reason(&e)),
        )
    })
}

fn tee_params() -> Vec<ParameterInfo> {
    vec![
        param("InputObject", T::Any, "The objects to save and pass on.").takes_pipeline_input(),
        param(
            "FilePath",
            T::Text,
            "The file to save the objects in (as the console shows them).",
        )
        .aliases(&["Path"])
        .position(0)
        .in_sets(&[("File", true)]),
        param(
            "LiteralPath",
            T::Text,
            "The file to save the objects in (no wildcards).",
        )
        .aliases(&["PSPath", "LP"])
        .in_sets(&[("LiteralFile", true)]),
        param("Append", T::Switch, "Add to the end of the file.")
            .in_sets(&[("File", false), ("LiteralFile", false)]),
        param(
            "Encoding",
            T::Text,
            "Accepted for compatibility: files are written in UTF-8 without BOM.",
        )
        .in_sets(&[("File", false), ("LiteralFile", false)]),
        param(
            "Variable",
            T::Text,
            "The variable to save the objects in (without $).",
        )
        .in_sets(&[("Variable", true)]),
    ]
}

pub fn tee_object() -> Builtin {
    Builtin::new(
        command_info(
            "Tee-Object",
            &[],
            "Saves command output in a file or variable and also sends it down the pipeline.",
            "Passes its input on unchanged and saves it: -FilePath writes it as the console would show it (as Out-File; -Append adds to the file; /dev/tty shows it on the terminal), -Variable stores it (one object as itself, several as an array).",
            tee_params(),
            "Object",
        )
        .default_set("File")
        .examples(vec![
            example_with_output(
                "Save output to a file and pass it on",
                "'www.contoso.com', 'mail.contoso.com' | Tee-Object -FilePath ./names.txt\nGet-Content ./names.txt",
                "The names are shown, then read back from the file.",
                "www.contoso.com\nmail.contoso.com\nwww.contoso.com\nmail.contoso.com\n",
            ),
            example_with_output(
                "Save output in a variable",
                "1, 2, 3 | Tee-Object -Variable numbers | Measure-Object -Sum | Select-Object -ExpandProperty Sum\n$numbers.Count",
                "The numbers go on down the pipeline and are kept in $numbers.",
                "6\n3\n",
            ),
            console_example(
                "Print to the terminal and use in the pipeline",
                "Get-ChildItem Cert:\\LocalMachine\\My | Tee-Object -FilePath /dev/tty | Where-Object NotAfter -lt (Get-Date).AddDays(30)",
                "On a terminal, /dev/tty shows every certificate while the pipeline keeps the expiring ones.",
            ),
        ]),
        true,
        |session, args, input| {
            let items = input_items(args, input, "InputObject");
            if let Some(name) = args.text("Variable") {
                let value = match items.as_slice() {
                    [] => Value::Null,
                    [one] => one.clone(),
                    _ => Value::Array(items.clone()),
                };
                session.set_variable(&name, value);
            } else if let Some(path) = args.text("FilePath").or_else(|| args.text("LiteralPath")) {
                let text = crate::format::render_to_string(&items);
                write_file(session, &path, &text, args.switch("Append"))?;
            }
            Ok(items)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<Value> {
        items.iter().map(|s| Value::String(s.to_string())).collect()
    }

    fn compare(
        reference: &[&str],
        difference: &[&str],
        window: usize,
    ) -> Vec<(String, &'static str)> {
        let entry = |v: Value| Entry {
            keys: vec![v.clone()],
            value: v,
        };
        let mut c = Comparison {
            references: strings(reference)
                .into_iter()
                .map(entry)
                .collect::<Vec<_>>()
                .into_iter(),
            reference_backlog: Vec::new(),
            difference_backlog: Vec::new(),
            sync_window: window,
            case_sensitive: false,
            out: Vec::new(),
        };
        for d in strings(difference) {
            c.process(Some(entry(d)));
        }
        c.finish()
            .into_iter()
            .map(|(e, side)| (e.value.to_text(), side))
            .collect()
    }

    fn pairs(items: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        items.iter().map(|(v, s)| (v.to_string(), *s)).collect()
    }

    #[test]
    fn difference_objects_come_first() {
        // Compare-Object, examples 1 and 2.
        assert_eq!(
            compare(
                &["dog", "squirrel", "bird"],
                &["cat", "bird", "racoon"],
                usize::MAX
            ),
            pairs(&[
                ("bird", MATCH),
                ("cat", DIFFERENCE_ONLY),
                ("racoon", DIFFERENCE_ONLY),
                ("dog", REFERENCE_ONLY),
                ("squirrel", REFERENCE_ONLY)
            ])
        );
    }

    #[test]
    fn equal_sets_and_empty_sides() {
        // A match is given out as the reference object.
        assert_eq!(
            compare(&["a", "B"], &["b", "A"], usize::MAX),
            pairs(&[("a", MATCH), ("B", MATCH)])
        );
        assert_eq!(
            compare(&[], &["x"], usize::MAX),
            pairs(&[("x", DIFFERENCE_ONLY)])
        );
        assert_eq!(
            compare(&["x", "y"], &[], usize::MAX),
            pairs(&[("x", REFERENCE_ONLY), ("y", REFERENCE_ONLY)])
        );
    }

    #[test]
    fn a_sync_window_of_zero_compares_position_by_position() {
        assert_eq!(
            compare(&["a", "b"], &["b", "a"], 0),
            pairs(&[
                ("b", DIFFERENCE_ONLY),
                ("a", REFERENCE_ONLY),
                ("a", DIFFERENCE_ONLY),
                ("b", REFERENCE_ONLY)
            ])
        );
    }

    #[test]
    fn the_first_value_decides_how_values_compare() {
        assert!(same(&Value::Int(1), &Value::String("1".into()), false));
        assert!(same(
            &Value::String("1.0".into()),
            &Value::String("1.0".into()),
            true
        ));
        assert!(!same(&Value::String("1.0".into()), &Value::Int(1), false));
        assert!(same(
            &Value::String("ABC".into()),
            &Value::String("abc".into()),
            false
        ));
        assert!(!same(
            &Value::String("ABC".into()),
            &Value::String("abc".into()),
            true
        ));
        let a = Value::object("PSCustomObject", vec![("a".into(), Value::Int(1))]);
        let b = Value::object("PSCustomObject", vec![("a".into(), Value::Int(2))]);
        assert!(same(&a, &b, false));
        assert!(!same(&Value::Null, &Value::Int(0), false));
    }

    #[test]
    fn get_unique_drops_adjacent_duplicates() {
        // Get-Unique, examples 2, 5 and 6.
        let numbers: Vec<Value> = [1, 1, 3, 3, 4, 5, 5, 12]
            .iter()
            .map(|n| Value::Int(*n))
            .collect();
        let texts = |v: Vec<Value>| v.iter().map(Value::to_text).collect::<Vec<_>>();
        assert_eq!(
            texts(unique(numbers, false, false, true)),
            vec!["1", "3", "4", "5", "12"]
        );
        let words = strings(&["aa", "Aa", "aa", "bb", "Bb"]);
        assert_eq!(
            texts(unique(words.clone(), false, false, true)),
            vec!["aa", "Aa", "aa", "bb", "Bb"]
        );
        assert_eq!(
            texts(unique(words.clone(), false, false, false)),
            vec!["aa", "bb"]
        );
        assert_eq!(texts(unique(words, true, false, false)), vec!["aa", "bb"]);
        let mixed = vec![Value::Int(1), Value::Int(2), Value::String("x".into())];
        assert_eq!(texts(unique(mixed, false, true, true)), vec!["1", "x"]);
    }
}
