//! Public-key pins: the SHA-256 of a certificate's SubjectPublicKeyInfo, written
//! `sha256:<64 hex digits>` as kubeadm's `--discovery-token-ca-cert-hash` is. A pin
//! names a key, not a certificate: a certificate renewed with the same key keeps it,
//! and every certificate with a new key gets a new one.

use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use std::fmt;

/// The prefix of a written pin.
const PREFIX: &str = "sha256:";

/// A public-key pin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pin([u8; 32]);

/// Why a pin could not be made or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PinError {
    #[error("the certificate cannot be read as X.509 DER: {0}")]
    Certificate(String),
    #[error(
        "'{0}' is not a public-key pin: write sha256: followed by 64 hex digits, as Get-TrustedPeer and Export-ApplianceCertificate show it"
    )]
    Syntax(String),
}

impl Pin {
    /// The pin of the key in `certificate` (DER).
    pub fn of_certificate(certificate: &[u8]) -> Result<Pin, PinError> {
        let parsed = x509_cert::Certificate::from_der(certificate)
            .map_err(|e| PinError::Certificate(e.to_string()))?;
        let spki = parsed
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| PinError::Certificate(e.to_string()))?;
        Ok(Pin(Sha256::digest(&spki).into()))
    }

    /// Reads `sha256:<hex>` (any case; spaces and colons between the hex pairs, as some
    /// consoles show digests, are ignored).
    pub fn parse(text: &str) -> Result<Pin, PinError> {
        let syntax = || PinError::Syntax(text.trim().to_string());
        let trimmed = text.trim();
        let rest = trimmed
            .get(..PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(PREFIX))
            .map(|_| &trimmed[PREFIX.len()..])
            .ok_or_else(syntax)?;
        let hex_digits: String = rest
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':')
            .collect();
        let bytes = hex::decode(&hex_digits).map_err(|_| syntax())?;
        Ok(Pin(bytes.try_into().map_err(|_| syntax())?))
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", hex::encode(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_read_back_in_any_spelling() {
        let pin = Pin([0xAB; 32]);
        let text = pin.to_string();
        assert_eq!(text.len(), 7 + 64);
        assert_eq!(Pin::parse(&text), Ok(pin.clone()));
        assert_eq!(Pin::parse(&text.to_uppercase()), Ok(pin.clone()));
        let spaced = format!("sha256:{}", vec!["ab"; 32].join(":"));
        assert_eq!(Pin::parse(&spaced), Ok(pin));
    }

    #[test]
    fn malformed_pins_are_refused_with_the_expected_shape() {
        for bad in [
            "",
            "ab",
            "sha256:",
            "sha256:zz",
            "md5:00",
            &format!("sha256:{}", "a".repeat(62)),
        ] {
            let err = Pin::parse(bad).unwrap_err();
            assert!(err.to_string().contains("64 hex digits"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_certificate_that_is_not_der_has_no_pin() {
        assert!(matches!(
            Pin::of_certificate(b"nonsense"),
            Err(PinError::Certificate(_))
        ));
    }
}
