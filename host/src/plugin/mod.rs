//! The component runtime: the one place wasmtime lives.
//!
//! Every call gets a fresh `Store` and instance (a trap poisons an instance, and an
//! instance costs about 0.1 ms), a WASI context that grants nothing, a memory cap and an
//! epoch deadline. A trap — timeout, memory exhausted, guest panic — becomes a
//! [`PluginError`]; the host goes on. Each loaded component carries its [`Grants`];
//! every host import checks them (see `grants.rs` and `imports/`).

pub mod artifact;
mod bindings;
mod cache;
pub mod grants;
mod imports;
mod limits;
mod meta;
pub mod meta_cache;
mod objects;
mod state;

pub use bindings::certhost::plugin::types::{CertError, CertificateEntry, CertificateInfo, Eku};
pub use bindings::exports::certhost::plugin::certificates::{
    CreatedRequest, ExtendedKeyUsage, GenerateRequest, KeyAlgorithm, KeyUsage, PfxProfile,
};
pub use bindings::exports::certhost::plugin::cmdlets as wit;
pub use bindings::exports::certhost::plugin::slots::{AssignOptions, SlotCertificate};
pub use grants::{Capability, Grants};
pub use imports::{REST_API_ENDPOINT, default_rest_binding, io_reason};
pub use state::{Message, Services};

use bindings::exports::certhost::plugin::{certificates, cmdlets, slots};
use grants::Gate;
use sha2::{Digest, Sha256};
use state::HostState;
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::component::{HasSelf, Instance, InstancePre, Linker};
use wasmtime::{Config, Engine, Store, Trap};

/// The certificate component, built from `guest/` by build.rs (wide-arithmetic build).
static GUEST_WASM: &[u8] = include_bytes!(env!("CERTHOST_GUEST_WASM"));
const GUEST_SHA256: &str = env!("CERTHOST_GUEST_SHA256");

/// The name of the certificate component built into this binary.
pub const BUILTIN_NAME: &str = "certhost-guest";

/// SHA-256 (lowercase hex) of the certificate component built into this binary.
pub fn builtin_sha256() -> &'static str {
    GUEST_SHA256
}

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
    #[error("the component '{component}' was stopped (Ctrl+C)")]
    Stopped { component: String },
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
    /// The `.wasm` file it came from (`None` for the built-in component).
    path: Option<PathBuf>,
    /// SHA-256 of the wasm, lowercase hex.
    sha256: String,
    /// What its instances may do.
    grants: Grants,
    /// The WIT interfaces it imports (`certhost:plugin/store@0.3.1`, ...).
    imports: Vec<String>,
    pre: InstancePre<HostState>,
    cmdlets: cmdlets::GuestIndices,
    certificates: Option<certificates::GuestIndices>,
    slots: Option<slots::GuestIndices>,
}

impl Plugin {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn grants(&self) -> &Grants {
        &self.grants
    }

    /// The same component with other grants (after the user answered a prompt).
    pub fn with_grants(self, grants: Grants) -> Self {
        Plugin { grants, ..self }
    }

    /// The WIT interfaces it imports.
    pub fn imports(&self) -> &[String] {
        &self.imports
    }

    /// The capabilities its imports could use that it was not granted.
    pub fn ungranted(&self) -> Vec<(String, Capability)> {
        let mut missing = Vec::new();
        for interface in &self.imports {
            for capability in Capability::for_interface(interface) {
                if !self.grants.has(*capability) {
                    missing.push((interface.clone(), *capability));
                }
            }
        }
        missing
    }
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

    /// The certificate component built into this binary, with the grants of its use
    /// (`Grants::shell()` in the shell, `Grants::rest_worker()` in the server).
    pub fn load_builtin(&self, grants: Grants) -> Result<Plugin, PluginError> {
        self.load_bytes(BUILTIN_NAME, None, GUEST_WASM, GUEST_SHA256, grants)
    }

    /// A component from a `.wasm` file (`Import-Module`), with what the user granted.
    pub fn load_file(&self, path: &Path, grants: Grants) -> Result<Plugin, PluginError> {
        let wasm = std::fs::read(path).map_err(|e| PluginError::Load {
            path: path.display().to_string(),
            message: io_reason(&e),
        })?;
        let sha = hex::encode(Sha256::digest(&wasm));
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "module".into());
        self.load_bytes(&name, Some(path.to_path_buf()), &wasm, &sha, grants)
    }

    fn load_bytes(
        &self,
        name: &str,
        path: Option<PathBuf>,
        wasm: &[u8],
        sha256: &str,
        grants: Grants,
    ) -> Result<Plugin, PluginError> {
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
        let slots = slots::GuestIndices::new(&pre).ok();
        let imports = component
            .component_type()
            .imports(&self.engine)
            .map(|(name, _)| name.to_string())
            .collect();
        Ok(Plugin {
            name: name.into(),
            path,
            sha256: sha256.into(),
            grants,
            imports,
            pre,
            cmdlets,
            certificates,
            slots,
        })
    }

    /// Runs `f` against a fresh instance of `plugin`, turning traps into errors. `named`
    /// are the paths the user named in the command, which file grants also reach.
    fn call<R>(
        &self,
        plugin: &Plugin,
        services: &Services,
        named: &[PathBuf],
        f: impl FnOnce(&mut Store<HostState>, &Instance) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        let gate = Gate {
            grants: plugin.grants.clone(),
            module: plugin.name.clone(),
            cwd: services.cwd.clone(),
            named: named.iter().map(|p| services.cwd.join(p)).collect(),
            protected: vec![services.state_dir.clone(), self.config.cache_dir.clone()],
        };
        let mut store = Store::new(
            &self.engine,
            HostState::new(services.clone(), gate, self.config.memory_limit),
        );
        store.limiter(|s| &mut s.limiter);
        let ticks = (self.config.timeout.as_millis() / TICK.as_millis()).max(1) as u64;
        // Each tick checks Ctrl+C; the call traps when it is asked for or the time is up.
        let mut remaining = ticks;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            remaining = remaining.saturating_sub(1);
            if remaining == 0 || crate::cancel::requested() {
                Err(Trap::Interrupt.into())
            } else {
                Ok(wasmtime::UpdateDeadline::Continue(1))
            }
        });
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
            } else if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt)
                && crate::cancel::requested()
            {
                PluginError::Stopped { component }
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
    ) -> Result<Vec<certhost_cmdlet_meta::CmdletInfo>, PluginError> {
        let infos = self.call(plugin, services, &[], |store, instance| {
            plugin
                .cmdlets
                .load(&mut *store, instance)?
                .call_list_cmdlets(store)
        })?;
        Ok(infos.into_iter().map(meta::cmdlet_info).collect())
    }

    /// Runs one cmdlet call.
    pub fn invoke_cmdlet(
        &self,
        plugin: &Plugin,
        services: &Services,
        call: &CmdletCall<'_>,
    ) -> Result<Result<Vec<wit::Value>, wit::CmdletError>, PluginError> {
        self.call(plugin, services, call.named_paths, |store, instance| {
            plugin.cmdlets.load(&mut *store, instance)?.call_invoke(
                store,
                call.name,
                call.parameter_set,
                call.arguments,
                call.input,
            )
        })
    }

    /// Typed slot functions of a component that exports them.
    pub fn slots<'a>(
        &'a self,
        plugin: &'a Plugin,
        services: &'a Services,
    ) -> Result<SlotApi<'a>, PluginError> {
        let indices = plugin
            .slots
            .as_ref()
            .ok_or_else(|| PluginError::Incompatible {
                component: plugin.name.clone(),
                message: "it does not export certhost:plugin/slots".into(),
            })?;
        Ok(SlotApi {
            runtime: self,
            plugin,
            services,
            indices,
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

/// One cmdlet call: the cmdlet, the parameter set the arguments were bound to, the
/// arguments, the pipeline object, and the paths the user named (file grants reach them).
pub struct CmdletCall<'a> {
    pub name: &'a str,
    pub parameter_set: &'a str,
    pub arguments: &'a [wit::Argument],
    pub input: Option<&'a wit::Value>,
    pub named_paths: &'a [PathBuf],
}

/// What a slot call returns: the certificate now in the slot (none for what-if), or the
/// component's refusal.
pub type SlotOutcome = Result<Option<SlotCertificate>, wit::CmdletError>;

/// The typed `slots` export of a component.
pub struct SlotApi<'a> {
    runtime: &'a Runtime,
    plugin: &'a Plugin,
    services: &'a Services,
    indices: &'a slots::GuestIndices,
}

impl SlotApi<'_> {
    fn with<R>(
        &self,
        f: impl FnOnce(&slots::Guest, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.runtime
            .call(self.plugin, self.services, &[], |store, instance| {
                let guest = self.indices.load(&mut *store, instance)?;
                f(&guest, store)
            })
    }

    pub fn current(&self, slot: &str) -> Result<SlotOutcome, PluginError> {
        self.with(|g, s| g.call_current(s, slot))
    }

    pub fn assign_upload(
        &self,
        slot: &str,
        data: &[u8],
        password: &str,
        options: AssignOptions,
    ) -> Result<SlotOutcome, PluginError> {
        self.with(|g, s| g.call_assign_upload(s, slot, data, password, options))
    }

    pub fn assign_pem(
        &self,
        slot: &str,
        certificate: &[u8],
        private_key: &[u8],
        password: Option<&str>,
        options: AssignOptions,
    ) -> Result<SlotOutcome, PluginError> {
        self.with(|g, s| g.call_assign_pem(s, slot, certificate, private_key, password, options))
    }

    pub fn assign_stored(
        &self,
        slot: &str,
        store: &str,
        thumbprint: &str,
        options: AssignOptions,
    ) -> Result<SlotOutcome, PluginError> {
        self.with(|g, s| g.call_assign_stored(s, slot, store, thumbprint, options))
    }

    pub fn generate(
        &self,
        slot: &str,
        friendly_name: &str,
        days: u32,
        options: AssignOptions,
    ) -> Result<SlotOutcome, PluginError> {
        self.with(|g, s| g.call_generate(s, slot, friendly_name, days, options))
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
            .call(self.plugin, self.services, &[], |store, instance| {
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

    pub fn create_request(
        &self,
        request: &GenerateRequest,
    ) -> Result<Result<CreatedRequest, CertError>, PluginError> {
        self.with(|g, s| g.call_create_request(s, request))
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

    pub fn parse_certificates(
        &self,
        data: &[u8],
    ) -> Result<Result<Vec<Vec<u8>>, CertError>, PluginError> {
        self.with(|g, s| g.call_parse_certificates(s, data))
    }

    pub fn parse_private_key(
        &self,
        data: &[u8],
        password: Option<&str>,
    ) -> Result<Result<Vec<u8>, CertError>, PluginError> {
        self.with(|g, s| g.call_parse_private_key(s, data, password))
    }

    pub fn check_key_pair(
        &self,
        certificate: &[u8],
        private_key: &[u8],
    ) -> Result<Result<(), CertError>, PluginError> {
        self.with(|g, s| g.call_check_key_pair(s, certificate, private_key))
    }

    pub fn certificate_to_pem(&self, certificate: &[u8]) -> Result<String, PluginError> {
        self.with(|g, s| g.call_certificate_to_pem(s, certificate))
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
