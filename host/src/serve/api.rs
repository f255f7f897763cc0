//! The REST API routes: tokens, the server certificate, certificate settings (list,
//! upload, regenerate) and fetching a remote server's certificate.

use super::auth::{Auth, TokenProblem};
use super::login::LoginRefusal;
use super::model::{ApiError, certificate_model, timestamp};
use crate::clock::now;
use crate::plugin::{PluginError, wit};
use crate::services::worker::{SlotCall, Worker};
use crate::store::{BACKUP_SERVER_SLOT, Database};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// Validity of a regenerated certificate when `validBy` is not given: one year, within
/// the 366 days of the Mozilla intermediate profile (the originals make 10 years).
const DEFAULT_VALIDITY_DAYS: i64 = super::renewal::RENEWED_VALIDITY_DAYS as i64;

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
    /// What is served, as the listener loop last loaded it (the backup server slot).
    catalog: super::SharedCatalog,
    /// Where connectionCertificate (and an exchange this server starts) may connect.
    pub(super) connect_policy: super::remote::ConnectPolicy,
    /// The serverCertificate answer, by thumbprint (inspection is a component call).
    model_cache: RwLock<Option<Arc<ServerModel>>>,
    /// Certificate exchanges started and waiting for their last message.
    pub exchanges: crate::appliance::exchange::Answerer,
    /// The state directory: an exchange this server starts opens its own database
    /// connection, so its calls to the other appliance hold no lock other requests need.
    pub state_dir: std::path::PathBuf,
    /// Sign-ins refused as busy or throttled, for rate-limited log lines.
    busy_sign_ins: super::limits::LogTally,
    throttled_sign_ins: super::limits::LogTally,
    /// The web pages' sessions and what they keep between requests.
    pub ui: super::ui::UiState,
}

/// The backup server certificate's CertificateModel, and the same as a response body.
struct ServerModel {
    thumbprint: String,
    model: Value,
    body: Bytes,
}

/// What an [`App`] is made of.
pub struct AppParts {
    pub auth: Auth,
    pub worker: Worker,
    pub database: Database,
    pub upload_limit: usize,
    pub reload: super::Reload,
    pub catalog: super::SharedCatalog,
    pub connect_policy: super::remote::ConnectPolicy,
    pub state_dir: std::path::PathBuf,
}

type Shared = State<Arc<App>>;
type ApiResult = Result<Response, ApiError>;

impl App {
    pub fn new(parts: AppParts) -> Self {
        App {
            ui: super::ui::UiState::new(parts.auth.access_lifetime()),
            auth: parts.auth,
            worker: parts.worker,
            database: Mutex::new(parts.database),
            upload_limit: parts.upload_limit,
            reload: parts.reload,
            catalog: parts.catalog,
            connect_policy: parts.connect_policy,
            model_cache: RwLock::default(),
            exchanges: Default::default(),
            state_dir: parts.state_dir,
            busy_sign_ins: Default::default(),
            throttled_sign_ins: Default::default(),
        }
    }

    /// Logs the sign-ins refused as busy or throttled since the last line (called
    /// periodically, so a burst's last refusals are reported too).
    pub fn report_refused_sign_ins(&self) {
        let now = std::time::Instant::now();
        if let Some(n) = self.busy_sign_ins.flush(now) {
            super::log(&format!(
                "refused {n} more sign-in(s) since the last report: every password check was busy"
            ));
        }
        if let Some(n) = self.throttled_sign_ins.flush(now) {
            super::log(&format!(
                "throttled {n} more sign-in(s) since the last report"
            ));
        }
    }

    pub(super) fn db(&self) -> std::sync::MutexGuard<'_, Database> {
        // SQLite keeps its own consistency; a panic elsewhere does not poison the data.
        self.database.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The router with every route: the API's (with the `x-api-version` check and JSON
/// errors for unknown routes and methods) and the web pages at `/ui/`; each request is
/// read and answered within `request_timeout`.
pub fn router(app: Arc<App>, request_timeout: Duration) -> Router {
    let upload_limit = app.upload_limit;
    let api = Router::new()
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
        .merge(super::appliance_api::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(require_api_version));
    api.merge(super::ui::routes(upload_limit))
        .layer(axum::middleware::from_fn_with_state(
            request_timeout,
            limit_request_time,
        ))
        .with_state(app)
}

/// A request not read and answered within the limit gets 408 (a client trickling its
/// body cannot hold a handler forever).
async fn limit_request_time(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "UnexpectedContent",
            "RequestTimeout",
            format!(
                "the request was not received and answered within {} s; send it again",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// A JSON body as `T`: it must be a JSON object, with only `T`'s fields; otherwise 400
/// with the reason and an `example` of a good body.
pub(super) fn typed_body<T: DeserializeOwned>(
    body: Result<axum::Json<Value>, JsonRejection>,
    example: &str,
) -> Result<T, ApiError> {
    let axum::Json(body) = body.map_err(|e| {
        ApiError::bad_request(
            "BadJson",
            format!("send a JSON body such as {example}: {}", e.body_text()),
        )
    })?;
    if !body.is_object() {
        return Err(ApiError::bad_request(
            "BadJson",
            format!("the body must be a JSON object such as {example}"),
        ));
    }
    serde_json::from_value(body).map_err(|e| {
        ApiError::bad_request(
            "BadJson",
            format!("{e}; send a JSON body such as {example}"),
        )
    })
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
pub(super) fn authenticate(app: &App, headers: &HeaderMap) -> Result<String, ApiError> {
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
pub(super) fn account_exists(app: &App, user: &str) -> bool {
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

/// The fields of a token request; any other field is refused with its name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenForm {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
}

/// `POST /api/oauth2/token` and `POST /api/v1/token`: password and refresh_token grants.
async fn token(
    State(app): Shared,
    client: Option<axum::Extension<super::ClientAddress>>,
    form: Result<axum::Form<TokenForm>, FormRejection>,
) -> ApiResult {
    let axum::Form(form) = form.map_err(|e| {
        ApiError::bad_request(
            "BadForm",
            format!(
                "send application/x-www-form-urlencoded fields grant_type, username and password (or refresh_token): {}",
                e.body_text()
            ),
        )
    })?;
    match form.grant_type.as_deref() {
        Some("password") => {
            let (Some(user), Some(password)) = (&form.username, &form.password) else {
                return Err(ApiError::bad_request(
                    "MissingCredentials",
                    "grant_type=password needs username and password",
                ));
            };
            let source = super::ClientAddress::of(client);
            match check_password(&app, user, password, source).await {
                Ok(()) => Ok(tokens_response(app.auth.issue(user))),
                Err(SignInFailure::Storage) => Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceUnavailable",
                    "StorageFailed",
                    "the account store cannot be read",
                )),
                Err(SignInFailure::Refused(refusal)) => Ok(login_refused(refusal)),
            }
        }
        Some("refresh_token") => {
            let Some(refresh) = &form.refresh_token else {
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

/// Why a sign-in (the token route's or the pages') did not succeed.
pub(super) enum SignInFailure {
    /// The account store cannot be read.
    Storage,
    Refused(LoginRefusal),
}

/// Checks a password through the sign-in gate (bounded hashing, throttled guessing),
/// logging failures and refusals as every sign-in does.
pub(super) async fn check_password(
    app: &App,
    user: &str,
    password: &str,
    source: std::net::IpAddr,
) -> Result<(), SignInFailure> {
    let hash = app.db().account_password_hash(user).map_err(|e| {
        super::log(&format!("account lookup failed: {e}"));
        SignInFailure::Storage
    })?;
    let refusal = match app
        .auth
        .login()
        .check(user, source, hash, password.to_string())
        .await
    {
        Ok(()) => return Ok(()),
        Err(refusal) => refusal,
    };
    let now = std::time::Instant::now();
    match &refusal {
        LoginRefusal::WrongCredentials => {
            super::log(&format!("failed sign-in for '{user}' from {source}"));
        }
        LoginRefusal::Busy { .. } => {
            if let Some(n) = app.busy_sign_ins.count(now) {
                super::log(&format!(
                    "refused {n} sign-in(s) since the last report: every password check was busy"
                ));
            }
        }
        LoginRefusal::Throttled { .. } => {
            if let Some(n) = app.throttled_sign_ins.count(now) {
                super::log(&format!(
                    "throttled {n} sign-in(s) since the last report, the latest for '{user}' from {source}"
                ));
            }
        }
    }
    Err(SignInFailure::Refused(refusal))
}

/// 503 (the hashing workers are busy) or 429 (too many attempts wait their turn), with
/// Retry-After.
fn refused_with_retry_after(
    status: StatusCode,
    details: &str,
    message: &str,
    retry_after: Duration,
) -> Response {
    let mut response =
        ApiError::new(status, "ServiceUnavailable", details, message).into_response();
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(retry_after.as_secs().max(1)),
    );
    response
}

/// The answer to a password check the sign-in gate refused before it ran.
pub(super) fn login_refused(refusal: LoginRefusal) -> Response {
    match refusal {
        LoginRefusal::Busy { retry_after } => refused_with_retry_after(
            StatusCode::SERVICE_UNAVAILABLE,
            "SignInBusy",
            "too many sign-ins at once; try again after Retry-After seconds",
            retry_after,
        ),
        LoginRefusal::Throttled { retry_after } => refused_with_retry_after(
            StatusCode::TOO_MANY_REQUESTS,
            "SignInThrottled",
            "too many sign-in attempts are waiting; try again after Retry-After seconds",
            retry_after,
        ),
        LoginRefusal::WrongCredentials => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "AccessDenied",
            "WrongCredentials",
            "wrong user name or password",
        )
        .into_response(),
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

/// The backup server certificate's model, cached by thumbprint; which certificate the
/// slot holds comes from the listener loop's catalog, not from a database read.
async fn current_model(app: &App) -> Result<(Arc<ServerModel>, bool), ApiError> {
    let missing = |message: &str| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "NoServerCertificate",
            message.to_string(),
        )
    };
    let catalog = app
        .catalog
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let slot = catalog
        .backup_server
        .as_ref()
        .ok_or_else(|| missing("this server has no backup server certificate yet"))?;
    if let Some(cached) = app
        .model_cache
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        && cached.thumbprint == slot.thumbprint
    {
        return Ok((cached.clone(), slot.automatically_generated));
    }
    let stored = app
        .db()
        .get_certificate_without_key(&slot.store, &slot.thumbprint)
        .map_err(|e| {
            super::log(&format!("certificate lookup failed: {e}"));
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                "StorageFailed",
                "the certificate store cannot be read",
            )
        })?
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
    let cached = Arc::new(ServerModel {
        thumbprint: slot.thumbprint.clone(),
        body: Bytes::from(model.to_string()),
        model,
    });
    *app.model_cache.write().unwrap_or_else(|p| p.into_inner()) = Some(cached.clone());
    Ok((cached, slot.automatically_generated))
}

/// `GET /api/v1/serverCertificate` (no authentication): the CertificateModel.
async fn server_certificate(State(app): Shared) -> ApiResult {
    let (cached, _) = current_model(&app).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        cached.body.clone(),
    )
        .into_response())
}

/// `GET /api/v1/settings/certificates`: `{data: [Certificate]}`.
async fn list_certificates(State(app): Shared, headers: HeaderMap) -> ApiResult {
    authenticate(&app, &headers)?;
    let (cached, generated) = current_model(&app).await?;
    let mut model = cached.model.clone();
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

const REGENERATE_EXAMPLE: &str = "{\"validBy\": \"2027-01-01T00:00:00\"} (or {} for one year)";

/// The body of a regenerate request.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RegenerateBody {
    valid_by: Option<String>,
}

/// `POST /api/v1/settings/certificates/regenerate` `{"validBy": "2027-01-01T00:00:00"}`:
/// a new self-signed certificate, assigned atomically; 202.
async fn regenerate(
    State(app): Shared,
    headers: HeaderMap,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    authenticate(&app, &headers)?;
    let body: RegenerateBody = typed_body(body, REGENERATE_EXAMPLE)?;
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

/// The validity in days a regenerate request asks for: until `validBy` (a future date
/// and time), or the default.
fn regeneration_days(body: &RegenerateBody) -> Result<u32, ApiError> {
    let days = match &body.valid_by {
        None => DEFAULT_VALIDITY_DAYS,
        Some(text) => {
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
    };
    u32::try_from(days)
        .map_err(|_| ApiError::bad_request("BadValidBy", "validBy is too far in the future"))
}

const CONNECTION_EXAMPLE: &str = "{\"serverName\": \"backup02.tech.local\", \"port\": 9419}";

/// The body of a connectionCertificate request (`type` names the kind of server, as in
/// the originals; it does not change what is fetched).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConnectionBody {
    server_name: String,
    port: Option<u16>,
    #[serde(rename = "type")]
    _kind: Option<String>,
}

/// `POST /api/v1/connectionCertificate` `{serverName, port, type}`: the certificate a
/// remote TLS server presents, for the admin to decide on trust.
async fn connection_certificate(
    State(app): Shared,
    headers: HeaderMap,
    body: Result<axum::Json<Value>, JsonRejection>,
) -> ApiResult {
    let user = authenticate(&app, &headers)?;
    let body: ConnectionBody = typed_body(body, CONNECTION_EXAMPLE)?;
    let server = body.server_name.trim().to_string();
    if server.is_empty() {
        return Err(ApiError::bad_request(
            "MissingServerName",
            "serverName must name the server, such as backup02.tech.local",
        ));
    }
    let port = match body.port {
        None => 443,
        Some(0) => return Err(ApiError::bad_request("BadPort", "port must be 1 to 65535")),
        Some(p) => p,
    };
    let der = app
        .connect_policy
        .fetch_certificate(&server, port, Duration::from_secs(10))
        .await
        .map_err(|reason| {
            // The caller gets one answer for a refused address, a closed port, a host
            // that does not answer and a server that is not TLS, so this route cannot
            // scan ports or probe addresses; the log says which it was.
            super::log(&format!(
                "connectionCertificate for '{user}' to {server}:{port}: {reason}"
            ));
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "ServiceUnavailable",
                "ConnectionFailed",
                format!("cannot get the certificate of {server}:{port}: no TLS server answered there, or it is an address certhost serve does not connect to (loopback, link-local, cloud metadata, multicast; an admin can allow a range with certhost serve --allow-connect); the server log says which"),
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

    fn parse<T: DeserializeOwned>(body: &str) -> Result<T, ApiError> {
        let value: Value = serde_json::from_str(body).unwrap();
        typed_body(Ok(axum::Json(value)), "{}")
    }

    #[test]
    fn regenerate_takes_only_an_object_with_known_fields() {
        for body in ["[]", "5", "\"hello\"", "null", "true", "[\"2030-01-01\"]"] {
            let err = parse::<RegenerateBody>(body).unwrap_err();
            assert_eq!(err.details, "BadJson", "{body}");
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
        }
        let err = parse::<RegenerateBody>(r#"{"validBy": null, "validFor": 3}"#).unwrap_err();
        assert!(
            err.message.contains("unknown field `validFor`"),
            "{}",
            err.message
        );
        let err = parse::<RegenerateBody>(r#"{"validBy": 5}"#).unwrap_err();
        assert!(err.message.contains("invalid type"), "{}", err.message);
        let body = parse::<RegenerateBody>("{}").unwrap();
        assert!(matches!(
            regeneration_days(&body),
            Ok(days) if i64::from(days) == DEFAULT_VALIDITY_DAYS
        ));
        let body = parse::<RegenerateBody>(r#"{"validBy": "2001-01-01T00:00:00"}"#).unwrap();
        assert_eq!(
            regeneration_days(&body).unwrap_err().details,
            "ValidByInThePast"
        );
    }

    #[test]
    fn connection_bodies_are_typed() {
        let body = parse::<ConnectionBody>(
            r#"{"serverName": "backup02.tech.local", "port": 9419, "type": "LinuxHost"}"#,
        )
        .unwrap();
        assert_eq!(
            (body.server_name.as_str(), body.port),
            ("backup02.tech.local", Some(9419))
        );
        for bad in [
            r#"{"port": 9419}"#,
            r#"{"serverName": "a", "port": 70000}"#,
            r#"{"serverName": "a", "port": "9419"}"#,
            r#"{"serverName": "a", "url": "http://169.254.169.254/"}"#,
        ] {
            assert_eq!(
                parse::<ConnectionBody>(bad).unwrap_err().details,
                "BadJson",
                "{bad}"
            );
        }
    }
}
