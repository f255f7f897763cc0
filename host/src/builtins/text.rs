//! `Select-String`: lines that match a pattern, from piped strings or files.

use super::utility::Builtin;
use crate::engine::Value;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, example_with_output, param,
};

/// How a line is matched.
struct Matcher {
    regex: regex::Regex,
    not_match: bool,
}

impl Matcher {
    fn from_args(args: &BoundArguments) -> Result<Matcher, CommandError> {
        let patterns: Vec<String> = args
            .get("Pattern")
            .map(|p| p.clone().into_items().iter().map(Value::to_text).collect())
            .unwrap_or_default();
        let alternatives: Vec<String> = patterns
            .iter()
            .map(|p| {
                if args.switch("SimpleMatch") {
                    regex::escape(p)
                } else {
                    p.clone()
                }
            })
            .collect();
        let source = format!(
            "{}(?:{})",
            if args.switch("CaseSensitive") {
                ""
            } else {
                "(?i)"
            },
            alternatives.join("|")
        );
        let regex = regex::Regex::new(&source).map_err(|e| {
            CommandError::new(
                "Select-String",
                "InvalidArgument",
                "InvalidRegex",
                format!(
                    "The pattern '{}' is not a valid regular expression: {e}. Use -SimpleMatch to search for the text as it is.",
                    patterns.join("', '")
                ),
            )
        })?;
        Ok(Matcher {
            regex,
            not_match: args.switch("NotMatch"),
        })
    }

    /// The MatchInfo of a line, if it is selected.
    fn select(&self, line: &str, number: usize, path: &str, all: bool) -> Option<Value> {
        let names: Vec<Option<&str>> = self.regex.capture_names().collect();
        let found: Vec<Value> = self
            .regex
            .captures_iter(line)
            .take(if all { usize::MAX } else { 1 })
            .map(|captures| crate::engine::operators::match_object(&captures, &names))
            .collect();
        if found.is_empty() != self.not_match {
            return None;
        }
        let file_name = std::path::Path::new(path)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.to_string());
        Some(Value::object(
            "MatchInfo",
            vec![
                ("LineNumber".into(), Value::Int(number as i64)),
                ("Line".into(), Value::String(line.to_string())),
                ("Filename".into(), Value::String(file_name)),
                ("Path".into(), Value::String(path.to_string())),
                (
                    "Pattern".into(),
                    Value::String(self.regex.as_str().to_string()),
                ),
                ("Matches".into(), Value::Array(found)),
            ],
        ))
    }
}

pub fn select_string() -> Builtin {
    Builtin::new(
        command_info(
            "Select-String",
            &["sls"],
            "Finds text in strings and files.",
            "Outputs a MatchInfo (LineNumber, Line, Filename, Path, Pattern, Matches) for each line that matches a regular expression (case-insensitive unless -CaseSensitive; -SimpleMatch for plain text). Piped strings are searched line by line; -Path searches files. It shows as the line, or path:number:line for a file.",
            vec![
                param("Pattern", T::TextList, "Regular expressions (any may match).")
                    .mandatory()
                    .position(0),
                param("Path", T::TextList, "Files to search.").position(1),
                param("InputObject", T::Any, "Text to search.").takes_pipeline_input(),
                param("SimpleMatch", T::Switch, "The pattern is plain text."),
                param("CaseSensitive", T::Switch, "Letter case must match."),
                param("NotMatch", T::Switch, "Selects lines that do not match."),
                param("AllMatches", T::Switch, "Every match of each line in Matches."),
                param("Quiet", T::Switch, "Outputs only True or False: whether any line matched."),
                param("Raw", T::Switch, "Outputs the matching lines as strings."),
            ],
            "MatchInfo",
        )
        .examples(vec![example_with_output(
            "Lines of a PEM file list that name a server certificate",
            "'CN=web01, O=Tech', 'CN=Root CA', 'CN=web02' | Select-String -Pattern '^CN=web'",
            "Each match shows as its line.",
            "CN=web01, O=Tech\nCN=web02\n",
        )]),
        true,
        |_, args, input| {
            let matcher = Matcher::from_args(args)?;
            let all = args.switch("AllMatches");
            let mut found = Vec::new();
            match (input, args.get("Path")) {
                (None, Some(paths)) => {
                    for path in paths.clone().into_items() {
                        let path = path.to_text();
                        let full = std::env::current_dir().unwrap_or_default().join(&path);
                        let text = std::fs::read_to_string(&full).map_err(|e| {
                            CommandError::new(
                                "Select-String",
                                "ObjectNotFound",
                                "FileNotFound",
                                format!("Cannot read '{path}': {}.", crate::plugin::io_reason(&e)),
                            )
                        })?;
                        for (i, line) in text.lines().enumerate() {
                            found.extend(matcher.select(line, i + 1, &path, all));
                        }
                    }
                }
                _ => {
                    let items = crate::engine::command::input_items(args, input, "InputObject");
                    for item in items {
                        for (i, line) in item.to_text().lines().enumerate() {
                            found.extend(matcher.select(line, i + 1, "InputStream", all));
                        }
                    }
                }
            }
            if args.switch("Quiet") {
                return Ok(vec![Value::Bool(!found.is_empty())]);
            }
            if args.switch("Raw") {
                return Ok(found
                    .iter()
                    .filter_map(|m| m.property("Line"))
                    .collect());
            }
            Ok(found)
        },
    )
}

/// `ConvertFrom-StringData`: `name = value` lines as a hashtable (`#` comments and
/// blank lines skipped; `\` escapes as in C#).
pub fn convert_from_string_data() -> Builtin {
    Builtin::new(
        command_info(
            "ConvertFrom-StringData",
            &[],
            "Converts name = value lines to a hashtable.",
            "Each line 'name = value' of -StringData becomes an entry of the hashtable (lines starting with # and blank lines are skipped; \\n, \\t and \\\\ in values are escapes). A line without '=' is an error naming it.",
            vec![
                param("StringData", T::Text, "The name = value lines.")
                    .position(0)
                    .mandatory()
                    .takes_pipeline_input(),
                param("Delimiter", T::Text, "The character between name and value (default '=')."),
            ],
            "Hashtable",
        )
        .examples(vec![example_with_output(
            "Read settings",
            "$s = ConvertFrom-StringData -StringData \"Port = 9419`nHost = backup01\"\n$s.Port",
            "Values are strings.",
            "9419\n",
        )]),
        false,
        |_, args, _| {
            let text = args.text("StringData").unwrap_or_default();
            let delimiter = args
                .text("Delimiter")
                .and_then(|d| d.chars().next())
                .unwrap_or('=');
            let mut entries: Vec<(String, Value)> = Vec::new();
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Some((name, value)) = line.split_once(delimiter) else {
                    return Err(CommandError::new(
                        "ConvertFrom-StringData",
                        "InvalidOperation",
                        "InvalidOperation",
                        format!("Data line '{line}' is not in 'name{delimiter}value' format."),
                    )
                    .into());
                };
                let value = value
                    .trim()
                    .replace("\\n", "\n")
                    .replace("\\t", "\t")
                    .replace("\\\\", "\\");
                let name = name.trim().to_string();
                entries.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
                entries.push((name, Value::String(value)));
            }
            Ok(vec![Value::hashtable(entries)])
        },
    )
}
