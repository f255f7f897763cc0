//! Fuzz targets of the certificate core (docs/fuzzing.md): the PFX reader, the PEM
//! splitter, certificate inspection, `.p7b` bundles, private-key parsing and certreq's
//! request policy files. Each test replays every file
//! under tests/fuzz/regressions/<target>/ and then mutates its seeds for a short budget
//! (CERTHOST_FUZZ_SECONDS and friends make it longer; scripts/fuzz.sh does).
//!
//! Besides "no panic, no hang", whatever certcore accepts must be accepted by openssl
//! (and certificates by Python `cryptography`): the oracles in `certhost_fuzz::oracle`.
#![cfg(not(target_family = "wasm"))]

mod capped;
mod inspect;
mod keys;
mod pem;
mod pfx;
mod pkcs7;
mod request_inf;
mod seeds;

use certhost_fuzz::{Budget, Summary, Target};
use std::time::Duration;

/// The normal suite's run: at most this long per target, and at most `runs` inputs, so
/// that a machine fast enough to reach the bound tries the same inputs every time.
fn quick(seconds: u64, runs: u64) -> Budget {
    let mut budget = Budget::quick(Duration::from_secs(seconds), runs);
    budget.max_len = 16 * 1024;
    budget
}

fn check<T: Target>(target: T, seeds: Vec<Vec<u8>>, budget: Budget) {
    assert!(!seeds.is_empty(), "{}: no seeds", target.name());
    let summary: Summary = certhost_fuzz::fuzz(target, seeds, budget, env!("CARGO_MANIFEST_DIR"))
        .expect("the fuzz run starts");
    assert!(summary.is_clean(), "{}", summary.report());
}

#[test]
fn pfx() {
    check(pfx::Pfx, seeds::pfx_inputs(), quick(8, 300));
}

#[test]
fn pem() {
    check(pem::Pem, seeds::pem_inputs(), quick(5, 1000));
}

#[test]
fn inspect() {
    check(
        inspect::Inspect,
        seeds::certificate_inputs(),
        quick(5, 2000),
    );
}

#[test]
fn pkcs7() {
    check(pkcs7::Pkcs7, seeds::pkcs7_inputs(), quick(5, 600));
}

#[test]
fn request_inf() {
    check(
        request_inf::RequestInf,
        seeds::request_inf_inputs(),
        quick(5, 2000),
    );
}

#[test]
fn keys() {
    check(keys::Keys, seeds::key_inputs(), quick(5, 600));
}

/// The command that replays a target's regression files.
fn replay_command(test: &str) -> String {
    format!("cargo test --release -p certhost-core --test fuzz {test}")
}

/// Splits a `password\n` prefix from an input (no newline: empty password, all data).
fn split_password(input: &[u8]) -> (String, &[u8]) {
    match input.iter().position(|b| *b == b'\n') {
        Some(nl) => (
            String::from_utf8_lossy(&input[..nl]).into_owned(),
            &input[nl + 1..],
        ),
        None => (String::new(), input),
    }
}

/// `password\n` + `data`, the input of the targets that need a password.
fn with_password(password: &str, data: &[u8]) -> Vec<u8> {
    let mut input = format!("{password}\n").into_bytes();
    input.extend_from_slice(data);
    input
}
