//! The precompiled-component cache: compiling the guest with Cranelift takes about a
//! second, loading a precompiled artifact well under a millisecond.
//!
//! An artifact is keyed by the SHA-256 of the wasm and the engine's compatibility hash
//! (wasmtime version, target, configuration). Loading an artifact runs its machine code
//! unchecked, so the cache lives in a 0700 directory of the user's, artifacts are written
//! 0600 and atomically, and a file with looser permissions or another owner is ignored
//! and rebuilt.

use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

fn artifact_path(dir: &Path, engine: &Engine, name: &str, wasm_sha256: &str) -> PathBuf {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    dir.join(format!(
        "{name}-{}-{:016x}.cwasm",
        &wasm_sha256[..32.min(wasm_sha256.len())],
        hasher.finish()
    ))
}

pub(super) fn trustworthy(path: &Path) -> bool {
    match std::fs::metadata(path) {
        // The cache directory is created 0700 by this user; an artifact must belong to
        // the directory's owner and be readable by nobody else.
        Ok(meta) => {
            let dir_owner = path
                .parent()
                .and_then(|d| std::fs::metadata(d).ok())
                .map(|m| m.uid());
            meta.is_file() && meta.mode() & 0o077 == 0 && Some(meta.uid()) == dir_owner
        }
        Err(_) => false,
    }
}

/// Loads the component from the cache, or compiles and caches it. Cache failures are
/// not errors: the component is then compiled in memory.
pub fn load(
    engine: &Engine,
    cache_dir: &Path,
    name: &str,
    wasm: &[u8],
    wasm_sha256: &str,
) -> wasmtime::Result<Component> {
    let path = artifact_path(cache_dir, engine, name, wasm_sha256);
    if trustworthy(&path) {
        // SAFETY: the artifact was written by this user (0600 file in a 0700 directory,
        // checked above) from `engine.precompile_component` with an engine of the same
        // compatibility hash, which is part of its name.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    let artifact = engine.precompile_component(wasm)?;
    if crate::paths::create_private_dir(cache_dir).is_ok() {
        let _ = crate::paths::write_atomically(&path, &artifact, true);
    }
    // SAFETY: the bytes come from `precompile_component` on this very engine just above.
    unsafe { Component::deserialize(engine, &artifact) }
}
