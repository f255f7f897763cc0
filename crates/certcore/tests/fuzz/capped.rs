//! The software primitives with a low iteration cap, so a mutated iteration count costs
//! milliseconds instead of the seconds that certhost_primitives::MAX_ITERATIONS allows.

use certhost_primitives::{Digest, Pkcs12Purpose, PrimitiveError, Primitives, Software};

/// Highest key-derivation iteration count the fuzz targets compute (the fast samples
/// use 2048; the others exercise the refusal).
pub const MAX_FUZZ_ITERATIONS: u32 = 2048;

pub struct Capped;

fn cap(iterations: u32) -> Result<(), PrimitiveError> {
    if iterations > MAX_FUZZ_ITERATIONS {
        return Err(PrimitiveError::Iterations(iterations));
    }
    Ok(())
}

impl Primitives for Capped {
    fn pbkdf2_hmac(
        &self,
        digest: Digest,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        length: usize,
    ) -> Result<Vec<u8>, PrimitiveError> {
        cap(iterations)?;
        Software.pbkdf2_hmac(digest, password, salt, iterations, length)
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
        cap(iterations)?;
        Software.pkcs12_kdf(digest, password, salt, purpose, iterations, length)
    }

    fn generate_rsa_key(&self, _bits: u32) -> Result<Vec<u8>, PrimitiveError> {
        Err(PrimitiveError::Host(
            "the fuzz targets generate no keys".into(),
        ))
    }
}
