//! Signature checks on certificates (used to tell a self-signed certificate), with the
//! RustCrypto verifiers: RSA PKCS#1 v1.5 with SHA-256/384/512, ECDSA P-256/SHA-256 and
//! P-384/SHA-384. Any other combination counts as "not verified".

use rsa::pkcs1::DecodeRsaPublicKey;
use signature::Verifier;
use x509_parser::certificate::X509Certificate;

const SHA256_RSA: &str = "1.2.840.113549.1.1.11";
const SHA384_RSA: &str = "1.2.840.113549.1.1.12";
const SHA512_RSA: &str = "1.2.840.113549.1.1.13";
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";

/// True when `cert`'s signature verifies with `issuer`'s public key.
pub(crate) fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    let message = cert.tbs_certificate.as_ref();
    let signature = &cert.signature_value.data;
    let key_bits = &issuer.tbs_certificate.subject_pki.subject_public_key.data;
    let alg = cert.signature_algorithm.algorithm.to_id_string();
    match alg.as_str() {
        SHA256_RSA => verify_rsa::<sha2::Sha256>(key_bits, message, signature),
        SHA384_RSA => verify_rsa::<sha2::Sha384>(key_bits, message, signature),
        SHA512_RSA => verify_rsa::<sha2::Sha512>(key_bits, message, signature),
        ECDSA_SHA256 => {
            let (Ok(key), Ok(sig)) = (
                p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bits),
                p256::ecdsa::Signature::from_der(signature),
            ) else {
                return false;
            };
            key.verify(message, &sig).is_ok()
        }
        ECDSA_SHA384 => {
            let (Ok(key), Ok(sig)) = (
                p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bits),
                p384::ecdsa::Signature::from_der(signature),
            ) else {
                return false;
            };
            key.verify(message, &sig).is_ok()
        }
        _ => false,
    }
}

fn verify_rsa<D>(key_bits: &[u8], message: &[u8], signature: &[u8]) -> bool
where
    D: digest::Digest + digest::FixedOutputReset + const_oid::AssociatedOid,
{
    let Ok(key) = rsa::RsaPublicKey::from_pkcs1_der(key_bits) else {
        return false;
    };
    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(signature) else {
        return false;
    };
    rsa::pkcs1v15::VerifyingKey::<D>::new(key)
        .verify(message, &sig)
        .is_ok()
}

/// True when the DER certificate `cert` names `issuer`'s subject as its issuer and its
/// signature verifies with `issuer`'s key.
pub fn issued_by(cert: &[u8], issuer: &[u8]) -> bool {
    let (Ok((_, cert)), Ok((_, issuer))) = (
        x509_parser::parse_x509_certificate(cert),
        x509_parser::parse_x509_certificate(issuer),
    ) else {
        return false;
    };
    cert.issuer().as_raw() == issuer.subject().as_raw() && signed_by(&cert, &issuer)
}
