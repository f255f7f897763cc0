//! The few DER encodings the PFX writer needs: every PKCS#12 structure it writes is a
//! tree of SEQUENCEs, SETs, OIDs, small INTEGERs, OCTET STRINGs and BMPStrings.

use super::tlv::{BMP_STRING, INTEGER, OCTET_STRING, OID, SEQUENCE, SET};

/// One element: `tag`, definite length, `content`.
pub(crate) fn element(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    super::tlv::push_length(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already-encoded elements.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    element(SEQUENCE, &parts.concat())
}

/// A SET OF already-encoded elements, sorted as DER requires.
pub(crate) fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut sorted = parts.to_vec();
    sorted.sort();
    element(SET, &sorted.concat())
}

/// An OBJECT IDENTIFIER from its dotted form (a constant of this crate).
pub(crate) fn oid(dotted: &str) -> Vec<u8> {
    // The dotted forms passed here are constants of this crate, all valid OIDs.
    let parsed = der::asn1::ObjectIdentifier::new(dotted).expect("a valid OID constant");
    element(OID, parsed.as_bytes())
}

/// A non-negative INTEGER.
pub(crate) fn uint(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut content = bytes[skip..].to_vec();
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    element(INTEGER, &content)
}

pub(crate) fn octet_string(content: &[u8]) -> Vec<u8> {
    element(OCTET_STRING, content)
}

/// A BMPString as OpenSSL and Windows write it: UTF-16 big-endian, characters beyond
/// the Basic Multilingual Plane as surrogate pairs.
pub(crate) fn bmp_string(text: &str) -> Vec<u8> {
    let units: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    element(BMP_STRING, &units)
}

/// `[n] EXPLICIT` around one encoded element.
pub(crate) fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
    element(0xa0 | n, inner)
}

/// An AlgorithmIdentifier with the given parameters (already encoded).
pub(crate) fn algorithm(dotted: &str, parameters: &[u8]) -> Vec<u8> {
    sequence(&[&oid(dotted), parameters])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal_and_non_negative() {
        assert_eq!(uint(0), [0x02, 0x01, 0x00]);
        assert_eq!(uint(127), [0x02, 0x01, 0x7f]);
        assert_eq!(uint(128), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(uint(600_000), [0x02, 0x03, 0x09, 0x27, 0xc0]);
    }

    #[test]
    fn long_lengths_use_the_long_form() {
        let long = octet_string(&[7; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn emoji_become_surrogate_pairs() {
        assert_eq!(
            bmp_string("a😀"),
            [0x1e, 0x06, 0x00, 0x61, 0xd8, 0x3d, 0xde, 0x00]
        );
    }

    #[test]
    fn oids_encode_as_der() {
        assert_eq!(
            oid("1.2.840.113549.1.7.1"),
            [
                0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01
            ]
        );
    }
}
