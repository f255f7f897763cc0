//! What the backup-server, cloud-gateway and Enterprise Manager cmdlets share: reading a
//! slot (creating its default certificate on first use), generating a certificate for
//! the server's identity, validating, and the atomic assignment with its -WhatIf plan.

use super::error;
use super::objects::{StoreLocation, certificate_object};
use crate::bindings::certhost::plugin::host::MessageLevel;
use crate::bindings::certhost::plugin::server;
use crate::bindings::certhost::plugin::types::CertificateEntry;
use crate::bindings::exports::certhost::plugin::cmdlets::{
    CertificateObject, CmdletError, CustomObject, ErrorCategory, Property, Scalar, Value,
};
use crate::convert::cert_error;
use crate::host_api::HostApi;
use certhost_core::generate::{ExtendedKeyUsage, GenerateRequest, generate_self_signed};
use certhost_core::validate::{self, Finding, Identity, Role};

/// The store server certificates are kept in.
pub const SERVER_STORE: &str = "My";
/// The store intermediates that came with an upload go to.
pub const INTERMEDIATE_STORE: &str = "CA";

/// One certificate slot and how it is checked.
pub struct Slot {
    /// The host's slot name.
    pub name: &'static str,
    /// For messages: "the backup server certificate".
    pub title: &'static str,
    pub role: Role,
    /// Whether the certificate must name this server (the cloud gateway is reached by
    /// its public name instead).
    pub check_identity: bool,
    /// Friendly name of the certificate made on first use; `None`: no default.
    pub default_name: Option<&'static str>,
}

pub const BACKUP_SERVER: Slot = Slot {
    name: "BackupServer",
    title: "the backup server certificate",
    role: Role::RsaOnly,
    check_identity: true,
    default_name: Some("Backup Server Certificate"),
};

pub const CLOUD_GATEWAY: Slot = Slot {
    name: "CloudGateway",
    title: "the cloud gateway certificate",
    role: Role::RsaOnly,
    check_identity: false,
    default_name: None,
};

pub const EM_SERVER: Slot = Slot {
    name: "EnterpriseManagerServer",
    title: "the Enterprise Manager Server certificate",
    role: Role::RsaOnly,
    check_identity: true,
    default_name: Some("Enterprise Manager Server Certificate"),
};

pub const EM_WEB_UI: Slot = Slot {
    name: "EnterpriseManagerWebUI",
    title: "the Enterprise Manager Web UI certificate",
    role: Role::AnyKey,
    check_identity: true,
    default_name: Some("Enterprise Manager Web UI Certificate"),
};

/// Validity of generated server certificates when not given: one year, within the 366
/// days the Mozilla intermediate TLS profile allows (the originals make 10 years);
/// `certhost serve` renews automatically generated ones after two thirds of it.
pub const DEFAULT_SERVER_VALIDITY_DAYS: i64 = 365;

fn server_location() -> StoreLocation {
    StoreLocation {
        location: "LocalMachine".into(),
        store: SERVER_STORE.into(),
    }
}

pub fn warn(host: &dyn HostApi, text: &str) {
    host.message(MessageLevel::Warning, text);
}

fn identity(host: &dyn HostApi) -> Result<Identity, CmdletError> {
    let id = host.identity().map_err(|e| error::from_store(e, None))?;
    Ok(Identity {
        fqdn: id.fqdn,
        short_name: id.short_name,
        ip_addresses: id.ip_addresses,
    })
}

/// What to generate for the server: subject (default `CN=<fqdn>`), friendly name, days.
pub struct ServerCertificateRequest {
    pub subject: Option<String>,
    pub friendly_name: String,
    pub validity_days: i64,
}

/// A self-signed RSA 2048 certificate for this server: its FQDN, short name and
/// addresses in the subject alternative names; EKU server and client authentication.
pub fn generate_for_server(
    host: &dyn HostApi,
    r: &ServerCertificateRequest,
) -> Result<CertificateEntry, CmdletError> {
    if !(1..=36_500).contains(&r.validity_days) {
        return Err(error::invalid_argument(
            "InvalidValidity",
            format!(
                "{} days is not a validity period; give 1 to 36500 days",
                r.validity_days
            ),
        ));
    }
    let id = identity(host)?;
    let now = host.now();
    let mut request = GenerateRequest::server_default(now);
    request.not_after = now + r.validity_days * 86_400;
    // An explicit subject names a public endpoint (a cloud gateway): only that name goes
    // in the SAN, not the server's internal names and addresses.
    let mut names = Vec::new();
    match &r.subject {
        Some(subject) if !subject.contains('=') => names.push(subject.trim().to_string()),
        Some(_) => {}
        None => names.extend([id.fqdn.clone(), id.short_name.clone()]),
    }
    names.dedup();
    request.subject = Some(match &r.subject {
        Some(s) if s.contains('=') => s.clone(),
        Some(s) => format!("CN={}", s.trim()),
        None => format!("CN={}", id.fqdn),
    });
    request.dns_names = names;
    if r.subject.is_none() {
        request.ip_addresses = id.ip_addresses;
    }
    request.extended_key_usages = vec![ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth];
    let made = generate_self_signed(&request, host.primitives())
        .map_err(|e| error::from_cert(cert_error(e), None))?;
    Ok(CertificateEntry {
        certificate: made.certificate,
        private_key: Some(made.private_key),
        friendly_name: r.friendly_name.clone(),
        chain: Vec::new(),
    })
}

/// Stores a generated certificate in the server store and returns its object.
pub fn store_generated(
    host: &dyn HostApi,
    entry: CertificateEntry,
) -> Result<CertificateObject, CmdletError> {
    host.add_certificates(SERVER_STORE, std::slice::from_ref(&entry))
        .map_err(|e| error::from_store(e, None))?;
    certificate_object(
        entry.certificate,
        Some(&server_location()),
        true,
        entry.friendly_name,
    )
}

fn load(
    host: &dyn HostApi,
    store_name: &str,
    thumbprint: &str,
) -> Result<Option<CertificateObject>, CmdletError> {
    let Some(stored) = host
        .get_certificate(store_name, thumbprint)
        .map_err(|e| error::from_store(e, None))?
    else {
        return Ok(None);
    };
    let location = StoreLocation {
        location: "LocalMachine".into(),
        store: stored.store,
    };
    certificate_object(
        stored.entry.certificate,
        Some(&location),
        stored.entry.private_key.is_some(),
        stored.entry.friendly_name,
    )
    .map(Some)
}

/// The slot's certificate. On first use of a slot with a default, a self-signed one is
/// made and assigned (another process doing the same at once wins or loses cleanly).
pub fn current(host: &dyn HostApi, slot: &Slot) -> Result<Option<CertificateObject>, CmdletError> {
    if let Some(a) = host
        .get_slot(slot.name)
        .map_err(|e| error::from_store(e, None))?
    {
        return load(host, &a.store, &a.thumbprint);
    }
    let Some(default_name) = slot.default_name else {
        return Ok(None);
    };
    let entry = generate_for_server(
        host,
        &ServerCertificateRequest {
            subject: None,
            friendly_name: default_name.into(),
            validity_days: DEFAULT_SERVER_VALIDITY_DAYS,
        },
    )?;
    let plan = host
        .assign_certificate(&server::Assignment {
            slot: slot.name.into(),
            store: SERVER_STORE.into(),
            entry,
            automatically_generated: true,
            only_if_unset: true,
        })
        .map_err(|e| error::from_store(e, None))?;
    let store_name = host
        .get_slot(slot.name)
        .map_err(|e| error::from_store(e, None))?
        .map(|a| a.store)
        .unwrap_or_else(|| SERVER_STORE.into());
    load(host, &store_name, &plan.thumbprint)
}

/// The certificates in the server store that have a private key (the eligible ones).
pub fn eligible_in_store(host: &dyn HostApi) -> Result<Vec<CertificateObject>, CmdletError> {
    let location = server_location();
    host.list_certificates(SERVER_STORE)
        .map_err(|e| error::from_store(e, None))?
        .into_iter()
        .filter(|c| c.entry.private_key.is_some())
        .map(|c| {
            certificate_object(
                c.entry.certificate,
                Some(&location),
                true,
                c.entry.friendly_name,
            )
        })
        .collect()
}

/// The checks of a certificate for a slot.
pub fn findings(
    host: &dyn HostApi,
    slot: &Slot,
    info: &certhost_core::inspect::CertificateInfo,
    has_private_key: bool,
) -> Result<Vec<Finding>, CmdletError> {
    let id = if slot.check_identity {
        identity(host)?
    } else {
        Identity::default()
    };
    let mut findings =
        validate::check_server_certificate(info, has_private_key, host.now(), &id, slot.role);
    if !slot.check_identity {
        findings.retain(|f| f.check != "ServerIdentity");
    }
    Ok(findings)
}

/// A finding as a pipeline object: `Check, Status, Reason`.
pub fn finding_object(f: &Finding) -> Value {
    let text = |s: &str| Scalar::Text(s.to_string());
    Value::Object(CustomObject {
        type_name: "CertificateFinding".into(),
        properties: vec![
            Property {
                name: "Check".into(),
                value: text(f.check),
            },
            Property {
                name: "Status".into(),
                value: text(f.status.name()),
            },
            Property {
                name: "Reason".into(),
                value: text(&f.reason),
            },
        ],
    })
}

/// How an assignment runs.
pub struct AssignOptions {
    /// Accept failures that can be overridden (ECC key, identity, EKU).
    pub force: bool,
    /// Describe the plan, change nothing.
    pub what_if: bool,
    pub automatically_generated: bool,
}

/// Validates `entry` for the slot, then assigns it in one host transaction that also
/// re-points the bindings that served the old certificate. Returns the certificate as
/// now stored, or `None` for -WhatIf.
pub fn assign(
    host: &dyn HostApi,
    slot: &Slot,
    entry: CertificateEntry,
    options: &AssignOptions,
) -> Result<Option<CertificateObject>, CmdletError> {
    let info = certhost_core::inspect::inspect(&entry.certificate)
        .map_err(|e| error::from_cert(cert_error(e), None))?;
    let has_key = entry.private_key.is_some();
    let findings = findings(host, slot, &info, has_key)?;
    let blocking = validate::blocking(&findings, options.force);
    if !blocking.is_empty() {
        let reasons: Vec<String> = blocking
            .iter()
            .map(|f| format!("{}: {}", f.check, f.reason))
            .collect();
        let hint = if blocking.iter().all(|f| f.overridable) {
            " (use -Force to accept this if every client supports it)"
        } else {
            ""
        };
        return Err(error::new(
            ErrorCategory::InvalidOperation,
            "CertificateValidationFailed",
            format!(
                "certificate {} cannot be {}: {}{hint}. Nothing was changed; Test-BackupServerCertificate lists every check",
                info.thumbprint,
                slot.title,
                reasons.join("; ")
            ),
            Some(&info.thumbprint),
        ));
    }
    for f in &findings {
        if f.status != validate::Status::Pass {
            warn(host, &format!("{}: {}", f.check, f.reason));
        }
    }
    let thumbprint = info.thumbprint.clone();
    if options.what_if {
        let plan = host
            .plan_assignment(slot.name, &thumbprint)
            .map_err(|e| error::from_store(e, None))?;
        let what_if = |t: String| host.message(MessageLevel::WhatIf, &t);
        match &plan.previous {
            Some(p) if *p == thumbprint => what_if(format!(
                "{} is already {} ({}); nothing would change.",
                info.subject, slot.title, thumbprint
            )),
            Some(p) => what_if(format!(
                "Replace {} {} with {} ({}) in one transaction.",
                slot.title, p, info.subject, thumbprint
            )),
            None => what_if(format!(
                "Make {} ({}) {}.",
                info.subject, thumbprint, slot.title
            )),
        }
        for endpoint in &plan.rebound_endpoints {
            what_if(format!(
                "Re-point binding {endpoint} to {thumbprint} (no moment without a certificate)."
            ));
        }
        for peer in &plan.pinned_by {
            what_if(format!(
                "Announce the new key to trusted peer {peer}, signed by the current key, before the switch."
            ));
        }
        return Ok(None);
    }
    let store_name = SERVER_STORE.to_string();
    let intermediates = entry.chain.clone();
    let plan = host
        .assign_certificate(&server::Assignment {
            slot: slot.name.into(),
            store: store_name.clone(),
            entry,
            automatically_generated: options.automatically_generated,
            only_if_unset: false,
        })
        .map_err(|e| error::from_store(e, Some(&thumbprint)))?;
    for endpoint in &plan.rebound_endpoints {
        host.message(
            MessageLevel::Verbose,
            &format!("binding {endpoint} now serves {thumbprint}"),
        );
    }
    // The chain is stored with the certificate; a copy in the CA store makes the
    // intermediates available to chain building (Test-Certificate) as on Windows.
    store_intermediates(host, &intermediates)?;
    load(host, &store_name, &thumbprint)
}

/// The entry to assign for a certificate object: the stored entry, or, for one read from
/// a file, the certificate with the key it carries (`assign` then stores it in the same
/// transaction as the assignment). One in no store without a key gets the hint it needs.
pub fn entry_for(
    host: &dyn HostApi,
    cert: &CertificateObject,
) -> Result<CertificateEntry, CmdletError> {
    if cert.store.is_none() && cert.key_material.is_none() {
        return Err(error::new(
            ErrorCategory::InvalidArgument,
            "CertificateNotInStore",
            format!(
                "certificate {} is not in a store and carries no private key; read it from its PFX with the key (Get-BackupServerCertificate -Path <file> -Password <password>), import it first (Import-PfxCertificate), or give -CertificatePath and -PrivateKeyPath",
                cert.info.thumbprint
            ),
            Some(&cert.info.thumbprint),
        ));
    }
    super::objects::load_entry(host, cert)
}

/// Keeps an upload's intermediates in the CA store too (they stay the leaf's chain).
fn store_intermediates(host: &dyn HostApi, chain: &[Vec<u8>]) -> Result<(), CmdletError> {
    if chain.is_empty() {
        return Ok(());
    }
    let entries: Vec<CertificateEntry> = chain
        .iter()
        .map(|der| CertificateEntry {
            certificate: der.clone(),
            private_key: None,
            friendly_name: String::new(),
            chain: Vec::new(),
        })
        .collect();
    host.add_certificates(INTERMEDIATE_STORE, &entries)
        .map(|_| ())
        .map_err(|e| error::from_store(e, None))
}

/// A certificate with key from files the user gave.
pub fn keyed_entry(
    k: certhost_core::bundle::KeyedCertificate,
    friendly_name: Option<String>,
) -> CertificateEntry {
    CertificateEntry {
        certificate: k.certificate,
        private_key: Some(k.private_key),
        friendly_name: friendly_name.or(k.friendly_name).unwrap_or_default(),
        chain: k.chain,
    }
}
