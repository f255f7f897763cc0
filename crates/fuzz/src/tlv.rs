//! A tolerant DER/BER header walker: where the tags and length bytes of an encoding are,
//! for the DER-aware mutations and for targets that repair a mutated file (a PFX MAC).
//! It never fails: what does not parse is simply not walked into.

/// One tag-length header found in an encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Offset of the tag byte.
    pub start: usize,
    /// The first tag byte.
    pub tag: u8,
    /// Offset of the first length byte.
    pub len_at: usize,
    /// Number of length bytes (1 for the short form and for `0x80`).
    pub len_bytes: usize,
    /// Content length; `None` for the BER indefinite form.
    pub len: Option<usize>,
}

impl Header {
    /// Offset of the first content byte.
    pub fn content_start(&self) -> usize {
        self.len_at + self.len_bytes
    }

    /// The content range, when the length is definite and fits in `data`.
    pub fn content(&self, data: &[u8]) -> Option<std::ops::Range<usize>> {
        let start = self.content_start();
        let end = start.checked_add(self.len?)?;
        (end <= data.len()).then_some(start..end)
    }

    pub fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }
}

/// Reads the header at `pos` (single-byte and multi-byte tags, short, long and
/// indefinite lengths); `None` when the bytes cannot be a header.
pub fn read(data: &[u8], pos: usize) -> Option<Header> {
    let tag = *data.get(pos)?;
    let mut at = pos + 1;
    if tag & 0x1f == 0x1f {
        while data.get(at)? & 0x80 != 0 {
            at += 1;
        }
        at += 1;
    }
    let first = *data.get(at)?;
    let (len_bytes, len) = match first {
        0x80 => (1, None),
        n if n < 0x80 => (1, Some(usize::from(n))),
        n => {
            let count = usize::from(n & 0x7f);
            if count > 8 {
                return None;
            }
            let bytes = data.get(at + 1..at + 1 + count)?;
            let value = bytes.iter().try_fold(0usize, |acc, b| {
                acc.checked_mul(256)?.checked_add(usize::from(*b))
            })?;
            (1 + count, Some(value))
        }
    };
    Some(Header {
        start: pos,
        tag,
        len_at: at,
        len_bytes,
        len,
    })
}

/// The headers directly inside `range` (siblings, not descendants).
pub fn children(data: &[u8], range: std::ops::Range<usize>) -> Vec<Header> {
    let mut out = Vec::new();
    let mut pos = range.start;
    while pos < range.end {
        let Some(h) = read(data, pos) else { break };
        let Some(content) = h.content(data) else {
            break;
        };
        if content.end > range.end {
            break;
        }
        out.push(h);
        pos = content.end;
    }
    out
}

/// Every header of the encoding, depth first, at most `limit` of them. Walks into
/// constructed values, and into OCTET STRINGs and BIT STRINGs whose content is itself
/// exactly one encoding (PKCS#12 and X.509 nest DER that way).
pub fn walk(data: &[u8], limit: usize) -> Vec<Header> {
    let mut out = Vec::new();
    walk_into(data, 0..data.len(), limit, 0, &mut out);
    out
}

fn walk_into(
    data: &[u8],
    range: std::ops::Range<usize>,
    limit: usize,
    depth: usize,
    out: &mut Vec<Header>,
) {
    if depth > 64 {
        return;
    }
    let mut pos = range.start;
    while pos < range.end && out.len() < limit {
        let Some(h) = read(data, pos) else { return };
        out.push(h);
        let Some(content) = h.content(data) else {
            return;
        };
        if content.end > range.end {
            return;
        }
        if h.constructed() {
            walk_into(data, content.clone(), limit, depth + 1, out);
        } else if h.tag == 0x04 || h.tag == 0x03 {
            let inner = if h.tag == 0x03 {
                content.start.saturating_add(1)..content.end
            } else {
                content.clone()
            };
            if is_one_encoding(data, inner.clone()) {
                walk_into(data, inner, limit, depth + 1, out);
            }
        }
        pos = content.end;
    }
}

fn is_one_encoding(data: &[u8], range: std::ops::Range<usize>) -> bool {
    if range.start >= range.end || data.get(range.start).is_none_or(|t| t & 0x20 == 0) {
        return false;
    }
    read(data, range.start)
        .and_then(|h| h.content(data))
        .is_some_and(|c| c.end == range.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_nested_sequences_and_der_inside_octet_strings() {
        // SEQUENCE { INTEGER 5, OCTET STRING { SEQUENCE { NULL } } }
        let der = [
            0x30, 0x09, 0x02, 0x01, 0x05, 0x04, 0x04, 0x30, 0x02, 0x05, 0x00,
        ];
        let tags: Vec<u8> = walk(&der, 100).iter().map(|h| h.tag).collect();
        assert_eq!(tags, vec![0x30, 0x02, 0x04, 0x30, 0x05]);
        let kids = children(&der, read(&der, 0).unwrap().content(&der).unwrap());
        assert_eq!(kids.len(), 2);
    }

    #[test]
    fn long_and_indefinite_lengths() {
        let long = [0x04, 0x82, 0x01, 0x00];
        let h = read(&long, 0).unwrap();
        assert_eq!((h.len, h.len_bytes, h.content_start()), (Some(256), 3, 4));
        assert_eq!(h.content(&long), None);
        assert_eq!(read(&[0x30, 0x80], 0).unwrap().len, None);
        assert_eq!(read(&[0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1], 0), None);
        assert_eq!(read(&[0x30], 0), None);
    }

    #[test]
    fn garbage_is_not_walked() {
        assert!(walk(&[0xff, 0xff, 0xff], 10).len() <= 1);
        assert!(walk(&[], 10).is_empty());
    }
}
