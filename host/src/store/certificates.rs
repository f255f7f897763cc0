//! The certificate stores.

use super::keyring::Keyring;
use super::stores::existing_store;
use super::{Database, StoreError, canonical_store_name, now};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha1::{Digest, Sha1};

/// A certificate to add (already validated by the certificate component).
pub struct NewEntry {
    pub certificate: Vec<u8>,
    pub private_key: Option<Vec<u8>>,
    pub friendly_name: String,
    pub chain: Vec<Vec<u8>>,
}

/// A certificate as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    /// Canonical store name.
    pub store: String,
    /// SHA-1 of the DER, uppercase hex.
    pub thumbprint: String,
    pub certificate: Vec<u8>,
    /// The private key (PKCS#8 DER, opened from its sealed form), when it was asked
    /// for: the `*_without_keys` reads leave it `None` and say only
    /// [`StoredCertificate::has_private_key`].
    pub private_key: Option<Vec<u8>>,
    /// Whether the store holds a private key for the certificate.
    pub has_private_key: bool,
    pub friendly_name: String,
    pub chain: Vec<Vec<u8>>,
    /// The expiry (Unix seconds) once a listing has inspected it; `None` before.
    pub not_after: Option<i64>,
}

impl std::fmt::Debug for StoredCertificate {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCertificate")
            .field("store", &self.store)
            .field("thumbprint", &self.thumbprint)
            .field("has_private_key", &self.has_private_key)
            .field("friendly_name", &self.friendly_name)
            .field("chain", &self.chain.len())
            .finish()
    }
}

/// SHA-1 thumbprint of DER bytes, uppercase hex.
pub fn thumbprint(der: &[u8]) -> String {
    hex::encode_upper(Sha1::digest(der))
}

/// Whether a read opens the private keys.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    Open,
    Leave,
}

impl Database {
    /// Every certificate in `store`, oldest first, with its private key. A key that does
    /// not open is an error ([`StoreError::KeyUnreadable`]).
    pub fn list_certificates(&self, store: &str) -> Result<Vec<StoredCertificate>, StoreError> {
        self.select_certificates(store, "store = ?1", None, Keys::Open)
    }

    /// Every certificate in `store`, oldest first, without opening private keys
    /// (`has_private_key` tells which have one): no root key is needed.
    pub fn list_certificates_without_keys(
        &self,
        store: &str,
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        self.select_certificates(store, "store = ?1", None, Keys::Leave)
    }

    /// The certificates of `store` that expire by `limit` (Unix seconds), or whose
    /// expiry is not recorded yet ([`Database::record_expiry`]), oldest first. The
    /// `(store, not_after)` index answers, so the cost follows what matches, not the
    /// size of the store.
    pub fn certificates_expiring(
        &self,
        store: &str,
        limit: i64,
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        self.select_expiring(store, limit, Keys::Open)
    }

    /// [`Database::certificates_expiring`] without opening private keys.
    pub fn certificates_expiring_without_keys(
        &self,
        store: &str,
        limit: i64,
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        self.select_expiring(store, limit, Keys::Leave)
    }

    fn select_expiring(
        &self,
        store: &str,
        limit: i64,
        keys: Keys,
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        // Two index lookups; `not_after IS NULL OR not_after <= ?2` would scan the store,
        // and so would `store = ?1` beside the subquery (the planner then walks the
        // primary key).
        self.select_certificates(
            store,
            "rowid IN (SELECT rowid FROM certificates WHERE store = ?1 AND not_after <= ?2
                       UNION ALL
                       SELECT rowid FROM certificates WHERE store = ?1 AND not_after IS NULL)",
            Some(limit),
            keys,
        )
    }

    /// Records expiry dates learned by inspecting stored certificates:
    /// `(store, thumbprint, not_after)`.
    pub fn record_expiry(&mut self, learned: &[(String, String, i64)]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (store, thumbprint, not_after) in learned {
            tx.execute(
                "UPDATE certificates SET not_after = ?3 WHERE store = ?1 AND thumbprint = ?2",
                params![store, thumbprint, not_after],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The certificates selected by `condition` (SQL over the certificates table; `?1` is
    /// the store, `?2` is `limit`), each with its chain and, with [`Keys::Open`], its
    /// private key.
    fn select_certificates(
        &self,
        store: &str,
        condition: &str,
        limit: Option<i64>,
        keys: Keys,
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        let store = canonical_store_name(store)?;
        // The sealed key is read only when it is to be opened.
        let key_column = match keys {
            Keys::Open => "private_key",
            Keys::Leave => "NULL",
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT store, thumbprint, der, {key_column}, friendly_name, not_after,
                    private_key IS NOT NULL
             FROM certificates WHERE {condition} ORDER BY added_at, rowid"
        ))?;
        let read = |r: &rusqlite::Row<'_>| {
            Ok((
                StoredCertificate {
                    store: r.get(0)?,
                    thumbprint: r.get(1)?,
                    certificate: r.get(2)?,
                    private_key: None,
                    has_private_key: r.get(6)?,
                    friendly_name: r.get(4)?,
                    chain: Vec::new(),
                    not_after: r.get(5)?,
                },
                r.get::<_, Option<Vec<u8>>>(3)?,
            ))
        };
        let rows: Vec<(StoredCertificate, Option<Vec<u8>>)> = match limit {
            Some(limit) => stmt.query_map(params![store, limit], read)?,
            None => stmt.query_map(params![store], read)?,
        }
        .collect::<Result<_, _>>()?;
        let mut found = Vec::with_capacity(rows.len());
        for (mut certificate, sealed) in rows {
            if let Some(sealed) = sealed {
                certificate.private_key = Some(self.keys.open(
                    &self.conn,
                    &certificate.store,
                    &certificate.thumbprint,
                    &sealed,
                )?);
            }
            certificate.chain = self.chain_of(&certificate.store, &certificate.thumbprint)?;
            found.push(certificate);
        }
        Ok(found)
    }

    fn chain_of(&self, store: &str, thumbprint: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT der FROM chain_certificates WHERE store = ?1 AND thumbprint = ?2 ORDER BY position",
            )?
            .query_map(params![store, thumbprint], |r| r.get(0))?
            .collect::<Result<Vec<Vec<u8>>, _>>()?)
    }

    /// One certificate by thumbprint (any case), with its private key. A key that does
    /// not open is an error ([`StoreError::KeyUnreadable`]).
    pub fn get_certificate(
        &self,
        store: &str,
        thumbprint: &str,
    ) -> Result<Option<StoredCertificate>, StoreError> {
        self.select_one(store, thumbprint, Keys::Open)
    }

    /// One certificate by thumbprint (any case), without opening its private key
    /// (`has_private_key` tells whether it has one): no root key is needed.
    pub fn get_certificate_without_key(
        &self,
        store: &str,
        thumbprint: &str,
    ) -> Result<Option<StoredCertificate>, StoreError> {
        self.select_one(store, thumbprint, Keys::Leave)
    }

    fn select_one(
        &self,
        store: &str,
        thumbprint: &str,
        keys: Keys,
    ) -> Result<Option<StoredCertificate>, StoreError> {
        let store = canonical_store_name(store)?;
        let thumbprint = thumbprint.trim().to_ascii_uppercase();
        let key_column = match keys {
            Keys::Open => "private_key",
            Keys::Leave => "NULL",
        };
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT store, der, {key_column}, friendly_name, not_after, private_key IS NOT NULL
                 FROM certificates WHERE store = ?1 AND thumbprint = ?2"
            ))?
            .query_row(params![store, thumbprint], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })
            .optional()?;
        let Some((stored_name, der, sealed, friendly_name, not_after, has_private_key)) = row
        else {
            return Ok(None);
        };
        let private_key = match sealed {
            Some(sealed) => Some(
                self.keys
                    .open(&self.conn, &stored_name, &thumbprint, &sealed)?,
            ),
            None => None,
        };
        let chain = self.chain_of(&store, &thumbprint)?;
        Ok(Some(StoredCertificate {
            store: stored_name,
            thumbprint,
            certificate: der,
            private_key,
            has_private_key,
            friendly_name,
            chain,
            not_after,
        }))
    }

    /// Adds entries in one transaction (all or none). An existing thumbprint is updated:
    /// a new key, friendly name or chain replaces the old one; absent ones are kept. A
    /// store that does not exist is refused ([`StoreError::UnknownStore`]); nothing is
    /// written then.
    pub fn add_certificates(
        &mut self,
        store: &str,
        entries: &[NewEntry],
    ) -> Result<Vec<String>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let store = existing_store(&tx, store)?;
        let mut thumbprints = Vec::with_capacity(entries.len());
        let mut replaced_key = false;
        for entry in entries {
            let inserted = insert_entry(&tx, &self.keys, &store, entry)?;
            replaced_key |= inserted.replaced_key;
            thumbprints.push(inserted.thumbprint);
        }
        tx.commit()?;
        if replaced_key {
            self.scrub();
        }
        Ok(thumbprints)
    }

    /// What [`Database::remove_certificate`] would find, changing nothing: whether the
    /// certificate exists, or `StoreError::InUse` when a binding or slot uses it.
    pub fn check_certificate_removable(
        &self,
        store: &str,
        thumbprint: &str,
    ) -> Result<bool, StoreError> {
        let store = canonical_store_name(store)?;
        let thumbprint = thumbprint.trim().to_ascii_uppercase();
        let exists = self
            .conn
            .prepare_cached("SELECT 1 FROM certificates WHERE store = ?1 AND thumbprint = ?2")?
            .exists(params![store, thumbprint])?;
        if !exists {
            return Ok(false);
        }
        refuse_if_used(&self.conn, &store, thumbprint)?;
        Ok(true)
    }

    /// Removes a certificate with its key and chain. Returns whether it existed. A
    /// certificate that a binding or slot uses is refused (`StoreError::InUse`). A
    /// removed key's sealed blob is overwritten in the database file and the WAL (see
    /// `secure_delete` in the module documentation).
    pub fn remove_certificate(
        &mut self,
        store: &str,
        thumbprint: &str,
    ) -> Result<bool, StoreError> {
        let store = canonical_store_name(store)?;
        let thumbprint = thumbprint.trim().to_ascii_uppercase();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        refuse_if_used(&tx, &store, thumbprint.clone())?;
        let had_key = tx
            .prepare_cached(
                "SELECT 1 FROM certificates WHERE store = ?1 AND thumbprint = ?2 AND private_key IS NOT NULL",
            )?
            .exists(params![store, thumbprint])?;
        let n = tx.execute(
            "DELETE FROM certificates WHERE store = ?1 AND thumbprint = ?2",
            params![store, thumbprint],
        )?;
        tx.commit()?;
        if had_key {
            self.scrub();
        }
        Ok(n > 0)
    }
}

/// `StoreError::InUse` when a binding or slot uses the certificate.
fn refuse_if_used(
    conn: &rusqlite::Connection,
    store: &str,
    thumbprint: String,
) -> Result<(), StoreError> {
    let uses = super::slots::certificate_uses(conn, store, &thumbprint)?;
    if uses.is_empty() {
        Ok(())
    } else {
        Err(StoreError::InUse { thumbprint, uses })
    }
}

/// What [`insert_entry`] did.
pub(super) struct Inserted {
    pub thumbprint: String,
    /// An existing private key was replaced: its old blob is to be scrubbed after the
    /// commit.
    pub replaced_key: bool,
}

/// Inserts or updates one entry inside a transaction. An existing thumbprint keeps its
/// key, friendly name and chain unless the entry brings new ones. A private key is
/// sealed before it is written (the first one makes the root key, in this transaction).
pub(super) fn insert_entry(
    tx: &rusqlite::Transaction<'_>,
    keys: &Keyring,
    store: &str,
    entry: &NewEntry,
) -> Result<Inserted, StoreError> {
    let thumb = thumbprint(&entry.certificate);
    let sealed = match &entry.private_key {
        Some(key) => Some(keys.seal(tx, store, &thumb, key)?),
        None => None,
    };
    let replaced_key = sealed.is_some()
        && tx
            .prepare_cached(
                "SELECT 1 FROM certificates WHERE store = ?1 AND thumbprint = ?2 AND private_key IS NOT NULL",
            )?
            .exists(params![store, thumb])?;
    tx.execute(
        "INSERT INTO certificates (store, thumbprint, der, private_key, friendly_name, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (store, thumbprint) DO UPDATE SET
           private_key = COALESCE(excluded.private_key, certificates.private_key),
           friendly_name = CASE WHEN excluded.friendly_name = '' THEN certificates.friendly_name
                                ELSE excluded.friendly_name END",
        params![
            store,
            thumb,
            entry.certificate,
            sealed,
            entry.friendly_name,
            now()
        ],
    )?;
    if !entry.chain.is_empty() {
        tx.execute(
            "DELETE FROM chain_certificates WHERE store = ?1 AND thumbprint = ?2",
            params![store, thumb],
        )?;
        for (position, der) in entry.chain.iter().enumerate() {
            tx.execute(
                "INSERT INTO chain_certificates (store, thumbprint, position, der) VALUES (?1, ?2, ?3, ?4)",
                params![store, thumb, position as i64, der],
            )?;
        }
    }
    Ok(Inserted {
        thumbprint: thumb,
        replaced_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8) -> NewEntry {
        NewEntry {
            certificate: vec![n; 4],
            private_key: None,
            friendly_name: String::new(),
            chain: Vec::new(),
        }
    }

    #[test]
    fn the_expiry_index_answers_once_expiry_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open(&dir.path().join("home")).unwrap();
        let thumbs = db
            .add_certificates("My", &[entry(1), entry(2), entry(3)])
            .unwrap();
        // Nothing recorded yet: every certificate may expire, so all are candidates.
        assert_eq!(db.certificates_expiring("My", 100).unwrap().len(), 3);
        let learned: Vec<_> = thumbs
            .iter()
            .zip([50, 150, 99])
            .map(|(t, not_after)| ("My".to_string(), t.clone(), not_after))
            .collect();
        db.record_expiry(&learned).unwrap();
        let expiring = db.certificates_expiring("My", 100).unwrap();
        let found: Vec<_> = expiring
            .iter()
            .map(|c| (c.thumbprint.clone(), c.not_after))
            .collect();
        assert_eq!(
            found,
            vec![(thumbs[0].clone(), Some(50)), (thumbs[2].clone(), Some(99))]
        );
        assert_eq!(db.list_certificates("My").unwrap().len(), 3);
    }

    #[test]
    fn a_database_of_schema_4_gains_the_expiry_column() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let db = Database::open(&home).unwrap();
        db.conn
            .execute_batch(
                "DROP INDEX certificates_by_expiry; ALTER TABLE certificates DROP COLUMN not_after;
                 INSERT INTO certificates (store, thumbprint, der, added_at) VALUES ('My', 'AB', x'00', 0);
                 PRAGMA user_version = 4;",
            )
            .unwrap();
        drop(db);
        let db = Database::open(&home).unwrap();
        let listed = db.certificates_expiring("My", 0).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].not_after, None);
    }
}
