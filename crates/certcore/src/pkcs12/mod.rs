//! PKCS#12 (PFX): import with a BER-tolerant reader of our own, export with a writer of
//! our own laid out as OpenSSL's. Why our own reader: `p12-keystore` 0.4 refuses NSS's BER, OpenSSL's
//! empty-password MAC and PBES2's DEFAULT SHA-1 PRF, reports a wrong password and a
//! corrupt file alike, and derives keys itself, where certhost lets the host compute
//! PBKDF2 natively (six times faster than in wasm); its writer also puts the subject, not
//! the FriendlyName, on the certificate bag and cannot write a name beyond the BMP.

mod budget;
mod der_write;
mod oids;
mod pbe;
mod read;
mod tlv;
mod write;

pub use read::{PfxEntry, read_pfx};
pub use write::{DEFAULT_ITERATIONS, PfxContents, PfxProfile, PfxProtection, write_pfx};

pub(crate) use oids::SIGNED_DATA;
pub(crate) use pbe::{DecryptFailure, Password, decrypt_pkcs8};
pub(crate) use tlv::Tlv;
