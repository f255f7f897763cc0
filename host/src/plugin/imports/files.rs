//! `files`: reading and writing on the user's behalf, within `FilesRead`/`FilesWrite`
//! (never inside certhost's state directory).

use super::super::bindings::certhost::plugin::{files, types};
use super::super::state::HostState;
use super::denied;

/// Largest file a component may read (PFX and PEM files are kilobytes).
const MAX_READ_BYTES: u64 = 16 * 1024 * 1024;

fn io_error(verb: &str, path: &str, e: &std::io::Error) -> types::FileError {
    let message = format!("cannot {verb} '{path}': {}", io_reason(e));
    match e.kind() {
        std::io::ErrorKind::NotFound => types::FileError::NotFound(message),
        _ => types::FileError::Failed(message),
    }
}

impl files::Host for HostState {
    fn read_file(&mut self, path: String) -> Result<Vec<u8>, types::FileError> {
        use std::io::Read;
        let full = self
            .gate
            .file_read(&path)
            .map_err(|d| types::FileError::PermissionDenied(denied(d)))?;
        let file = std::fs::File::open(&full).map_err(|e| io_error("read", &path, &e))?;
        let mut data = Vec::new();
        file.take(MAX_READ_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| io_error("read", &path, &e))?;
        if data.len() as u64 > MAX_READ_BYTES {
            return Err(types::FileError::TooLarge(format!(
                "'{path}' is larger than {} MiB; certificate files are far smaller",
                MAX_READ_BYTES >> 20
            )));
        }
        Ok(data)
    }

    fn write_file(
        &mut self,
        path: String,
        contents: Vec<u8>,
        secret: bool,
    ) -> Result<(), types::FileError> {
        let full = self
            .gate
            .file_write(&path)
            .map_err(|d| types::FileError::PermissionDenied(denied(d)))?;
        crate::paths::write_atomically(&full, &contents, secret)
            .map_err(|e| io_error("write", &path, &e))
    }
}

pub use crate::paths::io_reason;
