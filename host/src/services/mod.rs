//! The application layer, shared by the shell and the server and knowing neither: the
//! database, the component runtime with the certificate component, and what the shell's
//! session has loaded. `main.rs` opens it and hands it to the shell (as the session's
//! context) or to the server (whose component thread is [`worker::Worker`]).

pub mod worker;

use crate::plugin::{Grants, Plugin, PluginError, Runtime, RuntimeConfig, Services};
use crate::store::Database;
use certhost_cmdlet_meta::CmdletInfo;
use std::cell::{OnceCell, Ref, RefCell};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard};

/// A component as the shell refers to it: the built-in certificate component (loaded on
/// first use) or an imported module.
#[derive(Clone)]
pub enum ComponentRef {
    Builtin,
    Module(Rc<Plugin>),
}

impl ComponentRef {
    pub fn name(&self) -> &str {
        match self {
            ComponentRef::Builtin => crate::plugin::BUILTIN_NAME,
            ComponentRef::Module(p) => p.name(),
        }
    }

    /// The `.wasm` file of an imported module.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ComponentRef::Builtin => None,
            ComponentRef::Module(p) => p.path(),
        }
    }

    pub fn grants(&self) -> Grants {
        match self {
            ComponentRef::Builtin => Grants::shell(),
            ComponentRef::Module(p) => p.grants().clone(),
        }
    }

    /// The loaded component (loading the built-in one on first use).
    pub fn resolve(&self, host: &Host) -> Result<Rc<Plugin>, PluginError> {
        match self {
            ComponentRef::Builtin => host.certificate_plugin(),
            ComponentRef::Module(p) => Ok(p.clone()),
        }
    }
}

/// A component whose cmdlets the shell registered.
pub struct LoadedModule {
    pub plugin: ComponentRef,
    /// The names of its cmdlets.
    pub commands: Vec<String>,
}

/// What the shell's commands work with. The component runtime and the built-in
/// certificate component are made on first use: a script that calls none of the
/// component's cmdlets never loads it.
pub struct Host {
    runtime: OnceCell<Runtime>,
    certificate_plugin: OnceCell<Rc<Plugin>>,
    cache_dir: PathBuf,
    /// The database, the working directory and the state directory, as the component
    /// imports see them.
    pub services: Services,
    modules: RefCell<Vec<LoadedModule>>,
}

impl Host {
    /// Opens the state in `state_dir`.
    pub fn open(state_dir: &Path, cwd: PathBuf) -> Result<Self, String> {
        let database = Database::open(state_dir).map_err(|e| e.to_string())?;
        Ok(Host {
            runtime: OnceCell::new(),
            certificate_plugin: OnceCell::new(),
            cache_dir: state_dir.join("cache"),
            services: Services::new(Arc::new(Mutex::new(database)), cwd, state_dir.to_path_buf()),
            modules: RefCell::default(),
        })
    }

    /// The component runtime (its engine is made on first use).
    pub fn runtime(&self) -> Result<&Runtime, PluginError> {
        if let Some(runtime) = self.runtime.get() {
            return Ok(runtime);
        }
        let runtime = Runtime::new(RuntimeConfig::new(self.cache_dir.clone()))?;
        Ok(self.runtime.get_or_init(|| runtime))
    }

    /// The built-in certificate component with the shell's grants, loaded (from the
    /// precompiled cache when it is there) on first use.
    pub fn certificate_plugin(&self) -> Result<Rc<Plugin>, PluginError> {
        if let Some(plugin) = self.certificate_plugin.get() {
            return Ok(plugin.clone());
        }
        let plugin = Rc::new(self.runtime()?.load_builtin(Grants::shell())?);
        Ok(self.certificate_plugin.get_or_init(|| plugin).clone())
    }

    /// The built-in component's cmdlets: from the metadata cache, else from the
    /// component itself (then cached for the next start).
    pub fn builtin_cmdlets(&self) -> Result<Vec<CmdletInfo>, PluginError> {
        let (name, sha256) = (crate::plugin::BUILTIN_NAME, crate::plugin::builtin_sha256());
        if let Some(infos) = crate::plugin::meta_cache::read(&self.cache_dir, name, sha256) {
            return Ok(infos);
        }
        let plugin = self.certificate_plugin()?;
        let infos = self.runtime()?.list_cmdlets(&plugin, &self.services)?;
        crate::plugin::meta_cache::write(&self.cache_dir, name, sha256, &infos);
        Ok(infos)
    }

    /// The database.
    pub fn database(&self) -> MutexGuard<'_, Database> {
        self.services.database()
    }

    /// The shell's working directory, which relative paths resolve against.
    pub fn cwd(&self) -> &Path {
        &self.services.cwd
    }

    /// The components loaded, in import order.
    pub fn modules(&self) -> Ref<'_, Vec<LoadedModule>> {
        self.modules.borrow()
    }

    pub fn add_module(&self, module: LoadedModule) {
        self.modules.borrow_mut().push(module);
    }

    /// Forgets the modules `which` selects (an earlier import of a module imported again).
    pub fn remove_modules(&self, which: impl Fn(&LoadedModule) -> bool) {
        self.modules.borrow_mut().retain(|m| !which(m));
    }
}
