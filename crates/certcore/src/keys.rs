//! Private keys: generation, PKCS#8 round trip, signing for rcgen, and the check that a
//! key belongs to a certificate.

use crate::error::{CertError, Result};
use certhost_primitives::Primitives;
use der::Decode;
use p256::elliptic_curve::Generate;
use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use signature::{SignatureEncoding, Signer};

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

/// The key types certhost generates and uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    Rsa(u32),
    EcdsaP256,
    EcdsaP384,
}

impl KeyAlgorithm {
    /// Accepts the names `New-SelfSignedCertificate -KeyAlgorithm` takes (`RSA`,
    /// `ECDSA_nistP256`, `ECDSA_nistP384`, also `ECDSA_P256`), with the key length for RSA.
    pub fn from_windows_name(name: &str, key_length: Option<u32>) -> Result<Self> {
        let upper = name.to_ascii_uppercase();
        let alg = match upper.as_str() {
            "RSA" => KeyAlgorithm::Rsa(key_length.unwrap_or(2048)),
            "ECDSA_NISTP256" | "ECDSA_P256" | "ECDSA" | "EC" | "P256" => KeyAlgorithm::EcdsaP256,
            "ECDSA_NISTP384" | "ECDSA_P384" | "P384" => KeyAlgorithm::EcdsaP384,
            _ => {
                return Err(CertError::InvalidInput(format!(
                    "key algorithm '{name}' is not supported; use RSA, ECDSA_nistP256 or ECDSA_nistP384"
                )));
            }
        };
        match (alg, key_length) {
            (KeyAlgorithm::Rsa(bits), _) if !certhost_primitives::RSA_KEY_SIZES.contains(&bits) => {
                Err(CertError::InvalidInput(format!(
                    "RSA key length {bits} is not supported; use 2048, 3072 or 4096"
                )))
            }
            (KeyAlgorithm::EcdsaP256, Some(l)) if l != 256 => Err(CertError::InvalidInput(
                format!("key length {l} does not fit ECDSA_nistP256 (256 bits)"),
            )),
            (KeyAlgorithm::EcdsaP384, Some(l)) if l != 384 => Err(CertError::InvalidInput(
                format!("key length {l} does not fit ECDSA_nistP384 (384 bits)"),
            )),
            _ => Ok(alg),
        }
    }
}

/// A private key of a supported type.
#[derive(Clone)]
pub enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl std::fmt::Debug for PrivateKey {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.describe())
    }
}

impl PrivateKey {
    /// A fresh key. RSA key generation is delegated to `primitives` (the host, in wasm).
    pub fn generate(alg: KeyAlgorithm, primitives: &dyn Primitives) -> Result<Self> {
        match alg {
            KeyAlgorithm::Rsa(bits) => Self::from_pkcs8_der(&primitives.generate_rsa_key(bits)?),
            KeyAlgorithm::EcdsaP256 => {
                let mut rng = certhost_primitives::SystemRng;
                Ok(PrivateKey::P256(
                    p256::ecdsa::SigningKey::generate_from_rng(&mut rng),
                ))
            }
            KeyAlgorithm::EcdsaP384 => {
                let mut rng = certhost_primitives::SystemRng;
                Ok(PrivateKey::P384(
                    p384::ecdsa::SigningKey::generate_from_rng(&mut rng),
                ))
            }
        }
    }

    /// Reads an unencrypted PKCS#8 `PrivateKeyInfo`.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::from_der(der)
            .map_err(|e| CertError::corrupt("the private key is not valid PKCS#8", e))?;
        let oid = info.algorithm.oid.to_string();
        match oid.as_str() {
            OID_RSA => {
                let key = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|_| {
                    CertError::Corrupt(
                        "the RSA private key is malformed or inconsistent (n is not p·q, or d does not invert e); the key file is damaged: take the key again from where it was made".into(),
                    )
                })?;
                check_rsa_components(info.private_key.as_bytes(), &key)?;
                Ok(PrivateKey::Rsa(Box::new(key)))
            }
            OID_EC => {
                let curve = info
                    .algorithm
                    .parameters_oid()
                    .map(|o| o.to_string())
                    .unwrap_or_default();
                match curve.as_str() {
                    OID_P256 => p256::SecretKey::from_pkcs8_der(der)
                        .map(|k| PrivateKey::P256(k.into()))
                        .map_err(|e| CertError::corrupt("the P-256 private key is malformed", e)),
                    OID_P384 => p384::SecretKey::from_pkcs8_der(der)
                        .map(|k| PrivateKey::P384(k.into()))
                        .map_err(|e| CertError::corrupt("the P-384 private key is malformed", e)),
                    other => Err(CertError::Unsupported(format!(
                        "elliptic curve {other} is not supported; use P-256 or P-384"
                    ))),
                }
            }
            other => Err(CertError::Unsupported(format!(
                "private key algorithm {other} is not supported; use RSA or ECDSA (P-256, P-384)"
            ))),
        }
    }

    /// Reads a PKCS#8 key, checks it, and gives it back as certhost encodes it: what is
    /// stored is what was checked.
    pub fn canonical_pkcs8(der: &[u8]) -> Result<Vec<u8>> {
        Self::from_pkcs8_der(der)?.to_pkcs8_der()
    }

    /// The key as unencrypted PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_der(),
            PrivateKey::P256(k) => k.to_pkcs8_der(),
            PrivateKey::P384(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| CertError::InvalidInput(format!("cannot encode the private key: {e}")))?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The SubjectPublicKeyInfo of the matching public key.
    pub fn public_key_spki(&self) -> Result<Vec<u8>> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::P256(k) => k.verifying_key().to_public_key_der(),
            PrivateKey::P384(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|e| CertError::InvalidInput(format!("cannot encode the public key: {e}")))?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The subjectPublicKey BIT STRING contents (RSAPublicKey DER, or the EC point).
    fn public_key_bits(&self) -> Result<Vec<u8>> {
        Ok(match self {
            PrivateKey::Rsa(k) => k
                .to_public_key()
                .to_pkcs1_der()
                .map_err(|e| CertError::InvalidInput(format!("cannot encode the public key: {e}")))?
                .as_bytes()
                .to_vec(),
            PrivateKey::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            PrivateKey::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        })
    }

    /// "RSA 2048", "ECDSA P-256", ...
    pub fn describe(&self) -> String {
        match self {
            PrivateKey::Rsa(k) => format!("RSA {}", k.size() * 8),
            PrivateKey::P256(_) => "ECDSA P-256".into(),
            PrivateKey::P384(_) => "ECDSA P-384".into(),
        }
    }

    /// Checks that `spki_bits` (a certificate's subjectPublicKey) is this key's public key.
    pub fn matches_public_key(&self, algorithm_oid: &str, spki_bits: &[u8]) -> bool {
        match self {
            PrivateKey::Rsa(k) => {
                algorithm_oid == OID_RSA
                    && rsa::RsaPublicKey::from_pkcs1_der(spki_bits)
                        .map(|p| p.n() == k.n() && p.e() == k.e())
                        .unwrap_or(false)
            }
            PrivateKey::P256(k) => {
                algorithm_oid == OID_EC
                    && p256::PublicKey::from_sec1_bytes(spki_bits)
                        .map(|p| p.as_affine() == k.verifying_key().as_affine())
                        .unwrap_or(false)
            }
            PrivateKey::P384(k) => {
                algorithm_oid == OID_EC
                    && p384::PublicKey::from_sec1_bytes(spki_bits)
                        .map(|p| p.as_affine() == k.verifying_key().as_affine())
                        .unwrap_or(false)
            }
        }
    }

    /// Checks that this key belongs to the DER certificate `cert`.
    pub fn check_matches_certificate(&self, cert: &[u8]) -> Result<()> {
        let (_, parsed) = x509_parser::parse_x509_certificate(cert)
            .map_err(|_| crate::inspect::malformed_certificate(cert))?;
        let spki = &parsed.tbs_certificate.subject_pki;
        if self.matches_public_key(
            &spki.algorithm.algorithm.to_id_string(),
            &spki.subject_public_key.data,
        ) {
            self.check_signs_for(&spki.subject_public_key.data)
        } else {
            Err(CertError::KeyMismatch(format!(
                "the {} private key does not belong to the certificate for {}",
                self.describe(),
                crate::dn::format_name(parsed.subject())
            )))
        }
    }

    /// Signs a test message and verifies it with the certificate's public key
    /// (`public_key_bits`, the subjectPublicKey contents): a key whose private half is
    /// damaged would make every TLS handshake fail.
    fn check_signs_for(&self, public_key_bits: &[u8]) -> Result<()> {
        use signature::Verifier;
        const MESSAGE: &[u8] = b"certhost checks that this key signs for its certificate";
        let signature = self.sign(MESSAGE);
        let verified = match self {
            PrivateKey::Rsa(_) => rsa::RsaPublicKey::from_pkcs1_der(public_key_bits)
                .ok()
                .zip(rsa::pkcs1v15::Signature::try_from(signature.as_slice()).ok())
                .is_some_and(|(public, sig)| {
                    rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public)
                        .verify(MESSAGE, &sig)
                        .is_ok()
                }),
            PrivateKey::P256(_) => p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key_bits)
                .ok()
                .zip(p256::ecdsa::Signature::from_der(&signature).ok())
                .is_some_and(|(public, sig)| public.verify(MESSAGE, &sig).is_ok()),
            PrivateKey::P384(_) => p384::ecdsa::VerifyingKey::from_sec1_bytes(public_key_bits)
                .ok()
                .zip(p384::ecdsa::Signature::from_der(&signature).ok())
                .is_some_and(|(public, sig)| public.verify(MESSAGE, &sig).is_ok()),
        };
        if verified {
            Ok(())
        } else {
            Err(CertError::KeyMismatch(format!(
                "a signature made with the {} private key does not verify with the certificate's public key; the key is damaged",
                self.describe()
            )))
        }
    }

    /// rcgen's view of this key, for signing certificates.
    pub(crate) fn signer(&self) -> Result<RcgenSigner<'_>> {
        let algorithm = match self {
            PrivateKey::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
            PrivateKey::P256(_) => &rcgen::PKCS_ECDSA_P256_SHA256,
            PrivateKey::P384(_) => &rcgen::PKCS_ECDSA_P384_SHA384,
        };
        Ok(RcgenSigner {
            key: self,
            public_bits: self.public_key_bits()?,
            algorithm,
        })
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            PrivateKey::Rsa(k) => {
                let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
                signer.sign(message).to_vec()
            }
            PrivateKey::P256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
            PrivateKey::P384(k) => {
                let sig: p384::ecdsa::Signature = k.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }
}

/// Refuses an RSA key whose stored values disagree with its primes. The `rsa` crate
/// checks n = p·q and d, then computes the CRT values itself; OpenSSL and the TLS
/// libraries use the stored ones, so a key with a damaged dP, dQ or qInv would pass here
/// and fail every handshake. Each stored value must equal the one computed.
pub(crate) fn check_rsa_components(pkcs1_der: &[u8], key: &rsa::RsaPrivateKey) -> Result<()> {
    use rsa::pkcs1::{EncodeRsaPrivateKey, RsaPrivateKeyRef};
    let damaged = |what: &str| {
        CertError::Corrupt(format!(
            "the RSA private key is inconsistent: {what} does not agree with its primes; the key file is damaged: take the key again from where it was made"
        ))
    };
    let given = RsaPrivateKeyRef::from_der(pkcs1_der).map_err(|_| damaged("its structure"))?;
    let computed = key
        .to_pkcs1_der()
        .map_err(|e| CertError::corrupt("the RSA private key cannot be re-encoded", e))?;
    let computed =
        RsaPrivateKeyRef::from_der(computed.as_bytes()).map_err(|_| damaged("its structure"))?;
    let pairs = [
        ("the modulus n", given.modulus, computed.modulus),
        (
            "the public exponent e",
            given.public_exponent,
            computed.public_exponent,
        ),
        (
            "the private exponent d",
            given.private_exponent,
            computed.private_exponent,
        ),
        ("the prime p", given.prime1, computed.prime1),
        ("the prime q", given.prime2, computed.prime2),
        (
            "the CRT exponent dP (d mod p-1)",
            given.exponent1,
            computed.exponent1,
        ),
        (
            "the CRT exponent dQ (d mod q-1)",
            given.exponent2,
            computed.exponent2,
        ),
        (
            "the CRT coefficient qInv",
            given.coefficient,
            computed.coefficient,
        ),
    ];
    match pairs.iter().find(|(_, a, b)| a.as_bytes() != b.as_bytes()) {
        Some((what, _, _)) => Err(damaged(what)),
        None => Ok(()),
    }
}

/// Adapter from [`PrivateKey`] to rcgen's signing traits.
pub(crate) struct RcgenSigner<'a> {
    key: &'a PrivateKey,
    public_bits: Vec<u8>,
    algorithm: &'static rcgen::SignatureAlgorithm,
}

impl rcgen::PublicKeyData for RcgenSigner<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.public_bits
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.algorithm
    }
}

impl rcgen::SigningKey for RcgenSigner<'_> {
    fn sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, rcgen::Error> {
        Ok(self.key.sign(msg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use certhost_primitives::Software;

    #[test]
    fn pkcs8_round_trip_for_each_type() {
        for alg in [
            KeyAlgorithm::Rsa(2048),
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
        ] {
            let key = PrivateKey::generate(alg, &Software).unwrap();
            let der = key.to_pkcs8_der().unwrap();
            let back = PrivateKey::from_pkcs8_der(&der).unwrap();
            assert_eq!(
                back.public_key_spki().unwrap(),
                key.public_key_spki().unwrap()
            );
        }
    }

    #[test]
    fn windows_algorithm_names() {
        assert_eq!(
            KeyAlgorithm::from_windows_name("RSA", Some(4096)).unwrap(),
            KeyAlgorithm::Rsa(4096)
        );
        assert_eq!(
            KeyAlgorithm::from_windows_name("ECDSA_nistP384", None).unwrap(),
            KeyAlgorithm::EcdsaP384
        );
        assert!(KeyAlgorithm::from_windows_name("RSA", Some(1024)).is_err());
        assert!(KeyAlgorithm::from_windows_name("DSA", None).is_err());
    }

    #[test]
    fn debug_does_not_print_key_material() {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256, &Software).unwrap();
        assert_eq!(format!("{key:?}"), "PrivateKey(ECDSA P-256)");
    }

    #[test]
    fn garbage_is_corrupt() {
        assert!(matches!(
            PrivateKey::from_pkcs8_der(b"nope"),
            Err(CertError::Corrupt(_))
        ));
    }
}
