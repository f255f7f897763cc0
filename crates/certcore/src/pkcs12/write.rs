//! PFX export with `p12-keystore`, in the two profiles `Export-PfxCertificate` offers.

use crate::error::{CertError, Result};
use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKeyChain,
};
use sha1::{Digest, Sha1};

/// `-CryptoAlgorithmOption` of `Export-PfxCertificate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PfxProfile {
    /// PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC (OpenSSL 3's default).
    Aes256Sha256,
    /// PKCS#12 3DES with SHA-1 and an HMAC-SHA1 MAC: what every Windows version reads.
    TripleDesSha1,
}

/// Default iteration count for new files, as OpenSSL and Windows use.
pub const DEFAULT_ITERATIONS: u32 = 2048;

/// Writes `certificate` (DER), its `private_key` (PKCS#8 DER, optional) and `chain`
/// into a password-protected PFX.
pub fn write_pfx(
    certificate: &[u8],
    private_key: Option<&[u8]>,
    chain: &[Vec<u8>],
    friendly_name: &str,
    password: &str,
    profile: PfxProfile,
    iterations: u32,
) -> Result<Vec<u8>> {
    if !(1..=certhost_primitives::MAX_ITERATIONS).contains(&iterations) {
        return Err(CertError::InvalidInput(format!(
            "iteration count {iterations} is outside 1..={}",
            certhost_primitives::MAX_ITERATIONS
        )));
    }
    let to_cert = |der: &[u8]| {
        Certificate::from_der(der)
            .map_err(|e| CertError::corrupt("the certificate cannot be exported", e))
    };
    let alias = if friendly_name.is_empty() {
        "certificate"
    } else {
        friendly_name
    };
    let mut store = KeyStore::new();
    match private_key {
        Some(key) => {
            crate::keys::PrivateKey::from_pkcs8_der(key)?.check_matches_certificate(certificate)?;
            let mut certs = vec![to_cert(certificate)?];
            for c in chain {
                certs.push(to_cert(c)?);
            }
            let key = p12_keystore::PrivateKey::from_der(key)
                .map_err(|e| CertError::corrupt("the private key cannot be exported", e))?;
            let local_key_id = Sha1::digest(certificate).to_vec();
            store.add_entry(
                alias,
                KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
            );
        }
        None => {
            store.add_entry(alias, KeyStoreEntry::Certificate(to_cert(certificate)?));
            for (i, c) in chain.iter().enumerate() {
                store.add_entry(
                    &format!("{alias}-chain-{i}"),
                    KeyStoreEntry::Certificate(to_cert(c)?),
                );
            }
        }
    }
    let (enc, mac) = match profile {
        PfxProfile::Aes256Sha256 => (
            EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
            MacAlgorithm::HmacSha256,
        ),
        PfxProfile::TripleDesSha1 => (
            EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
            MacAlgorithm::HmacSha1,
        ),
    };
    store
        .writer(password)
        .encryption_algorithm(enc)
        .encryption_iterations(iterations)
        .mac_algorithm(mac)
        .mac_iterations(iterations)
        .write()
        .map_err(|e| CertError::InvalidInput(format!("cannot write the PFX: {e}")))
}
