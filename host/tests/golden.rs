//! Golden tests: every `tests/scripts/**/*.ps1` runs through the real binary
//! (`certhost -NonInteractive -File`, in a fresh state directory) and its stdout,
//! stderr and exit code must equal the `.stdout`, `.stderr` and `.exit` files beside it.
//! Thumbprints (40 hex digits) are shown as `<THUMBPRINT>`. The test PKI
//! (`tests/fixtures/tech-local`) is copied into each sandbox as `certs/`. Set `CERTHOST_BLESS=1` to rewrite the expected
//! files from the actual output.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn scripts(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            scripts(&path, out);
        } else if path.extension().is_some_and(|e| e == "ps1") {
            out.push(path);
        }
    }
}

/// Copies the test PKI (`tests/fixtures/tech-local`) into the sandbox as `certs/`.
fn copy_fixtures(sandbox: &Path) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tech-local");
    let target = sandbox.join("certs");
    std::fs::create_dir_all(&target).unwrap();
    for entry in std::fs::read_dir(source).unwrap().flatten() {
        std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
    }
}

/// The first line of a script that runs beside a second appliance: the harness starts a
/// `certhost serve` of its own (backup01.tech.local, API account admin) and gives the
/// script `$env:PEER_ADDRESS` and `$env:PEER_PASSWORD`.
const NEEDS_PEER: &str = "# Needs a peer appliance";

fn normalise(text: &str, sandbox: &Path, peer: Option<&str>) -> String {
    let re = regex::Regex::new(r"\b[0-9A-Fa-f]{40}\b").unwrap();
    let pins = regex::Regex::new(r"sha256:[0-9a-f]{64}").unwrap();
    let mut text = text.replace(&sandbox.display().to_string(), "<SANDBOX>");
    if let Some(peer) = peer {
        text = text.replace(peer, "<PEER>");
    }
    let text = re.replace_all(&text, "<THUMBPRINT>");
    pins.replace_all(&text, "sha256:<PIN>").into_owned()
}

#[test]
fn every_script_matches_its_expected_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scripts");
    let mut all = Vec::new();
    scripts(&root, &mut all);
    all.sort();
    assert!(all.len() >= 5, "found {} scripts", all.len());
    let bless = std::env::var_os("CERTHOST_BLESS").is_some();
    let mut failures = Vec::new();
    for script in &all {
        let sb = Sandbox::new();
        let local = sb.path("script.ps1");
        std::fs::copy(script, &local).unwrap();
        copy_fixtures(sb.dir.path());
        let text = std::fs::read_to_string(script).unwrap();
        let peer = text
            .starts_with(NEEDS_PEER)
            .then(|| common::server::Server::start(&[]));
        let peer_address = peer.as_ref().map(|p| format!("127.0.0.1:{}", p.port));
        let mut command = sb.command();
        if let Some(address) = &peer_address {
            command
                .env("PEER_ADDRESS", address)
                .env("PEER_PASSWORD", common::server::PASSWORD);
        }
        let run = run_of(
            command
                .args(["-NonInteractive", "-File", "script.ps1"])
                .output()
                .unwrap(),
        );
        drop(peer);
        let peer = peer_address.as_deref();
        let actual = [
            ("stdout", normalise(&run.stdout, sb.dir.path(), peer)),
            ("stderr", normalise(&run.stderr, sb.dir.path(), peer)),
            ("exit", format!("{}\n", run.code)),
        ];
        for (ext, text) in actual {
            let expected_path = script.with_extension(ext);
            if bless {
                std::fs::write(&expected_path, &text).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != text {
                failures.push(format!(
                    "{} ({ext}):\n--- expected\n{expected}\n--- actual\n{text}",
                    script.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatch(es); CERTHOST_BLESS=1 rewrites the expected files\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The first `powershell` block of a markdown page.
fn first_powershell_block(markdown: &str) -> Option<String> {
    let start = markdown.find("```powershell\n")? + "```powershell\n".len();
    let end = markdown[start..].find("```")? + start;
    Some(markdown[start..end].to_string())
}

#[test]
fn every_workflow_page_shows_its_golden_script() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut pages = 0;
    for entry in std::fs::read_dir(root.join("docs/workflows"))
        .unwrap()
        .flatten()
    {
        let page = entry.path();
        let name = page.file_stem().unwrap().to_string_lossy().to_string();
        if name == "README" {
            continue;
        }
        let markdown = std::fs::read_to_string(&page).unwrap();
        let script = root.join(format!("tests/scripts/workflows/{name}.ps1"));
        let expected = std::fs::read_to_string(&script).unwrap_or_else(|_| {
            panic!(
                "{} has no golden script {}",
                page.display(),
                script.display()
            )
        });
        assert_eq!(
            first_powershell_block(&markdown).as_deref(),
            Some(expected.as_str()),
            "{} must show {} exactly",
            page.display(),
            script.display()
        );
        for ext in ["stdout", "stderr"] {
            let output = std::fs::read_to_string(script.with_extension(ext)).unwrap();
            assert!(
                markdown.contains(&output),
                "{} must show the current {ext} of its script",
                page.display()
            );
        }
        pages += 1;
    }
    assert!(pages >= 6, "{pages} workflow pages");
}
