//! `certhost serve` graded by sslyze against Mozilla's intermediate TLS profile: a
//! CA-signed certificate passes outright; the default (self-signed) certificate passes
//! on everything but its trust path (its lifetime included). sslyze lives in its own
//! virtual environment, made by scripts/setup.sh (or named by $CERTHOST_SSLYZE).

mod common;
use common::server::*;
use common::*;
use std::path::PathBuf;

fn sslyze() -> PathBuf {
    if let Some(path) = std::env::var_os("CERTHOST_SSLYZE") {
        return path.into();
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/sslyze/bin/sslyze");
    assert!(
        path.exists(),
        "sslyze is missing at {}: run scripts/setup.sh, which makes its virtual environment",
        path.display()
    );
    path
}

/// sslyze's verdict against the intermediate profile: the issues it lists (empty when
/// compliant), and its whole output.
fn grade(server: &Server, ca_file: Option<&std::path::Path>) -> (Vec<String>, String) {
    let target = format!("backup01.tech.local:{}{{127.0.0.1}}", server.port);
    let mut command = std::process::Command::new(sslyze());
    command.args(["--mozilla_config=intermediate", &target]);
    if let Some(ca) = ca_file {
        command.arg("--certinfo");
        command.arg(format!("--certinfo_ca_file={}", ca.display()));
    }
    let out = run_of(command.output().unwrap());
    let text = format!("{}{}", out.stdout, out.stderr);
    let verdict = text
        .split("COMPLIANCE AGAINST MOZILLA TLS CONFIGURATION")
        .nth(1)
        .unwrap_or_else(|| panic!("no Mozilla verdict in sslyze's output:\n{text}"));
    let issues: Vec<String> = verdict
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("* "))
        .map(|l| l.split(':').next().unwrap_or(l).trim().to_string())
        .collect();
    if issues.is_empty() {
        assert!(verdict.contains("is compliant"), "{text}");
        assert_eq!(out.code, 0, "{text}");
    }
    (issues, text)
}

#[test]
fn the_default_certificate_fails_only_on_its_self_signature() {
    let s = Server::start(&[]);
    let (issues, text) = grade(&s, None);
    assert_eq!(issues, ["certificate_path_validation"], "{text}");
}

#[test]
fn a_ca_signed_certificate_is_compliant_with_the_intermediate_profile() {
    let s = Server::start(&[]);
    let dir = s.sb.dir.path();
    let openssl = |args: &[&str]| {
        let out = run_of(
            std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .unwrap(),
        );
        assert_eq!(out.code, 0, "openssl {args:?}: {}", out.stderr);
    };
    // A CA, and a one-year server certificate from it, as an internal CA would issue.
    openssl(&[
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "grade-ca.key", "-out", "grade-ca.pem", "-days", "730", "-subj",
        "/CN=Grade Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&[
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "grade.key", "-out", "grade.csr",
        "-subj", "/CN=backup01.tech.local",
    ]);
    std::fs::write(
        dir.join("grade.ext"),
        "subjectAltName=DNS:backup01.tech.local,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    .unwrap();
    openssl(&[
        "x509", "-req", "-in", "grade.csr", "-CA", "grade-ca.pem", "-CAkey", "grade-ca.key",
        "-CAcreateserial", "-days", "365", "-sha256", "-extfile", "grade.ext", "-out", "grade.pem",
    ]);
    run_of(
        s.sb
            .command()
            .args([
                "-NonInteractive",
                "-Command",
                "Add-BackupServerCertificate -CertificatePath grade.pem -PrivateKeyPath grade.key | Out-Null",
            ])
            .output()
            .unwrap(),
    )
    .ok();
    let expected = openssl_thumbprint(&dir.join("grade.pem"), false);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while s.presented(Some("backup01.tech.local"), s.port) != expected {
        assert!(std::time::Instant::now() < deadline, "the new certificate is not served");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (issues, text) = grade(&s, Some(&dir.join("grade-ca.pem")));
    assert!(issues.is_empty(), "{text}");
}
