//! The files a run leaves behind: `tests/fuzz/regressions/<target>/<id>.bin` (one per
//! failure found; replayed by every later run) and `tests/fuzz/known-disagreements.tsv`
//! (inputs that still fail, listed until the code is fixed; the maintainer deletes the
//! line with the fix).

use crate::error::FuzzError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The name of the known-disagreements list inside `tests/fuzz`.
pub const KNOWN_FILE: &str = "known-disagreements.tsv";

/// The identifier of an input: the first 16 hex digits of its SHA-256.
pub fn input_id(input: &[u8]) -> String {
    Sha256::digest(input)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `tests/fuzz` of the repository.
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The `tests/fuzz` directory (the one holding [`KNOWN_FILE`]) of the first ancestor
    /// of `start` that has one.
    pub fn locate(start: &Path) -> Result<Store, FuzzError> {
        start
            .ancestors()
            .map(|dir| dir.join("tests").join("fuzz"))
            .find(|dir| dir.join(KNOWN_FILE).is_file())
            .map(|root| Store { root })
            .ok_or_else(|| FuzzError::NoStore(start.to_path_buf()))
    }

    /// A store at `root` (tests use a temporary directory).
    pub fn at(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn target_dir(&self, target: &str) -> PathBuf {
        self.root.join("regressions").join(target)
    }

    /// The regression files of `target`, sorted by name.
    pub fn regressions(&self, target: &str) -> Result<Vec<PathBuf>, FuzzError> {
        let dir = self.target_dir(target);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(FuzzError::io(dir, e)),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| FuzzError::io(&dir, e))?.path();
            if path.extension().is_some_and(|x| x == "bin") {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }

    /// Writes `input` as a regression file of `target` (idempotent).
    pub fn save(&self, target: &str, input: &[u8]) -> Result<PathBuf, FuzzError> {
        let dir = self.target_dir(target);
        std::fs::create_dir_all(&dir).map_err(|e| FuzzError::io(&dir, e))?;
        let path = dir.join(format!("{}.bin", input_id(input)));
        if !path.exists() {
            std::fs::write(&path, input).map_err(|e| FuzzError::io(&path, e))?;
        }
        Ok(path)
    }

    /// The known disagreements (a missing file is an empty list).
    pub fn known(&self) -> Result<Known, FuzzError> {
        let path = self.root.join(KNOWN_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Known::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Known::default()),
            Err(e) => Err(FuzzError::io(path, e)),
        }
    }
}

/// Inputs that fail today and are expected to pass once the code is fixed:
/// `target <TAB> id <TAB> reason`, `#` starts a comment line.
#[derive(Clone, Debug, Default)]
pub struct Known {
    reasons: HashMap<(String, String), String>,
}

impl Known {
    pub fn parse(text: &str, path: &Path) -> Result<Known, FuzzError> {
        let mut reasons = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let bad = |reason| FuzzError::KnownList {
                path: path.to_path_buf(),
                line: i + 1,
                reason,
            };
            let [target, id, reason] = fields.as_slice() else {
                return Err(bad("expected target<TAB>id<TAB>reason"));
            };
            if id.len() != 16 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(bad("the id is the 16 hex digits of the file name"));
            }
            reasons.insert(
                (target.trim().to_string(), id.to_ascii_lowercase()),
                reason.trim().to_string(),
            );
        }
        Ok(Known { reasons })
    }

    /// Why `id` of `target` is listed, if it is.
    pub fn reason(&self, target: &str, id: &str) -> Option<&str> {
        self.reasons
            .get(&(target.to_string(), id.to_string()))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sha256_prefixes() {
        assert_eq!(input_id(b""), "e3b0c44298fc1c14");
    }

    #[test]
    fn known_list_parses_and_refuses_bad_lines() {
        let p = Path::new("k.tsv");
        let k = Known::parse("# comment\n\npfx\tE3B0C44298FC1C14\tempty issuer\n", p).unwrap();
        assert_eq!(k.reason("pfx", "e3b0c44298fc1c14"), Some("empty issuer"));
        assert_eq!(k.reason("pem", "e3b0c44298fc1c14"), None);
        assert!(Known::parse("pfx e3b0c44298fc1c14 x\n", p).is_err());
        assert!(Known::parse("pfx\txyz\tx\n", p).is_err());
    }

    #[test]
    fn save_and_list() {
        let dir = std::env::temp_dir().join(format!("certhost-fuzz-store-{}", std::process::id()));
        let store = Store::at(&dir);
        assert!(store.regressions("t").unwrap().is_empty());
        let path = store.save("t", b"abc").unwrap();
        assert_eq!(store.save("t", b"abc").unwrap(), path);
        assert_eq!(store.regressions("t").unwrap(), vec![path]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
