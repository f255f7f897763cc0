//! The host side of the WIT imports: store, bindings, files, host, primitives.

use super::bindings::certhost::plugin::{bindings, files, host, primitives, store, types};
use super::state::HostState;
use crate::store::{Binding, BindingError, NewEntry, StoreError};
use certhost_primitives::{Digest, Pkcs12Purpose, Primitives, Software};
use std::path::PathBuf;

/// Largest file a component may read (PFX and PEM files are kilobytes).
const MAX_READ_BYTES: u64 = 16 * 1024 * 1024;

pub(super) fn store_error(e: StoreError) -> types::StoreError {
    match e {
        StoreError::InvalidStoreName(_) => types::StoreError::InvalidStore(e.to_string()),
        StoreError::InUse { .. } => types::StoreError::InUse(e.to_string()),
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

impl HostState {
    pub(super) fn database(&self) -> std::sync::MutexGuard<'_, crate::store::Database> {
        // A poisoned lock means another thread panicked mid-call; the database itself is
        // transactional, so its state is still consistent and we go on using it.
        self.services
            .database
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn resolve(&self, path: &str) -> PathBuf {
        let p = PathBuf::from(path);
        if p.is_absolute() {
            p
        } else {
            self.services.cwd.join(p)
        }
    }
}

impl types::Host for HostState {}

fn to_wit_stored(c: crate::store::StoredCertificate) -> store::StoredCertificate {
    store::StoredCertificate {
        store: c.store,
        thumbprint: c.thumbprint,
        entry: types::CertificateEntry {
            certificate: c.certificate,
            private_key: c.private_key,
            friendly_name: c.friendly_name,
            chain: c.chain,
        },
    }
}

impl store::Host for HostState {
    fn list_certificates(
        &mut self,
        store: String,
    ) -> Result<Vec<store::StoredCertificate>, types::StoreError> {
        let list = self
            .database()
            .list_certificates(&store)
            .map_err(store_error)?;
        Ok(list.into_iter().map(to_wit_stored).collect())
    }

    fn get_certificate(
        &mut self,
        store: String,
        thumbprint: String,
    ) -> Result<Option<store::StoredCertificate>, types::StoreError> {
        Ok(self
            .database()
            .get_certificate(&store, &thumbprint)
            .map_err(store_error)?
            .map(to_wit_stored))
    }

    fn add_certificates(
        &mut self,
        store: String,
        entries: Vec<types::CertificateEntry>,
    ) -> Result<Vec<String>, types::StoreError> {
        let entries: Vec<NewEntry> = entries
            .into_iter()
            .map(|e| NewEntry {
                certificate: e.certificate,
                private_key: e.private_key,
                friendly_name: e.friendly_name,
                chain: e.chain,
            })
            .collect();
        self.database()
            .add_certificates(&store, &entries)
            .map_err(store_error)
    }

    fn remove_certificate(
        &mut self,
        store: String,
        thumbprint: String,
        _delete_key: bool,
    ) -> Result<bool, types::StoreError> {
        self.database()
            .remove_certificate(&store, &thumbprint)
            .map_err(store_error)
    }
}

fn binding_to_wit(b: Binding) -> bindings::SslBinding {
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

fn binding_from_wit(b: bindings::SslBinding) -> Binding {
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
        Ok(self
            .database()
            .list_bindings()
            .map_err(store_error)?
            .into_iter()
            .map(binding_to_wit)
            .collect())
    }

    fn get_binding(
        &mut self,
        endpoint: String,
    ) -> Result<Option<bindings::SslBinding>, types::StoreError> {
        Ok(self
            .database()
            .get_binding(&endpoint)
            .map_err(store_error)?
            .map(binding_to_wit))
    }

    fn add_binding(&mut self, binding: bindings::SslBinding) -> Result<(), types::StoreError> {
        self.database()
            .add_binding(&binding_from_wit(binding))
            .map_err(binding_error)
    }

    fn update_binding(&mut self, binding: bindings::SslBinding) -> Result<(), types::StoreError> {
        self.database()
            .update_binding(&binding_from_wit(binding))
            .map_err(binding_error)
    }

    fn remove_binding(&mut self, endpoint: String) -> Result<(), types::StoreError> {
        self.database()
            .remove_binding(&endpoint)
            .map_err(binding_error)
    }
}

impl files::Host for HostState {
    fn read_file(&mut self, path: String) -> Result<Vec<u8>, String> {
        use std::io::Read;
        let full = self.resolve(&path);
        let file = std::fs::File::open(&full)
            .map_err(|e| format!("cannot read '{path}': {}", io_reason(&e)))?;
        let mut data = Vec::new();
        file.take(MAX_READ_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| format!("cannot read '{path}': {}", io_reason(&e)))?;
        if data.len() as u64 > MAX_READ_BYTES {
            return Err(format!(
                "'{path}' is larger than {} MiB; certificate files are far smaller",
                MAX_READ_BYTES >> 20
            ));
        }
        Ok(data)
    }

    fn write_file(&mut self, path: String, contents: Vec<u8>, secret: bool) -> Result<(), String> {
        let full = self.resolve(&path);
        crate::paths::write_atomically(&full, &contents, secret)
            .map_err(|e| format!("cannot write '{path}': {}", io_reason(&e)))
    }
}

/// An I/O error in words a user acts on.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

impl host::Host for HostState {
    fn now(&mut self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }

    fn write_message(&mut self, level: host::MessageLevel, text: String) {
        use super::state::Message;
        let message = match level {
            host::MessageLevel::Warning => Message::Warning(text),
            host::MessageLevel::Verbose => Message::Verbose(text),
            host::MessageLevel::WhatIf => Message::WhatIf(text),
        };
        self.services
            .messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message);
    }
}

fn digest(d: primitives::Digest) -> Digest {
    match d {
        primitives::Digest::Sha1 => Digest::Sha1,
        primitives::Digest::Sha224 => Digest::Sha224,
        primitives::Digest::Sha256 => Digest::Sha256,
        primitives::Digest::Sha384 => Digest::Sha384,
        primitives::Digest::Sha512 => Digest::Sha512,
    }
}

impl primitives::Host for HostState {
    fn pbkdf2_hmac(
        &mut self,
        d: primitives::Digest,
        password: Vec<u8>,
        salt: Vec<u8>,
        iterations: u32,
        length: u32,
    ) -> Result<Vec<u8>, String> {
        Software
            .pbkdf2_hmac(digest(d), &password, &salt, iterations, length as usize)
            .map_err(|e| e.to_string())
    }

    fn pkcs12_kdf(
        &mut self,
        d: primitives::Digest,
        password: Vec<u8>,
        salt: Vec<u8>,
        purpose: primitives::Pkcs12Purpose,
        iterations: u32,
        length: u32,
    ) -> Result<Vec<u8>, String> {
        let purpose = match purpose {
            primitives::Pkcs12Purpose::EncryptionKey => Pkcs12Purpose::EncryptionKey,
            primitives::Pkcs12Purpose::Iv => Pkcs12Purpose::Iv,
            primitives::Pkcs12Purpose::Mac => Pkcs12Purpose::Mac,
        };
        Software
            .pkcs12_kdf(
                digest(d),
                &password,
                &salt,
                purpose,
                iterations,
                length as usize,
            )
            .map_err(|e| e.to_string())
    }

    fn generate_rsa_key(&mut self, bits: u32) -> Result<Vec<u8>, String> {
        Software.generate_rsa_key(bits).map_err(|e| e.to_string())
    }
}
