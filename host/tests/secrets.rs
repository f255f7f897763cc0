//! Private keys at rest through the real binary: the database holds no key in the
//! clear, the root key is made on first use (a key file or a systemd credential), a
//! missing root key is an error that says what to restore, and a store's backup is one
//! PFX that openssl reads (its password given on stdin, never as an argument) and that
//! Restore-CertificateStore brings back. docs/secrets.md describes the design.

mod common;
use base64::Engine;
use common::*;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

const PASSWORD: &str = "Backup-P@ss-1";

/// `certhost -Command <script>` with new root keys from `provider`.
fn run_with(sb: &Sandbox, provider: &str, script: &str) -> Run {
    run_of(
        sb.command()
            .env("CERTHOST_ROOT_KEY_PROVIDER", provider)
            .args(["-NonInteractive", "-Command", script])
            .output()
            .expect("run certhost"),
    )
}

/// openssl with `password` on its standard input.
fn openssl_with_password(args: &[&str], password: &str) -> Run {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run openssl");
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(format!("{password}\n").as_bytes());
    drop(stdin);
    run_of(child.wait_with_output().unwrap())
}

/// The DER of every PEM block labelled `label` in `text`.
fn pem_blocks(text: &str, label: &str) -> Vec<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    text.split(begin.as_str())
        .skip(1)
        .filter_map(|rest| rest.split(end.as_str()).next())
        .map(|body| {
            let b64: String = body.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap()
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The database file and its WAL.
fn database_bytes(home: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(home.join("certhost.db")).unwrap();
    if let Ok(wal) = std::fs::read(home.join("certhost.db-wal")) {
        bytes.extend_from_slice(&wal);
    }
    bytes
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_store_backup_is_one_pfx_that_openssl_reads_and_restore_brings_back() {
    let sb = Sandbox::new();
    let made = run_with(
        &sb,
        "file",
        "New-SelfSignedCertificate -DnsName one.tech.local -FriendlyName 'First one' | Out-Null
         New-SelfSignedCertificate -DnsName two.tech.local -KeyAlgorithm ECDSA_nistP256 | Out-Null
         (Get-ChildItem Cert:\\LocalMachine\\My | Measure-Object).Count",
    )
    .ok();
    assert_eq!(made.stdout.trim(), "2");
    let home = sb.home();
    assert_eq!(mode(&home.join("root-key-v1")), 0o600);
    assert!(!home.join("root-key-v1.cred").exists());

    let backup = run_with(
        &sb,
        "file",
        &format!(
            "$pw = ConvertTo-SecureString '{PASSWORD}' -AsPlainText -Force
             Backup-CertificateStore -StoreName My -Path ./store.pfx -Password $pw | Format-List StoreName, Certificates, PrivateKeys"
        ),
    )
    .ok();
    assert!(
        words(&backup.stdout).contains("StoreName : My Certificates : 2 PrivateKeys : 2"),
        "{}",
        backup.stdout
    );
    let pfx = sb.path("store.pfx");
    assert_eq!(mode(&pfx), 0o600);

    let certs = openssl_with_password(
        &[
            "pkcs12",
            "-in",
            pfx.to_str().unwrap(),
            "-passin",
            "stdin",
            "-nokeys",
        ],
        PASSWORD,
    );
    assert_eq!(certs.code, 0, "{}", certs.stderr);
    assert_eq!(
        certs.stdout.matches("BEGIN CERTIFICATE").count(),
        2,
        "{}",
        certs.stdout
    );
    assert!(
        certs.stdout.contains("friendlyName: First one"),
        "{}",
        certs.stdout
    );
    let keys = openssl_with_password(
        &[
            "pkcs12",
            "-in",
            pfx.to_str().unwrap(),
            "-passin",
            "stdin",
            "-nocerts",
            "-nodes",
        ],
        PASSWORD,
    );
    assert_eq!(keys.code, 0, "{}", keys.stderr);
    let keys = pem_blocks(&keys.stdout, "PRIVATE KEY");
    assert_eq!(keys.len(), 2);

    // The RSA key is not in the database file or its WAL in the clear. (Only private
    // parts are looked for: the private exponent and the CRT coefficient at the end;
    // the modulus, and an EC key's public point, are in the certificate too.)
    let stored = database_bytes(&home);
    let rsa: Vec<&Vec<u8>> = keys.iter().filter(|k| k.len() > 1000).collect();
    assert_eq!(rsa.len(), 1, "one RSA and one EC key");
    for key in rsa {
        assert!(!contains(&stored, &key[key.len() - 40..]));
        assert!(!contains(&stored, &key[340..380]));
    }

    // Another machine: a state directory of its own, another root key.
    let other = Sandbox::new();
    let restored = run_with(
        &other,
        "file",
        &format!(
            "$pw = ConvertTo-SecureString '{PASSWORD}' -AsPlainText -Force
             New-Item Cert:\\LocalMachine\\Restored | Out-Null
             Restore-CertificateStore -Path '{}' -Password $pw -StoreName Restored | Sort-Object Subject | Format-Table Subject, HasPrivateKey, FriendlyName",
            pfx.display()
        ),
    )
    .ok();
    let table = words(&restored.stdout);
    assert!(
        table.contains("CN=one.tech.local True First one"),
        "{table}"
    );
    assert!(table.contains("CN=two.tech.local True"), "{table}");
    let other_key = std::fs::read(other.home().join("root-key-v1")).unwrap();
    assert_ne!(other_key, std::fs::read(home.join("root-key-v1")).unwrap());
    let exported = run_with(
        &other,
        "file",
        "$c = Get-ChildItem Cert:\\LocalMachine\\Restored | Where-Object Subject -eq 'CN=one.tech.local'
         Export-PfxCertificate -Cert $c -FilePath ./one.pfx -Password (ConvertTo-SecureString 'x' -AsPlainText -Force) | Out-Null
         'exported'",
    )
    .ok();
    assert_eq!(exported.stdout.trim(), "exported");
}

#[test]
fn a_wrong_password_restores_nothing() {
    let sb = Sandbox::new();
    run_with(
        &sb,
        "file",
        &format!(
            "New-SelfSignedCertificate -DnsName one.tech.local | Out-Null
             Backup-CertificateStore -Path ./store.pfx -Password (ConvertTo-SecureString '{PASSWORD}' -AsPlainText -Force) | Out-Null"
        ),
    )
    .ok();
    let wrong = run_with(
        &sb,
        "file",
        "New-Item Cert:\\LocalMachine\\Restored | Out-Null
         Restore-CertificateStore -Path ./store.pfx -Password (ConvertTo-SecureString 'guess-1' -AsPlainText -Force) -StoreName Restored",
    );
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("wrong password"), "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("nothing was restored"),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains("guess-1"));
    let count = run_with(
        &sb,
        "file",
        "(Get-ChildItem Cert:\\LocalMachine\\Restored | Measure-Object).Count",
    )
    .ok();
    assert_eq!(count.stdout.trim(), "0");
    let wrong = openssl_with_password(
        &[
            "pkcs12",
            "-in",
            sb.path("store.pfx").to_str().unwrap(),
            "-passin",
            "stdin",
            "-nokeys",
        ],
        "guess-1",
    );
    assert_ne!(wrong.code, 0);
}

#[test]
fn an_empty_store_or_password_is_refused() {
    let sb = Sandbox::new();
    let empty = run_with(
        &sb,
        "file",
        "Backup-CertificateStore -StoreName WebHosting -Path ./web.pfx -Password (ConvertTo-SecureString 'x1' -AsPlainText -Force)",
    );
    assert_eq!(empty.code, 1);
    assert!(
        empty.stderr.contains("holds no certificates"),
        "{}",
        empty.stderr
    );
    assert!(!sb.path("web.pfx").exists());
    let no_password = run_with(
        &sb,
        "file",
        "New-SelfSignedCertificate -DnsName one.tech.local | Out-Null
         Backup-CertificateStore -Path ./my.pfx -Password ''",
    );
    assert_eq!(no_password.code, 1);
    assert!(
        no_password.stderr.contains("give a password"),
        "{}",
        no_password.stderr
    );
}

#[test]
fn a_missing_root_key_names_the_certificate_and_what_to_restore() {
    let sb = Sandbox::new();
    let made = run_with(
        &sb,
        "file",
        "(New-SelfSignedCertificate -DnsName lost.tech.local).Thumbprint",
    )
    .ok();
    let thumbprint = made.stdout.trim().to_string();
    std::fs::remove_file(sb.home().join("root-key-v1")).unwrap();
    // Listing needs no key.
    let listed = run_with(
        &sb,
        "file",
        "Get-ChildItem Cert:\\LocalMachine\\My | ForEach-Object HasPrivateKey",
    )
    .ok();
    assert_eq!(listed.stdout.trim(), "True");
    let backup = run_with(
        &sb,
        "file",
        "Backup-CertificateStore -Path ./my.pfx -Password (ConvertTo-SecureString 'x1' -AsPlainText -Force)",
    );
    assert_eq!(backup.code, 1);
    for part in [
        thumbprint.as_str(),
        "root-key-v1",
        "Restore-CertificateStore",
    ] {
        assert!(
            backup.stderr.contains(part),
            "{part} not in: {}",
            backup.stderr
        );
    }
    assert!(!backup.stderr.contains("no private key"));
}

#[test]
fn an_unknown_provider_is_refused_only_when_a_key_is_stored() {
    let sb = Sandbox::new();
    run_with(
        &sb,
        "tpm9",
        "Get-ChildItem Cert:\\LocalMachine\\My | Out-Null; 'fine'",
    )
    .ok();
    let made = run_with(
        &sb,
        "tpm9",
        "New-SelfSignedCertificate -DnsName one.tech.local | Out-Null",
    );
    assert_eq!(made.code, 1);
    assert!(
        made.stderr.contains("CERTHOST_ROOT_KEY_PROVIDER"),
        "{}",
        made.stderr
    );
}

#[test]
fn systemd_creds_keeps_the_root_key_where_it_works() {
    let probe = Command::new("systemd-creds")
        .args(["encrypt", "--name=certhost-probe", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .and_then(|mut child| {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(&[7u8; 32]);
            }
            child.wait()
        });
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("systemd-creds encrypt does not work here (not root?): skipped");
        return;
    }
    let sb = Sandbox::new();
    run_with(
        &sb,
        "systemd-creds",
        "New-SelfSignedCertificate -DnsName creds.tech.local | Out-Null",
    )
    .ok();
    let credential = sb.home().join("root-key-v1.cred");
    assert_eq!(mode(&credential), 0o600);
    assert!(!sb.home().join("root-key-v1").exists());
    // Read back (the provider recorded for version 1 is used, whatever the variable says).
    let exported = run_with(
        &sb,
        "file",
        "Get-ChildItem Cert:\\LocalMachine\\My | Export-PfxCertificate -FilePath ./c.pfx -Password (ConvertTo-SecureString 'x1' -AsPlainText -Force) | Out-Null; 'ok'",
    )
    .ok();
    assert_eq!(exported.stdout.trim(), "ok");
}
