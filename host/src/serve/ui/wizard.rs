//! The Install wizard: a certificate for the backup server, the cloud gateway or either
//! Enterprise Manager role, in the three ways of the originals (select one from the
//! store, generate one, upload a PFX or a PEM certificate and key). The component
//! checks it and describes the change first (what-if: its findings and the plan);
//! Finish makes the same validated, atomic rotation as the cmdlets and the REST upload.

use super::certificates::{self, key_text, title_of};
use super::layout::{self, Section};
use super::upload::{Parts, SignedUpload};
use super::{SignedForm, SignedIn};
use crate::plugin::AssignOptions;
use crate::serve::api::App;
use crate::services::worker::{SlotCall, SlotReport};
use crate::store::{REQUEST_STORE, SLOTS};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

pub fn routes(upload_limit: usize) -> Router<Arc<App>> {
    Router::new()
        .route("/ui/install", get(choose))
        .route("/ui/install/details", get(details))
        .route(
            "/ui/install/check",
            post(check).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/ui/install/finish", post(finish))
}

/// Validity of a generated certificate unless the admin says otherwise (one year).
const DEFAULT_DAYS: u32 = crate::serve::renewal::RENEWED_VALIDITY_DAYS;

/// How each slot reads on the pages.
pub fn slot_title(slot: &str) -> &'static str {
    match SLOTS.iter().find(|s| s.eq_ignore_ascii_case(slot)).copied() {
        Some("BackupServer") => "Backup server",
        Some("CloudGateway") => "Cloud gateway",
        Some("EnterpriseManagerServer") => "Enterprise Manager server",
        Some("EnterpriseManagerWebUI") => "Enterprise Manager Web UI",
        _ => "Unknown slot",
    }
}

/// The ways to get a certificate, as the originals' wizard offers them.
const WAYS: &[(&str, &str, &str)] = &[
    (
        "store",
        "Select a certificate from the store",
        "One already in a store of this server, with its private key.",
    ),
    (
        "generate",
        "Generate a new self-signed certificate",
        "For this server's names, RSA 2048; clients must trust it by its thumbprint.",
    ),
    (
        "pfx",
        "Upload a PFX file",
        "A .pfx or .p12 file with the certificate, its key and its chain, and its password.",
    ),
    (
        "pem",
        "Upload a certificate and key (PEM)",
        "A certificate (with its chain) and its private key, as PEM or DER files.",
    ),
];

/// A checked wizard step waiting for Finish, kept in the session (an uploaded key and
/// password are wiped when it is dropped).
pub struct Draft {
    slot: &'static str,
    source: Source,
    force: bool,
}

enum Source {
    Stored {
        store: String,
        thumbprint: String,
    },
    Generate {
        friendly_name: String,
        days: u32,
    },
    Pfx {
        data: Zeroizing<Vec<u8>>,
        password: Zeroizing<String>,
    },
    Pem {
        certificate: Vec<u8>,
        key: Zeroizing<Vec<u8>>,
        password: Option<Zeroizing<String>>,
    },
}

impl Draft {
    fn call(&self) -> SlotCall {
        match &self.source {
            Source::Stored { store, thumbprint } => SlotCall::AssignStored {
                store: store.clone(),
                thumbprint: thumbprint.clone(),
            },
            Source::Generate {
                friendly_name,
                days,
            } => SlotCall::Generate {
                friendly_name: friendly_name.clone(),
                days: *days,
            },
            Source::Pfx { data, password } => SlotCall::AssignUpload {
                data: data.to_vec(),
                password: password.to_string(),
            },
            Source::Pem {
                certificate,
                key,
                password,
            } => SlotCall::AssignPem {
                certificate: certificate.clone(),
                private_key: key.to_vec(),
                password: password.as_ref().map(|p| p.to_string()),
            },
        }
    }

    fn way(&self) -> &'static str {
        match self.source {
            Source::Stored { .. } => "store",
            Source::Generate { .. } => "generate",
            Source::Pfx { .. } => "pfx",
            Source::Pem { .. } => "pem",
        }
    }
}

fn canonical_slot(text: Option<&str>) -> Option<&'static str> {
    let text = text?;
    SLOTS.iter().find(|s| s.eq_ignore_ascii_case(text)).copied()
}

fn canonical_way(text: Option<&str>) -> Option<&'static str> {
    let text = text?;
    WAYS.iter().map(|(w, _, _)| *w).find(|w| *w == text)
}

#[derive(Deserialize, Default)]
struct Choice {
    slot: Option<String>,
    way: Option<String>,
}

/// `GET /ui/install`: which certificate to install, and how.
async fn choose(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Query(choice): Query<Choice>,
) -> Response {
    let current: HashMap<String, String> = app
        .db()
        .list_slots()
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.slot, s.thumbprint))
        .collect();
    let chosen_slot = canonical_slot(choice.slot.as_deref()).unwrap_or("BackupServer");
    let chosen_way = canonical_way(choice.way.as_deref()).unwrap_or("pfx");
    let body = html! {
        p { "Step 1 of 3. The change is checked and shown to you before anything is changed." }
        form.card method="get" action="/ui/install/details" {
            fieldset {
                legend { "Certificate for" }
                @for slot in SLOTS {
                    div.choice {
                        input type="radio" name="slot" value=(slot) id=(format!("slot-{slot}")) checked[*slot == chosen_slot];
                        label for=(format!("slot-{slot}")) {
                            strong { (slot_title(slot)) }
                            span.hint { @match current.get(*slot) {
                                Some(t) => { "now " code.thumbprint { (t) } }
                                None => { "no certificate yet" }
                            } }
                        }
                    }
                }
            }
            fieldset {
                legend { "How" }
                @for (way, label, hint) in WAYS {
                    div.choice {
                        input type="radio" name="way" value=(way) id=(format!("way-{way}")) checked[*way == chosen_way];
                        label for=(format!("way-{way}")) { strong { (label) } span.hint { (hint) } }
                    }
                }
            }
            button type="submit" { "Next" }
        }
    };
    layout::page(&signed, Section::Install, "Install a certificate", body)
}

/// What the step-2 form shows again after a refusal.
#[derive(Default)]
struct Entered {
    selected: String,
    friendly_name: String,
    days: String,
    force: bool,
    /// Errors by field id (`form` for the form as a whole).
    errors: HashMap<&'static str, String>,
}

/// `GET /ui/install/details?slot=BackupServer&way=pfx`: the chosen way's fields.
async fn details(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Query(choice): Query<Choice>,
) -> Response {
    let (Some(slot), Some(way)) = (
        canonical_slot(choice.slot.as_deref()),
        canonical_way(choice.way.as_deref()),
    ) else {
        return Redirect::to("/ui/install").into_response();
    };
    step_two(
        &app,
        &signed,
        StatusCode::OK,
        slot,
        way,
        &Entered::default(),
    )
    .await
}

async fn step_two(
    app: &App,
    signed: &SignedIn,
    status: StatusCode,
    slot: &'static str,
    way: &'static str,
    entered: &Entered,
) -> Response {
    let error = |id: &str| entered.errors.get(id).map(String::as_str);
    let described = |id: &'static str| {
        entered
            .errors
            .contains_key(id)
            .then(|| format!("{id}-error"))
    };
    let fields: Markup = match way {
        "store" => {
            let rows = match certificates::rows(app).await {
                Ok(rows) => rows,
                Err(e) => return certificates::unavailable(signed, &e),
            };
            let now = crate::clock::now();
            let usable: Vec<_> = rows
                .iter()
                .filter(|r| {
                    r.has_private_key
                        && !r.store.eq_ignore_ascii_case(REQUEST_STORE)
                        && r.info.as_ref().is_some_and(|i| i.not_after > now)
                })
                .collect();
            html! {
                label for="certificate" { "Certificate (those with a private key that have not expired)" }
                @if usable.is_empty() {
                    p.notice { "No stored certificate has a private key. Upload one, or generate one." }
                }
                select #certificate name="certificate" required aria-describedby=[described("certificate")] {
                    @for r in &usable {
                        @let value = format!("{}|{}", r.store, r.thumbprint);
                        option value=(value) selected[value == entered.selected] {
                            (title_of(r)) " — " (r.store) " — " (r.thumbprint)
                            @if let Some(i) = &r.info { " — " (key_text(i)) ", " (layout::expiry(i.not_after, now).text) }
                        }
                    }
                }
                (layout::field_error("certificate", error("certificate")))
            }
        }
        "generate" => html! {
            label for="friendly_name" { "Friendly name" }
            input #friendly_name name="friendly_name" type="text" maxlength="200"
                value=(if entered.friendly_name.is_empty() { format!("{} Certificate", slot_title(slot)) } else { entered.friendly_name.clone() });
            label for="days" { "Valid for (days)" }
            input #days name="days" type="number" min="1" max="3650" required inputmode="numeric"
                value=(if entered.days.is_empty() { DEFAULT_DAYS.to_string() } else { entered.days.clone() })
                aria-describedby=[described("days")];
            (layout::field_error("days", error("days")))
        },
        "pfx" => html! {
            label for="pfx" { "PFX file (.pfx, .p12)" }
            input #pfx name="pfx" type="file" accept=".pfx,.p12" required aria-describedby=[described("pfx")];
            (layout::field_error("pfx", error("pfx")))
            label for="password" { "PFX password" }
            input #password name="password" type="password" autocomplete="off" aria-describedby=[described("password")];
            (layout::field_error("password", error("password")))
        },
        _ => html! {
            label for="certificate_file" { "Certificate file (PEM or DER; the chain may follow the certificate)" }
            input #certificate_file name="certificate_file" type="file" accept=".pem,.crt,.cer,.der" required aria-describedby=[described("certificate_file")];
            (layout::field_error("certificate_file", error("certificate_file")))
            label for="key_file" { "Private key file (PEM or DER PKCS#8, PKCS#1 or SEC1)" }
            input #key_file name="key_file" type="file" accept=".pem,.key,.der" required aria-describedby=[described("key_file")];
            (layout::field_error("key_file", error("key_file")))
            label for="key_password" { "Key password (if the key is encrypted)" }
            input #key_password name="key_password" type="password" autocomplete="off" aria-describedby=[described("key_password")];
            (layout::field_error("key_password", error("key_password")))
        },
    };
    let way_label = WAYS
        .iter()
        .find(|(w, _, _)| *w == way)
        .map_or("", |(_, l, _)| *l);
    let body = html! {
        p { "Step 2 of 3. " (slot_title(slot)) ": " (way_label) ". "
            a href=(format!("/ui/install?slot={slot}&way={way}")) { "Change" } }
        @if let Some(e) = error("form") { p.notice.error #form-error role="alert" { (e) } }
        form.card method="post" action="/ui/install/check" enctype="multipart/form-data" {
            (layout::csrf_field(signed))
            input type="hidden" name="slot" value=(slot);
            input type="hidden" name="way" value=(way);
            (fields)
            div.choice {
                input #force name="force" type="checkbox" value="1" checked[entered.force];
                label for="force" { "Accept findings that can be overridden (an ECC key, a name that is not this server's, a missing server authentication usage, a CA certificate), as " span.nowrap { "-Force" } " does" }
            }
            button type="submit" { "Check" }
        }
    };
    layout::page_with_status(
        signed,
        status,
        Section::Install,
        "Install a certificate",
        body,
    )
}

/// The draft a step-2 form describes, or the field errors.
fn draft_of(parts: &Parts, slot: &'static str, way: &str, entered: &mut Entered) -> Option<Draft> {
    let source = match way {
        "store" => {
            let selected = parts.text("certificate").unwrap_or_default();
            entered.selected = selected.clone();
            match selected.split_once('|') {
                Some((store, thumbprint)) if !thumbprint.is_empty() => Source::Stored {
                    store: store.to_string(),
                    thumbprint: thumbprint.to_string(),
                },
                _ => {
                    entered
                        .errors
                        .insert("certificate", "Choose a certificate.".into());
                    return None;
                }
            }
        }
        "generate" => {
            entered.friendly_name = parts.text("friendly_name").unwrap_or_default();
            entered.days = parts.text("days").unwrap_or_default();
            match entered.days.trim().parse::<u32>() {
                Ok(days) if (1..=3650).contains(&days) => Source::Generate {
                    friendly_name: entered.friendly_name.trim().to_string(),
                    days,
                },
                _ => {
                    entered.errors.insert(
                        "days",
                        format!(
                            "'{}' is not a number of days from 1 to 3650.",
                            entered.days.trim()
                        ),
                    );
                    return None;
                }
            }
        }
        "pfx" => {
            let Some(data) = parts.file("pfx") else {
                entered
                    .errors
                    .insert("pfx", "Choose the PFX file to upload.".into());
                return None;
            };
            let file_name = parts.file_name("pfx").unwrap_or_default().to_string();
            let lower = file_name.to_ascii_lowercase();
            if !(lower.ends_with(".pfx") || lower.ends_with(".p12"))
                || data.trim_ascii_start().starts_with(b"-----")
            {
                entered.errors.insert(
                    "pfx",
                    format!("'{file_name}' is not a .pfx or .p12 file; for PEM files choose \"Upload a certificate and key (PEM)\"."),
                );
                return None;
            }
            Source::Pfx {
                data: Zeroizing::new(data.to_vec()),
                password: Zeroizing::new(parts.text("password").unwrap_or_default()),
            }
        }
        _ => {
            let certificate = parts.file("certificate_file");
            let key = parts.file("key_file");
            if certificate.is_none() {
                entered
                    .errors
                    .insert("certificate_file", "Choose the certificate file.".into());
            }
            if key.is_none() {
                entered
                    .errors
                    .insert("key_file", "Choose the private key file.".into());
            }
            let (Some(certificate), Some(key)) = (certificate, key) else {
                return None;
            };
            Source::Pem {
                certificate: certificate.to_vec(),
                key: Zeroizing::new(key.to_vec()),
                password: parts
                    .text("key_password")
                    .filter(|p| !p.is_empty())
                    .map(Zeroizing::new),
            }
        }
    };
    Some(Draft {
        slot,
        source,
        force: parts.text("force").is_some(),
    })
}

/// The field a component refusal belongs next to.
fn field_of(error_id: &str, way: &str) -> &'static str {
    match (error_id, way) {
        ("WrongPassword", "pfx") => "password",
        ("WrongPassword", _) => "key_password",
        ("CorruptInput" | "Unsupported" | "InvalidArgument", "pfx") => "pfx",
        ("CorruptInput" | "Unsupported" | "InvalidArgument", "pem") => "certificate_file",
        ("KeyMismatch", _) => "key_file",
        (_, "store") if error_id != "CertificateValidationFailed" => "certificate",
        _ => "form",
    }
}

async fn run(app: &App, draft: &Draft, what_if: bool) -> Result<SlotReport, String> {
    app.worker
        .slot_with(
            draft.slot,
            draft.call(),
            AssignOptions {
                force: draft.force,
                what_if,
            },
        )
        .await
        .map_err(|e| {
            crate::serve::log(&format!("component call failed: {e}"));
            "The certificate component failed; see the server log. Nothing was changed.".to_string()
        })
}

/// The draft of a step-2 form and what the component says it would do, or the status
/// to show the form again with (the errors are in `entered`).
async fn checked(
    app: &App,
    parts: &Parts,
    slot: &'static str,
    way: &'static str,
    entered: &mut Entered,
) -> Result<(Draft, SlotReport), StatusCode> {
    let draft = draft_of(parts, slot, way, entered).ok_or(StatusCode::UNPROCESSABLE_ENTITY)?;
    let report = run(app, &draft, true).await.map_err(|message| {
        entered.errors.insert("form", message);
        StatusCode::SERVICE_UNAVAILABLE
    })?;
    if let Err(refusal) = &report.outcome {
        entered
            .errors
            .insert(field_of(&refusal.error_id, way), refusal.message.clone());
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok((draft, report))
}

/// `POST /ui/install/check`: the component checks the certificate and describes the
/// change (nothing is changed); the confirmation page, or the form with the refusal
/// next to its field.
async fn check(
    State(app): State<Arc<App>>,
    SignedUpload { signed, parts }: SignedUpload,
) -> Response {
    let (Some(slot), Some(way)) = (
        canonical_slot(parts.text("slot").as_deref()),
        canonical_way(parts.text("way").as_deref()),
    ) else {
        return Redirect::to("/ui/install").into_response();
    };
    let mut entered = Entered {
        force: parts.text("force").is_some(),
        ..Entered::default()
    };
    let (draft, report) = match checked(&app, &parts, slot, way, &mut entered).await {
        Ok(checked) => checked,
        Err(status) => return step_two(&app, &signed, status, slot, way, &entered).await,
    };
    let generated = way == "generate";
    let force = draft.force;
    let Some(draft_id) = app.ui.sessions.keep_draft(&signed.session, draft) else {
        return Redirect::to("/ui/sign-in?reason=expired").into_response();
    };
    let body = html! {
        p { "Step 3 of 3. Nothing has changed yet." }
        section aria-labelledby="findings" {
            h2 #findings { "Findings" }
            @if report.warnings.is_empty() {
                p.notice.done { "Every check passed." }
            } @else {
                ul.findings { @for w in &report.warnings { li { (w) } } }
                @if force { p.hint { "You chose to accept the findings that can be overridden." } }
            }
        }
        section aria-labelledby="plan" {
            h2 #plan { "What Finish does" }
            ul.plan { @for line in &report.plan { li { (line) } } }
            @if generated { p.hint { "A new key is made at Finish, so the new certificate's thumbprint will differ from the one above." } }
        }
        form.card method="post" action="/ui/install/finish" {
            (layout::csrf_field(&signed))
            input type="hidden" name="draft" value=(draft_id);
            button type="submit" { "Finish" }
            " "
            a href=(format!("/ui/install/details?slot={slot}&way={way}")) { "Back" }
        }
    };
    layout::page(
        &signed,
        Section::Install,
        &format!("Install: {}", slot_title(slot)),
        body,
    )
}

#[derive(Deserialize)]
struct FinishForm {
    csrf: Option<String>,
    draft: Option<String>,
}

/// `POST /ui/install/finish`: the checked change, made as one transaction; the pages go
/// to the new certificate once the listeners serve it.
async fn finish(
    State(app): State<Arc<App>>,
    SignedForm { signed, form }: SignedForm<FinishForm>,
) -> Response {
    let Some(draft) = form
        .draft
        .as_deref()
        .and_then(|id| app.ui.sessions.take_draft(&signed.session, id))
    else {
        return layout::message_page(
            &signed,
            StatusCode::CONFLICT,
            "Nothing to finish",
            "This installation was finished already, or its session ended. Nothing was changed; start again from Install.",
        );
    };
    let refused = |message: String| {
        layout::page_with_status(
            &signed,
            StatusCode::UNPROCESSABLE_ENTITY,
            Section::Install,
            "Installation refused",
            html! {
                p.notice.error role="alert" { (message) }
                p { a href=(format!("/ui/install/details?slot={}&way={}", draft.slot, draft.way())) { "Try again" } }
            },
        )
    };
    let report = match run(&app, &draft, false).await {
        Ok(report) => report,
        Err(message) => return refused(message),
    };
    match report.outcome {
        Ok(Some(installed)) => {
            app.reload.now_and_wait(Duration::from_secs(2)).await;
            crate::serve::log(&format!(
                "'{}' installed {} as the {} certificate from the pages",
                signed.user, installed.thumbprint, draft.slot
            ));
            Redirect::to(&format!(
                "{}?installed={}",
                certificates::detail_href(&installed.store, &installed.thumbprint),
                draft.slot
            ))
            .into_response()
        }
        Ok(None) => refused("The component made no change.".into()),
        Err(refusal) => refused(refusal.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_go_next_to_the_field_they_concern() {
        assert_eq!(field_of("WrongPassword", "pfx"), "password");
        assert_eq!(field_of("WrongPassword", "pem"), "key_password");
        assert_eq!(field_of("CorruptInput", "pfx"), "pfx");
        assert_eq!(field_of("KeyMismatch", "pem"), "key_file");
        assert_eq!(field_of("CertificateValidationFailed", "pfx"), "form");
        assert_eq!(field_of("CertificateNotInStore", "store"), "certificate");
        assert_eq!(slot_title("backupserver"), "Backup server");
    }
}

super::csrf_form!(FinishForm);
