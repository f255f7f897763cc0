//! The component runtime: the one place wasmtime lives.
//!
//! Every call gets a fresh `Store` and instance (a trap poisons an instance, and an
//! instance costs about 0.1 ms), a WASI context that grants nothing, a memory cap and an
//! epoch deadline. A trap — timeout, memory exhausted, guest panic — becomes a
//! [`PluginError`]; the host goes on.

mod bindings;
mod cache;
mod host_impl;
mod limits;
mod server_impl;
mod state;

pub use bindings::certhost::plugin::types::{CertError, CertificateEntry, CertificateInfo, Eku};
pub use bindings::exports::certhost::plugin::certificates::{
    ExtendedKeyUsage, GenerateRequest, KeyAlgorithm, KeyUsage, PfxProfile,
};
pub use bindings::exports::certhost::plugin::cmdlets as wit;
pub use host_impl::io_reason;
pub use server_impl::{REST_API_ENDPOINT, default_rest_binding};
pub use state::{Message, Services};

use bindings::exports::certhost::plugin::{certificates, cmdlets};
use sha2::{Digest, Sha256};
use state::HostState;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::component::{HasSelf, Instance, InstancePre, Linker};
use wasmtime::{Config, Engine, Store, Trap};

/// The certificate component, built from `guest/` by build.rs (wide-arithmetic build).
static GUEST_WASM: &[u8] = include_bytes!(env!("CERTHOST_GUEST_WASM"));
const GUEST_SHA256: &str = env!("CERTHOST_GUEST_SHA256");

/// Epoch tick: the granularity of timeouts.
const TICK: Duration = Duration::from_millis(10);

/// Limits for each component call.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Where precompiled components are cached.
    pub cache_dir: PathBuf,
    /// Linear-memory cap per instance, in bytes.
    pub memory_limit: usize,
    /// Wall-clock limit of one call.
    pub timeout: Duration,
}

impl RuntimeConfig {
    /// 256 MiB and 120 s per call (RSA-4096 generation is the slowest legitimate work,
    /// well under a second with host-side key generation).
    pub fn new(cache_dir: PathBuf) -> Self {
        RuntimeConfig {
            cache_dir,
            memory_limit: 256 << 20,
            timeout: Duration::from_secs(120),
        }
    }
}

/// Why a component call did not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    #[error(
        "the component '{component}' was stopped after {seconds:.1} s: it ran longer than the time limit"
    )]
    Timeout { component: String, seconds: f64 },
    #[error(
        "the component '{component}' was stopped: it tried to use more than {limit_mib} MiB of memory"
    )]
    OutOfMemory { component: String, limit_mib: usize },
    #[error("the component '{component}' failed{}: {message}", guest.as_ref().map(|g| format!(" ({g})")).unwrap_or_default())]
    Trap {
        component: String,
        message: String,
        guest: Option<String>,
    },
    #[error("cannot load component {path}: {message}")]
    Load { path: String, message: String },
    #[error("the component '{component}' does not fit certhost's WIT contract: {message}")]
    Incompatible { component: String, message: String },
}

/// The engine, linker and configuration shared by all components.
pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    config: RuntimeConfig,
}

/// A loaded component, ready to instantiate.
pub struct Plugin {
    name: String,
    pre: InstancePre<HostState>,
    cmdlets: cmdlets::GuestIndices,
    certificates: Option<certificates::GuestIndices>,
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Self, PluginError> {
        let fail = |e: wasmtime::Error| PluginError::Load {
            path: "<engine>".into(),
            message: e.to_string(),
        };
        let mut wasm_config = Config::new();
        wasm_config.wasm_component_model(true);
        wasm_config.epoch_interruption(true);
        // The embedded component uses 128-bit multiplies (see build.rs); components
        // without them run unchanged.
        wasm_config.wasm_wide_arithmetic(true);
        let engine = Engine::new(&wasm_config).map_err(fail)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(fail)?;
        bindings::CertificatePlugin::add_to_linker::<HostState, HasSelf<HostState>>(
            &mut linker,
            |s| s,
        )
        .map_err(fail)?;
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("certhost-epoch".into())
            .spawn(move || {
                while let Some(engine) = ticker.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(TICK);
                }
            })
            .map_err(|e| PluginError::Load {
                path: "<engine>".into(),
                message: e.to_string(),
            })?;
        Ok(Runtime {
            engine,
            linker,
            config,
        })
    }

    /// The certificate component built into this binary.
    pub fn load_builtin(&self) -> Result<Plugin, PluginError> {
        self.load_bytes("certhost-guest", GUEST_WASM, GUEST_SHA256)
    }

    /// A component from a `.wasm` file (`Import-Module`).
    pub fn load_file(&self, path: &Path) -> Result<Plugin, PluginError> {
        let wasm = std::fs::read(path).map_err(|e| PluginError::Load {
            path: path.display().to_string(),
            message: io_reason(&e),
        })?;
        let sha = hex::encode(Sha256::digest(&wasm));
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "module".into());
        self.load_bytes(&name, &wasm, &sha)
    }

    fn load_bytes(&self, name: &str, wasm: &[u8], sha256: &str) -> Result<Plugin, PluginError> {
        let component = cache::load(&self.engine, &self.config.cache_dir, name, wasm, sha256)
            .map_err(|e| PluginError::Load {
                path: name.into(),
                message: e.to_string(),
            })?;
        let incompatible = |e: wasmtime::Error| PluginError::Incompatible {
            component: name.into(),
            message: e.to_string(),
        };
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(incompatible)?;
        let cmdlets = cmdlets::GuestIndices::new(&pre).map_err(incompatible)?;
        let certificates = certificates::GuestIndices::new(&pre).ok();
        Ok(Plugin {
            name: name.into(),
            pre,
            cmdlets,
            certificates,
        })
    }

    /// Runs `f` against a fresh instance of `plugin`, turning traps into errors.
    fn call<R>(
        &self,
        plugin: &Plugin,
        services: &Services,
        f: impl FnOnce(&mut Store<HostState>, &Instance) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        let mut store = Store::new(
            &self.engine,
            HostState::new(services.clone(), self.config.memory_limit),
        );
        store.limiter(|s| &mut s.limiter);
        let ticks = (self.config.timeout.as_millis() / TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let started = std::time::Instant::now();
        let result = plugin
            .pre
            .instantiate(&mut store)
            .and_then(|instance| f(&mut store, &instance));
        result.map_err(|e| {
            let component = plugin.name.clone();
            if store.data().limiter.hit {
                PluginError::OutOfMemory {
                    component,
                    limit_mib: self.config.memory_limit >> 20,
                }
            } else if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
                PluginError::Timeout {
                    component,
                    seconds: started.elapsed().as_secs_f64(),
                }
            } else {
                let message = match e.downcast_ref::<Trap>() {
                    Some(trap) => trap.to_string(),
                    None => format!("{e:#}"),
                };
                PluginError::Trap {
                    component,
                    message,
                    guest: store.data().last_stderr_line(),
                }
            }
        })
    }

    /// The cmdlets a component provides.
    pub fn list_cmdlets(
        &self,
        plugin: &Plugin,
        services: &Services,
    ) -> Result<Vec<wit::CmdletInfo>, PluginError> {
        self.call(plugin, services, |store, instance| {
            plugin
                .cmdlets
                .load(&mut *store, instance)?
                .call_list_cmdlets(store)
        })
    }

    /// Runs one cmdlet call.
    pub fn invoke_cmdlet(
        &self,
        plugin: &Plugin,
        services: &Services,
        name: &str,
        arguments: &[wit::Argument],
        input: Option<&wit::Value>,
    ) -> Result<Result<Vec<wit::Value>, wit::CmdletError>, PluginError> {
        self.call(plugin, services, |store, instance| {
            plugin
                .cmdlets
                .load(&mut *store, instance)?
                .call_invoke(store, name, arguments, input)
        })
    }

    /// Typed certificate functions of a component that exports them.
    pub fn certificates<'a>(
        &'a self,
        plugin: &'a Plugin,
        services: &'a Services,
    ) -> Result<CertificateApi<'a>, PluginError> {
        let indices = plugin
            .certificates
            .as_ref()
            .ok_or_else(|| PluginError::Incompatible {
                component: plugin.name.clone(),
                message: "it does not export certhost:plugin/certificates".into(),
            })?;
        Ok(CertificateApi {
            runtime: self,
            plugin,
            services,
            indices,
        })
    }
}

/// The typed `certificates` export of a component.
pub struct CertificateApi<'a> {
    runtime: &'a Runtime,
    plugin: &'a Plugin,
    services: &'a Services,
    indices: &'a certificates::GuestIndices,
}

impl CertificateApi<'_> {
    fn with<R>(
        &self,
        f: impl FnOnce(&certificates::Guest, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.runtime
            .call(self.plugin, self.services, |store, instance| {
                let guest = self.indices.load(&mut *store, instance)?;
                f(&guest, store)
            })
    }

    pub fn inspect(&self, der: &[u8]) -> Result<Result<CertificateInfo, CertError>, PluginError> {
        self.with(|g, s| g.call_inspect(s, der))
    }

    pub fn generate_self_signed(
        &self,
        request: &GenerateRequest,
    ) -> Result<Result<CertificateEntry, CertError>, PluginError> {
        self.with(|g, s| g.call_generate_self_signed(s, request))
    }

    pub fn import_pfx(
        &self,
        data: &[u8],
        password: &str,
    ) -> Result<Result<Vec<CertificateEntry>, CertError>, PluginError> {
        self.with(|g, s| g.call_import_pfx(s, data, password))
    }

    pub fn export_pfx(
        &self,
        entry: &CertificateEntry,
        password: &str,
        profile: PfxProfile,
        include_chain: bool,
        iterations: u32,
    ) -> Result<Result<Vec<u8>, CertError>, PluginError> {
        self.with(|g, s| g.call_export_pfx(s, entry, password, profile, include_chain, iterations))
    }
}

impl CertError {
    /// The message without the variant's prefix.
    pub fn message(&self) -> &str {
        match self {
            CertError::WrongPassword(m)
            | CertError::Corrupt(m)
            | CertError::Unsupported(m)
            | CertError::KeyMismatch(m)
            | CertError::InvalidInput(m) => m,
        }
    }
}
