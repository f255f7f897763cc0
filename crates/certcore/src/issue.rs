//! Certificates issued by a CA certificate and its key (`New-SelfSignedCertificate
//! -Signer`): the issuer name is the CA's subject, byte for byte, and the authority key
//! identifier is the CA's subject key identifier, so openssl, Windows and webpki build
//! the chain.

use crate::dn::format_name;
use crate::error::{CertError, Result};
use crate::generate::{
    BasicConstraints, GenerateRequest, GeneratedCertificate, certificate_params, key_identifier,
};
use crate::keys::PrivateKey;
use certhost_primitives::Primitives;
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::extensions::ParsedExtension;
use x509_parser::x509::X509Name;

/// What the CA certificate allows, read from its extensions.
struct Authority {
    subject: String,
    not_after: i64,
    is_ca: bool,
    path_length: Option<u32>,
    /// `None` when the certificate has no key usage extension (then any use is allowed).
    can_sign_certificates: Option<bool>,
    subject_key_identifier: Option<Vec<u8>>,
}

fn authority(ca: &X509Certificate<'_>) -> Authority {
    let mut found = Authority {
        subject: format_name(ca.subject()),
        not_after: ca.validity().not_after.timestamp(),
        is_ca: false,
        path_length: None,
        can_sign_certificates: None,
        subject_key_identifier: None,
    };
    for ext in ca.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => {
                found.is_ca = bc.ca;
                found.path_length = bc.path_len_constraint;
            }
            ParsedExtension::KeyUsage(ku) => found.can_sign_certificates = Some(ku.key_cert_sign()),
            ParsedExtension::SubjectKeyIdentifier(id) => {
                found.subject_key_identifier = Some(id.0.to_vec());
            }
            _ => {}
        }
    }
    found
}

/// The CA's subject as rcgen writes names: one attribute per RDN, each once, with its
/// string type kept. A name rcgen cannot reproduce is refused here, and the issued
/// certificate is checked byte for byte afterwards.
fn issuer_name(name: &X509Name<'_>, subject: &str) -> Result<rcgen::DistinguishedName> {
    let cannot = |why: &str| {
        CertError::Unsupported(format!(
            "the signer's subject '{subject}' {why}, which certhost cannot write as an issuer name exactly; use a CA whose subject names each attribute once"
        ))
    };
    let mut dn = rcgen::DistinguishedName::new();
    let mut seen: Vec<Vec<u64>> = Vec::new();
    for rdn in name.iter() {
        let mut attributes = rdn.iter();
        let (Some(attribute), None) = (attributes.next(), attributes.next()) else {
            return Err(cannot("has an RDN with several attributes"));
        };
        let oid: Vec<u64> = attribute
            .attr_type()
            .iter()
            .ok_or_else(|| cannot("has an attribute type too large to write"))?
            .collect();
        if seen.contains(&oid) {
            return Err(cannot("repeats an attribute"));
        }
        seen.push(oid.clone());
        let value = attribute.attr_value();
        let text = || {
            std::str::from_utf8(value.data)
                .map(str::to_string)
                .map_err(|_| cannot("has a value that is not text"))
        };
        let invalid = |_| cannot("has a value not valid for its string type");
        let value = match value.header.tag() {
            Tag::PrintableString => {
                rcgen::DnValue::PrintableString(text()?.try_into().map_err(invalid)?)
            }
            Tag::Ia5String => rcgen::DnValue::Ia5String(text()?.try_into().map_err(invalid)?),
            Tag::TeletexString => {
                rcgen::DnValue::TeletexString(text()?.try_into().map_err(invalid)?)
            }
            Tag::Utf8String => rcgen::DnValue::Utf8String(text()?),
            Tag::BmpString => rcgen::DnValue::BmpString(
                rcgen::string::BmpString::from_utf16be(value.data.to_vec()).map_err(invalid)?,
            ),
            Tag::UniversalString => rcgen::DnValue::UniversalString(
                rcgen::string::UniversalString::from_utf32be(value.data.to_vec())
                    .map_err(invalid)?,
            ),
            _ => return Err(cannot("has a value of an unusual string type")),
        };
        dn.push(rcgen::DnType::CustomDnType(oid), value);
    }
    Ok(dn)
}

/// A CA certificate and key checked fit to issue what a request describes.
struct Prepared {
    key: PrivateKey,
    name: rcgen::DistinguishedName,
    key_identifier: Vec<u8>,
    subject: String,
    subject_raw: Vec<u8>,
}

/// Checks that `issuer_certificate` (DER) is a CA that may issue what `request`
/// describes, and that `issuer_key` (PKCS#8 DER) is its key.
fn prepare(
    request: &GenerateRequest,
    issuer_certificate: &[u8],
    issuer_key: &[u8],
) -> Result<Prepared> {
    let (_, ca) = x509_parser::parse_x509_certificate(issuer_certificate)
        .map_err(|_| crate::inspect::malformed_certificate(issuer_certificate))?;
    let authority = authority(&ca);
    let subject = authority.subject;
    if !authority.is_ca {
        return Err(CertError::InvalidInput(format!(
            "the signer '{subject}' is not a CA certificate (its basic constraints do not say CA=true); make a CA with -KeyUsage CertSign, CRLSign -TextExtension '2.5.29.19={{text}}CA=true'"
        )));
    }
    if authority.can_sign_certificates == Some(false) {
        return Err(CertError::InvalidInput(format!(
            "the signer '{subject}' has a key usage without CertSign, so no program accepts what it signs"
        )));
    }
    if authority.path_length == Some(0)
        && matches!(request.basic_constraints, BasicConstraints::Ca { .. })
    {
        return Err(CertError::InvalidInput(format!(
            "the signer '{subject}' allows no CA below it (pathlength=0): issue an end-entity certificate, or sign with a CA that allows intermediates"
        )));
    }
    if request.not_after > authority.not_after {
        return Err(CertError::InvalidInput(format!(
            "NotAfter is later than the signer '{subject}' is valid; give a NotAfter on or before its expiry"
        )));
    }
    let key = PrivateKey::from_pkcs8_der(issuer_key)?;
    key.check_matches_certificate(issuer_certificate)?;
    let key_identifier = match authority.subject_key_identifier {
        Some(id) => id,
        None => key_identifier(&key.signer()?),
    };
    Ok(Prepared {
        name: issuer_name(ca.subject(), &subject)?,
        key,
        key_identifier,
        subject_raw: ca.subject().as_raw().to_vec(),
        subject,
    })
}

/// Signs the certificate `request` describes for `public_key` with the prepared CA.
fn sign(
    ca: &Prepared,
    request: &GenerateRequest,
    public_key: &impl rcgen::PublicKeyData,
) -> Result<Vec<u8>> {
    let mut issuer_params = rcgen::CertificateParams::default();
    issuer_params.distinguished_name = ca.name.clone();
    issuer_params.key_identifier_method =
        rcgen::KeyIdMethod::PreSpecified(ca.key_identifier.clone());
    let issuer = rcgen::Issuer::new(issuer_params, ca.key.signer()?);
    let mut params = certificate_params(request)?;
    params.use_authority_key_identifier_extension = true;
    params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(key_identifier(public_key));
    let issued = params
        .signed_by(public_key, &issuer)
        .map_err(|e| CertError::InvalidInput(format!("cannot build the certificate: {e}")))?;
    let certificate = issued.der().to_vec();
    let (_, parsed) = x509_parser::parse_x509_certificate(&certificate)
        .map_err(|_| crate::inspect::malformed_certificate(&certificate))?;
    if parsed.issuer().as_raw() != ca.subject_raw.as_slice() {
        return Err(CertError::Unsupported(format!(
            "the issuer name could not be written exactly as the signer's subject '{}'; use a CA whose subject names each attribute once",
            ca.subject
        )));
    }
    Ok(certificate)
}

/// Issues the certificate `request` describes, with a new key, signed by the CA
/// `issuer_certificate` (DER) whose private key is `issuer_key` (PKCS#8 DER).
pub fn issue(
    request: &GenerateRequest,
    issuer_certificate: &[u8],
    issuer_key: &[u8],
    primitives: &dyn Primitives,
) -> Result<GeneratedCertificate> {
    let ca = prepare(request, issuer_certificate, issuer_key)?;
    let key = PrivateKey::generate(request.key, primitives)?;
    let certificate = sign(&ca, request, &key.signer()?)?;
    Ok(GeneratedCertificate {
        certificate,
        private_key: key.to_pkcs8_der()?,
    })
}

/// A public key taken from a certificate, for a CA to sign (RSA, ECDSA P-256, P-384).
struct ForeignKey {
    bits: Vec<u8>,
    algorithm: &'static rcgen::SignatureAlgorithm,
}

impl rcgen::PublicKeyData for ForeignKey {
    fn der_bytes(&self) -> &[u8] {
        &self.bits
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.algorithm
    }
}

fn foreign_key(certificate: &[u8]) -> Result<ForeignKey> {
    let (_, cert) = x509_parser::parse_x509_certificate(certificate)
        .map_err(|_| crate::inspect::malformed_certificate(certificate))?;
    let spki = &cert.tbs_certificate.subject_pki;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let algorithm = match (
        spki.algorithm.algorithm.to_id_string().as_str(),
        curve.as_deref(),
    ) {
        ("1.2.840.113549.1.1.1", _) => &rcgen::PKCS_RSA_SHA256,
        ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")) => &rcgen::PKCS_ECDSA_P256_SHA256,
        ("1.2.840.10045.2.1", Some("1.3.132.0.34")) => &rcgen::PKCS_ECDSA_P384_SHA384,
        _ => {
            return Err(CertError::Unsupported(
                "only RSA, ECDSA P-256 and P-384 keys can be certified".into(),
            ));
        }
    };
    Ok(ForeignKey {
        bits: spki.subject_public_key.data.to_vec(),
        algorithm,
    })
}

/// Issues the certificate `request` describes for the public key of
/// `subject_certificate` (a pending request's placeholder: what a CA does with a CSR),
/// signed by the CA `issuer_certificate` with its key `issuer_key`. `request.key` is
/// not used: the key is the subject's.
pub fn issue_for(
    request: &GenerateRequest,
    subject_certificate: &[u8],
    issuer_certificate: &[u8],
    issuer_key: &[u8],
) -> Result<Vec<u8>> {
    let ca = prepare(request, issuer_certificate, issuer_key)?;
    sign(&ca, request, &foreign_key(subject_certificate)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{KeyUsage, generate_self_signed};
    use crate::inspect::inspect;
    use crate::keys::KeyAlgorithm;
    use crate::verify::issued_by;
    use certhost_primitives::Software;

    const NOW: i64 = 1_760_000_000;

    fn root(key: KeyAlgorithm, path_length: Option<u8>) -> GeneratedCertificate {
        let mut r = GenerateRequest::server_default(NOW);
        r.subject = Some("CN=Tech Root CA, O=Tech, C=US".into());
        r.key = key;
        r.not_after = NOW + 10 * 365 * 86_400;
        r.key_usages = vec![
            KeyUsage::KeyCertSign,
            KeyUsage::CrlSign,
            KeyUsage::DigitalSignature,
        ];
        r.extended_key_usages.clear();
        r.basic_constraints = BasicConstraints::Ca { path_length };
        generate_self_signed(&r, &Software).unwrap()
    }

    fn leaf(key: KeyAlgorithm) -> GenerateRequest {
        let mut r = GenerateRequest::server_default(NOW);
        r.dns_names = vec!["web01.tech.local".into()];
        r.key = key;
        r
    }

    fn extension<'a>(cert: &'a X509Certificate<'_>, oid: &str) -> Option<&'a [u8]> {
        cert.extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == oid)
            .map(|e| e.value)
    }

    #[test]
    fn issued_certificates_chain_to_their_ca_for_every_key_pair() {
        for (ca_key, leaf_key) in [
            (KeyAlgorithm::Rsa(2048), KeyAlgorithm::EcdsaP256),
            (KeyAlgorithm::EcdsaP384, KeyAlgorithm::Rsa(2048)),
            (KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP256),
        ] {
            let ca = root(ca_key, Some(0));
            let made = issue(&leaf(leaf_key), &ca.certificate, &ca.private_key, &Software).unwrap();
            assert!(
                issued_by(&made.certificate, &ca.certificate),
                "{ca_key:?} -> {leaf_key:?}"
            );
            let info = inspect(&made.certificate).unwrap();
            assert_eq!(info.issuer, "CN=Tech Root CA, O=Tech, C=US");
            assert!(!info.self_signed);
            assert_eq!(info.is_ca, Some(false));
            PrivateKey::from_pkcs8_der(&made.private_key)
                .unwrap()
                .check_matches_certificate(&made.certificate)
                .unwrap();
            // The authority key identifier is the CA's subject key identifier.
            let (_, ca_parsed) = x509_parser::parse_x509_certificate(&ca.certificate).unwrap();
            let (_, parsed) = x509_parser::parse_x509_certificate(&made.certificate).unwrap();
            let ski = extension(&ca_parsed, "2.5.29.14").unwrap();
            let aki = extension(&parsed, "2.5.29.35").unwrap();
            assert!(aki.windows(ski.len() - 2).any(|w| w == &ski[2..]));
        }
    }

    #[test]
    fn a_certificate_for_another_key_carries_that_key() {
        for (ca_key, subject_key) in [
            (KeyAlgorithm::EcdsaP256, KeyAlgorithm::Rsa(2048)),
            (KeyAlgorithm::Rsa(2048), KeyAlgorithm::EcdsaP384),
        ] {
            let ca = root(ca_key, None);
            let subject = generate_self_signed(&leaf(subject_key), &Software).unwrap();
            let made = issue_for(
                &leaf(subject_key),
                &subject.certificate,
                &ca.certificate,
                &ca.private_key,
            )
            .unwrap();
            assert!(issued_by(&made, &ca.certificate));
            PrivateKey::from_pkcs8_der(&subject.private_key)
                .unwrap()
                .check_matches_certificate(&made)
                .unwrap();
        }
    }

    #[test]
    fn a_ca_is_written_with_its_constraints() {
        let ca = root(KeyAlgorithm::EcdsaP256, Some(0));
        let info = inspect(&ca.certificate).unwrap();
        assert_eq!(info.is_ca, Some(true));
        assert!(
            info.key_usages.iter().any(|u| u.contains("Cert")),
            "{:?}",
            info.key_usages
        );
        let (_, parsed) = x509_parser::parse_x509_certificate(&ca.certificate).unwrap();
        let bc = parsed.basic_constraints().unwrap().unwrap();
        assert!(bc.critical);
        assert_eq!(bc.value.path_len_constraint, Some(0));
    }

    #[test]
    fn unsuitable_signers_and_requests_are_refused() {
        let ca = root(KeyAlgorithm::EcdsaP256, Some(0));
        let not_ca = generate_self_signed(&leaf(KeyAlgorithm::EcdsaP256), &Software).unwrap();
        let refused = issue(
            &leaf(KeyAlgorithm::EcdsaP256),
            &not_ca.certificate,
            &not_ca.private_key,
            &Software,
        );
        assert!(matches!(refused, Err(CertError::InvalidInput(m)) if m.contains("not a CA")));

        let other = root(KeyAlgorithm::EcdsaP256, None);
        let refused = issue(
            &leaf(KeyAlgorithm::EcdsaP256),
            &ca.certificate,
            &other.private_key,
            &Software,
        );
        assert!(matches!(refused, Err(CertError::KeyMismatch(_))));

        let mut late = leaf(KeyAlgorithm::EcdsaP256);
        late.not_after = NOW + 20 * 365 * 86_400;
        let refused = issue(&late, &ca.certificate, &ca.private_key, &Software);
        assert!(matches!(refused, Err(CertError::InvalidInput(m)) if m.contains("NotAfter")));

        let mut sub_ca = leaf(KeyAlgorithm::EcdsaP256);
        sub_ca.basic_constraints = BasicConstraints::Ca { path_length: None };
        let refused = issue(&sub_ca, &ca.certificate, &ca.private_key, &Software);
        assert!(matches!(refused, Err(CertError::InvalidInput(m)) if m.contains("pathlength=0")));
        // An unconstrained root may issue an intermediate.
        let intermediate =
            issue(&sub_ca, &other.certificate, &other.private_key, &Software).unwrap();
        assert_eq!(
            inspect(&intermediate.certificate).unwrap().is_ca,
            Some(true)
        );
    }

    #[test]
    fn repeated_attributes_in_the_signer_name_are_refused_not_rewritten() {
        use x509_parser::prelude::FromDer;
        // DC=tech, DC=local repeats an attribute type: rcgen would collapse it.
        let dc = |value: &str| {
            let mut attribute = vec![
                0x06, 0x0a, 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19,
            ];
            attribute.extend([0x16, value.len() as u8]);
            attribute.extend(value.as_bytes());
            let mut sequence = vec![0x30, attribute.len() as u8];
            sequence.extend(attribute);
            let mut set = vec![0x31, sequence.len() as u8];
            set.extend(sequence);
            set
        };
        let body = [dc("tech"), dc("local")].concat();
        let mut der = vec![0x30, body.len() as u8];
        der.extend(body);
        let (_, name) = X509Name::from_der(&der).unwrap();
        let refused = issuer_name(&name, "DC=local, DC=tech");
        assert!(
            matches!(refused, Err(CertError::Unsupported(m)) if m.contains("repeats an attribute"))
        );
        // One of each is written as it was.
        let body = dc("tech");
        let mut der = vec![0x30, body.len() as u8];
        der.extend(body);
        let (_, name) = X509Name::from_der(&der).unwrap();
        assert!(issuer_name(&name, "DC=tech").is_ok());
    }
}
