//! Every example in every cmdlet's metadata (host built-ins and the certificate
//! component's cmdlets) runs, as written, without an error.

mod common;
use certhost::plugin::{Grants, Runtime, RuntimeConfig, Services};
use certhost::store::Database;
use common::*;
use std::sync::{Arc, Mutex};

#[test]
fn every_cmdlet_example_runs_without_error() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = Runtime::new(RuntimeConfig::new(dir.path().join("cache"))).unwrap();
    let plugin = runtime.load_builtin(Grants::shell()).unwrap();
    let services = Services::new(
        Arc::new(Mutex::new(
            Database::open(&dir.path().join("home")).unwrap(),
        )),
        dir.path().to_path_buf(),
        dir.path().join("home"),
    );
    let mut examples: Vec<(String, String)> = runtime
        .list_cmdlets(&plugin, &services)
        .unwrap()
        .into_iter()
        .flat_map(|c| {
            c.examples
                .into_iter()
                .map(move |e| (c.name.clone(), e.code))
        })
        .collect();
    examples.extend(certhost::builtins::all().iter().flat_map(|c| {
        c.info()
            .examples
            .iter()
            .map(|e| (c.info().name.clone(), e.code.clone()))
            .collect::<Vec<_>>()
    }));
    assert!(examples.len() >= 5, "{} examples", examples.len());
    for (cmdlet, code) in examples {
        let sb = Sandbox::new();
        // The module the Import-Module examples load.
        std::fs::copy(env!("CERTHOST_HOSTILE_WASM"), sb.path("module.wasm")).unwrap();
        let out = sb.run(&code);
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (0, ""),
            "example of {cmdlet}:\n{code}\nstdout:\n{}",
            out.stdout
        );
    }
}
