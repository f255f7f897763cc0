//! Which certificate stores exist: Windows' default ones, and those made with
//! `New-Item Cert:\LocalMachine\<Name>` (kept in the `stores` table). Certificates go
//! only into a store that exists, so a mistyped `-CertStoreLocation` makes no store.

use super::{Database, StoreError, WELL_KNOWN_STORES, canonical_store_name, now};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

impl Database {
    /// The stores that exist: Windows' default ones, then those made with New-Item.
    pub fn store_names(&self) -> Result<Vec<String>, StoreError> {
        store_names(&self.conn)
    }

    /// The spelling of an existing store (`my` → `My`); an unknown name is
    /// [`StoreError::UnknownStore`], whose message lists the stores.
    pub fn existing_store(&self, name: &str) -> Result<String, StoreError> {
        existing_store(&self.conn, name)
    }

    /// Makes an empty store; `Ok(false)` when a store of that name (any case) exists.
    pub fn create_store(&mut self, name: &str) -> Result<bool, StoreError> {
        let name = canonical_store_name(name)?;
        if name.len() == 40 && name.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(StoreError::ThumbprintStoreName(name));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if find_store(&tx, &name)?.is_some() {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO stores (name, created_at) VALUES (?1, ?2)",
            params![name, now()],
        )?;
        tx.commit()?;
        Ok(true)
    }
}

impl Database {
    /// Removes a store made with New-Item. Windows' system stores stay, and a store that
    /// still holds certificates is refused (its keys would go with it).
    pub fn remove_store(&mut self, name: &str) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let name = removable_store(&tx, name)?;
        tx.execute("DELETE FROM stores WHERE name = ?1", [&name])?;
        tx.commit()?;
        Ok(())
    }
}

impl Database {
    /// What [`Database::remove_store`] would find, changing nothing: the store's
    /// spelling, or why it cannot be removed.
    pub fn check_store_removable(&self, name: &str) -> Result<String, StoreError> {
        removable_store(&self.conn, name)
    }
}

/// The spelling of `name` when it is a store made with New-Item that holds nothing.
fn removable_store(conn: &Connection, name: &str) -> Result<String, StoreError> {
    let name = existing_store(conn, name)?;
    if WELL_KNOWN_STORES
        .iter()
        .any(|w| w.eq_ignore_ascii_case(&name))
    {
        return Err(StoreError::SystemStore(name));
    }
    let count: i64 = conn.query_row(
        "SELECT COUNT(*) FROM certificates WHERE store = ?1",
        [&name],
        |r| r.get(0),
    )?;
    if count > 0 {
        return Err(StoreError::StoreNotEmpty {
            name,
            count: count as usize,
        });
    }
    Ok(name)
}

/// The spelling of the existing store `name`, or `StoreError::UnknownStore`.
pub(super) fn existing_store(conn: &Connection, name: &str) -> Result<String, StoreError> {
    let name = canonical_store_name(name)?;
    match find_store(conn, &name)? {
        Some(found) => Ok(found),
        None => Err(StoreError::UnknownStore {
            existing: store_names(conn)?,
            name,
        }),
    }
}

/// The stored spelling of `name` (any case) when that store exists.
fn find_store(conn: &Connection, name: &str) -> Result<Option<String>, StoreError> {
    if let Some(known) = WELL_KNOWN_STORES
        .iter()
        .find(|w| w.eq_ignore_ascii_case(name))
    {
        return Ok(Some(known.to_string()));
    }
    Ok(conn
        .prepare_cached("SELECT name FROM stores WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

fn store_names(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut names: Vec<String> = WELL_KNOWN_STORES.iter().map(|s| s.to_string()).collect();
    let mut stmt = conn.prepare_cached("SELECT name FROM stores ORDER BY name")?;
    let created: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for name in created {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            names.push(name);
        }
    }
    Ok(names)
}

/// The message of [`StoreError::UnknownStore`]: the stores there are, the nearest name,
/// and how to make the store.
pub(super) fn unknown_store_message(name: &str, existing: &[String]) -> String {
    let path = format!("Cert:\\LocalMachine\\{name}");
    let path = if name.contains(' ') {
        format!("'{path}'")
    } else {
        path
    };
    let how = match closest(name, existing) {
        Some(guess) => format!("did you mean '{guess}'? (New-Item {path} creates a store)"),
        None => format!("New-Item {path} creates a store"),
    };
    format!(
        "certificate store '{name}' does not exist; the stores are: {}; {how}",
        existing.join(", ")
    )
}

/// The existing name nearest to `name`: at most 2 edits away (fewer than its length),
/// or starting with it (3 letters or more); case is ignored.
fn closest<'a>(name: &str, existing: &'a [String]) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    existing
        .iter()
        .map(|s| (edit_distance(&lower, &s.to_ascii_lowercase()), s))
        .filter(|(d, s)| {
            (*d <= 2 && *d < name.len())
                || (name.len() >= 3 && s.to_ascii_lowercase().starts_with(&lower))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, s)| s.as_str())
}

/// Levenshtein distance between two strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substituted = previous[j] + usize::from(ca != *cb);
            current.push(substituted.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewEntry;

    fn database() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&dir.path().join("home")).unwrap();
        (dir, db)
    }

    fn entry() -> NewEntry {
        NewEntry {
            certificate: b"not really DER".to_vec(),
            private_key: None,
            friendly_name: String::new(),
            chain: Vec::new(),
        }
    }

    #[test]
    fn the_windows_stores_exist_in_any_case() {
        let (_dir, db) = database();
        assert_eq!(db.existing_store("my").unwrap(), "My");
        assert_eq!(db.existing_store("WEBHOSTING").unwrap(), "WebHosting");
        assert_eq!(
            db.existing_store("remote desktop").unwrap(),
            "Remote Desktop"
        );
        assert_eq!(db.store_names().unwrap()[..3], ["My", "Root", "CA"]);
    }

    #[test]
    fn an_unknown_store_is_refused_and_nothing_is_written() {
        let (_dir, mut db) = database();
        let e = db.add_certificates("Nope", &[entry()]).unwrap_err();
        assert!(matches!(&e, StoreError::UnknownStore { name, .. } if name == "Nope"));
        assert_eq!(
            e.to_string(),
            format!(
                "certificate store 'Nope' does not exist; the stores are: {}; New-Item Cert:\\LocalMachine\\Nope creates a store",
                WELL_KNOWN_STORES.join(", ")
            )
        );
        assert!(db.list_certificates("Nope").unwrap().is_empty());
        assert!(!db.store_names().unwrap().iter().any(|s| s == "Nope"));
    }

    #[test]
    fn a_near_name_is_suggested() {
        let (_dir, db) = database();
        let message = db.existing_store("Mi").unwrap_err().to_string();
        let expected = "did you mean 'My'? (New-Item Cert:\\LocalMachine\\Mi creates a store)";
        assert!(message.ends_with(expected), "{message}");
        let message = db.existing_store("webhost").unwrap_err().to_string();
        assert!(message.contains("did you mean 'WebHosting'?"), "{message}");
        let message = db.existing_store("My Store").unwrap_err().to_string();
        assert!(
            message.ends_with("New-Item 'Cert:\\LocalMachine\\My Store' creates a store"),
            "{message}"
        );
    }

    #[test]
    fn a_created_store_exists_once_and_takes_certificates() {
        let (_dir, mut db) = database();
        assert!(db.create_store("Backups").unwrap());
        assert!(!db.create_store("BACKUPS").unwrap());
        assert!(!db.create_store("my").unwrap());
        assert_eq!(db.existing_store("backups").unwrap(), "Backups");
        assert_eq!(
            db.store_names().unwrap().last().map(String::as_str),
            Some("Backups")
        );
        db.add_certificates("backups", &[entry()]).unwrap();
        let stored = db.list_certificates("Backups").unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].store, "Backups");
    }

    #[test]
    fn a_store_made_before_the_stores_table_still_exists() {
        let (dir, db) = database();
        db.conn
            .execute_batch(
                "INSERT INTO certificates (store, thumbprint, der, added_at) VALUES ('Samples', 'AB', x'00', 0);
                 DROP TABLE stores; PRAGMA user_version = 3;",
            )
            .unwrap();
        drop(db);
        let db = Database::open(&dir.path().join("home")).unwrap();
        assert_eq!(db.existing_store("samples").unwrap(), "Samples");
    }

    #[test]
    fn a_made_store_is_removed_when_empty_and_system_stores_stay() {
        let (_dir, mut db) = database();
        db.create_store("Backups").unwrap();
        db.add_certificates("Backups", &[entry()]).unwrap();
        assert!(matches!(
            db.remove_store("backups"),
            Err(StoreError::StoreNotEmpty { count: 1, .. })
        ));
        let thumb = crate::store::thumbprint(&entry().certificate);
        db.remove_certificate("Backups", &thumb).unwrap();
        db.remove_store("backups").unwrap();
        assert!(matches!(
            db.existing_store("Backups"),
            Err(StoreError::UnknownStore { .. })
        ));
        assert!(matches!(
            db.remove_store("Root"),
            Err(StoreError::SystemStore(_))
        ));
        assert!(matches!(
            db.create_store("283AA3CE6E2DC5AD1DC6FBA0505356BDEC135E42"),
            Err(StoreError::ThumbprintStoreName(_))
        ));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("nope", "my"), 4);
        assert_eq!(edit_distance("mi", "my"), 1);
        assert_eq!(edit_distance("", "ca"), 2);
        assert_eq!(edit_distance("root", "root"), 0);
        assert_eq!(
            closest("nope", &["My".to_string(), "Root".to_string()]),
            None
        );
    }
}
