//! The object identifiers of PKCS#12 and the algorithms certhost reads and writes.

pub(crate) const DATA: &str = "1.2.840.113549.1.7.1";
pub(crate) const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub(crate) const ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
pub(crate) const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
pub(crate) const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
pub(crate) const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
pub(crate) const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
pub(crate) const SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
pub(crate) const X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
pub(crate) const FRIENDLY_NAME: &str = "1.2.840.113549.1.9.20";
pub(crate) const LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";
pub(crate) const PBMAC1: &str = "1.2.840.113549.1.5.14";
pub(crate) const PBES2: &str = "1.2.840.113549.1.5.13";
pub(crate) const PBKDF2: &str = "1.2.840.113549.1.5.12";
pub(crate) const HMAC_SHA256: &str = "1.2.840.113549.2.9";
pub(crate) const AES256_CBC: &str = "2.16.840.1.101.3.4.1.42";
pub(crate) const PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
pub(crate) const SHA1: &str = "1.3.14.3.2.26";
pub(crate) const SHA256: &str = "2.16.840.1.101.3.4.2.1";
