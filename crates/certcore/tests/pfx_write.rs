//! PFX files certhost writes, read back by certhost and by openssl, Python
//! `cryptography` and keytool, with friendly names and passwords in ASCII, accented
//! Latin and beyond the Basic Multilingual Plane (emoji).

// They run openssl, Python and keytool: not inside wasm32-wasip2, which has no processes.
#![cfg(not(target_os = "wasi"))]

use certhost_core::generate::{GenerateRequest, generate_self_signed};
use certhost_core::keys::KeyAlgorithm;
use certhost_core::pkcs12::{PfxContents, PfxProfile, PfxProtection, read_pfx, write_pfx};
use certhost_primitives::Software;
use std::io::Write;
use std::process::{Command, Stdio};

const NAMES: [&str; 3] = [
    "Backup server",
    "Sauvegarde é ü ñ Łódź",
    "Backup 🔐 server 🚀",
];
const PROFILES: [PfxProfile; 2] = [PfxProfile::Aes256Sha256, PfxProfile::TripleDesSha1];

fn certificate() -> certhost_core::generate::GeneratedCertificate {
    let mut request = GenerateRequest::server_default(1_800_000_000);
    request.dns_names = vec!["backup01.tech.local".into()];
    request.key = KeyAlgorithm::EcdsaP256;
    generate_self_signed(&request, &Software).unwrap()
}

fn pfx(name: &str, password: &str, profile: PfxProfile) -> Vec<u8> {
    let generated = certificate();
    let contents = PfxContents {
        certificate: &generated.certificate,
        private_key: Some(&generated.private_key),
        chain: &[],
        friendly_name: name,
    };
    let protection = PfxProtection {
        password,
        profile,
        iterations: 2048,
    };
    write_pfx(&contents, &protection, &Software).unwrap()
}

/// Runs a tool with the password in the environment (never in its arguments) and
/// `stdin` on its standard input.
fn run(program: &str, args: &[&str], password: &str, stdin: &[u8]) -> (bool, String) {
    let mut child = Command::new(program)
        .args(args)
        .env("PFX_PASSWORD", password)
        // Java reads the environment in the locale's charset.
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn temp_file(bytes: &[u8], name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("certhost-pfx-write-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn certhost_reads_back_every_name_and_password() {
    for profile in PROFILES {
        for (i, name) in NAMES.iter().enumerate() {
            let password = NAMES[(i + 1) % NAMES.len()];
            let entries = read_pfx(&pfx(name, password, profile), password, &Software).unwrap();
            assert_eq!(entries.len(), 1);
            assert_eq!(
                entries[0].friendly_name.as_deref(),
                Some(*name),
                "{profile:?}"
            );
            assert!(entries[0].private_key.is_some());
        }
    }
}

/// A fresh certificate's key and certificate as PEM files of their own, for the other
/// tools to package.
fn pem_files(prefix: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let generated = certificate();
    let key = certhost_core::pem::encode_pem("PRIVATE KEY", &generated.private_key);
    let cert = certhost_core::pem::encode_pem("CERTIFICATE", &generated.certificate);
    // Tests run in parallel threads: each pair gets files of its own.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (
        temp_file(key.as_bytes(), &format!("{prefix}-{n}-key.pem")),
        temp_file(cert.as_bytes(), &format!("{prefix}-{n}-cert.pem")),
    )
}

/// A PFX Python `cryptography` writes for the same certificate, name and password.
fn pyca_pfx(name: &str, password: &str) -> Vec<u8> {
    let (key, cert) = pem_files("pyca");
    let script = "import os, sys\n\
from cryptography import x509\n\
from cryptography.hazmat.primitives import serialization\n\
from cryptography.hazmat.primitives.serialization import pkcs12\n\
key = serialization.load_pem_private_key(open(sys.argv[1], 'rb').read(), None)\n\
cert = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())\n\
pw = os.environ['PFX_PASSWORD'].encode()\n\
sys.stdout.buffer.write(pkcs12.serialize_key_and_certificates(sys.argv[3].encode(), key, cert, None, serialization.BestAvailableEncryption(pw)))\n";
    let out = Command::new("python3")
        .args([
            "-c",
            script,
            key.to_str().unwrap(),
            cert.to_str().unwrap(),
            name,
        ])
        .env("PFX_PASSWORD", password)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The friendlyName lines `openssl pkcs12 -info` prints for a file.
fn openssl_names(file: &[u8], password: &str, legacy: bool) -> Vec<String> {
    let mut args = vec!["pkcs12", "-info", "-nodes", "-passin", "env:PFX_PASSWORD"];
    if legacy {
        args.push("-legacy");
    }
    let (ok, out) = run("openssl", &args, password, file);
    assert!(ok, "{out}");
    assert!(out.contains("BEGIN PRIVATE KEY"), "{out}");
    out.lines()
        .filter(|l| l.trim_start().starts_with("friendlyName:"))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn openssl_shows_the_friendly_name_on_both_bags_as_for_python_cryptographys_file() {
    // OpenSSL 3.0 prints a BMPString byte by byte, so the oracle is how it prints the same
    // name in a file Python `cryptography` wrote, not the name itself.
    for profile in PROFILES {
        for (i, name) in NAMES.iter().enumerate() {
            let password = NAMES[(i + 2) % NAMES.len()];
            let ours = openssl_names(
                &pfx(name, password, profile),
                password,
                profile == PfxProfile::TripleDesSha1,
            );
            let theirs = openssl_names(&pyca_pfx(name, password), password, false);
            assert_eq!(ours.len(), 2, "{profile:?} {name}: {ours:?}");
            assert!(
                ours.iter().all(|l| *l == theirs[0]),
                "{profile:?} {name}: {ours:?} {theirs:?}"
            );
        }
    }
    let ascii = openssl_names(&pfx(NAMES[0], "pw", PfxProfile::Aes256Sha256), "pw", false);
    assert_eq!(ascii[0], format!("friendlyName: {}", NAMES[0]));
}

#[test]
fn python_cryptography_reads_our_names_as_it_reads_its_own() {
    // cryptography (on OpenSSL 3) reads no name beyond the BMP, even from its own files:
    // the oracle is what it reads from the file it wrote itself.
    let script = "import os, sys\n\
from cryptography.hazmat.primitives.serialization import pkcs12\n\
p = pkcs12.load_pkcs12(sys.stdin.buffer.read(), os.environ['PFX_PASSWORD'].encode())\n\
assert p.key is not None\n\
sys.stdout.write(repr(p.cert.friendly_name))\n";
    for profile in PROFILES {
        for name in NAMES {
            let password = name;
            let (ok, ours) = run(
                "python3",
                &["-c", script],
                password,
                &pfx(name, password, profile),
            );
            assert!(ok, "{profile:?} {name}: {ours}");
            let (ok, theirs) = run(
                "python3",
                &["-c", script],
                password,
                &pyca_pfx(name, password),
            );
            assert!(ok, "{theirs}");
            assert_eq!(ours, theirs, "{profile:?} {name}");
        }
    }
}

#[test]
fn keytool_lists_the_friendly_name_as_the_alias() {
    // keytool opens no PKCS#12 with a non-ASCII password, not even Python
    // `cryptography`'s, so the password here is ASCII.
    for profile in PROFILES {
        for name in NAMES {
            let password = "S3cret!";
            let path = temp_file(&pfx(name, password, profile), "keytool.pfx");
            let args = [
                "-list",
                "-keystore",
                path.to_str().unwrap(),
                "-storetype",
                "PKCS12",
                "-storepass:env",
                "PFX_PASSWORD",
            ];
            let (ok, out) = run("keytool", &args, password, b"");
            assert!(ok, "{profile:?} {name}: {out}");
            assert!(
                out.to_lowercase()
                    .contains(&format!("{}, ", name.to_lowercase())),
                "{profile:?} {name}: {out}"
            );
            assert!(out.contains("PrivateKeyEntry"), "{out}");
        }
    }
}

#[test]
fn names_written_by_openssl_and_python_cryptography_are_read() {
    for name in NAMES {
        let password = name;
        let entries = read_pfx(&pyca_pfx(name, password), password, &Software).unwrap();
        assert_eq!(
            entries[0].friendly_name.as_deref(),
            Some(name),
            "cryptography"
        );
    }
    // openssl 3.0's -name takes ASCII only.
    let (key, cert) = pem_files("openssl");
    for password in NAMES {
        let args = [
            "pkcs12",
            "-export",
            "-inkey",
            key.to_str().unwrap(),
            "-in",
            cert.to_str().unwrap(),
            "-name",
            NAMES[0],
            "-passout",
            "env:PFX_PASSWORD",
        ];
        let out = Command::new("openssl")
            .args(args)
            .env("PFX_PASSWORD", password)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let entries = read_pfx(&out.stdout, password, &Software).unwrap();
        assert_eq!(
            entries[0].friendly_name.as_deref(),
            Some(NAMES[0]),
            "openssl"
        );
    }
}
