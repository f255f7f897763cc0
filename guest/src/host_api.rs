//! What the cmdlets ask of their host, as a trait: the WIT imports in the component
//! ([`Wit`]), an in-memory host in unit tests (`FakeHost`, in `fake_host.rs`), so every
//! cmdlet runs natively in tests without wasm.

use crate::bindings::certhost::plugin::host::MessageLevel;
use crate::bindings::certhost::plugin::server::{
    Assignment, AssignmentPlan, ServerIdentity, SlotAssignment,
};
use crate::bindings::certhost::plugin::store::StoredCertificate;
use crate::bindings::certhost::plugin::types::{CertificateEntry, FileError, StoreError};
use crate::bindings::certhost::plugin::{files, host, server, store};
use crate::host_primitives::HostPrimitives;
use certhost_primitives::Primitives;

/// The host services a cmdlet uses.
pub trait HostApi {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FileError>;
    fn write_file(&self, path: &str, contents: &[u8], secret: bool) -> Result<(), FileError>;
    fn list_certificates(&self, store: &str) -> Result<Vec<StoredCertificate>, StoreError>;
    fn get_certificate(
        &self,
        store: &str,
        thumbprint: &str,
    ) -> Result<Option<StoredCertificate>, StoreError>;
    fn add_certificates(
        &self,
        store: &str,
        entries: &[CertificateEntry],
    ) -> Result<Vec<String>, StoreError>;
    /// Removes a certificate with its key; whether it existed.
    fn remove_certificate(&self, store: &str, thumbprint: &str) -> Result<bool, StoreError>;
    /// Pairs `entry` with the key of a pending request, in one host transaction.
    fn accept_request(
        &self,
        request_store: &str,
        request_thumbprint: &str,
        store: &str,
        entry: &CertificateEntry,
    ) -> Result<String, StoreError>;
    fn identity(&self) -> Result<ServerIdentity, StoreError>;
    fn get_slot(&self, slot: &str) -> Result<Option<SlotAssignment>, StoreError>;
    fn plan_assignment(&self, slot: &str, thumbprint: &str) -> Result<AssignmentPlan, StoreError>;
    fn assign_certificate(&self, request: &Assignment) -> Result<AssignmentPlan, StoreError>;
    /// Unix seconds.
    fn now(&self) -> i64;
    /// Shows a message; a host that refuses it (no `Messages` grant) drops it.
    fn message(&self, level: MessageLevel, text: &str);
    /// Key derivation and RSA key generation.
    fn primitives(&self) -> &dyn Primitives;
}

/// The component's host: the WIT imports.
pub struct Wit;

impl HostApi for Wit {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FileError> {
        files::read_file(path)
    }
    fn write_file(&self, path: &str, contents: &[u8], secret: bool) -> Result<(), FileError> {
        files::write_file(path, contents, secret)
    }
    fn list_certificates(&self, store: &str) -> Result<Vec<StoredCertificate>, StoreError> {
        store::list_certificates(store)
    }
    fn get_certificate(
        &self,
        store: &str,
        thumbprint: &str,
    ) -> Result<Option<StoredCertificate>, StoreError> {
        store::get_certificate(store, thumbprint)
    }
    fn add_certificates(
        &self,
        store: &str,
        entries: &[CertificateEntry],
    ) -> Result<Vec<String>, StoreError> {
        store::add_certificates(store, entries)
    }
    fn remove_certificate(&self, store: &str, thumbprint: &str) -> Result<bool, StoreError> {
        store::remove_certificate(store, thumbprint, true)
    }
    fn accept_request(
        &self,
        request_store: &str,
        request_thumbprint: &str,
        store: &str,
        entry: &CertificateEntry,
    ) -> Result<String, StoreError> {
        store::accept_request(request_store, request_thumbprint, store, entry)
    }
    fn identity(&self) -> Result<ServerIdentity, StoreError> {
        server::identity()
    }
    fn get_slot(&self, slot: &str) -> Result<Option<SlotAssignment>, StoreError> {
        server::get_slot(slot)
    }
    fn plan_assignment(&self, slot: &str, thumbprint: &str) -> Result<AssignmentPlan, StoreError> {
        server::plan_assignment(slot, thumbprint)
    }
    fn assign_certificate(&self, request: &Assignment) -> Result<AssignmentPlan, StoreError> {
        server::assign_certificate(request)
    }
    fn now(&self) -> i64 {
        host::now()
    }
    fn message(&self, level: MessageLevel, text: &str) {
        let _ = host::write_message(level, text);
    }
    fn primitives(&self) -> &dyn Primitives {
        &HostPrimitives
    }
}
