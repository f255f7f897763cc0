//! Commands the host implements itself: the `Cert:` drive provider and small utilities.

mod cert_drive;
mod secure_string;
mod write_output;

use crate::engine::Command;
use std::rc::Rc;

pub use cert_drive::{CertPath, parse_cert_path};

/// Every built-in command.
pub fn all() -> Vec<Rc<dyn Command>> {
    vec![
        Rc::new(cert_drive::CertDriveCommand::get_child_item()),
        Rc::new(cert_drive::CertDriveCommand::get_item()),
        Rc::new(secure_string::ConvertToSecureString::new()),
        Rc::new(write_output::WriteOutput::new()),
    ]
}
