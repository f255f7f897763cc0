//! The Appliances page (docs/appliance-trust.md): this appliance's certificate to
//! download, the appliances it trusts, removing one after a confirmation, uploading
//! another appliance's certificate, and the certificate exchange with an address, a
//! user and a password (which never leaves this server: OPAQUE).

use super::layout::{self, Section};
use super::upload::SignedUpload;
use super::{SignedForm, SignedIn};
use crate::appliance;
use crate::serve::api::App;
use crate::serve::appliance_api::{add_uploaded_peer, certificate_text, exchange_with};
use crate::store::TrustedPeer;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

pub fn routes(upload_limit: usize) -> Router<Arc<App>> {
    Router::new()
        .route("/ui/appliances", get(list))
        .route("/ui/appliances/certificate.pem", get(own_certificate))
        .route(
            "/ui/appliances/upload",
            post(upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/ui/appliances/exchange", post(exchange))
        .route("/ui/appliances/remove", get(remove_form).post(remove))
}

#[derive(Deserialize, Default)]
struct Done {
    done: Option<String>,
    name: Option<String>,
}

/// What the forms show again after a refusal.
#[derive(Default)]
struct Entered {
    upload_address: String,
    upload_name: String,
    upload_text: String,
    exchange_address: String,
    exchange_user: String,
    errors: HashMap<&'static str, String>,
}

async fn page(
    app: &App,
    signed: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
    entered: &Entered,
) -> Response {
    let (me, peers) = {
        let db = app.db();
        (appliance::own_identity(&db), db.list_peers())
    };
    let peers = match peers {
        Ok(p) => p,
        Err(e) => return super::certificates::unavailable(signed, &e.to_string()),
    };
    let now = crate::clock::now();
    let error = |id: &str| entered.errors.get(id).map(String::as_str);
    let described = |id: &'static str| {
        entered
            .errors
            .contains_key(id)
            .then(|| format!("{id}-error"))
    };
    let body = html! {
        (layout::notice(notice.as_deref()))
        section aria-labelledby="this" {
            h2 #this { "This appliance" }
            @match &me {
                Ok(me) => {
                    dl.properties {
                        dt { "Name" } dd { (me.name) }
                        dt { "Public key hash (pin)" } dd { code { (me.pin) } }
                    }
                    p { a.button href="/ui/appliances/certificate.pem" download { "Download this appliance's certificate" } }
                }
                Err(e) => { p.notice.error { (e.to_string()) } }
            }
        }
        section aria-labelledby="trusted" {
            h2 #trusted { "Trusted appliances" }
            @if peers.is_empty() {
                p { "None yet. Exchange certificates with another appliance, or upload its certificate." }
            } @else {
                div.table-wrap { table {
                    caption.visually-hidden { "Trusted appliances" }
                    thead { tr {
                        th scope="col" { "Name" } th scope="col" { "Address" } th scope="col" { "Subject" }
                        th scope="col" { "Expires" } th scope="col" { "Status" } th scope="col" { "Last seen" } th scope="col" { "Actions" }
                    } }
                    tbody { @for p in &peers { (peer_row(p, now)) } }
                } }
            }
        }
        section aria-labelledby="exchange" {
            h2 #exchange { "Exchange certificates" }
            p.hint { "Both appliances trust each other afterwards. The password is proven to the other appliance without being sent to it." }
            @if let Some(e) = error("exchange") { p.notice.error #exchange-error role="alert" { (e) } }
            form.card method="post" action="/ui/appliances/exchange" {
                (layout::csrf_field(signed))
                label for="address" { "Address of the other appliance (host:port)" }
                input #address name="address" type="text" required placeholder="backup02.tech.local:9419" value=(entered.exchange_address)
                    aria-describedby=[described("exchange")];
                label for="user" { "User name there" }
                input #user name="user" type="text" required autocomplete="off" value=(entered.exchange_user);
                label for="exchange-password" { "Password there" }
                input #exchange-password name="password" type="password" required autocomplete="off";
                button type="submit" { "Exchange" }
            }
        }
        section aria-labelledby="upload" {
            h2 #upload { "Upload an appliance's certificate" }
            form.card method="post" action="/ui/appliances/upload" enctype="multipart/form-data" {
                (layout::csrf_field(signed))
                label for="upload-address" { "Its address (host:port)" }
                input #upload-address name="address" type="text" required value=(entered.upload_address) aria-describedby=[described("upload-address")];
                (layout::field_error("upload-address", error("upload-address")))
                label for="upload-name" { "Name (optional; its certificate's name by default)" }
                input #upload-name name="name" type="text" value=(entered.upload_name);
                label for="upload-file" { "Certificate file (PEM or DER)" }
                input #upload-file name="file" type="file" accept=".pem,.crt,.cer,.der" aria-describedby=[described("upload-certificate")];
                label for="upload-text" { "or paste it (PEM)" }
                textarea #upload-text name="text" rows="4" spellcheck="false" aria-describedby=[described("upload-certificate")] { (entered.upload_text) }
                (layout::field_error("upload-certificate", error("upload-certificate")))
                button type="submit" { "Trust this appliance" }
            }
        }
    };
    layout::page_with_status(signed, status, Section::Appliances, "Appliances", body)
}

/// The page again with the errors of what was entered (422).
async fn refused(app: &App, signed: &SignedIn, entered: &Entered) -> Response {
    page(app, signed, StatusCode::UNPROCESSABLE_ENTITY, None, entered).await
}

fn peer_row(p: &TrustedPeer, now: i64) -> maud::Markup {
    let facts = appliance::certificate_facts(&p.certificate).ok();
    let not_after = facts.as_ref().map_or(0, |f| f.not_after);
    let e = layout::expiry(not_after, now);
    html! {
        tr {
            th scope="row" { (p.name) }
            td { (p.address) }
            td { @if let Some(f) = &facts { (f.subject) } }
            td class=(e.class) { (e.text) }
            td { (appliance::peer_status(p, not_after, now).as_str())
                 @if let Some(err) = &p.last_error { br; span.expired { (err) } } }
            td { @match p.last_seen { Some(t) => (layout::when(t)), None => "never" } }
            td { a.button.danger href=(format!("/ui/appliances/remove?name={}", layout::query_escape(&p.name))) { "Remove" } }
        }
    }
}

/// `GET /ui/appliances`.
async fn list(State(app): State<Arc<App>>, signed: SignedIn, Query(done): Query<Done>) -> Response {
    let notice = match (done.done.as_deref(), done.name.as_deref()) {
        (Some("exchanged"), Some(n)) => Some(format!(
            "Exchanged certificates with {n}: each appliance now trusts the other."
        )),
        (Some("uploaded"), Some(n)) => Some(format!(
            "{n} is trusted now. Upload this appliance's certificate there too."
        )),
        (Some("removed"), Some(n)) => Some(format!(
            "{n} is no longer trusted; its calls are refused from now on."
        )),
        _ => None,
    };
    page(&app, &signed, StatusCode::OK, notice, &Entered::default()).await
}

/// `GET /ui/appliances/certificate.pem`: this appliance's certificate.
async fn own_certificate(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    let me = appliance::own_identity(&app.db());
    match me {
        Ok(me) => (
            [
                (header::CONTENT_TYPE, "application/x-pem-file".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.pem\"", me.name),
                ),
            ],
            appliance::certificate_pem(&me.client.certificate),
        )
            .into_response(),
        Err(e) => layout::message_page(
            &signed,
            StatusCode::CONFLICT,
            "No certificate",
            &e.to_string(),
        ),
    }
}

/// `POST /ui/appliances/upload`.
async fn upload(
    State(app): State<Arc<App>>,
    SignedUpload { signed, parts }: SignedUpload,
) -> Response {
    let mut entered = Entered {
        upload_address: parts.text("address").unwrap_or_default().trim().to_string(),
        upload_name: parts.text("name").unwrap_or_default(),
        upload_text: parts.text("text").unwrap_or_default(),
        ..Entered::default()
    };
    let der = match parts.file("file") {
        Some(bytes) if bytes.first() == Some(&0x30) => Some(bytes.to_vec()),
        Some(bytes) => std::str::from_utf8(bytes).ok().and_then(certificate_text),
        None if !entered.upload_text.trim().is_empty() => certificate_text(&entered.upload_text),
        None => None,
    };
    let Some(der) = der else {
        entered.errors.insert(
            "upload-certificate",
            "Choose a certificate file, or paste a PEM certificate.".into(),
        );
        return refused(&app, &signed, &entered).await;
    };
    if entered.upload_address.is_empty() {
        entered.errors.insert(
            "upload-address",
            "Give the appliance's address, such as backup02.tech.local:9419.".into(),
        );
        return refused(&app, &signed, &entered).await;
    }
    let name = entered.upload_name.clone();
    match add_uploaded_peer(&app, Some(&name), &entered.upload_address, &der) {
        Ok(peer) => Redirect::to(&format!(
            "/ui/appliances?done=uploaded&name={}",
            layout::query_escape(&peer.name)
        ))
        .into_response(),
        Err(e) => {
            let field = if e.details.contains("Address") {
                "upload-address"
            } else {
                "upload-certificate"
            };
            entered.errors.insert(field, e.message);
            refused(&app, &signed, &entered).await
        }
    }
}

#[derive(Deserialize)]
struct ExchangeForm {
    csrf: Option<String>,
    address: Option<String>,
    user: Option<String>,
    password: Option<String>,
}

/// `POST /ui/appliances/exchange`.
async fn exchange(
    State(app): State<Arc<App>>,
    SignedForm { signed, form }: SignedForm<ExchangeForm>,
) -> Response {
    let password = zeroize::Zeroizing::new(form.password.unwrap_or_default());
    let mut entered = Entered {
        exchange_address: form.address.unwrap_or_default().trim().to_string(),
        exchange_user: form.user.unwrap_or_default().trim().to_string(),
        ..Entered::default()
    };
    if entered.exchange_address.is_empty()
        || entered.exchange_user.is_empty()
        || password.is_empty()
    {
        entered.errors.insert(
            "exchange",
            "Give the other appliance's address, a user name there and its password.".into(),
        );
        return refused(&app, &signed, &entered).await;
    }
    match exchange_with(
        &app,
        entered.exchange_address.clone(),
        entered.exchange_user.clone(),
        password,
        None,
    )
    .await
    {
        Ok(peer) => Redirect::to(&format!(
            "/ui/appliances?done=exchanged&name={}",
            layout::query_escape(&peer.name)
        ))
        .into_response(),
        Err(e) => {
            entered.errors.insert("exchange", e.message);
            refused(&app, &signed, &entered).await
        }
    }
}

#[derive(Deserialize)]
struct NameQuery {
    name: Option<String>,
}

/// `GET /ui/appliances/remove?name=…`: asks first.
async fn remove_form(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Query(q): Query<NameQuery>,
) -> Response {
    let name = q.name.unwrap_or_default();
    match app.db().get_peer(&name) {
        Ok(Some(peer)) => {
            let body = html! {
                p { "Stop trusting " strong { (peer.name) } " (" (peer.address) ")? Its calls are refused from the next request on; exchange again to trust it again." }
                form.card method="post" action="/ui/appliances/remove" {
                    (layout::csrf_field(&signed))
                    input type="hidden" name="name" value=(peer.name);
                    button.danger type="submit" { "Remove" }
                    " "
                    a href="/ui/appliances" { "Cancel" }
                }
            };
            layout::page(
                &signed,
                Section::Appliances,
                "Remove a trusted appliance",
                body,
            )
        }
        Ok(None) => layout::message_page(
            &signed,
            StatusCode::NOT_FOUND,
            "No such appliance",
            &format!("No trusted appliance is named '{name}'."),
        ),
        Err(e) => super::certificates::unavailable(&signed, &e.to_string()),
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    csrf: Option<String>,
    name: Option<String>,
}

/// `POST /ui/appliances/remove`.
async fn remove(
    State(app): State<Arc<App>>,
    SignedForm { signed, form }: SignedForm<RemoveForm>,
) -> Response {
    let name = form.name.unwrap_or_default();
    let removed = app.db().remove_peer(&name);
    match removed {
        Ok(true) => {
            crate::serve::log(&format!(
                "'{}' stopped trusting peer '{name}' from the pages",
                signed.user
            ));
            Redirect::to(&format!(
                "/ui/appliances?done=removed&name={}",
                layout::query_escape(&name)
            ))
            .into_response()
        }
        Ok(false) => layout::message_page(
            &signed,
            StatusCode::NOT_FOUND,
            "No such appliance",
            &format!("No trusted appliance is named '{name}'. Nothing was changed."),
        ),
        Err(e) => super::certificates::unavailable(&signed, &e.to_string()),
    }
}

super::csrf_form!(ExchangeForm, RemoveForm);
