//! An in-memory host for the cmdlets' unit tests: stores, files, slots and messages in
//! memory, a fixed clock, software primitives, and switches that refuse a capability
//! the way a host without the grant does.

use crate::bindings::certhost::plugin::host::MessageLevel;
use crate::bindings::certhost::plugin::server::{
    Assignment, AssignmentPlan, ServerIdentity, SlotAssignment,
};
use crate::bindings::certhost::plugin::store::StoredCertificate;
use crate::bindings::certhost::plugin::types::{CertificateEntry, Denied, FileError, StoreError};
use crate::host_api::HostApi;
use certhost_primitives::{Primitives, Software};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};

/// 2026-12-01T00:00:00Z.
pub const NOW: i64 = 1_796_083_200;

#[derive(Default)]
pub struct FakeHost {
    /// Store name (lowercase) → entries, oldest first.
    pub stores: RefCell<BTreeMap<String, Vec<StoredCertificate>>>,
    pub files: RefCell<HashMap<String, Vec<u8>>>,
    pub slots: RefCell<HashMap<String, SlotAssignment>>,
    pub messages: RefCell<Vec<(String, String)>>,
    /// Refuse every store call as a host without `StoreRead`/`StoreWrite` does.
    pub deny_store: Cell<bool>,
}

fn denied(capability: &str) -> Denied {
    Denied {
        capability: capability.into(),
        message: format!("permission denied: not granted {capability}"),
    }
}

fn thumbprint(der: &[u8]) -> String {
    certhost_core::inspect::inspect(der)
        .map(|i| i.thumbprint)
        .unwrap_or_else(|_| "UNPARSABLE".into())
}

impl FakeHost {
    pub fn new() -> Self {
        FakeHost::default()
    }

    /// The entries of a store.
    pub fn store(&self, name: &str) -> Vec<StoredCertificate> {
        self.stores
            .borrow()
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default()
    }

    fn check_store(&self) -> Result<(), StoreError> {
        if self.deny_store.get() {
            Err(StoreError::PermissionDenied(denied("StoreRead")))
        } else {
            Ok(())
        }
    }
}

impl HostApi for FakeHost {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FileError> {
        self.files
            .borrow()
            .get(path)
            .cloned()
            .ok_or_else(|| FileError::NotFound(format!("cannot read '{path}': no such file")))
    }

    fn write_file(&self, path: &str, contents: &[u8], _secret: bool) -> Result<(), FileError> {
        self.files
            .borrow_mut()
            .insert(path.into(), contents.to_vec());
        Ok(())
    }

    fn list_certificates(&self, store: &str) -> Result<Vec<StoredCertificate>, StoreError> {
        self.check_store()?;
        Ok(self.store(store))
    }

    fn get_certificate(
        &self,
        store: &str,
        thumbprint: &str,
    ) -> Result<Option<StoredCertificate>, StoreError> {
        self.check_store()?;
        Ok(self
            .store(store)
            .into_iter()
            .find(|c| c.thumbprint.eq_ignore_ascii_case(thumbprint)))
    }

    fn add_certificates(
        &self,
        store: &str,
        entries: &[CertificateEntry],
    ) -> Result<Vec<String>, StoreError> {
        self.check_store()?;
        let mut stores = self.stores.borrow_mut();
        let list = stores.entry(store.to_ascii_lowercase()).or_default();
        let mut added = Vec::new();
        for entry in entries {
            let t = thumbprint(&entry.certificate);
            match list.iter_mut().find(|c| c.thumbprint == t) {
                Some(existing) => {
                    if entry.private_key.is_some() {
                        existing.entry.private_key = entry.private_key.clone();
                    }
                    if !entry.friendly_name.is_empty() {
                        existing.entry.friendly_name = entry.friendly_name.clone();
                    }
                }
                None => list.push(StoredCertificate {
                    store: store.into(),
                    thumbprint: t.clone(),
                    entry: entry.clone(),
                }),
            }
            added.push(t);
        }
        Ok(added)
    }

    fn remove_certificate(&self, store: &str, thumbprint: &str) -> Result<bool, StoreError> {
        self.check_store()?;
        let mut stores = self.stores.borrow_mut();
        let Some(list) = stores.get_mut(&store.to_ascii_lowercase()) else {
            return Ok(false);
        };
        let before = list.len();
        list.retain(|c| !c.thumbprint.eq_ignore_ascii_case(thumbprint));
        Ok(list.len() < before)
    }

    fn accept_request(
        &self,
        request_store: &str,
        request_thumbprint: &str,
        store: &str,
        entry: &CertificateEntry,
    ) -> Result<String, StoreError> {
        self.check_store()?;
        let not_found = || StoreError::NotFound(format!("no pending request {request_thumbprint}"));
        let request = self
            .store(request_store)
            .into_iter()
            .find(|c| c.thumbprint.eq_ignore_ascii_case(request_thumbprint))
            .ok_or_else(not_found)?;
        let key = request.entry.private_key.clone().ok_or_else(not_found)?;
        let same_key = certhost_core::inspect::public_key_info(&request.entry.certificate).ok()
            == certhost_core::inspect::public_key_info(&entry.certificate).ok();
        if !same_key {
            return Err(StoreError::NotFound(
                "the certificate is not for that request's key".into(),
            ));
        }
        let issued = CertificateEntry {
            private_key: Some(key),
            ..entry.clone()
        };
        let added = self.add_certificates(store, &[issued])?;
        if let Some(list) = self
            .stores
            .borrow_mut()
            .get_mut(&request_store.to_ascii_lowercase())
        {
            list.retain(|c| !c.thumbprint.eq_ignore_ascii_case(request_thumbprint));
        }
        added.into_iter().next().ok_or_else(not_found)
    }

    fn identity(&self) -> Result<ServerIdentity, StoreError> {
        Ok(ServerIdentity {
            fqdn: "backup01.tech.local".into(),
            short_name: "backup01".into(),
            ip_addresses: vec!["192.0.2.10".into()],
        })
    }

    fn get_slot(&self, slot: &str) -> Result<Option<SlotAssignment>, StoreError> {
        Ok(self.slots.borrow().get(slot).cloned())
    }

    fn plan_assignment(&self, slot: &str, thumbprint: &str) -> Result<AssignmentPlan, StoreError> {
        Ok(AssignmentPlan {
            previous: self.slots.borrow().get(slot).map(|a| a.thumbprint.clone()),
            thumbprint: thumbprint.into(),
            rebound_endpoints: Vec::new(),
            pinned_by: Vec::new(),
            assigned: false,
        })
    }

    fn assign_certificate(&self, request: &Assignment) -> Result<AssignmentPlan, StoreError> {
        let previous = self
            .slots
            .borrow()
            .get(&request.slot)
            .map(|a| a.thumbprint.clone());
        if request.only_if_unset
            && let Some(p) = &previous
        {
            return Ok(AssignmentPlan {
                previous: previous.clone(),
                thumbprint: p.clone(),
                rebound_endpoints: Vec::new(),
                pinned_by: Vec::new(),
                assigned: false,
            });
        }
        let t = self
            .add_certificates(&request.store, std::slice::from_ref(&request.entry))?
            .remove(0);
        self.slots.borrow_mut().insert(
            request.slot.clone(),
            SlotAssignment {
                store: request.store.clone(),
                thumbprint: t.clone(),
                automatically_generated: request.automatically_generated,
                assigned_at: NOW,
            },
        );
        Ok(AssignmentPlan {
            previous,
            thumbprint: t,
            rebound_endpoints: Vec::new(),
            pinned_by: Vec::new(),
            assigned: true,
        })
    }

    fn now(&self) -> i64 {
        NOW
    }

    fn message(&self, level: MessageLevel, text: &str) {
        let level = match level {
            MessageLevel::Warning => "Warning",
            MessageLevel::Verbose => "Verbose",
            MessageLevel::WhatIf => "WhatIf",
        };
        self.messages.borrow_mut().push((level.into(), text.into()));
    }

    fn primitives(&self) -> &dyn Primitives {
        &Software
    }
}
