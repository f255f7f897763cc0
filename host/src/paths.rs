//! Where certhost keeps its state, and creating files and directories private to the user.

use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Environment variable naming the state directory.
pub const HOME_VARIABLE: &str = "CERTHOST_HOME";

/// The state directory: `$CERTHOST_HOME`, else `<user data dir>/certhost`
/// (`~/.local/share/certhost`), else `./.certhost`.
pub fn state_dir() -> PathBuf {
    match std::env::var_os(HOME_VARIABLE) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::data_dir()
            .map(|d| d.join("certhost"))
            .unwrap_or_else(|| PathBuf::from(".certhost")),
    }
}

/// Creates `dir` (and parents) with mode 0700 when missing; tightens an existing one.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let mut perms = std::fs::metadata(dir)?.permissions();
    if perms.mode() & 0o077 != 0 {
        perms.set_mode(0o700);
        std::fs::set_permissions(dir, perms)?;
    }
    Ok(())
}

/// Creates an empty file with mode 0600 unless it exists; tightens an existing one.
pub fn create_private_file(path: &Path) -> io::Result<()> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let mut perms = std::fs::metadata(path)?.permissions();
            if perms.mode() & 0o077 != 0 {
                perms.set_mode(0o600);
                std::fs::set_permissions(path, perms)?;
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Writes `contents` to `path` atomically (temporary file + rename), mode 0600 when
/// `private`, else 0644.
pub fn write_atomically(path: &Path, contents: &[u8], private: bool) -> io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let mode = if private { 0o600 } else { 0o644 };
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// An I/O error in words a user acts on (not Rust's `(os error 2)`).
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        io::ErrorKind::NotADirectory => "a part of the path is a file, not a folder".into(),
        io::ErrorKind::StorageFull => "the disk is full".into(),
        io::ErrorKind::ReadOnlyFilesystem => "the file system is read-only".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}
