//! The certificate exchange (docs/appliance-trust.md): appliance A, given B's address
//! and the password of one of B's API accounts, proves the password to B with OPAQUE
//! over one TLS 1.3 connection whose tls-exporter value both sides bind into the
//! proof. Each side then confirms the two certificates with a key only they share, and
//! records the other as a trusted peer. A relay that terminates TLS has a different
//! channel on each side: the proof fails, and it learns nothing about the password.

use super::client::{PeerConnection, split_address};
use super::{
    ApplianceError, EXCHANGE_TIMEOUT, OwnIdentity, check_name, check_peer_certificate, opaque,
};
use crate::pin::Pin;
use crate::store::{Database, TrustedPeer};
use base64::Engine;
use ring::hmac;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The route of the exchange's first message.
pub const START_PATH: &str = "/api/v1/appliance/exchange/start";
/// The route of its last message.
pub const FINISH_PATH: &str = "/api/v1/appliance/exchange/finish";
/// The name under which the OPAQUE server setup is sealed.
pub const SERVER_SETUP_SECRET: &str = "opaque-server-setup";
/// How long a started exchange waits for its last message.
const PENDING_LIFETIME: Duration = Duration::from_secs(60);
/// Started exchanges kept at most (the oldest are dropped first).
const MAX_PENDING: usize = 256;

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The first message: who signs in, and OPAQUE's KE1.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartBody {
    pub user_name: String,
    pub request: String,
}

/// The last message: KE3, the caller's name and address, and its confirmation.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FinishBody {
    pub exchange_id: String,
    pub finalization: String,
    pub name: String,
    pub address: String,
    pub proof: String,
}

/// Which side confirms.
#[derive(Clone, Copy)]
enum Side {
    Caller,
    Answerer,
}

/// What each side's confirmation covers: the side and both certificates, so each side
/// knows the other saw the same two certificates on this channel.
fn confirmed(side: Side, caller: &[u8], answerer: &[u8]) -> Vec<u8> {
    let mut message = match side {
        Side::Caller => b"certhost exchange caller\0".to_vec(),
        Side::Answerer => b"certhost exchange answerer\0".to_vec(),
    };
    for cert in [caller, answerer] {
        message.extend_from_slice(&(cert.len() as u64).to_be_bytes());
        message.extend_from_slice(cert);
    }
    message
}

/// HMAC-SHA256 under the session key of [`confirmed`].
fn proof(session_key: &[u8], side: Side, caller: &[u8], answerer: &[u8]) -> hmac::Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA256, session_key);
    hmac::sign(&key, &confirmed(side, caller, answerer))
}

/// Checks a confirmation (in constant time).
fn check_proof(
    session_key: &[u8],
    side: Side,
    caller: &[u8],
    answerer: &[u8],
    claimed: &[u8],
) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, session_key);
    hmac::verify(&key, &confirmed(side, caller, answerer), claimed).is_ok()
}

/// What the caller of an exchange gives.
pub struct ExchangeRequest<'a> {
    pub address: &'a str,
    pub user_name: &'a str,
    pub password: &'a str,
    /// The address the other side records for this server (default: its REST binding).
    pub local_address: Option<&'a str>,
}

/// Runs the exchange from this server: afterwards each side trusts the other. `db` is
/// read for this server's identity and written only when the exchange succeeded.
pub fn run(
    db: &mut Database,
    me: &OwnIdentity,
    request: &ExchangeRequest<'_>,
) -> Result<TrustedPeer, ApplianceError> {
    let (host, _) = split_address(request.address)?;
    let mut connection = PeerConnection::open(request.address, Some(&me.client), EXCHANGE_TIMEOUT)?;
    let channel = connection.channel_binding()?;
    let theirs = connection.server_certificate();
    check_peer_certificate(db, &theirs)?;
    let (ke1, state) = opaque::client_start(request.password)
        .map_err(|e| ApplianceError::Exchange(e.to_string()))?;
    let started = connection.call(
        "POST",
        START_PATH,
        Some(&json!({"userName": request.user_name, "request": b64().encode(ke1)})),
    )?;
    let refused = |body: &serde_json::Value| ApplianceError::Refused {
        address: request.address.to_string(),
        message: body["message"]
            .as_str()
            .or(body["title"].as_str())
            .unwrap_or("the exchange is not supported there (is it certhost serve 0.2 or later?)")
            .to_string(),
    };
    if started.status != 200 {
        return Err(refused(&started.body));
    }
    let field = |body: &serde_json::Value, name: &str| -> Result<Vec<u8>, ApplianceError> {
        body[name]
            .as_str()
            .and_then(|v| b64().decode(v).ok())
            .ok_or_else(|| {
                ApplianceError::Exchange(format!(
                    "{} answered without a valid '{name}'",
                    request.address
                ))
            })
    };
    let exchange_id = started.body["exchangeId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ke2 = field(&started.body, "response")?;
    let (ke3, session_key) = opaque::client_finish(state, request.password, &ke2, &channel)
        .map_err(|e| {
            ApplianceError::Exchange(format!(
                "the exchange with {} failed: {e}; nothing was trusted on either side",
                request.address
            ))
        })?;
    let mine = &me.client.certificate;
    let finished = connection.call(
        "POST",
        FINISH_PATH,
        Some(&json!({
            "exchangeId": exchange_id,
            "finalization": b64().encode(ke3),
            "name": me.name,
            "address": request.local_address.unwrap_or(&me.address),
            "proof": b64().encode(proof(&session_key, Side::Caller, mine, &theirs)),
        })),
    )?;
    if finished.status != 200 {
        return Err(refused(&finished.body));
    }
    let answer = field(&finished.body, "proof")?;
    if !check_proof(&session_key, Side::Answerer, mine, &theirs, &answer) {
        return Err(ApplianceError::Exchange(format!(
            "{} did not confirm the certificates with the exchange's key: it was not trusted here",
            request.address
        )));
    }
    let name = finished.body["name"]
        .as_str()
        .map(check_name)
        .transpose()?
        .unwrap_or(host);
    let peer = super::trust_exchanged(db, &name, request.address, &theirs)?;
    db.record_peer_contact(&peer.name, Ok(()))?;
    db.get_peer(&peer.name)?
        .ok_or(ApplianceError::UnknownPeer(peer.name))
}

/// An exchange the answering side started and waits to finish.
struct Pending {
    user_name: String,
    state: Zeroizing<Vec<u8>>,
    channel: [u8; 32],
    caller_certificate: Vec<u8>,
    started: Instant,
}

/// The exchanges this server answers: started ones waiting for their last message.
#[derive(Default)]
pub struct Answerer {
    pending: std::sync::Mutex<HashMap<String, Pending>>,
}

/// Why the answering side refused a message; each maps to an HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "the password check failed: wrong user name or password, or something between the two servers terminates TLS"
    )]
    Rejected,
    #[error("{0}")]
    Unavailable(String),
}

/// What the answering side knows about the connection a message came on.
pub struct Channel<'a> {
    pub binding: [u8; 32],
    pub caller_certificate: &'a [u8],
}

impl Answerer {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        // The map holds no invariant a panic elsewhere could break.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The first message: OPAQUE's answer (KE2) and the id of the exchange.
    pub fn start(
        &self,
        db: &mut Database,
        channel: &Channel<'_>,
        body: &StartBody,
    ) -> Result<serde_json::Value, AnswerError> {
        let request = b64()
            .decode(&body.request)
            .map_err(|_| AnswerError::BadRequest("'request' is not base64".into()))?;
        Pin::of_certificate(channel.caller_certificate).map_err(|e| {
            AnswerError::BadRequest(format!("the TLS client certificate cannot be read: {e}"))
        })?;
        let unavailable = |e: &dyn std::fmt::Display| AnswerError::Unavailable(e.to_string());
        let record = db
            .account_opaque_record(&body.user_name)
            .map_err(|e| unavailable(&e))?
            .flatten();
        let setup = db
            .appliance_secret(SERVER_SETUP_SECRET, opaque::new_server_setup)
            .map_err(|e| unavailable(&e))?;
        let (ke2, state) = opaque::server_start(
            &setup,
            &body.user_name,
            record.as_deref(),
            &request,
            &channel.binding,
        )
        .map_err(|e| AnswerError::BadRequest(e.to_string()))?;
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|e| unavailable(&e))?;
        let id = hex::encode(id);
        let mut pending = self.lock();
        pending.retain(|_, p| p.started.elapsed() < PENDING_LIFETIME);
        if pending.len() >= MAX_PENDING
            && let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, p)| p.started)
                .map(|(k, _)| k.clone())
        {
            pending.remove(&oldest);
        }
        pending.insert(
            id.clone(),
            Pending {
                user_name: body.user_name.clone(),
                state,
                channel: channel.binding,
                caller_certificate: channel.caller_certificate.to_vec(),
                started: Instant::now(),
            },
        );
        Ok(json!({"exchangeId": id, "response": b64().encode(ke2)}))
    }

    /// The user name an exchange was started for (for throttling its outcome).
    pub fn user_of(&self, exchange_id: &str) -> Option<String> {
        self.lock().get(exchange_id).map(|p| p.user_name.clone())
    }

    /// The last message: checks the password proof on this channel and the caller's
    /// confirmation, trusts the caller, and confirms back.
    pub fn finish(
        &self,
        db: &mut Database,
        me: &OwnIdentity,
        channel: &Channel<'_>,
        body: &FinishBody,
    ) -> Result<serde_json::Value, AnswerError> {
        let pending = self
            .lock()
            .remove(&body.exchange_id)
            .filter(|p| p.started.elapsed() < PENDING_LIFETIME)
            .ok_or_else(|| {
                AnswerError::BadRequest(
                    "no exchange with that id is waiting (it expired after 60 s, or finished): start again".into(),
                )
            })?;
        if pending.channel != channel.binding
            || pending.caller_certificate != channel.caller_certificate
        {
            return Err(AnswerError::Rejected);
        }
        let decode = |v: &str, what: &str| {
            b64()
                .decode(v)
                .map_err(|_| AnswerError::BadRequest(format!("'{what}' is not base64")))
        };
        let ke3 = decode(&body.finalization, "finalization")?;
        let claimed = decode(&body.proof, "proof")?;
        let session_key = opaque::server_finish(&pending.state, &ke3, &channel.binding)
            .map_err(|_| AnswerError::Rejected)?;
        let caller = channel.caller_certificate;
        let mine = &me.client.certificate;
        if !check_proof(&session_key, Side::Caller, caller, mine, &claimed) {
            return Err(AnswerError::Rejected);
        }
        let name = check_name(&body.name).map_err(|e| AnswerError::BadRequest(e.to_string()))?;
        let peer = super::trust_exchanged(db, &name, &body.address, caller)
            .map_err(|e| AnswerError::BadRequest(e.to_string()))?;
        db.record_peer_contact(&peer.name, Ok(()))
            .map_err(|e| AnswerError::Unavailable(e.to_string()))?;
        Ok(json!({
            "name": me.name,
            "proof": b64().encode(proof(&session_key, Side::Answerer, caller, mine)),
        }))
    }
}
