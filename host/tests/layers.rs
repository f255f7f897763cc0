//! The layer rules of the design (CONTRIBUTING.md "Layers"), as a test: each rule is a
//! pattern that must not occur in the files of some directories of `host/src`.

use regex::Regex;
use std::path::{Path, PathBuf};

/// One rule: in these directories, no line may match `forbidden`.
struct Rule {
    dirs: &'static [&'static str],
    forbidden: &'static str,
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        dirs: &["engine"],
        forbidden: r"crate::(builtins|commands|format|plugin|serve|services)\b",
        why: "the engine is the language: it is given its commands and context",
    },
    Rule {
        dirs: &["plugin", "store"],
        forbidden: r"crate::(builtins|commands|engine|serve|services)\b",
        why: "the component runtime and the store know nothing of the shell or the server",
    },
    Rule {
        dirs: &["serve", "services"],
        forbidden: r"crate::(engine|builtins|commands)\b",
        why: "the server and the services do not go through the shell",
    },
    Rule {
        dirs: &["serve"],
        forbidden: r#"\.invoke\(""#,
        why: "the server calls typed functions, never a cmdlet by name",
    },
    Rule {
        dirs: &["builtins", "commands"],
        forbidden: r"session\.host\(\)",
        why: "commands call services, not the session's host internals",
    },
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `source` that break `rule`, as `file:line: text`.
fn violations(rule: &Rule, file: &str, source: &str) -> Vec<String> {
    let pattern = Regex::new(rule.forbidden).unwrap();
    source
        .lines()
        .enumerate()
        .filter(|(_, l)| pattern.is_match(l))
        .map(|(i, l)| format!("{file}:{}: {} ({})", i + 1, l.trim(), rule.why))
        .collect()
}

#[test]
fn the_layer_rules_hold() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for rule in RULES {
        for dir in rule.dirs {
            let mut files = Vec::new();
            rust_files(&src.join(dir), &mut files);
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                found.extend(violations(rule, &file.display().to_string(), &text));
            }
        }
    }
    assert!(
        found.is_empty(),
        "layer rules broken:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_broken_rule_is_reported() {
    let use_plugin = "use crate::plugin::Runtime;";
    assert_eq!(violations(&RULES[0], "engine/x.rs", use_plugin).len(), 1);
    let line = "use crate::engine::Session;";
    assert_eq!(violations(&RULES[1], "plugin/x.rs", line).len(), 1);
    assert_eq!(violations(&RULES[2], "serve/x.rs", line).len(), 1);
    let call = r#"worker.invoke("Add-BackupServerCertificate", args)"#;
    assert_eq!(violations(&RULES[3], "serve/api.rs", call).len(), 1);
    assert_eq!(
        violations(&RULES[4], "builtins/x.rs", "let h = session.host();").len(),
        1
    );
    assert!(violations(&RULES[1], "plugin/x.rs", "use crate::store::Database;").is_empty());
    assert!(violations(&RULES[0], "engine/x.rs", "use crate::lang::ast::Script;").is_empty());
}
