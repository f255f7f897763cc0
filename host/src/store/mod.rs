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
//! mode). Private keys are sealed (`sealed`: AES-256-GCM under a per-key data key,
//! wrapped by a versioned root key that `root_key` keeps outside the database), so the
//! database file alone holds no usable key; see docs/secrets.md. Every connection runs
//! with `secure_delete` on, and removing or replacing a key checkpoints the WAL into the
//! database file and truncates it, so the old blob's bytes are overwritten in both.

mod accounts;
mod acme;
mod appliance_secrets;
#[cfg(test)]
mod at_rest_tests;
mod bindings;
mod certificates;
mod endpoint;
mod keyring;
mod peers;
mod requests;
mod root_key;
mod schema;
mod sealed;
mod settings;
mod slots;
mod stores;

pub use accounts::Account;
pub use acme::{AcmeChallenge, AcmeRegistration, acme_account_secret};
pub use bindings::{Binding, BindingError, REST_API_APP_ID, valid_app_id};
pub use certificates::{NewEntry, StoredCertificate, thumbprint};
pub use endpoint::{Endpoint, EndpointError, any_endpoint, hostname_endpoint, ip_endpoint};
pub use keyring::{KeyError, RootKeyInfo};
pub use peers::{StoredAnnouncement, TrustedPeer};
pub use requests::REQUEST_STORE;
pub use root_key::{
    KdfParams, PASSPHRASE_VARIABLE, PROVIDER_VARIABLE, Provider as RootKeyProvider, ProviderChoice,
    RootKeyConfig, RootKeyError,
};
pub use sealed::{OpenError, SealError};
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
    #[error("a trusted peer's certificate must be an X.509 certificate: {0}")]
    InvalidPeer(String),
    #[error(
        "no pending certificate request {thumbprint} with a private key is in store '{store}'; make one with New-CertificateRequest"
    )]
    RequestNotFound { store: String, thumbprint: String },
    #[error(
        "the certificate {issued} was not issued for the request {request}: its public key is another; import the certificate the CA issued for that request"
    )]
    RequestKeyMismatch { request: String, issued: String },
    #[error("the issued certificate cannot be read as X.509: {0}")]
    InvalidRequestCertificate(String),
    #[error(
        "the certhost database {path} was written by a newer certhost (schema {found}, this one knows {known}); upgrade certhost"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// A stored private key that does not open: its root key is missing or wrong, or
    /// the blob was altered or moved. Never a silent "no private key".
    #[error(
        "the private key of certificate {thumbprint} in store '{store}' cannot be read: {problem}"
    )]
    KeyUnreadable {
        store: String,
        thumbprint: String,
        problem: Box<KeyError>,
    },
    #[error(
        "the private key of certificate {thumbprint} cannot be stored in store '{store}': {problem}"
    )]
    KeyNotSealed {
        store: String,
        thumbprint: String,
        problem: Box<KeyError>,
    },
    #[error("no new root key can be made: {0}")]
    RootKey(Box<KeyError>),
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
    "REQUEST",
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
    keys: keyring::Keyring,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({})", self.path.display())
    }
}

/// File name of the database inside the state directory.
pub const DATABASE_FILE: &str = "certhost.db";

impl Database {
    /// Opens (creating when needed) the database in `state_dir`; new root keys come from
    /// the provider `CERTHOST_ROOT_KEY_PROVIDER` names (see [`RootKeyConfig::from_env`]).
    pub fn open(state_dir: &Path) -> Result<Self, StoreError> {
        Self::open_with(state_dir, RootKeyConfig::from_env(state_dir))
    }

    /// Opens the database in `state_dir` with the given root key configuration. A
    /// database of an older schema is upgraded; one that still holds plaintext private
    /// keys has them sealed then (which makes the root key on first use).
    pub fn open_with(state_dir: &Path, root_keys: RootKeyConfig) -> Result<Self, StoreError> {
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
        let keys = keyring::Keyring::new(root_keys);
        schema::prepare(&conn, &path, &keys)?;
        Ok(Database { conn, path, keys })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The root key versions that seal private keys (none before the first key is
    /// stored), oldest first.
    pub fn root_keys(&self) -> Result<Vec<RootKeyInfo>, StoreError> {
        Ok(keyring::root_keys(&self.conn)?)
    }

    /// Re-seals every private key under a new root key version (from the configured
    /// provider), in one transaction: the new version and how many keys were re-sealed.
    /// A key that does not open stops it, and nothing changes. The files of older
    /// versions stay (a backup of the database may need them); delete them once no
    /// backup does.
    pub fn rotate_root_key(&mut self) -> Result<(u32, usize), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let rotated = keyring::rotate(&tx, &self.keys)?;
        tx.commit()?;
        self.scrub();
        Ok(rotated)
    }

    /// After a private key was removed or replaced: copies the WAL into the database
    /// file (where `secure_delete` zeroed the old blob) and truncates it, so neither
    /// file keeps the old bytes. Best effort: while another process reads, the old
    /// frames stay in the WAL until a later checkpoint.
    fn scrub(&self) {
        schema::checkpoint_and_truncate(&self.conn);
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
