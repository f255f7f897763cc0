//! certhost's fuzzing that stays: a small mutation engine on stable Rust, run by ordinary
//! `#[test]` functions so that a short run and every saved regression input are part of
//! the normal test suite (docs/fuzzing.md).
//!
//! - [`mutate`]: seeded byte mutations (bit flips, inserts, deletes, splices, interesting
//!   integers, DER length and tag tweaks, truncation, dictionary words)
//! - [`tlv`]: a tolerant DER header walker for the DER-aware mutations and for repairs
//! - [`target`]: what a target implements, and what it reports ([`Observation`], [`Claim`])
//! - [`oracle`]: openssl and Python `cryptography` checking what certhost accepted
//! - [`regress`]: `tests/fuzz/regressions/<target>/<sha256-prefix>.bin` and the list of
//!   known disagreements
//! - [`run`]: replay, then mutate until the time or run budget is spent ([`fuzz`])
//!
//! ```
//! use certhost_fuzz::{Budget, Observation, Target};
//! struct Ascii;
//! impl Target for Ascii {
//!     fn name(&self) -> &'static str { "ascii-doc" }
//!     fn execute(&self, input: &[u8]) -> Observation {
//!         match std::str::from_utf8(input) {
//!             Ok(_) => Observation::accepted("utf-8", Vec::new()),
//!             Err(e) => Observation::rejected(e),
//!         }
//!     }
//!     fn test_command(&self) -> String { "cargo test --doc -p certhost-fuzz".into() }
//! }
//! let budget = Budget::quick(std::time::Duration::from_millis(50), 200);
//! let summary = certhost_fuzz::fuzz_with(Ascii, vec![b"seed".to_vec()], budget, None).unwrap();
//! assert!(summary.failures.is_empty());
//! ```

pub mod config;
pub mod error;
mod exec;
pub mod mutate;
pub mod oracle;
pub mod regress;
pub mod run;
pub mod target;
pub mod tlv;

pub use config::Budget;
pub use error::FuzzError;
pub use oracle::{Claim, ClaimKind};
pub use run::{Summary, fuzz, fuzz_with};
pub use target::{Observation, Target, normalize};
