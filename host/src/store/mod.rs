//! Persistent state: certificate stores and TLS bindings in one SQLite database.
//!
//! Why SQLite (through `rusqlite`, built from its bundled source): it is an embedded,
//! crash-safe transactional database whose WAL mode lets several processes (shells, the
//! server) read and write one file at once, waiting for each other instead of failing;
//! and admins can inspect it with the standard `sqlite3` tool. Pure-Rust stores such as
//! `redb` allow one process at a time.
//!
//! The database lives in the state directory (`CERTHOST_HOME`), which is created 0700,
//! with the database file 0600 (SQLite gives its WAL and shared-memory files the same
//! mode). Private keys are stored as PKCS#8 DER protected by those permissions.

mod accounts;
mod bindings;
mod certificates;
mod endpoint;
mod peers;
mod schema;
mod settings;
mod slots;
mod stores;

pub use accounts::Account;
pub use bindings::{Binding, BindingError, REST_API_APP_ID};
pub use certificates::{NewEntry, StoredCertificate, thumbprint};
pub use endpoint::{Endpoint, EndpointError, any_endpoint, hostname_endpoint, ip_endpoint};
pub use peers::TrustedPeer;
pub use slots::{
    Assignment, AssignmentPlan, BACKUP_SERVER_SLOT, SLOTS, SlotAssignment, SlotError,
    canonical_slot,
};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// A failure of the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error(
        "'{0}' is not a valid store name: use letters, digits, spaces, '-' or '_' (at most 64)"
    )]
    InvalidStoreName(String),
    #[error("{}", stores::unknown_store_message(name, existing))]
    UnknownStore { name: String, existing: Vec<String> },
    #[error(
        "'{0}' looks like a thumbprint; a store of that name would make Cert:\\LocalMachine\\<name> ambiguous: choose another name"
    )]
    ThumbprintStoreName(String),
    #[error("'{0}' is one of Windows' system stores, which always exist: it cannot be removed")]
    SystemStore(String),
    #[error(
        "the store '{name}' holds {count} certificate(s): remove them first (Get-ChildItem Cert:\\LocalMachine\\{name} | Remove-Item)"
    )]
    StoreNotEmpty { name: String, count: usize },
    #[error("cannot create the state directory {path}: {source}")]
    StateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the certhost database {path} cannot be opened: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "certificate {thumbprint} is in use ({}); point those at another certificate first",
        uses.join(", ")
    )]
    InUse {
        thumbprint: String,
        uses: Vec<String>,
    },
    #[error("the certhost database failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(
        "the certhost database {path} was written by a newer certhost (schema {found}, this one knows {known}); upgrade certhost"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
}

/// Store names Windows defines, in their usual spelling: these stores always exist.
/// Other names are kept as given (`New-Item Cert:\LocalMachine\<Name>` makes a store).
const WELL_KNOWN_STORES: &[&str] = &[
    "My",
    "Root",
    "CA",
    "WebHosting",
    "TrustedPeople",
    "TrustedPublisher",
    "AuthRoot",
    "Disallowed",
    "Remote Desktop",
    "SmartCardRoot",
    "TrustedDevices",
    "Trust",
];

/// The canonical spelling of a store name (`my` → `My`), or an error when invalid.
pub fn canonical_store_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-' || c == '_')
    {
        return Err(StoreError::InvalidStoreName(name.to_string()));
    }
    Ok(WELL_KNOWN_STORES
        .iter()
        .find(|w| w.eq_ignore_ascii_case(name))
        .map(|w| w.to_string())
        .unwrap_or_else(|| name.to_string()))
}

/// The certhost database.
pub struct Database {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({})", self.path.display())
    }
}

/// File name of the database inside the state directory.
pub const DATABASE_FILE: &str = "certhost.db";

impl Database {
    /// Opens (creating when needed) the database in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        crate::paths::create_private_dir(state_dir).map_err(|source| StoreError::StateDir {
            path: state_dir.to_path_buf(),
            source,
        })?;
        let path = state_dir.join(DATABASE_FILE);
        crate::paths::create_private_file(&path).map_err(|source| StoreError::StateDir {
            path: path.clone(),
            source,
        })?;
        let conn = Connection::open(&path).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        schema::prepare(&conn, &path)?;
        Ok(Database { conn, path })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
