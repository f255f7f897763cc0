//! TLS bindings (ip:port or hostname:port → certificate), as `netsh http sslcert` keeps them.

use super::{Database, StoreError, now};
use rusqlite::{OptionalExtension, params};

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

/// Why a binding change was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    #[error("{0} is already bound")]
    AlreadyExists(String),
    #[error("{0} is not bound")]
    NotFound(String),
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

    /// Adds a binding; fails when the endpoint is bound.
    pub fn add_binding(&mut self, b: &Binding) -> Result<(), BindingError> {
        let n = self.conn.execute(
            &format!("INSERT INTO bindings ({COLUMNS}, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING"),
            params![b.endpoint, b.sni, b.certificate_hash, b.app_id, b.store_name, b.client_certificate_negotiation, b.verify_client_certificate_revocation, now()],
        )?;
        if n == 0 {
            return Err(BindingError::AlreadyExists(b.endpoint.clone()));
        }
        Ok(())
    }

    /// Replaces a binding in place; fails when the endpoint is not bound.
    pub fn update_binding(&mut self, b: &Binding) -> Result<(), BindingError> {
        let n = self.conn.execute(
            "UPDATE bindings SET sni = ?2, certificate_hash = ?3, app_id = ?4, store_name = ?5,
                 client_cert_negotiation = ?6, verify_revocation = ?7, updated_at = ?8 WHERE endpoint = ?1",
            params![b.endpoint, b.sni, b.certificate_hash, b.app_id, b.store_name, b.client_certificate_negotiation, b.verify_client_certificate_revocation, now()],
        )?;
        if n == 0 {
            return Err(BindingError::NotFound(b.endpoint.clone()));
        }
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
