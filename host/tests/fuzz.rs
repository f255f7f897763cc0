//! Fuzz targets of the host that need no component (docs/fuzzing.md): the PowerShell
//! parser. The test replays every file under tests/fuzz/regressions/ps-parser/ and then
//! mutates the repository's scripts for a few seconds (CERTHOST_FUZZ_SECONDS for more).
//!
//! The oracle is the parser's own contract: no panic, no hang (each input runs on a
//! worker thread with a deadline), and a refusal is a `ParseError` whose line and column
//! point into the source.
//!
//! netsh's argument parsing (`netsh-args`): no panic, and a request it accepts names an
//! endpoint that reads back as itself (normalization is idempotent), so two spellings of
//! one endpoint can never make two bindings.

use certhost::lang::{ParseError, parse, parse_block};
use certhost_fuzz::{Budget, Observation, Target};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Parser;

impl Target for Parser {
    fn name(&self) -> &'static str {
        "ps-parser"
    }

    fn execute(&self, input: &[u8]) -> Observation {
        let source = String::from_utf8_lossy(input);
        let block = parse_block(&source);
        match parse(&source) {
            Ok(script) => {
                let observation = Observation::accepted(shape(&format!("{script:?}")), Vec::new());
                match block.err().and_then(|e| misplaced(&source, &e)) {
                    Some(v) => observation.violating(format!("parse_block: {v}")),
                    None => observation,
                }
            }
            Err(e) => {
                let violation = misplaced(&source, &e)
                    .or_else(|| block.err().and_then(|b| misplaced(&source, &b)));
                let observation = Observation::rejected(&e.message);
                match violation {
                    Some(v) => observation.violating(v),
                    None => observation,
                }
            }
        }
    }

    fn test_command(&self) -> String {
        "cargo test --release -p certhost --test fuzz".into()
    }

    fn brackets(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        [
            ("(", ")"),
            ("{", "}"),
            ("$(", ")"),
            ("@(", ")"),
            ("@{", "}"),
            ("[", "]"),
            ("\"$(", ")\""),
        ]
        .iter()
        .map(|(o, c)| (o.as_bytes().to_vec(), c.as_bytes().to_vec()))
        .collect()
    }

    fn dictionary(&self) -> Vec<Vec<u8>> {
        [
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            "@(",
            "$(",
            "@{",
            "\"",
            "'",
            "`",
            "#",
            "<#",
            "#>",
            "|",
            ";",
            "\n",
            ",",
            ".",
            "..",
            "::",
            "=",
            "+=",
            "-eq ",
            "-not ",
            "-f ",
            "2>&1",
            "*>",
            "$_",
            "$x",
            "${a b}",
            "&",
            "function f ",
            "param(",
            "begin {",
            "process {",
            "end {",
            "if (",
            "else ",
            "elseif (",
            "foreach (",
            " in ",
            "while (",
            "do {",
            "switch (",
            "try {",
            "catch {",
            "finally {",
            "trap {",
            "class C ",
            "enum E ",
            "[int]",
            "[string[]]",
            "[Flags()]",
            "@'\n",
            "\n'@",
            "@\"\n",
            "\n\"@",
            "--%",
            "0x7FFFFFFF",
            "1e308",
            "1kb",
            "-",
            "!",
            "?",
            "??",
            "?.",
            "[regex]::new(",
            "$(",
            "$env:",
            "Cert:\\",
            "-Force",
            "return",
            "break",
            "continue",
            "throw",
            "exit",
        ]
        .iter()
        .map(|w| w.as_bytes().to_vec())
        .collect()
    }
}

/// What is wrong with where `e` points, if anything.
fn misplaced(source: &str, e: &ParseError) -> Option<String> {
    let lines = source.split('\n').count();
    if e.line == 0 || e.column == 0 || e.line > lines {
        return Some(format!(
            "the error points at line {}, column {} of a {lines}-line source: {}",
            e.line, e.column, e.message
        ));
    }
    if e.message.trim().is_empty() {
        return Some(format!("an empty error message at line {}", e.line));
    }
    // Display must not panic either (it pads a caret to the column).
    let shown = e.to_string();
    (!shown.contains(&e.message)).then(|| format!("Display drops the message: {shown}"))
}

/// The set of node kinds in a syntax tree's Debug text (`Name(` and `Name {`): the label
/// that makes a script with a new construct join the corpus.
fn shape(debug: &str) -> String {
    let bytes = debug.as_bytes();
    let mut kinds = BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_uppercase() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let rest = &debug[i..];
            if rest.starts_with('(') || rest.starts_with(" {") {
                kinds.insert(&debug[start..i]);
            }
        } else {
            i += 1;
        }
    }
    kinds.into_iter().collect::<Vec<_>>().join(",")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn ps1_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            ps1_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "ps1") {
            out.push(p);
        }
    }
}

/// The scripts under tests/ and the script sections of the conformance cases.
fn seeds() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    ps1_files(&repo().join("tests"), &mut files);
    let mut seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let cases = repo().join("tests/conformance/cases");
    let mut case_files: Vec<PathBuf> = std::fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    case_files.sort();
    for path in case_files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut script: Option<String> = None;
        for line in text.lines() {
            if line == "#### script" || line == "#### setup" {
                script = Some(String::new());
            } else if line.starts_with("#### ") {
                if let Some(s) = script.take().filter(|s| !s.trim().is_empty()) {
                    seeds.push(s.into_bytes());
                }
            } else if let Some(s) = script.as_mut() {
                s.push_str(line);
                s.push('\n');
            }
        }
    }
    seeds
}

#[test]
fn ps_parser() {
    let mut budget = Budget::quick(Duration::from_secs(3), 4000);
    budget.max_len = 4096;
    budget.timeout = Duration::from_secs(2);
    let seeds = seeds();
    assert!(seeds.len() > 50, "only {} seed scripts", seeds.len());
    let summary = certhost_fuzz::fuzz(Parser, seeds, budget, env!("CARGO_MANIFEST_DIR"))
        .expect("the fuzz run starts");
    assert!(summary.is_clean(), "{}", summary.report());
}

struct NetshArguments;

impl Target for NetshArguments {
    fn name(&self) -> &'static str {
        "netsh-args"
    }

    fn execute(&self, input: &[u8]) -> Observation {
        let text = String::from_utf8_lossy(input);
        let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        match certhost::builtins::check_netsh_request(&words) {
            Err(cause) => Observation::rejected(&cause),
            Ok(request) => {
                let observation = Observation::accepted(
                    request.split(' ').next().unwrap_or_default().to_string(),
                    Vec::new(),
                );
                // The endpoint as stored must read back as itself.
                match request.split(' ').nth(1).filter(|e| !e.is_empty()) {
                    Some(endpoint) => match certhost::store::any_endpoint(endpoint) {
                        Ok(again) if again.text == endpoint => observation,
                        other => {
                            observation.violating(format!("'{endpoint}' reads back as {other:?}"))
                        }
                    },
                    None => observation,
                }
            }
        }
    }

    fn test_command(&self) -> String {
        "cargo test --release -p certhost --test fuzz netsh".into()
    }

    fn brackets(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        vec![(b"[".to_vec(), b"]".to_vec())]
    }

    fn dictionary(&self) -> Vec<Vec<u8>> {
        [
            "ipport=",
            "hostnameport=",
            "certhash=",
            "appid=",
            "certstorename=",
            "clientcertnegotiation=",
            "verifyclientcertrevocation=",
            "dsmapperusage=",
            "enable",
            "disable",
            "0.0.0.0:",
            "[::]:",
            "[::1]:",
            ":443",
            ":0",
            ":65536",
            ":08450",
            "{4dc3e181-e14b-4a21-b022-59fc669b0914}",
            "MY",
            " ",
            "=",
            "\u{200e}",
        ]
        .iter()
        .map(|w| w.as_bytes().to_vec())
        .collect()
    }
}

#[test]
fn netsh_args() {
    let hash = "5F98EBBFE735CDDAE00E33E0FD69050EF9220254";
    let app = "{4dc3e181-e14b-4a21-b022-59fc669b0914}";
    let seeds: Vec<Vec<u8>> = [
        format!("http add sslcert ipport=0.0.0.0:9419 certhash={hash} appid={app}"),
        format!("http update sslcert ipport=[::]:443 certhash={hash} appid={app} certstorename=MY clientcertnegotiation=enable"),
        format!("http add sslcert hostnameport=api.tech.local:443 certhash={hash} appid={app} certstorename=WebHosting"),
        "http delete sslcert ipport=0.0.0.0:9419".to_string(),
        "http show sslcert".to_string(),
        "http show sslcert hostnameport=api.tech.local:443".to_string(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    let mut budget = Budget::quick(Duration::from_secs(2), 4000);
    budget.max_len = 512;
    let summary = certhost_fuzz::fuzz(NetshArguments, seeds, budget, env!("CARGO_MANIFEST_DIR"))
        .expect("the fuzz run starts");
    assert!(summary.is_clean(), "{}", summary.report());
}

#[test]
fn shape_lists_node_kinds() {
    assert_eq!(
        shape(
            r#"Script { statements: [Pipeline(Command { name: "Get-Item" }), If(Expr(Variable("x")))] }"#
        ),
        "Command,Expr,If,Pipeline,Script,Variable"
    );
}
