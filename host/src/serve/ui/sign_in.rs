//! Signing in and out of the pages with an API account (`New-ApiAccount`), through the
//! same sign-in gate as the token route: the same hashing limits and throttling.

use super::SignedForm;
use super::layout;
use super::session::{
    SESSION_COOKIE, SIGN_IN_COOKIE, clear_cookie, cookie, same_secret, set_cookie,
};
use crate::serve::api::{App, SignInFailure, check_password};
use crate::serve::login::LoginRefusal;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/ui/sign-in", get(form).post(sign_in))
        .route("/ui/sign-out", post(sign_out))
}

#[derive(Deserialize)]
struct Reason {
    reason: Option<String>,
    next: Option<String>,
}

/// Where to go after signing in: a page of the UI, never another site, and only
/// characters a `Location` header takes as they are.
fn next_page(next: Option<&str>) -> &str {
    let safe = |n: &str| {
        n.starts_with("/ui/")
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-._~?=&%+".contains(&b))
    };
    match next {
        Some(n) if safe(n) => n,
        _ => "/ui/certificates",
    }
}

struct Shown<'a> {
    token: &'a str,
    user: &'a str,
    next: &'a str,
    note: Option<&'a str>,
    error: Option<String>,
}

fn render(status: StatusCode, shown: Shown<'_>) -> Response {
    let body = html! {
        @if let Some(note) = shown.note {
            p.notice role="status" { (note) }
        }
        form.card method="post" action="/ui/sign-in" {
            input type="hidden" name="token" value=(shown.token);
            input type="hidden" name="next" value=(shown.next);
            label for="username" { "User name" }
            input #username name="username" type="text" autocomplete="username" required value=(shown.user)
                autofocus[shown.user.is_empty()];
            label for="password" { "Password" }
            input #password name="password" type="password" autocomplete="current-password" required
                aria-describedby=[shown.error.as_ref().map(|_| "password-error")]
                autofocus[!shown.user.is_empty()];
            (layout::field_error("password", shown.error.as_deref()))
            button type="submit" { "Sign in" }
        }
        p.hint { "Use a REST API account. An admin makes one with " code { "certhost -c \"New-ApiAccount -UserName admin\"" } "." }
    };
    let mut response = layout::bare(status, "Sign in", body);
    if let Ok(value) = set_cookie(SIGN_IN_COOKIE, shown.token).parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `GET /ui/sign-in`: the form, with a fresh sign-in token in a cookie and the form.
async fn form(Query(q): Query<Reason>) -> Response {
    let note = match q.reason.as_deref() {
        Some("expired") => Some("Your session has expired. Sign in again."),
        Some("removed") => Some("Your account was removed. Sign in with another account."),
        Some("signed-out") => Some("You have signed out."),
        _ => None,
    };
    let token = super::session::random_token();
    render(
        StatusCode::OK,
        Shown {
            token: &token,
            user: "",
            next: next_page(q.next.as_deref()),
            note,
            error: None,
        },
    )
}

#[derive(Deserialize)]
struct Credentials {
    token: Option<String>,
    username: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

/// `POST /ui/sign-in`: checks the password through the sign-in gate; a session cookie.
async fn sign_in(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    client: Option<axum::Extension<crate::serve::ClientAddress>>,
    Form(form): Form<Credentials>,
) -> Response {
    let next = next_page(form.next.as_deref()).to_string();
    let user = form.username.clone().unwrap_or_default();
    let fresh = super::session::random_token();
    let again = |status, error: String| {
        render(
            status,
            Shown {
                token: &fresh,
                user: &user,
                next: &next,
                note: None,
                error: Some(error),
            },
        )
    };
    let token_ok = matches!(
        (cookie(&headers, SIGN_IN_COOKIE), form.token.as_deref()),
        (Some(c), Some(t)) if same_secret(c, t)
    );
    if !token_ok {
        return again(
            StatusCode::FORBIDDEN,
            "The sign-in form was out of date or sent from another page. Nothing was checked; sign in again here.".into(),
        );
    }
    let password = zeroize::Zeroizing::new(form.password.clone().unwrap_or_default());
    if user.trim().is_empty() || password.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Give the user name and the password of a REST API account.".into(),
        );
    }
    let source = crate::serve::ClientAddress::of(client);
    match check_password(&app, &user, &password, source).await {
        Ok(()) => {
            let session = app.ui.sessions.start(&user);
            crate::serve::log(&format!("'{user}' signed in to the pages from {source}"));
            let mut response = Redirect::to(&next).into_response();
            for value in [
                set_cookie(SESSION_COOKIE, &session),
                clear_cookie(SIGN_IN_COOKIE),
            ] {
                if let Ok(v) = value.parse() {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            response
        }
        Err(SignInFailure::Storage) => again(
            StatusCode::SERVICE_UNAVAILABLE,
            "The account store cannot be read; see the server log.".into(),
        ),
        Err(SignInFailure::Refused(LoginRefusal::WrongCredentials)) => again(
            StatusCode::UNAUTHORIZED,
            "Wrong user name or password.".into(),
        ),
        Err(SignInFailure::Refused(LoginRefusal::Busy { retry_after })) => again(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "Too many sign-ins at once; try again in {} s.",
                retry_after.as_secs().max(1)
            ),
        ),
        Err(SignInFailure::Refused(LoginRefusal::Throttled { retry_after })) => again(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many sign-in attempts; try again in {} s.",
                retry_after.as_secs().max(1)
            ),
        ),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: Option<String>,
}

/// `POST /ui/sign-out`: ends the session.
async fn sign_out(
    State(app): State<Arc<App>>,
    SignedForm { signed, .. }: SignedForm<CsrfOnly>,
) -> Response {
    app.ui.sessions.end(&signed.session);
    let mut response = Redirect::to("/ui/sign-in?reason=signed-out").into_response();
    if let Ok(v) = clear_cookie(SESSION_COOKIE).parse() {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::next_page;

    #[test]
    fn only_pages_of_the_ui_are_gone_to_after_signing_in() {
        assert_eq!(next_page(Some("/ui/bindings")), "/ui/bindings");
        assert_eq!(next_page(Some("https://evil.example/")), "/ui/certificates");
        assert_eq!(next_page(Some("//evil.example/ui/")), "/ui/certificates");
        assert_eq!(next_page(Some("/ui/\\evil")), "/ui/certificates");
        assert_eq!(
            next_page(Some("/ui/x\r\nSet-Cookie: a=b")),
            "/ui/certificates"
        );
        assert_eq!(
            next_page(Some("/ui/certificates?store=My&q=a%20b")),
            "/ui/certificates?store=My&q=a%20b"
        );
        assert_eq!(next_page(None), "/ui/certificates");
    }
}

super::csrf_form!(CsrfOnly);
