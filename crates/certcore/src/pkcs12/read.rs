//! PFX import: reads what OpenSSL (modern and `-legacy`), NSS (BER), GnuTLS, Java
//! keytool, Python `cryptography`, mkcert and Windows write.

use super::budget::{Budgeted, MAX_WORK, announced_work};
use super::pbe::{DecryptFailure, Password, decrypt, decrypt_pkcs8, digest_for_oid};
use super::tlv::{BMP_STRING, CONTEXT_0, OCTET_STRING, SEQUENCE, SET, Tlv};
use crate::error::{CertError, Result};
use crate::keys::PrivateKey;
use certhost_primitives::{Digest, Pkcs12Purpose, Primitives};
use hmac::{KeyInit, Mac};

use super::oids::{
    CERT_BAG, DATA, ENCRYPTED_DATA, ENVELOPED_DATA, FRIENDLY_NAME, KEY_BAG, PBMAC1,
    SAFE_CONTENTS_BAG, SHROUDED_KEY_BAG, SIGNED_DATA, X509_CERTIFICATE,
};

/// One certificate from a PFX, with its key when the file has the matching one.
#[derive(Clone, PartialEq, Eq)]
pub struct PfxEntry {
    /// DER X.509.
    pub certificate: Vec<u8>,
    /// Unencrypted PKCS#8 DER.
    pub private_key: Option<Vec<u8>>,
    pub friendly_name: Option<String>,
    /// The file's other certificates (issuers first-to-root where they chain).
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for PfxEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PfxEntry")
            .field("certificate_bytes", &self.certificate.len())
            .field("has_private_key", &self.private_key.is_some())
            .field("friendly_name", &self.friendly_name)
            .field("chain", &self.chain.len())
            .finish()
    }
}

struct Bag {
    friendly_name: Option<String>,
    der: Vec<u8>,
}

struct Reader<'p> {
    candidates: Vec<Password>,
    mac_verified: bool,
    primitives: &'p dyn Primitives,
    certs: Vec<Bag>,
    keys: Vec<Bag>,
}

/// Reads a PFX file. With several certificates, each key's matching certificate becomes
/// an entry and the others its chain; a file without keys gives one entry per certificate.
pub fn read_pfx(data: &[u8], password: &str, primitives: &dyn Primitives) -> Result<Vec<PfxEntry>> {
    if data.trim_ascii_start().starts_with(b"-----BEGIN") {
        return Err(CertError::Corrupt(
            "this is a PEM file, not a PFX (PKCS#12); import it as a certificate and key instead"
                .into(),
        ));
    }
    let pfx = Tlv::parse_whole(data)?;
    let fields = pfx.children_tagged(SEQUENCE, "the PFX")?;
    let version = fields
        .first()
        .ok_or_else(|| CertError::Corrupt("empty PFX".into()))?
        .uint()?;
    if version != 3 {
        return Err(CertError::Corrupt(format!(
            "PFX version {version} (only 3 exists)"
        )));
    }
    let auth_safe = pfx.child(1, "the PFX content")?;
    let content_type = auth_safe.child(0, "the PFX content type")?.oid()?;
    match content_type.as_str() {
        DATA => {}
        SIGNED_DATA => {
            return Err(CertError::Unsupported(
                "the PFX uses public-key integrity (signed); only password integrity is supported"
                    .into(),
            ));
        }
        other => {
            return Err(CertError::Corrupt(format!(
                "unexpected PFX content type {other}"
            )));
        }
    }
    let auth_octets = explicit_octets(auth_safe)?;

    let safes = Tlv::parse_whole(&auth_octets)?;
    let mac_iterations = match fields.get(2).map(|mac| mac.children()) {
        Some(Ok(parts)) => parts.get(2).and_then(|t| t.uint().ok()).unwrap_or(1),
        _ => 0,
    };
    let announced = announced_work(mac_iterations, &safes);
    if announced > MAX_WORK {
        let asked = if announced == u64::MAX {
            "more than 18 quintillion".to_string()
        } else {
            announced.to_string()
        };
        return Err(CertError::Unsupported(format!(
            "this PFX asks for {asked} key-derivation iterations in all, more than certhost allows for one file ({MAX_WORK}); a file from a real tool needs a few million at most: re-export it with fewer iterations (for example openssl pkcs12 -export -iter 600000)"
        )));
    }
    let budgeted = Budgeted::new(primitives);
    let primitives: &dyn Primitives = &budgeted;

    let typed = Password::new(password);
    let mut candidates = vec![typed.clone()];
    candidates.extend(typed.empty_alternative());
    let mut mac_verified = false;
    if let Some(mac_data) = fields.get(2) {
        let matching = candidates
            .iter()
            .map(|p| {
                verify_mac(mac_data, &auth_octets, p, primitives).map(|ok| ok.then(|| p.clone()))
            })
            .find_map(|r| r.transpose())
            .transpose()?;
        match matching {
            Some(p) => {
                candidates = vec![p];
                mac_verified = true;
            }
            None => {
                return Err(CertError::WrongPassword(
                    "the password does not open this PFX file (its integrity check failed); check the password and try again".into(),
                ));
            }
        }
    }

    let mut reader = Reader {
        candidates,
        mac_verified,
        primitives,
        certs: Vec::new(),
        keys: Vec::new(),
    };
    for info in safes.children_tagged(SEQUENCE, "the authenticated safe")? {
        reader.content_info(info)?;
    }
    pair(reader.certs, reader.keys)
}

/// The octets of ContentInfo's `[0] EXPLICIT OCTET STRING`.
pub(super) fn explicit_octets(info: &Tlv<'_>) -> Result<Vec<u8>> {
    let wrapper = info.child(1, "the content")?;
    if wrapper.tag != CONTEXT_0 {
        return Err(CertError::Corrupt("content is not tagged [0]".into()));
    }
    let inner = wrapper.child(0, "the content octets")?;
    if inner.tag & !0x20 != OCTET_STRING {
        return Err(CertError::Corrupt("content is not an OCTET STRING".into()));
    }
    Ok(inner.octets())
}

fn verify_mac(
    mac_data: &Tlv<'_>,
    data: &[u8],
    password: &Password,
    primitives: &dyn Primitives,
) -> Result<bool> {
    let digest_info = mac_data.child(0, "MAC digest")?;
    let alg_oid = digest_info
        .child(0, "MAC algorithm")?
        .child(0, "MAC algorithm")?
        .oid()?;
    let expected = digest_info.child(1, "MAC value")?.octets();
    let salt = mac_data.child(1, "MAC salt")?.octets();
    let iterations = match mac_data.children()?.get(2) {
        Some(t) => t.uint()?,
        None => 1,
    };
    let iterations = u32::try_from(iterations)
        .ok()
        .filter(|n| (1..=certhost_primitives::MAX_ITERATIONS).contains(n))
        .ok_or_else(|| {
            CertError::Unsupported(format!(
                "a MAC iteration count of {iterations} is out of range"
            ))
        })?;
    if alg_oid == PBMAC1 {
        return Err(CertError::Unsupported(
            "PBMAC1 integrity (RFC 9579) is not supported yet".into(),
        ));
    }
    let digest = digest_for_oid(&alg_oid)
        .ok_or_else(|| CertError::Unsupported(format!("MAC digest {alg_oid} is not supported")))?;
    let key_len = match digest {
        Digest::Sha1 => 20,
        Digest::Sha224 => 28,
        Digest::Sha256 => 32,
        Digest::Sha384 => 48,
        Digest::Sha512 => 64,
    };
    let key = primitives.pkcs12_kdf(
        digest,
        &password.bmp,
        &salt,
        Pkcs12Purpose::Mac,
        iterations,
        key_len,
    )?;
    macro_rules! check {
        ($d:ty) => {{
            let mut mac = hmac::Hmac::<$d>::new_from_slice(&key)
                .map_err(|_| CertError::Corrupt("bad MAC key length".into()))?;
            mac.update(data);
            mac.verify_slice(&expected).is_ok()
        }};
    }
    Ok(match digest {
        Digest::Sha1 => check!(sha1::Sha1),
        Digest::Sha224 => check!(sha2::Sha224),
        Digest::Sha256 => check!(sha2::Sha256),
        Digest::Sha384 => check!(sha2::Sha384),
        Digest::Sha512 => check!(sha2::Sha512),
    })
}

impl Reader<'_> {
    /// Decrypts with each candidate password until one works.
    fn open(
        &self,
        attempt: impl Fn(&Password) -> std::result::Result<Vec<u8>, DecryptFailure>,
    ) -> Result<Vec<u8>> {
        for password in &self.candidates {
            match attempt(password) {
                Ok(plain) => return Ok(plain),
                Err(DecryptFailure::Error(e)) => return Err(e),
                Err(DecryptFailure::Undecryptable) => {}
            }
        }
        Err(if self.mac_verified {
            CertError::Corrupt("an encrypted part of the PFX does not decrypt although the password matched its integrity check".into())
        } else {
            CertError::WrongPassword(
                "the password does not decrypt this PFX file; check the password and try again"
                    .into(),
            )
        })
    }

    fn content_info(&mut self, info: &Tlv<'_>) -> Result<()> {
        let oid = info.child(0, "content type")?.oid()?;
        let plain = match oid.as_str() {
            DATA => explicit_octets(info)?,
            ENCRYPTED_DATA => {
                // [0] EXPLICIT EncryptedData ::= SEQUENCE { version, EncryptedContentInfo }
                let encrypted = info
                    .child_tagged(1, CONTEXT_0, "encrypted data")?
                    .child_tagged(0, SEQUENCE, "encrypted data")?;
                let eci = encrypted.child_tagged(1, SEQUENCE, "encrypted content info")?;
                let alg = eci.child(1, "content encryption algorithm")?;
                let Some(content) = eci.children()?.get(2) else {
                    return Ok(()); // detached content: nothing here
                };
                let ciphertext = content.octets();
                let primitives = self.primitives;
                // Garbage that happens to pad correctly means a wrong password too.
                self.open(|p| {
                    let plain = decrypt(alg, &ciphertext, p, primitives)?;
                    match Tlv::parse_whole(&plain) {
                        Ok(t) if t.tag == SEQUENCE => Ok(plain),
                        _ => Err(DecryptFailure::Undecryptable),
                    }
                })?
            }
            ENVELOPED_DATA => {
                return Err(CertError::Unsupported(
                    "the PFX encrypts to a public key (envelopedData); only password-encrypted files are supported".into(),
                ));
            }
            other => {
                return Err(CertError::Corrupt(format!(
                    "unknown content type {other} in the PFX"
                )));
            }
        };
        let bags = Tlv::parse_whole(&plain)?;
        self.safe_contents(&bags)
    }

    fn safe_contents(&mut self, bags: &Tlv<'_>) -> Result<()> {
        for bag in bags.children_tagged(SEQUENCE, "safe contents")? {
            let bag_id = bag.child(0, "bag type")?.oid()?;
            let value_wrapper = bag.child(1, "bag value")?;
            if value_wrapper.tag != CONTEXT_0 {
                return Err(CertError::Corrupt("a bag value is not tagged [0]".into()));
            }
            let value = value_wrapper.child(0, "bag value")?;
            // SafeBag ::= SEQUENCE { bagId, [0] bagValue, bagAttributes SET OPTIONAL }
            let friendly_name = match bag.children()? {
                [_, _] => None,
                [_, _, attrs] if attrs.tag == SET => friendly_name(attrs)?,
                _ => {
                    return Err(CertError::Corrupt(
                        "not a valid PKCS#12 (PFX) file: a bag has fields beyond its type, value and attributes".into(),
                    ));
                }
            };
            match bag_id.as_str() {
                KEY_BAG => self.keys.push(Bag {
                    friendly_name,
                    der: value.to_der(),
                }),
                SHROUDED_KEY_BAG => {
                    let primitives = self.primitives;
                    let der = self.open(|p| decrypt_pkcs8(value, p, primitives))?;
                    self.keys.push(Bag { friendly_name, der });
                }
                CERT_BAG => {
                    let cert_type = value.child(0, "certificate type")?.oid()?;
                    if cert_type == X509_CERTIFICATE {
                        let der = value
                            .child(1, "certificate")?
                            .child(0, "certificate")?
                            .octets();
                        self.certs.push(Bag { friendly_name, der });
                    }
                }
                SAFE_CONTENTS_BAG => self.safe_contents(value)?,
                _ => {} // CRL and secret bags carry nothing a certificate store keeps
            }
        }
        Ok(())
    }
}

fn friendly_name(attrs: &Tlv<'_>) -> Result<Option<String>> {
    for attr in attrs.children()? {
        if attr.child(0, "attribute type")?.oid()? == FRIENDLY_NAME {
            let value = attr
                .child(1, "attribute values")?
                .child(0, "friendly name")?;
            if value.tag != BMP_STRING {
                return Ok(None);
            }
            let bytes = value.octets();
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            return Ok(Some(String::from_utf16_lossy(&units)));
        }
    }
    Ok(None)
}

/// The FriendlyName a certificate gets, as Windows gives it: the certificate bag's name;
/// the key bag's only when it is a name, not the id of a key container (a GUID, or the
/// NUL-terminated hex id some tools write). A NUL is never kept.
fn entry_name(certificate_bag: Option<&str>, key_bag: Option<&str>) -> Option<String> {
    let clean = |name: &str| name.trim_end_matches('\0').replace('\0', "");
    if let Some(name) = certificate_bag.map(clean).filter(|n| !n.is_empty()) {
        return Some(name);
    }
    key_bag
        .filter(|raw| !is_key_container_id(raw))
        .map(clean)
        .filter(|n| !n.is_empty())
}

/// Whether a key bag's "friendly name" is really a key-container id: Windows names its
/// containers by GUID (`{1F0E...}`, `te-Template-<guid>`), other tools by a
/// NUL-terminated hex number.
fn is_key_container_id(raw: &str) -> bool {
    let hex = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit());
    let chars: Vec<char> = raw.chars().collect();
    let has_guid = chars.windows(36).any(|w| {
        w.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == '-',
            _ => c.is_ascii_hexdigit(),
        })
    });
    has_guid || (raw.ends_with('\0') && hex(raw.trim_end_matches('\0')))
}

/// The raw issuer and subject of a certificate, to find which certificate issued which.
fn issuer_and_subject(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some((
        cert.tbs_certificate.issuer.as_raw().to_vec(),
        cert.tbs_certificate.subject.as_raw().to_vec(),
    ))
}

/// The certificates (indexes into `certs`) that issued `leaf`, nearest first, as far as
/// the file holds them.
fn chain_of(leaf: usize, certs: &[Bag]) -> Vec<usize> {
    let names: Vec<_> = certs.iter().map(|c| issuer_and_subject(&c.der)).collect();
    let mut chain = Vec::new();
    let mut current = leaf;
    while let Some((issuer, subject)) = &names[current] {
        if issuer == subject {
            break; // self-signed: the root
        }
        let next = (0..certs.len()).find(|i| {
            *i != leaf && !chain.contains(i) && names[*i].as_ref().is_some_and(|(_, s)| s == issuer)
        });
        match next {
            Some(i) => {
                chain.push(i);
                current = i;
            }
            None => break,
        }
    }
    chain
}

fn pair(certs: Vec<Bag>, mut keys: Vec<Bag>) -> Result<Vec<PfxEntry>> {
    for cert in &certs {
        crate::inspect::inspect(&cert.der)?;
    }
    if certs.is_empty() {
        return Err(CertError::Corrupt(
            "the PFX file holds no certificate".into(),
        ));
    }
    let mut leaf_of_key = Vec::new();
    for key in &mut keys {
        let parsed = PrivateKey::from_pkcs8_der(&key.der)?;
        // What is stored is what was checked.
        key.der = parsed.to_pkcs8_der()?;
        let leaf = certs
            .iter()
            .position(|c| parsed.check_matches_certificate(&c.der).is_ok())
            .ok_or_else(|| {
                CertError::KeyMismatch(format!(
                    "the {} private key in the file belongs to none of its {} certificate(s)",
                    parsed.describe(),
                    certs.len()
                ))
            })?;
        leaf_of_key.push(leaf);
    }
    let entry_of_cert = |c: &Bag| PfxEntry {
        certificate: c.der.clone(),
        private_key: None,
        friendly_name: entry_name(c.friendly_name.as_deref(), None),
        chain: Vec::new(),
    };
    let mut used: Vec<usize> = leaf_of_key.clone();
    let mut entries = Vec::new();
    for (key, leaf) in keys.into_iter().zip(leaf_of_key) {
        let chain = chain_of(leaf, &certs);
        used.extend(&chain);
        entries.push(PfxEntry {
            certificate: certs[leaf].der.clone(),
            private_key: Some(key.der),
            friendly_name: entry_name(
                certs[leaf].friendly_name.as_deref(),
                key.friendly_name.as_deref(),
            ),
            chain: chain.iter().map(|i| certs[*i].der.clone()).collect(),
        });
    }
    // Certificates that are neither a key's certificate nor in its chain are entries of
    // their own, so they show in the store as Windows shows them.
    entries.extend(
        certs
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.contains(i))
            .map(|(_, c)| entry_of_cert(c)),
    );
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_bags_name_comes_first() {
        assert_eq!(entry_name(Some("web"), Some("key")).as_deref(), Some("web"));
        assert_eq!(entry_name(None, Some("key")).as_deref(), Some("key"));
        assert_eq!(entry_name(None, None), None);
    }

    #[test]
    fn key_container_ids_are_not_names() {
        for id in [
            "{1F0E0C3A-52B4-4C2B-9D6A-2E54C0F0B9A1}",
            "te-WebServer-1f0e0c3a-52b4-4c2b-9d6a-2e54c0f0b9a1",
            "6BC162DA\0",
        ] {
            assert!(is_key_container_id(id), "{id}");
            assert_eq!(entry_name(None, Some(id)), None, "{id}");
        }
        assert!(!is_key_container_id("DEADBEEF"));
        assert!(!is_key_container_id("Backup server"));
    }

    #[test]
    fn a_nul_is_never_kept() {
        assert_eq!(entry_name(Some("web\0"), None).as_deref(), Some("web"));
        assert_eq!(
            entry_name(Some("\0"), Some("name")).as_deref(),
            Some("name")
        );
    }
}
