//! Certificate requests (PKCS#10, RFC 2986) whose key stays here, as Windows' certreq
//! and `New-CertificateRequest` make them: the request for the CA, and a self-signed
//! placeholder with the same key to keep in the `REQUEST` store until the issued
//! certificate comes back and is paired with the key.

use crate::error::{CertError, Result};
use crate::generate::{GenerateRequest, certificate_params, key_identifier};
use crate::keys::PrivateKey;
use certhost_primitives::Primitives;

/// A new request, its placeholder certificate, and their key.
#[derive(Clone, PartialEq, Eq)]
pub struct CreatedRequest {
    /// DER PKCS#10.
    pub request: Vec<u8>,
    /// DER X.509: self-signed, the same subject, names and key as the request.
    pub placeholder: Vec<u8>,
    /// Unencrypted PKCS#8 DER.
    pub private_key: Vec<u8>,
}

impl std::fmt::Debug for CreatedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CreatedRequest({} bytes of request, key withheld)",
            self.request.len()
        )
    }
}

/// Makes a key and a PKCS#10 request for the certificate `request` describes (subject,
/// names, key usages, EKUs, basic constraints; the CA decides the dates and serial).
pub fn create_request(
    request: &GenerateRequest,
    primitives: &dyn Primitives,
) -> Result<CreatedRequest> {
    let mut params = certificate_params(request)?;
    let key = PrivateKey::generate(request.key, primitives)?;
    let signer = key.signer()?;
    params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(key_identifier(&signer));
    let placeholder = params
        .self_signed(&signer)
        .map_err(|e| CertError::InvalidInput(format!("cannot build the request: {e}")))?;
    params.serial_number = None;
    let csr = params
        .serialize_request(&signer)
        .map_err(|e| CertError::InvalidInput(format!("cannot build the request: {e}")))?;
    Ok(CreatedRequest {
        request: csr.der().to_vec(),
        placeholder: placeholder.der().to_vec(),
        private_key: key.to_pkcs8_der()?,
    })
}

/// The request as PEM (`-----BEGIN CERTIFICATE REQUEST-----`), as CAs expect it.
pub fn request_pem(der: &[u8]) -> String {
    crate::pem::encode_pem("CERTIFICATE REQUEST", der)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyAlgorithm;
    use certhost_primitives::Software;
    use x509_parser::prelude::FromDer;

    #[test]
    fn the_request_carries_the_key_names_and_a_valid_signature() {
        for alg in [
            KeyAlgorithm::Rsa(2048),
            KeyAlgorithm::EcdsaP256,
            KeyAlgorithm::EcdsaP384,
        ] {
            let mut r = GenerateRequest::server_default(1_760_000_000);
            r.subject = Some("CN=backup01.tech.local, O=Tech".into());
            r.dns_names = vec!["backup01.tech.local".into(), "backup01".into()];
            r.ip_addresses = vec!["10.0.0.5".into()];
            r.key = alg;
            let made = create_request(&r, &Software).unwrap();
            let (_, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(
                &made.request,
            )
            .unwrap();
            let info = &csr.certification_request_info;
            assert_eq!(
                crate::dn::format_name(&info.subject),
                "CN=backup01.tech.local, O=Tech"
            );
            let key = PrivateKey::from_pkcs8_der(&made.private_key).unwrap();
            key.check_matches_certificate(&made.placeholder).unwrap();
            assert!(key.matches_public_key(
                &info.subject_pki.algorithm.algorithm.to_id_string(),
                &info.subject_pki.subject_public_key.data
            ));
            let names: Vec<String> = csr
                .requested_extensions()
                .into_iter()
                .flatten()
                .filter_map(|e| match e {
                    x509_parser::extensions::ParsedExtension::SubjectAlternativeName(san) => Some(
                        san.general_names
                            .iter()
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                })
                .flatten()
                .collect();
            assert_eq!(names.len(), 3, "{names:?}");
            assert!(
                request_pem(&made.request).starts_with("-----BEGIN CERTIFICATE REQUEST-----\n")
            );
            assert!(!format!("{made:?}").contains(&format!("{:?}", &made.private_key[..8])));
        }
    }
}
