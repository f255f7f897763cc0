//! A self-signed certificate from the certhost component, in a Rust program:
//!
//! ```sh
//! cargo run --release -p certhost --example self_signed -- backup01.tech.local > cert.pem
//! ```
//!
//! Prints the certificate as PEM on stdout and its thumbprint and expiry on stderr. The
//! key stays in memory: a real program would store it (see `Component::export_pfx`).

use certhost::{Component, ExtendedKeyUsage, GenerateRequest, KeyAlgorithm, KeyUsage};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(name) = std::env::args().nth(1) else {
        eprintln!("usage: self_signed <dns name>");
        return ExitCode::from(64);
    };
    match run(&name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("self_signed: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(name: &str) -> Result<(), certhost::EmbedError> {
    let component = Component::open()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let entry = component.generate_self_signed(&GenerateRequest {
        subject: None,
        dns_names: vec![name.to_string()],
        ip_addresses: vec![],
        not_before: now - 600,
        not_after: now + 365 * 86_400,
        key: KeyAlgorithm::EcdsaP256,
        key_usages: vec![KeyUsage::DigitalSignature],
        extended_key_usages: vec![ExtendedKeyUsage::ServerAuth],
    })?;
    let info = component.inspect(&entry.certificate)?;
    print!("{}", component.certificate_to_pem(&entry.certificate)?);
    eprintln!(
        "{} {} until {}",
        info.thumbprint, info.subject, info.not_after
    );
    Ok(())
}
