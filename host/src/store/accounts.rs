//! Administrator accounts of the REST API: a name and an Argon2id password hash (PHC
//! string). The hash is computed by the caller (the server's auth module).

use super::{Database, StoreError, now};
use rusqlite::{OptionalExtension, params};

/// An account as listed (never with its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
}

impl Database {
    /// Every account, by name.
    pub fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, created_at FROM accounts ORDER BY name")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Account {
                    name: r.get(0)?,
                    created_at: r.get(1)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The password hash of an account (any case of the name).
    pub fn account_password_hash(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT password_hash FROM accounts WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Creates an account or replaces its password hash and its OPAQUE registration
    /// record (what the appliance exchange checks the password against; `None` for an
    /// account that cannot take part in exchanges).
    pub fn put_account(
        &mut self,
        name: &str,
        password_hash: &str,
        opaque_record: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO accounts (name, password_hash, created_at, opaque_record) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
               opaque_record = excluded.opaque_record",
            params![name, password_hash, now(), opaque_record],
        )?;
        Ok(())
    }

    /// The OPAQUE registration record of an account: `None` when there is no such
    /// account, `Some(None)` for an account made before exchanges existed.
    pub fn account_opaque_record(&self, name: &str) -> Result<Option<Option<Vec<u8>>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT opaque_record FROM accounts WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Removes an account; returns whether it existed.
    pub fn remove_account(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM accounts WHERE name = ?1", [name])?
            > 0)
    }

    /// SQLite's `data_version`: changes whenever another connection commits, so a
    /// server can poll for changes made by other processes at almost no cost.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }
}
