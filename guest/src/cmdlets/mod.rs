//! The cmdlets this component provides: one file each (metadata + behaviour), plus the
//! helpers they share.

mod backup_server;
mod cloud_gateway;
mod enterprise_manager;
pub mod error;
mod export_certificate;
mod export_pfx_certificate;
mod import_certificate;
mod import_pfx_certificate;
pub mod meta;
mod new_self_signed_certificate;
pub mod objects;
pub mod slots;
mod test_certificate;

use crate::args::Args;
use crate::bindings::certhost::plugin::host::{self, MessageLevel};
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, CmdletInfo, Value};

/// Shows a message to the user. A host that did not grant `Messages` refuses it with a
/// typed error; the message is then not shown and the cmdlet goes on.
pub fn message(level: MessageLevel, text: &str) {
    let _ = host::write_message(level, text);
}

/// A cmdlet: its metadata and what it does for one input object.
pub struct Cmdlet {
    pub info: fn() -> CmdletInfo,
    pub run: fn(&Args, Option<Value>) -> Result<Vec<Value>, CmdletError>,
}

/// Every cmdlet of the component.
pub fn all() -> &'static [Cmdlet] {
    &[
        new_self_signed_certificate::CMDLET,
        import_pfx_certificate::CMDLET,
        export_pfx_certificate::CMDLET,
        export_certificate::CMDLET,
        import_certificate::CMDLET,
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
