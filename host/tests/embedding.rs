//! The certificate component as an artifact for other hosts: `certhost component save`
//! and `certhost component info`, checked with coreutils' sha256sum.

mod common;
use common::*;

fn certhost(sb: &Sandbox, args: &[&str]) -> Run {
    run_of(sb.command().args(args).output().expect("run certhost"))
}

#[test]
fn component_save_writes_the_portable_build_its_wit_and_sums_that_sha256sum_checks() {
    let sb = Sandbox::new();
    let saved = certhost(&sb, &["component", "save", "artifact"]).ok();
    let dir = sb.path("artifact");
    assert_eq!(
        saved.stdout,
        format!(
            "{0}/certhost-certificates.wasm\n{0}/certhost.wit\n{0}/SHA256SUMS\n",
            "artifact"
        )
    );
    let checked = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(checked.status.success(), "{checked:?}");
    assert_eq!(
        String::from_utf8_lossy(&checked.stdout),
        "certhost-certificates.wasm: OK\ncerthost.wit: OK\n"
    );
    // The portable build, not the wide-arithmetic one the shell runs.
    let wasm = std::fs::read(dir.join("certhost-certificates.wasm")).unwrap();
    assert_eq!(
        wasm,
        std::fs::read(env!("CERTHOST_PORTABLE_GUEST_WASM")).unwrap()
    );
    assert_ne!(wasm, std::fs::read(env!("CERTHOST_GUEST_WASM")).unwrap());
    let wit = std::fs::read_to_string(dir.join("certhost.wit")).unwrap();
    let repo_wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit/certhost.wit");
    assert_eq!(wit, std::fs::read_to_string(repo_wit).unwrap());
    let version = wit
        .lines()
        .find_map(|l| l.strip_prefix("package certhost:plugin@"))
        .unwrap()
        .trim_end_matches(';')
        .to_string();

    // info agrees with the sums, and names the contract's interfaces.
    let info = certhost(&sb, &["component", "info", "--json"]).ok();
    let info: serde_json::Value = serde_json::from_str(&info.stdout).unwrap();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let wasm_sum = sums.split_whitespace().next().unwrap();
    assert_eq!(info["sha256"], wasm_sum);
    assert_eq!(info["size"], wasm.len());
    assert_eq!(info["witVersion"], version.as_str());
    assert_eq!(info["package"], format!("certhost:plugin@{version}"));
    let names = |key: &str| -> Vec<String> {
        info[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    for export in ["cmdlets", "certificates", "slots"] {
        assert!(names("exports").contains(&format!("certhost:plugin/{export}@{version}")));
    }
    for import in ["store", "files", "host", "server", "primitives"] {
        assert!(names("imports").contains(&format!("certhost:plugin/{import}@{version}")));
    }
    let text = certhost(&sb, &["component", "info"]).ok();
    assert!(
        text.stdout
            .contains(&format!("SHA-256          {wasm_sum}\n")),
        "{}",
        text.stdout
    );

    // Saving again replaces the three files and leaves the rest alone.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    certhost(&sb, &["component", "save", "artifact"]).ok();
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        4,
        "no partial files left"
    );
}

#[test]
fn component_usage_errors_are_specific_and_change_nothing() {
    let sb = Sandbox::new();
    std::fs::write(sb.path("taken"), "a file").unwrap();
    let refused = certhost(&sb, &["component", "save", "taken"]);
    assert_eq!(refused.code, 1);
    assert_eq!(
        refused.stderr,
        "certhost component: 'taken' exists and is not a directory; give a directory to save into\n"
    );
    assert_eq!(std::fs::read_to_string(sb.path("taken")).unwrap(), "a file");
    for (args, words) in [
        (
            vec!["component"],
            "certhost component: say what to do: save or info\n",
        ),
        (
            vec!["component", "save"],
            "certhost component: save needs the directory to write into\n",
        ),
        (
            vec!["component", "info", "--yaml"],
            "certhost component: info takes only --json, not '--yaml'\n",
        ),
        (
            vec!["component", "save", "a", "b"],
            "certhost component: save takes one directory; 'b' is one word too many\n",
        ),
        (
            vec!["component", "publish"],
            "certhost component: 'publish' is not save or info\n",
        ),
    ] {
        let out = certhost(&sb, &args);
        assert_eq!(out.code, 64, "{args:?}");
        assert!(out.stderr.contains(words), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("usage: certhost component save <directory>")
        );
    }
}

#[test]
fn docs_wit_md_names_every_interface_and_function_of_the_wit() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let wit = std::fs::read_to_string(root.join("wit/certhost.wit")).unwrap();
    let doc = std::fs::read_to_string(root.join("docs/wit.md")).unwrap();
    let version = wit
        .lines()
        .find_map(|l| l.strip_prefix("package certhost:plugin@"))
        .unwrap()
        .trim_end_matches(';');
    assert!(
        doc.contains(&format!("| {version} |")),
        "docs/wit.md has a row for {version}"
    );
    let mut checked = 0;
    for line in wit.lines().map(str::trim) {
        let name = if let Some(rest) = line.strip_prefix("interface ") {
            rest.trim_end_matches(" {")
        } else if let Some((name, _)) = line.split_once(": func(") {
            name
        } else {
            continue;
        };
        assert!(
            doc.contains(&format!("`{name}")),
            "docs/wit.md names `{name}`"
        );
        checked += 1;
    }
    assert!(checked > 40, "{checked} names checked");
}
