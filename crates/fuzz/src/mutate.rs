//! Seeded byte mutations. Every choice comes from one `fastrand::Rng`, so a seed and a
//! corpus give the same sequence of inputs on every machine.

use crate::tlv;

/// One kind of change to an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    FlipBit,
    RandomByte,
    InsertBytes,
    DeleteRange,
    DuplicateRange,
    Splice,
    InterestingInteger,
    DerLength,
    DerTag,
    Truncate,
    Dictionary,
    /// Wraps part of a text in brackets, several levels deep.
    Nest,
    /// Wraps a DER element in constructed tags, several levels deep.
    DerWrap,
}

const ALL: [Mutation; 13] = [
    Mutation::FlipBit,
    Mutation::RandomByte,
    Mutation::InsertBytes,
    Mutation::DeleteRange,
    Mutation::DuplicateRange,
    Mutation::Splice,
    Mutation::InterestingInteger,
    Mutation::DerLength,
    Mutation::DerTag,
    Mutation::Truncate,
    Mutation::Dictionary,
    Mutation::Nest,
    Mutation::DerWrap,
];

/// Values that sit on boundaries of length and integer decoders.
const INTERESTING: [u64; 16] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
];

/// Tags worth swapping in: SEQUENCE, SET, INTEGER, BIT/OCTET STRING, NULL, OID,
/// UTF8String, PrintableString, BMPString, UTCTime, context [0] [1] [3], a high tag.
const TAGS: [u8; 16] = [
    0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x1e, 0x17, 0xa0, 0xa1, 0xa3, 0x80, 0x1f,
];

/// Mutates inputs with a seeded PRNG.
pub struct Mutator {
    rng: fastrand::Rng,
    dictionary: Vec<Vec<u8>>,
    brackets: Vec<(Vec<u8>, Vec<u8>)>,
    max_len: usize,
    max_nest: usize,
}

/// What the mutator may insert besides random bytes, and how big inputs may grow.
#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    pub dictionary: Vec<Vec<u8>>,
    pub brackets: Vec<(Vec<u8>, Vec<u8>)>,
    pub max_len: usize,
    pub max_nest: usize,
}

impl Mutator {
    pub fn new(seed: u64, vocabulary: Vocabulary) -> Self {
        Mutator {
            rng: fastrand::Rng::with_seed(seed),
            dictionary: vocabulary.dictionary,
            brackets: vocabulary.brackets,
            max_len: vocabulary.max_len.max(1),
            max_nest: vocabulary.max_nest.max(1),
        }
    }

    /// The PRNG, for choices the run makes (which corpus entry to start from).
    pub fn rng(&mut self) -> &mut fastrand::Rng {
        &mut self.rng
    }

    /// Applies one to four stacked mutations; `others` is the corpus to splice from.
    /// Returns what was applied.
    pub fn mutate(&mut self, input: &mut Vec<u8>, others: &[Vec<u8>]) -> Vec<Mutation> {
        let count = 1 + self.rng.usize(..4) * self.rng.usize(..2);
        let mut applied = Vec::with_capacity(count);
        for _ in 0..count {
            let m = ALL[self.rng.usize(..ALL.len())];
            if self.apply(m, input, others) {
                applied.push(m);
            }
        }
        if applied.is_empty() {
            self.insert_bytes(input);
            applied.push(Mutation::InsertBytes);
        }
        input.truncate(self.max_len);
        applied
    }

    /// Applies `m`; false when it does not fit the input (nothing changed).
    pub fn apply(&mut self, m: Mutation, input: &mut Vec<u8>, others: &[Vec<u8>]) -> bool {
        match m {
            Mutation::FlipBit => self.flip_bit(input),
            Mutation::RandomByte => self.random_byte(input),
            Mutation::InsertBytes => self.insert_bytes(input),
            Mutation::DeleteRange => self.delete_range(input),
            Mutation::DuplicateRange => self.duplicate_range(input),
            Mutation::Splice => self.splice(input, others),
            Mutation::InterestingInteger => self.interesting_integer(input),
            Mutation::DerLength => self.der_length(input),
            Mutation::DerTag => self.der_tag(input),
            Mutation::Truncate => self.truncate(input),
            Mutation::Dictionary => self.dictionary_word(input),
            Mutation::Nest => self.nest(input),
            Mutation::DerWrap => self.der_wrap(input),
        }
    }

    /// A position in `0..len`, favouring the start (headers, lengths, versions).
    fn position(&mut self, len: usize) -> usize {
        if self.rng.bool() {
            self.rng.usize(..len.min(64))
        } else {
            self.rng.usize(..len)
        }
    }

    fn flip_bit(&mut self, input: &mut [u8]) -> bool {
        if input.is_empty() {
            return false;
        }
        let i = self.position(input.len());
        input[i] ^= 1 << self.rng.u8(..8);
        true
    }

    fn random_byte(&mut self, input: &mut [u8]) -> bool {
        if input.is_empty() {
            return false;
        }
        let i = self.position(input.len());
        input[i] = self.rng.u8(..);
        true
    }

    fn insert_bytes(&mut self, input: &mut Vec<u8>) -> bool {
        let at = self.rng.usize(..=input.len());
        let n = 1 + self.rng.usize(..8);
        let byte = self.rng.u8(..);
        let same = self.rng.bool();
        let bytes: Vec<u8> = (0..n)
            .map(|_| if same { byte } else { self.rng.u8(..) })
            .collect();
        input.splice(at..at, bytes);
        true
    }

    fn delete_range(&mut self, input: &mut Vec<u8>) -> bool {
        if input.is_empty() {
            return false;
        }
        let at = self.rng.usize(..input.len());
        let n = 1 + self.rng.usize(..(input.len() - at).min(32));
        input.drain(at..at + n);
        true
    }

    fn duplicate_range(&mut self, input: &mut Vec<u8>) -> bool {
        if input.is_empty() {
            return false;
        }
        let from = self.rng.usize(..input.len());
        let n = 1 + self.rng.usize(..(input.len() - from).min(64));
        let chunk = input[from..from + n].to_vec();
        let times = 1 + self.rng.usize(..4) * self.rng.usize(..8);
        let at = self.rng.usize(..=input.len());
        let repeated: Vec<u8> = chunk.iter().copied().cycle().take(n * times).collect();
        input.splice(at..at, repeated);
        true
    }

    fn splice(&mut self, input: &mut Vec<u8>, others: &[Vec<u8>]) -> bool {
        if others.is_empty() {
            return false;
        }
        let other = &others[self.rng.usize(..others.len())];
        if other.is_empty() {
            return false;
        }
        let from = self.rng.usize(..other.len());
        if self.rng.bool() {
            // Keep our head, take their tail.
            let cut = self.rng.usize(..=input.len());
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        } else {
            // Insert a piece of theirs.
            let n = 1 + self.rng.usize(..(other.len() - from).min(256));
            let at = self.rng.usize(..=input.len());
            input.splice(at..at, other[from..from + n].iter().copied());
        }
        true
    }

    fn interesting_integer(&mut self, input: &mut [u8]) -> bool {
        let width = [1usize, 2, 4, 8][self.rng.usize(..4)];
        if input.len() < width {
            return false;
        }
        let value = INTERESTING[self.rng.usize(..INTERESTING.len())];
        let value = if self.rng.bool() {
            value
        } else {
            value.wrapping_sub(1)
        };
        let bytes = value.to_be_bytes();
        let at = self.position(input.len() - width + 1);
        input[at..at + width].copy_from_slice(&bytes[8 - width..]);
        true
    }

    fn header(&mut self, input: &[u8]) -> Option<tlv::Header> {
        let headers = tlv::walk(input, 4096);
        if headers.is_empty() {
            return None;
        }
        Some(headers[self.rng.usize(..headers.len())])
    }

    fn der_length(&mut self, input: &mut Vec<u8>) -> bool {
        let Some(h) = self.header(input) else {
            return false;
        };
        let len = h.len.unwrap_or(0);
        let encoded: Vec<u8> = match self.rng.usize(..9) {
            0 => short_or_long(len.wrapping_add(1)),
            1 => short_or_long(len.saturating_sub(1)),
            2 => vec![0x00],
            3 => vec![0x80], // indefinite
            4 => vec![0x84, 0xff, 0xff, 0xff, 0xff],
            5 => vec![0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0], // more length bytes than allowed
            6 => {
                // Non-minimal: one more length byte than needed.
                let mut value = short_or_long(len);
                if value[0] & 0x80 != 0 {
                    value.remove(0);
                }
                let mut out = vec![0x80 | (value.len() as u8 + 1), 0];
                out.extend(value);
                out
            }
            7 => short_or_long(len.wrapping_mul(2)),
            _ => short_or_long(self.rng.usize(..=len.saturating_mul(2).max(4))),
        };
        input.splice(h.len_at..h.len_at + h.len_bytes, encoded);
        true
    }

    fn der_tag(&mut self, input: &mut [u8]) -> bool {
        let Some(h) = self.header(input) else {
            return false;
        };
        input[h.start] = match self.rng.usize(..3) {
            0 => h.tag ^ 0x20, // primitive <-> constructed
            1 => TAGS[self.rng.usize(..TAGS.len())],
            _ => self.rng.u8(..),
        };
        true
    }

    fn truncate(&mut self, input: &mut Vec<u8>) -> bool {
        if input.is_empty() {
            return false;
        }
        let at = self.rng.usize(..input.len());
        input.truncate(at);
        true
    }

    fn dictionary_word(&mut self, input: &mut Vec<u8>) -> bool {
        if self.dictionary.is_empty() {
            return false;
        }
        let word = self.dictionary[self.rng.usize(..self.dictionary.len())].clone();
        let at = self.rng.usize(..=input.len());
        if self.rng.bool() || input.len() < at + word.len() {
            input.splice(at..at, word);
        } else {
            input[at..at + word.len()].copy_from_slice(&word);
        }
        true
    }
}

impl Mutator {
    /// How many levels a nesting mutation adds: mostly a few, sometimes up to the limit.
    fn levels(&mut self) -> usize {
        if self.rng.bool() {
            1 + self.rng.usize(..self.max_nest.min(3))
        } else {
            1 + self.rng.usize(..self.max_nest)
        }
    }

    fn nest(&mut self, input: &mut Vec<u8>) -> bool {
        if self.brackets.is_empty() {
            return false;
        }
        let (open, close) = self.brackets[self.rng.usize(..self.brackets.len())].clone();
        let levels = self.levels();
        let a = self.rng.usize(..=input.len());
        let b = self.rng.usize(a..=input.len());
        let closing: Vec<u8> = close
            .iter()
            .copied()
            .cycle()
            .take(close.len() * levels)
            .collect();
        let opening: Vec<u8> = open
            .iter()
            .copied()
            .cycle()
            .take(open.len() * levels)
            .collect();
        input.splice(b..b, closing);
        input.splice(a..a, opening);
        true
    }

    fn der_wrap(&mut self, input: &mut Vec<u8>) -> bool {
        let Some(h) = self.header(input) else {
            return false;
        };
        let Some(content) = h.content(input) else {
            return false;
        };
        let tag = [0x30, 0x31, 0xa0, 0x24][self.rng.usize(..4)];
        let mut element = input[h.start..content.end].to_vec();
        for _ in 0..self.levels() {
            let mut wrapped = vec![tag];
            wrapped.extend(short_or_long(element.len()));
            wrapped.extend(element);
            element = wrapped;
            if element.len() > self.max_len {
                break;
            }
        }
        input.splice(h.start..content.end, element);
        true
    }
}

/// The DER encoding of a length (short form below 128).
pub fn short_or_long(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let mut out = vec![0x80 | (bytes.len() - skip) as u8];
    out.extend_from_slice(&bytes[skip..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary(max_len: usize) -> Vocabulary {
        Vocabulary {
            dictionary: vec![b"word".to_vec()],
            brackets: vec![(b"$(".to_vec(), b")".to_vec())],
            max_len,
            max_nest: 8,
        }
    }

    #[test]
    fn nesting_wraps_text_and_der() {
        let mut m = Mutator::new(5, vocabulary(1024));
        let mut text = b"x".to_vec();
        assert!(m.apply(Mutation::Nest, &mut text, &[]));
        let opens = text.windows(2).filter(|w| w == b"$(").count();
        assert_eq!(opens, text.iter().filter(|c| **c == b')').count());
        let mut der = sample();
        assert!(m.apply(Mutation::DerWrap, &mut der, &[]));
        assert!(der.len() > sample().len());
    }

    fn sample() -> Vec<u8> {
        vec![
            0x30, 0x09, 0x02, 0x01, 0x05, 0x04, 0x04, 0x30, 0x02, 0x05, 0x00,
        ]
    }

    #[test]
    fn same_seed_same_inputs() {
        let run = |seed| {
            let mut m = Mutator::new(seed, vocabulary(1024));
            let corpus = vec![sample(), b"other".to_vec()];
            (0..200)
                .map(|_| {
                    let mut input = sample();
                    m.mutate(&mut input, &corpus);
                    input
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn every_mutation_changes_or_declines_without_panicking() {
        let mut m = Mutator::new(1, vocabulary(64));
        for kind in ALL {
            for start in [Vec::new(), vec![0x30], sample()] {
                for _ in 0..50 {
                    let mut input = start.clone();
                    m.apply(kind, &mut input, &[sample()]);
                }
            }
        }
    }

    #[test]
    fn inputs_stay_under_the_length_cap() {
        let mut m = Mutator::new(3, vocabulary(16));
        for _ in 0..500 {
            let mut input = sample();
            m.mutate(&mut input, &[sample()]);
            assert!(input.len() <= 16);
        }
    }

    #[test]
    fn lengths_encode_minimally() {
        assert_eq!(short_or_long(5), vec![5]);
        assert_eq!(short_or_long(0x80), vec![0x81, 0x80]);
        assert_eq!(short_or_long(0x1234), vec![0x82, 0x12, 0x34]);
    }
}
