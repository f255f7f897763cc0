//! `Test-Certificate`: Windows' verdict on a certificate (True/False) under the BASE or
//! SSL policy, with the reason as a warning when it is False.

use super::meta::{CmdletInfo, ParamExt, ParameterType as T, cmdlet, example, param};
use super::objects::{certificate_parameter, load_entry, required_certificate};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::certhost::plugin::host::MessageLevel;
use crate::bindings::exports::certhost::plugin::cmdlets::{CertificateObject, CmdletError, Value};
use crate::host_api::HostApi;
use certhost_core::verify::issued_by;

pub const CMDLET: Cmdlet = Cmdlet { info, run };

/// Longest chain followed.
const MAX_CHAIN_DEPTH: usize = 8;
const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";

fn info() -> CmdletInfo {
    cmdlet(
        "Test-Certificate",
        "Verifies a certificate: validity, chain to a trusted root, and for -Policy SSL the DNS name and server authentication.",
        "Returns True or False; when False, a warning says why. The chain is built from the certificate's stored chain and the CA and Root stores; a root counts as trusted when it is in Cert:\\LocalMachine\\Root (or with -AllowUntrustedRoot). -Policy SSL also requires -DNSName (if given) in the subject alternative names or CN, and the server-authentication EKU. -EKU lists usages (OIDs or names) that must all be present.",
        vec![
            certificate_parameter(),
            param("Policy", T::Text, "BASE (default) or SSL.").values(&["BASE", "SSL"]),
            param(
                "DNSName",
                T::Text,
                "The name the certificate must be valid for (SSL policy); 'dns=' prefix accepted.",
            ),
            param(
                "EKU",
                T::TextList,
                "Extended key usages (OIDs or friendly names) that must be present.",
            ),
            param(
                "AllowUntrustedRoot",
                T::Switch,
                "Accept a chain ending in a root that is not in the Root store (self-signed certificates).",
            ),
        ],
        vec![example(
            "Check store certificates for a host name",
            "New-SelfSignedCertificate -DnsName contoso.com | Out-Null\nGet-ChildItem -Path Cert:\\LocalMachine\\My -DnsName contoso.com | Test-Certificate -Policy SSL -DNSName 'dns=contoso.com' -AllowUntrustedRoot",
            "True for each certificate valid now for contoso.com (self-signed roots accepted).",
        )],
        "Boolean",
    )
}

fn stored_certificates(host: &dyn HostApi, store_name: &str) -> Result<Vec<Vec<u8>>, CmdletError> {
    Ok(host
        .list_certificates(store_name)
        .map_err(|e| error::from_store(e, None))?
        .into_iter()
        .map(|c| c.entry.certificate)
        .collect())
}

/// Why the certificate fails, or `None` when it passes.
fn failure(
    args: &Args,
    cert: &CertificateObject,
    host: &dyn HostApi,
) -> Result<Option<String>, CmdletError> {
    let info = &cert.info;
    let now = host.now();
    if now < info.not_before || now > info.not_after {
        return Ok(Some(
            "A required certificate is not within its validity period when verifying against the current system clock. (certificate not valid now)".into(),
        ));
    }
    let ssl = args
        .text("Policy")
        .is_some_and(|p| p.eq_ignore_ascii_case("SSL"));
    let has_eku = |wanted: &str| {
        info.extended_key_usages
            .iter()
            .any(|e| e.oid == wanted || e.friendly_name.eq_ignore_ascii_case(wanted))
    };
    if ssl && !info.extended_key_usages.is_empty() && !has_eku(SERVER_AUTH) {
        return Ok(Some(
            "The certificate is not valid for the requested usage. (no Server Authentication EKU)"
                .into(),
        ));
    }
    for wanted in args.texts("EKU") {
        if !has_eku(wanted.trim()) {
            return Ok(Some(format!(
                "The certificate is not valid for the requested usage. (no {wanted} EKU)"
            )));
        }
    }
    if ssl && let Some(name) = args.text("DNSName") {
        let name = name.trim();
        let name = name
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("dns="))
            .map_or(name, |_| &name[4..]);
        let cn = info.subject.split(", ").find_map(|p| p.strip_prefix("CN="));
        let matches = info
            .dns_names
            .iter()
            .map(String::as_str)
            .chain(cn)
            .any(|n| certhost_core::validate::name_matches(n, name));
        if !matches {
            return Ok(Some(format!(
                "The certificate's CN name does not match the passed value. ({name} is not in the subject or subject alternative names)"
            )));
        }
    }
    // Build the chain: stored chain first, then the CA and Root stores.
    let entry = load_entry(host, cert)?;
    let roots = stored_certificates(host, "Root")?;
    let mut candidates = entry.chain.clone();
    candidates.extend(stored_certificates(host, "CA")?);
    candidates.extend(roots.iter().cloned());
    let mut current = cert.der.clone();
    for _ in 0..MAX_CHAIN_DEPTH {
        if roots.contains(&current) {
            return Ok(None);
        }
        if issued_by(&current, &current) {
            return Ok(if args.switch("AllowUntrustedRoot") {
                None
            } else {
                Some("A certificate chain processed, but terminated in a root certificate which is not trusted by the trust provider. (import the root into Cert:\\LocalMachine\\Root, or use -AllowUntrustedRoot)".into())
            });
        }
        match candidates.iter().find(|c| issued_by(&current, c)) {
            Some(issuer) => current = issuer.clone(),
            None => {
                return Ok(Some(
                    "A certificate chain could not be built to a trusted root authority. (the issuer is in no store: import it with Import-Certificate)".into(),
                ));
            }
        }
    }
    Ok(Some("The certificate chain is too long.".into()))
}

fn run(args: &Args, input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let cert = match args.certificate_or_piped("Cert", &input) {
        Some(c) => c,
        None => required_certificate(args)?,
    };
    let verdict = match failure(args, cert, host)? {
        None => true,
        Some(reason) => {
            host.message(
                MessageLevel::Warning,
                &format!("{}: {reason}", cert.info.thumbprint),
            );
            false
        }
    };
    Ok(vec![Value::Boolean(verdict)])
}
