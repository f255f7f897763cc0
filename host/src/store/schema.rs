//! Schema creation and versioning (`PRAGMA user_version`).

use super::StoreError;
use rusqlite::Connection;
use std::path::Path;

/// 1: stores and bindings. 2: certificate slots, settings and trusted peers. 3: REST API
/// accounts. 4: the stores made with New-Item (a store that held certificates before
/// is kept as made). 5: each certificate's expiry, indexed (filled in as listings
/// inspect certificates), for `-ExpiringInDays` on large stores.
const SCHEMA_VERSION: i64 = 5;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT_MS: u32 = 30_000;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS certificates (
    store         TEXT    NOT NULL COLLATE NOCASE,
    thumbprint    TEXT    NOT NULL,
    der           BLOB    NOT NULL,
    private_key   BLOB,
    friendly_name TEXT    NOT NULL DEFAULT '',
    added_at      INTEGER NOT NULL,
    not_after     INTEGER,
    PRIMARY KEY (store, thumbprint)
);
CREATE TABLE IF NOT EXISTS chain_certificates (
    store      TEXT    NOT NULL COLLATE NOCASE,
    thumbprint TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    der        BLOB    NOT NULL,
    PRIMARY KEY (store, thumbprint, position),
    FOREIGN KEY (store, thumbprint) REFERENCES certificates (store, thumbprint) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS bindings (
    endpoint                TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    sni                     INTEGER NOT NULL,
    certificate_hash        TEXT    NOT NULL,
    app_id                  TEXT    NOT NULL,
    store_name              TEXT    NOT NULL,
    client_cert_negotiation INTEGER NOT NULL,
    verify_revocation       INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS slots (
    name                    TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    store                   TEXT    NOT NULL,
    thumbprint              TEXT    NOT NULL,
    automatically_generated INTEGER NOT NULL,
    assigned_at             INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    name  TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trusted_peers (
    name              TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    address           TEXT    NOT NULL,
    der               BLOB    NOT NULL,
    thumbprint        TEXT    NOT NULL,
    pinned_thumbprint TEXT    NOT NULL,
    added_at          INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    name          TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stores (
    name       TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    created_at INTEGER NOT NULL
);
INSERT OR IGNORE INTO stores (name, created_at) SELECT DISTINCT store, 0 FROM certificates;
CREATE INDEX IF NOT EXISTS certificates_by_expiry ON certificates (store, not_after);
";

/// Schema 5's column on a certificates table made before it (SQLite has no
/// `ADD COLUMN IF NOT EXISTS`).
fn add_expiry_column(conn: &Connection) -> Result<(), StoreError> {
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('certificates')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if !columns.is_empty() && !columns.iter().any(|c| c == "not_after") {
        conn.execute_batch("ALTER TABLE certificates ADD COLUMN not_after INTEGER;")?;
    }
    Ok(())
}

pub(super) fn prepare(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_millis(u64::from(BUSY_TIMEOUT_MS)))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    if found < SCHEMA_VERSION {
        // One immediate transaction, so two processes upgrading at once do not both
        // add the column.
        conn.execute_batch("BEGIN IMMEDIATE;")?;
        let upgraded = add_expiry_column(conn).and_then(|()| {
            conn.execute_batch(&format!(
                "{SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(StoreError::from)
        });
        if upgraded.is_err() {
            let _ = conn.execute_batch("ROLLBACK;");
        }
        upgraded?;
    }
    Ok(())
}
