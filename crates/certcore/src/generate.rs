//! Self-signed certificates with `New-SelfSignedCertificate`'s defaults.

use crate::dn::parse_subject;
use crate::error::{CertError, Result};
use crate::keys::{KeyAlgorithm, PrivateKey};
use certhost_primitives::Primitives;
use sha1::{Digest, Sha1};
use std::net::IpAddr;

/// How long before "now" a new certificate becomes valid, as Windows does (10 minutes),
/// so that clocks a little behind accept it.
pub const NOT_BEFORE_BACKDATE_SECONDS: i64 = 600;
/// Default validity: one year, as `New-SelfSignedCertificate`.
pub const DEFAULT_VALIDITY_SECONDS: i64 = 365 * 24 * 3600;

/// Key usages that can be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUsage {
    DigitalSignature,
    NonRepudiation,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    /// keyCertSign: the key signs certificates (a CA).
    KeyCertSign,
    /// cRLSign: the key signs revocation lists (a CA).
    CrlSign,
}

/// The basic-constraints extension: an end entity (`CA:FALSE`, the default) or a CA,
/// optionally limited in how many CAs may follow it in a chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BasicConstraints {
    #[default]
    EndEntity,
    Ca {
        path_length: Option<u8>,
    },
}

/// Extended key usages that can be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtendedKeyUsage {
    ServerAuth,
    ClientAuth,
}

/// What to generate. Build one with [`GenerateRequest::server_default`] and adjust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateRequest {
    /// Subject string (`CN=..., O=...`, or a bare name). `None`: CN = first DNS name.
    pub subject: Option<String>,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    pub key: KeyAlgorithm,
    pub key_usages: Vec<KeyUsage>,
    pub extended_key_usages: Vec<ExtendedKeyUsage>,
    pub basic_constraints: BasicConstraints,
}

impl GenerateRequest {
    /// `New-SelfSignedCertificate`'s defaults at time `now` (unix seconds): RSA 2048,
    /// SHA-256, valid from 10 minutes ago for one year, DigitalSignature +
    /// KeyEncipherment, EKU server and client authentication.
    pub fn server_default(now: i64) -> Self {
        GenerateRequest {
            subject: None,
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            not_before: now - NOT_BEFORE_BACKDATE_SECONDS,
            not_after: now + DEFAULT_VALIDITY_SECONDS,
            key: KeyAlgorithm::Rsa(2048),
            key_usages: vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment],
            extended_key_usages: vec![ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth],
            basic_constraints: BasicConstraints::EndEntity,
        }
    }
}

/// A new certificate and its key.
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedCertificate {
    /// DER X.509.
    pub certificate: Vec<u8>,
    /// Unencrypted PKCS#8 DER.
    pub private_key: Vec<u8>,
}

impl std::fmt::Debug for GeneratedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GeneratedCertificate({} bytes, key withheld)",
            self.certificate.len()
        )
    }
}

fn to_time(unix: i64, what: &str) -> Result<time::OffsetDateTime> {
    // RFC 5280 dates are representable from 1950 to 9999.
    const MIN: i64 = -631_152_000; // 1950-01-01
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59
    if !(MIN..=MAX).contains(&unix) {
        return Err(CertError::InvalidInput(format!(
            "{what} must lie between 1950 and 9999"
        )));
    }
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map_err(|e| CertError::InvalidInput(format!("{what} is not a valid time: {e}")))
}

/// A random positive serial number of exactly 16 bytes.
fn random_serial() -> rcgen::SerialNumber {
    let mut bytes = [0u8; 16];
    certhost_primitives::fill_random(&mut bytes);
    bytes[0] &= 0x7f; // positive
    if bytes[0] == 0 {
        bytes[0] = 0x01; // no leading zero octet, so DER keeps all 16 bytes
    }
    rcgen::SerialNumber::from_slice(&bytes)
}

fn check_dns_name(name: &str) -> Result<()> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let body = name.strip_prefix("*.").unwrap_or(name);
    if name.len() > 253 || !body.split('.').all(label_ok) {
        return Err(CertError::InvalidInput(format!(
            "'{name}' is not a valid DNS name (letters, digits, '-' and '.' only; '*.' allowed at the start)"
        )));
    }
    Ok(())
}

/// The certificate `request` describes, before its key is known: subject, validity, a
/// random serial, names, key usages and basic constraints.
pub(crate) fn certificate_params(request: &GenerateRequest) -> Result<rcgen::CertificateParams> {
    let subject = match (&request.subject, request.dns_names.first()) {
        (Some(s), _) => parse_subject(s)?,
        (None, Some(first)) => parse_subject(&format!("CN={first}"))?,
        (None, None) => {
            return Err(CertError::InvalidInput(
                "give a subject or at least one DNS name for the certificate".into(),
            ));
        }
    };
    let not_before = to_time(request.not_before, "NotBefore")?;
    let not_after = to_time(request.not_after, "NotAfter")?;
    if request.not_after <= request.not_before {
        return Err(CertError::InvalidInput(
            "NotAfter must be later than NotBefore".into(),
        ));
    }

    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = subject.to_rcgen()?;
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(random_serial());
    params.is_ca = match request.basic_constraints {
        BasicConstraints::EndEntity => rcgen::IsCa::ExplicitNoCa,
        BasicConstraints::Ca { path_length: None } => {
            rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained)
        }
        BasicConstraints::Ca {
            path_length: Some(n),
        } => rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(n)),
    };
    for name in &request.dns_names {
        check_dns_name(name)?;
        let ia5 = name
            .clone()
            .try_into()
            .map_err(|_| CertError::InvalidInput(format!("'{name}' is not an ASCII DNS name")))?;
        params.subject_alt_names.push(rcgen::SanType::DnsName(ia5));
    }
    for ip in &request.ip_addresses {
        let addr: IpAddr = ip.parse().map_err(|_| {
            CertError::InvalidInput(format!("'{ip}' is not an IPv4 or IPv6 address"))
        })?;
        params
            .subject_alt_names
            .push(rcgen::SanType::IpAddress(addr));
    }
    params.key_usages = request
        .key_usages
        .iter()
        .map(|u| match u {
            KeyUsage::DigitalSignature => rcgen::KeyUsagePurpose::DigitalSignature,
            KeyUsage::NonRepudiation => rcgen::KeyUsagePurpose::ContentCommitment,
            KeyUsage::KeyEncipherment => rcgen::KeyUsagePurpose::KeyEncipherment,
            KeyUsage::DataEncipherment => rcgen::KeyUsagePurpose::DataEncipherment,
            KeyUsage::KeyAgreement => rcgen::KeyUsagePurpose::KeyAgreement,
            KeyUsage::KeyCertSign => rcgen::KeyUsagePurpose::KeyCertSign,
            KeyUsage::CrlSign => rcgen::KeyUsagePurpose::CrlSign,
        })
        .collect();
    params.extended_key_usages = request
        .extended_key_usages
        .iter()
        .map(|e| match e {
            ExtendedKeyUsage::ServerAuth => rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsage::ClientAuth => rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        })
        .collect();
    Ok(params)
}

/// Subject key identifier: SHA-1 of the public key bits (RFC 5280 4.2.1.2 method 1), as
/// Windows and OpenSSL compute it.
pub(crate) fn key_identifier(public_key: &impl rcgen::PublicKeyData) -> Vec<u8> {
    Sha1::digest(public_key.der_bytes()).to_vec()
}

/// Generates a key and a self-signed certificate for it.
pub fn generate_self_signed(
    request: &GenerateRequest,
    primitives: &dyn Primitives,
) -> Result<GeneratedCertificate> {
    let mut params = certificate_params(request)?;
    let key = PrivateKey::generate(request.key, primitives)?;
    let signer = key.signer()?;
    params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(key_identifier(&signer));
    let cert = params
        .self_signed(&signer)
        .map_err(|e| CertError::InvalidInput(format!("cannot build the certificate: {e}")))?;
    Ok(GeneratedCertificate {
        certificate: cert.der().to_vec(),
        private_key: key.to_pkcs8_der()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::inspect;
    use certhost_primitives::Software;

    const NOW: i64 = 1_760_000_000;

    fn request(key: KeyAlgorithm) -> GenerateRequest {
        let mut r = GenerateRequest::server_default(NOW);
        r.dns_names = vec!["www.fabrikam.com".into(), "www.contoso.com".into()];
        r.ip_addresses = vec!["10.0.0.5".into()];
        r.key = key;
        r
    }

    #[test]
    fn every_key_type_generates_a_consistent_certificate() {
        for alg in [
            KeyAlgorithm::Rsa(2048),
            KeyAlgorithm::Rsa(3072),
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
        ] {
            let made = generate_self_signed(&request(alg), &Software).unwrap();
            let info = inspect(&made.certificate).unwrap();
            assert_eq!(info.subject, "CN=www.fabrikam.com");
            assert_eq!(info.issuer, info.subject);
            assert!(
                info.self_signed,
                "{alg:?} signature must verify with its own key"
            );
            assert_eq!(info.dns_names, vec!["www.fabrikam.com", "www.contoso.com"]);
            assert_eq!(info.ip_addresses, vec!["10.0.0.5"]);
            assert_eq!(info.not_before, NOW - 600);
            assert_eq!(info.not_after, NOW + DEFAULT_VALIDITY_SECONDS);
            assert_eq!(info.serial_number.len(), 32, "16-byte serial");
            assert_eq!(info.is_ca, Some(false));
            let key = PrivateKey::from_pkcs8_der(&made.private_key).unwrap();
            key.check_matches_certificate(&made.certificate).unwrap();
        }
    }

    #[test]
    fn subject_falls_back_to_first_dns_name_and_is_required() {
        let mut r = GenerateRequest::server_default(NOW);
        r.key = KeyAlgorithm::EcdsaP256;
        assert!(matches!(
            generate_self_signed(&r, &Software),
            Err(CertError::InvalidInput(_))
        ));
        r.subject = Some("Veeam Backup Server Certificate".into());
        let info = inspect(&generate_self_signed(&r, &Software).unwrap().certificate).unwrap();
        assert_eq!(info.subject, "CN=Veeam Backup Server Certificate");
        assert!(info.dns_names.is_empty());
    }

    #[test]
    fn bad_requests_are_invalid_input() {
        let mut r = request(KeyAlgorithm::EcdsaP256);
        r.not_after = r.not_before;
        assert!(
            matches!(generate_self_signed(&r, &Software), Err(CertError::InvalidInput(m)) if m.contains("NotAfter"))
        );
        let mut r = request(KeyAlgorithm::EcdsaP256);
        r.dns_names = vec!["bad name".into()];
        assert!(generate_self_signed(&r, &Software).is_err());
        let mut r = request(KeyAlgorithm::EcdsaP256);
        r.ip_addresses = vec!["999.1.1.1".into()];
        assert!(generate_self_signed(&r, &Software).is_err());
    }
}
