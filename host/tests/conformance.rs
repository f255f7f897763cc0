//! The language against PowerShell's own documentation: every case in
//! `tests/conformance/cases/` (an example of PowerShell 7's about_* topics and the output
//! the documentation gives for it, see `tests/conformance/SOURCE.md`) runs in a fresh
//! session, in process. Output is compared line by line, ignoring trailing spaces, blank
//! lines and the width of runs of spaces (the documentation's tables and blank lines are
//! typeset by hand).
//!
//! A case that fails must be listed in `tests/conformance/known-gaps.tsv` with the reason;
//! a listed case that passes must be taken off the list. The per-topic table is written
//! to `target/conformance-report.txt` (and printed by `scripts/test.sh`).

use certhost::engine::{Session, SessionOptions, Value};
use certhost::format::Formatter;
use certhost::services::Host;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One example: where it comes from, what runs first, the code and the documented output.
struct Case {
    topic: String,
    source: String,
    setup: String,
    script: String,
    output: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance")
}

/// Reads the `#### case / setup / script / output / end` blocks of one topic file.
fn parse_cases(topic: &str, text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    let mut section = "";
    for line in text.lines() {
        if let Some(source) = line.strip_prefix("#### case ") {
            current = Some(Case {
                topic: topic.to_string(),
                source: source.trim().to_string(),
                setup: String::new(),
                script: String::new(),
                output: String::new(),
            });
            section = "";
            continue;
        }
        match line {
            "#### setup" | "#### script" | "#### output" => section = &line[5..],
            "#### end" => cases.extend(current.take()),
            _ => {
                let Some(case) = current.as_mut() else {
                    continue;
                };
                let field = match section {
                    "setup" => &mut case.setup,
                    "script" => &mut case.script,
                    "output" => &mut case.output,
                    _ => continue,
                };
                field.push_str(line);
                field.push('\n');
            }
        }
    }
    cases
}

fn all_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("cases"))
        .expect("tests/conformance/cases")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| {
            let topic = path.file_stem().unwrap().to_string_lossy().into_owned();
            parse_cases(&topic, &std::fs::read_to_string(path).unwrap())
        })
        .collect()
}

/// `about_X.md:LINE` → reason, from `known-gaps.tsv`.
fn known_gaps() -> BTreeMap<String, String> {
    case_list("known-gaps.tsv")
}

/// Cases whose output lists a .NET Hashtable: its order comes from string hash codes
/// that .NET seeds at random in each process, so pwsh itself prints the entries in a
/// different order from run to run. Their lines are compared in any order.
fn unordered() -> BTreeMap<String, String> {
    case_list("unordered.tsv")
}

/// `case<TAB>reason` lines of a file beside the cases.
fn case_list(file: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join(file)).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (key, reason) = l.split_once('\t').unwrap_or((l, ""));
            (key.trim().to_string(), reason.trim().to_string())
        })
        .collect()
}

/// Text as compared: no trailing spaces, no blank lines, runs of spaces as one, tabs
/// as spaces.
fn normalise(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

/// A writer into a buffer shared by the formatter, the console and the error stream, so
/// they interleave as on a terminal.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs a case's setup (output discarded) and script; returns what the script printed.
fn run_case(host: &Rc<Host>, case: &Case) -> String {
    let buffer = Shared::default();
    let mut session = Session::new(
        host.clone(),
        certhost::builtins::all(),
        SessionOptions {
            non_interactive: true,
            color: false,
        },
        Box::new(buffer.clone()),
    );
    session.console = Box::new(buffer.clone());
    certhost::builtins::register_builtin(&mut session).expect("certificate cmdlets");
    let mut out = Formatter::new(Box::new(buffer.clone()));
    for (text, keep) in [(&case.setup, false), (&case.script, true)] {
        if text.trim().is_empty() {
            continue;
        }
        match certhost::lang::parse_block(text) {
            Ok(block) => {
                session.run_block(&block, Vec::<Value>::new(), &mut out);
            }
            Err(e) => {
                let _ = writeln!(buffer.clone(), "{e}");
            }
        }
        out.flush_table();
        if !keep {
            buffer.0.borrow_mut().clear();
        }
    }
    out.finish();
    let bytes = buffer.0.borrow().clone();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn documented_examples_print_what_the_documentation_shows() {
    let cases = all_cases();
    assert!(cases.len() >= 300, "found {} cases", cases.len());
    let gaps = known_gaps();
    let unordered = unordered();
    let state = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::env::set_current_dir(work.path()).unwrap();
    let host = Rc::new(Host::open(state.path(), work.path().to_path_buf()).expect("host"));

    // A watchdog stops a case that runs away (an infinite loop in a failing case) the way
    // Ctrl+C would.
    let started = Arc::new(AtomicU64::new(0));
    let clock = std::time::Instant::now();
    {
        let started = started.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let at = started.load(Ordering::SeqCst);
                if at != 0 && clock.elapsed().as_millis() as u64 > at + 10_000 {
                    certhost::cancel::request();
                }
            }
        });
    }

    let mut per_topic: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut unexpected_failures = Vec::new();
    let mut all_failures = Vec::new();
    let mut stale_gaps = Vec::new();
    for case in &cases {
        started.store(clock.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
        let actual = run_case(&host, case);
        started.store(0, Ordering::SeqCst);
        certhost::cancel::clear();
        let passed = if unordered.contains_key(&case.source) {
            let sorted = |text: &str| {
                let mut lines = normalise(text);
                lines.sort();
                lines
            };
            sorted(&actual) == sorted(&case.output)
        } else {
            normalise(&actual) == normalise(&case.output)
        };
        let entry = per_topic.entry(case.topic.clone()).or_default();
        entry.1 += 1;
        if passed {
            entry.0 += 1;
        }
        let report = format!(
            "{}\n--- script\n{}\n--- documented\n{}\n--- actual\n{}",
            case.source, case.script, case.output, actual
        );
        if !passed {
            all_failures.push(report.clone());
        }
        match (passed, gaps.contains_key(&case.source)) {
            (false, false) => unexpected_failures.push(report),
            (true, true) => stale_gaps.push(case.source.clone()),
            _ => {}
        }
    }

    let passed: usize = per_topic.values().map(|(p, _)| p).sum();
    let mut report = String::from("| topic | passed | cases |\n|---|---:|---:|\n");
    for (topic, (p, n)) in &per_topic {
        report.push_str(&format!("| {topic} | {p} | {n} |\n"));
    }
    report.push_str(&format!(
        "| **total** | **{passed}** | **{}** ({:.1}%) |\n",
        cases.len(),
        100.0 * passed as f64 / cases.len() as f64
    ));
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let _ = std::fs::create_dir_all(&target);
    let _ = std::fs::write(target.join("conformance-report.txt"), &report);
    if std::env::var_os("CERTHOST_CONFORMANCE_FAILURES").is_some() {
        let _ = std::fs::write(
            target.join("conformance-failures.txt"),
            all_failures.join("\n\n========\n"),
        );
    }
    println!("{report}");

    assert!(
        unexpected_failures.is_empty(),
        "{} documented examples print something else and are not in known-gaps.tsv:\n\n{}",
        unexpected_failures.len(),
        unexpected_failures.join("\n\n========\n")
    );
    assert!(
        stale_gaps.is_empty(),
        "these cases pass now; take them off tests/conformance/known-gaps.tsv: {stale_gaps:?}"
    );
}
