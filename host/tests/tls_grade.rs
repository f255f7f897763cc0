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
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/sslyze/bin/sslyze");
    assert!(
        path.exists(),
        "sslyze is missing at {}: run scripts/setup.sh, which makes its virtual environment",
        path.display()
    );
    path
}

/// Runs openssl in `dir`; it must succeed.
fn openssl_in(dir: &std::path::Path, args: &[&str]) {
    let out = run_of(
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "openssl {args:?}: {}", out.stderr);
}

/// Makes a certificate and key (files in the sandbox) the backup server certificate,
/// from another process while the server runs.
fn assign(server: &Server, certificate: &str, key: &str) {
    let command = format!(
        "Add-BackupServerCertificate -CertificatePath {certificate} -PrivateKeyPath {key} | Out-Null"
    );
    run_of(
        server
            .sb
            .command()
            .args(["-NonInteractive", "-Command", &command])
            .output()
            .unwrap(),
    )
    .ok();
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
        .split("COMPLIANCE AGAINST TLS CONFIGURATION")
        .nth(1)
        .unwrap_or_else(|| panic!("no Mozilla verdict in sslyze's output:\n{text}"));
    let issues: Vec<String> = verdict
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("* "))
        .map(|l| l.split(':').next().unwrap_or(l).trim().to_string())
        .collect();
    if issues.is_empty() {
        assert!(verdict.contains("OK - Compliant."), "{text}");
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
    let openssl = |args: &[&str]| openssl_in(dir, args);
    // A CA, and a one-year server certificate from it, as an internal CA would issue.
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        "grade-ca.key",
        "-out",
        "grade-ca.pem",
        "-days",
        "730",
        "-subj",
        "/CN=Grade Test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "grade.key",
        "-out",
        "grade.csr",
        "-subj",
        "/CN=backup01.tech.local",
    ]);
    std::fs::write(
        dir.join("grade.ext"),
        "subjectAltName=DNS:backup01.tech.local,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "grade.csr",
        "-CA",
        "grade-ca.pem",
        "-CAkey",
        "grade-ca.key",
        "-CAcreateserial",
        "-days",
        "365",
        "-sha256",
        "-extfile",
        "grade.ext",
        "-out",
        "grade.pem",
    ]);
    assign(&s, "grade.pem", "grade.key");
    let expected = openssl_thumbprint(&dir.join("grade.pem"), false);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while s.presented(Some("backup01.tech.local"), s.port) != expected {
        assert!(
            std::time::Instant::now() < deadline,
            "the new certificate is not served"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (issues, text) = grade(&s, Some(&dir.join("grade-ca.pem")));
    assert!(issues.is_empty(), "{text}");
}

/// A certificate whose issuer runs an OCSP responder (Python `cryptography`'s OCSP
/// builder, on loopback) is served with the responder's answer stapled, as `openssl
/// s_client -status` sees.
#[test]
fn an_ocsp_answer_is_stapled_when_the_certificate_names_a_responder() {
    let s = Server::start(&[]);
    let dir = s.sb.dir.path();
    let openssl = |args: &[&str]| openssl_in(dir, args);
    let responder_port = free_port();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ocsp-ca.key",
        "-out",
        "ocsp-ca.pem",
        "-days",
        "730",
        "-subj",
        "/CN=OCSP Test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    std::fs::write(
        dir.join("stapled.ext"),
        format!(
            "subjectAltName = DNS:backup01.tech.local,IP:127.0.0.1\n\
             extendedKeyUsage = serverAuth\n\
             authorityInfoAccess = OCSP;URI:http://127.0.0.1:{responder_port}\n"
        ),
    )
    .unwrap();
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "stapled.key",
        "-out",
        "stapled.csr",
        "-subj",
        "/CN=backup01.tech.local",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "stapled.csr",
        "-CA",
        "ocsp-ca.pem",
        "-CAkey",
        "ocsp-ca.key",
        "-set_serial",
        "4097",
        "-days",
        "365",
        "-sha256",
        "-extfile",
        "stapled.ext",
        "-out",
        "stapled.pem",
    ]);
    let chain = [
        std::fs::read_to_string(dir.join("stapled.pem")).unwrap(),
        std::fs::read_to_string(dir.join("ocsp-ca.pem")).unwrap(),
    ]
    .concat();
    std::fs::write(dir.join("stapled-chain.pem"), chain).unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tools/ocsp_responder.py");
    let mut responder = std::process::Command::new("python3")
        .arg(script)
        .args([
            &responder_port.to_string(),
            "ocsp-ca.pem",
            "ocsp-ca.key",
            "stapled.pem",
        ])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(responder_port, true);
    assign(&s, "stapled-chain.pem", "stapled.key");
    let status = || {
        let mut child = std::process::Command::new("openssl")
            .args([
                "s_client",
                "-connect",
                &format!("127.0.0.1:{}", s.port),
                "-servername",
                "backup01.tech.local",
                "-status",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        drop(child.stdin.take());
        String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout).into_owned()
    };
    // The staple arrives within the check interval (10 s) of the certificate being served.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let text = loop {
        let text = status();
        if text.contains("OCSP Response Status: successful") || std::time::Instant::now() > deadline
        {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let _ = responder.kill();
    let _ = responder.wait();
    assert!(
        text.contains("OCSP Response Status: successful"),
        "{text}\n{}",
        s.log()
    );
    assert!(text.contains("Cert Status: good"), "{text}");
    assert!(text.contains("Serial Number: 1001"), "{text}");
}
