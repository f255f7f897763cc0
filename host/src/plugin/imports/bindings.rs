//! `bindings`: the ip:port and SNI TLS bindings; every call needs `Bindings`.

use super::super::bindings::certhost::plugin::{bindings, types};
use super::super::state::HostState;
use super::{binding_error, store_denied, store_error};
use crate::store::{Binding, any_endpoint};

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

/// The endpoint in the one spelling bindings are kept in (`0.0.0.0:08450` is
/// `0.0.0.0:8450`); a text that is no endpoint is passed on as it is.
fn canonical(endpoint: String) -> String {
    any_endpoint(&endpoint).map(|e| e.text).unwrap_or(endpoint)
}

fn from_wit(b: bindings::SslBinding) -> Binding {
    Binding {
        endpoint: canonical(b.endpoint),
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
            .get_binding(&canonical(endpoint))
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
            .remove_binding(&canonical(endpoint))
            .map_err(binding_error)
    }
}
