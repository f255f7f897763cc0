//! The REST API routes: tokens, the server certificate, certificate settings (list,
//! upload, regenerate) and fetching a remote server's certificate.

use super::auth::{Auth, TokenProblem, verify_password};
use super::model::{ApiError, certificate_model, timestamp};
use crate::clock::now;
use crate::plugin::{PluginError, wit};
use crate::services::worker::{SlotCall, Worker};
use crate::store::{BACKUP_SERVER_SLOT, Database};
use axum::Router;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Validity of a regenerated certificate when `validBy` is not given (as the originals).
const DEFAULT_VALIDITY_DAYS: i64 = 3650;

/// Versions of the API this server speaks (any revision of each).
const API_VERSIONS: &[&str] = &["1.0", "1.1"];

/// What the handlers share.
pub struct App {
    pub auth: Auth,
    pub worker: Worker,
    pub database: Mutex<Database>,
    pub upload_limit: usize,
    /// Asks the listener loop to reload now, and tells when it has.
    pub reload: super::Reload,
    /// The serverCertificate answer, by thumbprint (inspection is a component call).
    model_cache: Mutex<Option<(String, Value)>>,
}

type Shared = State<Arc<App>>;
type ApiResult = Result<Response, ApiError>;

impl App {
    pub fn new(
        auth: Auth,
        worker: Worker,
        database: Database,
        upload_limit: usize,
        reload: super::Reload,
    ) -> Self {
        App {
            auth,
            worker,
            database: Mutex::new(database),
            upload_limit,
            reload,
            model_cache: Mutex::new(None),
        }
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Database> {
        // SQLite keeps its own consistency; a panic elsewhere does not poison the data.
        self.database.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The router with every route, the `x-api-version` check and JSON errors for unknown
/// routes and methods.
pub fn router(app: Arc<App>) -> Router {
    let upload_limit = app.upload_limit;
    Router::new()
        .route("/api/oauth2/token", post(token))
        .route("/api/v1/token", post(token).delete(logout))
        .route("/api/oauth2/logout", post(logout))
        .route("/api/v1/serverCertificate", get(server_certificate))
        .route("/api/v1/settings/certificates", get(list_certificates))
        .route(
            "/api/v1/settings/certificates/upload",
            post(upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/v1/settings/certificates/regenerate", post(regenerate))
        .route(
            "/api/v1/connectionCertificate",
            post(connection_certificate),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(require_api_version))
        .with_state(app)
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        "NoSuchRoute",
        "no such resource; see the API's OpenAPI document (docs/openapi.yaml)",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "MethodNotAllowed",
        "this resource does not take that method",
    )
}

/// Every request names the API version: `x-api-version: 1.0-rev0` (or 1.1, any revision).
async fn require_api_version(request: Request, next: Next) -> Response {
    let Some(value) = request.headers().get("x-api-version") else {
        return ApiError::bad_request(
            "MissingApiVersion",
            "the x-api-version header is required, for example 'x-api-version: 1.1-rev0'",
        )
        .into_response();
    };
    let text = value.to_str().unwrap_or("");
    let known = text.split_once("-rev").is_some_and(|(version, revision)| {
        API_VERSIONS.contains(&version)
            && !revision.is_empty()
            && revision.chars().all(|c| c.is_ascii_digit())
    });
    if !known {
        return ApiError::bad_request(
            "UnknownApiVersion",
            format!("x-api-version '{text}' is not supported; use 1.0-rev0 or 1.1-rev0 (any revision of 1.0 or 1.1)"),
        )
        .into_response();
    }
    next.run(request).await
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The user of the request's bearer token, or 401.
fn authenticate(app: &App, headers: &HeaderMap) -> Result<String, ApiError> {
    let user = app.auth.check(bearer(headers)).map_err(|problem| {
        let (code, message) = match problem {
            TokenProblem::Missing => ("AccessDenied", "authentication required: send 'Authorization: Bearer <access_token>' (POST /api/oauth2/token gives one)"),
            TokenProblem::Invalid => ("InvalidToken", "the access token is not valid; sign in again"),
            TokenProblem::Expired => ("ExpiredToken", "the access token has expired; use the refresh token or sign in again"),
        };
        ApiError::new(StatusCode::UNAUTHORIZED, code, code, message)
    })?;
    if account_exists(app, &user) {
        Ok(user)
    } else {
        Err(account_removed())
    }
}

/// Whether the account still exists (a removed account's tokens stop working at once).
fn account_exists(app: &App, user: &str) -> bool {
    app.db()
        .account_password_hash(user)
        .ok()
        .flatten()
        .is_some()
}

fn account_removed() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "InvalidToken",
        "AccountRemoved",
        "the account of this token no longer exists",
    )
}

fn component_failed(e: PluginError) -> ApiError {
    super::log(&format!("component call failed: {e}"));
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UnknownError",
        "ComponentFailed",
        "the certificate component failed; see the server log",
    )
}

fn tokens_response(tokens: super::auth::Tokens) -> Response {
    let issued = now();
    let body = json!({
        "access_token": tokens.access_token,
        "token_type": "bearer",
        "refresh_token": tokens.refresh_token,
        "expires_in": tokens.expires_in,
        ".issued": timestamp(issued),
        ".expires": timestamp(issued + tokens.expires_in as i64),
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// `POST /api/oauth2/token` and `POST /api/v1/token`: password and refresh_token grants.
async fn token(
    State(app): Shared,
    form: Result<axum::Form<HashMap<String, String>>, FormRejection>,
) -> ApiResult {
    let axum::Form(form) = form.map_err(|e| {
        ApiError::bad_request(
            "BadForm",
            format!("send application/x-www-form-urlencoded fields (grant_type, ...): {e}"),
        )
    })?;
    match form.get("grant_type").map(String::as_str) {
        Some("password") => {
            let (Some(user), Some(password)) = (form.get("username"), form.get("password")) else {
                return Err(ApiError::bad_request(
                    "MissingCredentials",
                    "grant_type=password needs username and password",
                ));
            };
            tokio::time::sleep(app.auth.login_delay(user)).await;
            let hash = app.db().account_password_hash(user).map_err(|e| {
                super::log(&format!("account lookup failed: {e}"));
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceUnavailable",
                    "StorageFailed",
                    "the account store cannot be read",
                )
            })?;
            let password = password.clone();
            let ok = tokio::task::spawn_blocking(move || {
                hash.is_some_and(|h| verify_password(&password, &h))
            })
            .await
            .unwrap_or(false);
            if !ok {
                app.auth.record_failure(user);
                super::log(&format!("failed sign-in for '{user}'"));
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "AccessDenied",
                    "WrongCredentials",
                    "wrong user name or password",
                ));
            }
            app.auth.record_success(user);
            Ok(tokens_response(app.auth.issue(user)))
        }
        Some("refresh_token") => {
            let Some(refresh) = form.get("refresh_token") else {
                return Err(ApiError::bad_request(
                    "MissingRefreshToken",
                    "grant_type=refresh_token needs refresh_token",
                ));
            };
            match app.auth.refresh(refresh) {
                Some(tokens) => Ok(tokens_response(tokens)),
                None => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "InvalidToken",
                    "InvalidRefreshToken",
                    "the refresh token is unknown, used already, or expired; sign in again",
                )),
            }
        }
        Some(other) => Err(ApiError::bad_request(
            "UnsupportedGrantType",
            format!("grant_type '{other}' is not supported; use password or refresh_token"),
        )),
        None => Err(ApiError::bad_request(
            "MissingGrantType",
            "grant_type is required (password or refresh_token)",
        )),
    }
}

/// `POST /api/oauth2/logout` and `DELETE /api/v1/token`: revokes the bearer token.
async fn logout(State(app): Shared, headers: HeaderMap) -> ApiResult {
    authenticate(&app, &headers)?;
    if let Some(token) = bearer(&headers) {
        app.auth.logout(token);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The backup server certificate's model (cached by thumbprint).
async fn current_model(app: &App) -> Result<(Value, bool), ApiError> {
    let storage_failed = |e: &dyn std::fmt::Display| {
        super::log(&format!("certificate lookup failed: {e}"));
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "StorageFailed",
            "the certificate store cannot be read",
        )
    };
    let missing = |message: &str| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "NoServerCertificate",
            message.to_string(),
        )
    };
    let slot = app
        .db()
        .get_slot(BACKUP_SERVER_SLOT)
        .map_err(|e| storage_failed(&e))?
        .ok_or_else(|| missing("this server has no backup server certificate yet"))?;
    let cached = app
        .model_cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    if let Some((thumbprint, model)) = cached
        && thumbprint == slot.thumbprint
    {
        return Ok((model, slot.automatically_generated));
    }
    let stored = app
        .db()
        .get_certificate_without_key(&slot.store, &slot.thumbprint)
        .map_err(|e| storage_failed(&e))?
        .ok_or_else(|| missing("the backup server certificate is missing from the store"))?;
    let info = app
        .worker
        .inspect(stored.certificate)
        .await
        .map_err(component_failed)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UnknownError",
                "CorruptCertificate",
                "the stored certificate cannot be read",
            )
        })?;
    let model = certificate_model(&info);
    *app.model_cache.lock().unwrap_or_else(|p| p.into_inner()) =
        Some((slot.thumbprint, model.clone()));
    Ok((model, slot.automatically_generated))
}

/// `GET /api/v1/serverCertificate` (no authentication): the CertificateModel.
async fn server_certificate(State(app): Shared) -> ApiResult {
    let (model, _) = current_model(&app).await?;
    Ok(axum::Json(model).into_response())
}

/// `GET /api/v1/settings/certificates`: `{data: [Certificate]}`.
async fn list_certificates(State(app): Shared, headers: HeaderMap) -> ApiResult {
    authenticate(&app, &headers)?;
    let (mut model, generated) = current_model(&app).await?;
    model["automaticallyGenerated"] = Value::Bool(generated);
    Ok(axum::Json(json!({ "data": [model] })).into_response())
}

/// A cmdlet failure as a 400 with the cmdlet's message (which names no secret).
fn cmdlet_rejected(e: wit::CmdletError) -> ApiError {
    let status = match e.category {
        wit::ErrorCategory::WriteError | wit::ErrorCategory::ReadError => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let code = if status == StatusCode::BAD_REQUEST {
        "UnexpectedContent"
    } else {
        "ServiceUnavailable"
    };
    ApiError {
        status,
        code,
        message: e.message,
        details: e.error_id,
    }
}

/// Runs a typed slot call on the backup server slot, then waits until the listeners
/// serve its result.
async fn assign_and_reload(app: &App, call: SlotCall) -> Result<(), ApiError> {
    app.worker
        .slot(BACKUP_SERVER_SLOT, call)
        .await
        .map_err(component_failed)?
        .map_err(cmdlet_rejected)?;
    app.reload.now_and_wait(Duration::from_secs(2)).await;
    Ok(())
}

/// `POST /api/v1/settings/certificates/upload`: multipart `certificateFile` (.pfx/.p12)
/// and `certificatePassword`; validated in the component, swapped atomically; 202.
async fn upload(
    State(app): Shared,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> ApiResult {
    authenticate(&app, &headers)?;
    // Refuse an oversized upload from its Content-Length, before reading any of it (a
    // client that sent `Expect: 100-continue` then never sends the body).
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > app.upload_limit) {
        return Err(too_large(app.upload_limit));
    }
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(
            "BadMultipart",
            format!("send multipart/form-data with certificateFile and certificatePassword: {e}"),
        )
    })?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut password: Option<String> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large(app.upload_limit));
            }
            Err(e) => {
                return Err(ApiError::bad_request(
                    "BadMultipart",
                    format!("the multipart body cannot be read: {}", e.body_text()),
                ));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large(app.upload_limit)
            } else {
                ApiError::bad_request(
                    "BadMultipart",
                    format!("the multipart body cannot be read: {}", e.body_text()),
                )
            }
        })?;
        match name.as_str() {
            "certificateFile" => file = Some((file_name.unwrap_or_default(), bytes.to_vec())),
            "certificatePassword" => {
                password = Some(String::from_utf8(bytes.to_vec()).map_err(|_| {
                    ApiError::bad_request("BadPassword", "certificatePassword is not UTF-8 text")
                })?);
            }
            _ => {}
        }
    }
    let (file_name, data) = file.ok_or_else(|| {
        ApiError::bad_request(
            "MissingCertificateFile",
            "the certificateFile part (the .pfx or .p12 file) is required",
        )
    })?;
    let password = password.ok_or_else(|| {
        ApiError::bad_request(
            "MissingCertificatePassword",
            "the certificatePassword part is required",
        )
    })?;
    let lower = file_name.to_ascii_lowercase();
    if !(lower.ends_with(".pfx") || lower.ends_with(".p12")) {
        return Err(ApiError::bad_request(
            "NotAPfxFile",
            format!("'{file_name}' is not a .pfx or .p12 file; only PKCS#12 files are accepted"),
        ));
    }
    if data.is_empty() || data.trim_ascii_start().starts_with(b"-----") {
        return Err(ApiError::bad_request(
            "NotAPfxFile",
            format!("'{file_name}' does not hold PKCS#12 data"),
        ));
    }
    assign_and_reload(&app, SlotCall::AssignUpload { data, password }).await?;
    super::log(&format!(
        "certificate uploaded as {file_name} is now the backup server certificate"
    ));
    Ok(StatusCode::ACCEPTED.into_response())
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "UnexpectedContent",
        "UploadTooLarge",
        format!(
            "the upload is larger than {} KiB; a PFX is a few KiB",
            limit / 1024
        ),
    )
}

/// `POST /api/v1/settings/certificates/regenerate` `{"validBy": "2027-01-01T00:00:00"}`:
/// a new self-signed certificate, assigned atomically; 202.
async fn regenerate(
    State(app): Shared,
    headers: HeaderMap,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    authenticate(&app, &headers)?;
    let axum::Json(body) = body.map_err(|e| {
        ApiError::bad_request(
            "BadJson",
            format!("send a JSON body such as {{\"validBy\": \"2027-01-01T00:00:00\"}}: {e}"),
        )
    })?;
    let days = regeneration_days(&body)?;
    assign_and_reload(
        &app,
        SlotCall::Generate {
            friendly_name: "Backup Server Certificate".into(),
            days,
        },
    )
    .await?;
    super::log("regenerated the backup server certificate");
    Ok(StatusCode::ACCEPTED.into_response())
}

/// The validity in days a regenerate request asks for: its body must be a JSON object,
/// with `validBy` (a future date and time) or without it (the default).
fn regeneration_days(body: &Value) -> Result<u32, ApiError> {
    let Value::Object(_) = body else {
        return Err(ApiError::bad_request(
            "BadJson",
            "the body must be a JSON object such as {\"validBy\": \"2027-01-01T00:00:00\"} (or {} for the default validity)",
        ));
    };
    let days = match body.get("validBy") {
        None | Some(Value::Null) => DEFAULT_VALIDITY_DAYS,
        Some(Value::String(text)) => {
            let until = crate::clock::parse_datetime(text).ok_or_else(|| {
                ApiError::bad_request(
                    "BadValidBy",
                    format!("validBy '{text}' is not a date and time such as 2027-01-01T00:00:00"),
                )
            })?;
            let seconds = until - now();
            if seconds <= 0 {
                return Err(ApiError::bad_request(
                    "ValidByInThePast",
                    format!("validBy '{text}' is not in the future"),
                ));
            }
            (seconds + 86_399) / 86_400
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "BadValidBy",
                "validBy must be a string such as 2027-01-01T00:00:00",
            ));
        }
    };
    u32::try_from(days)
        .map_err(|_| ApiError::bad_request("BadValidBy", "validBy is too far in the future"))
}

/// `POST /api/v1/connectionCertificate` `{serverName, port, type}`: the certificate a
/// remote TLS server presents, for the admin to decide on trust.
async fn connection_certificate(
    State(app): Shared,
    headers: HeaderMap,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    authenticate(&app, &headers)?;
    let axum::Json(body) = body.map_err(|e| ApiError::bad_request("BadJson", format!("send a JSON body such as {{\"serverName\": \"backup02.tech.local\", \"port\": 9419}}: {e}")))?;
    let server = body
        .get("serverName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    if server.is_empty() {
        return Err(ApiError::bad_request(
            "MissingServerName",
            "serverName is required",
        ));
    }
    let port = match body.get("port") {
        None | Some(Value::Null) => 443,
        Some(p) => p
            .as_u64()
            .filter(|p| (1..=65535).contains(p))
            .ok_or_else(|| ApiError::bad_request("BadPort", "port must be 1 to 65535"))?
            as u16,
    };
    let der = super::remote::fetch_certificate(&server, port, Duration::from_secs(10))
        .await
        .map_err(|reason| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "ServiceUnavailable",
                "ConnectionFailed",
                format!("cannot get the certificate of {server}:{port}: {reason}"),
            )
        })?;
    let info = app
        .worker
        .inspect(der)
        .await
        .map_err(component_failed)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "UnexpectedContent",
                "UnreadableCertificate",
                format!("{server}:{port} presented a certificate that cannot be read"),
            )
        })?;
    Ok(axum::Json(json!({
        "fingerprint": info.thumbprint,
        "certificate": certificate_model(&info),
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regenerate_takes_only_a_json_object() {
        for body in ["[]", "5", "\"hello\"", "null", "true"] {
            let value: Value = serde_json::from_str(body).unwrap();
            let err = regeneration_days(&value).unwrap_err();
            assert_eq!(err.details, "BadJson", "{body}");
        }
        assert!(matches!(
            regeneration_days(&serde_json::json!({})),
            Ok(days) if i64::from(days) == DEFAULT_VALIDITY_DAYS
        ));
        let err =
            regeneration_days(&serde_json::json!({"validBy": "2001-01-01T00:00:00"})).unwrap_err();
        assert_eq!(err.details, "ValidByInThePast");
    }
}
