//! Cmdlet errors with PowerShell's categories and stable ids.

use crate::bindings::certhost::plugin::types::{CertError, Denied, FileError, StoreError};
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, ErrorCategory};

pub fn new(
    category: ErrorCategory,
    id: &str,
    message: impl Into<String>,
    target: Option<&str>,
) -> CmdletError {
    CmdletError {
        category,
        error_id: id.to_string(),
        message: message.into(),
        target: target.map(str::to_string),
    }
}

pub fn invalid_argument(id: &str, message: impl Into<String>) -> CmdletError {
    new(ErrorCategory::InvalidArgument, id, message, None)
}

pub fn not_found_cmdlet(name: &str) -> CmdletError {
    new(
        ErrorCategory::ObjectNotFound,
        "CommandNotFound",
        format!("this component has no cmdlet '{name}'"),
        None,
    )
}

pub fn from_cert(e: CertError, target: Option<&str>) -> CmdletError {
    let (category, id, message) = match e {
        CertError::WrongPassword(m) => (
            ErrorCategory::SecurityError,
            "WrongPassword",
            format!("wrong password: {m}"),
        ),
        CertError::Corrupt(m) => (ErrorCategory::InvalidData, "CorruptInput", m),
        CertError::Unsupported(m) => (ErrorCategory::NotImplemented, "Unsupported", m),
        CertError::KeyMismatch(m) => (ErrorCategory::InvalidData, "KeyMismatch", m),
        CertError::InvalidInput(m) => (ErrorCategory::InvalidArgument, "InvalidArgument", m),
    };
    new(category, id, message, target)
}

pub fn from_store(e: StoreError, target: Option<&str>) -> CmdletError {
    let (category, id, message) = match e {
        StoreError::InvalidStore(m) => (ErrorCategory::InvalidArgument, "InvalidStore", m),
        StoreError::NotFound(m) => (ErrorCategory::ObjectNotFound, "NotFound", m),
        StoreError::AlreadyExists(m) => (ErrorCategory::ResourceExists, "AlreadyExists", m),
        StoreError::Storage(m) => (ErrorCategory::WriteError, "StorageFailed", m),
        StoreError::InUse(m) => (ErrorCategory::ResourceBusy, "CertificateInUse", m),
        StoreError::NotServable(m) => (ErrorCategory::InvalidData, "CertificateNotServable", m),
        StoreError::PermissionDenied(d) => return permission_denied(d, target),
    };
    new(category, id, message, target)
}

/// A capability the host did not grant this component.
pub fn permission_denied(d: Denied, target: Option<&str>) -> CmdletError {
    new(
        ErrorCategory::PermissionDenied,
        "PermissionDenied",
        d.message,
        target,
    )
}

pub fn file(path: &str, e: FileError, writing: bool) -> CmdletError {
    let (category, id) = if writing {
        (ErrorCategory::WriteError, "FileWriteFailed")
    } else {
        (ErrorCategory::ReadError, "FileReadFailed")
    };
    match e {
        FileError::PermissionDenied(d) => permission_denied(d, Some(path)),
        FileError::NotFound(m) | FileError::TooLarge(m) | FileError::Failed(m) => {
            new(category, id, m, Some(path))
        }
    }
}
