//! The root keys a database uses: recorded in the `root_keys` table (version, provider,
//! a check value), found through `super::root_key` on first use and kept in memory for
//! the life of the [`super::Database`]. Sealing and opening the private keys of the
//! `certificates` table goes through here.

use super::root_key::{self, Recorded, RootKeyConfig, RootKeyError};
use super::sealed::{self, OpenError, RootKey, SealError};
use super::{StoreError, now};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use zeroize::Zeroizing;

/// Why a private key could not be sealed or opened; [`StoreError::KeyUnreadable`] and
/// [`StoreError::KeyNotSealed`] name the certificate and store around it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    #[error(transparent)]
    RootKey(#[from] RootKeyError),
    #[error(
        "{0}; restore the certificate from a Backup-CertificateStore file (Restore-CertificateStore), or import it again"
    )]
    Sealed(#[from] OpenError),
    #[error(
        "it was sealed with root key version {0}, which this database does not record; restore the certificate from a Backup-CertificateStore file (Restore-CertificateStore), or import it again"
    )]
    UnknownRootKey(u32),
    #[error("{0}")]
    Seal(#[from] SealError),
}

/// A failure inside the keyring: the database's, or the key's.
enum Failure {
    Sql(rusqlite::Error),
    Key(KeyError),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sql(e)
    }
}

impl From<KeyError> for Failure {
    fn from(e: KeyError) -> Self {
        Failure::Key(e)
    }
}

impl From<RootKeyError> for Failure {
    fn from(e: RootKeyError) -> Self {
        Failure::Key(KeyError::RootKey(e))
    }
}

impl From<OpenError> for Failure {
    fn from(e: OpenError) -> Self {
        Failure::Key(KeyError::Sealed(e))
    }
}

impl From<SealError> for Failure {
    fn from(e: SealError) -> Self {
        Failure::Key(KeyError::Seal(e))
    }
}

/// What [`super::Database::root_keys`] tells about a root key version (never the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootKeyInfo {
    pub version: u32,
    /// `systemd-creds`, `file` or `passphrase`.
    pub provider: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// The root keys of one database, loaded on first use.
pub(super) struct Keyring {
    config: RootKeyConfig,
    loaded: Mutex<BTreeMap<u32, Arc<RootKey>>>,
}

impl Keyring {
    pub(super) fn new(config: RootKeyConfig) -> Self {
        Keyring {
            config,
            loaded: Mutex::new(BTreeMap::new()),
        }
    }

    /// Seals `private_key` for the certificate `thumbprint` of `store` with the newest
    /// root key, which is made (and recorded through `conn`) when there is none yet:
    /// call it inside the write transaction that stores the blob.
    pub(super) fn seal(
        &self,
        conn: &Connection,
        store: &str,
        thumbprint: &str,
        private_key: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let sealed = self.newest(conn).and_then(|root| {
            sealed::seal(&root, store, thumbprint, private_key).map_err(Failure::from)
        });
        sealed.map_err(|f| match f {
            Failure::Sql(e) => StoreError::Sql(e),
            Failure::Key(problem) => StoreError::KeyNotSealed {
                store: store.to_string(),
                thumbprint: thumbprint.to_string(),
                problem: Box::new(problem),
            },
        })
    }

    /// Opens the blob stored for the certificate `thumbprint` of `store`: its PKCS#8 key.
    pub(super) fn open(
        &self,
        conn: &Connection,
        store: &str,
        thumbprint: &str,
        blob: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let opened = sealed::root_key_version(blob)
            .map_err(Failure::from)
            .and_then(|version| self.version(conn, version))
            .and_then(|root| sealed::open(&root, store, thumbprint, blob).map_err(Failure::from));
        opened.map_err(|f| match f {
            Failure::Sql(e) => StoreError::Sql(e),
            Failure::Key(problem) => StoreError::KeyUnreadable {
                store: store.to_string(),
                thumbprint: thumbprint.to_string(),
                problem: Box::new(problem),
            },
        })
    }

    /// The newest recorded root key, or a new one.
    fn newest(&self, conn: &Connection) -> Result<Arc<RootKey>, Failure> {
        let newest = conn
            .query_row(
                "SELECT version, provider, check_value, salt, kdf_params FROM root_keys
                 ORDER BY version DESC LIMIT 1",
                [],
                recorded,
            )
            .optional()?;
        match newest {
            Some(r) => self.load(&r),
            None => self.create(conn, 1),
        }
    }

    /// Root key `version`, as the database records it.
    fn version(&self, conn: &Connection, version: u32) -> Result<Arc<RootKey>, Failure> {
        if let Some(key) = self.cached(version) {
            return Ok(key);
        }
        let recorded = conn
            .query_row(
                "SELECT version, provider, check_value, salt, kdf_params FROM root_keys
                 WHERE version = ?1",
                [version],
                recorded,
            )
            .optional()?
            .ok_or(KeyError::UnknownRootKey(version))?;
        self.load(&recorded)
    }

    fn cached(&self, version: u32) -> Option<Arc<RootKey>> {
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&version)
            .cloned()
    }

    fn remember(&self, key: RootKey) -> Arc<RootKey> {
        let key = Arc::new(key);
        self.loaded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.version(), key.clone());
        key
    }

    /// Reads a recorded root key and checks it against its check value before any
    /// private key is touched.
    fn load(&self, recorded: &Recorded) -> Result<Arc<RootKey>, Failure> {
        if let Some(key) = self.cached(recorded.version) {
            return Ok(key);
        }
        let key = root_key::load(&self.config, recorded)?;
        if !sealed::matches_check_value(&key, &recorded.check_value) {
            return Err(RootKeyError::WrongKey {
                version: recorded.version,
                provider: recorded.provider.clone(),
                hint: root_key::wrong_key_hint(&self.config, recorded),
            }
            .into());
        }
        Ok(self.remember(key))
    }

    /// Makes a root key above every recorded version and every key file or credential
    /// on disk (an orphan of a rolled-back transaction is never reused or overwritten)
    /// and records it through `conn`, in the caller's transaction.
    fn create(&self, conn: &Connection, at_least: u32) -> Result<Arc<RootKey>, Failure> {
        let recorded: u32 =
            conn.query_row("SELECT COALESCE(MAX(version), 0) FROM root_keys", [], |r| {
                r.get(0)
            })?;
        let version = (recorded + 1)
            .max(root_key::highest_version_on_disk(&self.config.state_dir) + 1)
            .max(at_least);
        let created = root_key::create(&self.config, version)?;
        let check_value = sealed::check_value(&created.key)?;
        conn.execute(
            "INSERT INTO root_keys (version, provider, created_at, check_value, salt, kdf_params)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                version,
                created.provider.name(),
                now(),
                check_value,
                created.salt,
                created.kdf_params
            ],
        )?;
        Ok(self.remember(created.key))
    }
}

fn recorded(r: &rusqlite::Row<'_>) -> rusqlite::Result<Recorded> {
    Ok(Recorded {
        version: r.get(0)?,
        provider: r.get(1)?,
        check_value: r.get(2)?,
        salt: r.get(3)?,
        kdf_params: r.get(4)?,
    })
}

/// The root key versions the database records, oldest first.
pub(super) fn root_keys(conn: &Connection) -> Result<Vec<RootKeyInfo>, rusqlite::Error> {
    conn.prepare("SELECT version, provider, created_at FROM root_keys ORDER BY version")?
        .query_map([], |r| {
            Ok(RootKeyInfo {
                version: r.get(0)?,
                provider: r.get(1)?,
                created_at: r.get(2)?,
            })
        })?
        .collect()
}

/// Seals every private key still stored as plaintext PKCS#8 (a database of schema 5 or
/// older), inside the caller's transaction; how many were sealed. Nothing is asked of
/// the root key when there is no such key.
pub(super) fn seal_plaintext_keys(conn: &Connection, keys: &Keyring) -> Result<usize, StoreError> {
    let rows: Vec<(String, String, Vec<u8>)> = conn
        .prepare(
            "SELECT store, thumbprint, private_key FROM certificates WHERE private_key IS NOT NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut sealed_count = 0;
    for (store, thumbprint, key) in rows {
        let key = Zeroizing::new(key);
        if sealed::is_sealed(&key) {
            continue;
        }
        let blob = keys.seal(conn, &store, &thumbprint, &key)?;
        conn.execute(
            "UPDATE certificates SET private_key = ?3 WHERE store = ?1 AND thumbprint = ?2",
            params![store, thumbprint, blob],
        )?;
        sealed_count += 1;
    }
    Ok(sealed_count)
}

/// Re-seals every private key under a new root key version, inside the caller's
/// transaction; the new version and how many keys were re-sealed. A key that does not
/// open stops it (the caller rolls back: nothing changes).
pub(super) fn rotate(conn: &Connection, keys: &Keyring) -> Result<(u32, usize), StoreError> {
    let rows: Vec<(String, String, Vec<u8>)> = conn
        .prepare(
            "SELECT store, thumbprint, private_key FROM certificates WHERE private_key IS NOT NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    // Every key must open before the new root key is made.
    let mut opened = Vec::with_capacity(rows.len());
    for (store, thumbprint, blob) in rows {
        let key = if sealed::is_sealed(&blob) {
            Zeroizing::new(keys.open(conn, &store, &thumbprint, &blob)?)
        } else {
            Zeroizing::new(blob)
        };
        opened.push((store, thumbprint, key));
    }
    let newest: u32 =
        conn.query_row("SELECT COALESCE(MAX(version), 0) FROM root_keys", [], |r| {
            r.get(0)
        })?;
    let root = keys.create(conn, newest + 1).map_err(|f| match f {
        Failure::Sql(e) => StoreError::Sql(e),
        Failure::Key(problem) => StoreError::RootKey(Box::new(problem)),
    })?;
    for (store, thumbprint, key) in &opened {
        let blob =
            sealed::seal(&root, store, thumbprint, key).map_err(|e| StoreError::KeyNotSealed {
                store: store.clone(),
                thumbprint: thumbprint.clone(),
                problem: Box::new(e.into()),
            })?;
        conn.execute(
            "UPDATE certificates SET private_key = ?3 WHERE store = ?1 AND thumbprint = ?2",
            params![store, thumbprint, blob],
        )?;
    }
    // The appliance's own secrets move to the new root key too.
    let store = super::appliance_secrets::seal_store();
    for (name, blob) in super::appliance_secrets::sealed_rows(conn)? {
        let secret = Zeroizing::new(keys.open(conn, store, &name, &blob)?);
        let blob =
            sealed::seal(&root, store, &name, &secret).map_err(|e| StoreError::KeyNotSealed {
                store: store.to_string(),
                thumbprint: name.clone(),
                problem: Box::new(e.into()),
            })?;
        conn.execute(
            "UPDATE appliance_secrets SET blob = ?2 WHERE name = ?1",
            params![name, blob],
        )?;
    }
    Ok((root.version(), opened.len()))
}
