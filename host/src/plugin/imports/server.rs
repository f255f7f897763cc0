//! `server`: the identity and the certificate slots; every call needs `Server`.

use super::super::bindings::certhost::plugin::{server, types};
use super::super::state::HostState;
use super::{binding_error, store_denied, store_error};
use crate::store::{
    Assignment, AssignmentPlan, BACKUP_SERVER_SLOT, Binding, NewEntry, REST_API_APP_ID, SlotError,
    canonical_slot,
};

/// The endpoint the backup server's REST API is bound to after installation.
pub const REST_API_ENDPOINT: &str = "0.0.0.0:9419";

fn slot_error(e: SlotError) -> types::StoreError {
    match e {
        SlotError::UnknownSlot(_) => types::StoreError::NotFound(e.to_string()),
        SlotError::Binding(b) => binding_error(b),
    }
}

fn plan_to_wit(p: AssignmentPlan) -> server::AssignmentPlan {
    server::AssignmentPlan {
        previous: p.previous,
        thumbprint: p.thumbprint,
        rebound_endpoints: p.rebound_endpoints,
        pinned_by: p.pinned_by,
        assigned: p.assigned,
    }
}

/// Where the first backup server certificate is bound: `$CERTHOST_REST_ENDPOINT` when it
/// is a valid ip:port, else the originals' `0.0.0.0:9419`.
pub fn rest_endpoint() -> String {
    std::env::var("CERTHOST_REST_ENDPOINT")
        .ok()
        .filter(|e| e.parse::<std::net::SocketAddr>().is_ok())
        .unwrap_or_else(|| REST_API_ENDPOINT.into())
}

/// The REST API binding made on first use of the backup server slot.
pub fn default_rest_binding() -> Binding {
    Binding {
        endpoint: rest_endpoint(),
        sni: false,
        certificate_hash: String::new(),
        app_id: REST_API_APP_ID.into(),
        store_name: "MY".into(),
        client_certificate_negotiation: false,
        verify_client_certificate_revocation: true,
    }
}

impl server::Host for HostState {
    fn identity(&mut self) -> Result<server::ServerIdentity, types::StoreError> {
        self.gate.server().map_err(store_denied)?;
        let id = crate::identity::server_identity(&self.database()).map_err(store_error)?;
        Ok(server::ServerIdentity {
            fqdn: id.fqdn,
            short_name: id.short_name,
            ip_addresses: id.ip_addresses,
        })
    }

    fn get_slot(
        &mut self,
        slot: String,
    ) -> Result<Option<server::SlotAssignment>, types::StoreError> {
        self.gate.server().map_err(store_denied)?;
        Ok(self
            .database()
            .get_slot(&slot)
            .map_err(slot_error)?
            .map(|s| server::SlotAssignment {
                store: s.store,
                thumbprint: s.thumbprint,
                automatically_generated: s.automatically_generated,
                assigned_at: s.assigned_at,
            }))
    }

    fn plan_assignment(
        &mut self,
        slot: String,
        thumbprint: String,
    ) -> Result<server::AssignmentPlan, types::StoreError> {
        self.gate.server().map_err(store_denied)?;
        self.database()
            .plan_assignment(&slot, &thumbprint)
            .map(plan_to_wit)
            .map_err(slot_error)
    }

    fn assign_certificate(
        &mut self,
        request: server::Assignment,
    ) -> Result<server::AssignmentPlan, types::StoreError> {
        self.gate.server().map_err(store_denied)?;
        let slot = canonical_slot(&request.slot).map_err(slot_error)?;
        let entry = NewEntry {
            certificate: request.entry.certificate,
            private_key: request.entry.private_key,
            friendly_name: request.entry.friendly_name,
            chain: request.entry.chain,
        };
        let default_binding = (slot == BACKUP_SERVER_SLOT).then(default_rest_binding);
        let services = self.services.clone();
        let mut db = services.database();
        // The backup server certificate identifies this server to its trusted peers:
        // each is told of the new key, signed by the current one, before the switch.
        let announcing = crate::appliance::calls::identifies_server(slot)
            && !(request.only_if_unset && db.get_slot(slot).map_err(slot_error)?.is_some());
        let notified = if announcing {
            let notified = crate::appliance::calls::announce_switch(&mut db, &entry.certificate);
            report_announcement(&services, &notified);
            notified.ok()
        } else {
            None
        };
        let plan = db
            .assign_certificate(&Assignment {
                slot,
                store: &request.store,
                entry: &entry,
                automatically_generated: request.automatically_generated,
                only_if_unset: request.only_if_unset,
                default_binding,
            })
            .map_err(slot_error)?;
        if plan.assigned && notified.is_some_and(|n| !n.reached.is_empty()) {
            crate::appliance::calls::confirm_switch(&mut db);
        }
        Ok(plan_to_wit(plan))
    }
}

/// Tells the user which peers heard of the new key before the switch, and which will
/// catch up on their next contact.
fn report_announcement(
    services: &crate::plugin::Services,
    notified: &Result<crate::appliance::calls::Notified, crate::appliance::ApplianceError>,
) {
    use super::super::state::Message;
    let mut lines = Vec::new();
    match notified {
        Ok(n) => {
            lines.extend(n.reached.iter().map(|name| {
                Message::Verbose(format!("announced the new key to trusted peer {name}"))
            }));
            lines.extend(n.missed.iter().map(|(name, reason)| {
                Message::Warning(format!(
                    "trusted peer {name} was not told of the new key before the switch ({reason}); it catches up on its next contact with this server"
                ))
            }));
        }
        Err(e) => lines.push(Message::Warning(format!(
            "the new key could not be announced to the trusted peers: {e}. They will refuse this server until they trust it again: run Invoke-CertificateExchange with each"
        ))),
    }
    services
        .messages
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(lines);
}
