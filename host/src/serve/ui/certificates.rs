//! The Certificates page: every store's certificates with what uses each, filtered by
//! store and text, and a page per certificate with what `Format-List *` shows and its
//! PEM to copy.

use super::SignedIn;
use super::layout::{self, Section};
use crate::plugin::{CertificateInfo, PluginError};
use crate::serve::api::App;
use crate::services::worker::Worker;
use crate::store::{BACKUP_SERVER_SLOT, Database, StoreError};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/ui/certificates", get(list))
        .route("/ui/certificates/{store}/{thumbprint}", get(detail))
        .route("/ui/certificates/{store}/{thumbprint}/pem", get(pem))
}

/// Most summaries kept; past this the cache starts again (a store rarely holds more).
const MAX_SUMMARIES: usize = 50_000;

/// What each certificate says about itself, read once by the component and kept by
/// thumbprint.
#[derive(Default)]
pub struct Summaries {
    map: RwLock<HashMap<String, Arc<CertificateInfo>>>,
}

impl Summaries {
    /// The summaries of `certificates` (thumbprint, DER); those not kept yet are read by
    /// the component in one job. A certificate that does not parse has none.
    pub async fn of(
        &self,
        worker: &Worker,
        certificates: &[(String, Vec<u8>)],
    ) -> Result<HashMap<String, Arc<CertificateInfo>>, PluginError> {
        let mut found = HashMap::with_capacity(certificates.len());
        let mut missing = Vec::new();
        {
            let map = self.map.read().unwrap_or_else(|p| p.into_inner());
            for (thumbprint, der) in certificates {
                match map.get(thumbprint) {
                    Some(info) => {
                        found.insert(thumbprint.clone(), info.clone());
                    }
                    None => missing.push((thumbprint.clone(), der.clone())),
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let infos = worker
            .inspect_all(missing.iter().map(|(_, der)| der.clone()).collect())
            .await?;
        let mut map = self.map.write().unwrap_or_else(|p| p.into_inner());
        if map.len() + missing.len() > MAX_SUMMARIES {
            map.clear();
        }
        for ((thumbprint, _), info) in missing.into_iter().zip(infos) {
            if let Some(info) = info {
                let info = Arc::new(info);
                map.insert(thumbprint.clone(), info.clone());
                found.insert(thumbprint, info);
            }
        }
        Ok(found)
    }
}

/// One stored certificate as the pages list it.
pub struct Row {
    pub store: String,
    pub thumbprint: String,
    pub friendly_name: String,
    pub has_private_key: bool,
    /// None when the certificate does not parse.
    pub info: Option<Arc<CertificateInfo>>,
    /// `slot BackupServer`, `binding 0.0.0.0:9419`, `trusted by peer backup02`.
    pub uses: Vec<String>,
}

/// What the database says about the certificates and their uses.
struct Listing {
    certificates: Vec<(String, String, Vec<u8>, String, bool)>,
    uses: Uses,
}

/// What uses each certificate, by (store, thumbprint) in upper case: `slot BackupServer`,
/// `trusted by peer backup02` (the peers that pin the backup server's certificate),
/// `binding 0.0.0.0:9419`.
type Uses = HashMap<(String, String), Vec<String>>;

fn uses_key(store: &str, thumbprint: &str) -> (String, String) {
    (store.to_ascii_uppercase(), thumbprint.to_ascii_uppercase())
}

fn read_uses(db: &Database) -> Result<Uses, String> {
    let text = |e: StoreError| e.to_string();
    let mut uses = Uses::new();
    let slots = db.list_slots().map_err(|e| e.to_string())?;
    let peers: Vec<String> = db
        .list_peers()
        .map_err(text)?
        .into_iter()
        .map(|p| p.name)
        .collect();
    for slot in &slots {
        let entry = uses
            .entry(uses_key(&slot.store, &slot.thumbprint))
            .or_default();
        entry.push(format!("slot {}", slot.slot));
        if slot.slot == BACKUP_SERVER_SLOT {
            for peer in &peers {
                entry.push(format!("trusted by peer {peer}"));
            }
        }
    }
    for b in db.list_bindings().map_err(text)? {
        uses.entry(uses_key(&b.store_name, &b.certificate_hash))
            .or_default()
            .push(format!("binding {}", b.endpoint));
    }
    Ok(uses)
}

fn read_listing(db: &Database) -> Result<Listing, String> {
    let text = |e: StoreError| e.to_string();
    let mut certificates = Vec::new();
    for store in db.store_names().map_err(text)? {
        for c in db.list_certificates_without_keys(&store).map_err(text)? {
            certificates.push((
                c.store,
                c.thumbprint,
                c.certificate,
                c.friendly_name,
                c.has_private_key,
            ));
        }
    }
    Ok(Listing {
        certificates,
        uses: read_uses(db)?,
    })
}

/// Every store's certificates with their summaries and uses, in store order.
pub async fn rows(app: &App) -> Result<Vec<Row>, String> {
    let listing = read_listing(&app.db())?;
    let wanted: Vec<(String, Vec<u8>)> = listing
        .certificates
        .iter()
        .map(|(_, t, der, _, _)| (t.clone(), der.clone()))
        .collect();
    let infos = app
        .ui
        .summaries
        .of(&app.worker, &wanted)
        .await
        .map_err(|e| e.to_string())?;
    let mut uses = listing.uses;
    Ok(listing
        .certificates
        .into_iter()
        .map(
            |(store, thumbprint, _, friendly_name, has_private_key)| Row {
                uses: uses
                    .remove(&uses_key(&store, &thumbprint))
                    .unwrap_or_default(),
                info: infos.get(&thumbprint).cloned(),
                store,
                thumbprint,
                friendly_name,
                has_private_key,
            },
        )
        .collect())
}

/// The page of certificates that could not be read.
pub fn unavailable(signed: &SignedIn, error: &str) -> Response {
    crate::serve::log(&format!("the pages cannot list certificates: {error}"));
    layout::message_page(
        signed,
        StatusCode::SERVICE_UNAVAILABLE,
        "Certificates unavailable",
        "The certificate store cannot be read right now; see the server log.",
    )
}

#[derive(Deserialize, Default)]
struct Filter {
    store: Option<String>,
    q: Option<String>,
    installed: Option<String>,
}

fn matches(row: &Row, store: Option<&str>, text: &str) -> bool {
    if store.is_some_and(|s| !s.is_empty() && !s.eq_ignore_ascii_case(&row.store)) {
        return false;
    }
    if text.is_empty() {
        return true;
    }
    let text = text.to_lowercase();
    let found = |s: &str| s.to_lowercase().contains(&text);
    found(&row.thumbprint)
        || found(&row.friendly_name)
        || row.info.as_ref().is_some_and(|i| {
            found(&i.subject)
                || found(&i.issuer)
                || i.dns_names.iter().any(|d| found(d))
                || i.ip_addresses.iter().any(|a| found(a))
        })
}

/// `Subject` or, without one, the first name or the thumbprint.
pub fn title_of(row: &Row) -> String {
    match &row.info {
        Some(i) if !i.subject.is_empty() => i.subject.clone(),
        Some(i) => i
            .dns_names
            .first()
            .or(i.ip_addresses.first())
            .cloned()
            .unwrap_or_else(|| row.thumbprint.clone()),
        None => format!("{} (unreadable)", row.thumbprint),
    }
}

pub fn detail_href(store: &str, thumbprint: &str) -> String {
    format!(
        "/ui/certificates/{}/{}",
        layout::query_escape(store),
        layout::query_escape(thumbprint)
    )
}

pub fn key_text(info: &CertificateInfo) -> String {
    if info.key_size > 0 {
        format!("{} {}", info.key_algorithm, info.key_size)
    } else {
        info.key_algorithm.clone()
    }
}

/// `GET /ui/certificates?store=My&q=backup`.
async fn list(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Query(filter): Query<Filter>,
) -> Response {
    let rows = match rows(&app).await {
        Ok(rows) => rows,
        Err(e) => return unavailable(&signed, &e),
    };
    let mut stores: Vec<&str> = rows.iter().map(|r| r.store.as_str()).collect();
    stores.dedup();
    let store = filter.store.as_deref().filter(|s| !s.is_empty());
    let text = filter.q.as_deref().unwrap_or("").trim();
    let shown: Vec<&Row> = rows.iter().filter(|r| matches(r, store, text)).collect();
    let now = crate::clock::now();
    let installed = filter.installed.as_deref().map(|slot| {
        format!(
            "{} now has its new certificate; bindings that served the old one serve it.",
            super::wizard::slot_title(slot)
        )
    });
    let body = html! {
        (layout::notice(installed.as_deref()))
        form.filters method="get" action="/ui/certificates" role="search" {
            div.field {
                label for="store" { "Store" }
                select #store name="store" {
                    option value="" selected[store.is_none()] { "All stores" }
                    @for s in &stores {
                        option value=(s) selected[store.is_some_and(|x| x.eq_ignore_ascii_case(s))] { (s) }
                    }
                }
            }
            div.field {
                label for="q" { "Text" }
                input #q name="q" type="search" value=(text) placeholder="subject, name, thumbprint";
            }
            button type="submit" { "Filter" }
        }
        p.count role="status" { (shown.len()) " of " (rows.len()) " certificates" }
        div.table-wrap {
            table.certificates {
                caption.visually-hidden { "Certificates in every store" }
                thead { tr {
                    th scope="col" { "Subject" }
                    th scope="col" { "Store" }
                    th scope="col" { "Thumbprint" }
                    th scope="col" { "Issuer" }
                    th scope="col" { "Expires" }
                    th scope="col" { "Key" }
                    th scope="col" { "Used by" }
                } }
                tbody {
                    @for row in &shown { (list_row(row, now)) }
                }
            }
        }
    };
    layout::page(&signed, Section::Certificates, "Certificates", body)
}

fn list_row(row: &Row, now: i64) -> Markup {
    html! {
        tr {
            th scope="row" { a href=(detail_href(&row.store, &row.thumbprint)) { (title_of(row)) } }
            td data-label="Store" { (row.store) }
            td data-label="Thumbprint" { code.thumbprint { (row.thumbprint) } }
            @match &row.info {
                Some(info) => {
                    td data-label="Issuer" { (info.issuer) }
                    @let e = layout::expiry(info.not_after, now);
                    td data-label="Expires" class=(e.class) { time datetime=(layout::when(info.not_after)) title=(layout::when(info.not_after)) { (e.text) } }
                    td data-label="Key" { (key_text(info)) @if row.has_private_key { br; span.key { "private key" } } }
                }
                None => { td {} td {} td {} }
            }
            td data-label="Used by" { @for u in &row.uses { span.use { (u) } " " } }
        }
    }
}

/// The properties `Format-List *` shows for a certificate, in its order.
fn properties(row: &Row, info: &CertificateInfo) -> Vec<(&'static str, String)> {
    let list = |items: &[String]| items.join(", ");
    let parent = format!(
        "Microsoft.PowerShell.Security\\Certificate::LocalMachine\\{}",
        row.store
    );
    vec![
        ("PSPath", format!("{parent}\\{}", info.thumbprint)),
        ("PSParentPath", parent),
        ("PSChildName", info.thumbprint.clone()),
        ("Thumbprint", info.thumbprint.clone()),
        ("Subject", info.subject.clone()),
        ("Issuer", info.issuer.clone()),
        ("FriendlyName", row.friendly_name.clone()),
        ("NotBefore", layout::when(info.not_before)),
        ("NotAfter", layout::when(info.not_after)),
        ("SerialNumber", info.serial_number.clone()),
        (
            "HasPrivateKey",
            if row.has_private_key { "True" } else { "False" }.into(),
        ),
        ("DnsNameList", list(&info.dns_names)),
        ("IPAddressList", list(&info.ip_addresses)),
        (
            "EnhancedKeyUsageList",
            info.extended_key_usages
                .iter()
                .map(|e| {
                    if e.friendly_name.is_empty() {
                        format!("({})", e.oid)
                    } else {
                        format!("{} ({})", e.friendly_name, e.oid)
                    }
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("SignatureAlgorithm", info.signature_algorithm.clone()),
        ("KeyAlgorithm", info.key_algorithm.clone()),
        ("KeySize", info.key_size.to_string()),
        ("Version", info.version.to_string()),
        (
            "SelfSigned",
            if info.self_signed { "True" } else { "False" }.into(),
        ),
        ("Sha256Fingerprint", info.sha256_fingerprint.clone()),
        ("KeyUsage", list(&info.key_usages)),
        (
            "IsCertificateAuthority",
            match info.is_ca {
                Some(true) => "True",
                Some(false) => "False",
                None => "",
            }
            .into(),
        ),
    ]
}

/// The stored certificate (without its key) and its row, or the page saying why not.
async fn one(
    app: &App,
    signed: &SignedIn,
    store: &str,
    thumbprint: &str,
) -> Result<(Row, Vec<u8>, usize), Response> {
    let stored = app
        .db()
        .get_certificate_without_key(store, thumbprint)
        .map_err(|e| unavailable(signed, &e.to_string()))?;
    let Some(stored) = stored else {
        return Err(layout::message_page(
            signed,
            StatusCode::NOT_FOUND,
            "No such certificate",
            &format!(
                "Store {store} holds no certificate {thumbprint}. The Certificates page lists what there is."
            ),
        ));
    };
    let uses = read_uses(&app.db())
        .map_err(|e| unavailable(signed, &e))?
        .remove(&uses_key(&stored.store, &stored.thumbprint))
        .unwrap_or_default();
    let infos = app
        .ui
        .summaries
        .of(
            &app.worker,
            &[(stored.thumbprint.clone(), stored.certificate.clone())],
        )
        .await
        .map_err(|e| unavailable(signed, &e.to_string()))?;
    Ok((
        Row {
            info: infos.get(&stored.thumbprint).cloned(),
            store: stored.store,
            thumbprint: stored.thumbprint,
            friendly_name: stored.friendly_name,
            has_private_key: stored.has_private_key,
            uses,
        },
        stored.certificate,
        stored.chain.len(),
    ))
}

/// `GET /ui/certificates/{store}/{thumbprint}`.
async fn detail(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Path((store, thumbprint)): Path<(String, String)>,
    Query(filter): Query<Filter>,
) -> Response {
    let (row, der, chain) = match one(&app, &signed, &store, &thumbprint).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let pem = crate::appliance::certificate_pem(&der);
    let now = crate::clock::now();
    let installed = filter.installed.as_deref().map(|slot| {
        format!("This certificate is now the {} certificate; bindings that served the old one serve it.", super::wizard::slot_title(slot).to_lowercase())
    });
    let body = html! {
        (layout::notice(installed.as_deref()))
        @if let Some(info) = &row.info {
            @let e = layout::expiry(info.not_after, now);
            p { span class=(format!("badge {}", e.class)) { (e.text) } }
            dl.properties {
                @for (name, value) in properties(&row, info) {
                    dt { (name) }
                    dd { (value) }
                }
                dt { "Chain" }
                dd { (chain) " certificate(s) stored with it" }
                dt { "Used by" }
                dd { @if row.uses.is_empty() { "nothing" } @else { (row.uses.join(", ")) } }
            }
        } @else {
            p.notice.error { "The certificate's bytes cannot be read as X.509." }
        }
        h2 { "PEM" }
        label for="pem" { "The certificate (no private key), to copy" }
        textarea #pem readonly rows="12" spellcheck="false" { (pem) }
        p.actions {
            button type="button" data-copy="pem" hidden { "Copy" }
            a.button href=(format!("{}/pem", detail_href(&row.store, &row.thumbprint))) download { "Download .pem" }
        }
        p { a href="/ui/certificates" { "All certificates" } }
    };
    layout::page(&signed, Section::Certificates, &title_of(&row), body)
}

/// `GET /ui/certificates/{store}/{thumbprint}/pem`: the certificate as a file.
async fn pem(
    State(app): State<Arc<App>>,
    signed: SignedIn,
    Path((store, thumbprint)): Path<(String, String)>,
) -> Response {
    let (row, der, _) = match one(&app, &signed, &store, &thumbprint).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    (
        [
            (header::CONTENT_TYPE, "application/x-pem-file".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.pem\"", row.thumbprint),
            ),
        ],
        crate::appliance::certificate_pem(&der),
    )
        .into_response()
}
