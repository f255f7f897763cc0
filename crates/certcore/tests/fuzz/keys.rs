//! Target `keys`: `parse_private_key` on `password\n` + key (PEM or DER, every wrapping).
//! What it accepts, `openssl pkey` must read (the key as given, DER or the PEM block's
//! DER), and the PKCS#8 it returns must pass `openssl pkey -check`: certcore vouches for
//! a usable key.

use super::capped::Capped;
use super::{replay_command, split_password};
use certhost_core::pem::{is_pem, parse_private_key, pem_blocks};
use certhost_fuzz::{Claim, Observation, Target};

pub struct Keys;

impl Target for Keys {
    fn name(&self) -> &'static str {
        "keys"
    }

    fn execute(&self, input: &[u8]) -> Observation {
        let (password, data) = split_password(input);
        let given = (!password.is_empty()).then_some(password.as_str());
        let pkcs8 = match parse_private_key(data, given, &Capped) {
            Ok(k) => k,
            Err(e) => return Observation::rejected(e),
        };
        let original = if is_pem(data) {
            pem_blocks(data).ok().and_then(|blocks| {
                blocks
                    .into_iter()
                    .find(|b| b.label.ends_with("PRIVATE KEY"))
                    .map(|b| (b.label, b.der))
            })
        } else {
            Some(("DER".to_string(), data.to_vec()))
        };
        let mut claims = vec![Claim::private_key(
            pkcs8.clone(),
            None,
            true,
            "the PKCS#8 key certcore returned",
        )];
        let mut label = String::from("PKCS#8 out");
        if let Some((form, der)) = original {
            label = format!("{form} in");
            if der != pkcs8 {
                claims.push(Claim::private_key(
                    der,
                    Some(password),
                    false,
                    format!("the key as given ({form})"),
                ));
            }
        }
        Observation::accepted(label, claims)
    }

    fn test_command(&self) -> String {
        replay_command("keys")
    }
}
