//! The oracles: what certhost accepted, independent implementations must accept too.
//! openssl checks certificates (`x509`), private keys (`pkey`, with `-check` where
//! certhost claims a consistent key) and PFX files (`pkcs12`); Python `cryptography`
//! checks certificates a second time when python3 has it. Passwords reach openssl
//! through an environment variable of the child process, never its arguments.
//!
//! Running a tool per input is slow, so each claim is checked once per run (by hash)
//! and the number of checks while mutating is bounded.

mod process;
mod python;

use process::{ToolRun, run_tool};
use python::Python;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

/// The child-process variable that carries a password to openssl (`-passin env:...`).
pub const PASSWORD_VAR: &str = "CERTHOST_FUZZ_ORACLE_PASS";

const TOOL_TIMEOUT: Duration = Duration::from_secs(20);

/// What certhost accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimKind {
    /// A DER X.509 certificate.
    Certificate,
    /// A private key in DER (PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1). With `consistent`,
    /// certhost vouches that its parts agree, and `openssl pkey -check` must agree.
    PrivateKey { consistent: bool },
    /// A PKCS#12 file that opens with the password.
    Pfx,
}

/// One thing certhost accepted, for the oracles to confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub kind: ClaimKind,
    pub bytes: Vec<u8>,
    pub password: Option<String>,
    /// Where it came from, for the failure report ("the PFX's first certificate").
    pub what: String,
}

impl Claim {
    pub fn certificate(der: Vec<u8>, what: impl Into<String>) -> Self {
        Claim {
            kind: ClaimKind::Certificate,
            bytes: der,
            password: None,
            what: what.into(),
        }
    }

    pub fn private_key(
        der: Vec<u8>,
        password: Option<String>,
        consistent: bool,
        what: impl Into<String>,
    ) -> Self {
        Claim {
            kind: ClaimKind::PrivateKey { consistent },
            bytes: der,
            password,
            what: what.into(),
        }
    }

    pub fn pfx(bytes: Vec<u8>, password: String, what: impl Into<String>) -> Self {
        Claim {
            kind: ClaimKind::Pfx,
            bytes,
            password: Some(password),
            what: what.into(),
        }
    }

    fn key(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(format!("{:?}", self.kind).as_bytes());
        match &self.password {
            Some(p) => {
                h.update([1]);
                h.update((p.len() as u64).to_be_bytes());
                h.update(p.as_bytes());
            }
            None => h.update([0]),
        }
        h.update(&self.bytes);
        h.finalize().into()
    }
}

/// An oracle's answer about one claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Agree,
    /// The oracle refused what certhost accepted.
    Disagree {
        oracle: &'static str,
        /// What the oracle said (its first error lines).
        detail: String,
        /// The stable part of the refusal (openssl's function:reason), for grouping.
        signature: String,
    },
    /// Not checked: no tool, a password openssl cannot receive, or the budget is spent.
    Unchecked(String),
}

#[derive(Default)]
enum Availability {
    #[default]
    Unknown,
    Present,
    Missing,
}

/// The oracles of one run, with their cache and budget.
pub struct Oracles {
    calls_left: usize,
    calls: usize,
    cache: HashMap<[u8; 32], Verdict>,
    openssl: Availability,
    python: Option<Python>,
    python_tried: bool,
    notes: Vec<String>,
}

impl Oracles {
    pub fn new(calls: usize) -> Self {
        Oracles {
            calls_left: calls,
            calls: 0,
            cache: HashMap::new(),
            openssl: Availability::Unknown,
            python: None,
            python_tried: false,
            notes: Vec::new(),
        }
    }

    /// Sets how many more claims may be checked.
    pub fn set_budget(&mut self, calls: usize) {
        self.calls_left = calls;
    }

    /// Claims checked so far (cache hits not counted).
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// One-time notes (a missing tool), taken by the caller to print.
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    /// Checks `claim`, from the cache when it was checked before in this run.
    pub fn check(&mut self, claim: &Claim) -> Verdict {
        let key = claim.key();
        if let Some(v) = self.cache.get(&key) {
            return v.clone();
        }
        if self.calls_left == 0 {
            return Verdict::Unchecked("the oracle budget of this run is spent".into());
        }
        if !self.openssl_present() {
            return Verdict::Unchecked("openssl is not installed".into());
        }
        if let Some(p) = &claim.password
            && p.chars().any(|c| c.is_control())
        {
            return Verdict::Unchecked("openssl cannot receive this password".into());
        }
        self.calls_left -= 1;
        self.calls += 1;
        let verdict = match claim.kind {
            ClaimKind::Certificate => self.certificate(&claim.bytes),
            ClaimKind::PrivateKey { consistent } => {
                openssl_verdict(private_key(claim, consistent), "openssl pkey")
            }
            ClaimKind::Pfx => openssl_verdict(pfx(claim), "openssl pkcs12"),
        };
        self.cache.insert(key, verdict.clone());
        verdict
    }

    fn certificate(&mut self, der: &[u8]) -> Verdict {
        let verdict = openssl_verdict(
            run_tool(
                "openssl",
                &["x509", "-inform", "DER", "-noout"],
                der,
                None,
                TOOL_TIMEOUT,
            ),
            "openssl x509",
        );
        if verdict != Verdict::Agree {
            return verdict;
        }
        let Some(python) = self.python() else {
            return verdict;
        };
        match python.check_certificate(der) {
            Ok(None) => Verdict::Agree,
            Ok(Some(refusal)) => Verdict::Disagree {
                oracle: "python cryptography",
                signature: python_signature(&refusal),
                detail: refusal,
            },
            Err(broken) => {
                self.notes.push(format!(
                    "the Python oracle stopped ({broken}); openssl only from now on"
                ));
                self.python = None;
                Verdict::Agree
            }
        }
    }

    fn openssl_present(&mut self) -> bool {
        if let Availability::Unknown = self.openssl {
            let run = run_tool("openssl", &["version"], &[], None, TOOL_TIMEOUT);
            self.openssl = if run.is_ok_and(|r| r.success) {
                Availability::Present
            } else {
                self.notes
                    .push("openssl is not installed: accepted inputs are not cross-checked".into());
                Availability::Missing
            };
        }
        matches!(self.openssl, Availability::Present)
    }

    fn python(&mut self) -> Option<&mut Python> {
        if !self.python_tried {
            self.python_tried = true;
            match Python::start() {
                Ok(p) => self.python = Some(p),
                Err(why) => self.notes.push(format!(
                    "no Python cryptography oracle ({why}); certificates are checked with openssl only"
                )),
            }
        }
        self.python.as_mut()
    }
}

fn private_key(claim: &Claim, consistent: bool) -> Result<ToolRun, process::ToolError> {
    let passin = format!("env:{PASSWORD_VAR}");
    let mut args = vec!["pkey", "-inform", "DER", "-noout", "-passin", &passin];
    if consistent {
        args.push("-check");
    }
    let password = claim.password.as_deref().unwrap_or("");
    run_tool("openssl", &args, &claim.bytes, Some(password), TOOL_TIMEOUT)
}

fn pfx(claim: &Claim) -> Result<ToolRun, process::ToolError> {
    let passin = format!("env:{PASSWORD_VAR}");
    let args = [
        "pkcs12",
        "-legacy",
        "-info",
        "-nodes",
        "-out",
        "/dev/null",
        "-passin",
        &passin,
    ];
    let password = claim.password.as_deref().unwrap_or("");
    run_tool("openssl", &args, &claim.bytes, Some(password), TOOL_TIMEOUT)
}

fn openssl_verdict(run: Result<ToolRun, process::ToolError>, oracle: &'static str) -> Verdict {
    match run {
        Ok(r) if r.success => Verdict::Agree,
        Ok(r) => Verdict::Disagree {
            oracle,
            signature: openssl_signature(&r.stderr),
            detail: first_lines(&r.stderr, 4),
        },
        Err(why) => Verdict::Unchecked(format!("{oracle} did not run: {why}")),
    }
}

/// `function:reason` of openssl's first error line
/// (`<thread>:error:<code>:<library>:<function>:<reason>:<file>:<line>:`), else its
/// first line that says what went wrong (`pkcs12 -info` prints its findings first).
pub fn openssl_signature(stderr: &str) -> String {
    let errors: Vec<String> = stderr
        .lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split(':').collect();
            (fields.len() > 5 && fields[1] == "error")
                .then(|| format!("{}:{}", fields[4], fields[5]))
        })
        .take(1)
        .collect();
    if errors.is_empty() {
        crate::target::normalize(telling_lines(stderr).first().copied().unwrap_or(""))
    } else {
        errors.join(" / ")
    }
}

/// openssl's lines that report a problem, or all its lines when none does.
fn telling_lines(stderr: &str) -> Vec<&str> {
    const WORDS: [&str; 7] = [
        "error",
        "unsupported",
        "invalid",
        "unable",
        "could not",
        "bad",
        "warning",
    ];
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let telling: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| {
            let lower = l.to_ascii_lowercase();
            WORDS.iter().any(|w| lower.contains(w))
        })
        .collect();
    if telling.is_empty() { lines } else { telling }
}

fn first_lines(text: &str, n: usize) -> String {
    telling_lines(text)
        .into_iter()
        .take(n)
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A Python refusal with its numbers collapsed (its quoted parse locations are kept:
/// they say which field was refused).
fn python_signature(refusal: &str) -> String {
    let mut out = String::new();
    let mut last_digit = false;
    for c in refusal.chars().take(240) {
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('#');
            }
            last_digit = true;
        } else {
            last_digit = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_function_and_reason() {
        let stderr = "Could not read certificate from <stdin>\n\
            40F7E1B2:error:0680007B:asn1 encoding routines:ASN1_get_object:header too long:../crypto/asn1/asn1_lib.c:95:\n\
            40F7E1B2:error:16000069:STORE routines:ossl_store_get0_loader_int:unregistered scheme:../crypto/store/store_register.c:237:scheme=file\n";
        assert_eq!(openssl_signature(stderr), "ASN1_get_object:header too long");
        assert_eq!(openssl_signature("Key is invalid\n"), "Key is invalid");
        assert_eq!(
            openssl_signature(
                "MAC: sha256, Iteration 2048\nPKCS7 Encrypted data: PBES2, <unsupported parameters>\n"
            ),
            "PKCS# Encrypted data: PBES#, <unsupported parameters>"
        );
    }

    #[test]
    fn claims_differ_by_password_and_kind() {
        let a = Claim::pfx(vec![1], "a".into(), "");
        let b = Claim::pfx(vec![1], "b".into(), "");
        let c = Claim::certificate(vec![1], "");
        assert_ne!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
    }

    #[test]
    fn spent_budget_checks_nothing() {
        let mut o = Oracles::new(0);
        assert!(matches!(
            o.check(&Claim::certificate(vec![0x30, 0x00], "")),
            Verdict::Unchecked(_)
        ));
    }
}
