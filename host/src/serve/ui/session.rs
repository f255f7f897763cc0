//! Browser sessions of the web pages. A session is a random id in the
//! `__Host-certhost-session` cookie (`Secure`, `HttpOnly`, `SameSite=Strict`, `Path=/`),
//! kept in the server's memory as its SHA-256 digest with the user, the session's CSRF
//! token, its deadlines and the install wizard's pending steps. A restart signs
//! everyone out, as it does for API tokens.

use super::wizard::Draft;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The session cookie. The `__Host-` prefix makes browsers refuse it unless it is
/// `Secure`, has `Path=/` and names no domain.
pub const SESSION_COOKIE: &str = "__Host-certhost-session";
/// The sign-in form's CSRF cookie (double submit: the form carries the same value).
pub const SIGN_IN_COOKIE: &str = "__Host-certhost-sign-in";
/// A session ends after this long, however active.
const ABSOLUTE_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// At most this many sessions are kept; the oldest give way.
const MAX_SESSIONS: usize = 10_000;
/// At most this many wizard steps wait per session; the oldest give way.
const MAX_DRAFTS: usize = 4;

/// A new random value (256 bits, base64url).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not recoverable for a server handing out sessions.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether two secrets are equal, compared as digests (no timing hint about the value).
pub fn same_secret(a: &str, b: &str) -> bool {
    digest(a) == digest(b)
}

struct Session {
    user: String,
    csrf: String,
    started: Instant,
    last_used: Instant,
    drafts: Vec<(String, Draft)>,
}

/// A signed-in session, as a handler sees it.
#[derive(Clone, Debug)]
pub struct SessionView {
    pub user: String,
    pub csrf: String,
}

/// Why a request has no session.
#[derive(Debug, PartialEq, Eq)]
pub enum SessionProblem {
    /// No session cookie.
    Missing,
    /// The cookie names no session (signed out, or the server restarted).
    Unknown,
    /// The session was idle too long, or reached its absolute lifetime.
    Expired,
}

/// The sessions of one server process.
pub struct Sessions {
    map: Mutex<HashMap<[u8; 32], Session>>,
    idle: Duration,
}

impl Sessions {
    /// Sessions that end after `idle` without a request.
    pub fn new(idle: Duration) -> Self {
        Sessions {
            map: Mutex::default(),
            idle,
        }
    }

    fn map(&self) -> MutexGuard<'_, HashMap<[u8; 32], Session>> {
        // The map stays consistent even if a handler panicked holding the lock.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn live(&self, s: &Session, now: Instant) -> bool {
        now.duration_since(s.last_used) < self.idle
            && now.duration_since(s.started) < ABSOLUTE_LIFETIME
    }

    /// A new session for `user`: the cookie value.
    pub fn start(&self, user: &str) -> String {
        let id = random_token();
        let now = Instant::now();
        let mut map = self.map();
        map.retain(|_, s| self.live(s, now));
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map.iter().min_by_key(|(_, s)| s.last_used).map(|(k, _)| *k)
        {
            map.remove(&oldest);
        }
        map.insert(
            digest(&id),
            Session {
                user: user.to_string(),
                csrf: random_token(),
                started: now,
                last_used: now,
                drafts: Vec::new(),
            },
        );
        id
    }

    /// The session of a cookie value; a live session's idle time starts again.
    pub fn find(&self, id: Option<&str>) -> Result<SessionView, SessionProblem> {
        let id = id.ok_or(SessionProblem::Missing)?;
        let now = Instant::now();
        let mut map = self.map();
        let key = digest(id);
        let session = map.get_mut(&key).ok_or(SessionProblem::Unknown)?;
        if !self.live(session, now) {
            map.remove(&key);
            return Err(SessionProblem::Expired);
        }
        session.last_used = now;
        Ok(SessionView {
            user: session.user.clone(),
            csrf: session.csrf.clone(),
        })
    }

    /// Ends a session (sign out). Its pending wizard steps, with any uploaded key and
    /// password, are dropped (and wiped) with it.
    pub fn end(&self, id: &str) {
        self.map().remove(&digest(id));
    }

    /// Keeps a wizard step for the session; the id to finish it with.
    pub fn keep_draft(&self, id: &str, draft: Draft) -> Option<String> {
        let mut map = self.map();
        let session = map.get_mut(&digest(id))?;
        if session.drafts.len() >= MAX_DRAFTS {
            session.drafts.remove(0);
        }
        let draft_id = random_token();
        session.drafts.push((draft_id.clone(), draft));
        Some(draft_id)
    }

    /// Takes a kept wizard step back (once).
    pub fn take_draft(&self, id: &str, draft_id: &str) -> Option<Draft> {
        let mut map = self.map();
        let session = map.get_mut(&digest(id))?;
        let at = session
            .drafts
            .iter()
            .position(|(d, _)| same_secret(d, draft_id))?;
        Some(session.drafts.remove(at).1)
    }

    /// Sessions whose user no longer exists end (a removed account signs out at once).
    pub fn end_user(&self, user: &str) {
        self.map().retain(|_, s| !s.user.eq_ignore_ascii_case(user));
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for `name`: Secure, HttpOnly, SameSite=Strict, Path=/.
pub fn set_cookie(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict")
}

/// A `Set-Cookie` value that removes cookie `name`.
pub fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_when_idle_and_end_at_sign_out() {
        let sessions = Sessions::new(Duration::from_secs(60));
        let id = sessions.start("admin");
        let view = sessions.find(Some(&id)).unwrap();
        assert_eq!(view.user, "admin");
        assert_eq!(view.csrf.len(), 43);
        assert_eq!(sessions.find(None).unwrap_err(), SessionProblem::Missing);
        assert_eq!(
            sessions.find(Some("forged")).unwrap_err(),
            SessionProblem::Unknown
        );
        sessions.end(&id);
        assert_eq!(
            sessions.find(Some(&id)).unwrap_err(),
            SessionProblem::Unknown
        );
        let short = Sessions::new(Duration::ZERO);
        let id = short.start("admin");
        assert_eq!(short.find(Some(&id)).unwrap_err(), SessionProblem::Expired);
    }

    #[test]
    fn cookies_are_read_by_exact_name_and_set_with_every_attribute() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "cookie",
            "x__Host-certhost-session=bad; __Host-certhost-session=good; other=1"
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("good"));
        let set = set_cookie(SESSION_COOKIE, "v");
        for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(attribute), "{set}");
        }
    }
}
