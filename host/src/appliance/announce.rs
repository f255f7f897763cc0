//! Key announcements: before this server switches its certificate to a new key, it
//! signs "from pin P, to this certificate" with the key it is leaving and sends that to
//! every trusted peer. Each announcement is kept, so a peer that missed some verifies
//! the chain from the last pin it knew up to the key it now sees.

use crate::pin::Pin;
use crate::store::StoredAnnouncement;
use base64::Engine;
use rustls::SignatureScheme;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::{Deserialize, Serialize};

/// The signature schemes an announcement may be signed with, by preference.
const SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_SHA256,
];

/// Announcements a chain may hold at most (a peer that missed more re-runs the exchange).
pub const MAX_CHAIN: usize = 64;

/// An announcement as it travels (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Announcement {
    pub sequence: i64,
    pub from_pin: String,
    pub to_pin: String,
    /// The new certificate, base64 DER.
    pub certificate: String,
    pub scheme: u16,
    /// Base64.
    pub signature: String,
    /// Unix seconds.
    pub issued_at: i64,
}

/// Why an announcement or a chain was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnnounceError {
    #[error("the key of the certificate being replaced cannot sign announcements: {0}")]
    CannotSign(String),
    #[error("an announcement is malformed: {0}")]
    Malformed(String),
    #[error("an announcement's signature does not verify with the key it claims to replace")]
    BadSignature,
    #[error(
        "no chain of signed announcements leads from the key this server trusts ({known}) to the key presented ({presented}); re-run Invoke-CertificateExchange or Add-TrustedPeer"
    )]
    NoChain { known: String, presented: String },
}

fn message(from_pin: &str, to_pin: &str, certificate: &[u8], issued_at: i64) -> Vec<u8> {
    let mut m = b"certhost key announcement v1\0".to_vec();
    for part in [from_pin.as_bytes(), b"\0", to_pin.as_bytes(), b"\0"] {
        m.extend_from_slice(part);
    }
    m.extend_from_slice(&issued_at.to_be_bytes());
    m.extend_from_slice(certificate);
    m
}

/// Signs the switch from `old_key` (PKCS#8, the key of the certificate being replaced)
/// to `new_certificate`.
pub fn sign(
    old_certificate: &[u8],
    old_key: &[u8],
    new_certificate: &[u8],
    issued_at: i64,
) -> Result<StoredAnnouncement, AnnounceError> {
    let from_pin = pin(old_certificate)?;
    let to_pin = pin(new_certificate)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(old_key.to_vec()));
    let signing_key = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| AnnounceError::CannotSign(e.to_string()))?;
    let signer = signing_key.choose_scheme(SCHEMES).ok_or_else(|| {
        AnnounceError::CannotSign(format!(
            "its algorithm ({:?}) has none of the schemes ECDSA P-256/P-384, Ed25519, RSA-PSS",
            signing_key.algorithm()
        ))
    })?;
    let signed = message(&from_pin, &to_pin, new_certificate, issued_at);
    let signature = signer
        .sign(&signed)
        .map_err(|e| AnnounceError::CannotSign(e.to_string()))?;
    Ok(StoredAnnouncement {
        sequence: 0,
        from_pin,
        to_pin,
        certificate: new_certificate.to_vec(),
        scheme: u16::from(signer.scheme()),
        signature,
        issued_at,
    })
}

fn pin(certificate: &[u8]) -> Result<String, AnnounceError> {
    Pin::of_certificate(certificate)
        .map(|p| p.to_string())
        .map_err(|e| AnnounceError::Malformed(e.to_string()))
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl From<&StoredAnnouncement> for Announcement {
    fn from(a: &StoredAnnouncement) -> Self {
        Announcement {
            sequence: a.sequence,
            from_pin: a.from_pin.clone(),
            to_pin: a.to_pin.clone(),
            certificate: b64().encode(&a.certificate),
            scheme: a.scheme,
            signature: b64().encode(&a.signature),
            issued_at: a.issued_at,
        }
    }
}

/// Checks that `signer` (the certificate of the key being replaced) signed `a`; the new
/// certificate (DER).
pub fn verify(signer: &[u8], a: &Announcement) -> Result<Vec<u8>, AnnounceError> {
    let malformed = |what: &str| AnnounceError::Malformed(what.to_string());
    let certificate = b64()
        .decode(&a.certificate)
        .map_err(|_| malformed("the certificate is not base64"))?;
    let signature = b64()
        .decode(&a.signature)
        .map_err(|_| malformed("the signature is not base64"))?;
    if pin(signer)? != a.from_pin || pin(&certificate)? != a.to_pin {
        return Err(malformed("its pins do not match its certificates"));
    }
    let signed = message(&a.from_pin, &a.to_pin, &certificate, a.issued_at);
    let scheme = SignatureScheme::from(a.scheme);
    let provider = rustls::crypto::ring::default_provider();
    let algorithms = provider
        .signature_verification_algorithms
        .mapping
        .iter()
        .find(|(s, _)| *s == scheme)
        .map(|(_, algs)| *algs)
        .ok_or(AnnounceError::BadSignature)?;
    let signer_der = CertificateDer::from(signer.to_vec());
    let end_entity = webpki::EndEntityCert::try_from(&signer_der)
        .map_err(|e| AnnounceError::Malformed(format!("the signer's certificate: {e}")))?;
    algorithms
        .iter()
        .any(|alg| {
            end_entity
                .verify_signature(*alg, &signed, &signature)
                .is_ok()
        })
        .then_some(certificate)
        .ok_or(AnnounceError::BadSignature)
}

/// Follows `chain` from `known` (the certificate this server trusts for the peer) to the
/// certificate whose pin is `presented`: that certificate. Announcements that do not
/// continue from the current key are skipped; one that does must verify.
pub fn follow(
    known: &[u8],
    chain: &[Announcement],
    presented: &str,
) -> Result<Vec<u8>, AnnounceError> {
    let mut current = known.to_vec();
    let mut current_pin = pin(known)?;
    if current_pin == presented {
        return Ok(current);
    }
    for a in chain.iter().take(MAX_CHAIN) {
        if a.from_pin != current_pin {
            continue;
        }
        current = verify(&current, a)?;
        current_pin = a.to_pin.clone();
        if current_pin == presented {
            return Ok(current);
        }
    }
    Err(AnnounceError::NoChain {
        known: pin(known)?,
        presented: presented.to_string(),
    })
}
