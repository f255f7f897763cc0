//! Named settings (the server identity's explicit values, ...).

use super::{Database, StoreError};
use rusqlite::{OptionalExtension, params};

impl Database {
    /// A setting's value, if set.
    pub fn setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets (`Some`) or clears (`None`) settings, all in one transaction.
    pub fn set_settings(&mut self, values: &[(&str, Option<String>)]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (name, value) in values {
            match value {
                Some(v) => tx.execute(
                    "INSERT INTO settings (name, value) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    params![name, v],
                )?,
                None => tx.execute("DELETE FROM settings WHERE name = ?1", [name])?,
            };
        }
        tx.commit()?;
        Ok(())
    }
}
