//! Test tool: runs a `wasm32-wasip2` test binary (a WASI command component) under
//! wasmtime, so the certificate core's unit tests also run in wasm:
//!
//! `CARGO_TARGET_WASM32_WASIP2_RUNNER=target/release/wasi-test-runner \
//!  cargo test --release --target wasm32-wasip2 -p certhost-core`
//!
//! The test gets stdio, its arguments, and read-only access to the repository (mapped at
//! the same absolute path, so `env!("CARGO_MANIFEST_DIR")` paths resolve). Not part of
//! the shell.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

fn run(args: &[String]) -> wasmtime::Result<bool> {
    let wasm = &args[0];
    let repository: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()?;
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.wasm_wide_arithmetic(true);
    let engine = Engine::new(&config)?;
    let component = Component::from_file(&engine, wasm)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    let repository_str = repository.to_string_lossy().into_owned();
    let wasi = wasmtime_wasi::WasiCtxBuilder::new()
        .inherit_stdio()
        .args(args)
        .preopened_dir(&repository, &repository_str, FsPerms::ReadOnly)?
        .build();
    let mut store = Store::new(
        &engine,
        State {
            wasi,
            table: ResourceTable::new(),
        },
    );
    let command = Command::instantiate(&mut store, &component, &linker)?;
    Ok(command.wasi_cli_run().call_run(&mut store)?.is_ok())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: wasi-test-runner <test.wasm> [test arguments]");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(101),
        Err(e) => {
            eprintln!("wasi-test-runner: {e:#}");
            ExitCode::from(1)
        }
    }
}
