//! `New-SelfSignedCertificate`: generate a key and self-signed certificate, store both.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, changes_state, cmdlet, example, param,
};
use super::objects::{certificate_object, parse_store_location};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::certhost::plugin::types::CertificateEntry;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::host_api::HostApi;
use certhost_core::generate::{ExtendedKeyUsage, GenerateRequest, KeyUsage, generate_self_signed};
use certhost_core::keys::KeyAlgorithm;

pub const CMDLET: Cmdlet = Cmdlet { info, run };

const DEFAULT_STORE: &str = "Cert:\\LocalMachine\\My";

fn info() -> CmdletInfo {
    changes_state(cmdlet(
        "New-SelfSignedCertificate",
        "Creates a self-signed certificate and its private key in a certificate store.",
        "Generates a key (RSA 2048 unless told otherwise) and a self-signed certificate valid for one year from ten minutes ago, with key usage DigitalSignature and KeyEncipherment and EKU server and client authentication, stores both in -CertStoreLocation, and returns the certificate. The first -DnsName becomes the subject CN when -Subject is not given.",
        vec![
            param("DnsName", T::TextList, "DNS names for the subject alternative name; the first is the CN when -Subject is absent."),
            param("Subject", T::Text, "Subject such as 'CN=server, O=Org'; a value without '=' becomes CN=<value>."),
            param("FriendlyName", T::Text, "Friendly name stored with the certificate."),
            param("KeyAlgorithm", T::Text, "Key algorithm.").values(&["RSA", "ECDSA_nistP256", "ECDSA_nistP384"]),
            param("KeyLength", T::Integer, "RSA key length: 2048 (default), 3072 or 4096."),
            param("NotBefore", T::Datetime, "Start of validity (default: 10 minutes ago)."),
            param("NotAfter", T::Datetime, "End of validity (default: one year from now)."),
            param("KeyUsage", T::TextList, "Key usages.").values(&[
                "DigitalSignature",
                "KeyEncipherment",
                "NonRepudiation",
                "DataEncipherment",
                "KeyAgreement",
                "None",
            ]),
            param("Type", T::Text, "Certificate type: SSLServerAuthentication (EKU server + client auth) or Custom (no EKU unless -TextExtension gives one).")
                .values(&["SSLServerAuthentication", "Custom"]),
            param("TextExtension", T::TextList, "Extensions as text: '2.5.29.37={text}<EKU OIDs>' and '2.5.29.17={text}DNS=a&IPAddress=10.0.0.1'."),
            param("HashAlgorithm", T::Text, "Signature hash (SHA256 for RSA and P-256, SHA384 for P-384).").values(&["SHA256", "SHA384"]),
            param("CertStoreLocation", T::Text, "Store to put the certificate in (default Cert:\\LocalMachine\\My)."),
        ],
        vec![
            example(
                "Certificate for two web names",
                "New-SelfSignedCertificate -DnsName 'www.fabrikam.com', 'www.contoso.com' -CertStoreLocation 'Cert:\\LocalMachine\\My'",
                "Creates an RSA 2048 certificate whose subject is CN=www.fabrikam.com with both names as SANs.",
            ),
            example(
                "ECDSA certificate valid two years",
                "New-SelfSignedCertificate -Subject 'CN=backup01.tech.local' -KeyAlgorithm ECDSA_nistP256 -NotAfter (Get-Date).AddYears(2)",
                "Creates an ECDSA P-256 certificate.",
            ),
        ],
        "X509Certificate2",
    ))
}

fn key_usage(name: &str) -> Result<Option<KeyUsage>, CmdletError> {
    Ok(Some(match name.to_ascii_lowercase().as_str() {
        "digitalsignature" => KeyUsage::DigitalSignature,
        "keyencipherment" => KeyUsage::KeyEncipherment,
        "nonrepudiation" => KeyUsage::NonRepudiation,
        "dataencipherment" => KeyUsage::DataEncipherment,
        "keyagreement" => KeyUsage::KeyAgreement,
        "none" => return Ok(None),
        _ => {
            return Err(error::invalid_argument(
                "InvalidKeyUsage",
                format!("'{name}' is not a key usage"),
            ));
        }
    }))
}

/// Applies `-TextExtension` values: EKU (2.5.29.37) and SAN (2.5.29.17).
fn apply_text_extension(text: &str, request: &mut GenerateRequest) -> Result<(), CmdletError> {
    let unsupported = || {
        error::invalid_argument(
            "UnsupportedTextExtension",
            format!(
                "text extension '{text}' is not supported; use 2.5.29.37={{text}}<EKU OIDs> or 2.5.29.17={{text}}DNS=<name>&IPAddress=<ip>"
            ),
        )
    };
    let (oid, value) = text
        .split_once("={text}")
        .or_else(|| text.split_once("={critical}{text}"))
        .ok_or_else(unsupported)?;
    match oid.trim() {
        "2.5.29.37" => {
            request.extended_key_usages.clear();
            for eku in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                request.extended_key_usages.push(match eku {
                    "1.3.6.1.5.5.7.3.1" => ExtendedKeyUsage::ServerAuth,
                    "1.3.6.1.5.5.7.3.2" => ExtendedKeyUsage::ClientAuth,
                    other => {
                        return Err(error::invalid_argument(
                            "UnsupportedEku",
                            format!("EKU {other} is not supported; use 1.3.6.1.5.5.7.3.1 (server) or 1.3.6.1.5.5.7.3.2 (client)"),
                        ));
                    }
                });
            }
        }
        "2.5.29.17" => {
            for part in value.split('&').map(str::trim).filter(|s| !s.is_empty()) {
                let (kind, v) = part.split_once('=').ok_or_else(unsupported)?;
                match kind.trim().to_ascii_lowercase().as_str() {
                    "dns" => request.dns_names.push(v.trim().to_string()),
                    "ipaddress" => request.ip_addresses.push(v.trim().to_string()),
                    _ => return Err(unsupported()),
                }
            }
        }
        _ => return Err(unsupported()),
    }
    Ok(())
}

fn run(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let location = parse_store_location(
        &args
            .text("CertStoreLocation")
            .unwrap_or_else(|| DEFAULT_STORE.into()),
    )?;
    let now = host.now();
    let mut request = GenerateRequest::server_default(now);
    request.subject = args.text("Subject");
    request.dns_names = args.texts("DnsName");
    let key_length = args
        .integer("KeyLength")
        .map(|l| u32::try_from(l).unwrap_or(0));
    request.key = KeyAlgorithm::from_windows_name(
        &args.text("KeyAlgorithm").unwrap_or_else(|| "RSA".into()),
        key_length,
    )
    .map_err(|e| error::from_cert(crate::convert::cert_error(e), None))?;
    if matches!(
        request.key,
        KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384
    ) {
        // keyEncipherment does not apply to ECDSA keys.
        request.key_usages = vec![KeyUsage::DigitalSignature];
    }
    if let Some(hash) = args.text("HashAlgorithm") {
        let expected = if request.key == KeyAlgorithm::EcdsaP384 {
            "SHA384"
        } else {
            "SHA256"
        };
        if !hash.eq_ignore_ascii_case(expected) {
            return Err(error::invalid_argument(
                "UnsupportedHashAlgorithm",
                format!("-HashAlgorithm {hash} is not available with this key; it uses {expected}"),
            ));
        }
    }
    if let Some(t) = args.datetime("NotBefore") {
        request.not_before = t;
    }
    if let Some(t) = args.datetime("NotAfter") {
        request.not_after = t;
    }
    let usages = args.texts("KeyUsage");
    if !usages.is_empty() {
        request.key_usages = usages
            .iter()
            .map(|u| key_usage(u))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
    }
    if args
        .text("Type")
        .is_some_and(|t| t.eq_ignore_ascii_case("Custom"))
    {
        request.extended_key_usages.clear();
    }
    for ext in args.texts("TextExtension") {
        apply_text_extension(&ext, &mut request)?;
    }
    let made = generate_self_signed(&request, host.primitives())
        .map_err(|e| error::from_cert(crate::convert::cert_error(e), None))?;
    let friendly_name = args.text("FriendlyName").unwrap_or_default();
    let entry = CertificateEntry {
        certificate: made.certificate.clone(),
        private_key: Some(made.private_key),
        friendly_name: friendly_name.clone(),
        chain: Vec::new(),
    };
    host.add_certificates(&location.store, &[entry])
        .map_err(|e| error::from_store(e, None))?;
    Ok(vec![Value::Certificate(certificate_object(
        made.certificate,
        Some(&location),
        true,
        friendly_name,
    )?)])
}
