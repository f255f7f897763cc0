//! The cmdlets this component provides: one file each (metadata + behaviour), plus the
//! helpers they share.

pub mod error;
mod export_certificate;
mod export_pfx_certificate;
mod import_pfx_certificate;
pub mod meta;
mod new_self_signed_certificate;
pub mod objects;

use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, CmdletInfo, Value};

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
    ]
}
