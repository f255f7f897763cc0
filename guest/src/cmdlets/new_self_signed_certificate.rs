//! `New-SelfSignedCertificate`: generate a key and self-signed certificate, store both.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, changes_state, cmdlet, example, param,
};
use super::objects::{certificate_object, load_entry, parse_store_location};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::certhost::plugin::host::MessageLevel;
use crate::bindings::certhost::plugin::types::CertificateEntry;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::host_api::HostApi;
use certhost_core::generate::{
    BasicConstraints, ExtendedKeyUsage, GenerateRequest, KeyUsage, generate_self_signed,
};
use certhost_core::keys::KeyAlgorithm;

pub const CMDLET: Cmdlet = Cmdlet { info, run };

const DEFAULT_STORE: &str = "Cert:\\LocalMachine\\My";

fn info() -> CmdletInfo {
    changes_state(cmdlet(
        "New-SelfSignedCertificate",
        "Creates a self-signed certificate and its private key in a certificate store.",
        "Generates a key (RSA 2048 unless told otherwise) and a self-signed certificate valid for one year from ten minutes ago, with key usage DigitalSignature and KeyEncipherment and EKU server and client authentication, stores both in -CertStoreLocation, and returns the certificate. The first -DnsName becomes the subject CN when -Subject is not given. With -Signer the certificate is issued by that CA certificate (whose key must be in a store) instead of signing itself; its chain is stored with it, and without -NotAfter it ends no later than the CA.",
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
                "CertSign",
                "CRLSign",
                "None",
            ]),
            param("Type", T::Text, "Certificate type: SSLServerAuthentication (EKU server + client auth) or Custom (no EKU unless -TextExtension gives one).")
                .values(&["SSLServerAuthentication", "Custom"]),
            param("TextExtension", T::TextList, "Extensions as text: '2.5.29.37={text}<EKU OIDs>', '2.5.29.17={text}DNS=a&IPAddress=10.0.0.1' and '2.5.29.19={text}CA=true&pathlength=0' (basic constraints)."),
            param("Signer", T::Certificate, "A CA certificate, with its private key in a store, that issues the new certificate."),
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
                "A root CA for an internal PKI, and a server certificate it issues",
                "$ca = New-SelfSignedCertificate -Subject 'CN=Tech Root CA' -KeyAlgorithm ECDSA_nistP384 -Type Custom -KeyUsage CertSign, CRLSign, DigitalSignature -TextExtension '2.5.29.19={text}CA=true&pathlength=0' -NotAfter (Get-Date).AddYears(10)\nNew-SelfSignedCertificate -DnsName web01.tech.local -Signer $ca",
                "Creates a CA certificate (basic constraints CA=true, no CA below it) and a certificate for web01.tech.local signed by it.",
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

pub(super) fn key_usage(name: &str) -> Result<Option<KeyUsage>, CmdletError> {
    Ok(Some(match name.to_ascii_lowercase().as_str() {
        "digitalsignature" => KeyUsage::DigitalSignature,
        "keyencipherment" => KeyUsage::KeyEncipherment,
        "nonrepudiation" => KeyUsage::NonRepudiation,
        "dataencipherment" => KeyUsage::DataEncipherment,
        "keyagreement" => KeyUsage::KeyAgreement,
        "certsign" => KeyUsage::KeyCertSign,
        "crlsign" => KeyUsage::CrlSign,
        "none" => return Ok(None),
        _ => {
            return Err(error::invalid_argument(
                "InvalidKeyUsage",
                format!("'{name}' is not a key usage"),
            ));
        }
    }))
}

/// Applies `-TextExtension` values: EKU (2.5.29.37), SAN (2.5.29.17) and basic
/// constraints (2.5.29.19).
pub(super) fn apply_text_extension(
    text: &str,
    request: &mut GenerateRequest,
) -> Result<(), CmdletError> {
    let unsupported = || {
        error::invalid_argument(
            "UnsupportedTextExtension",
            format!(
                "text extension '{text}' is not supported; use 2.5.29.37={{text}}<EKU OIDs>, 2.5.29.17={{text}}DNS=<name>&IPAddress=<ip> or 2.5.29.19={{text}}CA=true&pathlength=<n>"
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
        "2.5.29.19" => request.basic_constraints = basic_constraints(value)?,
        _ => return Err(unsupported()),
    }
    Ok(())
}

/// Windows' text form of basic constraints: `CA=true&pathlength=0` (`CA=1`, any case;
/// without `pathlength` the CA is unconstrained; `CA=false` is an end entity).
fn basic_constraints(text: &str) -> Result<BasicConstraints, CmdletError> {
    let invalid = |why: String| {
        error::invalid_argument(
            "InvalidBasicConstraints",
            format!(
                "basic constraints '{text}': {why}; write them as CA=true&pathlength=0 or CA=false"
            ),
        )
    };
    let (mut is_ca, mut path_length) = (None, None);
    for part in text.split('&').map(str::trim).filter(|s| !s.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| invalid(format!("'{part}' has no '='")))?;
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "ca" => {
                is_ca = Some(match value.to_ascii_lowercase().as_str() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => return Err(invalid(format!("CA must be true or false, not '{value}'"))),
                });
            }
            "pathlength" => {
                path_length = Some(value.parse::<u8>().map_err(|_| {
                    invalid(format!(
                        "pathlength must be a whole number from 0 to 255, not '{value}'"
                    ))
                })?);
            }
            other => return Err(invalid(format!("'{other}' is not CA or pathlength"))),
        }
    }
    match (is_ca, path_length) {
        (Some(true), path_length) => Ok(BasicConstraints::Ca { path_length }),
        (Some(false), None) => Ok(BasicConstraints::EndEntity),
        (Some(false), Some(_)) => Err(invalid("pathlength applies only to a CA".into())),
        (None, _) => Err(invalid("CA=true or CA=false is missing".into())),
    }
}

/// Windows writes what it is asked; a CA that cannot sign, or a signing key that is not
/// a CA, is almost always a mistake, so say what other programs will make of it.
fn warn_about_constraints(request: &GenerateRequest, host: &dyn HostApi) {
    let is_ca = matches!(request.basic_constraints, BasicConstraints::Ca { .. });
    let signs = request.key_usages.contains(&KeyUsage::KeyCertSign);
    let text = match (is_ca, signs, request.key_usages.is_empty()) {
        (true, false, false) => {
            "the certificate is a CA (CA=true) but its key usage lacks CertSign: openssl and Windows will not accept what it signs"
        }
        (false, true, _) => {
            "the key usage has CertSign but the certificate is not a CA: add -TextExtension '2.5.29.19={text}CA=true' or openssl and Windows will not accept what it signs"
        }
        _ => return,
    };
    host.message(MessageLevel::Warning, text);
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
    // With -Signer, the CA's key signs, so its algorithm decides the hash.
    let signer = args
        .certificate("Signer")
        .map(|ca| load_entry(host, ca))
        .transpose()?;
    let cert_error = |e| error::from_cert(crate::convert::cert_error(e), None);
    let signer_info = signer
        .as_ref()
        .map(|ca| certhost_core::inspect::inspect(&ca.certificate))
        .transpose()
        .map_err(cert_error)?;
    let signs_with_p384 = match &signer_info {
        Some(ca) => ca.key_algorithm == "ECDSA_P384",
        None => request.key == KeyAlgorithm::EcdsaP384,
    };
    if let Some(hash) = args.text("HashAlgorithm") {
        let expected = if signs_with_p384 { "SHA384" } else { "SHA256" };
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
    match (args.datetime("NotAfter"), &signer_info) {
        (Some(t), _) => request.not_after = t,
        (None, Some(ca)) => request.not_after = request.not_after.min(ca.not_after),
        (None, None) => {}
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
    warn_about_constraints(&request, host);
    let (made, chain) = match signer {
        None => (
            generate_self_signed(&request, host.primitives()).map_err(cert_error)?,
            Vec::new(),
        ),
        Some(ca) => {
            let Some(ca_key) = &ca.private_key else {
                let subject = signer_info.map(|i| i.subject).unwrap_or_default();
                return Err(error::invalid_argument(
                    "SignerHasNoPrivateKey",
                    format!(
                        "the signer '{subject}' has no private key in the store, so it cannot issue certificates; import its PFX with Import-PfxCertificate"
                    ),
                ));
            };
            let made =
                certhost_core::issue::issue(&request, &ca.certificate, ca_key, host.primitives())
                    .map_err(cert_error)?;
            let mut chain = vec![ca.certificate];
            chain.extend(ca.chain);
            (made, chain)
        }
    };
    let friendly_name = args.text("FriendlyName").unwrap_or_default();
    let entry = CertificateEntry {
        certificate: made.certificate.clone(),
        private_key: Some(made.private_key),
        friendly_name: friendly_name.clone(),
        chain,
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
