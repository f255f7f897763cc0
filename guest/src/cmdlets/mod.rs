//! The cmdlets this component provides: one file each (metadata + behaviour), plus the
//! helpers they share.

mod backup_server;
mod certreq;
mod cloud_gateway;
mod enterprise_manager;
pub mod error;
mod export_certificate;
mod export_pfx_certificate;
mod import_certificate;
mod import_pfx_certificate;
pub mod meta;
mod new_certificate_request;
mod new_self_signed_certificate;
pub mod objects;
mod requests;
pub mod slots;
mod test_certificate;

use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::host_api::HostApi;
use meta::CmdletInfo;

/// What a cmdlet does for one input object, with what its host offers.
pub type Run = fn(&Args, Option<Value>, &dyn HostApi) -> Result<Vec<Value>, CmdletError>;

/// A cmdlet: its metadata and what it does for one input object.
pub struct Cmdlet {
    pub info: fn() -> CmdletInfo,
    pub run: Run,
}

/// Every cmdlet of the component.
pub fn all() -> &'static [Cmdlet] {
    &[
        new_self_signed_certificate::CMDLET,
        import_pfx_certificate::CMDLET,
        export_pfx_certificate::CMDLET,
        export_certificate::CMDLET,
        import_certificate::CMDLET,
        new_certificate_request::CMDLET,
        certreq::CMDLET,
        test_certificate::CMDLET,
        backup_server::GET,
        backup_server::ADD,
        backup_server::GENERATE,
        backup_server::TEST,
        cloud_gateway::GENERATE,
        cloud_gateway::GET,
        cloud_gateway::ADD,
        enterprise_manager::GET,
        enterprise_manager::SET,
    ]
}

#[cfg(test)]
mod tests;
