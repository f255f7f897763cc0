//! A lenient BER reader for the outer PKCS#12 structure.
//!
//! NSS writes PKCS#12 in BER: indefinite lengths and OCTET STRINGs split into constructed
//! chunks, including the IMPLICIT `[0]` of `EncryptedContentInfo`. A generic BER→DER
//! pass cannot tell an IMPLICIT constructed OCTET STRING from an EXPLICIT wrapper, so
//! the reader keeps the tree and lets the PKCS#12 code ask for "the octets of this node"
//! where the schema says OCTET STRING. Sub-structures handed to DER crates (keys,
//! certificates) are re-encoded with [`Tlv::to_der`].

use crate::error::{CertError, Result};

/// Nesting deeper than this is refused (PKCS#12 needs about 12 levels).
const MAX_DEPTH: usize = 48;

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const OID: u8 = 0x06;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const BMP_STRING: u8 = 0x1e;
pub(crate) const CONTEXT_0: u8 = 0xa0;

/// One BER element.
#[derive(Debug, Clone)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet with the constructed bit cleared for OCTET STRING chunks kept.
    pub tag: u8,
    pub body: Body<'a>,
}

#[derive(Debug, Clone)]
pub(crate) enum Body<'a> {
    Primitive(&'a [u8]),
    Constructed(Vec<Tlv<'a>>),
}

fn bad(detail: &str) -> CertError {
    CertError::Corrupt(format!("not a valid PKCS#12 (PFX) file: {detail}"))
}

impl<'a> Tlv<'a> {
    /// Parses exactly one element filling `input`.
    pub fn parse_whole(input: &'a [u8]) -> Result<Self> {
        let (tlv, rest) = parse(input, 0)?;
        if !rest.is_empty() {
            return Err(bad("unexpected bytes after the end of the structure"));
        }
        Ok(tlv)
    }

    /// The children of a constructed element.
    pub fn children(&self) -> Result<&[Tlv<'a>]> {
        match &self.body {
            Body::Constructed(c) => Ok(c),
            Body::Primitive(_) => Err(bad("a primitive value where a structure was expected")),
        }
    }

    /// Children of a SEQUENCE (or SET) with the given tag.
    pub fn children_tagged(&self, tag: u8, what: &str) -> Result<&[Tlv<'a>]> {
        if self.tag != tag {
            return Err(bad(&format!(
                "{what} has tag {:#04x}, expected {tag:#04x}",
                self.tag
            )));
        }
        self.children()
    }

    /// The i-th child, or a "missing field" error.
    pub fn child(&self, index: usize, what: &str) -> Result<&Tlv<'a>> {
        self.children()?
            .get(index)
            .ok_or_else(|| bad(&format!("{what} is missing")))
    }

    /// The i-th child, which must have tag `tag` (as DER and openssl require).
    pub fn child_tagged(&self, index: usize, tag: u8, what: &str) -> Result<&Tlv<'a>> {
        let child = self.child(index, what)?;
        // BER (NSS) may send an OCTET STRING in constructed chunks.
        let ber_octets = tag == OCTET_STRING && child.tag == OCTET_STRING | 0x20;
        if child.tag != tag && !ber_octets {
            return Err(bad(&format!(
                "{what} has tag {:#04x}, expected {tag:#04x}",
                child.tag
            )));
        }
        Ok(child)
    }

    /// Content octets of an OCTET STRING (or IMPLICIT-tagged one), joining BER chunks.
    pub fn octets(&self) -> Vec<u8> {
        match &self.body {
            Body::Primitive(bytes) => bytes.to_vec(),
            Body::Constructed(chunks) => chunks.iter().flat_map(|c| c.octets()).collect(),
        }
    }

    /// The dotted form of an OBJECT IDENTIFIER.
    pub fn oid(&self) -> Result<String> {
        match (&self.body, self.tag) {
            (Body::Primitive(bytes), OID) => der::asn1::ObjectIdentifier::from_bytes(bytes)
                .map(|o| o.to_string())
                .map_err(|_| bad("malformed object identifier")),
            _ => Err(bad("an object identifier was expected")),
        }
    }

    /// A small non-negative INTEGER.
    pub fn uint(&self) -> Result<u64> {
        match (&self.body, self.tag) {
            (Body::Primitive(bytes), INTEGER) if !bytes.is_empty() && bytes[0] & 0x80 == 0 => {
                let trimmed: &[u8] = if bytes.len() > 1 && bytes[0] == 0 {
                    &bytes[1..]
                } else {
                    bytes
                };
                if trimmed.len() > 8 {
                    return Err(bad("integer too large"));
                }
                Ok(trimmed
                    .iter()
                    .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
            }
            _ => Err(bad("a non-negative integer was expected")),
        }
    }

    /// DER encoding of this element: definite lengths, OCTET STRING chunks joined.
    pub fn to_der(&self) -> Vec<u8> {
        let (tag, content) = match &self.body {
            Body::Primitive(bytes) => (self.tag, bytes.to_vec()),
            Body::Constructed(_) if self.tag == OCTET_STRING | 0x20 => {
                (OCTET_STRING, self.octets())
            }
            Body::Constructed(children) => {
                (self.tag, children.iter().flat_map(|c| c.to_der()).collect())
            }
        };
        let mut out = vec![tag];
        push_length(&mut out, content.len());
        out.extend(content);
        out
    }
}

pub(crate) fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend(&bytes[skip..]);
    }
}

fn parse(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8])> {
    if depth > MAX_DEPTH {
        return Err(bad("nested too deeply"));
    }
    let (&tag, rest) = input.split_first().ok_or_else(|| bad("truncated"))?;
    if tag & 0x1f == 0x1f {
        return Err(bad("multi-byte tags do not occur in PKCS#12"));
    }
    let (&first, mut rest) = rest.split_first().ok_or_else(|| bad("truncated length"))?;
    let constructed = tag & 0x20 != 0;
    if first == 0x80 {
        // Indefinite length: children until an end-of-contents marker (00 00).
        if !constructed {
            return Err(bad("indefinite length on a primitive value"));
        }
        let mut children = Vec::new();
        loop {
            if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
                return Ok((
                    Tlv {
                        tag,
                        body: Body::Constructed(children),
                    },
                    &rest[2..],
                ));
            }
            if rest.is_empty() {
                return Err(bad("missing end-of-contents marker"));
            }
            let (child, after) = parse(rest, depth + 1)?;
            children.push(child);
            rest = after;
        }
    }
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(bad("invalid length"));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return Err(bad("truncated: a length runs past the end of the file"));
    }
    let (content, after) = rest.split_at(len);
    if !constructed {
        return Ok((
            Tlv {
                tag,
                body: Body::Primitive(content),
            },
            after,
        ));
    }
    let mut children = Vec::new();
    let mut remaining = content;
    while !remaining.is_empty() {
        let (child, next) = parse(remaining, depth + 1)?;
        children.push(child);
        remaining = next;
    }
    Ok((
        Tlv {
            tag,
            body: Body::Constructed(children),
        },
        after,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_and_chunked_octets_normalise_to_der() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0, 0, 0, 0,
        ];
        let tlv = Tlv::parse_whole(&ber).unwrap();
        assert_eq!(tlv.to_der(), vec![0x30, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
        assert_eq!(tlv.child(0, "x").unwrap().octets(), b"abc");
    }

    #[test]
    fn truncation_and_depth_are_errors() {
        assert!(Tlv::parse_whole(&[0x30, 0x05, 0x04]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(Tlv::parse_whole(&deep).is_err());
    }

    #[test]
    fn long_lengths_round_trip() {
        let mut der = vec![0x04, 0x82, 0x01, 0x00];
        der.extend(vec![7u8; 256]);
        assert_eq!(Tlv::parse_whole(&der).unwrap().to_der(), der);
    }
}
