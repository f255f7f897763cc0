//! The one error type of the certificate logic. Each variant is a different thing for the
//! user to do: retype a password, get a sound file, convert the file, pick the right key.

/// Why a certificate operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// The password does not open the file (MAC mismatch or undecryptable key).
    #[error("wrong password: {0}")]
    WrongPassword(String),
    /// The bytes are not a well-formed file of the expected kind.
    #[error("corrupt input: {0}")]
    Corrupt(String),
    /// Well-formed, but uses an algorithm or feature certhost does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The private key does not belong to the certificate.
    #[error("key mismatch: {0}")]
    KeyMismatch(String),
    /// A request parameter is invalid (bad subject, bad dates, bad key size, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

pub type Result<T> = std::result::Result<T, CertError>;

impl CertError {
    pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> Self {
        CertError::Corrupt(format!("{what}: {detail}"))
    }
}

impl From<certhost_primitives::PrimitiveError> for CertError {
    fn from(e: certhost_primitives::PrimitiveError) -> Self {
        use certhost_primitives::PrimitiveError as P;
        match e {
            P::Iterations(_) | P::Length(_) | P::WorkLimit { .. } => {
                CertError::Unsupported(e.to_string())
            }
            P::RsaKeySize(_) => CertError::InvalidInput(e.to_string()),
            _ => CertError::InvalidInput(e.to_string()),
        }
    }
}
