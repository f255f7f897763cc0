//! The rules every command's metadata follows, checked over the whole command table.

use crate::{ALL_SETS, CmdletInfo};
use std::collections::{HashMap, HashSet};

/// PowerShell's approved verbs (`Get-Verb`), plus the verbs of PowerShell's own
/// `ForEach-Object`, `Where-Object`, `Sort-Object` and `Tee-Object`, and the originals'
/// `Generate` (kept so admins' scripts run unchanged).
const APPROVED_VERBS: &[&str] = &[
    "Add",
    "Clear",
    "Close",
    "Copy",
    "Enter",
    "Exit",
    "Find",
    "Format",
    "Get",
    "Hide",
    "Join",
    "Lock",
    "Move",
    "New",
    "Open",
    "Optimize",
    "Pop",
    "Push",
    "Redo",
    "Remove",
    "Rename",
    "Reset",
    "Resize",
    "Search",
    "Select",
    "Set",
    "Show",
    "Skip",
    "Split",
    "Step",
    "Switch",
    "Undo",
    "Unlock",
    "Watch",
    "Connect",
    "Disconnect",
    "Read",
    "Receive",
    "Send",
    "Write",
    "Backup",
    "Checkpoint",
    "Compare",
    "Compress",
    "Convert",
    "ConvertFrom",
    "ConvertTo",
    "Dismount",
    "Edit",
    "Expand",
    "Export",
    "Group",
    "Import",
    "Initialize",
    "Limit",
    "Merge",
    "Mount",
    "Out",
    "Publish",
    "Restore",
    "Save",
    "Sync",
    "Unpublish",
    "Update",
    "Debug",
    "Measure",
    "Ping",
    "Repair",
    "Resolve",
    "Test",
    "Trace",
    "Approve",
    "Assert",
    "Build",
    "Complete",
    "Confirm",
    "Deny",
    "Deploy",
    "Disable",
    "Enable",
    "Install",
    "Invoke",
    "Register",
    "Request",
    "Restart",
    "Resume",
    "Start",
    "Stop",
    "Submit",
    "Suspend",
    "Uninstall",
    "Unregister",
    "Wait",
    "Block",
    "Grant",
    "Protect",
    "Revoke",
    "Unblock",
    "Unprotect",
    "Use",
    "ForEach",
    "Where",
    "Sort",
    "Tee",
    "Generate",
];

/// A rule a command's metadata breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaError {
    #[error("{command}: the name or alias '{name}' is used twice")]
    DuplicateName { command: String, name: String },
    #[error("{command}: '{verb}' is not an approved verb (Get-Verb)")]
    UnapprovedVerb { command: String, verb: String },
    #[error("{command}: parameter set '{set}' has two parameters at position {position}")]
    DuplicatePosition {
        command: String,
        set: String,
        position: u32,
    },
    #[error(
        "{command}: parameter set '{set}' takes pipeline input by value in {first} and {second}"
    )]
    TwoPipelineParameters {
        command: String,
        set: String,
        first: String,
        second: String,
    },
    #[error("{command}: parameter name or alias '{name}' is used twice")]
    DuplicateParameter { command: String, name: String },
    #[error("{command}: it has no example")]
    NoExample { command: String },
}

/// The parameter sets a command has (named ones; [`ALL_SETS`] when there are none).
fn sets(info: &CmdletInfo) -> Vec<String> {
    let mut names: Vec<String> = info
        .parameters
        .iter()
        .flat_map(|p| p.sets.iter().map(|m| m.set_name.clone()))
        .filter(|s| s != ALL_SETS)
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        names.push(ALL_SETS.into());
    }
    names
}

/// The rules of one command: an approved verb (for `Verb-Noun` names), unique parameter
/// names and aliases, one parameter per position and at most one by-value pipeline
/// parameter in each set, and at least one example.
pub fn check(info: &CmdletInfo) -> Vec<MetaError> {
    let mut errors = Vec::new();
    let command = || info.name.clone();
    if let Some((verb, _)) = info.name.split_once('-')
        && !APPROVED_VERBS.iter().any(|v| v.eq_ignore_ascii_case(verb))
    {
        errors.push(MetaError::UnapprovedVerb {
            command: command(),
            verb: verb.into(),
        });
    }
    let mut seen = HashSet::new();
    for p in &info.parameters {
        for name in std::iter::once(&p.name).chain(&p.aliases) {
            if !seen.insert(name.to_ascii_lowercase()) {
                errors.push(MetaError::DuplicateParameter {
                    command: command(),
                    name: name.clone(),
                });
            }
        }
    }
    for set in sets(info) {
        let mut positions: HashMap<u32, &str> = HashMap::new();
        let mut piped: Option<&str> = None;
        for p in &info.parameters {
            for m in p
                .sets
                .iter()
                .filter(|m| m.set_name == set || m.set_name == ALL_SETS)
            {
                if let Some(position) = m.position
                    && positions.insert(position, &p.name).is_some()
                {
                    errors.push(MetaError::DuplicatePosition {
                        command: command(),
                        set: set.clone(),
                        position,
                    });
                }
                if m.from_pipeline {
                    if let Some(first) = piped {
                        errors.push(MetaError::TwoPipelineParameters {
                            command: command(),
                            set: set.clone(),
                            first: first.into(),
                            second: p.name.clone(),
                        });
                    }
                    piped = Some(&p.name);
                }
            }
        }
    }
    if info.examples.is_empty() {
        errors.push(MetaError::NoExample { command: command() });
    }
    errors
}

/// [`check`] over a whole command table, plus names and aliases unique across it.
pub fn check_all<'a>(infos: impl IntoIterator<Item = &'a CmdletInfo>) -> Vec<MetaError> {
    let mut errors = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    for info in infos {
        errors.extend(check(info));
        for name in std::iter::once(&info.name).chain(&info.aliases) {
            if let Some(other) = names.insert(name.to_ascii_lowercase(), info.name.clone())
                && other != info.name
            {
                errors.push(MetaError::DuplicateName {
                    command: info.name.clone(),
                    name: name.clone(),
                });
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParamExt, ParameterType as T, cmdlet, example, param};

    fn good() -> CmdletInfo {
        cmdlet(
            "Get-Thing",
            "s",
            "d",
            vec![
                param("Name", T::Text, "n").position(0),
                param("InputObject", T::Any, "i").takes_pipeline_input(),
            ],
            vec![example("t", "Get-Thing x", "r")],
            "String",
        )
    }

    #[test]
    fn a_good_command_passes() {
        assert_eq!(check(&good()), vec![]);
    }

    #[test]
    fn each_rule_is_enforced() {
        let mut c = good();
        c.name = "Fetch-Thing".into();
        assert!(matches!(check(&c)[0], MetaError::UnapprovedVerb { .. }));
        let mut c = good();
        c.parameters.push(param("Other", T::Text, "o").position(0));
        assert!(matches!(check(&c)[0], MetaError::DuplicatePosition { .. }));
        let mut c = good();
        c.parameters
            .push(param("More", T::Any, "m").takes_pipeline_input());
        assert!(matches!(
            check(&c)[0],
            MetaError::TwoPipelineParameters { .. }
        ));
        let mut c = good();
        c.parameters
            .push(param("Other", T::Text, "o").aliases(&["name"]));
        assert!(matches!(check(&c)[0], MetaError::DuplicateParameter { .. }));
        let mut c = good();
        c.examples.clear();
        assert_eq!(
            check(&c),
            vec![MetaError::NoExample {
                command: "Get-Thing".into()
            }]
        );
    }

    #[test]
    fn positions_are_per_set() {
        let c = cmdlet(
            "Get-Thing",
            "s",
            "d",
            vec![
                param("A", T::Text, "a")
                    .position(0)
                    .in_sets(&[("One", true)]),
                param("B", T::Text, "b")
                    .position(0)
                    .in_sets(&[("Two", true)]),
            ],
            vec![example("t", "Get-Thing a", "")],
            "String",
        );
        assert_eq!(check(&c), vec![]);
    }

    #[test]
    fn names_are_unique_across_the_table() {
        let a = good();
        let mut b = good();
        b.name = "Get-Other".into();
        b.aliases = vec!["get-thing".into()];
        assert!(matches!(
            check_all([&a, &b])[0],
            MetaError::DuplicateName { .. }
        ));
    }
}
