//! `Primitives` backed by the host's `primitives` import: key derivation and RSA key
//! generation run natively in the host (they parse no untrusted input). A host that does
//! not grant or provide them (`permission-denied`) gets them computed here instead, more
//! slowly; a host's `invalid` is an error.

use crate::bindings::certhost::plugin::primitives as host;
use certhost_primitives::{Digest, Pkcs12Purpose, PrimitiveError, Primitives, Software};

pub struct HostPrimitives;

fn digest(d: Digest) -> host::Digest {
    match d {
        Digest::Sha1 => host::Digest::Sha1,
        Digest::Sha224 => host::Digest::Sha224,
        Digest::Sha256 => host::Digest::Sha256,
        Digest::Sha384 => host::Digest::Sha384,
        Digest::Sha512 => host::Digest::Sha512,
    }
}

/// The host's answer; a `permission-denied` one computed by `here` instead.
fn or_here(
    answer: Result<Vec<u8>, host::PrimitiveError>,
    here: impl FnOnce() -> Result<Vec<u8>, PrimitiveError>,
) -> Result<Vec<u8>, PrimitiveError> {
    match answer {
        Ok(bytes) => Ok(bytes),
        Err(host::PrimitiveError::PermissionDenied(_)) => here(),
        Err(host::PrimitiveError::Invalid(m)) => Err(PrimitiveError::Host(m)),
    }
}

fn length(len: usize) -> Result<u32, PrimitiveError> {
    u32::try_from(len).map_err(|_| PrimitiveError::Length(len))
}

impl Primitives for HostPrimitives {
    fn pbkdf2_hmac(
        &self,
        d: Digest,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        len: usize,
    ) -> Result<Vec<u8>, PrimitiveError> {
        // The host enforces the same bounds; check here to report them precisely.
        Software.check_bounds(iterations, len)?;
        or_here(
            host::pbkdf2_hmac(digest(d), password, salt, iterations, length(len)?),
            || Software.pbkdf2_hmac(d, password, salt, iterations, len),
        )
    }

    fn pkcs12_kdf(
        &self,
        d: Digest,
        password: &[u8],
        salt: &[u8],
        purpose: Pkcs12Purpose,
        iterations: u32,
        len: usize,
    ) -> Result<Vec<u8>, PrimitiveError> {
        Software.check_bounds(iterations, len)?;
        let host_purpose = match purpose {
            Pkcs12Purpose::EncryptionKey => host::Pkcs12Purpose::EncryptionKey,
            Pkcs12Purpose::Iv => host::Pkcs12Purpose::Iv,
            Pkcs12Purpose::Mac => host::Pkcs12Purpose::Mac,
        };
        or_here(
            host::pkcs12_kdf(
                digest(d),
                password,
                salt,
                host_purpose,
                iterations,
                length(len)?,
            ),
            || Software.pkcs12_kdf(d, password, salt, purpose, iterations, len),
        )
    }

    fn generate_rsa_key(&self, bits: u32) -> Result<Vec<u8>, PrimitiveError> {
        if !certhost_primitives::RSA_KEY_SIZES.contains(&bits) {
            return Err(PrimitiveError::RsaKeySize(bits));
        }
        or_here(host::generate_rsa_key(bits), || {
            Software.generate_rsa_key(bits)
        })
    }
}
