//! The certificate stores.

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
    pub private_key: Option<Vec<u8>>,
    pub friendly_name: String,
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for StoredCertificate {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCertificate")
            .field("store", &self.store)
            .field("thumbprint", &self.thumbprint)
            .field("has_private_key", &self.private_key.is_some())
            .field("friendly_name", &self.friendly_name)
            .field("chain", &self.chain.len())
            .finish()
    }
}

/// SHA-1 thumbprint of DER bytes, uppercase hex.
pub fn thumbprint(der: &[u8]) -> String {
    hex::encode_upper(Sha1::digest(der))
}

impl Database {
    /// Every certificate in `store`, oldest first.
    pub fn list_certificates(&self, store: &str) -> Result<Vec<StoredCertificate>, StoreError> {
        let store = canonical_store_name(store)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT thumbprint FROM certificates WHERE store = ?1 ORDER BY added_at, rowid",
        )?;
        let thumbprints: Vec<String> = stmt
            .query_map([&store], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        thumbprints
            .iter()
            .filter_map(|t| self.get_certificate(&store, t).transpose())
            .collect()
    }

    /// One certificate by thumbprint (any case).
    pub fn get_certificate(
        &self,
        store: &str,
        thumbprint: &str,
    ) -> Result<Option<StoredCertificate>, StoreError> {
        let store = canonical_store_name(store)?;
        let thumbprint = thumbprint.trim().to_ascii_uppercase();
        let row = self
            .conn
            .prepare_cached(
                "SELECT store, der, private_key, friendly_name FROM certificates WHERE store = ?1 AND thumbprint = ?2",
            )?
            .query_row(params![store, thumbprint], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Option<Vec<u8>>>(2)?, r.get::<_, String>(3)?))
            })
            .optional()?;
        let Some((stored_name, der, private_key, friendly_name)) = row else {
            return Ok(None);
        };
        let chain = self
            .conn
            .prepare_cached(
                "SELECT der FROM chain_certificates WHERE store = ?1 AND thumbprint = ?2 ORDER BY position",
            )?
            .query_map(params![store, thumbprint], |r| r.get(0))?
            .collect::<Result<Vec<Vec<u8>>, _>>()?;
        Ok(Some(StoredCertificate {
            store: stored_name,
            thumbprint,
            certificate: der,
            private_key,
            friendly_name,
            chain,
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
        for entry in entries {
            thumbprints.push(insert_entry(&tx, &store, entry)?);
        }
        tx.commit()?;
        Ok(thumbprints)
    }

    /// Removes a certificate with its key and chain. Returns whether it existed. A
    /// certificate that a binding or slot uses is refused (`StoreError::InUse`).
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
        let uses = super::slots::certificate_uses(&tx, &store, &thumbprint)?;
        if !uses.is_empty() {
            return Err(StoreError::InUse { thumbprint, uses });
        }
        let n = tx.execute(
            "DELETE FROM certificates WHERE store = ?1 AND thumbprint = ?2",
            params![store, thumbprint],
        )?;
        tx.commit()?;
        Ok(n > 0)
    }
}

/// Inserts or updates one entry inside a transaction; returns its thumbprint. An existing
/// thumbprint keeps its key, friendly name and chain unless the entry brings new ones.
pub(super) fn insert_entry(
    tx: &rusqlite::Transaction<'_>,
    store: &str,
    entry: &NewEntry,
) -> Result<String, StoreError> {
    let thumb = thumbprint(&entry.certificate);
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
            entry.private_key,
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
    Ok(thumb)
}
