//! The appliance routes (docs/appliance-trust.md): this server's certificate to
//! download and the trust list for admins (bearer token); the exchange's two messages;
//! and the calls between trusted peers, authenticated by the client certificate's pin
//! on every request, so a removed peer loses access at once.

use super::api::{App, authenticate, typed_body};
use super::model::{ApiError, timestamp};
use super::{ClientAddress, TlsFacts};
use crate::appliance::announce::Announcement;
use crate::appliance::exchange::{AnswerError, Channel, FinishBody, StartBody};
use crate::appliance::{self, ApplianceError, calls};
use crate::store::TrustedPeer;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = State<Arc<App>>;
type ApiResult = Result<Response, ApiError>;

/// The appliance routes, to merge into the API's router.
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/v1/appliance/certificate", get(own_certificate))
        .route("/api/v1/appliance/peers", get(list_peers).post(upload_peer))
        .route("/api/v1/appliance/exchange", post(exchange))
        .route("/api/v1/appliance/peers/{name}", delete(remove_peer))
        .route(appliance::exchange::START_PATH, post(exchange_start))
        .route(appliance::exchange::FINISH_PATH, post(exchange_finish))
        .route(calls::HELLO_PATH, get(hello))
        .route(calls::ANNOUNCE_PATH, post(announce))
        .route(calls::ANNOUNCEMENTS_PATH, get(announcements))
}

fn storage(e: impl std::fmt::Display) -> ApiError {
    super::log(&format!("appliance trust: {e}"));
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        "StorageFailed",
        "the trust list cannot be read or written; see the server log",
    )
}

fn no_identity(e: ApplianceError) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "NoCertificate",
        "NoCertificate",
        e.to_string(),
    )
}

/// `GET /api/v1/appliance/certificate`: this appliance's certificate (PEM), to upload
/// on another appliance. Public, as the certificate is in every TLS handshake.
async fn own_certificate(State(app): Shared) -> ApiResult {
    let me = appliance::own_identity(&app.db()).map_err(no_identity)?;
    let pem = appliance::certificate_pem(&me.client.certificate);
    let file = format!("attachment; filename=\"{}.pem\"", me.name);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/x-pem-file".to_string()),
            (header::CONTENT_DISPOSITION, file),
            (header::HeaderName::from_static("x-public-key-hash"), me.pin),
        ],
        pem,
    )
        .into_response())
}

fn peer_model(peer: &TrustedPeer) -> Value {
    let facts = appliance::certificate_facts(&peer.certificate).ok();
    let not_after = facts.as_ref().map_or(0, |f| f.not_after);
    json!({
        "name": peer.name,
        "address": peer.address,
        "subject": facts.as_ref().map(|f| f.subject.clone()),
        "thumbprint": peer.thumbprint,
        "publicKeyHash": peer.pin,
        "nextPublicKeyHash": peer.next_pin,
        "notAfter": timestamp(not_after),
        "status": appliance::peer_status(peer, not_after, crate::clock::now()).as_str(),
        "lastSeen": peer.last_seen.map(timestamp),
        "lastError": peer.last_error,
        "addedAt": timestamp(peer.added_at),
    })
}

/// `GET /api/v1/appliance/peers`: the trust list.
async fn list_peers(State(app): Shared, headers: HeaderMap) -> ApiResult {
    authenticate(&app, &headers)?;
    let peers = app.db().list_peers().map_err(storage)?;
    let data: Vec<Value> = peers.iter().map(peer_model).collect();
    Ok(axum::Json(json!({"data": data})).into_response())
}

/// An uploaded peer certificate.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UploadBody {
    name: Option<String>,
    address: String,
    /// PEM, or base64 DER.
    certificate: String,
}

/// A PEM certificate, or base64 DER, as DER.
pub(super) fn certificate_text(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let body = match text.find("-----BEGIN CERTIFICATE-----") {
        Some(start) => {
            let rest = &text[start + "-----BEGIN CERTIFICATE-----".len()..];
            &rest[..rest.find("-----END CERTIFICATE-----")?]
        }
        None => text,
    };
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

fn refused(e: ApplianceError) -> ApiError {
    match e {
        ApplianceError::Store(_) => storage(e),
        ApplianceError::NoCertificate | ApplianceError::NoPrivateKey(_) => no_identity(e),
        ApplianceError::Call(appliance::client::CallError::Unreachable { .. })
        | ApplianceError::Call(appliance::client::CallError::Tls { .. }) => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "PeerUnreachable",
            "PeerUnreachable",
            e.to_string(),
        ),
        ApplianceError::Exchange(_) | ApplianceError::Refused { .. } => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "ExchangeFailed",
            "ExchangeFailed",
            e.to_string(),
        ),
        _ => ApiError::bad_request("InvalidPeer", e.to_string()),
    }
}

/// `POST /api/v1/appliance/peers`: upload another appliance's certificate (the manual
/// path), checked as Add-TrustedPeer checks it.
async fn upload_peer(
    State(app): Shared,
    headers: HeaderMap,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    authenticate(&app, &headers)?;
    let body: UploadBody = typed_body(
        body,
        r#"{"address":"backup02.tech.local:9419","certificate":"-----BEGIN CERTIFICATE-----…"}"#,
    )?;
    let der = certificate_text(&body.certificate).ok_or_else(|| {
        ApiError::bad_request(
            "InvalidCertificate",
            "'certificate' must be a PEM certificate or base64 DER",
        )
    })?;
    let peer = add_uploaded_peer(&app, body.name.as_deref(), &body.address, &der)?;
    Ok((StatusCode::CREATED, axum::Json(peer_model(&peer))).into_response())
}

/// Trusts an uploaded peer certificate (the manual path), checked as Add-TrustedPeer
/// checks it; named after its subject unless `name` is given.
pub(super) fn add_uploaded_peer(
    app: &App,
    name: Option<&str>,
    address: &str,
    der: &[u8],
) -> Result<TrustedPeer, ApiError> {
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => appliance::default_peer_name(der, address).map_err(refused)?,
    };
    let peer = appliance::add_peer(&mut app.db(), &name, address, der).map_err(refused)?;
    super::log(&format!(
        "now trusting peer '{}' ({})",
        peer.name, peer.address
    ));
    Ok(peer)
}

/// What an admin gives to exchange certificates from this server.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExchangeBody {
    address: String,
    user_name: String,
    password: String,
    local_address: Option<String>,
}

/// `POST /api/v1/appliance/exchange`: this server exchanges certificates with the
/// appliance at `address`, proving `password` there without sending it.
async fn exchange(
    State(app): Shared,
    headers: HeaderMap,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    authenticate(&app, &headers)?;
    let body: ExchangeBody = typed_body(
        body,
        r#"{"address":"backup02.tech.local:9419","userName":"admin","password":"…"}"#,
    )?;
    let peer = exchange_with(
        &app,
        body.address,
        body.user_name,
        zeroize::Zeroizing::new(body.password),
        body.local_address,
    )
    .await?;
    Ok(axum::Json(peer_model(&peer)).into_response())
}

/// Exchanges certificates with the appliance at `address`, proving `password` there
/// without sending it. As for connectionCertificate, the address must be one this
/// server may connect to (loopback, link-local and the like need --allow-connect).
pub(super) async fn exchange_with(
    app: &App,
    address: String,
    user_name: String,
    password: zeroize::Zeroizing<String>,
    local_address: Option<String>,
) -> Result<TrustedPeer, ApiError> {
    let (host, port) = appliance::client::split_address(&address)
        .map_err(|e| ApiError::bad_request("InvalidAddress", e.to_string()))?;
    let resolved: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map(Iterator::collect)
        .unwrap_or_default();
    if resolved.is_empty() || resolved.iter().any(|a| !app.connect_policy.permits(a.ip())) {
        super::log(&format!(
            "refused an exchange with {address}: {host} is not allowed (--allow-connect) or does not resolve"
        ));
        return Err(refused(ApplianceError::Call(
            appliance::client::CallError::Unreachable {
                address,
                reason: "the address does not resolve, or is one this server does not connect to (loopback, link-local and the like need --allow-connect)".into(),
            },
        )));
    }
    let state_dir = app.state_dir.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut db = crate::store::Database::open(&state_dir).map_err(ApplianceError::Store)?;
        let me = appliance::own_identity(&db)?;
        appliance::exchange::run(
            &mut db,
            &me,
            &appliance::exchange::ExchangeRequest {
                address: &address,
                user_name: &user_name,
                password: &password,
                local_address: local_address.as_deref(),
            },
        )
    })
    .await
    .map_err(storage)?;
    let peer = outcome.map_err(refused)?;
    super::log(&format!(
        "exchanged certificates with '{}' ({})",
        peer.name, peer.address
    ));
    Ok(peer)
}

/// `DELETE /api/v1/appliance/peers/{name}`: stops trusting a peer (its calls are
/// refused from the next request on).
async fn remove_peer(
    State(app): Shared,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult {
    authenticate(&app, &headers)?;
    if app.db().remove_peer(&name).map_err(storage)? {
        super::log(&format!("stopped trusting peer '{name}'"));
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "NoSuchPeer",
            format!("no trusted peer is named '{name}'; GET /api/v1/appliance/peers lists them"),
        ))
    }
}

/// The channel an exchange message came on: TLS 1.3 with a client certificate.
fn channel(facts: &TlsFacts) -> Result<([u8; 32], Arc<Vec<u8>>), ApiError> {
    match (facts.channel_binding, facts.client_certificate.clone()) {
        (Some(binding), Some(cert)) => Ok((binding, cert)),
        _ => Err(ApiError::bad_request(
            "NoPeerChannel",
            "the exchange runs over TLS 1.3 with the calling appliance's certificate as the client certificate: use Invoke-CertificateExchange",
        )),
    }
}

fn answer_error(e: AnswerError) -> ApiError {
    match e {
        AnswerError::BadRequest(m) => ApiError::bad_request("BadExchange", m),
        AnswerError::Rejected => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "AccessDenied",
            "ExchangeRejected",
            e.to_string(),
        ),
        AnswerError::Unavailable(m) => storage(m),
    }
}

/// `POST /api/v1/appliance/exchange/start`: OPAQUE's first message. Counted against
/// sign-in throttling as a failure until the exchange finishes.
async fn exchange_start(
    State(app): Shared,
    Extension(facts): Extension<TlsFacts>,
    client: Option<Extension<ClientAddress>>,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    let (binding, certificate) = channel(&facts)?;
    let body: StartBody = typed_body(body, r#"{"userName":"admin","request":"<base64>"}"#)?;
    let from = ClientAddress::of(client);
    if let Err(refusal) = app
        .auth
        .login()
        .throttle_attempt(&body.user_name, from)
        .await
    {
        super::log(&format!(
            "throttled an exchange for '{}' from {from}",
            body.user_name
        ));
        return Ok(super::api::login_refused(refusal));
    }
    let answer = app.exchanges.start(
        &mut app.db(),
        &Channel {
            binding,
            caller_certificate: &certificate,
        },
        &body,
    );
    answer
        .map(|v| axum::Json(v).into_response())
        .map_err(answer_error)
}

/// `POST /api/v1/appliance/exchange/finish`: OPAQUE's last message and the caller's
/// confirmation; the caller becomes a trusted peer.
async fn exchange_finish(
    State(app): Shared,
    Extension(facts): Extension<TlsFacts>,
    client: Option<Extension<ClientAddress>>,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    let (binding, certificate) = channel(&facts)?;
    let body: FinishBody = typed_body(
        body,
        r#"{"exchangeId":"…","finalization":"<base64>","name":"backup02","address":"backup02:9419","proof":"<base64>"}"#,
    )?;
    let from = ClientAddress::of(client);
    let user = app.exchanges.user_of(&body.exchange_id);
    let mut db = app.db();
    let me = appliance::own_identity(&db).map_err(no_identity)?;
    let answer = app.exchanges.finish(
        &mut db,
        &me,
        &Channel {
            binding,
            caller_certificate: &certificate,
        },
        &body,
    );
    drop(db);
    match answer {
        Ok(v) => {
            if let Some(user) = &user {
                app.auth.login().record_success(user, from);
            }
            super::log(&format!(
                "exchanged certificates with '{}' ({}) from {from}",
                body.name, body.address
            ));
            Ok(axum::Json(v).into_response())
        }
        Err(e) => {
            super::log(&format!(
                "failed certificate exchange for '{}' from {from}: {e}",
                user.unwrap_or_default()
            ));
            Err(answer_error(e))
        }
    }
}

/// The trusted peer holding the request's client certificate, or 403.
fn peer_of(app: &App, facts: &TlsFacts) -> Result<TrustedPeer, ApiError> {
    let unknown = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            calls::UNKNOWN_KEY,
            calls::UNKNOWN_KEY,
            "this server does not trust the key of the calling appliance: exchange certificates (Invoke-CertificateExchange) or add it (Add-TrustedPeer)",
        )
    };
    let certificate = facts.client_certificate.as_deref().ok_or_else(unknown)?;
    calls::authenticate(&mut app.db(), certificate)
        .map_err(storage)?
        .ok_or_else(unknown)
}

/// `GET /api/v1/appliance/hello`: a trusted peer's call; says who it is to us.
async fn hello(State(app): Shared, Extension(facts): Extension<TlsFacts>) -> ApiResult {
    let peer = peer_of(&app, &facts)?;
    let name = crate::identity::server_identity(&app.db())
        .map_err(storage)?
        .fqdn;
    Ok(axum::Json(json!({"name": name, "knownAs": peer.name})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnounceBody {
    announcements: Vec<Announcement>,
}

/// `POST /api/v1/appliance/announce`: a peer's chain of key announcements; its last key
/// is accepted beside the current one until the peer is seen using it.
async fn announce(
    State(app): Shared,
    Extension(facts): Extension<TlsFacts>,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    let body: AnnounceBody = typed_body(body, r#"{"announcements":[…]}"#)?;
    let certificate = facts.client_certificate.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            calls::UNKNOWN_KEY,
            calls::UNKNOWN_KEY,
            "announcements come from trusted peers over mutual TLS",
        )
    })?;
    // The database lock is released before the answer is built: `peer_of` takes it again.
    let received = calls::receive(&mut app.db(), certificate, &body.announcements);
    match received {
        Ok(Some((name, pin))) => {
            super::log(&format!("trusted peer '{name}' announced its key {pin}"));
            Ok(axum::Json(json!({"accepted": pin})).into_response())
        }
        Ok(None) => Err(peer_of(&app, &facts)
            .err()
            .unwrap_or_else(|| storage("the peer vanished"))),
        Err(ApplianceError::Announce(e)) => {
            Err(ApiError::bad_request("BadAnnouncement", e.to_string()))
        }
        Err(e) => Err(storage(e)),
    }
}

/// `GET /api/v1/appliance/announcements`: this server's chain, for a peer catching up.
async fn announcements(State(app): Shared) -> ApiResult {
    let chain = calls::chain(&app.db()).map_err(storage)?;
    Ok(axum::Json(json!({"announcements": chain})).into_response())
}
