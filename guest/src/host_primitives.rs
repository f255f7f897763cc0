//! `Primitives` backed by the host's `primitives` import: key derivation and RSA key
//! generation run natively in the host (they parse no untrusted input).

use crate::bindings::certhost::plugin::primitives as host;
use certhost_primitives::{Digest, Pkcs12Purpose, PrimitiveError, Primitives};

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

/// The host's refusal in the core's error type.
fn host_error(e: host::PrimitiveError) -> PrimitiveError {
    match e {
        host::PrimitiveError::Invalid(m) => PrimitiveError::Host(m),
        host::PrimitiveError::PermissionDenied(d) => PrimitiveError::Host(d.message),
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
        certhost_primitives::Software.check_bounds(iterations, len)?;
        host::pbkdf2_hmac(digest(d), password, salt, iterations, length(len)?).map_err(host_error)
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
        certhost_primitives::Software.check_bounds(iterations, len)?;
        let purpose = match purpose {
            Pkcs12Purpose::EncryptionKey => host::Pkcs12Purpose::EncryptionKey,
            Pkcs12Purpose::Iv => host::Pkcs12Purpose::Iv,
            Pkcs12Purpose::Mac => host::Pkcs12Purpose::Mac,
        };
        host::pkcs12_kdf(digest(d), password, salt, purpose, iterations, length(len)?)
            .map_err(host_error)
    }

    fn generate_rsa_key(&self, bits: u32) -> Result<Vec<u8>, PrimitiveError> {
        if !certhost_primitives::RSA_KEY_SIZES.contains(&bits) {
            return Err(PrimitiveError::RsaKeySize(bits));
        }
        host::generate_rsa_key(bits).map_err(host_error)
    }
}
