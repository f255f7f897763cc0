//! PFX export in the two profiles `Export-PfxCertificate` offers, laid out as OpenSSL
//! writes it: the certificates in an encrypted safe, the key in a shrouded key bag, a
//! password MAC over both. The friendly name goes on the certificate bag (where Windows
//! and `openssl pkcs12 -info` look) and on the key bag (as `openssl -name` writes it),
//! as UTF-16 with surrogate pairs, so any Unicode name survives. The key derivations run
//! through [`Primitives`], so inside the component the host computes them natively.

use super::der_write::{
    algorithm, bmp_string, element, explicit, octet_string, oid, sequence, set_of, uint,
};
use super::oids;
use crate::error::{CertError, Result};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
use certhost_primitives::{Digest, Pkcs12Purpose, Primitives};
use hmac::{KeyInit, Mac};
use sha1::Digest as _;

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

/// What goes into a PFX.
#[derive(Clone, Copy, Debug)]
pub struct PfxContents<'a> {
    /// DER X.509.
    pub certificate: &'a [u8],
    /// PKCS#8 DER, when the key is exported too.
    pub private_key: Option<&'a [u8]>,
    /// Issuer certificates (DER), written after the certificate.
    pub chain: &'a [Vec<u8>],
    /// The certificate's FriendlyName; empty for none.
    pub friendly_name: &'a str,
}

/// How a PFX is protected.
#[derive(Clone, Copy)]
pub struct PfxProtection<'a> {
    pub password: &'a str,
    pub profile: PfxProfile,
    pub iterations: u32,
}

const SALT_LEN: usize = 16;

/// Writes `contents` into a password-protected PFX.
pub fn write_pfx(
    contents: &PfxContents<'_>,
    protection: &PfxProtection<'_>,
    primitives: &dyn Primitives,
) -> Result<Vec<u8>> {
    let iterations = protection.iterations;
    if !(1..=certhost_primitives::MAX_ITERATIONS).contains(&iterations) {
        return Err(CertError::InvalidInput(format!(
            "iteration count {iterations} is outside 1..={}",
            certhost_primitives::MAX_ITERATIONS
        )));
    }
    crate::inspect::inspect(contents.certificate)?;
    for issuer in contents.chain {
        crate::inspect::inspect(issuer)?;
    }
    if let Some(key) = contents.private_key {
        crate::keys::PrivateKey::from_pkcs8_der(key)?
            .check_matches_certificate(contents.certificate)?;
    }
    let sealer = Sealer {
        protection,
        primitives,
    };
    let local_key_id = sha1::Sha1::digest(contents.certificate).to_vec();
    let key_id = contents.private_key.map(|_| local_key_id.as_slice());

    let mut cert_bags = vec![certificate_bag(
        contents.certificate,
        contents.friendly_name,
        key_id,
    )];
    cert_bags.extend(
        contents
            .chain
            .iter()
            .map(|issuer| certificate_bag(issuer, "", None)),
    );
    let cert_safe = sequence(&cert_bags.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let (alg, ciphertext) = sealer.seal(&cert_safe)?;
    let encrypted_data = sequence(&[
        &uint(0),
        &sequence(&[&oid(oids::DATA), &alg, &element(0x80, &ciphertext)]),
    ]);
    let mut safes = vec![sequence(&[
        &oid(oids::ENCRYPTED_DATA),
        &explicit(0, &encrypted_data),
    ])];
    if let Some(key) = contents.private_key {
        let (alg, ciphertext) = sealer.seal(key)?;
        let shrouded = sequence(&[&alg, &octet_string(&ciphertext)]);
        let bag = safe_bag(
            oids::SHROUDED_KEY_BAG,
            &shrouded,
            &attributes(contents.friendly_name, Some(&local_key_id)),
        );
        safes.push(data_content(&sequence(&[&bag])));
    }
    let auth_safe = sequence(&safes.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let mac_data = sealer.mac(&auth_safe)?;
    Ok(sequence(&[&uint(3), &data_content(&auth_safe), &mac_data]))
}

/// ContentInfo of type data around `content`.
fn data_content(content: &[u8]) -> Vec<u8> {
    sequence(&[&oid(oids::DATA), &explicit(0, &octet_string(content))])
}

fn certificate_bag(der: &[u8], friendly_name: &str, local_key_id: Option<&[u8]>) -> Vec<u8> {
    let value = sequence(&[
        &oid(oids::X509_CERTIFICATE),
        &explicit(0, &octet_string(der)),
    ]);
    safe_bag(
        oids::CERT_BAG,
        &value,
        &attributes(friendly_name, local_key_id),
    )
}

fn safe_bag(bag_id: &str, value: &[u8], attributes: &[Vec<u8>]) -> Vec<u8> {
    let mut parts = vec![oid(bag_id), explicit(0, value)];
    if !attributes.is_empty() {
        parts.push(set_of(
            &attributes.iter().map(Vec::as_slice).collect::<Vec<_>>(),
        ));
    }
    sequence(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>())
}

fn attributes(friendly_name: &str, local_key_id: Option<&[u8]>) -> Vec<Vec<u8>> {
    let mut attrs = Vec::new();
    if !friendly_name.is_empty() {
        attrs.push(sequence(&[
            &oid(oids::FRIENDLY_NAME),
            &set_of(&[&bmp_string(friendly_name)]),
        ]));
    }
    if let Some(id) = local_key_id {
        attrs.push(sequence(&[
            &oid(oids::LOCAL_KEY_ID),
            &set_of(&[&octet_string(id)]),
        ]));
    }
    attrs
}

fn random(len: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0; len];
    getrandom::fill(&mut bytes).map_err(|e| {
        CertError::InvalidInput(format!("the system gave no random bytes for a salt: {e}"))
    })?;
    Ok(bytes)
}

/// Encrypts and authenticates with one password, profile and iteration count.
struct Sealer<'a> {
    protection: &'a PfxProtection<'a>,
    primitives: &'a dyn Primitives,
}

impl Sealer<'_> {
    /// Encrypts `plain` with a fresh salt (and IV): the AlgorithmIdentifier and ciphertext.
    fn seal(&self, plain: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
        let salt = random(SALT_LEN)?;
        let iterations = self.protection.iterations;
        match self.protection.profile {
            PfxProfile::Aes256Sha256 => {
                let iv = random(16)?;
                let key = self.primitives.pbkdf2_hmac(
                    Digest::Sha256,
                    self.protection.password.as_bytes(),
                    &salt,
                    iterations,
                    32,
                )?;
                let ciphertext = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &iv)
                    .map_err(|_| CertError::InvalidInput("bad AES key length".into()))?
                    .encrypt_padded_vec::<Pkcs7>(plain);
                let kdf = algorithm(
                    oids::PBKDF2,
                    &sequence(&[
                        &octet_string(&salt),
                        &uint(u64::from(iterations)),
                        &algorithm(oids::HMAC_SHA256, &NULL),
                    ]),
                );
                let cipher = algorithm(oids::AES256_CBC, &octet_string(&iv));
                Ok((
                    algorithm(oids::PBES2, &sequence(&[&kdf, &cipher])),
                    ciphertext,
                ))
            }
            PfxProfile::TripleDesSha1 => {
                let password = certhost_primitives::bmp_password(self.protection.password);
                let derive = |purpose, len| {
                    self.primitives.pkcs12_kdf(
                        Digest::Sha1,
                        &password,
                        &salt,
                        purpose,
                        iterations,
                        len,
                    )
                };
                let key = derive(Pkcs12Purpose::EncryptionKey, 24)?;
                let iv = derive(Pkcs12Purpose::Iv, 8)?;
                let ciphertext = cbc::Encryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                    .map_err(|_| CertError::InvalidInput("bad 3DES key length".into()))?
                    .encrypt_padded_vec::<Pkcs7>(plain);
                let params = sequence(&[&octet_string(&salt), &uint(u64::from(iterations))]);
                Ok((algorithm(oids::PBE_SHA1_3DES, &params), ciphertext))
            }
        }
    }

    /// MacData over the authenticated safe's content.
    fn mac(&self, auth_safe: &[u8]) -> Result<Vec<u8>> {
        let salt = random(SALT_LEN)?;
        let iterations = self.protection.iterations;
        let password = certhost_primitives::bmp_password(self.protection.password);
        let (digest, digest_oid, len) = match self.protection.profile {
            PfxProfile::Aes256Sha256 => (Digest::Sha256, oids::SHA256, 32),
            PfxProfile::TripleDesSha1 => (Digest::Sha1, oids::SHA1, 20),
        };
        let key = self.primitives.pkcs12_kdf(
            digest,
            &password,
            &salt,
            Pkcs12Purpose::Mac,
            iterations,
            len,
        )?;
        let bad_key = |_| CertError::InvalidInput("bad MAC key length".into());
        let value = match digest {
            Digest::Sha256 => hmac::Hmac::<sha2::Sha256>::new_from_slice(&key)
                .map_err(bad_key)?
                .chain_update(auth_safe)
                .finalize()
                .into_bytes()
                .to_vec(),
            _ => hmac::Hmac::<sha1::Sha1>::new_from_slice(&key)
                .map_err(bad_key)?
                .chain_update(auth_safe)
                .finalize()
                .into_bytes()
                .to_vec(),
        };
        Ok(sequence(&[
            &sequence(&[&algorithm(digest_oid, &NULL), &octet_string(&value)]),
            &octet_string(&salt),
            &uint(u64::from(iterations)),
        ]))
    }
}

const NULL: [u8; 2] = [0x05, 0x00];
