//! Every PKCS#12 file other tools made (tests/fixtures/pfx-samples, see its MANIFEST.tsv)
//! imports with the right key and certificate count; a wrong password says so.

use certhost_core::CertError;
use certhost_core::inspect::inspect;
use certhost_core::pem::parse_certificates;
use certhost_core::pkcs12::read_pfx;
use certhost_primitives::Software;
use std::path::PathBuf;

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pfx-samples")
}

struct Sample {
    file: String,
    password: String,
    has_key: bool,
    certs: usize,
}

fn manifest() -> Vec<Sample> {
    let dir = samples_dir();
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let unicode = std::fs::read_to_string(dir.join("openssl/unicode-pw.txt")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let password = if cols[0].contains("unicode-pw") {
                unicode.trim().to_string()
            } else {
                cols[1].to_string()
            };
            Sample {
                file: cols[0].into(),
                password,
                has_key: cols[4] != "None",
                certs: cols[5].parse().unwrap(),
            }
        })
        .collect()
}

/// The PEM certificate made beside a sample (`dir/<name up to the first dot>.crt`).
/// mkcert's .crt files come from a separate run (other key, no CN), so they are skipped;
/// its leaf is checked against openssl in the host's interop tests.
fn companion_crt(file: &str) -> Option<Vec<u8>> {
    if file.starts_with("mkcert/") {
        return None;
    }
    let path = samples_dir().join(file);
    let stem = path.file_name()?.to_str()?.split('.').next()?.to_string();
    let crt = path.with_file_name(format!("{stem}.crt"));
    std::fs::read(crt).ok()
}

#[test]
fn every_sample_imports_with_the_right_key_and_certificate_count() {
    let samples = manifest();
    assert!(
        samples.len() >= 38,
        "manifest lists {} files",
        samples.len()
    );
    for s in &samples {
        let data = std::fs::read(samples_dir().join(&s.file)).unwrap();
        let entries =
            read_pfx(&data, &s.password, &Software).unwrap_or_else(|e| panic!("{}: {e}", s.file));
        let keyed = entries.iter().filter(|e| e.private_key.is_some()).count();
        assert_eq!(keyed, usize::from(s.has_key), "{}: keys", s.file);
        let total = if s.has_key {
            entries.len() + entries[0].chain.len()
        } else {
            entries.len()
        };
        assert_eq!(total, s.certs, "{}: certificate count", s.file);
        if let Some(crt) = companion_crt(&s.file) {
            let expected = inspect(&parse_certificates(&crt).unwrap()[0])
                .unwrap()
                .thumbprint;
            assert_eq!(
                inspect(&entries[0].certificate).unwrap().thumbprint,
                expected,
                "{}: leaf",
                s.file
            );
        }
    }
}

#[test]
fn a_wrong_password_is_reported_as_wrong_password_for_every_sample() {
    for s in manifest() {
        let data = std::fs::read(samples_dir().join(&s.file)).unwrap();
        match read_pfx(&data, "definitely-wrong", &Software) {
            Err(CertError::WrongPassword(_)) => {}
            other => panic!("{}: expected WrongPassword, got {other:?}", s.file),
        }
    }
}

#[test]
fn truncated_or_flipped_files_are_corrupt_not_wrong_password() {
    let data = std::fs::read(samples_dir().join("openssl/rsa2048.modern-aes256.pfx")).unwrap();
    let truncated = &data[..data.len() / 2];
    assert!(matches!(
        read_pfx(truncated, "Test-P@ss1", &Software),
        Err(CertError::Corrupt(_))
    ));
    assert!(matches!(
        read_pfx(b"hello", "x", &Software),
        Err(CertError::Corrupt(_))
    ));
}

#[test]
fn an_unrelated_certificate_is_an_entry_of_its_own_not_the_leafs_chain() {
    // Both certificates are self-signed CN=localhost: neither issued the other, so the
    // extra one is listed on its own, with its own friendly name, as Windows lists it.
    let data = std::fs::read(samples_dir().join("openssl/ec-with-extra-cert.pfx")).unwrap();
    let entries = read_pfx(&data, "Test-P@ss1", &Software).unwrap();
    assert_eq!(entries.len(), 2);
    assert!(entries[0].chain.is_empty());
    assert_eq!(entries[0].friendly_name.as_deref(), Some("leaf"));
    assert!(entries[1].private_key.is_none());
    assert_eq!(entries[1].friendly_name.as_deref(), Some("extra"));
    let key =
        certhost_core::keys::PrivateKey::from_pkcs8_der(entries[0].private_key.as_ref().unwrap())
            .unwrap();
    key.check_matches_certificate(&entries[0].certificate)
        .unwrap();
}
