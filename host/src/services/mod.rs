//! The application layer, shared by the shell and the server and knowing neither: the
//! database, the component runtime with the certificate component, and what the shell's
//! session has loaded. `main.rs` opens it and hands it to the shell (as the session's
//! context) or to the server (whose component thread is [`worker::Worker`]).

pub mod worker;

use crate::plugin::{Grants, Plugin, Runtime, RuntimeConfig, Services};
use crate::store::Database;
use std::cell::{Ref, RefCell};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard};

/// A component whose cmdlets the shell registered.
pub struct LoadedModule {
    pub plugin: Rc<Plugin>,
    /// The names of its cmdlets.
    pub commands: Vec<String>,
}

/// What the shell's commands work with.
pub struct Host {
    pub runtime: Runtime,
    /// The built-in certificate component, with the shell's grants.
    pub certificate_plugin: Rc<Plugin>,
    /// The database, the working directory and the state directory, as the component
    /// imports see them.
    pub services: Services,
    modules: RefCell<Vec<LoadedModule>>,
}

impl Host {
    /// Opens the state in `state_dir` and loads the certificate component (from the
    /// precompiled cache when it is there) with the shell's grants.
    pub fn open(state_dir: &Path, cwd: PathBuf) -> Result<Self, String> {
        let database = Database::open(state_dir).map_err(|e| e.to_string())?;
        let runtime =
            Runtime::new(RuntimeConfig::new(state_dir.join("cache"))).map_err(|e| e.to_string())?;
        let plugin = runtime
            .load_builtin(Grants::shell())
            .map_err(|e| e.to_string())?;
        Ok(Host {
            runtime,
            certificate_plugin: Rc::new(plugin),
            services: Services::new(Arc::new(Mutex::new(database)), cwd, state_dir.to_path_buf()),
            modules: RefCell::default(),
        })
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
