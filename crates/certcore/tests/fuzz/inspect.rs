//! Target `inspect`: `inspect` on DER. Whatever it accepts, `openssl x509 -inform DER`
//! and Python `cryptography` must load too.

use super::replay_command;
use certhost_core::inspect::inspect;
use certhost_fuzz::{Claim, Observation, Target};

pub struct Inspect;

impl Target for Inspect {
    fn name(&self) -> &'static str {
        "inspect"
    }

    fn execute(&self, input: &[u8]) -> Observation {
        match inspect(input) {
            Ok(info) => Observation::accepted(
                format!(
                    "v{} {} {} {} ca={:?} self-signed={} {} SANs {} EKUs {} usages",
                    info.version,
                    info.key_algorithm,
                    info.key_size,
                    info.signature_algorithm,
                    info.is_ca,
                    info.self_signed,
                    info.dns_names.len() + info.ip_addresses.len(),
                    info.extended_key_usages.len(),
                    info.key_usages.len()
                ),
                vec![Claim::certificate(input.to_vec(), "the certificate")],
            ),
            Err(e) => Observation::rejected(e),
        }
    }

    fn test_command(&self) -> String {
        replay_command("inspect")
    }
}
