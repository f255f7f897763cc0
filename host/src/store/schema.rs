//! Schema creation and versioning (`PRAGMA user_version`).

use super::StoreError;
use super::keyring::{Keyring, seal_plaintext_keys};
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// 1: stores and bindings. 2: certificate slots, settings and trusted peers. 3: REST API
/// accounts. 4: the stores made with New-Item (a store that held certificates before
/// is kept as made). 5: each certificate's expiry, indexed (filled in as listings
/// inspect certificates), for `-ExpiringInDays` on large stores. 6: private keys sealed
/// under a root key (`root_keys` records its versions); plaintext keys are sealed when
/// an older database is opened. 7: appliance trust: peers pinned by public-key hash with
/// the key each announced and when each was last reached, this server's own key-change
/// announcements, the OPAQUE registration record of each account and the sealed OPAQUE
/// server setup. 8: ACME: the challenges `certhost serve` answers (tls-alpn-01, http-01)
/// while an order is being validated, and the slots whose certificate an ACME server
/// issued, with what renewing them needs and how the last attempt went.
pub(super) const SCHEMA_VERSION: i64 = 8;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT_MS: u32 = 30_000;

/// How long a checkpoint after a key's removal waits for readers of other processes
/// (then the WAL keeps the old frames until a later checkpoint).
const CHECKPOINT_WAIT_MS: u64 = 2_000;

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
    added_at          INTEGER NOT NULL,
    pin               TEXT    NOT NULL DEFAULT '',
    next_der          BLOB,
    last_seen         INTEGER,
    last_error        TEXT,
    previous_pin      TEXT,
    previous_until    INTEGER
);
CREATE TABLE IF NOT EXISTS pin_announcements (
    sequence  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    from_pin  TEXT    NOT NULL,
    to_pin    TEXT    NOT NULL,
    der       BLOB    NOT NULL,
    scheme    INTEGER NOT NULL,
    signature BLOB    NOT NULL,
    issued_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS appliance_secrets (
    name TEXT NOT NULL PRIMARY KEY,
    blob BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    name          TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    opaque_record BLOB
);
CREATE TABLE IF NOT EXISTS stores (
    name       TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS root_keys (
    version     INTEGER NOT NULL PRIMARY KEY,
    provider    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    check_value BLOB    NOT NULL,
    salt        BLOB,
    kdf_params  TEXT
);
CREATE TABLE IF NOT EXISTS acme_challenges (
    kind              TEXT    NOT NULL,
    identifier        TEXT    NOT NULL COLLATE NOCASE,
    token             TEXT    NOT NULL,
    key_authorization TEXT    NOT NULL,
    expires_at        INTEGER NOT NULL,
    PRIMARY KEY (kind, identifier, token)
);
CREATE TABLE IF NOT EXISTS acme_registrations (
    slot          TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,
    directory     TEXT    NOT NULL,
    identifiers   TEXT    NOT NULL,
    challenge     TEXT    NOT NULL,
    dns_script    TEXT,
    challenge_port INTEGER,
    key_algorithm TEXT    NOT NULL,
    root_pem      TEXT,
    thumbprint    TEXT    NOT NULL,
    not_before    INTEGER NOT NULL,
    not_after     INTEGER NOT NULL,
    issued_at     INTEGER NOT NULL,
    last_attempt  INTEGER,
    last_error    TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER
);
INSERT OR IGNORE INTO stores (name, created_at) SELECT DISTINCT store, 0 FROM certificates;
CREATE INDEX IF NOT EXISTS certificates_by_expiry ON certificates (store, not_after);
";

/// Columns added to tables made before them (SQLite has no `ADD COLUMN IF NOT EXISTS`):
/// schema 5's expiry, schema 7's peer pins and OPAQUE records.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("certificates", "not_after", "INTEGER"),
    ("trusted_peers", "pin", "TEXT NOT NULL DEFAULT ''"),
    ("trusted_peers", "next_der", "BLOB"),
    ("trusted_peers", "last_seen", "INTEGER"),
    ("trusted_peers", "last_error", "TEXT"),
    ("trusted_peers", "previous_pin", "TEXT"),
    ("trusted_peers", "previous_until", "INTEGER"),
    ("accounts", "opaque_record", "BLOB"),
];

fn add_missing_columns(conn: &Connection) -> Result<(), StoreError> {
    for (table, column, declaration) in ADDED_COLUMNS {
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if !columns.is_empty() && !columns.iter().any(|c| c == column) {
            conn.execute_batch(&format!(
                "ALTER TABLE {table} ADD COLUMN {column} {declaration};"
            ))?;
        }
    }
    Ok(())
}

pub(super) fn prepare(conn: &Connection, path: &Path, keys: &Keyring) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_millis(u64::from(BUSY_TIMEOUT_MS)))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted and replaced content (a removed key's blob) is overwritten with zeros in
    // the page instead of lingering in free space; see checkpoint_and_truncate for the WAL.
    conn.pragma_update(None, "secure_delete", "ON")?;
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
        // add the column or seal a key twice.
        conn.execute_batch("BEGIN IMMEDIATE;")?;
        let upgraded = upgrade(conn, keys).and_then(|sealed| {
            conn.execute_batch("COMMIT;")?;
            Ok(sealed)
        });
        match upgraded {
            Ok(0) => {}
            Ok(_) => overwrite_plaintext(conn),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK;");
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The upgrade inside the caller's transaction: how many plaintext keys were sealed.
fn upgrade(conn: &Connection, keys: &Keyring) -> Result<usize, StoreError> {
    add_missing_columns(conn)?;
    conn.execute_batch(SCHEMA)?;
    super::peers::fill_missing_pins(conn)?;
    let sealed = seal_plaintext_keys(conn, keys)?;
    conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION};"))?;
    Ok(sealed)
}

/// After plaintext keys were sealed: rebuilds the database file (VACUUM, through
/// memory rather than a temporary file) so no page or free space keeps the old bytes,
/// then moves the WAL into it and truncates the WAL. Best effort: another process
/// reading at that moment can keep the VACUUM from running (`secure_delete` has
/// zeroed the old cells already) or the WAL from being truncated until later.
fn overwrite_plaintext(conn: &Connection) {
    let _ = conn.execute_batch("PRAGMA temp_store = MEMORY; VACUUM;");
    checkpoint_and_truncate(conn);
}

/// Copies every WAL frame into the database file and truncates the WAL to zero bytes
/// (`PRAGMA wal_checkpoint(TRUNCATE)`), waiting at most [`CHECKPOINT_WAIT_MS`] for
/// other processes' readers. Whether it completed.
///
/// Why: in WAL mode a change is first appended to the `-wal` file; the database file
/// keeps the page's old version until a checkpoint copies the new one over it, and the
/// WAL keeps every frame it ever held until it is restarted and overwritten. So after
/// a key is removed (its cell zeroed by `secure_delete`), the old blob is still in the
/// database file and in older WAL frames until this runs.
pub(super) fn checkpoint_and_truncate(conn: &Connection) -> bool {
    let _ = conn.busy_timeout(Duration::from_millis(CHECKPOINT_WAIT_MS));
    let done = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            r.get::<_, i64>(0)
        })
        .is_ok_and(|busy| busy == 0);
    let _ = conn.busy_timeout(Duration::from_millis(u64::from(BUSY_TIMEOUT_MS)));
    done
}
