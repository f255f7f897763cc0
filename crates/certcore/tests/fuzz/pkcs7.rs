//! Target `pkcs7`: the certificates of a `.p7b` bundle. Each certificate the reader
//! returns must be accepted by the oracles (openssl and Python `cryptography`), and a
//! bundle is either read whole or refused.

use super::replay_command;
use certhost_core::pkcs7::certificates;
use certhost_fuzz::{Claim, Observation, Target};

pub struct Pkcs7;

impl Target for Pkcs7 {
    fn name(&self) -> &'static str {
        "pkcs7"
    }

    fn execute(&self, input: &[u8]) -> Observation {
        match certificates(input) {
            Ok(certs) => Observation::accepted(
                format!("{} certificates", certs.len()),
                certs
                    .into_iter()
                    .enumerate()
                    .map(|(i, der)| {
                        Claim::certificate(der, format!("certificate {i} of the bundle"))
                    })
                    .collect(),
            ),
            Err(e) => Observation::rejected(e),
        }
    }

    fn test_command(&self) -> String {
        replay_command("pkcs7")
    }
}
