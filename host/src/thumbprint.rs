//! Thumbprints as users give them. Windows' certificate dialog shows a thumbprint as hex
//! pairs separated by spaces, and copying it often brings an invisible LEFT-TO-RIGHT MARK
//! (U+200E) along; other pastes carry zero-width spaces, direction marks, byte order
//! marks or non-breaking spaces. Every place that accepts a thumbprint goes through
//! [`normalize`]: it removes whitespace and Unicode format characters (general category
//! Cf), upper-cases the hex, says what it removed, and explains a value that is still
//! not a thumbprint with its odd characters made visible.

use std::fmt;

/// A thumbprint to show in help and errors.
const EXAMPLE: &str = "5F98EBBFE735CDDAE00E33E0FD69050EF9220254";
/// Hex digits of a SHA-1 thumbprint.
const SHA1_DIGITS: usize = 40;
/// Offending characters an error names at most.
const MAX_NAMED: usize = 5;

/// The digests a place accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// SHA-1, 40 hex digits: what Windows calls the thumbprint.
    Sha1,
}

impl Accepted {
    fn allows(self, digits: usize) -> bool {
        match self {
            Accepted::Sha1 => digits == SHA1_DIGITS,
        }
    }

    /// What a thumbprint looks like, as the end of an error.
    fn shape(self) -> String {
        match self {
            Accepted::Sha1 => format!(
                "A thumbprint is 40 hexadecimal digits (0-9, A-F), such as {EXAMPLE}; spaces and invisible characters in it are ignored."
            ),
        }
    }
}

/// What [`normalize`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Removed {
    /// Unicode format characters (general category Cf): U+200E, U+200B, U+FEFF, ...
    pub invisible: usize,
    /// Whitespace, non-breaking spaces and line breaks included.
    pub spaces: usize,
}

impl Removed {
    pub fn is_empty(&self) -> bool {
        self.invisible == 0 && self.spaces == 0
    }
}

/// A thumbprint in its canonical form, and what was removed to get there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// Upper-case hexadecimal digits.
    pub value: String,
    pub removed: Removed,
}

impl Normalized {
    /// The warning to show when something was removed (without `WARNING: `).
    pub fn warning(&self) -> Option<String> {
        if self.removed.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        if self.removed.invisible > 0 {
            parts.push(counted(
                self.removed.invisible,
                "invisible formatting character",
                "invisible formatting characters",
            ));
        }
        if self.removed.spaces > 0 {
            parts.push(counted(self.removed.spaces, "space", "spaces"));
        }
        let verb = if self.removed.invisible + self.removed.spaces == 1 {
            "was"
        } else {
            "were"
        };
        Some(format!(
            "the thumbprint contained {}, which {verb} removed (as pasted from the Windows certificate dialog): {}",
            parts.join(" and "),
            self.value
        ))
    }
}

/// Why a text is not a thumbprint, even with spaces and invisible characters removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThumbprintError {
    /// Characters other than hexadecimal digits remain.
    NotHex {
        /// The text as given, odd characters escaped ([`visible`]).
        shown: String,
        /// The first few distinct offending characters, in order.
        offending: Vec<char>,
        accepted: Accepted,
    },
    /// Only hexadecimal digits, but not as many as a thumbprint has.
    WrongLength {
        shown: String,
        digits: usize,
        accepted: Accepted,
    },
}

impl fmt::Display for ThumbprintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThumbprintError::NotHex {
                shown,
                offending,
                accepted,
            } => {
                let named: Vec<String> = offending.iter().map(|c| describe(*c)).collect();
                let verb = if named.len() == 1 {
                    "is not a hexadecimal digit"
                } else {
                    "are not hexadecimal digits"
                };
                write!(
                    f,
                    "'{shown}' is not a thumbprint: {} {verb}. {}",
                    listing(&named),
                    accepted.shape()
                )
            }
            ThumbprintError::WrongLength {
                shown,
                digits,
                accepted,
            } => write!(
                f,
                "'{shown}' is not a thumbprint: it has {}. {}",
                counted(*digits, "hexadecimal digit", "hexadecimal digits"),
                accepted.shape()
            ),
        }
    }
}

impl std::error::Error for ThumbprintError {}

/// `text` as a thumbprint: whitespace and format characters removed, hex upper-cased.
pub fn normalize(text: &str, accepted: Accepted) -> Result<Normalized, ThumbprintError> {
    let mut removed = Removed::default();
    let mut value = String::with_capacity(SHA1_DIGITS);
    let mut offending = Vec::new();
    for c in text.chars() {
        if c.is_whitespace() {
            removed.spaces += 1;
        } else if is_format_character(c) {
            removed.invisible += 1;
        } else if c.is_ascii_hexdigit() {
            value.push(c.to_ascii_uppercase());
        } else if !offending.contains(&c) && offending.len() < MAX_NAMED {
            offending.push(c);
        }
    }
    if !offending.is_empty() {
        return Err(ThumbprintError::NotHex {
            shown: visible(text),
            offending,
            accepted,
        });
    }
    if !accepted.allows(value.len()) {
        return Err(ThumbprintError::WrongLength {
            shown: visible(text),
            digits: value.len(),
            accepted,
        });
    }
    Ok(Normalized { value, removed })
}

/// `text` with every character that is not printable ASCII (or a plain space) written
/// as `<U+XXXX>`, so that an invisible mark or a look-alike letter shows in a message.
pub fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c.to_string()
            } else {
                format!("<U+{:04X}>", u32::from(c))
            }
        })
        .collect()
}

/// One character for an error: `'G'` when it is printable ASCII, `U+0410` otherwise.
fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("'{c}'")
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

/// `a`, `a and b`, `a, b and c`.
fn listing(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The characters of Unicode's general category Cf (format), Unicode 15.
const FORMAT_CHARACTERS: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Whether `c` is a Unicode format character (general category Cf).
fn is_format_character(c: char) -> bool {
    let c = u32::from(c);
    FORMAT_CHARACTERS
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const THUMBPRINT: &str = "3A4F0B1C2D3E4F5061728394A5B6C7D8E9F00112";

    fn spaced_pairs(hex: &str) -> String {
        hex.as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn a_plain_thumbprint_is_kept_without_a_warning() {
        let n = normalize(THUMBPRINT, Accepted::Sha1).unwrap();
        assert_eq!(n.value, THUMBPRINT);
        assert!(n.removed.is_empty());
        assert_eq!(n.warning(), None);
    }

    #[test]
    fn spaced_pairs_are_joined() {
        let n = normalize(&spaced_pairs(THUMBPRINT), Accepted::Sha1).unwrap();
        assert_eq!(n.value, THUMBPRINT);
        assert_eq!(
            n.removed,
            Removed {
                invisible: 0,
                spaces: 19
            }
        );
        assert_eq!(
            n.warning().unwrap(),
            format!(
                "the thumbprint contained 19 spaces, which were removed (as pasted from the Windows certificate dialog): {THUMBPRINT}"
            )
        );
    }

    #[test]
    fn a_leading_left_to_right_mark_is_removed_and_named() {
        let pasted = format!("\u{200E}{}", spaced_pairs(&THUMBPRINT.to_ascii_lowercase()));
        let n = normalize(&pasted, Accepted::Sha1).unwrap();
        assert_eq!(n.value, THUMBPRINT);
        assert_eq!(
            n.warning().unwrap(),
            format!(
                "the thumbprint contained 1 invisible formatting character and 19 spaces, which were removed (as pasted from the Windows certificate dialog): {THUMBPRINT}"
            )
        );
    }

    #[test]
    fn lower_case_is_upper_cased_without_a_warning() {
        let n = normalize(&THUMBPRINT.to_ascii_lowercase(), Accepted::Sha1).unwrap();
        assert_eq!(n.value, THUMBPRINT);
        assert_eq!(n.warning(), None);
    }

    #[test]
    fn non_breaking_spaces_and_other_invisible_characters_are_removed() {
        let pasted = format!(
            "\u{FEFF}{}\u{00A0}{}\u{200B}\u{2066}",
            &THUMBPRINT[..20],
            &THUMBPRINT[20..]
        );
        let n = normalize(&pasted, Accepted::Sha1).unwrap();
        assert_eq!(n.value, THUMBPRINT);
        assert_eq!(
            n.removed,
            Removed {
                invisible: 3,
                spaces: 1
            }
        );
        assert!(
            n.warning()
                .unwrap()
                .starts_with("the thumbprint contained 3 invisible formatting characters and 1 space, which were removed")
        );
    }

    #[test]
    fn one_removed_character_is_singular() {
        let n = normalize(&format!("{THUMBPRINT}\u{200F}"), Accepted::Sha1).unwrap();
        assert!(n.warning().unwrap().starts_with(
            "the thumbprint contained 1 invisible formatting character, which was removed"
        ));
    }

    #[test]
    fn a_character_that_is_not_hex_is_shown_visibly() {
        // A Cyrillic capital A (U+0410) looks exactly like A; a G is plainly wrong.
        let text = format!("\u{200E}3\u{0410}{}G", &THUMBPRINT[2..39]);
        let e = normalize(&text, Accepted::Sha1).unwrap_err();
        assert_eq!(
            e,
            ThumbprintError::NotHex {
                shown: format!("<U+200E>3<U+0410>{}G", &THUMBPRINT[2..39]),
                offending: vec!['\u{0410}', 'G'],
                accepted: Accepted::Sha1,
            }
        );
        assert_eq!(
            e.to_string(),
            format!(
                "'<U+200E>3<U+0410>{}G' is not a thumbprint: U+0410 and 'G' are not hexadecimal digits. A thumbprint is 40 hexadecimal digits (0-9, A-F), such as 5F98EBBFE735CDDAE00E33E0FD69050EF9220254; spaces and invisible characters in it are ignored.",
                &THUMBPRINT[2..39]
            )
        );
    }

    #[test]
    fn a_wrong_length_says_how_many_digits_there_are() {
        let e = normalize("\u{200E}1111", Accepted::Sha1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "'<U+200E>1111' is not a thumbprint: it has 4 hexadecimal digits. A thumbprint is 40 hexadecimal digits (0-9, A-F), such as 5F98EBBFE735CDDAE00E33E0FD69050EF9220254; spaces and invisible characters in it are ignored."
        );
        let e = normalize("", Accepted::Sha1).unwrap_err();
        assert!(matches!(e, ThumbprintError::WrongLength { digits: 0, .. }));
    }

    #[test]
    fn several_offending_characters_are_listed_once_each() {
        let e = normalize("3A:4F:3A-ZZ", Accepted::Sha1).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "'3A:4F:3A-ZZ' is not a thumbprint: ':', '-' and 'Z' are not hexadecimal digits."
            ),
            "{e}"
        );
    }

    #[test]
    fn visible_escapes_what_does_not_show() {
        assert_eq!(
            visible("\u{200E}a b\u{00A0}c\t"),
            "<U+200E>a b<U+00A0>c<U+0009>"
        );
        assert_eq!(
            visible("Cert:\\LocalMachine\\My"),
            "Cert:\\LocalMachine\\My"
        );
    }
}
