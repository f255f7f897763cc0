//! What can stop a fuzzing run before it tests anything.

use std::path::PathBuf;

/// A fuzzing run could not start or could not record what it found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FuzzError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{var}={value:?} is not valid: {reason}")]
    Config {
        var: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("no tests/fuzz/known-disagreements.tsv above {0}")]
    NoStore(PathBuf),
    #[error("{path}:{line}: {reason}")]
    KnownList {
        path: PathBuf,
        line: usize,
        reason: &'static str,
    },
    #[error("the fuzz worker thread could not start: {0}")]
    Worker(std::io::Error),
}

impl FuzzError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FuzzError::Io {
            path: path.into(),
            source,
        }
    }
}
