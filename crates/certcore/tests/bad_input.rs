//! Input other tools refuse is refused here too, and key facts agree with openssl:
//! RSA keys whose stored values disagree with their primes, and the size and kind of
//! DSA, RSA-PSS and explicit-curve keys.

use certhost_core::CertError;
use certhost_core::keys::PrivateKey;
use certhost_core::pem::parse_private_key;
use certhost_primitives::Software;
use der::{Decode, Encode};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/pfx-samples/openssl")
        .join(name)
}

fn openssl(args: &[&str]) -> (bool, Vec<u8>, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    (
        out.status.success(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("certhost-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The fixture's RSA key as PKCS#1 DER with the field `field` (0 = n ... 7 = qInv)
/// changed in its last byte.
fn damaged_rsa_key(field: usize) -> Vec<u8> {
    let key = fixture("rsa2048.key");
    let (ok, pkcs1, err) = openssl(&[
        "rsa",
        "-in",
        key.to_str().unwrap(),
        "-outform",
        "DER",
        "-traditional",
    ]);
    assert!(ok, "{err}");
    let parsed = rsa::pkcs1::RsaPrivateKeyRef::from_der(&pkcs1).unwrap();
    let mut fields: Vec<Vec<u8>> = [
        parsed.modulus,
        parsed.public_exponent,
        parsed.private_exponent,
        parsed.prime1,
        parsed.prime2,
        parsed.exponent1,
        parsed.exponent2,
        parsed.coefficient,
    ]
    .iter()
    .map(|u| u.as_bytes().to_vec())
    .collect();
    let last = fields[field].len() - 1;
    fields[field][last] ^= 0x02;
    let uint = |i: usize| rsa::pkcs1::UintRef::new(&fields[i]).unwrap();
    let damaged = rsa::pkcs1::RsaPrivateKeyRef {
        modulus: uint(0),
        public_exponent: uint(1),
        private_exponent: uint(2),
        prime1: uint(3),
        prime2: uint(4),
        exponent1: uint(5),
        exponent2: uint(6),
        coefficient: uint(7),
        other_prime_infos: None,
    };
    damaged.to_der().unwrap()
}

#[test]
fn rsa_keys_with_damaged_values_are_refused_as_openssl_refuses_them() {
    for (field, what) in [(2, "d"), (5, "dP"), (6, "dQ"), (7, "qInv")] {
        let der = damaged_rsa_key(field);
        let path = scratch(&format!("damaged-{what}.der"));
        std::fs::write(&path, &der).unwrap();
        let (ok, _, _) = openssl(&[
            "pkey",
            "-inform",
            "DER",
            "-in",
            path.to_str().unwrap(),
            "-check",
            "-noout",
        ]);
        assert!(
            !ok,
            "openssl pkey -check refuses a key with a damaged {what}"
        );
        let err = parse_private_key(&der, None, &Software).unwrap_err();
        assert!(matches!(err, CertError::Corrupt(_)), "{what}: {err}");
    }
    // The undamaged key passes both.
    let key = std::fs::read(fixture("rsa2048.key")).unwrap();
    parse_private_key(&key, None, &Software).unwrap();
}

#[test]
fn a_damaged_crt_value_is_named() {
    let err = parse_private_key(&damaged_rsa_key(5), None, &Software).unwrap_err();
    assert!(err.to_string().contains("dP"), "{err}");
}

#[test]
fn a_key_is_stored_as_it_was_checked() {
    let key = std::fs::read(fixture("ec-p256.key")).unwrap();
    let stored = parse_private_key(&key, None, &Software).unwrap();
    assert_eq!(PrivateKey::canonical_pkcs8(&stored).unwrap(), stored);
}

/// A self-signed certificate openssl makes for `key`, and the key size openssl reports.
fn openssl_certificate(key: &Path) -> (Vec<u8>, Option<u32>) {
    let cert = key.with_extension("der");
    let (ok, _, err) = openssl(&[
        "req",
        "-x509",
        "-key",
        key.to_str().unwrap(),
        "-subj",
        "/CN=facts.example",
        "-days",
        "30",
        "-outform",
        "DER",
        "-out",
        cert.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (ok, text, err) = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        cert.to_str().unwrap(),
        "-noout",
        "-text",
    ]);
    assert!(ok, "{err}");
    let text = String::from_utf8_lossy(&text);
    let bits = text
        .lines()
        .find(|l| l.contains("Public-Key: ("))
        .map(|line| {
            line.split('(')
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        });
    (std::fs::read(&cert).unwrap(), bits)
}

#[test]
fn key_facts_of_dsa_rsa_pss_and_explicit_curves_agree_with_openssl() {
    let dsa_params = scratch("dsa.params");
    let (ok, _, err) = openssl(&[
        "genpkey",
        "-genparam",
        "-algorithm",
        "DSA",
        "-pkeyopt",
        "dsa_paramgen_bits:2048",
        "-out",
        dsa_params.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let keys: [(&str, Vec<&str>, &str); 4] = [
        (
            "dsa",
            vec!["genpkey", "-paramfile", dsa_params.to_str().unwrap()],
            "DSA",
        ),
        (
            "pss",
            vec![
                "genpkey",
                "-algorithm",
                "RSA-PSS",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
            ],
            "RSASSA-PSS",
        ),
        (
            "explicit",
            vec![
                "ecparam",
                "-name",
                "prime256v1",
                "-param_enc",
                "explicit",
                "-genkey",
                "-noout",
            ],
            "ECDSA_P256",
        ),
        (
            "ed25519",
            vec!["genpkey", "-algorithm", "ED25519"],
            "Ed25519",
        ),
    ];
    for (name, args, algorithm) in keys {
        let key = scratch(&format!("{name}.key"));
        let mut args = args.clone();
        args.extend(["-out", key.to_str().unwrap()]);
        let (ok, _, err) = openssl(&args);
        assert!(ok, "{name}: {err}");
        let (cert, bits) = openssl_certificate(&key);
        let info = certhost_core::inspect::inspect(&cert).unwrap();
        assert_eq!(info.key_algorithm, algorithm, "{name}");
        // openssl prints no size for Ed25519 (its keys are 256 bits by definition).
        assert_eq!(info.key_size, bits.unwrap_or(256), "{name}");
    }
}
