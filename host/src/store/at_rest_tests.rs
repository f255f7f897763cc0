//! Private keys at rest, through the store: sealed in the database file and its WAL,
//! gone from both once removed or replaced, sealed when an older database is opened,
//! and a clear error (never "no private key") when the root key is missing or wrong or
//! a blob was moved or altered.

use super::keyring::KeyError;
use super::root_key::{KdfParams, Provider, RootKeyConfig, RootKeyError};
use super::sealed::{self, OpenError};
use super::{DATABASE_FILE, Database, NewEntry, StoreError, thumbprint};
use rusqlite::params;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn home() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    (dir, home)
}

fn file_keys(home: &Path) -> RootKeyConfig {
    RootKeyConfig::forced(home, Provider::File)
}

fn open(home: &Path) -> Database {
    Database::open_with(home, file_keys(home)).unwrap()
}

/// A recognisable stand-in for a PKCS#8 key (the store does not parse keys).
fn key(n: u8) -> Vec<u8> {
    let mut key = vec![0x30, 0x81, 0x80];
    key.extend_from_slice(b"PLAINTEXT-PRIVATE-KEY-MARKER-");
    let mut random = [0u8; 48];
    getrandom::fill(&mut random).unwrap();
    key.extend_from_slice(&random);
    key.push(n);
    key
}

fn certificate(n: u8) -> Vec<u8> {
    let mut der = b"CERTIFICATE-DER-MARKER-".to_vec();
    der.extend_from_slice(&[n; 40]);
    der
}

fn entry(n: u8, private_key: Option<Vec<u8>>) -> NewEntry {
    NewEntry {
        certificate: certificate(n),
        private_key,
        friendly_name: String::new(),
        chain: Vec::new(),
    }
}

/// The bytes of the database file and of its WAL (when there is one).
fn on_disk(home: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(home.join(DATABASE_FILE)).unwrap();
    if let Ok(wal) = std::fs::read(home.join(format!("{DATABASE_FILE}-wal"))) {
        bytes.extend_from_slice(&wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn raw_blob(db: &Database, thumbprint: &str) -> Vec<u8> {
    db.conn
        .query_row(
            "SELECT private_key FROM certificates WHERE store = 'My' AND thumbprint = ?1",
            [thumbprint],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_stored_key_is_sealed_in_the_database_file_and_the_wal() {
    let (_dir, home) = home();
    let mut db = open(&home);
    db.add_certificates("My", &[entry(1, None)]).unwrap();
    assert!(db.root_keys().unwrap().is_empty(), "no key, no root key");
    assert!(!home.join("root-key-v1").exists());

    let key = key(2);
    let thumb = db
        .add_certificates("My", &[entry(2, Some(key.clone()))])
        .unwrap()[0]
        .clone();
    let roots = db.root_keys().unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!((roots[0].version, roots[0].provider.as_str()), (1, "file"));
    let blob = raw_blob(&db, &thumb);
    assert!(sealed::is_sealed(&blob));
    assert_eq!(blob.len(), key.len() + sealed::OVERHEAD);

    let disk = on_disk(&home);
    assert!(
        contains(&disk, &certificate(2)),
        "the check would find bytes"
    );
    assert!(!contains(&disk, b"PLAINTEXT-PRIVATE-KEY-MARKER"));
    assert!(!contains(&disk, &key[key.len() - 20..]));

    let stored = db.get_certificate("my", &thumb).unwrap().unwrap();
    assert_eq!(stored.private_key.as_deref(), Some(&key[..]));
    assert!(stored.has_private_key);
    let listed = db.list_certificates("My").unwrap();
    assert_eq!(listed[1].private_key.as_deref(), Some(&key[..]));
    assert_eq!(listed[0].private_key, None);
    let without = db.list_certificates_without_keys("My").unwrap();
    assert_eq!(
        without
            .iter()
            .map(|c| (c.has_private_key, c.private_key.is_some()))
            .collect::<Vec<_>>(),
        [(false, false), (true, false)]
    );
    let one = db
        .get_certificate_without_key("My", &thumb)
        .unwrap()
        .unwrap();
    assert!(one.has_private_key && one.private_key.is_none());
    assert!(!format!("{stored:?}").contains("MARKER"));
}

#[test]
fn a_removed_key_leaves_no_bytes_of_its_blob_in_the_file_or_the_wal() {
    let (_dir, home) = home();
    let mut db = open(&home);
    let thumb = db
        .add_certificates("My", &[entry(1, Some(key(1)))])
        .unwrap()[0]
        .clone();
    db.add_certificates("My", &[entry(2, Some(key(2)))])
        .unwrap();
    let blob = raw_blob(&db, &thumb);
    let window = &blob[20..80];
    assert!(contains(&on_disk(&home), window), "the check would find it");

    assert!(db.remove_certificate("My", &thumb).unwrap());
    let disk = on_disk(&home);
    assert!(
        !contains(&disk, window),
        "the removed key's blob is still on disk"
    );
    assert!(contains(&disk, &certificate(2)));
    let wal = home.join(format!("{DATABASE_FILE}-wal"));
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    // The other key is untouched.
    let other = thumbprint(&certificate(2));
    assert!(
        db.get_certificate("My", &other)
            .unwrap()
            .unwrap()
            .private_key
            .is_some()
    );
}

#[test]
fn a_replaced_key_leaves_no_bytes_of_the_old_blob() {
    let (_dir, home) = home();
    let mut db = open(&home);
    let thumb = db
        .add_certificates("My", &[entry(1, Some(key(1)))])
        .unwrap()[0]
        .clone();
    let old = raw_blob(&db, &thumb);
    let new_key = key(9);
    db.add_certificates("My", &[entry(1, Some(new_key.clone()))])
        .unwrap();
    assert!(!contains(&on_disk(&home), &old[20..80]));
    assert_eq!(
        db.get_certificate("My", &thumb)
            .unwrap()
            .unwrap()
            .private_key,
        Some(new_key)
    );
}

#[test]
fn an_older_database_with_plaintext_keys_is_sealed_when_opened() {
    let (_dir, home) = home();
    let key = key(1);
    let der = certificate(1);
    let thumb = thumbprint(&der);
    {
        let db = open(&home);
        // Schema 5: no root_keys table, keys in the clear.
        db.conn
            .execute_batch("DROP TABLE root_keys; PRAGMA user_version = 5;")
            .unwrap();
        db.conn
            .execute(
                "INSERT INTO certificates (store, thumbprint, der, private_key, friendly_name, added_at)
                 VALUES ('My', ?1, ?2, ?3, 'old', 0)",
                params![thumb, der, key],
            )
            .unwrap();
        // Closing the last connection checkpoints the WAL into the database file.
    }
    assert!(
        contains(&on_disk(&home), b"PLAINTEXT-PRIVATE-KEY-MARKER"),
        "the check would find the plaintext"
    );

    let db = open(&home);
    let disk = on_disk(&home);
    assert!(!contains(&disk, b"PLAINTEXT-PRIVATE-KEY-MARKER"));
    assert!(!contains(&disk, &key[key.len() - 20..]));
    assert!(sealed::is_sealed(&raw_blob(&db, &thumb)));
    let stored = db.get_certificate("My", &thumb).unwrap().unwrap();
    assert_eq!(stored.private_key, Some(key));
    assert_eq!(stored.friendly_name, "old");
    assert_eq!(db.root_keys().unwrap().len(), 1);
    let version: i64 = db
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, super::schema::SCHEMA_VERSION);
}

#[test]
fn an_older_database_without_keys_makes_no_root_key() {
    let (_dir, home) = home();
    {
        let mut db = open(&home);
        db.add_certificates("My", &[entry(1, None)]).unwrap();
        db.conn
            .execute_batch("DROP TABLE root_keys; PRAGMA user_version = 5;")
            .unwrap();
    }
    let db = open(&home);
    assert!(db.root_keys().unwrap().is_empty());
    assert!(!home.join("root-key-v1").exists());
}

#[test]
fn a_missing_root_key_is_an_error_naming_the_certificate_and_what_to_restore() {
    let (_dir, home) = home();
    let thumb = {
        let mut db = open(&home);
        db.add_certificates("My", &[entry(1, Some(key(1)))])
            .unwrap()[0]
            .clone()
    };
    std::fs::remove_file(home.join("root-key-v1")).unwrap();
    let db = open(&home);
    // Listing without keys needs no root key.
    let listed = db.list_certificates_without_keys("My").unwrap();
    assert!(listed[0].has_private_key);
    let e = db.get_certificate("My", &thumb).unwrap_err();
    assert!(
        matches!(
            &e,
            StoreError::KeyUnreadable {
                store,
                thumbprint: named,
                ..
            } if store == "My" && *named == thumb
        ) && matches!(
            unreadable(&e),
            Some(KeyError::RootKey(RootKeyError::Missing { version: 1, .. }))
        ),
        "{e:?}"
    );
    let message = e.to_string();
    for part in [
        thumb.as_str(),
        "'My'",
        "root-key-v1",
        "Backup-CertificateStore",
    ] {
        assert!(message.contains(part), "{part} not in: {message}");
    }
    assert!(matches!(
        db.list_certificates("My"),
        Err(StoreError::KeyUnreadable { .. })
    ));
}

#[test]
fn a_wrong_or_exposed_root_key_is_refused_before_any_key_is_opened() {
    let (_dir, home) = home();
    let thumb = {
        let mut db = open(&home);
        db.add_certificates("My", &[entry(1, Some(key(1)))])
            .unwrap()[0]
            .clone()
    };
    let path = home.join("root-key-v1");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let original = std::fs::read(&path).unwrap();
    std::fs::write(&path, [0x42u8; 32]).unwrap();
    let e = open(&home).get_certificate("My", &thumb).unwrap_err();
    assert!(
        matches!(
            unreadable(&e),
            Some(KeyError::RootKey(RootKeyError::WrongKey { version: 1, .. }))
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("was replaced"), "{e}");

    std::fs::write(&path, &original).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = open(&home).get_certificate("My", &thumb).unwrap_err();
    assert!(
        matches!(
            unreadable(&e),
            Some(KeyError::RootKey(RootKeyError::Exposed { .. }))
        ),
        "{e:?}"
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(open(&home).get_certificate("My", &thumb).unwrap().is_some());
}

#[test]
fn a_blob_moved_to_another_certificate_or_altered_does_not_open() {
    let (_dir, home) = home();
    let mut db = open(&home);
    let thumbs = db
        .add_certificates("My", &[entry(1, Some(key(1))), entry(2, Some(key(2)))])
        .unwrap();
    let moved = raw_blob(&db, &thumbs[0]);
    db.conn
        .execute(
            "UPDATE certificates SET private_key = ?2 WHERE thumbprint = ?1",
            params![thumbs[1], moved],
        )
        .unwrap();
    let e = db.get_certificate("My", &thumbs[1]).unwrap_err();
    assert!(
        matches!(
            unreadable(&e),
            Some(KeyError::Sealed(OpenError::Authentication(1)))
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains(&thumbs[1]), "{e}");

    let mut altered = raw_blob(&db, &thumbs[0]);
    let last = altered.len() - 1;
    altered[last] ^= 1;
    db.conn
        .execute(
            "UPDATE certificates SET private_key = ?2 WHERE thumbprint = ?1",
            params![thumbs[0], altered],
        )
        .unwrap();
    assert!(matches!(
        db.get_certificate("My", &thumbs[0])
            .as_ref()
            .err()
            .and_then(unreadable),
        Some(KeyError::Sealed(OpenError::Authentication(1)))
    ));

    // A blob naming a root key version the database does not record.
    let mut unknown = raw_blob(&db, &thumbs[0]);
    unknown[2..6].copy_from_slice(&9u32.to_be_bytes());
    db.conn
        .execute(
            "UPDATE certificates SET private_key = ?2 WHERE thumbprint = ?1",
            params![thumbs[0], unknown],
        )
        .unwrap();
    assert!(matches!(
        db.get_certificate("My", &thumbs[0])
            .as_ref()
            .err()
            .and_then(unreadable),
        Some(KeyError::UnknownRootKey(9))
    ));
}

#[test]
fn an_orphaned_key_file_is_never_reused() {
    let (_dir, home) = home();
    let mut db = open(&home);
    // As a transaction that made root key 1 and then rolled back would leave it.
    std::fs::write(home.join("root-key-v1"), [7u8; 32]).unwrap();
    let thumb = db
        .add_certificates("My", &[entry(1, Some(key(1)))])
        .unwrap()[0]
        .clone();
    assert_eq!(db.root_keys().unwrap()[0].version, 2);
    assert_eq!(std::fs::read(home.join("root-key-v1")).unwrap(), [7u8; 32]);
    assert_eq!(sealed::root_key_version(&raw_blob(&db, &thumb)), Ok(2));
}

#[test]
fn rotation_reseals_every_key_under_a_new_version() {
    let (_dir, home) = home();
    let mut db = open(&home);
    let keys = [key(1), key(2)];
    let thumbs = db
        .add_certificates(
            "My",
            &[
                entry(1, Some(keys[0].clone())),
                entry(2, Some(keys[1].clone())),
                entry(3, None),
            ],
        )
        .unwrap();
    let before = raw_blob(&db, &thumbs[0]);
    assert_eq!(db.rotate_root_key().unwrap(), (2, 2));
    assert!(!contains(&on_disk(&home), &before[20..80]));
    drop(db);
    // Version 1 is no longer needed.
    std::fs::remove_file(home.join("root-key-v1")).unwrap();
    let db = open(&home);
    for (thumb, key) in thumbs.iter().zip(&keys) {
        assert_eq!(sealed::root_key_version(&raw_blob(&db, thumb)), Ok(2));
        assert_eq!(
            db.get_certificate("My", thumb)
                .unwrap()
                .unwrap()
                .private_key
                .as_ref(),
            Some(key)
        );
    }
    let versions: Vec<u32> = db.root_keys().unwrap().iter().map(|r| r.version).collect();
    assert_eq!(versions, [1, 2]);
}

#[test]
fn a_passphrase_store_opens_only_with_its_passphrase() {
    let (_dir, home) = home();
    let config = |passphrase: &str| RootKeyConfig {
        passphrase: Some(zeroize::Zeroizing::new(passphrase.to_string())),
        kdf: KdfParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        ..RootKeyConfig::forced(&home, Provider::Passphrase)
    };
    let key = key(1);
    let thumb = {
        let mut db = Database::open_with(&home, config("travel with me")).unwrap();
        db.add_certificates("My", &[entry(1, Some(key.clone()))])
            .unwrap()[0]
            .clone()
    };
    let db = Database::open_with(&home, config("travel with me")).unwrap();
    assert_eq!(db.root_keys().unwrap()[0].provider, "passphrase");
    assert_eq!(
        db.get_certificate("My", &thumb)
            .unwrap()
            .unwrap()
            .private_key,
        Some(key)
    );
    let db = Database::open_with(&home, config("guess")).unwrap();
    assert!(matches!(
        db.get_certificate("My", &thumb)
            .as_ref()
            .err()
            .and_then(unreadable),
        Some(KeyError::RootKey(RootKeyError::WrongKey { .. }))
    ));
}

#[test]
fn an_unknown_provider_fails_only_when_a_key_is_stored() {
    let (_dir, home) = home();
    let config = RootKeyConfig {
        choice: super::root_key::ProviderChoice::Unknown("tpm".into()),
        ..RootKeyConfig::new(&home)
    };
    let mut db = Database::open_with(&home, config).unwrap();
    db.add_certificates("My", &[entry(1, None)]).unwrap();
    let e = db
        .add_certificates("My", &[entry(2, Some(key(2)))])
        .unwrap_err();
    assert!(
        matches!(
            not_sealed(&e),
            Some(KeyError::RootKey(RootKeyError::UnknownProvider(_)))
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("CERTHOST_ROOT_KEY_PROVIDER"), "{e}");
    // Nothing of the failed add was written.
    assert_eq!(db.list_certificates_without_keys("My").unwrap().len(), 1);
}

#[test]
fn every_connection_deletes_securely() {
    let (_dir, home) = home();
    let db = open(&home);
    let on: i64 = db
        .conn
        .pragma_query_value(None, "secure_delete", |r| r.get(0))
        .unwrap();
    assert_eq!(on, 1);
}

/// The problem of a `KeyUnreadable` error.
fn unreadable(e: &StoreError) -> Option<&KeyError> {
    match e {
        StoreError::KeyUnreadable { problem, .. } => Some(problem),
        _ => None,
    }
}

/// The problem of a `KeyNotSealed` error.
fn not_sealed(e: &StoreError) -> Option<&KeyError> {
    match e {
        StoreError::KeyNotSealed { problem, .. } => Some(problem),
        _ => None,
    }
}
