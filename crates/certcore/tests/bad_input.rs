//! Input other tools refuse is refused here too, and key facts agree with openssl:
//! RSA keys whose stored values disagree with their primes, and the size and kind of
//! DSA, RSA-PSS and explicit-curve keys.

// They run openssl, Python and keytool: not inside wasm32-wasip2, which has no processes.
#![cfg(not(target_os = "wasi"))]

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

/// A DER element as a tree, to damage one field of a certificate and encode it again.
#[derive(Clone)]
enum Node {
    Leaf(u8, Vec<u8>),
    Tree(u8, Vec<Node>),
}

fn parse_node(bytes: &[u8]) -> (Node, usize) {
    let tag = bytes[0];
    let (len, header) = match bytes[1] {
        l if l < 0x80 => (l as usize, 2),
        l => {
            let n = (l & 0x7f) as usize;
            let len = bytes[2..2 + n]
                .iter()
                .fold(0usize, |a, b| (a << 8) | *b as usize);
            (len, 2 + n)
        }
    };
    let body = &bytes[header..header + len];
    let node = if tag & 0x20 != 0 {
        let mut children = Vec::new();
        let mut at = 0;
        while at < body.len() {
            let (child, used) = parse_node(&body[at..]);
            children.push(child);
            at += used;
        }
        Node::Tree(tag, children)
    } else {
        Node::Leaf(tag, body.to_vec())
    };
    (node, header + len)
}

fn encode_node(node: &Node) -> Vec<u8> {
    let (tag, body) = match node {
        Node::Leaf(tag, body) => (*tag, body.clone()),
        Node::Tree(tag, children) => (*tag, children.iter().flat_map(encode_node).collect()),
    };
    let mut out = vec![tag];
    if body.len() < 0x80 {
        out.push(body.len() as u8);
    } else {
        let len = body.len().to_be_bytes();
        let skip = len.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (len.len() - skip) as u8);
        out.extend(&len[skip..]);
    }
    out.extend(body);
    out
}

/// The child at `path` (indexes from the top).
fn at<'a>(node: &'a mut Node, path: &[usize]) -> &'a mut Node {
    match (node, path) {
        (node, []) => node,
        (Node::Tree(_, children), [i, rest @ ..]) => at(&mut children[*i], rest),
        (Node::Leaf(..), _) => panic!("no child there"),
    }
}

fn openssl_reads_certificate(der: &[u8]) -> bool {
    let path = scratch("mutated.der");
    std::fs::write(&path, der).unwrap();
    openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        path.to_str().unwrap(),
        "-noout",
    ])
    .0
}

#[test]
fn certificates_openssl_refuses_are_refused_and_odd_names_it_reads_are_read() {
    let good = std::fs::read(fixture("ec-p256.crt")).unwrap();
    let good = certhost_core::pem::parse_certificates(&good)
        .unwrap()
        .remove(0);
    let (tree, _) = parse_node(&good);
    // tbsCertificate children: [0] version, serial, signature, issuer, validity, subject, spki.
    let damage: [(&str, &[usize], Node); 4] = [
        (
            "an empty serial number",
            &[0, 1],
            Node::Leaf(0x02, Vec::new()),
        ),
        (
            "a SET for the outer signature algorithm",
            &[1],
            Node::Tree(0x31, Vec::new()),
        ),
        (
            "a garbage issuer",
            &[0, 3],
            Node::Leaf(0x04, b"garbage".to_vec()),
        ),
        (
            "an OCTET STRING for the key algorithm's OID",
            &[0, 6, 0, 0],
            Node::Leaf(0x04, vec![0x2a]),
        ),
    ];
    for (what, path, replacement) in damage {
        let mut mutated = tree.clone();
        *at(&mut mutated, path) = replacement;
        let der = encode_node(&mutated);
        assert!(!openssl_reads_certificate(&der), "openssl reads {what}");
        let err = certhost_core::inspect::inspect(&der).unwrap_err();
        assert!(matches!(err, CertError::Corrupt(_)), "{what}: {err}");
        assert!(!err.to_string().contains('{'), "no debug text: {err}");
    }
    // An empty issuer name and an empty CN are odd but readable: openssl reads them, so
    // certhost does too.
    let empty_cn = Node::Tree(
        0x30,
        vec![Node::Tree(
            0x31,
            vec![Node::Tree(
                0x30,
                vec![
                    Node::Leaf(0x06, vec![0x55, 0x04, 0x03]),
                    Node::Leaf(0x0c, Vec::new()),
                ],
            )],
        )],
    );
    for (what, replacement) in [
        ("an empty issuer", Node::Tree(0x30, Vec::new())),
        ("CN=\"\"", empty_cn),
    ] {
        let mut mutated = tree.clone();
        *at(&mut mutated, &[0, 3]) = replacement;
        let der = encode_node(&mutated);
        assert!(openssl_reads_certificate(&der), "openssl refuses {what}");
        certhost_core::inspect::inspect(&der).unwrap_or_else(|e| panic!("{what}: {e}"));
    }
}
