//! Pending certificate requests: a request's key waits in the `REQUEST` store (beside a
//! self-signed placeholder with the same key, as Windows keeps it) until the CA's
//! certificate comes back. Accepting it moves the key to the issued certificate and
//! removes the request, in one transaction: the key is never outside the store, and
//! never in two places after the commit.

use super::certificates::{NewEntry, insert_entry, thumbprint};
use super::stores::existing_store;
use super::{Database, StoreError, canonical_store_name};
use der::Decode;
use rusqlite::{TransactionBehavior, params};

/// The store pending requests are kept in, as Windows names it.
pub const REQUEST_STORE: &str = "REQUEST";

/// The DER SubjectPublicKeyInfo of a certificate, or why it cannot be read.
fn public_key(certificate: &[u8]) -> Result<Vec<u8>, StoreError> {
    let parsed = x509_cert::Certificate::from_der(certificate)
        .map_err(|e| StoreError::InvalidRequestCertificate(e.to_string()))?;
    der::Encode::to_der(parsed.tbs_certificate().subject_public_key_info())
        .map_err(|e| StoreError::InvalidRequestCertificate(e.to_string()))
}

impl Database {
    /// Pairs the issued certificate `entry` with the key of the pending request
    /// `request_thumbprint` in `request_store`: stores it in `store` with that key (and
    /// the entry's chain), and removes the request. All or nothing. Returns the issued
    /// certificate's thumbprint.
    pub fn accept_request(
        &mut self,
        request_store: &str,
        request_thumbprint: &str,
        store: &str,
        entry: &NewEntry,
    ) -> Result<String, StoreError> {
        let request_store = canonical_store_name(request_store)?;
        let request_thumbprint = request_thumbprint.trim().to_ascii_uppercase();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let store = existing_store(&tx, store)?;
        let not_found = || StoreError::RequestNotFound {
            store: request_store.clone(),
            thumbprint: request_thumbprint.clone(),
        };
        let (request_store, placeholder, sealed): (String, Vec<u8>, Option<Vec<u8>>) = tx
            .prepare_cached(
                "SELECT store, der, private_key FROM certificates WHERE store = ?1 AND thumbprint = ?2",
            )?
            .query_row(params![request_store, request_thumbprint], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => not_found(),
                other => StoreError::Sql(other),
            })?;
        let sealed = sealed.ok_or_else(not_found)?;
        if public_key(&placeholder)? != public_key(&entry.certificate)? {
            return Err(StoreError::RequestKeyMismatch {
                request: request_thumbprint,
                issued: thumbprint(&entry.certificate),
            });
        }
        let key = self
            .keys
            .open(&tx, &request_store, &request_thumbprint, &sealed)?;
        let issued = NewEntry {
            certificate: entry.certificate.clone(),
            private_key: Some(key),
            friendly_name: entry.friendly_name.clone(),
            chain: entry.chain.clone(),
        };
        let inserted = insert_entry(&tx, &self.keys, &store, &issued)?;
        tx.execute(
            "DELETE FROM certificates WHERE store = ?1 AND thumbprint = ?2",
            params![request_store, request_thumbprint],
        )?;
        tx.commit()?;
        self.scrub();
        Ok(inserted.thumbprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::root_key::{Provider, RootKeyConfig};

    fn test_database() -> (Database, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let db = Database::open_with(&home, RootKeyConfig::forced(&home, Provider::File)).unwrap();
        (db, dir)
    }

    fn der(pem: &str) -> Vec<u8> {
        use base64::Engine;
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    /// A stand-in key (the store does not parse keys) and two certificates with one
    /// public key: the fixture leaf, and the same with another serial number.
    fn key_with_two_certificates() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let issued = der(include_str!("../../../tests/fixtures/tech-local/leaf.crt"));
        let parsed = x509_cert::Certificate::from_der(&issued).unwrap();
        let serial = parsed.tbs_certificate().serial_number().as_bytes().to_vec();
        let at = issued
            .windows(serial.len())
            .position(|w| w == serial)
            .unwrap()
            + serial.len()
            - 1;
        let mut placeholder = issued.clone();
        placeholder[at] ^= 0x5a;
        assert_eq!(
            public_key(&placeholder).unwrap(),
            public_key(&issued).unwrap()
        );
        (b"PKCS8-STAND-IN".to_vec(), placeholder, issued)
    }

    fn foreign() -> Vec<u8> {
        der(include_str!("../../../tests/fixtures/tech-local/ca.crt"))
    }

    fn entry(certificate: &[u8], private_key: Option<Vec<u8>>, chain: Vec<Vec<u8>>) -> NewEntry {
        NewEntry {
            certificate: certificate.to_vec(),
            private_key,
            friendly_name: "req".into(),
            chain,
        }
    }

    #[test]
    fn the_key_moves_to_the_issued_certificate_and_the_request_goes() {
        let (mut db, _dir) = test_database();
        let (key, placeholder, issued) = key_with_two_certificates();
        let request = db
            .add_certificates(
                REQUEST_STORE,
                &[entry(&placeholder, Some(key.clone()), vec![])],
            )
            .unwrap()
            .remove(0);
        let chain = vec![b"not parsed by the store".to_vec()];
        let thumb = db
            .accept_request(
                "request",
                &request,
                "My",
                &entry(&issued, None, chain.clone()),
            )
            .unwrap();
        assert_eq!(thumb, thumbprint(&issued));
        let stored = db.get_certificate("My", &thumb).unwrap().unwrap();
        assert_eq!(stored.private_key.as_deref(), Some(&key[..]));
        assert_eq!(stored.chain, chain);
        assert!(db.list_certificates(REQUEST_STORE).unwrap().is_empty());
    }

    #[test]
    fn another_key_or_an_unknown_request_changes_nothing() {
        let (mut db, _dir) = test_database();
        let (key, placeholder, _) = key_with_two_certificates();
        let foreign = foreign();
        let request = db
            .add_certificates(REQUEST_STORE, &[entry(&placeholder, Some(key), vec![])])
            .unwrap()
            .remove(0);
        let mismatch = db.accept_request(
            REQUEST_STORE,
            &request,
            "My",
            &entry(&foreign, None, vec![]),
        );
        assert!(
            matches!(mismatch, Err(StoreError::RequestKeyMismatch { .. })),
            "{mismatch:?}"
        );
        let unknown = db.accept_request(REQUEST_STORE, "00", "My", &entry(&foreign, None, vec![]));
        assert!(
            matches!(unknown, Err(StoreError::RequestNotFound { .. })),
            "{unknown:?}"
        );
        assert_eq!(db.list_certificates(REQUEST_STORE).unwrap().len(), 1);
        assert!(db.list_certificates("My").unwrap().is_empty());
    }
}
