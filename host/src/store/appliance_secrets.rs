//! Secrets of the appliance itself (the OPAQUE server setup: its OPRF seed and key
//! exchange key; the ACME account keys), sealed under the root key as private keys are.

use super::{Database, StoreError};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use zeroize::Zeroizing;

/// The store name sealed blobs of appliance secrets are bound to.
const SEAL_STORE: &str = "APPLIANCE";

impl Database {
    /// The secret `name`, made by `make` (and sealed and kept) the first time. Two
    /// processes asking at once get the same secret.
    pub fn appliance_secret(
        &mut self,
        name: &str,
        make: impl FnOnce() -> Zeroizing<Vec<u8>>,
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored: Option<Vec<u8>> = tx
            .query_row(
                "SELECT blob FROM appliance_secrets WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(blob) = stored {
            let secret = self.keys.open(&tx, SEAL_STORE, name, &blob)?;
            return Ok(Zeroizing::new(secret));
        }
        let secret = make();
        let blob = self.keys.seal(&tx, SEAL_STORE, name, &secret)?;
        tx.execute(
            "INSERT INTO appliance_secrets (name, blob) VALUES (?1, ?2)",
            params![name, blob],
        )?;
        tx.commit()?;
        Ok(secret)
    }
}

impl Database {
    /// The secret `name`, if one was kept.
    pub fn sealed_secret(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let stored: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT blob FROM appliance_secrets WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        match stored {
            Some(blob) => Ok(Some(Zeroizing::new(
                self.keys.open(&self.conn, SEAL_STORE, name, &blob)?,
            ))),
            None => Ok(None),
        }
    }

    /// Seals and keeps `secret` as `name`, replacing what was kept.
    pub fn set_sealed_secret(&mut self, name: &str, secret: &[u8]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let blob = self.keys.seal(&tx, SEAL_STORE, name, secret)?;
        tx.execute(
            "INSERT INTO appliance_secrets (name, blob) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET blob = excluded.blob",
            params![name, blob],
        )?;
        tx.commit()?;
        Ok(())
    }
}

impl Database {
    /// Removes the secret `name`; whether one was kept.
    pub fn remove_sealed_secret(&mut self, name: &str) -> Result<bool, StoreError> {
        let removed = self
            .conn
            .execute("DELETE FROM appliance_secrets WHERE name = ?1", [name])?;
        Ok(removed > 0)
    }

    /// The names of the kept secrets that start with `prefix`, in order.
    pub fn sealed_secret_names(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let names: Vec<String> = self
            .conn
            .prepare("SELECT name FROM appliance_secrets ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(names
            .into_iter()
            .filter(|n| n.starts_with(prefix))
            .collect())
    }
}

/// The appliance secrets as (name, sealed blob), for re-sealing under a new root key.
pub(super) fn sealed_rows(
    conn: &rusqlite::Connection,
) -> Result<Vec<(String, Vec<u8>)>, rusqlite::Error> {
    conn.prepare("SELECT name, blob FROM appliance_secrets")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// The store name appliance secrets are sealed for.
pub(super) fn seal_store() -> &'static str {
    SEAL_STORE
}
