//! Commands about the session itself: `Set-StrictMode` and `Get-History`.

use super::utility::Builtin;
use crate::engine::Value;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, example,
    example_with_output, param,
};

pub fn set_strict_mode() -> Builtin {
    Builtin::new(
        command_info(
            "Set-StrictMode",
            &[],
            "Makes common scripting mistakes errors.",
            "-Version 1.0: reading a variable that was never set is an error. 2.0: also reading a property an object does not have, and unset variables in strings. 3.0 or Latest: also an index outside an array. -Off turns it off. It holds in the current scope and the scopes it calls.",
            vec![
                param("Version", T::Text, "1.0, 2.0, 3.0 or Latest.")
                    .position(0)
                    .aliases(&["v"]),
                param("Off", T::Switch, "Turn strict mode off."),
            ],
            "None",
        )
        .examples(vec![example_with_output(
            "A misspelt variable is an error",
            "Set-StrictMode -Version Latest\n$days = 30\ntry { \"$dasy left\" } catch { $_.Exception.Message }",
            "Without strict mode the misspelling would print ' left'.",
            "The variable '$dasy' cannot be retrieved because it has not been set.\n",
        )]),
        false,
        |session, args, _| {
            let version = if args.switch("Off") {
                0
            } else {
                let text = args.text("Version").unwrap_or_default();
                match text.trim().to_ascii_lowercase().as_str() {
                    "1" | "1.0" => 1,
                    "2" | "2.0" => 2,
                    "3" | "3.0" | "latest" => 3,
                    other => {
                        return Err(CommandError::new(
                            "Set-StrictMode",
                            "InvalidArgument",
                            "InvalidVersion",
                            format!(
                                "'{other}' is not a strict mode version: use 1.0, 2.0, 3.0 or Latest (or -Off)."
                            ),
                        )
                        .into());
                    }
                }
            };
            session.set_strict_mode(version);
            Ok(Vec::new())
        },
    )
}

pub fn get_history() -> Builtin {
    Builtin::new(
        command_info(
            "Get-History",
            &["h", "history", "ghy"],
            "Lists the commands run at the prompt in this session.",
            "Each command line run at the interactive prompt, oldest first, with its Id, how long it ran, when, and whether it completed. -Count N gives the last N; -Id gives those entries. (The line editor's own history, across sessions, is what the Up arrow goes through.)",
            vec![
                param("Id", T::Any, "The entries to get.").position(0),
                param("Count", T::Integer, "How many of the latest entries."),
            ],
            "HistoryInfo",
        )
        .examples(vec![example(
            "The last three commands",
            "Get-History -Count 3",
            "Nothing in a script run with -c or -File: only the prompt records history.",
        )]),
        false,
        |session, args, _| {
            let ids: Vec<i64> = args
                .get("Id")
                .map(|v| {
                    v.clone()
                        .into_items()
                        .iter()
                        .filter_map(crate::engine::operators::to_number)
                        .map(|n| n.as_int())
                        .collect()
                })
                .unwrap_or_default();
            let mut entries: Vec<Value> = session
                .history
                .iter()
                .enumerate()
                .map(|(i, e)| (i as i64 + 1, e))
                .filter(|(id, _)| ids.is_empty() || ids.contains(id))
                .map(|(id, e)| {
                    Value::object(
                        "HistoryInfo",
                        vec![
                            ("Id".into(), Value::Int(id)),
                            ("CommandLine".into(), Value::String(e.command_line.clone())),
                            (
                                "ExecutionStatus".into(),
                                Value::String(
                                    if e.succeeded { "Completed" } else { "Failed" }.into(),
                                ),
                            ),
                            ("StartExecutionTime".into(), Value::DateTime(e.started)),
                            (
                                "EndExecutionTime".into(),
                                Value::DateTime(e.started + e.duration_ms / 1000),
                            ),
                            ("Duration".into(), Value::TimeSpan(e.duration_ms)),
                        ],
                    )
                })
                .collect();
            if let Some(Value::Int(count)) = args.get("Count") {
                let keep = usize::try_from(*count).unwrap_or(0);
                let drop = entries.len().saturating_sub(keep);
                entries.drain(..drop);
            }
            Ok(entries)
        },
    )
}
