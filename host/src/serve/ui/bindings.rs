//! The Bindings page: the `netsh http show sslcert` table, and adding, changing and
//! removing a binding with the store's checks (the certificate must be in the store
//! with its private key). The listeners follow within the reload, with no restart.

use super::certificates::{self, title_of};
use super::layout::{self, Section};
use super::{SignedForm, SignedIn};
use crate::serve::api::App;
use crate::store::{
    Binding, BindingError, REQUEST_STORE, REST_API_APP_ID, any_endpoint, valid_app_id,
};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/ui/bindings", get(list))
        .route("/ui/bindings/add", get(add_form).post(add))
        .route("/ui/bindings/change", get(change_form).post(change))
        .route("/ui/bindings/remove", get(remove_form).post(remove))
}

fn enabled(b: bool) -> &'static str {
    if b { "Enabled" } else { "Disabled" }
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
    endpoint: Option<String>,
}

/// `GET /ui/bindings`.
async fn list(State(app): State<Arc<App>>, signed: SignedIn, Query(done): Query<Done>) -> Response {
    let bindings = match app.db().list_bindings() {
        Ok(b) => b,
        Err(e) => return certificates::unavailable(&signed, &e.to_string()),
    };
    let rows = certificates::rows(&app).await.unwrap_or_default();
    let subjects: HashMap<String, String> = rows
        .iter()
        .map(|r| {
            (
                format!("{}|{}", r.store.to_ascii_uppercase(), r.thumbprint),
                title_of(r),
            )
        })
        .collect();
    let notice = match (done.done.as_deref(), done.endpoint.as_deref()) {
        (Some("added"), Some(e)) => Some(format!(
            "{e} is bound; new connections get its certificate."
        )),
        (Some("changed"), Some(e)) => Some(format!(
            "{e} now serves the new certificate; connections in flight finish on the old one."
        )),
        (Some("removed"), Some(e)) => {
            Some(format!("{e} is no longer bound; its listener has closed."))
        }
        _ => None,
    };
    let body = html! {
        (layout::notice(notice.as_deref()))
        p { a.button href="/ui/bindings/add" { "Add a binding" } }
        @if bindings.is_empty() {
            p { "No bindings. " code { "certhost serve" } " listens on none." }
        }
        @for b in &bindings {
            section.binding aria-label=(format!("Binding {}", b.endpoint)) {
                h2 { (if b.sni { "Hostname:port" } else { "IP:port" }) " : " (b.endpoint) }
                dl.netsh {
                    dt { "Certificate Hash" } dd { code.thumbprint { (b.certificate_hash.to_ascii_lowercase()) } }
                    dt { "Certificate" } dd {
                        @match subjects.get(&format!("{}|{}", b.store_name.to_ascii_uppercase(), b.certificate_hash)) {
                            Some(s) => a href=(certificates::detail_href(&b.store_name, &b.certificate_hash)) { (s) },
                            None => span.expired { "not in store " (b.store_name) },
                        }
                    }
                    dt { "Application ID" } dd { (b.app_id) }
                    dt { "Certificate Store Name" } dd { (b.store_name) }
                    dt { "Verify Client Certificate Revocation" } dd { (enabled(b.verify_client_certificate_revocation)) }
                    dt { "Negotiate Client Certificate" } dd { (enabled(b.client_certificate_negotiation)) }
                }
                p.actions {
                    a.button href=(format!("/ui/bindings/change?endpoint={}", layout::query_escape(&b.endpoint))) { "Change" }
                    " "
                    a.button.danger href=(format!("/ui/bindings/remove?endpoint={}", layout::query_escape(&b.endpoint))) { "Remove" }
                }
            }
        }
    };
    layout::page(&signed, Section::Bindings, "Bindings", body)
}

/// What a binding form shows (again, after a refusal).
#[derive(Deserialize, Default, Clone)]
struct BindingForm {
    csrf: Option<String>,
    endpoint: Option<String>,
    certificate: Option<String>,
    app_id: Option<String>,
    negotiate: Option<String>,
    verify_revocation: Option<String>,
}

impl BindingForm {
    fn of(b: &Binding) -> Self {
        BindingForm {
            csrf: None,
            endpoint: Some(b.endpoint.clone()),
            certificate: Some(format!("{}|{}", b.store_name, b.certificate_hash)),
            app_id: Some(b.app_id.clone()),
            negotiate: b.client_certificate_negotiation.then(|| "1".into()),
            verify_revocation: b.verify_client_certificate_revocation.then(|| "1".into()),
        }
    }
}

async fn form_page(
    app: &App,
    signed: &SignedIn,
    status: StatusCode,
    adding: bool,
    entered: &BindingForm,
    errors: &HashMap<&'static str, String>,
) -> Response {
    let rows = match certificates::rows(app).await {
        Ok(rows) => rows,
        Err(e) => return certificates::unavailable(signed, &e),
    };
    let selected = entered.certificate.clone().unwrap_or_default();
    let error = |id: &str| errors.get(id).map(String::as_str);
    let described = |id: &'static str| errors.contains_key(id).then(|| format!("{id}-error"));
    let endpoint = entered.endpoint.clone().unwrap_or_default();
    let (title, action) = if adding {
        ("Add a binding", "/ui/bindings/add")
    } else {
        ("Change a binding", "/ui/bindings/change")
    };
    let body: Markup = html! {
        @if let Some(e) = error("form") { p.notice.error role="alert" { (e) } }
        form.card method="post" action=(action) {
            (layout::csrf_field(signed))
            label for="endpoint" { "Endpoint (ip:port, or hostname:port for SNI)" }
            @if adding {
                input #endpoint name="endpoint" type="text" required placeholder="0.0.0.0:9419" value=(endpoint) aria-describedby=[described("endpoint")];
            } @else {
                input #endpoint name="endpoint" type="text" readonly value=(endpoint);
            }
            (layout::field_error("endpoint", error("endpoint")))
            label for="certificate" { "Certificate (with its private key)" }
            select #certificate name="certificate" required aria-describedby=[described("certificate")] {
                @for r in rows.iter().filter(|r| r.has_private_key && !r.store.eq_ignore_ascii_case(REQUEST_STORE)) {
                    @let value = format!("{}|{}", r.store, r.thumbprint);
                    option value=(value) selected[value.eq_ignore_ascii_case(&selected)] {
                        (title_of(r)) " — " (r.store) " — " (r.thumbprint)
                    }
                }
            }
            (layout::field_error("certificate", error("certificate")))
            label for="app_id" { "Application ID" }
            input #app_id name="app_id" type="text" required value=(entered.app_id.clone().unwrap_or_else(|| REST_API_APP_ID.to_string())) aria-describedby=[described("app_id")];
            (layout::field_error("app_id", error("app_id")))
            div.choice {
                input #negotiate name="negotiate" type="checkbox" value="1" checked[entered.negotiate.is_some()];
                label for="negotiate" { "Negotiate client certificate" }
            }
            div.choice {
                input #verify_revocation name="verify_revocation" type="checkbox" value="1" checked[entered.verify_revocation.is_some()];
                label for="verify_revocation" { "Verify client certificate revocation" }
            }
            button type="submit" { (if adding { "Add" } else { "Change" }) }
            " "
            a href="/ui/bindings" { "Cancel" }
        }
    };
    layout::page_with_status(signed, status, Section::Bindings, title, body)
}

/// `GET /ui/bindings/add`.
async fn add_form(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    let fresh = BindingForm {
        verify_revocation: Some("1".into()),
        ..BindingForm::default()
    };
    form_page(&app, &signed, StatusCode::OK, true, &fresh, &HashMap::new()).await
}

#[derive(Deserialize)]
struct EndpointQuery {
    endpoint: Option<String>,
}

/// The binding an endpoint names, or the page saying there is none.
fn existing(
    app: &App,
    signed: &SignedIn,
    endpoint: Option<&str>,
) -> Result<Binding, Box<Response>> {
    let endpoint = endpoint.unwrap_or_default();
    match app.db().get_binding(endpoint) {
        Ok(Some(b)) => Ok(b),
        Ok(None) => Err(Box::new(layout::message_page(
            signed,
            StatusCode::NOT_FOUND,
            "No such binding",
            &format!("{endpoint} is not bound. The Bindings page lists the bindings."),
        ))),
        Err(e) => Err(Box::new(certificates::unavailable(signed, &e.to_string()))),
    }
}

/// `GET /ui/bindings/change?endpoint=0.0.0.0:9419`.
async fn change_form(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Query(q): Query<EndpointQuery>,
) -> Response {
    match existing(&app, &signed, q.endpoint.as_deref()) {
        Ok(b) => {
            form_page(
                &app,
                &signed,
                StatusCode::OK,
                false,
                &BindingForm::of(&b),
                &HashMap::new(),
            )
            .await
        }
        Err(page) => *page,
    }
}

/// The binding a form asks for, or the errors by field.
fn requested(form: &BindingForm) -> Result<Binding, HashMap<&'static str, String>> {
    let mut errors = HashMap::new();
    let endpoint_text = form.endpoint.clone().unwrap_or_default();
    let endpoint = any_endpoint(endpoint_text.trim())
        .map_err(|e| errors.insert("endpoint", format!("{e}.")))
        .ok();
    let certificate = form.certificate.clone().unwrap_or_default();
    let (store, hash) = match certificate.split_once('|') {
        Some((s, h)) if h.len() == 40 && h.chars().all(|c| c.is_ascii_hexdigit()) => {
            (s.to_string(), h.to_ascii_uppercase())
        }
        _ => {
            errors.insert(
                "certificate",
                "Choose a certificate with a private key.".into(),
            );
            (String::new(), String::new())
        }
    };
    let app_id = form.app_id.clone().unwrap_or_default().trim().to_string();
    if !valid_app_id(&app_id) {
        errors.insert(
            "app_id",
            format!("'{app_id}' is not a GUID in braces such as {REST_API_APP_ID}."),
        );
    }
    match endpoint {
        Some(endpoint) if errors.is_empty() => Ok(Binding {
            endpoint: endpoint.text,
            sni: endpoint.sni,
            certificate_hash: hash,
            app_id,
            store_name: store.to_ascii_uppercase(),
            client_certificate_negotiation: form.negotiate.is_some(),
            verify_client_certificate_revocation: form.verify_revocation.is_some(),
        }),
        _ => Err(errors),
    }
}

/// Where a store refusal belongs.
fn refusal_field(e: &BindingError) -> &'static str {
    match e {
        BindingError::AlreadyExists(_) | BindingError::NotFound(_) => "endpoint",
        BindingError::CertificateNotInStore { .. } | BindingError::NoPrivateKey { .. } => {
            "certificate"
        }
        _ => "form",
    }
}

fn refusal_text(e: &BindingError) -> String {
    match e {
        BindingError::AlreadyExists(endpoint) => format!(
            "{endpoint} is already bound. Change that binding instead: a change replaces the certificate without a gap."
        ),
        other => format!("{other}."),
    }
}

/// Adds or changes the binding a form asks for: the binding, or the errors by field.
fn store(
    app: &App,
    form: &BindingForm,
    adding: bool,
) -> Result<Binding, HashMap<&'static str, String>> {
    let binding = requested(form)?;
    let result = if adding {
        app.db().add_binding(&binding)
    } else {
        app.db().update_binding(&binding)
    };
    result.map_err(|e| HashMap::from([(refusal_field(&e), refusal_text(&e))]))?;
    Ok(binding)
}

async fn save(app: Arc<App>, signed: SignedIn, form: BindingForm, adding: bool) -> Response {
    let binding = match store(&app, &form, adding) {
        Ok(b) => b,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&app, &signed, status, adding, &form, &errors).await;
        }
    };
    app.reload.now_and_wait(Duration::from_secs(2)).await;
    let done = if adding { "added" } else { "changed" };
    crate::serve::log(&format!(
        "'{}' {done} binding {} ({}) from the pages",
        signed.user, binding.endpoint, binding.certificate_hash
    ));
    Redirect::to(&format!(
        "/ui/bindings?done={done}&endpoint={}",
        layout::query_escape(&binding.endpoint)
    ))
    .into_response()
}

/// `POST /ui/bindings/add`.
async fn add(
    State(app): State<Arc<App>>,
    SignedForm { signed, form }: SignedForm<BindingForm>,
) -> Response {
    save(app, signed, form, true).await
}

/// `POST /ui/bindings/change`.
async fn change(
    State(app): State<Arc<App>>,
    SignedForm { signed, form }: SignedForm<BindingForm>,
) -> Response {
    save(app, signed, form, false).await
}

/// `GET /ui/bindings/remove?endpoint=…`: asks first.
async fn remove_form(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Query(q): Query<EndpointQuery>,
) -> Response {
    let b = match existing(&app, &signed, q.endpoint.as_deref()) {
        Ok(b) => b,
        Err(page) => return *page,
    };
    let body = html! {
        p { "Remove the binding of " strong { (b.endpoint) } "? Its listener closes; connections in flight finish. The certificate stays in the store." }
        form.card method="post" action="/ui/bindings/remove" {
            (layout::csrf_field(&signed))
            input type="hidden" name="endpoint" value=(b.endpoint);
            button.danger type="submit" { "Remove" }
            " "
            a href="/ui/bindings" { "Cancel" }
        }
    };
    layout::page(&signed, Section::Bindings, "Remove a binding", body)
}

#[derive(Deserialize)]
struct RemoveForm {
    csrf: Option<String>,
    endpoint: Option<String>,
}

/// `POST /ui/bindings/remove`.
async fn remove(
    State(app): State<Arc<App>>,
    SignedForm { signed, form }: SignedForm<RemoveForm>,
) -> Response {
    let endpoint = form.endpoint.unwrap_or_default();
    if let Err(e) = app.db().remove_binding(&endpoint) {
        return layout::message_page(
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Not removed",
            &format!("{e}. Nothing was changed."),
        );
    }
    app.reload.now_and_wait(Duration::from_secs(2)).await;
    crate::serve::log(&format!(
        "'{}' removed binding {endpoint} from the pages",
        signed.user
    ));
    Redirect::to(&format!(
        "/ui/bindings?done=removed&endpoint={}",
        layout::query_escape(&endpoint)
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binding_form_is_checked_field_by_field() {
        let form = BindingForm {
            endpoint: Some("0.0.0.0:99999".into()),
            certificate: Some("My|nothex".into()),
            app_id: Some("{not-a-guid}".into()),
            ..BindingForm::default()
        };
        let errors = requested(&form).unwrap_err();
        let mut fields: Vec<_> = errors.keys().copied().collect();
        fields.sort();
        assert_eq!(fields, ["app_id", "certificate", "endpoint"]);
        let good = BindingForm {
            endpoint: Some("127.0.0.1:9443".into()),
            certificate: Some(format!("My|{}", "ab".repeat(20))),
            app_id: Some(REST_API_APP_ID.into()),
            verify_revocation: Some("1".into()),
            ..BindingForm::default()
        };
        let b = requested(&good).unwrap();
        assert_eq!(b.endpoint, "127.0.0.1:9443");
        assert_eq!(b.certificate_hash, "AB".repeat(20));
        assert_eq!(b.store_name, "MY");
        assert!(b.verify_client_certificate_revocation && !b.client_certificate_negotiation);
    }
}

super::csrf_form!(BindingForm, RemoveForm);
