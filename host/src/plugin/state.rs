//! The per-call state a component instance sees: the WASI context (granting nothing),
//! the memory limiter, the host services behind the WIT imports, and the gate that
//! checks each import against the instance's grants.

use super::grants::Gate;
use super::limits::MemoryLimiter;
use crate::store::Database;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// What the host offers a component: the database and the shell's working directory.
#[derive(Clone)]
pub struct Services {
    pub database: Arc<Mutex<Database>>,
    /// Relative paths in `files` calls resolve against this.
    pub cwd: PathBuf,
    /// certhost's state directory: never reachable through `files`, whatever the grant.
    pub state_dir: PathBuf,
    /// Messages components wrote (`host.write-message`), for the shell to show.
    pub messages: Arc<Mutex<Vec<Message>>>,
}

impl Services {
    pub fn new(database: Arc<Mutex<Database>>, cwd: PathBuf, state_dir: PathBuf) -> Self {
        Services {
            database,
            cwd,
            state_dir,
            messages: Arc::default(),
        }
    }

    /// The database. A poisoned lock means another thread panicked mid-call; the
    /// database itself is transactional, so its state is still consistent and we go on.
    pub fn database(&self) -> std::sync::MutexGuard<'_, Database> {
        self.database.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The messages written since the last call, oldest first.
    pub fn take_messages(&self) -> Vec<Message> {
        std::mem::take(&mut *self.messages.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// A message a component wrote for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Warning(String),
    Verbose(String),
    WhatIf(String),
}

pub struct HostState {
    pub(super) wasi: WasiCtx,
    pub(super) table: ResourceTable,
    pub(super) limiter: MemoryLimiter,
    pub(super) services: Services,
    /// What this instance was granted, and the places its paths resolve against.
    pub(super) gate: Gate,
    /// The guest's stderr (panic messages), kept for error reports.
    pub(super) stderr: MemoryOutputPipe,
}

/// Bytes of guest stderr kept for error messages.
const STDERR_CAPACITY: usize = 4096;

impl HostState {
    pub(super) fn new(services: Services, gate: Gate, memory_limit: usize) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        // No preopened directories, no environment, no arguments, no network: the
        // builder's defaults grant nothing. stdout is discarded; stderr is captured.
        let wasi = wasmtime_wasi::WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .build();
        HostState {
            wasi,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_limit),
            services,
            gate,
            stderr,
        }
    }

    pub(super) fn database(&self) -> std::sync::MutexGuard<'_, Database> {
        self.services.database()
    }

    /// The last line the guest wrote to stderr (its panic message), if any.
    pub(super) fn last_stderr_line(&self) -> Option<String> {
        let bytes = self.stderr.contents();
        let text = String::from_utf8_lossy(&bytes);
        text.lines()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.starts_with("note:"))
            .map(str::to_string)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
