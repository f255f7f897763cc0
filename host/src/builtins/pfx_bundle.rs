//! One PFX for many entries. The certificate component writes one PFX per entry
//! (`export-pfx`: it checks that key and certificate belong together, encrypts the
//! certificate bags and the shrouded key bag with the password and names the bags);
//! [`join`] puts the authenticated safes of those files, unchanged, into one
//! authenticated safe and seals it with a new password MAC. The encryption stays the
//! component's; the host only lays out the outer structure (RFC 7292 §4) and computes
//! the MAC (HMAC-SHA256 keyed by the PKCS#12 KDF, as OpenSSL 3 writes it) with the same
//! native KDF it computes for the component. A PFX reader (openssl, Windows, certhost's
//! own) sees one file with several keys and certificates.

use certhost_primitives::{Digest, Pkcs12Purpose, Primitives, Software, bmp_password};
use zeroize::Zeroizing;

/// 1.2.840.113549.1.7.1, PKCS#7 data.
const DATA_OID: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
/// 2.16.840.1.101.3.4.2.1, SHA-256.
const SHA256_OID: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const EXPLICIT_0: u8 = 0xA0;

/// Why the PFX files could not be joined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    #[error("there is no PFX to join")]
    Empty,
    #[error("a PFX to join is not laid out as certhost writes it: {0}")]
    Malformed(&'static str),
    #[error("the PFX password MAC cannot be computed: {0}")]
    Mac(String),
}

/// One DER element: its tag, its content, and all of its bytes.
struct Tlv<'a> {
    tag: u8,
    content: &'a [u8],
    whole: &'a [u8],
}

/// The first DER element of `input` and what follows it (definite lengths only).
fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), BundleError> {
    const TRUNCATED: BundleError = BundleError::Malformed("truncated");
    let (&tag, rest) = input.split_first().ok_or(TRUNCATED)?;
    if tag & 0x1F == 0x1F {
        return Err(BundleError::Malformed("a high tag number"));
    }
    let (&first, mut rest) = rest.split_first().ok_or(TRUNCATED)?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return Err(BundleError::Malformed("an indefinite or oversized length"));
        }
        if rest.len() < n {
            return Err(TRUNCATED);
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |len, b| (len << 8) | usize::from(*b));
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return Err(TRUNCATED);
    }
    let header = input.len() - rest.len();
    Ok((
        Tlv {
            tag,
            content: &rest[..len],
            whole: &input[..header + len],
        },
        &rest[len..],
    ))
}

/// The DER elements inside `content`.
fn children(mut content: &[u8]) -> Result<Vec<Tlv<'_>>, BundleError> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (tlv, rest) = read_tlv(content)?;
        out.push(tlv);
        content = rest;
    }
    Ok(out)
}

/// The ContentInfo elements of a PFX's authenticated safe, as they are.
fn safes(pfx: &[u8]) -> Result<Vec<&[u8]>, BundleError> {
    let (top, rest) = read_tlv(pfx)?;
    if top.tag != SEQUENCE || !rest.is_empty() {
        return Err(BundleError::Malformed("not one PFX structure"));
    }
    let fields = children(top.content)?;
    let [version, auth_safe, ..] = fields.as_slice() else {
        return Err(BundleError::Malformed("no authenticated safe"));
    };
    if version.tag != INTEGER || version.content != [3] {
        return Err(BundleError::Malformed("not PFX version 3"));
    }
    let content_info = children(auth_safe.content)?;
    let [content_type, explicit] = content_info.as_slice() else {
        return Err(BundleError::Malformed("an unexpected content"));
    };
    if content_type.tag != OID || content_type.content != DATA_OID || explicit.tag != EXPLICIT_0 {
        return Err(BundleError::Malformed(
            "not a password-protected (data) content",
        ));
    }
    let (octets, rest) = read_tlv(explicit.content)?;
    if octets.tag != OCTET_STRING || !rest.is_empty() {
        return Err(BundleError::Malformed("an unexpected data encoding"));
    }
    let (sequence, rest) = read_tlv(octets.content)?;
    if sequence.tag != SEQUENCE || !rest.is_empty() {
        return Err(BundleError::Malformed("an unexpected authenticated safe"));
    }
    Ok(children(sequence.content)?
        .into_iter()
        .map(|t| t.whole)
        .collect())
}

/// One PFX holding the safes of every PFX in `parts` (each protected with `password`),
/// with a new HMAC-SHA256 password MAC of `iterations` KDF iterations.
pub fn join(parts: &[Vec<u8>], password: &str, iterations: u32) -> Result<Vec<u8>, BundleError> {
    if parts.is_empty() {
        return Err(BundleError::Empty);
    }
    let mut contents = Vec::new();
    for part in parts {
        for safe in safes(part)? {
            contents.extend_from_slice(safe);
        }
    }
    let auth_safe = der(SEQUENCE, &contents);
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| BundleError::Mac(format!("the system gave no random bytes: {e}")))?;
    let mac = mac(password, &salt, iterations, &auth_safe)?;
    let algorithm = der(SEQUENCE, &[der(OID, SHA256_OID), vec![0x05, 0x00]].concat());
    let mac_data = der(
        SEQUENCE,
        &[
            der(SEQUENCE, &[algorithm, der(OCTET_STRING, &mac)].concat()),
            der(OCTET_STRING, &salt),
            der(INTEGER, &unsigned(iterations)),
        ]
        .concat(),
    );
    let content = der(
        SEQUENCE,
        &[
            der(OID, DATA_OID),
            der(EXPLICIT_0, &der(OCTET_STRING, &auth_safe)),
        ]
        .concat(),
    );
    Ok(der(
        SEQUENCE,
        &[der(INTEGER, &[3]), content, mac_data].concat(),
    ))
}

/// HMAC-SHA256 of `data`, keyed by the PKCS#12 KDF (SHA-256, MAC purpose).
fn mac(password: &str, salt: &[u8], iterations: u32, data: &[u8]) -> Result<Vec<u8>, BundleError> {
    let secret = Zeroizing::new(bmp_password(password));
    let key = Zeroizing::new(
        Software
            .pkcs12_kdf(
                Digest::Sha256,
                &secret,
                salt,
                Pkcs12Purpose::Mac,
                iterations,
                32,
            )
            .map_err(|e| BundleError::Mac(e.to_string()))?,
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    Ok(ring::hmac::sign(&key, data).as_ref().to_vec())
}

/// A DER element.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The content of a DER INTEGER holding `n`.
fn unsigned(n: u32) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(3);
    let mut out = bytes[skip..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::Path;
    use std::process::{Command, Stdio};

    /// A PFX of `safes` (opaque ContentInfo stand-ins) with a MAC, as the component lays
    /// it out.
    fn pfx(safes: &[Vec<u8>]) -> Vec<u8> {
        let auth_safe = der(SEQUENCE, &safes.concat());
        let content = der(
            SEQUENCE,
            &[
                der(OID, DATA_OID),
                der(EXPLICIT_0, &der(OCTET_STRING, &auth_safe)),
            ]
            .concat(),
        );
        der(SEQUENCE, &[der(INTEGER, &[3]), content].concat())
    }

    fn parse_mac(joined: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>, u32) {
        let (top, _) = read_tlv(joined).unwrap();
        let fields = children(top.content).unwrap();
        let content_info = children(fields[1].content).unwrap();
        let (octets, _) = read_tlv(content_info[1].content).unwrap();
        let mac_data = children(fields[2].content).unwrap();
        let digest_info = children(mac_data[0].content).unwrap();
        let iterations = mac_data[2]
            .content
            .iter()
            .fold(0u32, |n, b| (n << 8) | u32::from(*b));
        (
            octets.content.to_vec(),
            digest_info[1].content.to_vec(),
            mac_data[1].content.to_vec(),
            iterations,
        )
    }

    #[test]
    fn the_safes_of_every_part_go_into_one_authenticated_safe_under_one_mac() {
        let one = der(SEQUENCE, b"\x06\x01\x01first");
        let two = der(SEQUENCE, b"\x06\x01\x02second");
        let three = der(SEQUENCE, &[0x55; 300]);
        let joined = join(
            &[
                pfx(&[one.clone(), two.clone()]),
                pfx(std::slice::from_ref(&three)),
            ],
            "pw",
            2048,
        )
        .unwrap();
        assert_eq!(safes(&joined).unwrap(), [&one[..], &two[..], &three[..]]);
        let (auth_safe, mac_value, salt, iterations) = parse_mac(&joined);
        assert_eq!((salt.len(), iterations), (16, 2048));
        assert_eq!(mac_value, mac("pw", &salt, 2048, &auth_safe).unwrap());
        assert_ne!(mac_value, mac("other", &salt, 2048, &auth_safe).unwrap());
    }

    #[test]
    fn malformed_parts_are_refused() {
        assert_eq!(join(&[], "pw", 1), Err(BundleError::Empty));
        assert!(join(&[b"not a pfx".to_vec()], "pw", 1).is_err());
        let good = pfx(&[der(SEQUENCE, b"x")]);
        assert!(join(&[good[..good.len() - 1].to_vec()], "pw", 1).is_err());
        let mut version_2 = good.clone();
        version_2[4] = 2; // SEQUENCE, length, INTEGER, length 1, version
        assert_eq!(
            join(&[version_2], "pw", 1),
            Err(BundleError::Malformed("not PFX version 3"))
        );
    }

    #[test]
    fn der_lengths_and_integers() {
        assert_eq!(der(0x04, &[]), [0x04, 0x00]);
        assert_eq!(der(0x04, &[0; 0x80])[..3], [0x04, 0x81, 0x80]);
        assert_eq!(der(0x04, &[0; 0x1234])[..4], [0x04, 0x82, 0x12, 0x34]);
        assert_eq!(unsigned(0), [0]);
        assert_eq!(unsigned(3), [3]);
        assert_eq!(unsigned(128), [0, 128]);
        assert_eq!(unsigned(10_000), [0x27, 0x10]);
        for n in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0x12345] {
            let element = der(0x30, &vec![1; n]);
            let (tlv, rest) = read_tlv(&element).unwrap();
            assert_eq!(
                (tlv.content.len(), tlv.whole.len(), rest.len()),
                (n, element.len(), 0)
            );
        }
    }

    /// Runs openssl with `password` on its standard input (never on the command line).
    fn openssl(args: &[&str], password: &str) -> Option<std::process::Output> {
        let mut child = Command::new("openssl")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .ok()?;
        child
            .stdin
            .take()?
            .write_all(format!("{password}\n").as_bytes())
            .ok()?;
        child.wait_with_output().ok()
    }

    fn text(path: &Path) -> &str {
        path.to_str().unwrap()
    }

    #[test]
    fn openssl_reads_every_certificate_and_key_of_joined_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut parts = Vec::new();
        for name in ["a", "b"] {
            let key = dir.path().join(format!("{name}.key"));
            let cert = dir.path().join(format!("{name}.crt"));
            let pfx = dir.path().join(format!("{name}.pfx"));
            let made = Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                ])
                .args(["-nodes", "-days", "2", "-subj", &format!("/CN={name}.test")])
                .args(["-keyout", text(&key), "-out", text(&cert)])
                .output();
            if !made.is_ok_and(|o| o.status.success()) {
                eprintln!("openssl is not available: skipped");
                return;
            }
            let out = openssl(
                &[
                    "pkcs12",
                    "-export",
                    "-in",
                    text(&cert),
                    "-inkey",
                    text(&key),
                    "-passout",
                    "stdin",
                    "-out",
                    text(&pfx),
                ],
                "joined-Pw-1",
            )
            .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let bytes = std::fs::read(&pfx).unwrap();
            parts.push(bytes);
        }
        let joined_path = dir.path().join("joined.pfx");
        std::fs::write(&joined_path, join(&parts, "joined-Pw-1", 10_000).unwrap()).unwrap();
        let certs = openssl(
            &[
                "pkcs12",
                "-in",
                text(&joined_path),
                "-passin",
                "stdin",
                "-nokeys",
            ],
            "joined-Pw-1",
        )
        .unwrap();
        assert!(
            certs.status.success(),
            "{}",
            String::from_utf8_lossy(&certs.stderr)
        );
        let listed = String::from_utf8_lossy(&certs.stdout);
        assert_eq!(listed.matches("BEGIN CERTIFICATE").count(), 2, "{listed}");
        let keys = openssl(
            &[
                "pkcs12",
                "-in",
                text(&joined_path),
                "-passin",
                "stdin",
                "-nocerts",
                "-nodes",
            ],
            "joined-Pw-1",
        )
        .unwrap();
        assert!(
            keys.status.success(),
            "{}",
            String::from_utf8_lossy(&keys.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&keys.stdout)
                .matches("BEGIN PRIVATE KEY")
                .count(),
            2
        );
        let wrong = openssl(
            &[
                "pkcs12",
                "-in",
                text(&joined_path),
                "-passin",
                "stdin",
                "-nokeys",
            ],
            "wrong",
        )
        .unwrap();
        assert!(!wrong.status.success());
    }
}
