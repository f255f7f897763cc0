//! What a fuzz target is: a name, a function of the input that must not panic or hang,
//! and a report of what it accepted for the oracles to check.

use crate::oracle::Claim;

/// Code under test, fed with one input at a time.
pub trait Target: Send + Sync + 'static {
    /// The directory name under `tests/fuzz/regressions/`.
    fn name(&self) -> &'static str;

    /// Runs the code under test on `input`. A panic is caught by the engine and is a
    /// failure; so is running longer than the budget's timeout.
    fn execute(&self, input: &[u8]) -> Observation;

    /// The command that replays this target's regression files (printed with a failure).
    fn test_command(&self) -> String;

    /// Words the mutator may insert (tokens of a text format).
    fn dictionary(&self) -> Vec<Vec<u8>> {
        Vec::new()
    }

    /// Opening and closing brackets of a text format, for the nesting mutation.
    fn brackets(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        Vec::new()
    }

    /// Stack of the worker thread that runs [`Target::execute`]; the default is the
    /// 8 MiB of a Linux main thread.
    fn stack_size(&self) -> usize {
        8 * 1024 * 1024
    }

    /// Makes a mutated input consistent again where a checksum would hide everything
    /// behind it (a PFX's MAC). Called on most mutated inputs, not on replayed files.
    fn repair(&self, _input: &mut Vec<u8>) {}
}

/// What one input did.
#[derive(Clone, Debug, Default)]
pub struct Observation {
    /// A short description of the path the input took. An input whose label was not seen
    /// before joins the corpus: the engine's stand-in for coverage feedback.
    pub label: String,
    /// What the code under test accepted, for the oracles.
    pub claims: Vec<Claim>,
    /// A property the target checks itself that did not hold (a round trip, an invariant).
    pub violation: Option<String>,
}

impl Observation {
    /// The input was accepted; `claims` are what the oracles must also accept.
    pub fn accepted(label: impl Into<String>, claims: Vec<Claim>) -> Self {
        Observation {
            label: format!("ok: {}", label.into()),
            claims,
            violation: None,
        }
    }

    /// The input was refused with `error` (labelled by the error's normalized text).
    pub fn rejected(error: impl std::fmt::Display) -> Self {
        Observation {
            label: format!("refused: {}", normalize(&error.to_string())),
            claims: Vec::new(),
            violation: None,
        }
    }

    /// `self` with a violated property.
    pub fn violating(mut self, what: impl Into<String>) -> Self {
        self.violation = Some(what.into());
        self
    }
}

/// A message with the parts that vary from input to input removed: digit runs become
/// `#`, quoted text becomes `'…'`, and it is cut to 120 characters. Used for labels and
/// for failure signatures.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(128));
    let mut quote: Option<char> = None;
    let mut last_digit = false;
    for c in text.chars() {
        if let Some(q) = quote {
            if c == q {
                out.push('…');
                out.push(q);
                quote = None;
            }
            continue;
        }
        if c == '\'' || c == '"' {
            quote = Some(c);
            out.push(c);
            last_digit = false;
            continue;
        }
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('#');
            }
            last_digit = true;
            continue;
        }
        last_digit = false;
        out.push(c);
        if out.chars().count() >= 120 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_drops_numbers_and_quoted_text() {
        assert_eq!(
            normalize("the PEM block 'X509 12' has 130 bytes"),
            "the PEM block '…' has # bytes"
        );
        assert_eq!(normalize("unterminated 'quote"), "unterminated '");
        assert!(normalize(&"x".repeat(500)).chars().count() <= 120);
    }
}
