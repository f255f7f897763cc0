//! OCSP stapling. A served certificate whose Authority Information Access names an OCSP
//! responder (`http://`) gets its status from that responder, checked here (the answer
//! is for this certificate, signed by its issuer or by a responder the issuer
//! delegated, and current) and then sent in every handshake that asks for it, so clients
//! need not ask the CA themselves. Answers are fetched again halfway through their
//! validity; a responder that fails leaves the last good answer in place until it
//! expires, and the certificate is served without a staple after that.

use der::asn1::{BitString, GeneralizedTime, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Enumerated, Sequence};
use sha1::{Digest, Sha1};
use std::collections::HashMap;
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::AlgorithmIdentifierOwned;

const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const ID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
/// How long a responder gets to answer.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// How often an answer without nextUpdate is fetched again.
const REFRESH_WITHOUT_NEXT_UPDATE: i64 = 3600;
/// Clock difference tolerated between this server and the responder.
const CLOCK_SKEW: i64 = 300;

/// `CertID`, RFC 6960 §4.1.1.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct CertId {
    hash_algorithm: AlgorithmIdentifierOwned,
    issuer_name_hash: OctetString,
    issuer_key_hash: OctetString,
    serial_number: SerialNumber,
}

#[derive(Clone, Debug, Sequence)]
struct OneRequest {
    req_cert: CertId,
}

#[derive(Clone, Debug, Sequence)]
struct TbsRequest {
    request_list: Vec<OneRequest>,
}

#[derive(Clone, Debug, Sequence)]
struct OcspRequest {
    tbs_request: TbsRequest,
}

#[derive(Clone, Copy, Debug, Enumerated, Eq, PartialEq)]
#[repr(u32)]
enum ResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

#[derive(Clone, Debug, Sequence)]
struct ResponseBytes {
    response_type: ObjectIdentifier,
    response: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct OcspResponse {
    response_status: ResponseStatus,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    response_bytes: Option<ResponseBytes>,
}

#[derive(Clone, Debug, Sequence)]
struct BasicOcspResponse {
    tbs_response_data: Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    certs: Option<Vec<Certificate>>,
}

#[derive(Clone, Debug, Sequence)]
struct ResponseData {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    responder_id: Any,
    produced_at: GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    response_extensions: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct SingleResponse {
    cert_id: CertId,
    cert_status: Any,
    this_update: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    single_extensions: Option<Any>,
}

/// Why no answer was stapled.
#[derive(Debug, thiserror::Error)]
pub enum OcspError {
    #[error("the certificate cannot be read: {0}")]
    Certificate(String),
    #[error("its issuer's certificate is not in the chain")]
    NoIssuer,
    #[error("the OCSP request cannot be made: {0}")]
    Request(String),
    #[error("the responder {url} did not answer: {reason}")]
    Fetch { url: String, reason: String },
    #[error("the responder's answer cannot be read: {0}")]
    Malformed(String),
    #[error("the responder refused the request ({0})")]
    Refused(&'static str),
    #[error("the answer is not about this certificate")]
    OtherCertificate,
    #[error("the answer's signature does not verify with the issuer or a responder it delegated")]
    BadSignature,
    #[error("the answer is not current (thisUpdate {this_update}, nextUpdate {next_update})")]
    NotCurrent { this_update: i64, next_update: i64 },
    #[error("the responder does not know the certificate (status unknown)")]
    Unknown,
}

/// What a served certificate needs for stapling.
pub struct Target {
    pub thumbprint: String,
    pub certificate: Vec<u8>,
    pub chain: Vec<Vec<u8>>,
}

/// A checked answer and when to fetch the next.
#[derive(Clone, Debug)]
pub struct Staple {
    pub response: Vec<u8>,
    pub refresh_at: i64,
    pub expires_at: i64,
    pub revoked: bool,
}

/// The OCSP responder a certificate names, if any (`http://` only).
pub fn responder_url(certificate: &[u8]) -> Option<String> {
    let cert = Certificate::from_der(certificate).ok()?;
    let (_, access) = cert
        .tbs_certificate()
        .get_extension::<AuthorityInfoAccessSyntax>()
        .ok()??;
    access.0.iter().find_map(|d| match &d.access_location {
        GeneralName::UniformResourceIdentifier(uri)
            if d.access_method == ID_AD_OCSP && uri.as_str().starts_with("http://") =>
        {
            Some(uri.as_str().to_string())
        }
        _ => None,
    })
}

/// The CertID of the certificate with `serial_number` issued by `issuer` (SHA-1, as
/// responders expect).
fn cert_id(serial_number: &SerialNumber, issuer: &Certificate) -> Result<CertId, OcspError> {
    let name = issuer
        .tbs_certificate()
        .subject()
        .to_der()
        .map_err(|e| OcspError::Request(e.to_string()))?;
    let key = issuer
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let octets = |bytes: &[u8]| {
        OctetString::new(Sha1::digest(bytes).to_vec())
            .map_err(|e| OcspError::Request(e.to_string()))
    };
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA1,
            parameters: Some(Any::from(der::asn1::Null)),
        },
        issuer_name_hash: octets(&name)?,
        issuer_key_hash: octets(key)?,
        serial_number: serial_number.clone(),
    })
}

/// The certificate of `chain` that issued `cert`.
fn issuer_of(cert: &Certificate, chain: &[Vec<u8>]) -> Option<Certificate> {
    chain
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .find(|c| c.tbs_certificate().subject() == cert.tbs_certificate().issuer())
}

/// Asks the responder of `target` and checks its answer at `now` (Unix seconds).
pub fn fetch(target: &Target, url: &str, now: i64) -> Result<Staple, OcspError> {
    let cert = Certificate::from_der(&target.certificate)
        .map_err(|e| OcspError::Certificate(e.to_string()))?;
    let issuer = issuer_of(&cert, &target.chain).ok_or(OcspError::NoIssuer)?;
    let id = cert_id(cert.tbs_certificate().serial_number(), &issuer)?;
    let request = request_der(&id)?;
    let response = post(url, request)?;
    let staple = check(&response, &id, &issuer, now)?;
    Ok(staple)
}

/// An OCSP request (without nonce) for one certificate.
fn request_der(id: &CertId) -> Result<Vec<u8>, OcspError> {
    OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![OneRequest {
                req_cert: id.clone(),
            }],
        },
    }
    .to_der()
    .map_err(|e| OcspError::Request(e.to_string()))
}

fn post(url: &str, body: Vec<u8>) -> Result<Vec<u8>, OcspError> {
    let failed = |reason: String| OcspError::Fetch {
        url: url.to_string(),
        reason,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(FETCH_TIMEOUT))
        .max_redirects(0)
        .build()
        .into();
    let mut answer = agent
        .post(url)
        .header("Content-Type", "application/ocsp-request")
        .send(&body[..])
        .map_err(|e| failed(e.to_string()))?;
    answer
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_vec()
        .map_err(|e| failed(e.to_string()))
}

fn unix(time: &GeneralizedTime) -> i64 {
    time.to_unix_duration().as_secs() as i64
}

/// Checks an OCSP answer for `id` against `issuer` at `now`.
fn check(
    response: &[u8],
    id: &CertId,
    issuer: &Certificate,
    now: i64,
) -> Result<Staple, OcspError> {
    let malformed = |e: der::Error| OcspError::Malformed(e.to_string());
    let outer = OcspResponse::from_der(response).map_err(malformed)?;
    if outer.response_status != ResponseStatus::Successful {
        return Err(OcspError::Refused(match outer.response_status {
            ResponseStatus::MalformedRequest => "malformedRequest",
            ResponseStatus::InternalError => "internalError",
            ResponseStatus::TryLater => "tryLater",
            ResponseStatus::SigRequired => "sigRequired",
            ResponseStatus::Unauthorized => "unauthorized",
            ResponseStatus::Successful => "successful",
        }));
    }
    let bytes = outer
        .response_bytes
        .ok_or_else(|| OcspError::Malformed("a successful answer without responseBytes".into()))?;
    if bytes.response_type != ID_PKIX_OCSP_BASIC {
        return Err(OcspError::Malformed(format!(
            "response type {} is not id-pkix-ocsp-basic",
            bytes.response_type
        )));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(malformed)?;
    let signed = basic.tbs_response_data.to_der().map_err(malformed)?;
    let data = ResponseData::from_der(&signed).map_err(malformed)?;
    let signature = basic
        .signature
        .as_bytes()
        .ok_or_else(|| OcspError::Malformed("the signature has unused bits".into()))?;
    // Signed by the issuer itself, or by a responder certificate the issuer signed for
    // OCSP signing (RFC 6960 §4.2.2.2).
    let by_issuer = verify(issuer, &basic.signature_algorithm, &signed, signature);
    let by_delegate = || {
        basic.certs.iter().flatten().any(|responder| {
            delegated_by(responder, issuer)
                && verify(responder, &basic.signature_algorithm, &signed, signature)
        })
    };
    if !by_issuer && !by_delegate() {
        return Err(OcspError::BadSignature);
    }
    let single = data
        .responses
        .iter()
        .find(|r| same_certificate(&r.cert_id, id))
        .ok_or(OcspError::OtherCertificate)?;
    let this_update = unix(&single.this_update);
    let next_update = single.next_update.as_ref().map(unix);
    if this_update > now + CLOCK_SKEW || next_update.is_some_and(|n| n <= now) {
        return Err(OcspError::NotCurrent {
            this_update,
            next_update: next_update.unwrap_or(0),
        });
    }
    let status = single.cert_status.to_der().map_err(malformed)?;
    let revoked = match status.first() {
        Some(0x80) => false,
        Some(0xA1) => true,
        _ => return Err(OcspError::Unknown),
    };
    let (refresh_at, expires_at) = match next_update {
        Some(next) => (
            this_update.max(now) + (next - this_update.max(now)) / 2,
            next,
        ),
        None => (now + REFRESH_WITHOUT_NEXT_UPDATE, i64::MAX),
    };
    Ok(Staple {
        response: response.to_vec(),
        refresh_at,
        expires_at,
        revoked,
    })
}

/// The same certificate: same issuer hashes and serial (the hash algorithm must be
/// the one asked with).
fn same_certificate(a: &CertId, b: &CertId) -> bool {
    a.hash_algorithm.oid == b.hash_algorithm.oid
        && a.issuer_name_hash == b.issuer_name_hash
        && a.issuer_key_hash == b.issuer_key_hash
        && a.serial_number == b.serial_number
}

/// Whether `responder` was issued by `issuer` for OCSP signing, and its signature holds.
fn delegated_by(responder: &Certificate, issuer: &Certificate) -> bool {
    use x509_cert::ext::pkix::ExtendedKeyUsage;
    let tbs = responder.tbs_certificate();
    if tbs.issuer() != issuer.tbs_certificate().subject() {
        return false;
    }
    let for_ocsp = matches!(
        tbs.get_extension::<ExtendedKeyUsage>(),
        Ok(Some((_, eku))) if eku.0.contains(&ID_KP_OCSP_SIGNING)
    );
    let Ok(signed) = tbs.to_der() else {
        return false;
    };
    let Some(signature) = responder.signature().as_bytes() else {
        return false;
    };
    for_ocsp && verify(issuer, responder.signature_algorithm(), &signed, signature)
}

/// Whether `signature` over `message` verifies with `signer`'s public key.
fn verify(
    signer: &Certificate,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use ring::signature as sig;
    let spki = signer.tbs_certificate().subject_public_key_info();
    let key = spki.subject_public_key.raw_bytes();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .map(|oid| oid.to_string());
    let scheme: &dyn sig::VerificationAlgorithm =
        match (algorithm.oid.to_string().as_str(), curve.as_deref()) {
            ("1.2.840.113549.1.1.11", _) => &sig::RSA_PKCS1_2048_8192_SHA256,
            ("1.2.840.113549.1.1.12", _) => &sig::RSA_PKCS1_2048_8192_SHA384,
            ("1.2.840.113549.1.1.13", _) => &sig::RSA_PKCS1_2048_8192_SHA512,
            ("1.2.840.10045.4.3.2", Some("1.2.840.10045.3.1.7")) => &sig::ECDSA_P256_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", Some("1.2.840.10045.3.1.7")) => &sig::ECDSA_P256_SHA384_ASN1,
            ("1.2.840.10045.4.3.2", Some("1.3.132.0.34")) => &sig::ECDSA_P384_SHA256_ASN1,
            ("1.2.840.10045.4.3.3", Some("1.3.132.0.34")) => &sig::ECDSA_P384_SHA384_ASN1,
            _ => return false,
        };
    sig::UnparsedPublicKey::new(scheme, key)
        .verify(message, signature)
        .is_ok()
}

/// The answers stapled now, by thumbprint, and when each needs fetching again.
#[derive(Default)]
pub struct Stapler {
    staples: HashMap<String, Staple>,
    /// When to try again after a failure, by thumbprint.
    retry_at: HashMap<String, i64>,
}

/// Seconds before a failed fetch is tried again.
const RETRY_AFTER_FAILURE: i64 = 300;

impl Stapler {
    /// The answer to staple for a certificate, while it is current.
    pub fn staple(&self, thumbprint: &str, now: i64) -> Option<Vec<u8>> {
        self.staples
            .get(thumbprint)
            .filter(|s| s.expires_at > now)
            .map(|s| s.response.clone())
    }

    /// Fetches answers that are missing or due, for the served certificates that name
    /// a responder; whether any staple changed (the TLS configurations must be rebuilt).
    pub async fn refresh(&mut self, targets: Vec<Target>, now: i64) -> bool {
        let mut changed = false;
        let served: Vec<String> = targets.iter().map(|t| t.thumbprint.clone()).collect();
        let before = self.staples.len();
        // Staples of certificates no longer served, and expired ones, go.
        self.staples
            .retain(|t, s| served.contains(t) && s.expires_at > now);
        changed |= self.staples.len() != before;
        for target in targets {
            let Some(url) = responder_url(&target.certificate) else {
                continue;
            };
            let due = self
                .staples
                .get(&target.thumbprint)
                .is_none_or(|s| s.refresh_at <= now);
            let waiting = self
                .retry_at
                .get(&target.thumbprint)
                .is_some_and(|t| *t > now);
            if !due || waiting {
                continue;
            }
            let thumbprint = target.thumbprint.clone();
            let url_for_fetch = url.clone();
            let result =
                tokio::task::spawn_blocking(move || fetch(&target, &url_for_fetch, now)).await;
            match result {
                Ok(Ok(staple)) => {
                    if staple.revoked {
                        super::log(&format!(
                            "OCSP: certificate {thumbprint} is REVOKED according to {url}; replace it"
                        ));
                    }
                    self.retry_at.remove(&thumbprint);
                    self.staples.insert(thumbprint, staple);
                    changed = true;
                }
                Ok(Err(e)) => {
                    super::log(&format!(
                        "OCSP: no new staple for {thumbprint} from {url}: {e}; trying again in {} minutes",
                        RETRY_AFTER_FAILURE / 60
                    ));
                    self.retry_at.insert(thumbprint, now + RETRY_AFTER_FAILURE);
                }
                Err(e) => super::log(&format!("OCSP: the fetch for {thumbprint} stopped: {e}")),
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_ca() -> (Certificate, std::path::PathBuf) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/tech-local/ca.crt");
        let pem = std::fs::read_to_string(&path).unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        use base64::Engine;
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        (Certificate::from_der(&der).unwrap(), path)
    }

    #[test]
    fn a_request_is_byte_for_byte_what_openssl_asks() {
        let (issuer, issuer_path) = fixture_ca();
        let id = cert_id(&SerialNumber::new(&[0x10, 0x01]).unwrap(), &issuer).unwrap();
        let ours = request_der(&id).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("req.der");
        let status = std::process::Command::new("openssl")
            .args(["ocsp", "-no_nonce", "-issuer"])
            .arg(&issuer_path)
            .args(["-serial", "0x1001", "-reqout"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(ours, std::fs::read(&out).unwrap());
    }

    #[test]
    fn garbage_and_refusals_are_errors() {
        let id = CertId {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: ID_SHA1,
                parameters: None,
            },
            issuer_name_hash: OctetString::new(vec![0u8; 20]).unwrap(),
            issuer_key_hash: OctetString::new(vec![0u8; 20]).unwrap(),
            serial_number: SerialNumber::new(&[1]).unwrap(),
        };
        let (issuer, _) = fixture_ca();
        assert!(matches!(
            check(b"not der", &id, &issuer, 0),
            Err(OcspError::Malformed(_))
        ));
        assert!(matches!(
            check(&[0x30, 0x03, 0x0a, 0x01, 0x03], &id, &issuer, 0),
            Err(OcspError::Refused(_))
        ));
    }
}
