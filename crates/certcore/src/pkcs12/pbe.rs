//! Password-based decryption as PKCS#12 files and encrypted PKCS#8 keys use it:
//! PBES2 (PBKDF2 with any HMAC-SHA PRF, the omitted DEFAULT meaning SHA-1; AES-CBC or
//! 3DES) and the PKCS#12 legacy schemes (SHA-1 with 3DES, 2-key 3DES, RC2-128, RC2-40).
//! The key derivations run through [`Primitives`], so the host may compute them natively.

use super::tlv::{NULL, OCTET_STRING, SEQUENCE, Tlv};
use crate::error::{CertError, Result};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, InnerIvInit, KeyIvInit};
use certhost_primitives::{Digest, Pkcs12Purpose, Primitives};

use super::oids::{PBE_SHA1_3DES, PBES2, PBKDF2};
const PBE_SHA1_2DES: &str = "1.2.840.113549.1.12.1.4";
const PBE_SHA1_RC2_128: &str = "1.2.840.113549.1.12.1.5";
const PBE_SHA1_RC2_40: &str = "1.2.840.113549.1.12.1.6";
const PBE_SHA1_RC4_128: &str = "1.2.840.113549.1.12.1.1";
const PBE_SHA1_RC4_40: &str = "1.2.840.113549.1.12.1.2";

/// A password in the two encodings PKCS#12 uses.
#[derive(Clone)]
pub(crate) struct Password {
    /// UTF-8 bytes, for PBES2.
    pub utf8: Vec<u8>,
    /// BMPString with terminator, for the PKCS#12 KDF (empty for the OpenSSL convention
    /// of an empty password).
    pub bmp: Vec<u8>,
}

impl Password {
    pub fn new(password: &str) -> Self {
        Password {
            utf8: password.as_bytes().to_vec(),
            bmp: certhost_primitives::bmp_password(password),
        }
    }

    /// The other spelling of the empty password (zero-length instead of `00 00`), if this
    /// is the empty password.
    pub fn empty_alternative(&self) -> Option<Self> {
        self.utf8.is_empty().then(|| Password {
            utf8: Vec::new(),
            bmp: Vec::new(),
        })
    }
}

/// Why decryption failed.
pub(crate) enum DecryptFailure {
    /// Bad padding or garbage plaintext: the password (or the file) is wrong.
    Undecryptable,
    /// Anything else: malformed parameters, unsupported algorithm.
    Error(CertError),
}

impl From<CertError> for DecryptFailure {
    fn from(e: CertError) -> Self {
        DecryptFailure::Error(e)
    }
}

pub(crate) fn digest_for_oid(oid: &str) -> Option<Digest> {
    Some(match oid {
        "1.3.14.3.2.26" | "1.2.840.113549.2.7" => Digest::Sha1,
        "2.16.840.1.101.3.4.2.4" | "1.2.840.113549.2.8" => Digest::Sha224,
        "2.16.840.1.101.3.4.2.1" | "1.2.840.113549.2.9" => Digest::Sha256,
        "2.16.840.1.101.3.4.2.2" | "1.2.840.113549.2.10" => Digest::Sha384,
        "2.16.840.1.101.3.4.2.3" | "1.2.840.113549.2.11" => Digest::Sha512,
        _ => return None,
    })
}

fn iterations(tlv: &Tlv<'_>) -> Result<u32> {
    let n = tlv.uint()?;
    u32::try_from(n)
        .ok()
        .filter(|n| *n >= 1 && *n <= certhost_primitives::MAX_ITERATIONS)
        .ok_or_else(|| {
            CertError::Unsupported(format!(
                "an iteration count of {n} is outside 1..={}",
                certhost_primitives::MAX_ITERATIONS
            ))
        })
}

/// The key-derivation work (iterations × derivations) decrypting under `alg` will take,
/// as far as its parameters say; 0 when they cannot be read.
pub(crate) fn derivation_work(alg: &Tlv<'_>) -> u64 {
    let read = || -> Result<u64> {
        let oid = alg.child(0, "encryption algorithm")?.oid()?;
        let params = alg.child(1, "encryption parameters")?;
        Ok(match oid.as_str() {
            PBES2 => params
                .child(0, "KDF")?
                .child(1, "KDF parameters")?
                .child(1, "iterations")?
                .uint()?,
            // A key and an IV, each derived separately.
            _ => 2 * params.child(1, "PBE iteration count")?.uint()?,
        })
    };
    read().unwrap_or(0)
}

/// Decrypts `ciphertext` encrypted under the algorithm `alg` (an AlgorithmIdentifier).
pub(crate) fn decrypt(
    alg: &Tlv<'_>,
    ciphertext: &[u8],
    password: &Password,
    primitives: &dyn Primitives,
) -> std::result::Result<Vec<u8>, DecryptFailure> {
    if alg.tag != SEQUENCE {
        return Err(CertError::Corrupt("the encryption algorithm is not a SEQUENCE".into()).into());
    }
    let oid = alg.child(0, "encryption algorithm")?.oid()?;
    let params = alg.child_tagged(1, SEQUENCE, "encryption parameters")?;
    match oid.as_str() {
        PBES2 => decrypt_pbes2(params, ciphertext, password, primitives),
        PBE_SHA1_3DES | PBE_SHA1_2DES | PBE_SHA1_RC2_128 | PBE_SHA1_RC2_40 => {
            let salt = params.child_tagged(0, OCTET_STRING, "PBE salt")?.octets();
            let rounds = iterations(params.child(1, "PBE iteration count")?)?;
            let (key_len, iv_len) = match oid.as_str() {
                PBE_SHA1_3DES => (24, 8),
                PBE_SHA1_2DES | PBE_SHA1_RC2_128 => (16, 8),
                _ => (5, 8),
            };
            let derive = |purpose, len| {
                primitives.pkcs12_kdf(Digest::Sha1, &password.bmp, &salt, purpose, rounds, len)
            };
            let key = derive(Pkcs12Purpose::EncryptionKey, key_len).map_err(CertError::from)?;
            let iv = derive(Pkcs12Purpose::Iv, iv_len).map_err(CertError::from)?;
            let plain = match oid.as_str() {
                PBE_SHA1_3DES => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                    .map(|d| d.decrypt_padded_vec::<Pkcs7>(ciphertext)),
                PBE_SHA1_2DES => cbc::Decryptor::<des::TdesEde2>::new_from_slices(&key, &iv)
                    .map(|d| d.decrypt_padded_vec::<Pkcs7>(ciphertext)),
                _ => {
                    let cipher = rc2::Rc2::new_with_eff_key_len(&key, key_len * 8);
                    cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, &iv)
                        .map(|d| d.decrypt_padded_vec::<Pkcs7>(ciphertext))
                }
            };
            finish(plain)
        }
        PBE_SHA1_RC4_128 | PBE_SHA1_RC4_40 => Err(CertError::Unsupported(
            "the file is encrypted with RC4, which certhost does not implement; re-export it with AES-256 (openssl pkcs12 -export) or 3DES".into(),
        )
        .into()),
        other => Err(CertError::Unsupported(format!(
            "encryption algorithm {other} is not supported (supported: PBES2 with AES or 3DES, PKCS#12 3DES and RC2)"
        ))
        .into()),
    }
}

fn finish<E>(
    plain: std::result::Result<std::result::Result<Vec<u8>, E>, cbc::cipher::InvalidLength>,
) -> std::result::Result<Vec<u8>, DecryptFailure> {
    match plain {
        Ok(Ok(p)) => Ok(p),
        Ok(Err(_)) => Err(DecryptFailure::Undecryptable),
        Err(_) => Err(CertError::Corrupt("the key or IV has the wrong length".into()).into()),
    }
}

fn decrypt_pbes2(
    params: &Tlv<'_>,
    ciphertext: &[u8],
    password: &Password,
    primitives: &dyn Primitives,
) -> std::result::Result<Vec<u8>, DecryptFailure> {
    let kdf = params.child_tagged(0, SEQUENCE, "PBES2 key derivation")?;
    let scheme = params.child_tagged(1, SEQUENCE, "PBES2 encryption scheme")?;
    let kdf_oid = kdf.child(0, "PBES2 KDF")?.oid()?;
    if kdf_oid != PBKDF2 {
        return Err(CertError::Unsupported(format!(
            "PBES2 key derivation {kdf_oid} is not supported (only PBKDF2)"
        ))
        .into());
    }
    let kdf_params = kdf
        .child_tagged(1, SEQUENCE, "PBKDF2 parameters")?
        .children()?;
    let salt = kdf_params
        .first()
        .filter(|t| t.tag == OCTET_STRING)
        .ok_or_else(|| CertError::Corrupt("PBKDF2 salt missing".into()))?
        .octets();
    let rounds = iterations(
        kdf_params
            .get(1)
            .ok_or_else(|| CertError::Corrupt("PBKDF2 iterations missing".into()))?,
    )?;
    // Optional keyLength INTEGER, then optional prf AlgorithmIdentifier (DEFAULT SHA-1).
    let prf = match kdf_params
        .iter()
        .skip(2)
        .find(|t| t.tag == super::tlv::SEQUENCE)
    {
        None => Digest::Sha1,
        Some(alg) => {
            // Its parameters are NULL (or absent): anything else is malformed.
            if let Some(p) = alg.children()?.get(1)
                && !(p.tag == NULL && p.octets().is_empty())
            {
                return Err(CertError::Corrupt(
                    "the PBKDF2 PRF has parameters other than NULL".into(),
                )
                .into());
            }
            let oid = alg.child(0, "PBKDF2 PRF")?.oid()?;
            digest_for_oid(&oid).ok_or_else(|| {
                CertError::Unsupported(format!("PBKDF2 PRF {oid} is not supported"))
            })?
        }
    };
    let cipher_oid = scheme.child(0, "PBES2 cipher")?.oid()?;
    let iv = scheme.child_tagged(1, OCTET_STRING, "PBES2 IV")?.octets();
    let key_len = match cipher_oid.as_str() {
        "2.16.840.1.101.3.4.1.2" => 16,
        "2.16.840.1.101.3.4.1.22" => 24,
        "2.16.840.1.101.3.4.1.42" => 32,
        "1.2.840.113549.3.7" => 24,
        other => {
            return Err(CertError::Unsupported(format!(
                "PBES2 cipher {other} is not supported (AES-128/192/256-CBC, DES-EDE3-CBC)"
            ))
            .into());
        }
    };
    let key = primitives
        .pbkdf2_hmac(prf, &password.utf8, &salt, rounds, key_len)
        .map_err(CertError::from)?;
    let plain = match key_len {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map(|d| d.decrypt_padded_vec::<Pkcs7>(ciphertext)),
        24 if cipher_oid == "1.2.840.113549.3.7" => {
            cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
                .map(|d| d.decrypt_padded_vec::<Pkcs7>(ciphertext))
        }
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map(|d| d.decrypt_padded_vec::<Pkcs7>(ciphertext)),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map(|d| d.decrypt_padded_vec::<Pkcs7>(ciphertext)),
    };
    finish(plain)
}

/// Decrypts a DER `EncryptedPrivateKeyInfo` (PKCS#8) into `PrivateKeyInfo` DER.
pub(crate) fn decrypt_pkcs8(
    encrypted: &Tlv<'_>,
    password: &Password,
    primitives: &dyn Primitives,
) -> std::result::Result<Vec<u8>, DecryptFailure> {
    if encrypted.tag != SEQUENCE {
        return Err(CertError::Corrupt("the encrypted key is not a SEQUENCE".into()).into());
    }
    let alg = encrypted.child(0, "key encryption algorithm")?;
    let data = encrypted
        .child_tagged(1, OCTET_STRING, "encrypted key")?
        .octets();
    let plain = decrypt(alg, &data, password, primitives)?;
    // A wrong password that happens to pad correctly yields garbage: check it is DER.
    match Tlv::parse_whole(&plain) {
        Ok(t) if t.tag == super::tlv::SEQUENCE => Ok(t.to_der()),
        _ => Err(DecryptFailure::Undecryptable),
    }
}
