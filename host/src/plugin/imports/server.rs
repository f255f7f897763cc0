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
        self.database()
            .assign_certificate(&Assignment {
                slot,
                store: &request.store,
                entry: &entry,
                automatically_generated: request.automatically_generated,
                only_if_unset: request.only_if_unset,
                default_binding,
            })
            .map(plan_to_wit)
            .map_err(slot_error)
    }
}
