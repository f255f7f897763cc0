//! Certificate objects and store locations as the cmdlets see them.

use super::error;
use super::meta::{ParamExt, ParameterInfo, ParameterType, param};
use crate::args::Args;
use crate::bindings::certhost::plugin::types::CertificateEntry;
use crate::bindings::exports::certhost::plugin::cmdlets::{
    CertificateObject, CmdletError, KeyMaterial,
};
use crate::convert::{cert_error, info_to_wit};
use crate::host_api::HostApi;

/// A `Cert:\<Location>\<Store>` path, split.
pub struct StoreLocation {
    pub location: String,
    pub store: String,
}

/// Parses `Cert:\LocalMachine\My` (any case, `\` or `/`).
pub fn parse_store_location(path: &str) -> Result<StoreLocation, CmdletError> {
    let bad = || {
        error::invalid_argument(
            "InvalidCertStoreLocation",
            format!(
                "'{path}' is not a certificate store location; write it as Cert:\\LocalMachine\\My or Cert:\\CurrentUser\\My"
            ),
        )
    };
    let normalized = path.trim().replace('/', "\\");
    let rest = normalized
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("cert:"))
        .map(|_| &normalized[5..])
        .ok_or_else(bad)?;
    let parts: Vec<&str> = rest.split('\\').filter(|p| !p.is_empty()).collect();
    let [location, store] = parts.as_slice() else {
        return Err(bad());
    };
    let location = if location.eq_ignore_ascii_case("LocalMachine") {
        "LocalMachine"
    } else if location.eq_ignore_ascii_case("CurrentUser") {
        "CurrentUser"
    } else {
        return Err(bad());
    };
    Ok(StoreLocation {
        location: location.into(),
        store: store.to_string(),
    })
}

/// The pipeline object for a certificate.
pub fn certificate_object(
    der: Vec<u8>,
    location: Option<&StoreLocation>,
    has_private_key: bool,
    friendly_name: String,
) -> Result<CertificateObject, CmdletError> {
    let info =
        certhost_core::inspect::inspect(&der).map_err(|e| error::from_cert(cert_error(e), None))?;
    Ok(CertificateObject {
        info: info_to_wit(info),
        der,
        store: location.map(|l| l.store.clone()),
        location: location.map(|l| l.location.clone()),
        has_private_key,
        friendly_name,
        key_material: None,
    })
}

/// The pipeline object for an entry read from a file (a PFX), in no store: it carries the
/// entry's private key and chain, so that a cmdlet that installs it can
/// (`Get-BackupServerCertificate -Path x.pfx | Add-BackupServerCertificate`).
pub fn file_certificate_object(entry: CertificateEntry) -> Result<CertificateObject, CmdletError> {
    let CertificateEntry {
        certificate,
        private_key,
        friendly_name,
        chain,
    } = entry;
    let mut object = certificate_object(certificate, None, private_key.is_some(), friendly_name)?;
    object.key_material = private_key.map(|private_key| KeyMaterial { private_key, chain });
    Ok(object)
}

/// The entry a certificate in no store amounts to: with the key and chain it carries, if
/// it carries any.
fn carried_entry(cert: &CertificateObject) -> CertificateEntry {
    let (private_key, chain) = match &cert.key_material {
        Some(m) => (Some(m.private_key.clone()), m.chain.clone()),
        None => (None, Vec::new()),
    };
    CertificateEntry {
        certificate: cert.der.clone(),
        private_key,
        friendly_name: cert.friendly_name.clone(),
        chain,
    }
}

/// The stored entry behind a certificate object (with its key and chain), or, when it is
/// not in a store, the certificate with what it carries (a key read from a file, if any).
pub fn load_entry(
    host: &dyn HostApi,
    cert: &CertificateObject,
) -> Result<CertificateEntry, CmdletError> {
    let Some(store_name) = &cert.store else {
        return Ok(carried_entry(cert));
    };
    let thumbprint = &cert.info.thumbprint;
    match host
        .get_certificate(store_name, thumbprint)
        .map_err(|e| error::from_store(e, Some(thumbprint)))?
    {
        Some(stored) => Ok(stored.entry),
        None => Err(error::new(
            crate::bindings::exports::certhost::plugin::cmdlets::ErrorCategory::ObjectNotFound,
            "CertificateNotInStore",
            format!("certificate {thumbprint} is no longer in store {store_name}"),
            Some(thumbprint),
        )),
    }
}

/// The `-Cert` parameter of the export cmdlets: mandatory, from the pipeline by value.
pub fn certificate_parameter() -> ParameterInfo {
    param(
        "Cert",
        ParameterType::Certificate,
        "The certificate, from the pipeline or a Cert: path.",
    )
    .mandatory()
    .takes_pipeline_input()
    .aliases(&["Certificate"])
}

/// The bound `-Cert` (the shell enforces it is present; this reports it if not).
pub fn required_certificate(args: &Args) -> Result<&CertificateObject, CmdletError> {
    args.certificate("Cert").ok_or_else(|| {
        error::invalid_argument(
            "CertificateRequired",
            "give the certificate with -Cert or through the pipeline",
        )
    })
}
