//! `primitives`: key derivation and RSA key generation computed natively (`Primitives`).

use super::super::bindings::certhost::plugin::primitives;
use super::super::state::HostState;
use super::denied;
use certhost_primitives::{Digest, Pkcs12Purpose, Primitives, Software};

fn digest(d: primitives::Digest) -> Digest {
    match d {
        primitives::Digest::Sha1 => Digest::Sha1,
        primitives::Digest::Sha224 => Digest::Sha224,
        primitives::Digest::Sha256 => Digest::Sha256,
        primitives::Digest::Sha384 => Digest::Sha384,
        primitives::Digest::Sha512 => Digest::Sha512,
    }
}

fn invalid(e: certhost_primitives::PrimitiveError) -> primitives::PrimitiveError {
    primitives::PrimitiveError::Invalid(e.to_string())
}

impl HostState {
    fn check_primitives(&self) -> Result<(), primitives::PrimitiveError> {
        self.gate
            .primitives()
            .map_err(|d| primitives::PrimitiveError::PermissionDenied(denied(d)))
    }
}

impl primitives::Host for HostState {
    fn pbkdf2_hmac(
        &mut self,
        d: primitives::Digest,
        password: Vec<u8>,
        salt: Vec<u8>,
        iterations: u32,
        length: u32,
    ) -> Result<Vec<u8>, primitives::PrimitiveError> {
        self.check_primitives()?;
        Software
            .pbkdf2_hmac(digest(d), &password, &salt, iterations, length as usize)
            .map_err(invalid)
    }

    fn pkcs12_kdf(
        &mut self,
        d: primitives::Digest,
        password: Vec<u8>,
        salt: Vec<u8>,
        purpose: primitives::Pkcs12Purpose,
        iterations: u32,
        length: u32,
    ) -> Result<Vec<u8>, primitives::PrimitiveError> {
        self.check_primitives()?;
        let purpose = match purpose {
            primitives::Pkcs12Purpose::EncryptionKey => Pkcs12Purpose::EncryptionKey,
            primitives::Pkcs12Purpose::Iv => Pkcs12Purpose::Iv,
            primitives::Pkcs12Purpose::Mac => Pkcs12Purpose::Mac,
        };
        Software
            .pkcs12_kdf(
                digest(d),
                &password,
                &salt,
                purpose,
                iterations,
                length as usize,
            )
            .map_err(invalid)
    }

    fn generate_rsa_key(&mut self, bits: u32) -> Result<Vec<u8>, primitives::PrimitiveError> {
        self.check_primitives()?;
        Software.generate_rsa_key(bits).map_err(invalid)
    }
}
