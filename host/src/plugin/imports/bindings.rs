//! `bindings`: the ip:port and SNI TLS bindings; every call needs `Bindings`.

use super::super::bindings::certhost::plugin::{bindings, types};
use super::super::state::HostState;
use super::{binding_error, store_denied, store_error};
use crate::store::Binding;

fn to_wit(b: Binding) -> bindings::SslBinding {
    bindings::SslBinding {
        endpoint: b.endpoint,
        sni: b.sni,
        certificate_hash: b.certificate_hash,
        app_id: b.app_id,
        store_name: b.store_name,
        client_certificate_negotiation: b.client_certificate_negotiation,
        verify_client_certificate_revocation: b.verify_client_certificate_revocation,
    }
}

fn from_wit(b: bindings::SslBinding) -> Binding {
    Binding {
        endpoint: b.endpoint,
        sni: b.sni,
        certificate_hash: b.certificate_hash.to_ascii_uppercase(),
        app_id: b.app_id,
        store_name: b.store_name,
        client_certificate_negotiation: b.client_certificate_negotiation,
        verify_client_certificate_revocation: b.verify_client_certificate_revocation,
    }
}

impl bindings::Host for HostState {
    fn list_bindings(&mut self) -> Result<Vec<bindings::SslBinding>, types::StoreError> {
        self.gate.bindings().map_err(store_denied)?;
        Ok(self
            .database()
            .list_bindings()
            .map_err(store_error)?
            .into_iter()
            .map(to_wit)
            .collect())
    }

    fn get_binding(
        &mut self,
        endpoint: String,
    ) -> Result<Option<bindings::SslBinding>, types::StoreError> {
        self.gate.bindings().map_err(store_denied)?;
        Ok(self
            .database()
            .get_binding(&endpoint)
            .map_err(store_error)?
            .map(to_wit))
    }

    fn add_binding(&mut self, binding: bindings::SslBinding) -> Result<(), types::StoreError> {
        self.gate.bindings().map_err(store_denied)?;
        self.database()
            .add_binding(&from_wit(binding))
            .map_err(binding_error)
    }

    fn update_binding(&mut self, binding: bindings::SslBinding) -> Result<(), types::StoreError> {
        self.gate.bindings().map_err(store_denied)?;
        self.database()
            .update_binding(&from_wit(binding))
            .map_err(binding_error)
    }

    fn remove_binding(&mut self, endpoint: String) -> Result<(), types::StoreError> {
        self.gate.bindings().map_err(store_denied)?;
        self.database()
            .remove_binding(&endpoint)
            .map_err(binding_error)
    }
}
