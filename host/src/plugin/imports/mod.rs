//! The host side of the WIT imports, one file per interface. Every call checks the
//! instance's grants (`HostState::gate`) before it touches anything; a refusal is the
//! interface's typed `permission-denied`, naming the capability.

mod bindings;
mod files;
mod host;
mod primitives;
mod server;
mod store;

use super::bindings::certhost::plugin::types;
use super::grants::Denial;
use super::state::HostState;
use crate::store::{BindingError, StoreError};

pub use files::io_reason;
pub use server::{REST_API_ENDPOINT, default_rest_binding};

impl types::Host for HostState {}

/// A refusal as the contract's `denied` record.
pub(super) fn denied(d: Denial) -> types::Denied {
    types::Denied {
        capability: d.capability.name().into(),
        message: d.message,
    }
}

pub(super) fn store_denied(d: Denial) -> types::StoreError {
    types::StoreError::PermissionDenied(denied(d))
}

pub(super) fn store_error(e: StoreError) -> types::StoreError {
    match e {
        StoreError::InvalidStoreName(_) => types::StoreError::InvalidStore(e.to_string()),
        StoreError::UnknownStore { .. } => types::StoreError::NotFound(e.to_string()),
        StoreError::InUse { .. } => types::StoreError::InUse(e.to_string()),
        StoreError::RequestNotFound { .. }
        | StoreError::RequestKeyMismatch { .. }
        | StoreError::InvalidRequestCertificate(_) => types::StoreError::NotFound(e.to_string()),
        other => types::StoreError::Storage(other.to_string()),
    }
}

pub(super) fn binding_error(e: BindingError) -> types::StoreError {
    match e {
        BindingError::AlreadyExists(_) => types::StoreError::AlreadyExists(e.to_string()),
        BindingError::NotFound(_) => types::StoreError::NotFound(e.to_string()),
        BindingError::CertificateNotInStore { .. } | BindingError::NoPrivateKey { .. } => {
            types::StoreError::NotServable(e.to_string())
        }
        BindingError::Store(s) => store_error(s),
    }
}

#[cfg(test)]
mod tests;
