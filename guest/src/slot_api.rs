//! The typed `slots` export: the slot cmdlets' validation and atomic assignment as
//! plain calls for hosts that are not a shell (the REST API). No files, no cmdlet names.

use crate::bindings::certhost::plugin::types::CmdletError;
use crate::bindings::exports::certhost::plugin::cmdlets::CertificateObject;
use crate::bindings::exports::certhost::plugin::slots::{AssignOptions, Guest, SlotCertificate};
use crate::cmdlets::error;
use crate::cmdlets::slots::{self, Slot};
use crate::convert::cert_error;
use crate::host_api::{HostApi, Wit};
use certhost_core::bundle::KeyedCertificate;

/// The component's host, for the export's calls.
const HOST: &dyn HostApi = &Wit;

/// Every slot by its host name.
const SLOTS: [&Slot; 4] = [
    &slots::BACKUP_SERVER,
    &slots::CLOUD_GATEWAY,
    &slots::EM_SERVER,
    &slots::EM_WEB_UI,
];

fn slot(name: &str) -> Result<&'static Slot, CmdletError> {
    SLOTS
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
        .copied()
        .ok_or_else(|| {
            error::invalid_argument(
                "UnknownSlot",
                format!(
                    "'{name}' is not a certificate slot; use BackupServer, CloudGateway, EnterpriseManagerServer or EnterpriseManagerWebUI"
                ),
            )
        })
}

fn options(o: &AssignOptions, automatically_generated: bool) -> slots::AssignOptions {
    slots::AssignOptions {
        force: o.force,
        what_if: o.what_if,
        automatically_generated,
    }
}

fn slot_certificate(c: CertificateObject) -> SlotCertificate {
    SlotCertificate {
        store: c.store.unwrap_or_else(|| slots::SERVER_STORE.into()),
        thumbprint: c.info.thumbprint,
        certificate: c.der,
    }
}

fn assigned(
    result: Result<Option<CertificateObject>, CmdletError>,
) -> Result<Option<SlotCertificate>, CmdletError> {
    result.map(|c| c.map(slot_certificate))
}

/// Validates and assigns a certificate with its key read from uploaded bytes.
fn assign_keyed(
    slot: &Slot,
    keyed: Result<KeyedCertificate, certhost_core::CertError>,
    o: &AssignOptions,
) -> Result<Option<SlotCertificate>, CmdletError> {
    let keyed = keyed.map_err(|e| error::from_cert(cert_error(e), None))?;
    assigned(slots::assign(
        HOST,
        slot,
        slots::keyed_entry(keyed, None),
        &options(o, false),
    ))
}

impl Guest for crate::Component {
    fn current(name: String) -> Result<Option<SlotCertificate>, CmdletError> {
        let host = HOST;
        assigned(slots::current(host, slot(&name)?))
    }

    fn assign_stored(
        name: String,
        store_name: String,
        thumbprint: String,
        o: AssignOptions,
    ) -> Result<Option<SlotCertificate>, CmdletError> {
        let host = HOST;
        let slot = slot(&name)?;
        let stored = host
            .get_certificate(&store_name, &thumbprint)
            .map_err(|e| error::from_store(e, Some(&thumbprint)))?
            .ok_or_else(|| {
                error::new(
                    crate::bindings::certhost::plugin::types::ErrorCategory::ObjectNotFound,
                    "CertificateNotInStore",
                    format!("certificate {thumbprint} is not in store {store_name}"),
                    Some(&thumbprint),
                )
            })?;
        assigned(slots::assign(host, slot, stored.entry, &options(&o, false)))
    }

    fn assign_upload(
        name: String,
        data: Vec<u8>,
        password: String,
        o: AssignOptions,
    ) -> Result<Option<SlotCertificate>, CmdletError> {
        let slot = slot(&name)?;
        assign_keyed(
            slot,
            certhost_core::bundle::from_upload(&data, &password, HOST.primitives()),
            &o,
        )
    }

    fn assign_pem(
        name: String,
        certificate: Vec<u8>,
        private_key: Vec<u8>,
        password: Option<String>,
        o: AssignOptions,
    ) -> Result<Option<SlotCertificate>, CmdletError> {
        let slot = slot(&name)?;
        assign_keyed(
            slot,
            certhost_core::bundle::from_files(
                &certificate,
                &private_key,
                password.as_deref(),
                HOST.primitives(),
            ),
            &o,
        )
    }

    fn generate(
        name: String,
        friendly_name: String,
        days: u32,
        o: AssignOptions,
    ) -> Result<Option<SlotCertificate>, CmdletError> {
        let host = HOST;
        let slot = slot(&name)?;
        let entry = slots::generate_for_server(
            host,
            &slots::ServerCertificateRequest {
                subject: None,
                friendly_name,
                validity_days: i64::from(days),
            },
        )?;
        assigned(slots::assign(host, slot, entry, &options(&o, true)))
    }
}
