//! The key facts of a certificate's public key as Windows reports them (KeyAlgorithm and
//! KeySize): RSA and RSA-PSS by modulus, DSA by its prime p, elliptic curves by name or,
//! for explicit curve parameters, by the field prime, Ed25519 and Ed448 by their size.

use crate::pkcs12::Tlv;

const RSA: &str = "1.2.840.113549.1.1.1";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const DSA: &str = "1.2.840.10040.4.1";
const EC: &str = "1.2.840.10045.2.1";
const ED25519: &str = "1.3.101.112";
const ED448: &str = "1.3.101.113";

/// The named curves certhost knows, by OID and by field prime (hex), with their names.
const CURVES: [(&str, &str, &str, u32); 3] = [
    (
        "1.2.840.10045.3.1.7",
        "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
        "ECDSA_P256",
        256,
    ),
    (
        "1.3.132.0.34",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
        "ECDSA_P384",
        384,
    ),
    (
        "1.3.132.0.35",
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "ECDSA_P521",
        521,
    ),
];

/// Other named curves openssl knows, by OID, with their size: reported as `ECDSA`.
const OTHER_CURVES: [(&str, u32); 8] = [
    ("1.2.840.10045.3.1.1", 192),
    ("1.3.132.0.33", 224),
    ("1.3.132.0.10", 256),
    ("1.3.36.3.3.2.8.1.1.7", 256),
    ("1.3.36.3.3.2.8.1.1.9", 320),
    ("1.3.36.3.3.2.8.1.1.11", 384),
    ("1.3.36.3.3.2.8.1.1.13", 512),
    ("1.3.132.0.39", 571),
];

/// `(KeyAlgorithm, KeySize)` of a DER SubjectPublicKeyInfo; the size is 0 only for a
/// key type certhost cannot measure.
pub(crate) fn describe(spki: &[u8]) -> (String, u32) {
    let Ok(info) = Tlv::parse_whole(spki) else {
        return ("unknown".into(), 0);
    };
    let algorithm = info.child(0, "algorithm").ok();
    let oid = algorithm
        .and_then(|a| a.child(0, "algorithm").ok())
        .and_then(|o| o.oid().ok())
        .unwrap_or_default();
    let parameters = algorithm.and_then(|a| a.children().ok()?.get(1).cloned());
    let key_bits = info
        .child(1, "public key")
        .map(|k| k.octets())
        .unwrap_or_default();
    // The BIT STRING's first octet counts unused bits.
    let key_bits = key_bits.get(1..).unwrap_or_default();
    match oid.as_str() {
        RSA => ("RSA".into(), rsa_modulus_bits(key_bits)),
        RSA_PSS => ("RSASSA-PSS".into(), rsa_modulus_bits(key_bits)),
        DSA => {
            let p = parameters.and_then(|p| p.child(0, "p").ok().map(|p| p.octets()));
            ("DSA".into(), p.map_or(0, |p| bit_length(&p)))
        }
        EC => ec_description(parameters.as_ref()),
        ED25519 => ("Ed25519".into(), 256),
        ED448 => ("Ed448".into(), 456),
        other => (other.to_string(), 0),
    }
}

fn ec_description(parameters: Option<&Tlv<'_>>) -> (String, u32) {
    let Some(parameters) = parameters else {
        return ("ECDSA".into(), 0);
    };
    if let Ok(oid) = parameters.oid() {
        return match CURVES.iter().find(|c| c.0 == oid) {
            Some((_, _, name, size)) => (name.to_string(), *size),
            None => match OTHER_CURVES.iter().find(|c| c.0 == oid) {
                Some((_, size)) => ("ECDSA".into(), *size),
                None => (format!("ECDSA {oid}"), 0),
            },
        };
    }
    // Explicit parameters: SEQUENCE { version, fieldID SEQUENCE { fieldType, prime }, ... }
    let prime = parameters
        .child(1, "field")
        .and_then(|f| f.child(1, "prime"))
        .map(|p| p.octets())
        .unwrap_or_default();
    let hex = crate::dn::hex_upper(strip_zeros(&prime));
    match CURVES
        .iter()
        .find(|c| c.1.trim_start_matches('0') == hex.trim_start_matches('0'))
    {
        Some((_, _, name, size)) => (name.to_string(), *size),
        None => ("ECDSA".into(), bit_length(&prime)),
    }
}

fn rsa_modulus_bits(rsa_public_key: &[u8]) -> u32 {
    Tlv::parse_whole(rsa_public_key)
        .and_then(|k| k.child(0, "modulus").map(|n| n.octets()))
        .map_or(0, |n| bit_length(&n))
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().take_while(|b| **b == 0).count();
    &bytes[start..]
}

/// Bits of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> u32 {
    let bytes = strip_zeros(bytes);
    match bytes.first() {
        None => 0,
        Some(top) => (bytes.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[0x00, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01, 0xff]), 9);
        assert_eq!(bit_length(&[]), 0);
    }
}
