//! REST API authentication: Argon2id password hashes, bearer access tokens (15 minutes),
//! single-use refresh tokens (14 days), logout, and the sign-in gate (bounded hashing,
//! throttled guessing: [`super::login`]). Tokens live in the server's memory, stored as
//! SHA-256 digests: a restart signs everyone out, and a memory dump shows no usable token.

use super::login::{LoginGate, LoginLimits};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lifetime of an access token (as the originals: 900 s).
pub const ACCESS_TOKEN_SECONDS: u64 = 900;
/// Lifetime of a refresh token (as the originals: 14 days).
pub const REFRESH_TOKEN_SECONDS: u64 = 14 * 24 * 3600;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("the password is empty; give a password of at least 8 characters")]
    Empty,
    #[error("the password is shorter than 8 characters")]
    TooShort,
    #[error("the password hash could not be computed: {0}")]
    Hashing(String),
}

/// An Argon2id PHC string for a new password.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    if password.is_empty() {
        return Err(HashError::Empty);
    }
    if password.chars().count() < 8 {
        return Err(HashError::TooShort);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError::Hashing(e.to_string()))
}

/// Whether `password` matches a stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new random token (256 bits, base64url).
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not recoverable for a server handing out tokens.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

struct Grant {
    user: String,
    expires: Instant,
    /// The refresh token issued with this access token (revoked at logout).
    refresh: Option<[u8; 32]>,
}

/// Tokens issued to a user.
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

/// Why a bearer token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    Invalid,
    Expired,
}

#[derive(Default)]
struct State {
    access: HashMap<[u8; 32], Grant>,
    refresh: HashMap<[u8; 32], Grant>,
}

/// The token registry and sign-in gate of one server process.
pub struct Auth {
    state: Mutex<State>,
    access_lifetime: Duration,
    login: LoginGate,
}

impl Default for Auth {
    fn default() -> Self {
        Auth::new(Duration::from_secs(ACCESS_TOKEN_SECONDS))
    }
}

impl Auth {
    /// A registry whose access tokens live `access_lifetime`.
    pub fn new(access_lifetime: Duration) -> Self {
        Auth::with_login_limits(access_lifetime, LoginLimits::default())
    }

    /// A registry whose sign-ins go through a gate with `limits`.
    pub fn with_login_limits(access_lifetime: Duration, limits: LoginLimits) -> Self {
        Auth {
            state: Mutex::default(),
            access_lifetime,
            login: LoginGate::new(limits),
        }
    }

    /// How long an access token lives (and a page session stays signed in while idle).
    pub fn access_lifetime(&self) -> Duration {
        self.access_lifetime
    }

    /// The gate every password check goes through.
    pub fn login(&self) -> &LoginGate {
        &self.login
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Token maps stay consistent even if a handler panicked holding the lock.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// New access and refresh tokens for `user`.
    pub fn issue(&self, user: &str) -> Tokens {
        let access_token = new_token();
        let refresh_token = new_token();
        let now = Instant::now();
        let mut state = self.state();
        state.access.retain(|_, g| g.expires > now);
        state.refresh.retain(|_, g| g.expires > now);
        state.access.insert(
            digest(&access_token),
            Grant {
                user: user.into(),
                expires: now + self.access_lifetime,
                refresh: Some(digest(&refresh_token)),
            },
        );
        state.refresh.insert(
            digest(&refresh_token),
            Grant {
                user: user.into(),
                expires: now + Duration::from_secs(REFRESH_TOKEN_SECONDS),
                refresh: None,
            },
        );
        Tokens {
            access_token,
            refresh_token,
            expires_in: self.access_lifetime.as_secs(),
        }
    }

    /// Spends a refresh token (single use): new tokens, or `None` when unknown or expired.
    pub fn refresh(&self, refresh_token: &str) -> Option<Tokens> {
        let grant = self.state().refresh.remove(&digest(refresh_token))?;
        (grant.expires > Instant::now()).then(|| self.issue(&grant.user))
    }

    /// The user of a bearer token.
    pub fn check(&self, token: Option<&str>) -> Result<String, TokenProblem> {
        let token = token.ok_or(TokenProblem::Missing)?;
        let state = self.state();
        let grant = state
            .access
            .get(&digest(token))
            .ok_or(TokenProblem::Invalid)?;
        if grant.expires <= Instant::now() {
            return Err(TokenProblem::Expired);
        }
        Ok(grant.user.clone())
    }

    /// Revokes an access token and the refresh token issued with it.
    pub fn logout(&self, token: &str) -> bool {
        let mut state = self.state();
        match state.access.remove(&digest(token)) {
            Some(grant) => {
                if let Some(r) = grant.refresh {
                    state.refresh.remove(&r);
                }
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
        assert!(matches!(hash_password("short"), Err(HashError::TooShort)));
    }

    #[test]
    fn refresh_tokens_are_single_use_and_logout_revokes_both() {
        let auth = Auth::default();
        let t = auth.issue("admin");
        assert_eq!(auth.check(Some(&t.access_token)), Ok("admin".into()));
        let t2 = auth.refresh(&t.refresh_token).unwrap();
        assert!(auth.refresh(&t.refresh_token).is_none(), "second use");
        assert!(auth.logout(&t2.access_token));
        assert_eq!(
            auth.check(Some(&t2.access_token)),
            Err(TokenProblem::Invalid)
        );
        assert!(
            auth.refresh(&t2.refresh_token).is_none(),
            "revoked at logout"
        );
        let short = Auth::new(Duration::ZERO);
        let t3 = short.issue("admin");
        assert_eq!(
            short.check(Some(&t3.access_token)),
            Err(TokenProblem::Expired)
        );
    }
}
