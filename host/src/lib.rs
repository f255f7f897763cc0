//! certhost: a PowerShell-compatible cmdlet host for TLS certificate management whose
//! certificate logic runs in a sandboxed WebAssembly component.
//!
//! As a library, certhost offers two things (see [`embed`] for examples):
//!
//! - [`Component`]: the certificate component's typed functions (generate, inspect, PFX
//!   import and export, parse certificates and keys, check a key pair), run in wasmtime
//!   with no store, file or network access;
//! - [`Shell`]: the certhost shell over a state directory, running scripts and
//!   returning their output objects as JSON values.
//!
//! Only these, their argument and result types, and [`EmbedError`] are the library's
//! API. The other modules are public for the `certhost` binary and its tests only:
//! hidden from the documentation and free to change.
//!
//! Inside, the layers are (docs/architecture.md):
//!
//! - `lang`: the PowerShell parser (no dependency on the engine)
//! - `engine`: values, parameter binding, pipelines, the session
//! - `builtins`: cmdlets implemented by the host (the `Cert:` drive, ...)
//! - `format`: PowerShell's default output formatting
//! - `plugin`: the component runtime (wasmtime)
//! - `store`: the persistent certificate stores and bindings (SQLite)
//! - `thumbprint`: thumbprints as users type and paste them, normalized in one place

#[doc(hidden)]
pub mod acme;
#[doc(hidden)]
pub mod appliance;
#[doc(hidden)]
pub mod builtins;
#[doc(hidden)]
pub mod cancel;
#[doc(hidden)]
pub mod certificate;
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod clock;
#[doc(hidden)]
pub mod component_command;
pub mod embed;
#[doc(hidden)]
pub mod engine;
#[doc(hidden)]
pub mod format;
#[doc(hidden)]
pub mod identity;
#[doc(hidden)]
pub mod lang;
#[doc(hidden)]
pub mod paths;
#[doc(hidden)]
pub mod pin;
#[doc(hidden)]
pub mod plugin;
#[doc(hidden)]
pub mod repl;
#[doc(hidden)]
pub mod serve;
#[doc(hidden)]
pub mod services;
#[doc(hidden)]
pub mod store;
#[doc(hidden)]
pub mod thumbprint;

pub use embed::{
    CertError, CertificateEntry, CertificateInfo, Component, CreatedRequest, Eku, EmbedError,
    ExtendedKeyUsage, GenerateRequest, KeyAlgorithm, KeyUsage, PfxProfile, Shell,
};
