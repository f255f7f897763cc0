//! A component that loops forever, allocates without bound or panics is stopped with an
//! error, and the host goes on serving calls (tests/components/runaway).

use certhost::plugin::{CmdletCall, Grants, PluginError, Runtime, RuntimeConfig, Services};
use certhost::store::Database;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn setup(dir: &Path) -> (Runtime, Services) {
    let mut config = RuntimeConfig::new(dir.join("cache"));
    config.timeout = Duration::from_millis(500);
    config.memory_limit = 64 << 20;
    let runtime = Runtime::new(config).unwrap();
    let db = Database::open(&dir.join("home")).unwrap();
    (
        runtime,
        Services::new(
            Arc::new(Mutex::new(db)),
            dir.to_path_buf(),
            dir.join("home"),
        ),
    )
}

fn call(name: &str) -> CmdletCall<'_> {
    CmdletCall {
        name,
        parameter_set: "__AllParameterSets",
        arguments: &[],
        input: None,
        named_paths: &[],
    }
}

#[test]
fn runaway_guests_are_stopped_and_the_host_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, services) = setup(dir.path());
    let plugin = runtime
        .load_file(Path::new(env!("CERTHOST_RUNAWAY_WASM")), Grants::imported())
        .unwrap();
    let names: Vec<String> = runtime
        .list_cmdlets(&plugin, &services)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        names,
        ["Invoke-Spin", "Invoke-Hog", "Invoke-Panic", "Invoke-Fine"]
    );

    let started = Instant::now();
    let err = runtime
        .invoke_cmdlet(&plugin, &services, &call("Invoke-Spin"))
        .unwrap_err();
    assert!(matches!(err, PluginError::Timeout { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped near the 0.5 s limit"
    );
    assert!(err.to_string().contains("ran longer than the time limit"));

    let err = runtime
        .invoke_cmdlet(&plugin, &services, &call("Invoke-Hog"))
        .unwrap_err();
    assert!(
        matches!(err, PluginError::OutOfMemory { limit_mib: 64, .. }),
        "{err}"
    );

    let err = runtime
        .invoke_cmdlet(&plugin, &services, &call("Invoke-Panic"))
        .unwrap_err();
    let PluginError::Trap { guest, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        guest.as_deref().unwrap_or("").contains("deliberate panic"),
        "{err}"
    );

    // The same runtime and component still work.
    let ok = runtime
        .invoke_cmdlet(&plugin, &services, &call("Invoke-Fine"))
        .unwrap()
        .unwrap();
    assert_eq!(ok.len(), 1);
}

#[test]
fn the_certificate_component_reports_bad_input_as_typed_errors_not_traps() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, services) = setup(dir.path());
    let plugin = runtime.load_builtin(Grants::shell()).unwrap();
    let api = runtime.certificates(&plugin, &services).unwrap();
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    assert!(matches!(
        api.inspect(&garbage).unwrap(),
        Err(certhost::plugin::CertError::Corrupt(_))
    ));
    assert!(matches!(
        api.import_pfx(&garbage, "x").unwrap(),
        Err(certhost::plugin::CertError::Corrupt(_))
    ));
    // Deeply nested BER must not overflow the guest's stack.
    let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 5000)
        .flatten()
        .collect();
    assert!(matches!(
        api.import_pfx(&deep, "x").unwrap(),
        Err(certhost::plugin::CertError::Corrupt(_))
    ));
}

#[test]
fn a_warm_start_reuses_the_precompiled_artifact_and_distrusts_loose_ones() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let (runtime, _services) = setup(dir.path());
    runtime.load_builtin(Grants::shell()).unwrap();
    let cached: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(cached.len(), 1, "one artifact");
    let artifact = &cached[0];
    let first = std::fs::metadata(artifact).unwrap();
    assert_eq!(first.permissions().mode() & 0o777, 0o600);

    // Loading again deserializes the same file: it is not rewritten.
    runtime.load_builtin(Grants::shell()).unwrap();
    let second = std::fs::metadata(artifact).unwrap();
    assert_eq!(
        (first.ino(), first.mtime_nsec()),
        (second.ino(), second.mtime_nsec())
    );

    // An artifact others could have written is not trusted: it is rebuilt, privately.
    std::fs::set_permissions(artifact, std::fs::Permissions::from_mode(0o644)).unwrap();
    runtime.load_builtin(Grants::shell()).unwrap();
    let third = std::fs::metadata(artifact).unwrap();
    assert_ne!(third.ino(), first.ino(), "replaced by an atomic rename");
    assert_eq!(third.permissions().mode() & 0o777, 0o600);
}

#[test]
fn the_portable_build_behaves_like_the_embedded_one() {
    let dir = tempfile::tempdir().unwrap();
    let (runtime, services) = setup(dir.path());
    let embedded = runtime.load_builtin(Grants::shell()).unwrap();
    let portable = runtime
        .load_file(
            Path::new(env!("CERTHOST_PORTABLE_GUEST_WASM")),
            Grants::shell(),
        )
        .unwrap();
    let names = |p| {
        runtime
            .list_cmdlets(p, &services)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&embedded), names(&portable));
    let pfx = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/pfx-samples/nss/ec-p256-nss.aes256.p12"),
    )
    .unwrap();
    for plugin in [&embedded, &portable] {
        let api = runtime.certificates(plugin, &services).unwrap();
        let entries = api.import_pfx(&pfx, "Test-P@ss1").unwrap().unwrap();
        let info = api.inspect(&entries[0].certificate).unwrap().unwrap();
        assert_eq!(info.key_algorithm, "ECDSA_P256");
        assert!(matches!(
            api.import_pfx(&pfx, "wrong").unwrap(),
            Err(certhost::plugin::CertError::WrongPassword(_))
        ));
    }
}
