//! Certificates and private keys in PEM or DER, in every wrapping admins meet:
//! certificates (one or a bundle), PKCS#8, encrypted PKCS#8, PKCS#1 (`RSA PRIVATE KEY`)
//! and SEC1 (`EC PRIVATE KEY`) keys.

use crate::error::{CertError, Result};
use crate::keys::PrivateKey;
use crate::pkcs12::{DecryptFailure, Password, Tlv, decrypt_pkcs8};
use base64ct::{Base64, Encoding};
use certhost_primitives::Primitives;
use pkcs8::EncodePrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;

/// One `-----BEGIN X-----` ... `-----END X-----` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    /// RFC 1421 headers (`Proc-Type: ...`), which only legacy encrypted keys carry.
    pub has_headers: bool,
    pub der: Vec<u8>,
}

/// Splits a text into its PEM blocks (text outside blocks is ignored, as OpenSSL does).
pub fn pem_blocks(data: &[u8]) -> Result<Vec<PemBlock>> {
    let text = std::str::from_utf8(data)
        .map_err(|_| CertError::Corrupt("the PEM text is not valid UTF-8".into()))?;
    let mut blocks = Vec::new();
    // A byte-order mark (Notepad writes one) is not part of the first line.
    let mut lines = text
        .lines()
        .map(|l| l.trim().trim_start_matches('\u{feff}'));
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut has_headers = false;
        let mut closed = false;
        for l in lines.by_ref() {
            if l == end {
                closed = true;
                break;
            }
            if l.contains(':') {
                has_headers = true;
            } else {
                body.push_str(l);
            }
        }
        if !closed {
            return Err(CertError::Corrupt(format!(
                "the PEM block '{label}' has no END line"
            )));
        }
        let der = Base64::decode_vec(&body).map_err(|_| {
            CertError::Corrupt(format!("the PEM block '{label}' is not valid base64"))
        })?;
        blocks.push(PemBlock {
            label: label.to_string(),
            has_headers,
            der,
        });
    }
    Ok(blocks)
}

/// The data holds PEM blocks (rather than DER).
pub fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// PEM with 64-character lines.
pub fn encode_pem(label: &str, der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The certificates of a PEM bundle, a single DER certificate, or a PKCS#7 bundle
/// (`.p7b`, DER or PEM `PKCS7`/`CMS`), each checked.
pub fn parse_certificates(data: &[u8]) -> Result<Vec<Vec<u8>>> {
    let certs: Vec<Vec<u8>> = if is_pem(data) {
        let mut certs = Vec::new();
        for block in pem_blocks(data)? {
            match block.label.as_str() {
                "CERTIFICATE" | "X509 CERTIFICATE" => certs.push(block.der),
                "PKCS7" | "CMS" => certs.extend(crate::pkcs7::certificates(&block.der)?),
                _ => {}
            }
        }
        certs
    } else if crate::file_kind::FileKind::of(data) == crate::file_kind::FileKind::Pkcs7 {
        crate::pkcs7::certificates(data)?
    } else {
        vec![data.to_vec()]
    };
    if certs.is_empty() {
        return Err(CertError::Corrupt(
            "no certificate found: expected a DER certificate or PEM with -----BEGIN CERTIFICATE-----".into(),
        ));
    }
    for c in &certs {
        crate::inspect::inspect(c)?;
    }
    Ok(certs)
}

/// A private key in any usual form, as unencrypted PKCS#8 DER.
pub fn parse_private_key(
    data: &[u8],
    password: Option<&str>,
    primitives: &dyn Primitives,
) -> Result<Vec<u8>> {
    if !is_pem(data) {
        return der_private_key(data, password, primitives);
    }
    let blocks = pem_blocks(data)?;
    let keys: Vec<&PemBlock> = blocks
        .iter()
        .filter(|b| b.label.ends_with("PRIVATE KEY"))
        .collect();
    let block = match keys.as_slice() {
        [one] => *one,
        [] => return Err(CertError::Corrupt("no private key found: expected -----BEGIN PRIVATE KEY----- (or RSA/EC/ENCRYPTED PRIVATE KEY)".into())),
        _ => return Err(CertError::InvalidInput(format!("the file holds {} private keys; give a file with exactly one", keys.len()))),
    };
    if block.has_headers {
        return Err(CertError::Unsupported(
            "legacy OpenSSL-encrypted PEM key (Proc-Type header); convert it with 'openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem'".into(),
        ));
    }
    match block.label.as_str() {
        "PRIVATE KEY" => checked_pkcs8(&block.der),
        "ENCRYPTED PRIVATE KEY" => encrypted_pkcs8(&block.der, password, primitives),
        "RSA PRIVATE KEY" => pkcs1(&block.der),
        "EC PRIVATE KEY" => sec1(&block.der),
        other => Err(CertError::Unsupported(format!(
            "'{other}' keys are not supported; use RSA or ECDSA keys"
        ))),
    }
}

fn checked_pkcs8(der: &[u8]) -> Result<Vec<u8>> {
    PrivateKey::canonical_pkcs8(der)
}

fn encrypted_pkcs8(
    der: &[u8],
    password: Option<&str>,
    primitives: &dyn Primitives,
) -> Result<Vec<u8>> {
    let password = password.ok_or_else(|| {
        CertError::InvalidInput("the private key is encrypted; give its password".into())
    })?;
    let tlv = Tlv::parse_whole(der)?;
    match decrypt_pkcs8(&tlv, &Password::new(password), primitives) {
        Ok(plain) => checked_pkcs8(&plain),
        Err(DecryptFailure::Undecryptable) => Err(CertError::WrongPassword(
            "the password does not decrypt the private key; check the password and try again"
                .into(),
        )),
        Err(DecryptFailure::Error(e)) => Err(e),
    }
}

fn pkcs1(der: &[u8]) -> Result<Vec<u8>> {
    let key = rsa::RsaPrivateKey::from_pkcs1_der(der)
        .map_err(|_| CertError::Corrupt("the RSA private key is malformed".into()))?;
    crate::keys::check_rsa_components(der, &key)?;
    key.to_pkcs8_der()
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| CertError::corrupt("the RSA private key cannot be re-encoded", e))
}

fn sec1(der: &[u8]) -> Result<Vec<u8>> {
    let encoded = if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
        k.to_pkcs8_der()
    } else if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
        k.to_pkcs8_der()
    } else {
        return Err(CertError::Unsupported(
            "the EC private key is malformed or on a curve other than P-256/P-384".into(),
        ));
    };
    encoded
        .map(|d| d.as_bytes().to_vec())
        .map_err(|e| CertError::corrupt("the EC private key cannot be re-encoded", e))
}

fn der_private_key(
    der: &[u8],
    password: Option<&str>,
    primitives: &dyn Primitives,
) -> Result<Vec<u8>> {
    // Recognise the wrapping by its shape, so a damaged key of a known kind gets that
    // kind's error rather than "not a private key".
    let shape = Tlv::parse_whole(der)
        .ok()
        .and_then(|t| key_shape(t.children().ok()?));
    match shape {
        Some(KeyShape::Pkcs8) => checked_pkcs8(der),
        Some(KeyShape::EncryptedPkcs8) => encrypted_pkcs8(der, password, primitives),
        Some(KeyShape::Pkcs1) => pkcs1(der),
        Some(KeyShape::Sec1) => sec1(der),
        None => Err(CertError::Corrupt(
            "not a private key: expected PEM, or DER PKCS#8, PKCS#1 or SEC1".into(),
        )),
    }
}

/// The DER wrappings a private key comes in.
pub(crate) enum KeyShape {
    Pkcs8,
    EncryptedPkcs8,
    Pkcs1,
    Sec1,
}

/// The wrapping a DER SEQUENCE with these `fields` has, when it is a private key's.
pub(crate) fn key_shape(fields: &[Tlv<'_>]) -> Option<KeyShape> {
    let tags: Vec<u8> = fields.iter().map(|c| c.tag).collect();
    let first_int = fields.first().and_then(|c| c.uint().ok());
    match (tags.as_slice(), first_int) {
        ([0x02, 0x30, 0x04, ..], Some(0 | 1)) => Some(KeyShape::Pkcs8),
        ([0x30, 0x04], _) => Some(KeyShape::EncryptedPkcs8),
        ([0x02, 0x04, ..], Some(1)) => Some(KeyShape::Sec1),
        (tags, Some(0)) if tags.len() >= 9 && tags.iter().all(|t| *t == 0x02) => {
            Some(KeyShape::Pkcs1)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_and_headers() {
        let pem = encode_pem("CERTIFICATE", &[1, 2, 3]);
        let blocks = pem_blocks(pem.as_bytes()).unwrap();
        assert_eq!(blocks[0].der, vec![1, 2, 3]);
        assert!(!blocks[0].has_headers);
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAQID\n-----END RSA PRIVATE KEY-----\n";
        let err =
            parse_private_key(legacy.as_bytes(), None, &certhost_primitives::Software).unwrap_err();
        assert!(matches!(err, CertError::Unsupported(m) if m.contains("openssl pkcs8 -topk8")));
    }

    #[test]
    fn unterminated_block_and_no_certificate_are_corrupt() {
        assert!(pem_blocks(b"-----BEGIN CERTIFICATE-----\nAQID\n").is_err());
        assert!(matches!(
            parse_certificates(b"-----BEGIN PUBLIC KEY-----\nAQID\n-----END PUBLIC KEY-----\n"),
            Err(CertError::Corrupt(_))
        ));
    }
}
