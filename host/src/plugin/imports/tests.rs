//! The imports and their grants, called directly (no wasm): each import refuses what its
//! instance was not granted with the typed permission-denied, and changes nothing.

use super::super::bindings::certhost::plugin::{
    bindings, files, host, primitives, server, store, types,
};
use super::super::grants::{Capability, Gate, Grants};
use super::super::state::{HostState, Services};
use crate::store::{Database, NewEntry};
use std::sync::{Arc, Mutex};

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        let mut db = Database::open(&dir.path().join("home")).unwrap();
        db.add_certificates(
            "My",
            &[NewEntry {
                certificate: b"not really DER".to_vec(),
                private_key: Some(b"secret key bytes".to_vec()),
                friendly_name: "k".into(),
                chain: Vec::new(),
            }],
        )
        .unwrap();
        Fixture { dir }
    }

    fn home(&self) -> std::path::PathBuf {
        self.dir.path().join("home")
    }

    fn state(&self, grants: Grants) -> HostState {
        let cwd = self.dir.path().join("work");
        let db = Database::open(&self.home()).unwrap();
        let services = Services::new(Arc::new(Mutex::new(db)), cwd.clone(), self.home());
        let gate = Gate {
            grants,
            module: "hostile".into(),
            cwd,
            named: Vec::new(),
            protected: vec![self.home()],
        };
        HostState::new(services, gate, 1 << 20)
    }
}

fn granted(capabilities: &[Capability]) -> Grants {
    let mut g = Grants::imported();
    capabilities.iter().for_each(|c| g.allow(*c));
    g
}

fn is_denied(e: &types::StoreError, capability: &str) -> bool {
    matches!(e, types::StoreError::PermissionDenied(d) if d.capability == capability)
}

#[test]
fn an_imported_module_is_denied_the_store_and_nothing_changes() {
    let f = Fixture::new();
    let mut s = f.state(Grants::imported());
    let e = store::Host::list_certificates(&mut s, "My".into()).unwrap_err();
    assert!(is_denied(&e, "StoreRead"), "{e:?}");
    let types::StoreError::PermissionDenied(d) = &e else {
        unreachable!()
    };
    assert!(
        d.message.contains("'hostile'") && d.message.contains("-Allow StoreRead"),
        "{}",
        d.message
    );
    let e = store::Host::remove_certificate(&mut s, "My".into(), "X".into(), true).unwrap_err();
    assert!(is_denied(&e, "StoreWrite"));
    let e = store::Host::add_certificates(&mut s, "Root".into(), Vec::new()).unwrap_err();
    assert!(is_denied(&e, "StoreWrite"));
    assert_eq!(s.database().list_certificates("My").unwrap().len(), 1);
    assert!(s.database().list_certificates("Root").unwrap().is_empty());
}

#[test]
fn private_keys_need_their_own_grant() {
    let f = Fixture::new();
    let mut s = f.state(granted(&[Capability::StoreRead]));
    let list = store::Host::list_certificates(&mut s, "My".into()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].entry.private_key, None);
    let thumbprint = list[0].thumbprint.clone();
    let one = store::Host::get_certificate(&mut s, "My".into(), thumbprint.clone()).unwrap();
    assert_eq!(one.unwrap().entry.private_key, None);
    let mut s = f.state(granted(&[Capability::PrivateKeys]));
    let one = store::Host::get_certificate(&mut s, "My".into(), thumbprint).unwrap();
    assert_eq!(
        one.unwrap().entry.private_key.as_deref(),
        Some(&b"secret key bytes"[..])
    );
}

#[test]
fn a_pasted_thumbprint_finds_its_certificate_with_a_warning() {
    let f = Fixture::new();
    let mut s = f.state(granted(&[Capability::StoreRead]));
    let thumbprint = crate::store::thumbprint(b"not really DER");
    let pairs: Vec<String> = thumbprint
        .to_ascii_lowercase()
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect();
    let pasted = format!("\u{200E}{}", pairs.join(" "));
    let one = store::Host::get_certificate(&mut s, "My".into(), pasted).unwrap();
    assert_eq!(one.unwrap().thumbprint, thumbprint);
    assert_eq!(
        s.services.take_messages(),
        vec![super::super::state::Message::Warning(format!(
            "the thumbprint contained 1 invisible formatting character and 19 spaces, which were removed (as pasted from the Windows certificate dialog): {thumbprint}"
        ))]
    );
    let e = store::Host::get_certificate(&mut s, "My".into(), "\u{200E}AB12".into()).unwrap_err();
    let types::StoreError::NotFound(message) = &e else {
        panic!("not a not-found error: {e:?}");
    };
    assert!(
        message.starts_with("'<U+200E>AB12' is not a thumbprint: it has 4 hexadecimal digits."),
        "{message}"
    );
}

#[test]
fn bindings_and_server_need_their_grants() {
    let f = Fixture::new();
    let mut s = f.state(Grants::imported());
    assert!(is_denied(
        &bindings::Host::list_bindings(&mut s).unwrap_err(),
        "Bindings"
    ));
    assert!(is_denied(
        &bindings::Host::remove_binding(&mut s, "0.0.0.0:9419".into()).unwrap_err(),
        "Bindings"
    ));
    assert!(is_denied(
        &server::Host::identity(&mut s).unwrap_err(),
        "Server"
    ));
    assert!(is_denied(
        &server::Host::get_slot(&mut s, "BackupServer".into()).unwrap_err(),
        "Server"
    ));
    let mut s = f.state(granted(&[Capability::Bindings, Capability::Server]));
    assert!(bindings::Host::list_bindings(&mut s).unwrap().is_empty());
    assert!(
        server::Host::get_slot(&mut s, "BackupServer".into())
            .unwrap()
            .is_none()
    );
}

fn file_denied(e: &types::FileError) -> Option<String> {
    match e {
        types::FileError::PermissionDenied(d) => Some(d.capability.clone()),
        _ => None,
    }
}

#[test]
fn files_are_denied_without_a_grant_and_never_reach_the_state_directory() {
    let f = Fixture::new();
    let mut s = f.state(Grants::imported());
    let e = files::Host::read_file(&mut s, "/etc/passwd".into()).unwrap_err();
    assert_eq!(file_denied(&e).as_deref(), Some("FilesRead"));
    let e = files::Host::write_file(&mut s, "x.pem".into(), b"x".to_vec(), false).unwrap_err();
    assert_eq!(file_denied(&e).as_deref(), Some("FilesWrite"));
    assert!(!f.dir.path().join("work/x.pem").exists());

    let mut s = f.state(granted(&[Capability::FilesRead, Capability::FilesWrite]));
    files::Host::write_file(&mut s, "x.pem".into(), b"x".to_vec(), false).unwrap();
    assert_eq!(
        files::Host::read_file(&mut s, "x.pem".into()).unwrap(),
        b"x"
    );
    let e = files::Host::read_file(&mut s, "/etc/passwd".into()).unwrap_err();
    assert_eq!(file_denied(&e).as_deref(), Some("FilesRead"));
    let db = f.home().join("certhost.db");
    let before = std::fs::read(&db).unwrap();
    for path in [
        db.display().to_string(),
        "../home/certhost.db".into(),
        "../home/cache/x.cwasm".into(),
    ] {
        let e =
            files::Host::write_file(&mut s, path.clone(), b"pwned".to_vec(), false).unwrap_err();
        assert_eq!(file_denied(&e).as_deref(), Some("FilesWrite"), "{path}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(!f.home().join("cache/x.cwasm").exists());
    // Not found is a different error from denied.
    let e = files::Host::read_file(&mut s, "missing.pfx".into()).unwrap_err();
    assert!(matches!(e, types::FileError::NotFound(_)), "{e:?}");
}

#[test]
fn messages_and_primitives_can_be_withheld() {
    let f = Fixture::new();
    let mut s = f.state(Grants::default());
    let e =
        host::Host::write_message(&mut s, host::MessageLevel::Warning, "hi".into()).unwrap_err();
    assert_eq!(e.capability, "Messages");
    assert!(s.services.take_messages().is_empty());
    let e = primitives::Host::generate_rsa_key(&mut s, 2048).unwrap_err();
    assert!(matches!(e, primitives::PrimitiveError::PermissionDenied(_)));
    let mut s = f.state(Grants::imported());
    host::Host::write_message(&mut s, host::MessageLevel::Warning, "hi".into()).unwrap();
    assert_eq!(s.services.take_messages().len(), 1);
    let key = primitives::Host::pbkdf2_hmac(
        &mut s,
        primitives::Digest::Sha256,
        b"p".to_vec(),
        b"s".to_vec(),
        1,
        16,
    )
    .unwrap();
    assert_eq!(key.len(), 16);
}

#[test]
fn the_shell_profile_reads_named_paths_only_besides_the_working_directory() {
    let f = Fixture::new();
    let outside = f.dir.path().join("elsewhere.pem");
    std::fs::write(&outside, b"pem").unwrap();
    let mut s = f.state(Grants::shell());
    let path = outside.display().to_string();
    assert!(files::Host::read_file(&mut s, path.clone()).is_err());
    s.gate.named = vec![outside.clone()];
    assert_eq!(files::Host::read_file(&mut s, path).unwrap(), b"pem");
}
