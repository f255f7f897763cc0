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
//! API. The modules the `certhost` binary and its integration tests reach are public but
//! hidden from the documentation and free to change; the rest are `pub(crate)`.
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

pub(crate) mod acme;
pub(crate) mod appliance;
#[doc(hidden)]
pub mod builtins;
#[doc(hidden)]
pub mod cancel;
pub(crate) mod certificate;
#[doc(hidden)]
pub mod cli;
pub(crate) mod clock;
#[doc(hidden)]
pub mod component_command;
pub mod embed;
#[doc(hidden)]
pub mod engine;
#[doc(hidden)]
pub mod format;
pub(crate) mod identity;
#[doc(hidden)]
pub mod lang;
#[doc(hidden)]
pub mod paths;
pub(crate) mod pin;
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
pub(crate) mod thumbprint;

pub use embed::{
    CertError, CertificateEntry, CertificateInfo, Component, CreatedRequest, Eku, EmbedError,
    ExtendedKeyUsage, GenerateRequest, KeyAlgorithm, KeyUsage, PfxProfile, Shell,
};
