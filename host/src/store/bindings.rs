//! TLS bindings (ip:port or hostname:port → certificate), as `netsh http sslcert` keeps them.

use super::{Database, StoreError, canonical_store_name, now};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// The backup server REST API's application id (domain reference §3).
pub const REST_API_APP_ID: &str = "{284175c4-aa3e-4c6f-a2dd-5a4c80552eb9}";

/// One binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub endpoint: String,
    pub sni: bool,
    /// Uppercase hex SHA-1.
    pub certificate_hash: String,
    pub app_id: String,
    pub store_name: String,
    pub client_certificate_negotiation: bool,
    pub verify_client_certificate_revocation: bool,
}

/// Whether `text` is an application id as netsh takes it: a GUID in braces.
pub fn valid_app_id(text: &str) -> bool {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or("");
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Why a binding change was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    #[error("{0} is already bound")]
    AlreadyExists(String),
    #[error("{0} is not bound")]
    NotFound(String),
    #[error("certificate {thumbprint} is not in store {store}")]
    CertificateNotInStore { thumbprint: String, store: String },
    #[error(
        "certificate {thumbprint} in store {store} has no private key; import it from a PFX (or a key file) that includes the key"
    )]
    NoPrivateKey { thumbprint: String, store: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for BindingError {
    fn from(e: rusqlite::Error) -> Self {
        BindingError::Store(StoreError::Sql(e))
    }
}

fn row_to_binding(r: &rusqlite::Row<'_>) -> rusqlite::Result<Binding> {
    Ok(Binding {
        endpoint: r.get(0)?,
        sni: r.get(1)?,
        certificate_hash: r.get(2)?,
        app_id: r.get(3)?,
        store_name: r.get(4)?,
        client_certificate_negotiation: r.get(5)?,
        verify_client_certificate_revocation: r.get(6)?,
    })
}

const COLUMNS: &str = "endpoint, sni, certificate_hash, app_id, store_name, client_cert_negotiation, verify_revocation";

impl Database {
    /// Every binding, by endpoint.
    pub fn list_bindings(&self) -> Result<Vec<Binding>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM bindings ORDER BY endpoint"))?;
        let rows = stmt
            .query_map([], row_to_binding)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The binding of an endpoint (any case).
    pub fn get_binding(&self, endpoint: &str) -> Result<Option<Binding>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM bindings WHERE endpoint = ?1"
            ))?
            .query_row([endpoint], row_to_binding)
            .optional()?)
    }

    /// Adds a binding; fails when the endpoint is bound or the certificate is not in its
    /// store with a private key (checked in the same transaction).
    pub fn add_binding(&mut self, b: &Binding) -> Result<(), BindingError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_servable(&tx, &b.store_name, &b.certificate_hash)?;
        let n = tx.execute(
            &format!("INSERT INTO bindings ({COLUMNS}, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING"),
            params![b.endpoint, b.sni, b.certificate_hash, b.app_id, b.store_name, b.client_certificate_negotiation, b.verify_client_certificate_revocation, now()],
        )?;
        if n == 0 {
            return Err(BindingError::AlreadyExists(b.endpoint.clone()));
        }
        tx.commit()?;
        Ok(())
    }

    /// Replaces a binding in place; fails when the endpoint is not bound or the
    /// certificate cannot serve it.
    pub fn update_binding(&mut self, b: &Binding) -> Result<(), BindingError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_servable(&tx, &b.store_name, &b.certificate_hash)?;
        let n = tx.execute(
            "UPDATE bindings SET sni = ?2, certificate_hash = ?3, app_id = ?4, store_name = ?5,
                 client_cert_negotiation = ?6, verify_revocation = ?7, updated_at = ?8 WHERE endpoint = ?1",
            params![b.endpoint, b.sni, b.certificate_hash, b.app_id, b.store_name, b.client_certificate_negotiation, b.verify_client_certificate_revocation, now()],
        )?;
        if n == 0 {
            return Err(BindingError::NotFound(b.endpoint.clone()));
        }
        tx.commit()?;
        Ok(())
    }

    /// Removes a binding; fails when the endpoint is not bound.
    pub fn remove_binding(&mut self, endpoint: &str) -> Result<(), BindingError> {
        let n = self
            .conn
            .execute("DELETE FROM bindings WHERE endpoint = ?1", [endpoint])?;
        if n == 0 {
            return Err(BindingError::NotFound(endpoint.to_string()));
        }
        Ok(())
    }
}

/// The certificate `thumbprint` is in `store` with a private key, so it can serve TLS.
pub(super) fn check_servable(
    conn: &rusqlite::Connection,
    store: &str,
    thumbprint: &str,
) -> Result<(), BindingError> {
    let canonical = canonical_store_name(store)?;
    let has_key: Option<bool> = conn
        .query_row(
            "SELECT private_key IS NOT NULL FROM certificates WHERE store = ?1 AND thumbprint = ?2",
            params![canonical, thumbprint.to_ascii_uppercase()],
            |r| r.get(0),
        )
        .optional()?;
    match has_key {
        Some(true) => Ok(()),
        Some(false) => Err(BindingError::NoPrivateKey {
            thumbprint: thumbprint.to_ascii_uppercase(),
            store: store.to_string(),
        }),
        None => Err(BindingError::CertificateNotInStore {
            thumbprint: thumbprint.to_ascii_uppercase(),
            store: store.to_string(),
        }),
    }
}
