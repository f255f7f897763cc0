//! `certhost component save <dir>` and `certhost component info [--json]`: the portable
//! certificate component for other hosts (docs/wit.md).

use crate::plugin::artifact::{self, ComponentInfo};
use std::process::ExitCode;

const USAGE: &str =
    "usage: certhost component save <directory>\n       certhost component info [--json]";

/// Runs `certhost component ...` with the words after `component`.
pub fn run(args: &[String]) -> ExitCode {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["save", dir] => match artifact::save(std::path::Path::new(dir)) {
            Ok(files) => {
                for file in files {
                    println!("{}", file.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        ["info"] | ["info", "--json"] => match artifact::info() {
            Ok(info) if words.len() == 2 => {
                println!("{}", json(&info));
                ExitCode::SUCCESS
            }
            Ok(info) => {
                print!("{}", text(&info));
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        ["save"] => usage("save needs the directory to write into"),
        ["save", _, extra, ..] => usage(&format!(
            "save takes one directory; '{extra}' is one word too many"
        )),
        ["info", extra, ..] => usage(&format!("info takes only --json, not '{extra}'")),
        [] => usage("say what to do: save or info"),
        [other, ..] => usage(&format!("'{other}' is not save or info")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("certhost component: {message}");
    ExitCode::from(1)
}

fn usage(message: &str) -> ExitCode {
    eprintln!("certhost component: {message}\n{USAGE}");
    ExitCode::from(64)
}

fn text(info: &ComponentInfo) -> String {
    let list = |items: &[String]| items.join("\n                 ");
    format!(
        "Component        {} (portable build: baseline WebAssembly, for any component runtime)\n\
         Package          {}\n\
         Built by         certhost {}\n\
         SHA-256          {}\n\
         Size             {} bytes\n\
         Exports          {}\n\
         Imports          {}\n",
        artifact::COMPONENT_FILE,
        info.package,
        info.certhost_version,
        info.sha256,
        info.size,
        list(&info.exports),
        list(&info.imports),
    )
}

fn json(info: &ComponentInfo) -> String {
    serde_json::json!({
        "component": artifact::COMPONENT_FILE,
        "package": info.package,
        "witVersion": info.wit_version,
        "certhostVersion": info.certhost_version,
        "sha256": info.sha256,
        "size": info.size,
        "exports": info.exports,
        "imports": info.imports,
    })
    .to_string()
}
