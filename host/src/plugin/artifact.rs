//! The certificate component as an artifact for other hosts: the portable build (baseline
//! WebAssembly, for any component runtime; the shell itself runs the wide-arithmetic
//! build of the same source), its WIT package, and their SHA-256 sums
//! (`certhost component save`, `certhost component info`; docs/wit.md).

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The portable build of the certificate component, built from `guest/` by build.rs.
static PORTABLE_WASM: &[u8] = include_bytes!(env!("CERTHOST_PORTABLE_GUEST_WASM"));

/// The WIT package the component implements (the contract, wit/certhost.wit).
pub const WIT: &str = include_str!("../../../wit/certhost.wit");

/// The file names `save` writes.
pub const COMPONENT_FILE: &str = "certhost-certificates.wasm";
pub const WIT_FILE: &str = "certhost.wit";
pub const SUMS_FILE: &str = "SHA256SUMS";

/// What `info` tells of the component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentInfo {
    /// The WIT package and its version: `certhost:plugin@0.3.2`.
    pub package: String,
    /// The semver of the WIT package.
    pub wit_version: String,
    /// The version of certhost that built it.
    pub certhost_version: String,
    /// SHA-256 of the component, lowercase hex.
    pub sha256: String,
    pub size: usize,
    /// The component's exported interfaces, in the order it declares them.
    pub exports: Vec<String>,
    /// The interfaces a host must provide, in the order the component declares them.
    pub imports: Vec<String>,
}

/// Why the artifact could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    #[error("the built-in component cannot be read: {0}")]
    Unreadable(String),
    #[error("the WIT package has no `package <name>@<version>;` line")]
    NoPackage,
    #[error("'{}' exists and is not a directory; give a directory to save into", .0.display())]
    NotADirectory(PathBuf),
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

/// The portable component's bytes.
pub fn portable_component() -> &'static [u8] {
    PORTABLE_WASM
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The `package` line's name and version: (`certhost:plugin@0.3.2`, `0.3.2`).
fn wit_package(wit: &str) -> Result<(String, String), ArtifactError> {
    let package = wit
        .lines()
        .find_map(|l| l.trim().strip_prefix("package "))
        .map(|rest| rest.trim_end_matches(';').trim().to_string())
        .ok_or(ArtifactError::NoPackage)?;
    let version = package
        .split_once('@')
        .map(|(_, v)| v.to_string())
        .ok_or(ArtifactError::NoPackage)?;
    Ok((package, version))
}

/// The top-level import and export names of a component (nested modules and components
/// have their own, which are not the component's contract).
fn imports_and_exports(wasm: &[u8]) -> Result<(Vec<String>, Vec<String>), ArtifactError> {
    use wasmparser::{Parser, Payload};
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| ArtifactError::Unreadable(e.to_string()))? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 0 => {
                for import in section {
                    let import = import.map_err(|e| ArtifactError::Unreadable(e.to_string()))?;
                    imports.push(import.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(section) if depth == 0 => {
                for export in section {
                    let export = export.map_err(|e| ArtifactError::Unreadable(e.to_string()))?;
                    exports.push(export.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// What the portable component is.
pub fn info() -> Result<ComponentInfo, ArtifactError> {
    let (package, wit_version) = wit_package(WIT)?;
    let (imports, exports) = imports_and_exports(PORTABLE_WASM)?;
    Ok(ComponentInfo {
        package,
        wit_version,
        certhost_version: env!("CARGO_PKG_VERSION").to_string(),
        sha256: sha256_hex(PORTABLE_WASM),
        size: PORTABLE_WASM.len(),
        exports,
        imports,
    })
}

/// The lines of `SHA256SUMS`, as `sha256sum` writes and checks them.
fn sums() -> String {
    format!(
        "{}  {COMPONENT_FILE}\n{}  {WIT_FILE}\n",
        sha256_hex(PORTABLE_WASM),
        sha256_hex(WIT.as_bytes())
    )
}

/// Writes the component, its WIT package and `SHA256SUMS` into `dir` (made if missing;
/// other files there are left alone). Each file is written whole or not at all.
pub fn save(dir: &Path) -> Result<Vec<PathBuf>, ArtifactError> {
    if dir.exists() && !dir.is_dir() {
        return Err(ArtifactError::NotADirectory(dir.to_path_buf()));
    }
    let write_error = |path: &Path, e: std::io::Error| ArtifactError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    let sums = sums();
    let files: [(&str, &[u8]); 3] = [
        (COMPONENT_FILE, PORTABLE_WASM),
        (WIT_FILE, WIT.as_bytes()),
        (SUMS_FILE, sums.as_bytes()),
    ];
    let mut written = Vec::new();
    for (name, contents) in files {
        let path = dir.join(name);
        crate::paths::write_atomically(&path, contents, false)
            .map_err(|e| write_error(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_line_gives_name_and_version() {
        let (package, version) = wit_package(WIT).unwrap();
        assert!(package.starts_with("certhost:plugin@"), "{package}");
        assert_eq!(package, format!("certhost:plugin@{version}"));
        assert_eq!(version.split('.').count(), 3, "semver: {version}");
        assert!(wit_package("interface x {}").is_err());
    }

    #[test]
    fn the_portable_component_exports_the_contract_and_imports_only_wit_interfaces() {
        let info = info().unwrap();
        let v = &info.wit_version;
        for export in ["cmdlets", "certificates", "slots"] {
            let name = format!("certhost:plugin/{export}@{v}");
            assert!(info.exports.contains(&name), "{name} in {:?}", info.exports);
        }
        for import in ["store", "files", "host", "primitives"] {
            let name = format!("certhost:plugin/{import}@{v}");
            assert!(info.imports.contains(&name), "{name} in {:?}", info.imports);
        }
        assert!(
            info.imports
                .iter()
                .all(|i| i.starts_with("certhost:plugin/") || i.starts_with("wasi:")),
            "{:?}",
            info.imports
        );
        assert_eq!(info.sha256.len(), 64);
    }
}
