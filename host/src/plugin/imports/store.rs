//! `store`: certificates in the named stores. Reads need `StoreRead` and return private
//! keys only with `PrivateKeys`; writes need `StoreWrite`.

use super::super::bindings::certhost::plugin::{store, types};
use super::super::state::{HostState, Message};
use super::{store_denied, store_error};
use crate::store::NewEntry;
use crate::thumbprint::{Accepted, normalize};

/// A certificate the component hands over, as the store adds it.
impl From<types::CertificateEntry> for NewEntry {
    fn from(e: types::CertificateEntry) -> Self {
        NewEntry {
            certificate: e.certificate,
            private_key: e.private_key,
            friendly_name: e.friendly_name,
            chain: e.chain,
        }
    }
}

fn to_wit(c: crate::store::StoredCertificate, with_key: bool) -> store::StoredCertificate {
    store::StoredCertificate {
        store: c.store,
        thumbprint: c.thumbprint,
        entry: types::CertificateEntry {
            certificate: c.certificate,
            private_key: if with_key { c.private_key } else { None },
            friendly_name: c.friendly_name,
            chain: c.chain,
        },
    }
}

impl HostState {
    /// A thumbprint a component passed (perhaps as its user pasted it), normalized; the
    /// warning goes to the user when spaces or invisible characters were removed. One
    /// that is not a thumbprint is `not-found`, with a message that shows why.
    fn normalized_thumbprint(&self, text: &str) -> Result<String, types::StoreError> {
        let normalized = normalize(text, Accepted::Sha1)
            .map_err(|e| types::StoreError::NotFound(e.to_string()))?;
        if let Some(warning) = normalized.warning() {
            self.services
                .messages
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Message::Warning(warning));
        }
        Ok(normalized.value)
    }
}

impl store::Host for HostState {
    fn list_certificates(
        &mut self,
        store: String,
    ) -> Result<Vec<store::StoredCertificate>, types::StoreError> {
        let with_key = self.gate.store_read(&store).map_err(store_denied)?;
        // Keys are opened (the root key read) only for a component granted them.
        let list = if with_key {
            self.database().list_certificates(&store)
        } else {
            self.database().list_certificates_without_keys(&store)
        }
        .map_err(store_error)?;
        Ok(list.into_iter().map(|c| to_wit(c, with_key)).collect())
    }

    fn get_certificate(
        &mut self,
        store: String,
        thumbprint: String,
    ) -> Result<Option<store::StoredCertificate>, types::StoreError> {
        let with_key = self.gate.store_read(&store).map_err(store_denied)?;
        let thumbprint = self.normalized_thumbprint(&thumbprint)?;
        let found = if with_key {
            self.database().get_certificate(&store, &thumbprint)
        } else {
            self.database()
                .get_certificate_without_key(&store, &thumbprint)
        };
        Ok(found.map_err(store_error)?.map(|c| to_wit(c, with_key)))
    }

    fn add_certificates(
        &mut self,
        store: String,
        entries: Vec<types::CertificateEntry>,
    ) -> Result<Vec<String>, types::StoreError> {
        self.gate.store_write(&store).map_err(store_denied)?;
        let entries: Vec<NewEntry> = entries.into_iter().map(NewEntry::from).collect();
        self.database()
            .add_certificates(&store, &entries)
            .map_err(store_error)
    }

    fn accept_request(
        &mut self,
        request_store: String,
        request_thumbprint: String,
        store: String,
        entry: types::CertificateEntry,
    ) -> Result<String, types::StoreError> {
        self.gate
            .store_write(&request_store)
            .map_err(store_denied)?;
        self.gate.store_write(&store).map_err(store_denied)?;
        let request_thumbprint = self.normalized_thumbprint(&request_thumbprint)?;
        self.database()
            .accept_request(
                &request_store,
                &request_thumbprint,
                &store,
                &NewEntry::from(entry),
            )
            .map_err(store_error)
    }

    fn remove_certificate(
        &mut self,
        store: String,
        thumbprint: String,
        _delete_key: bool,
    ) -> Result<bool, types::StoreError> {
        self.gate.store_write(&store).map_err(store_denied)?;
        let thumbprint = self.normalized_thumbprint(&thumbprint)?;
        self.database()
            .remove_certificate(&store, &thumbprint)
            .map_err(store_error)
    }
}
