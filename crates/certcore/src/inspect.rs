//! The X509Certificate2-style view of a certificate.

use crate::dn::{format_name, hex_upper};
use crate::error::{CertError, Result};
use sha1::{Digest, Sha1};
use sha2::Sha256;
use x509_parser::extensions::{GeneralName, ParsedExtension};

/// One extended key usage: Windows' friendly name and the OID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eku {
    pub friendly_name: String,
    pub oid: String,
}

/// What a certificate says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateInfo {
    /// SHA-1 of the DER, uppercase hex, as Windows prints it.
    pub thumbprint: String,
    /// SHA-256 of the DER, uppercase hex.
    pub sha256_fingerprint: String,
    pub subject: String,
    pub issuer: String,
    /// Serial number bytes, uppercase hex.
    pub serial_number: String,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    /// `RSA`, `RSASSA-PSS`, `DSA`, `ECDSA_P256`, `ECDSA_P384`, `ECDSA_P521`, `ECDSA`
    /// (another curve), `Ed25519`, `Ed448`, or the key algorithm's OID.
    pub key_algorithm: String,
    /// Key size in bits (0 for a key type certhost cannot measure).
    pub key_size: u32,
    pub extended_key_usages: Vec<Eku>,
    pub key_usages: Vec<String>,
    /// Issued by its own key (subject = issuer and the signature verifies).
    pub self_signed: bool,
    /// Windows' name for the signature algorithm (`sha256RSA`, `sha256ECDSA`, ...).
    pub signature_algorithm: String,
    pub version: u32,
    /// The basic-constraints CA flag; `None` when the extension is absent.
    pub is_ca: Option<bool>,
}

fn eku_name(oid: &str) -> &'static str {
    match oid {
        "1.3.6.1.5.5.7.3.1" => "Server Authentication",
        "1.3.6.1.5.5.7.3.2" => "Client Authentication",
        "1.3.6.1.5.5.7.3.3" => "Code Signing",
        "1.3.6.1.5.5.7.3.4" => "Secure Email",
        "1.3.6.1.5.5.7.3.8" => "Time Stamping",
        "1.3.6.1.5.5.7.3.9" => "OCSP Signing",
        "2.5.29.37.0" => "Any Purpose",
        _ => "",
    }
}

fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.5" => "sha1RSA",
        "1.2.840.113549.1.1.11" => "sha256RSA",
        "1.2.840.113549.1.1.12" => "sha384RSA",
        "1.2.840.113549.1.1.13" => "sha512RSA",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.10045.4.3.2" => "sha256ECDSA",
        "1.2.840.10045.4.3.3" => "sha384ECDSA",
        "1.2.840.10045.4.3.4" => "sha512ECDSA",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.113549.1.1.4" => "md5RSA",
        "1.2.840.113549.1.1.14" => "sha224RSA",
        "1.2.840.10045.4.1" => "sha1ECDSA",
        "1.2.840.10045.4.3.1" => "sha224ECDSA",
        "1.2.840.10040.4.3" => "sha1DSA",
        "2.16.840.1.101.3.4.3.1" => "sha224DSA",
        "2.16.840.1.101.3.4.3.2" => "sha256DSA",
        other => return other.to_string(),
    }
    .to_string()
}

/// The DER SubjectPublicKeyInfo of a certificate: what a request, its placeholder and
/// the certificate a CA issued for it have in common.
pub fn public_key_info(der: &[u8]) -> Result<Vec<u8>> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|_| malformed_certificate(der))?;
    Ok(cert.tbs_certificate.subject_pki.raw.to_vec())
}

/// The error for bytes x509-parser cannot read: what the file is instead when that can
/// be told, else a plain "malformed" (x509-parser's own error text is Rust debug output).
pub(crate) fn malformed_certificate(der: &[u8]) -> CertError {
    use crate::file_kind::FileKind;
    match FileKind::of(der) {
        FileKind::Certificate | FileKind::Pem => CertError::Corrupt(
            "the certificate is not well-formed DER X.509; get the certificate again from its source".into(),
        ),
        kind => CertError::Corrupt(format!(
            "this is {}, not a certificate: {}",
            kind.describe(),
            kind.advice()
        )),
    }
}

/// Reads one DER certificate. Stricter than `x509-parser` alone: trailing bytes, a version
/// other than 1–3 and malformed extensions are refused.
pub fn inspect(der: &[u8]) -> Result<CertificateInfo> {
    let (rest, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|_| malformed_certificate(der))?;
    if !rest.is_empty() {
        return Err(CertError::Corrupt(format!(
            "{} unexpected bytes after the certificate",
            rest.len()
        )));
    }
    // x509-parser is lenient where openssl is not (an empty serial number, a wrong tag
    // inside an AlgorithmIdentifier): the strict DER reader of RustCrypto must agree.
    <x509_cert::Certificate as der::Decode>::from_der(der)
        .map_err(|_| malformed_certificate(der))?;
    let tbs = &cert.tbs_certificate;
    if tbs.version.0 > 2 {
        return Err(CertError::Corrupt(format!(
            "certificate version {} does not exist (only 1 to 3)",
            tbs.version.0 + 1
        )));
    }

    let mut dns_names = Vec::new();
    let mut ip_addresses = Vec::new();
    let mut extended_key_usages = Vec::new();
    let mut key_usages = Vec::new();
    let mut is_ca = None;
    for ext in tbs.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for name in &san.general_names {
                    match name {
                        GeneralName::DNSName(d) => dns_names.push(d.to_string()),
                        GeneralName::IPAddress(bytes) => ip_addresses.push(format_ip(bytes)?),
                        _ => {}
                    }
                }
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let mut oids: Vec<String> = Vec::new();
                if eku.server_auth {
                    oids.push("1.3.6.1.5.5.7.3.1".into());
                }
                if eku.client_auth {
                    oids.push("1.3.6.1.5.5.7.3.2".into());
                }
                if eku.code_signing {
                    oids.push("1.3.6.1.5.5.7.3.3".into());
                }
                if eku.email_protection {
                    oids.push("1.3.6.1.5.5.7.3.4".into());
                }
                if eku.time_stamping {
                    oids.push("1.3.6.1.5.5.7.3.8".into());
                }
                if eku.ocsp_signing {
                    oids.push("1.3.6.1.5.5.7.3.9".into());
                }
                if eku.any {
                    oids.push("2.5.29.37.0".into());
                }
                oids.extend(eku.other.iter().map(|o| o.to_id_string()));
                extended_key_usages = oids
                    .into_iter()
                    .map(|oid| Eku {
                        friendly_name: eku_name(&oid).to_string(),
                        oid,
                    })
                    .collect();
            }
            ParsedExtension::KeyUsage(ku) => {
                key_usages = ku.to_string().split(", ").map(str::to_string).collect();
            }
            ParsedExtension::BasicConstraints(bc) => is_ca = Some(bc.ca),
            ParsedExtension::ParseError { .. } if ext.critical => {
                return Err(CertError::Corrupt(format!(
                    "the critical extension {} is malformed, so no program may use this certificate; get it again from its source",
                    ext.oid.to_id_string()
                )));
            }
            // A malformed extension that is not critical is skipped, as openssl and
            // browsers skip it: the certificate is still usable without it.
            ParsedExtension::ParseError { .. } => {}
            ParsedExtension::UnsupportedExtension { .. } if ext.critical => {
                // An unknown critical extension makes the certificate unusable, but it is
                // still a certificate: report it through is_ca/EKU as unknown, not an error.
            }
            _ => {}
        }
    }

    let (key_algorithm, key_size) = crate::public_key::describe(tbs.subject_pki.raw);
    let subject = format_name(tbs.subject());
    let issuer = format_name(tbs.issuer());
    let self_signed =
        tbs.subject().as_raw() == tbs.issuer().as_raw() && crate::verify::signed_by(&cert, &cert);
    Ok(CertificateInfo {
        thumbprint: hex_upper(&Sha1::digest(der)),
        sha256_fingerprint: hex_upper(&Sha256::digest(der)),
        subject,
        issuer,
        serial_number: hex_upper(tbs.raw_serial()),
        not_before: tbs.validity().not_before.timestamp(),
        not_after: tbs.validity().not_after.timestamp(),
        dns_names,
        ip_addresses,
        key_algorithm,
        key_size,
        extended_key_usages,
        key_usages,
        self_signed,
        signature_algorithm: signature_name(&cert.signature_algorithm.algorithm.to_id_string()),
        version: tbs.version.0 + 1,
        is_ca,
    })
}

fn format_ip(bytes: &[u8]) -> Result<String> {
    match bytes.len() {
        4 => Ok(
            std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).unwrap_or_default()).to_string(),
        ),
        16 => Ok(
            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).unwrap_or_default()).to_string(),
        ),
        n => Err(CertError::Corrupt(format!(
            "an IP address SAN has {n} bytes (4 or 16 expected)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_trailing_bytes_are_corrupt() {
        assert!(matches!(
            inspect(b"\x30\x03\x02\x01\x01"),
            Err(CertError::Corrupt(_))
        ));
    }
}

/// Windows' short date and time (en-US, UTC) of unix seconds: `12/3/2026 5:19 PM`, as
/// certreq prints validity.
pub fn short_date_time(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => {
            let (hour, half) = match t.hour() {
                0 => (12, "AM"),
                h @ 1..=11 => (h, "AM"),
                12 => (12, "PM"),
                h => (h - 12, "PM"),
            };
            format!(
                "{}/{}/{} {hour}:{:02} {half}",
                u8::from(t.month()),
                t.day(),
                t.year(),
                t.minute()
            )
        }
        Err(_) => unix.to_string(),
    }
}

#[cfg(test)]
mod short_date_time_tests {
    #[test]
    fn is_windows_short_form() {
        assert_eq!(super::short_date_time(1_796_318_340), "12/3/2026 5:19 PM");
        assert_eq!(super::short_date_time(0), "1/1/1970 12:00 AM");
        assert_eq!(super::short_date_time(43_200), "1/1/1970 12:00 PM");
    }
}
