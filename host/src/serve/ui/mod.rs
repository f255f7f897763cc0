//! The web pages at `/ui/` (docs/ui.md): server-rendered HTML that works without
//! JavaScript, signed in with an API account. Every page is built from the same calls
//! as the REST API (the component thread's typed slot calls, the store, the appliance
//! trust list), so the pages and the API cannot drift apart.

mod appliances;
mod bindings;
mod certificates;
mod expiry;
mod layout;
pub mod session;
mod sign_in;
mod upload;
pub mod wizard;

use super::api::App;
use axum::Router;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use session::{SESSION_COOKIE, SessionProblem, Sessions};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use certificates::Summaries;

/// What the pages keep between requests.
pub struct UiState {
    pub sessions: Sessions,
    /// What each certificate says about itself, by thumbprint (a thumbprint names its
    /// bytes, so an entry never goes stale).
    pub summaries: Summaries,
}

impl UiState {
    /// Pages whose sessions end after `idle` without a request.
    pub fn new(idle: Duration) -> Self {
        UiState {
            sessions: Sessions::new(idle),
            summaries: Summaries::default(),
        }
    }
}

/// The page routes, to merge into the server's router; uploads are limited to
/// `upload_limit` bytes.
pub fn routes(upload_limit: usize) -> Router<Arc<App>> {
    Router::new()
        .route("/ui", get(home))
        .route("/ui/", get(home))
        .route("/ui/assets/style.css", get(style))
        .route("/ui/assets/app.js", get(script))
        .merge(sign_in::routes())
        .merge(certificates::routes())
        .merge(wizard::routes(upload_limit))
        .merge(bindings::routes())
        .merge(appliances::routes(upload_limit))
        .merge(expiry::routes())
        .route("/ui/{*rest}", get(not_found))
        .layer(axum::middleware::from_fn(page_headers))
}

async fn home() -> Redirect {
    Redirect::to("/ui/certificates")
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/style.css"))
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn not_found(signed: SignedIn) -> Response {
    layout::message_page(
        &signed,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page. Use the menu to go on.",
    )
}

/// The headers of every page: a strict content security policy (only this server's
/// own style sheet and script; no inline code, no frames), no caching of pages that
/// show certificates and bindings, and how long the server took (Server-Timing). A
/// form sent from another origin is refused before any handler runs.
async fn page_headers(request: Request, next: Next) -> Response {
    if request.method() != Method::GET
        && request.method() != Method::HEAD
        && !same_origin(request.headers())
    {
        return layout::bare_page(
            StatusCode::FORBIDDEN,
            "Refused",
            "The form was sent from another site. Nothing was changed.",
        );
    }
    let started = Instant::now();
    let mut response = next.run(request).await;
    let took = started.elapsed();
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        "content-security-policy",
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(headers, "x-frame-options", "DENY");
    set(headers, "x-content-type-options", "nosniff");
    // `same-origin`, not `no-referrer`: with no-referrer browsers send `Origin: null`
    // on the pages' own forms, which the origin check must be able to recognise.
    set(headers, "referrer-policy", "same-origin");
    set(headers, "cache-control", "no-store");
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={:.2}", took.as_secs_f64() * 1000.0))
    {
        headers.insert("server-timing", value);
    }
    response
}

/// Whether a form came from this server's own pages: its `Origin` (or, without one,
/// its `Referer`) names the host the request was sent to. Browsers send `Origin` with
/// every cross-origin POST.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let expected = format!("https://{host}");
    let named = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    match (named(header::ORIGIN), named(header::REFERER)) {
        (Some(origin), _) => origin == expected,
        (None, Some(referer)) => {
            referer == expected || referer.starts_with(&format!("{expected}/"))
        }
        // A client that sends neither (not a browser) still needs the session cookie
        // and the form's CSRF token.
        (None, None) => true,
    }
}

/// The signed-in user of a page request; without a live session, the sign-in page.
pub struct SignedIn {
    pub user: String,
    pub csrf: String,
    /// The session cookie's value (for the wizard's pending steps and sign-out).
    pub session: String,
}

impl FromRequestParts<Arc<App>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        let cookie = session::cookie(&parts.headers, SESSION_COOKIE).map(str::to_string);
        let to_sign_in = |reason: &str| {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .filter(|_| parts.method == Method::GET)
                .unwrap_or("/ui/certificates");
            Redirect::to(&format!(
                "/ui/sign-in?reason={reason}&next={}",
                layout::query_escape(next)
            ))
            .into_response()
        };
        match app.ui.sessions.find(cookie.as_deref()) {
            Ok(view) => {
                if !super::api::account_exists(app, &view.user) {
                    app.ui.sessions.end_user(&view.user);
                    return Err(to_sign_in("removed"));
                }
                Ok(SignedIn {
                    user: view.user,
                    csrf: view.csrf,
                    session: cookie.unwrap_or_default(),
                })
            }
            Err(SessionProblem::Expired) => Err(to_sign_in("expired")),
            Err(SessionProblem::Missing | SessionProblem::Unknown) => Err(to_sign_in("none")),
        }
    }
}

impl SignedIn {
    /// The refusal page for a form whose CSRF token is not this session's (none when
    /// it is).
    pub fn form_refusal(&self, token: Option<&str>) -> Option<Response> {
        match token {
            Some(t) if session::same_secret(t, &self.csrf) => None,
            _ => Some(layout::message_page(
                self,
                StatusCode::FORBIDDEN,
                "Form refused",
                "The form's security token is missing or out of date, so it was not accepted. Nothing was changed; open the page again and send the form from there.",
            )),
        }
    }
}

/// A form with the session's CSRF token in its `csrf` field.
pub trait CsrfForm {
    fn csrf(&self) -> Option<&str>;
}

/// A form sent from the pages by the signed-in user. The extractor checks the CSRF
/// token before any handler runs, so no form handler can forget it; without a live
/// session, the sign-in page.
pub struct SignedForm<T> {
    pub signed: SignedIn,
    pub form: T,
}

impl<T> FromRequest<Arc<App>> for SignedForm<T>
where
    T: serde::de::DeserializeOwned + CsrfForm + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = SignedIn::from_request_parts(&mut parts, app).await?;
        let request = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(request, app).await.map_err(|e| {
            layout::message_page(
                &signed,
                StatusCode::BAD_REQUEST,
                "Form refused",
                &format!(
                    "The form could not be read ({}). Nothing was changed.",
                    e.body_text()
                ),
            )
        })?;
        if let Some(refused) = signed.form_refusal(form.csrf()) {
            return Err(refused);
        }
        Ok(SignedForm { signed, form })
    }
}

/// `impl CsrfForm` for form structs whose token is the field `csrf: Option<String>`.
macro_rules! csrf_form {
    ($($form:ty),+) => {
        $(impl $crate::serve::ui::CsrfForm for $form {
            fn csrf(&self) -> Option<&str> {
                self.csrf.as_deref()
            }
        })+
    };
}
pub(crate) use csrf_form;

#[cfg(test)]
mod tests {
    use super::same_origin;

    fn headers(pairs: &[(&'static str, &str)]) -> axum::http::HeaderMap {
        let mut h = axum::http::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forms_from_other_origins_are_refused() {
        let host = ("host", "backup01.tech.local:9419");
        assert!(same_origin(&headers(&[
            host,
            ("origin", "https://backup01.tech.local:9419")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "https://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("origin", "http://backup01.tech.local:9419")
        ])));
        assert!(same_origin(&headers(&[
            host,
            ("referer", "https://backup01.tech.local:9419/ui/bindings")
        ])));
        assert!(!same_origin(&headers(&[
            host,
            ("referer", "https://backup01.tech.local:94190/ui/")
        ])));
        assert!(!same_origin(&headers(&[(
            "origin",
            "https://backup01.tech.local:9419"
        )])));
    }
}
