//! Every command's metadata (host built-ins and the certificate component's cmdlets)
//! follows the rules of `certhost_cmdlet_meta::check`, and every example runs, as
//! written, without an error; an example that declares its output prints exactly that.

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
    let mut infos = runtime.list_cmdlets(&plugin, &services).unwrap();
    infos.extend(certhost::builtins::all().iter().map(|c| c.info().clone()));
    let broken = certhost_cmdlet_meta::check_all(&infos);
    assert!(
        broken.is_empty(),
        "metadata rules broken:\n{}",
        broken
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let examples: Vec<(String, certhost_cmdlet_meta::Example)> = infos
        .iter()
        .flat_map(|c| c.examples.iter().map(|e| (c.name.clone(), e.clone())))
        .filter(|(_, e)| !e.needs_console && !e.needs_server)
        .collect();
    assert!(examples.len() >= infos.len(), "{} examples", examples.len());
    for (cmdlet, example) in examples {
        let code = example.code;
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
        if let Some(expected) = example.output {
            assert_eq!(
                out.stdout, expected,
                "output of the example of {cmdlet}:\n{code}"
            );
        }
    }
}
