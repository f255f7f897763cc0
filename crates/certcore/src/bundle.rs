//! A server certificate with its key, from what admins upload: a PFX, a PEM holding one
//! key and its certificates, or a certificate file plus a key file. Whatever the form,
//! the result is the end-entity certificate that matches the key, its key, and the other
//! certificates as its chain (intermediates are kept, not refused).

use crate::error::{CertError, Result};
use crate::keys::PrivateKey;
use crate::pem::{is_pem, parse_certificates, parse_private_key};
use crate::pkcs12::{PfxEntry, read_pfx};
use certhost_primitives::Primitives;

/// A certificate, its key and its chain.
pub struct KeyedCertificate {
    pub certificate: Vec<u8>,
    /// Unencrypted PKCS#8 DER.
    pub private_key: Vec<u8>,
    pub chain: Vec<Vec<u8>>,
    pub friendly_name: Option<String>,
}

impl std::fmt::Debug for KeyedCertificate {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedCertificate")
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// Pairs a key with the certificate (among `certificates`) it belongs to; the others
/// become the chain.
pub fn pair(certificates: Vec<Vec<u8>>, private_key: Vec<u8>) -> Result<KeyedCertificate> {
    let key = PrivateKey::from_pkcs8_der(&private_key)?;
    let leaf = certificates
        .iter()
        .position(|c| key.check_matches_certificate(c).is_ok())
        .ok_or_else(|| {
            CertError::KeyMismatch(format!(
                "the private key belongs to none of the {} certificate(s) given; give the certificate that was issued for this key",
                certificates.len()
            ))
        })?;
    let mut chain = certificates;
    let certificate = chain.remove(leaf);
    Ok(KeyedCertificate {
        certificate,
        private_key,
        chain,
        friendly_name: None,
    })
}

/// A certificate file (PEM with one or more certificates, or DER) and a key file.
pub fn from_files(
    certificate_data: &[u8],
    key_data: &[u8],
    password: Option<&str>,
    primitives: &dyn Primitives,
) -> Result<KeyedCertificate> {
    let certificates = parse_certificates(certificate_data)?;
    let key = parse_private_key(key_data, password, primitives)?;
    pair(certificates, key)
}

fn single_keyed(entries: Vec<PfxEntry>) -> Result<KeyedCertificate> {
    let keyed: Vec<PfxEntry> = entries
        .into_iter()
        .filter(|e| e.private_key.is_some())
        .collect();
    let count = keyed.len();
    let mut keyed = keyed.into_iter();
    match (keyed.next(), count) {
        (Some(PfxEntry { certificate, private_key: Some(private_key), friendly_name, chain }), 1) => {
            Ok(KeyedCertificate { certificate, private_key, chain, friendly_name })
        }
        (None, _) => Err(CertError::InvalidInput(
            "the file holds no private key; a server certificate needs one: export the PFX with its private key".into(),
        )),
        _ => Err(CertError::InvalidInput(format!(
            "the file holds {count} private keys; give a file with exactly one certificate and its key"
        ))),
    }
}

/// An upload: a PFX (with `password`), or a PEM holding exactly one private key and its
/// certificate (plus any intermediates).
pub fn from_upload(
    data: &[u8],
    password: &str,
    primitives: &dyn Primitives,
) -> Result<KeyedCertificate> {
    if is_pem(data) {
        let password = (!password.is_empty()).then_some(password);
        return from_files(data, data, password, primitives);
    }
    single_keyed(read_pfx(data, password, primitives)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateRequest, generate_self_signed};
    use crate::pem::encode_pem;
    use certhost_primitives::Software;

    fn made(name: &str) -> crate::generate::GeneratedCertificate {
        let mut r = GenerateRequest::server_default(1_800_000_000);
        r.dns_names = vec![name.into()];
        r.key = crate::keys::KeyAlgorithm::EcdsaP256;
        generate_self_signed(&r, &Software).unwrap()
    }

    #[test]
    fn a_pem_with_a_chain_is_split_not_refused() {
        let (leaf, other) = (made("leaf.example"), made("ca.example"));
        let pem = format!(
            "{}{}{}",
            encode_pem("CERTIFICATE", &other.certificate),
            encode_pem("PRIVATE KEY", &leaf.private_key),
            encode_pem("CERTIFICATE", &leaf.certificate),
        );
        let k = from_upload(pem.as_bytes(), "", &Software).unwrap();
        assert_eq!(k.certificate, leaf.certificate);
        assert_eq!(k.chain, vec![other.certificate]);
    }

    #[test]
    fn a_key_without_its_certificate_is_a_mismatch() {
        let (a, b) = (made("a.example"), made("b.example"));
        let err = pair(vec![a.certificate], b.private_key).unwrap_err();
        assert!(matches!(err, CertError::KeyMismatch(_)), "{err}");
    }

    #[test]
    fn two_keys_in_a_pem_are_refused() {
        let (a, b) = (made("a.example"), made("b.example"));
        let pem = format!(
            "{}{}{}",
            encode_pem("PRIVATE KEY", &a.private_key),
            encode_pem("PRIVATE KEY", &b.private_key),
            encode_pem("CERTIFICATE", &a.certificate),
        );
        let err = from_upload(pem.as_bytes(), "", &Software).unwrap_err();
        assert!(err.to_string().contains("2 private keys"), "{err}");
    }
}
