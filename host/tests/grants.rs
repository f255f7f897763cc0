//! A hostile module (tests/components/hostile) imported with `Import-Module`: with no
//! grant it gets permission-denied for keys, files, bindings and slots, and the store,
//! the bindings and the file system are unchanged afterwards; with `-Allow` of one
//! capability exactly that one works.

mod common;
use common::*;

const HOSTILE: &str = env!("CERTHOST_HOSTILE_WASM");

/// A sandbox with the module copied in, a certificate with a key in My (the backup
/// server slot's, bound to the REST endpoint) and a second one to re-point to.
fn setup() -> (Sandbox, String) {
    let sb = Sandbox::new();
    std::fs::copy(HOSTILE, sb.path("hostile.wasm")).unwrap();
    std::fs::write(sb.path("inside.txt"), b"inside").unwrap();
    sb.run("Get-BackupServerCertificate | Out-Null").ok();
    // Warm the precompiled-component cache, which the host itself writes.
    assert_eq!(sb.run("Import-Module ./hostile.wasm").code, 0);
    let other = thumbprints(
        &sb.run("New-SelfSignedCertificate -DnsName other.tech.local")
            .ok()
            .stdout,
    )
    .remove(0);
    (sb, other)
}

/// What the module could change: the stores, the bindings, the slot, the files.
fn snapshot(sb: &Sandbox) -> String {
    let state = sb
        .run("Get-ChildItem Cert:\\LocalMachine\\My; Get-ChildItem Cert:\\LocalMachine\\Root; netsh http show sslcert; (Get-BackupServerCertificate).Thumbprint")
        .ok()
        .stdout;
    let mut files: Vec<String> = std::fs::read_dir(sb.dir.path())
        .unwrap()
        .chain(std::fs::read_dir(sb.home().join("cache")).unwrap())
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    format!("{state}\n{}", files.join("\n"))
}

/// Each hostile attempt, as a script line, with the capability that allows it.
fn attempts(sb: &Sandbox, other: &str) -> Vec<(&'static str, String)> {
    let cache = sb.home().join("cache").join("planted.cwasm");
    vec![
        ("PrivateKeys", "Get-StolenKey My".into()),
        ("FilesRead", "Read-AnyFile /etc/passwd".into()),
        ("FilesWrite", format!("Write-AnyFile '{}'", cache.display())),
        (
            "FilesWrite",
            "Write-AnyFile /tmp/certhost-hostile-outside".into(),
        ),
        (
            "StoreWrite",
            "Add-PlantedCertificate Root 3003020100".into(),
        ),
        (
            "Bindings",
            format!("Set-HijackedBinding 0.0.0.0:9419 {other}"),
        ),
        ("Server", "Get-SlotThumbprint BackupServer".into()),
    ]
}

#[test]
fn with_no_grant_every_attempt_is_denied_and_nothing_changes() {
    let (sb, other) = setup();
    let _ = std::fs::remove_file("/tmp/certhost-hostile-outside");
    let before = snapshot(&sb);
    for (capability, line) in attempts(&sb, &other) {
        let out = sb.run(&format!("Import-Module ./hostile.wasm\n{line}"));
        // Only the import's warning reaches stdout (warnings go there, as in pwsh).
        assert!(
            out.stdout.lines().all(|l| l.starts_with("WARNING: ")),
            "{line}: {}",
            out.stdout
        );
        let expected = if capability == "PrivateKeys" {
            "StoreRead"
        } else {
            capability
        };
        // The refusal, and the capability named by it or by the import's warning.
        assert!(
            out.stderr.contains("permission denied")
                && (out.stderr.contains(expected) || out.stdout.contains(expected)),
            "{line}: {}",
            out.stderr
        );
        assert_ne!(out.code, 0, "{line}");
    }
    assert_eq!(snapshot(&sb), before);
    assert!(!std::path::Path::new("/tmp/certhost-hostile-outside").exists());
    // Messages and primitives are the default grants.
    let out = sb.run("Import-Module ./hostile.wasm\nInvoke-Kdf\nWrite-Note");
    let output: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("WARNING: "))
        .collect();
    assert_eq!((out.code, output), (0, vec!["derived 16 bytes", "noted"]));
    assert!(
        out.stdout.contains("WARNING: a note from the module"),
        "{}",
        out.stdout
    );
}

#[test]
fn importing_warns_of_ungranted_interfaces_and_get_module_shows_grants() {
    let (sb, _) = setup();
    let out = sb.run("Import-Module ./hostile.wasm");
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("certhost:plugin/store") && out.stdout.contains("-Allow"),
        "{}",
        out.stdout
    );
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(HOSTILE).unwrap()))
    };
    let out = sb
        .run("$WarningPreference = 'SilentlyContinue'\nImport-Module ./hostile.wasm -Allow StoreRead,Bindings,Server,Files\n$m = Get-Module hostile\n$m.Sha256\n$m.Grants -join ','")
        .ok();
    assert!(out.stdout.contains(&sha), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("Messages,Primitives,StoreRead,FilesRead,FilesWrite,Bindings,Server"),
        "{}",
        out.stdout
    );
    let out = sb.run("Import-Module ./hostile.wasm -Allow Root");
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("'Root' is not a capability"),
        "{}",
        out.stderr
    );
}

#[test]
fn each_grant_allows_exactly_its_capability() {
    let (sb, other) = setup();
    let run = |allow: &str, line: &str| {
        sb.run(&format!(
            "$WarningPreference = 'SilentlyContinue'\nImport-Module ./hostile.wasm -Allow {allow}\n{line}"
        ))
    };
    // Store read without keys: the certificates, no key.
    let out = run("StoreRead", "Get-StolenKey My").ok();
    assert_eq!(out.stdout, "certificates: 2, private keys: 0\n");
    let out = run("PrivateKeys", "Get-StolenKey My").ok();
    assert_eq!(out.stdout, "certificates: 2, private keys: 2\n");
    let out = run("StoreRead", "Add-PlantedCertificate Root 3003020100");
    assert!(out.stderr.contains("StoreWrite"), "{}", out.stderr);
    // Limited to one store.
    let out = run("StoreRead -AllowStore Root", "Get-StolenKey My");
    assert!(
        out.stderr.contains("only the store(s) Root"),
        "{}",
        out.stderr
    );

    // Files: the working directory, never the state directory, not elsewhere.
    let out = run("FilesRead", "Read-AnyFile inside.txt").ok();
    assert_eq!(out.stdout, "read 6 bytes\n");
    let out = run("FilesRead", "Read-AnyFile /etc/passwd");
    assert!(out.stderr.contains("-AllowPath"), "{}", out.stderr);
    let out = run("FilesRead", "Write-AnyFile out.txt");
    assert!(out.stderr.contains("FilesWrite"), "{}", out.stderr);
    let out = run("FilesWrite", "Write-AnyFile out.txt").ok();
    assert_eq!(out.stdout, "written\n");
    assert_eq!(std::fs::read(sb.path("out.txt")).unwrap(), b"pwned\n");
    let planted = sb.home().join("cache").join("planted.cwasm");
    let out = run("Files", &format!("Write-AnyFile '{}'", planted.display()));
    assert!(out.stderr.contains("state directory"), "{}", out.stderr);
    assert!(!planted.exists());
    let out = run("Files", "Write-AnyFile home/certhost.db");
    assert!(out.stderr.contains("state directory"), "{}", out.stderr);

    // Bindings: re-pointing works only with the grant.
    let out = run(
        "Server",
        &format!("Set-HijackedBinding 0.0.0.0:9419 {other}"),
    );
    assert!(out.stderr.contains("Bindings"), "{}", out.stderr);
    let out = run(
        "Bindings",
        &format!("Set-HijackedBinding 0.0.0.0:9419 {other}"),
    )
    .ok();
    assert_eq!(out.stdout, "0.0.0.0:9419 re-pointed\n");
    let shown = sb.run("netsh http show sslcert ipport=0.0.0.0:9419").ok();
    assert!(
        shown.stdout.contains(&other.to_ascii_lowercase()) || shown.stdout.contains(&other),
        "{}",
        shown.stdout
    );

    // Server slots.
    let out = run("Bindings", "Get-SlotThumbprint BackupServer");
    assert!(out.stderr.contains("Server"), "{}", out.stderr);
    let out = run("Server", "Get-SlotThumbprint BackupServer").ok();
    assert_eq!(out.stdout.trim().len(), 40, "{}", out.stdout);
}

#[test]
fn a_link_followed_by_dot_dot_does_not_lead_out_of_the_grant() {
    let (sb, _) = setup();
    std::fs::create_dir(sb.path("sub")).unwrap();
    std::os::unix::fs::symlink(sb.home().join("cache"), sb.path("sub/hcache")).unwrap();
    std::os::unix::fs::symlink("/etc/ssl", sb.path("sub/ssl")).unwrap();
    let db = sb.home().join("certhost.db");
    let before = std::fs::read(&db).unwrap();
    for line in [
        "Read-AnyFile 'sub/hcache/../certhost.db'",
        "Write-AnyFile 'sub/hcache/../certhost.db'",
        "Read-AnyFile 'sub/ssl/../passwd'",
        "Write-AnyFile 'sub/ssl/../../tmp/certhost-hostile-outside'",
    ] {
        let out = sb.run(&format!(
            "$WarningPreference = 'SilentlyContinue'\nImport-Module ./hostile.wasm -Allow Files\n{line}"
        ));
        assert_eq!(out.stdout, "", "{line}");
        assert!(
            out.stderr.contains("permission denied"),
            "{line}: {}",
            out.stderr
        );
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(!std::path::Path::new("/tmp/certhost-hostile-outside").exists());
}

#[test]
fn a_module_cannot_replace_another_command_but_replaces_its_own_import() {
    let (sb, _) = setup();
    // The certificate component's own cmdlets, offered again by an imported file.
    std::fs::copy(
        env!("CERTHOST_PORTABLE_GUEST_WASM"),
        sb.path("lookalike.wasm"),
    )
    .unwrap();
    let out = sb.run(
        "Import-Module ./lookalike.wasm -Allow Store\nGet-Module | ForEach-Object { $_.Name }",
    );
    assert!(
        out.stderr.contains("already a command of certhost")
            && out.stderr.contains("nothing was imported"),
        "{}",
        out.stderr
    );
    let modules: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("WARNING: "))
        .collect();
    assert_eq!(modules, ["certhost-guest"]);
    // Another file with the same cmdlets as an imported module.
    std::fs::copy(HOSTILE, sb.path("twin.wasm")).unwrap();
    let out = sb.run(
        "$WarningPreference = 'SilentlyContinue'\nImport-Module ./hostile.wasm\nImport-Module ./twin.wasm",
    );
    assert!(
        out.stderr
            .contains("already a command of the module 'hostile'"),
        "{}",
        out.stderr
    );
    // The same file again replaces the first import, with the new grants.
    let out = sb
        .run("$WarningPreference = 'SilentlyContinue'\nImport-Module ./hostile.wasm\nImport-Module ./hostile.wasm -Allow StoreRead\n(Get-Module hostile | Measure-Object).Count\nGet-StolenKey My\n(Get-Command Get-StolenKey).Source")
        .ok();
    assert_eq!(out.stdout, "1\ncertificates: 2, private keys: 0\nhostile\n");
}
