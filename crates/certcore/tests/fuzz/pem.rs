//! Target `pem`: the PEM splitter and `parse_certificates` on text. The splitter's
//! blocks must survive `encode_pem` → `pem_blocks` unchanged, and every certificate
//! accepted from the text must be accepted by the oracles. (How leniently the splitter
//! reads the text around the blocks is a choice, not checked against openssl.)

use super::replay_command;
use certhost_core::pem::{encode_pem, is_pem, parse_certificates, pem_blocks};
use certhost_fuzz::{Claim, Observation, Target};

pub struct Pem;

impl Target for Pem {
    fn name(&self) -> &'static str {
        "pem"
    }

    fn execute(&self, input: &[u8]) -> Observation {
        let blocks = match pem_blocks(input) {
            Ok(b) => b,
            Err(e) => return Observation::rejected(e),
        };
        let mut violation = None;
        for b in &blocks {
            let again = pem_blocks(encode_pem(&b.label, &b.der).as_bytes());
            let same = again.as_ref().is_ok_and(|a| {
                a.len() == 1 && a[0].label == b.label && a[0].der == b.der && !a[0].has_headers
            });
            if !same {
                violation = Some(format!(
                    "the block '{}' ({} bytes) does not survive encode_pem -> pem_blocks: {again:?}",
                    b.label.escape_debug(),
                    b.der.len()
                ));
            }
        }
        let observation = if !is_pem(input) {
            Observation::accepted(format!("{} blocks, not PEM", blocks.len()), Vec::new())
        } else {
            match parse_certificates(input) {
                Ok(certs) => {
                    let claims = certs
                        .into_iter()
                        .enumerate()
                        .map(|(i, der)| {
                            Claim::certificate(der, format!("certificate {i} of the text"))
                        })
                        .collect::<Vec<_>>();
                    let headers = blocks.iter().filter(|b| b.has_headers).count();
                    Observation::accepted(
                        format!(
                            "{} blocks, {headers} with headers, {} certificates",
                            blocks.len(),
                            claims.len()
                        ),
                        claims,
                    )
                }
                Err(e) => Observation::rejected(e),
            }
        };
        match violation {
            Some(v) => observation.violating(v),
            None => observation,
        }
    }

    fn test_command(&self) -> String {
        replay_command("pem")
    }

    fn dictionary(&self) -> Vec<Vec<u8>> {
        [
            "-----BEGIN CERTIFICATE-----\n",
            "-----END CERTIFICATE-----\n",
            "-----BEGIN ",
            "-----END ",
            "-----",
            "\r\n",
            "\n",
            "Proc-Type: 4,ENCRYPTED\n",
            "DEK-Info: AES-128-CBC,00\n",
            ":",
            "=",
            "==",
            " ",
            "\t",
            "X509 CERTIFICATE",
            "PRIVATE KEY",
            "MII",
            "\u{feff}",
        ]
        .iter()
        .map(|w| w.as_bytes().to_vec())
        .collect()
    }
}
