//! The hot cryptographic primitives of certhost: PBKDF2-HMAC, the PKCS#12 key-derivation
//! function and RSA key generation.
//!
//! They are the only operations whose cost is dominated by big-number or hash loops
//! (≈6–8× slower in wasm than natively), and none of them parses untrusted input: their
//! arguments are passwords, salts, iteration counts and sizes. The certificate component
//! calls them through the [`Primitives`] trait; inside the sandbox that trait is backed
//! by a WIT import the host serves with this same code natively, and in native builds
//! (tests, the benchmark) by [`Software`].
//!
//! ```
//! use certhost_primitives::{Digest, Primitives, Software};
//! let key = Software.pbkdf2_hmac(Digest::Sha256, b"password", b"salt", 1, 32).unwrap();
//! assert_eq!(key.len(), 32);
//! ```

use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use rsa::pkcs8::EncodePrivateKey;

/// Highest iteration count accepted by the key-derivation functions. Files seen in
/// practice use at most 600,000; a larger count in an untrusted file is a denial of
/// service, not a stronger key.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// Longest derived key accepted (bytes); no cipher or MAC here needs more than 64.
pub const MAX_DERIVED_LEN: usize = 1024;

/// RSA modulus sizes certhost generates.
pub const RSA_KEY_SIZES: [u32; 3] = [2048, 3072, 4096];

/// A hash function a KDF is built on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

/// What a primitive refused to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrimitiveError {
    #[error("iteration count {0} is outside 1..={MAX_ITERATIONS}")]
    Iterations(u32),
    #[error("derived key length {0} is outside 1..={MAX_DERIVED_LEN}")]
    Length(usize),
    #[error("RSA key size {0} is not supported; use 2048, 3072 or 4096")]
    RsaKeySize(u32),
    #[error("RSA key generation failed: {0}")]
    RsaGeneration(String),
    #[error("the host refused the operation: {0}")]
    Host(String),
    #[error(
        "the file needs more key-derivation work than certhost allows for one file ({limit} iterations in all); a file from a real tool needs a few million at most: re-export it with fewer iterations (for example openssl pkcs12 -export -iter 600000)"
    )]
    WorkLimit { limit: u64 },
}

/// Which PKCS#12 (RFC 7292 appendix B) key material to derive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pkcs12Purpose {
    EncryptionKey,
    Iv,
    Mac,
}

/// The primitives the certificate logic needs. Implemented natively by [`Software`] and,
/// inside the component, by calls to the host.
pub trait Primitives {
    /// PBKDF2 (RFC 8018) with HMAC over `digest`.
    fn pbkdf2_hmac(
        &self,
        digest: Digest,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        length: usize,
    ) -> Result<Vec<u8>, PrimitiveError>;

    /// The PKCS#12 KDF. `password` is the BMPString form including its two-byte
    /// terminator (or empty, for the OpenSSL empty-password convention).
    fn pkcs12_kdf(
        &self,
        digest: Digest,
        password: &[u8],
        salt: &[u8],
        purpose: Pkcs12Purpose,
        iterations: u32,
        length: usize,
    ) -> Result<Vec<u8>, PrimitiveError>;

    /// A fresh RSA private key of `bits` bits (public exponent 65537) as PKCS#8 DER.
    fn generate_rsa_key(&self, bits: u32) -> Result<Vec<u8>, PrimitiveError>;
}

/// The primitives computed in this process, with the RustCrypto crates.
#[derive(Clone, Copy, Debug, Default)]
pub struct Software;

impl Software {
    /// Checks a KDF request against [`MAX_ITERATIONS`] and [`MAX_DERIVED_LEN`].
    pub fn check_bounds(&self, iterations: u32, length: usize) -> Result<(), PrimitiveError> {
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(PrimitiveError::Iterations(iterations));
        }
        if length == 0 || length > MAX_DERIVED_LEN {
            return Err(PrimitiveError::Length(length));
        }
        Ok(())
    }
}

impl Primitives for Software {
    fn pbkdf2_hmac(
        &self,
        digest: Digest,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        length: usize,
    ) -> Result<Vec<u8>, PrimitiveError> {
        self.check_bounds(iterations, length)?;
        let mut out = vec![0u8; length];
        match digest {
            Digest::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, &mut out),
            Digest::Sha224 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha224>(password, salt, iterations, &mut out)
            }
            Digest::Sha256 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out)
            }
            Digest::Sha384 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, &mut out)
            }
            Digest::Sha512 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, &mut out)
            }
        }
        Ok(out)
    }

    fn pkcs12_kdf(
        &self,
        digest: Digest,
        password: &[u8],
        salt: &[u8],
        purpose: Pkcs12Purpose,
        iterations: u32,
        length: usize,
    ) -> Result<Vec<u8>, PrimitiveError> {
        self.check_bounds(iterations, length)?;
        let id = match purpose {
            Pkcs12Purpose::EncryptionKey => Pkcs12KeyType::EncryptionKey,
            Pkcs12Purpose::Iv => Pkcs12KeyType::Iv,
            Pkcs12Purpose::Mac => Pkcs12KeyType::Mac,
        };
        // MAX_ITERATIONS < i32::MAX, so the bound check above makes the cast lossless.
        let rounds = iterations as i32;
        Ok(match digest {
            Digest::Sha1 => derive_key::<sha1::Sha1>(password, salt, id, rounds, length),
            Digest::Sha224 => derive_key::<sha2::Sha224>(password, salt, id, rounds, length),
            Digest::Sha256 => derive_key::<sha2::Sha256>(password, salt, id, rounds, length),
            Digest::Sha384 => derive_key::<sha2::Sha384>(password, salt, id, rounds, length),
            Digest::Sha512 => derive_key::<sha2::Sha512>(password, salt, id, rounds, length),
        })
    }

    fn generate_rsa_key(&self, bits: u32) -> Result<Vec<u8>, PrimitiveError> {
        if !RSA_KEY_SIZES.contains(&bits) {
            return Err(PrimitiveError::RsaKeySize(bits));
        }
        let mut rng = SystemRng;
        let key = rsa::RsaPrivateKey::new(&mut rng, bits as usize)
            .map_err(|e| PrimitiveError::RsaGeneration(e.to_string()))?;
        let der = key
            .to_pkcs8_der()
            .map_err(|e| PrimitiveError::RsaGeneration(e.to_string()))?;
        Ok(der.as_bytes().to_vec())
    }
}

/// The operating system's random number generator as an infallible `CryptoRng`.
///
/// `getrandom` fails only when the OS has no entropy source at all; there is no sane way
/// to go on generating keys then, so that case aborts the operation with a panic that the
/// component runtime turns into an error (natively: a crash with the OS's reason).
pub struct SystemRng;

impl rsa::rand_core::TryRng for SystemRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        fill_random(dst);
        Ok(())
    }
}
impl rsa::rand_core::TryCryptoRng for SystemRng {}

/// Fills `dst` from the OS random source (see [`SystemRng`] for the failure policy).
pub fn fill_random(dst: &mut [u8]) {
    if let Err(e) = getrandom::fill(dst) {
        panic!("the system random number generator failed: {e}");
    }
}

/// Encodes a password as PKCS#12 wants it for the legacy KDF: big-endian UTF-16 with a
/// two-byte zero terminator (RFC 7292 appendix B.1). The empty password becomes `00 00`.
pub fn bmp_password(password: &str) -> Vec<u8> {
    let mut out: Vec<u8> = password
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    out.extend([0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_sha256_matches_rfc7914_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64)
        let key = Software
            .pbkdf2_hmac(Digest::Sha256, b"passwd", b"salt", 1, 64)
            .unwrap();
        assert_eq!(
            &key[..16],
            &[
                0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25, 0x44,
                0xb6, 0x05
            ]
        );
    }

    #[test]
    fn kdf_refuses_absurd_iterations() {
        let err = Software
            .pbkdf2_hmac(Digest::Sha1, b"p", b"s", MAX_ITERATIONS + 1, 16)
            .unwrap_err();
        assert_eq!(err, PrimitiveError::Iterations(MAX_ITERATIONS + 1));
        assert!(
            Software
                .pbkdf2_hmac(Digest::Sha1, b"p", b"s", 0, 16)
                .is_err()
        );
    }

    #[test]
    fn bmp_password_is_utf16_be_with_terminator() {
        assert_eq!(bmp_password(""), vec![0, 0]);
        assert_eq!(bmp_password("aŁ"), vec![0, b'a', 0x01, 0x41, 0, 0]);
    }

    #[test]
    fn rsa_key_sizes_are_checked() {
        assert_eq!(
            Software.generate_rsa_key(1024).unwrap_err(),
            PrimitiveError::RsaKeySize(1024)
        );
    }
}
