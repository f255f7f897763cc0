//! The interactive prompt in a real pseudo-terminal (driven by tests/tools/pty_run.py):
//! continuation lines, completion, prompting for mandatory parameters without echoing
//! passwords.

mod common;
use common::*;

fn session(sb: &Sandbox, lines: &[&str]) -> String {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tools/pty_run.py");
    let mut args = vec![
        script.to_str().unwrap().to_string(),
        env!("CARGO_BIN_EXE_certhost").to_string(),
        "--".to_string(),
    ];
    args.extend(lines.iter().map(|l| l.to_string()));
    let out = std::process::Command::new("python3")
        .args(&args)
        .current_dir(sb.dir.path())
        .env("CERTHOST_HOME", sb.home())
        .output()
        .unwrap();
    let raw = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    // Drop the terminal's control sequences (cursor moves, bracketed paste).
    regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]")
        .unwrap()
        .replace_all(&raw, "")
        .into_owned()
}

#[test]
fn the_prompt_continues_blocks_and_completes() {
    let sb = Sandbox::new();
    sb.run("Write-Output warm").ok();
    let screen = session(
        &sb,
        &[
            "if ($true) {",
            "'inside block'",
            "}",
            "$mypassword = 41",
            "$mypassw\\t + 1",
        ],
    );
    assert!(screen.contains(">> "), "{screen}");
    assert!(screen.contains("inside block\n"), "{screen}");
    // `$mypassw` alone is $null, so 42 shows that Tab completed it to `$mypassword`.
    assert!(screen.contains("$mypassword + 1"), "{screen}");
    assert!(screen.contains("\n42\n"), "{screen}");
}

#[test]
fn missing_mandatory_parameters_are_asked_for_and_passwords_not_echoed() {
    let sb = Sandbox::new();
    sb.run("Write-Output warm").ok();
    let screen = session(
        &sb,
        &[
            "New-SelfSignedCertificate -DnsName p.tech.local -KeyAlgorithm ECDSA_nistP256 | Export-PfxCertificate",
            "out.pfx",
            "Typed-Secret-1",
        ],
    );
    assert!(
        screen.contains("Supply values for the following parameters:"),
        "{screen}"
    );
    assert!(
        !screen.contains("Typed-Secret-1"),
        "the password was echoed: {screen}"
    );
    let pfx = sb.path("out.pfx");
    let out = tool(
        "openssl",
        &[
            "pkcs12",
            "-in",
            pfx.to_str().unwrap(),
            "-passin",
            "env:PFX_PASSWORD",
            "-legacy",
            "-nokeys",
        ],
        Some("Typed-Secret-1"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("CN = p.tech.local"), "{}", out.stdout);
}

#[test]
fn lines_with_literal_secrets_stay_out_of_the_history_file() {
    let sb = Sandbox::new();
    sb.run("Write-Output warm").ok();
    // An older session left a secret in the history: it goes when the file is saved.
    std::fs::create_dir_all(sb.home()).unwrap();
    std::fs::write(
        sb.home().join("history"),
        "#V2\n$apikey = 'Old-Secret-3'\nWrite-Output kept-before\n",
    )
    .unwrap();
    let screen = session(
        &sb,
        &[
            "$token = \"Typed-Secret-2\"",
            "$pw = $token",
            "Write-Output done-typing",
        ],
    );
    assert!(screen.contains("done-typing"), "{screen}");
    let history = std::fs::read_to_string(sb.home().join("history")).unwrap();
    assert!(!history.contains("Typed-Secret-2"), "{history}");
    assert!(!history.contains("Old-Secret-3"), "{history}");
    assert!(history.contains("$pw = $token"), "{history}");
    assert!(history.contains("Write-Output kept-before"), "{history}");
    assert!(history.contains("Write-Output done-typing"), "{history}");
}

#[test]
fn the_documented_read_host_password_example_assigns_a_key_pair() {
    let sb = Sandbox::new();
    let pki = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tech-local");
    std::fs::create_dir_all(sb.path("certs")).unwrap();
    for f in ["TechCompany.crt", "TechCompany-encrypted.key"] {
        std::fs::copy(pki.join(f), sb.path("certs").join(f)).unwrap();
    }
    sb.run("Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5")
        .ok();
    // The line of the originals' documentation, with Linux paths.
    let screen = session(
        &sb,
        &[
            "Add-VBRBackupServerCertificate -CertificatePath \"certs/TechCompany.crt\" -PrivateKeyPath \"certs/TechCompany-encrypted.key\" -Password (Read-Host -AsSecureString \"Enter certificate password\") | Format-List Subject",
            "KeyPassw0rd",
        ],
    );
    assert!(screen.contains("Enter certificate password"), "{screen}");
    assert!(
        !screen.contains("KeyPassw0rd"),
        "the password was echoed:\n{screen}"
    );
    assert!(
        screen.contains("CN=backup01.tech.local, O=Tech"),
        "{screen}"
    );
    let current = sb.run("(Get-BackupServerCertificate).Subject").ok();
    assert_eq!(current.stdout.trim(), "CN=backup01.tech.local, O=Tech");
}

#[test]
fn import_module_asks_once_per_ungranted_capability() {
    let sb = Sandbox::new();
    sb.run("Write-Output warm").ok();
    std::fs::copy(env!("CERTHOST_HOSTILE_WASM"), sb.path("hostile.wasm")).unwrap();
    // The module imports store, bindings, files and server: six questions, in the
    // order of its imports. Only the first is answered yes.
    let screen = session(
        &sb,
        &[
            "Import-Module ./hostile.wasm",
            "y",
            "n",
            "n",
            "",
            "n",
            "n",
            "(Get-Module hostile).Grants -join ','",
            "Get-StolenKey My",
            "Read-AnyFile x",
        ],
    );
    for capability in [
        "StoreRead",
        "StoreWrite",
        "Bindings",
        "FilesRead",
        "FilesWrite",
        "Server",
    ] {
        assert_eq!(
            screen.matches(&format!("Grant {capability} (")).count(),
            1,
            "{capability}: {screen}"
        );
    }
    assert!(
        screen.contains("\nMessages,Primitives,StoreRead\n"),
        "{screen}"
    );
    assert!(
        screen.contains("certificates: 0, private keys: 0"),
        "{screen}"
    );
    assert!(screen.contains("was not granted FilesRead"), "{screen}");
}

/// Types `line`, presses Ctrl+C after `wait` seconds; returns how long the prompt took
/// to come back (`None`: it did not) and the screen.
fn interrupt(sb: &Sandbox, wait: f64, line: &str) -> (Option<f64>, String) {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tools/pty_interrupt.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_certhost"))
        .arg(wait.to_string())
        .arg(line)
        .current_dir(sb.dir.path())
        .env("CERTHOST_HOME", sb.home())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let screen = report["screen"]
        .as_str()
        .unwrap_or_default()
        .replace('\r', "");
    (report["seconds"].as_f64(), screen)
}

#[test]
fn ctrl_c_stops_a_loop_runs_finally_and_the_prompt_comes_back() {
    let sb = Sandbox::new();
    sb.run("Write-Output warm").ok();
    let (seconds, screen) = interrupt(
        &sb,
        0.5,
        "try { while ($true) { } } finally { 'finally ran' }",
    );
    let seconds = seconds.unwrap_or_else(|| panic!("no prompt after Ctrl+C: {screen}"));
    assert!(seconds < 0.5, "{seconds} s: {screen}");
    assert!(screen.contains("finally ran\n"), "{screen}");
    // The session goes on: the next line runs.
    assert!(screen.contains("still here\n"), "{screen}");
}

#[test]
fn ctrl_c_stops_a_long_pipeline_within_half_a_second() {
    let sb = Sandbox::new();
    sb.run("Write-Output warm").ok();
    let (seconds, screen) = interrupt(&sb, 0.5, "1..1e7 | ForEach-Object { $_ } | Out-Null");
    let seconds = seconds.unwrap_or_else(|| panic!("no prompt after Ctrl+C: {screen}"));
    assert!(seconds < 0.5, "{seconds} s: {screen}");
    assert!(screen.contains("still here\n"), "{screen}");
}

#[test]
fn ctrl_c_stops_a_cmdlet_running_inside_a_component() {
    let sb = Sandbox::new();
    std::fs::copy(env!("CERTHOST_RUNAWAY_WASM"), sb.path("runaway.wasm")).unwrap();
    sb.run("Write-Output warm").ok();
    // Invoke-Spin loops forever inside the component (the time limit is 120 s).
    let (seconds, screen) = interrupt(&sb, 2.0, "Import-Module ./runaway.wasm; Invoke-Spin");
    let seconds = seconds.unwrap_or_else(|| panic!("no prompt after Ctrl+C: {screen}"));
    assert!(seconds < 0.5, "{seconds} s: {screen}");
    // Stopped quietly, as pwsh stops a pipeline: no error at all (so the import and the
    // cmdlet call both worked).
    assert!(!screen.contains("\x1b[31"), "{screen}");
    assert!(!screen.contains("time limit"), "{screen}");
    assert!(screen.contains("still here\n"), "{screen}");
}
