//! certhost: a PowerShell-compatible cmdlet host for TLS certificate management whose
//! certificate logic runs in a sandboxed WebAssembly component.
//!
//! - [`lang`]: the PowerShell parser (no dependency on the engine)
//! - [`engine`]: values, parameter binding, pipelines, the session
//! - [`builtins`]: cmdlets implemented by the host (the `Cert:` drive, ...)
//! - [`format`]: PowerShell's default output formatting
//! - [`plugin`]: the component runtime (wasmtime)
//! - [`store`]: the persistent certificate stores and bindings (SQLite)
//! - [`thumbprint`]: thumbprints as users type and paste them, normalized in one place

pub mod acme;
pub mod appliance;
pub mod builtins;
pub mod cancel;
pub mod certificate;
pub mod cli;
pub mod clock;
pub mod component_command;
pub mod engine;
pub mod format;
pub mod identity;
pub mod lang;
pub mod paths;
pub mod pin;
pub mod plugin;
pub mod repl;
pub mod serve;
pub mod services;
pub mod store;
pub mod thumbprint;
