//! The library API for Rust programs: the certificate component's typed functions
//! ([`Component`]) and the shell ([`Shell`]), as the `certhost` binary uses them.
//!
//! ```
//! use certhost::{Component, GenerateRequest, KeyAlgorithm, ExtendedKeyUsage, KeyUsage};
//!
//! let component = Component::open()?;
//! let entry = component.generate_self_signed(&GenerateRequest {
//!     subject: None,
//!     dns_names: vec!["backup01.tech.local".into()],
//!     ip_addresses: vec![],
//!     not_before: 1_767_225_600,
//!     not_after: 1_798_761_600,
//!     key: KeyAlgorithm::EcdsaP256,
//!     key_usages: vec![KeyUsage::DigitalSignature],
//!     extended_key_usages: vec![ExtendedKeyUsage::ServerAuth],
//! })?;
//! let info = component.inspect(&entry.certificate)?;
//! assert_eq!(info.subject, "CN=backup01.tech.local");
//! assert!(entry.private_key.is_some());
//! # Ok::<(), certhost::EmbedError>(())
//! ```
//!
//! ```
//! # let dir = std::env::temp_dir().join(format!("certhost-doc-{}", std::process::id()));
//! let mut shell = certhost::Shell::new(&dir)?;
//! let objects = shell.run(
//!     "New-SelfSignedCertificate -DnsName backup01.tech.local | Select-Object Subject, HasPrivateKey",
//! )?;
//! assert_eq!(objects[0]["Subject"], "CN=backup01.tech.local");
//! assert_eq!(objects[0]["HasPrivateKey"], true);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), certhost::EmbedError>(())
//! ```

use crate::engine::session::Outcome;
use crate::engine::{Session, SessionOptions, Value};
use crate::plugin::{Grants, Plugin, PluginError, Runtime, RuntimeConfig, Services};
use crate::services::Host;
use crate::store::Database;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

pub use crate::plugin::{
    CertError, CertificateEntry, CertificateInfo, CreatedRequest, Eku, ExtendedKeyUsage,
    GenerateRequest, KeyAlgorithm, KeyUsage, PfxProfile,
};

/// Why an embedded call failed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The component refused the input (wrong password, corrupt, unsupported, key
    /// mismatch, invalid input); the variant says which.
    #[error("{}", certificate_error_text(.0))]
    Certificate(CertError),
    /// The component could not run: it trapped, ran out of time or memory, or failed to
    /// load.
    #[error("{0}")]
    Component(#[from] PluginError),
    /// The state directory could not be opened or made.
    #[error("{0}")]
    State(String),
    /// A shell script did not parse.
    #[error("{0}")]
    Parse(String),
    /// A shell script failed: what it wrote to the error stream (or its exit code).
    #[error("{message}")]
    Script {
        message: String,
        /// What the script wrote before it failed.
        output: Vec<serde_json::Value>,
    },
}

fn certificate_error_text(e: &CertError) -> String {
    let kind = match e {
        CertError::WrongPassword(_) => "wrong password",
        CertError::Corrupt(_) => "corrupt",
        CertError::Unsupported(_) => "unsupported",
        CertError::KeyMismatch(_) => "key mismatch",
        CertError::InvalidInput(_) => "invalid input",
    };
    format!("{kind}: {}", e.message())
}

/// A private scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, EmbedError> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "certhost-embed-{}-{nanos}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        crate::paths::create_private_dir(&dir)
            .map_err(|e| EmbedError::State(format!("cannot make {}: {e}", dir.display())))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The certificate component, for its typed functions. It is granted only the host's
/// primitives and messages: no store, no files, no bindings.
pub struct Component {
    runtime: Runtime,
    plugin: Plugin,
    services: Services,
    _scratch: Scratch,
}

impl Component {
    /// Loads the built-in certificate component. Its compiled code is cached in
    /// certhost's state directory (`$CERTHOST_HOME/cache`) as the shell caches it; no
    /// certificate store is opened.
    pub fn open() -> Result<Component, EmbedError> {
        Component::open_with_cache(&crate::paths::state_dir().join("cache"))
    }

    /// As [`Component::open`], with the compiled code cached in `cache_dir`.
    pub fn open_with_cache(cache_dir: &Path) -> Result<Component, EmbedError> {
        Component::build(cache_dir, |runtime| {
            runtime.load_builtin(Grants::imported())
        })
    }

    /// A certificate component from a file (such as the one `certhost component save`
    /// writes), with the same grants. Check its SHA-256 first.
    pub fn open_file(wasm: &Path, cache_dir: &Path) -> Result<Component, EmbedError> {
        Component::build(cache_dir, |runtime| {
            runtime.load_file(wasm, Grants::imported())
        })
    }

    fn build(
        cache_dir: &Path,
        load: impl FnOnce(&Runtime) -> Result<Plugin, PluginError>,
    ) -> Result<Component, EmbedError> {
        let scratch = Scratch::new()?;
        let database = Database::open(&scratch.0).map_err(|e| EmbedError::State(e.to_string()))?;
        let services = Services::new(
            Arc::new(Mutex::new(database)),
            scratch.0.clone(),
            scratch.0.clone(),
        );
        let runtime = Runtime::new(RuntimeConfig::new(cache_dir.to_path_buf()))?;
        let plugin = load(&runtime)?;
        Ok(Component {
            runtime,
            plugin,
            services,
            _scratch: scratch,
        })
    }

    fn call<T>(
        &self,
        f: impl FnOnce(&crate::plugin::CertificateApi<'_>) -> Result<Result<T, CertError>, PluginError>,
    ) -> Result<T, EmbedError> {
        let api = self.runtime.certificates(&self.plugin, &self.services)?;
        f(&api)?.map_err(EmbedError::Certificate)
    }

    /// A self-signed certificate and its key (PKCS#8 DER), not stored.
    pub fn generate_self_signed(
        &self,
        request: &GenerateRequest,
    ) -> Result<CertificateEntry, EmbedError> {
        self.call(|api| api.generate_self_signed(request))
    }

    /// A new key (PKCS#8 DER) and a PKCS#10 request (DER) for it.
    pub fn create_request(&self, request: &GenerateRequest) -> Result<CreatedRequest, EmbedError> {
        self.call(|api| api.create_request(request))
    }

    /// What a DER certificate says about itself.
    pub fn inspect(&self, certificate: &[u8]) -> Result<CertificateInfo, EmbedError> {
        self.call(|api| api.inspect(certificate))
    }

    /// The entries of a PFX: one per private key, or one per certificate without keys.
    pub fn import_pfx(
        &self,
        data: &[u8],
        password: &str,
    ) -> Result<Vec<CertificateEntry>, EmbedError> {
        self.call(|api| api.import_pfx(data, password))
    }

    /// A PFX of the entry.
    pub fn export_pfx(
        &self,
        entry: &CertificateEntry,
        password: &str,
        profile: PfxProfile,
        include_chain: bool,
        iterations: u32,
    ) -> Result<Vec<u8>, EmbedError> {
        self.call(|api| api.export_pfx(entry, password, profile, include_chain, iterations))
    }

    /// DER certificates from PEM (one or many) or one DER certificate.
    pub fn parse_certificates(&self, data: &[u8]) -> Result<Vec<Vec<u8>>, EmbedError> {
        self.call(|api| api.parse_certificates(data))
    }

    /// A private key (PEM or DER; PKCS#8, encrypted PKCS#8, PKCS#1, SEC1) as PKCS#8 DER.
    pub fn parse_private_key(
        &self,
        data: &[u8],
        password: Option<&str>,
    ) -> Result<Vec<u8>, EmbedError> {
        self.call(|api| api.parse_private_key(data, password))
    }

    /// Whether `private_key` (PKCS#8 DER) belongs to `certificate` (DER).
    pub fn check_key_pair(&self, certificate: &[u8], private_key: &[u8]) -> Result<(), EmbedError> {
        self.call(|api| api.check_key_pair(certificate, private_key))
    }

    /// PEM text of a DER certificate.
    pub fn certificate_to_pem(&self, certificate: &[u8]) -> Result<String, EmbedError> {
        let api = self.runtime.certificates(&self.plugin, &self.services)?;
        Ok(api.certificate_to_pem(certificate)?)
    }
}

/// What a script writes to its error stream, kept for the caller.
#[derive(Clone, Default)]
struct ErrorText(Rc<RefCell<Vec<u8>>>);

impl std::io::Write for ErrorText {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Collects a script's output values.
#[derive(Default)]
struct Collected(Vec<Value>);

impl crate::engine::session::Output for Collected {
    fn write(&mut self, value: &Value) {
        self.0.push(value.clone());
    }
    fn flush_table(&mut self) {}
}

/// How deep objects are turned into JSON (certificate objects nest their extensions).
const JSON_DEPTH: i64 = 4;

/// The certhost shell over a state directory: the same cmdlets, store and grants as the
/// `certhost` binary, never prompting. Variables and functions persist between
/// [`Shell::run`] calls. It runs on the caller's thread, whose stack bounds how deeply
/// scripts can nest.
pub struct Shell {
    session: Session,
    errors: ErrorText,
}

impl Shell {
    /// A shell on the store in `state_dir` (made if missing), with the process's current
    /// directory as its location.
    pub fn new(state_dir: impl AsRef<Path>) -> Result<Shell, EmbedError> {
        let cwd = std::env::current_dir()
            .map_err(|e| EmbedError::State(format!("cannot read the current directory: {e}")))?;
        let host = Rc::new(Host::open(state_dir.as_ref(), cwd).map_err(EmbedError::State)?);
        let errors = ErrorText::default();
        let options = SessionOptions {
            non_interactive: true,
            color: false,
        };
        let mut session = Session::new(
            host,
            crate::builtins::all(),
            options,
            Box::new(errors.clone()),
        );
        crate::builtins::register_builtin(&mut session)
            .map_err(|e| EmbedError::State(e.to_string()))?;
        Ok(Shell { session, errors })
    }

    /// Runs a script and returns its output objects as JSON values (as `ConvertTo-Json`
    /// would write them). A script that fails (a terminating error, a failed last
    /// statement, `exit` with a non-zero code) is an [`EmbedError::Script`] carrying
    /// its error text and the output it wrote before.
    pub fn run(&mut self, script: &str) -> Result<Vec<serde_json::Value>, EmbedError> {
        let block =
            crate::lang::parse_block(script).map_err(|e| EmbedError::Parse(e.to_string()))?;
        self.errors.0.borrow_mut().clear();
        let mut collected = Collected::default();
        let outcome = self.session.run_block(&block, Vec::new(), &mut collected);
        let output: Vec<serde_json::Value> = collected
            .0
            .iter()
            .map(|v| crate::builtins::to_json(v, JSON_DEPTH))
            .collect();
        let error_text = String::from_utf8_lossy(&self.errors.0.borrow())
            .trim_end()
            .to_string();
        let failed = match outcome {
            Outcome::Exit(0) => None,
            Outcome::Exit(code) => Some(format!("the script exited with {code}")),
            Outcome::Terminated | Outcome::Stopped => Some(String::new()),
            Outcome::Completed if !self.session.last_success => Some(String::new()),
            Outcome::Completed => None,
        };
        match failed {
            None => Ok(output),
            Some(reason) => {
                let mut message = [error_text, reason]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n");
                if message.is_empty() {
                    message = "the script failed".into();
                }
                Err(EmbedError::Script { message, output })
            }
        }
    }
}
