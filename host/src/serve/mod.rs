//! `certhost serve`: the HTTPS REST API on every binding of the store, with each
//! binding's certificate. Changes to certificates and bindings, from the API or from
//! `certhost` in another process, reach new handshakes within a quarter of a second;
//! connections in flight finish on the certificate they started with; listeners open
//! and close as bindings come and go. Nothing restarts.

mod acme;
mod api;
mod appliance_api;
pub mod auth;
mod catalog;
pub mod limits;
pub mod login;
mod model;
mod ocsp;
mod remote;
mod renewal;
mod ui;
use crate::services::worker::{SlotCall, Worker};

use catalog::Catalog;
use limits::{Admission, Admitted, ConnectionLimits};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

/// How often the database is checked for changes made by other processes.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How often OCSP staples are checked for being due (each is fetched again halfway
/// through its validity).
const STAPLE_CHECK_INTERVAL: Duration = Duration::from_secs(10);
/// Default largest upload (a PFX is a few KiB).
pub const DEFAULT_UPLOAD_LIMIT: usize = 1024 * 1024;

/// Writes a timestamped line to the server log (stderr). Never given secrets. Control
/// characters a client sent (a user name with CR/LF, terminal escape codes) are written
/// as escapes, so no request can forge a log line or drive the admin's terminal.
pub fn log(message: &str) {
    eprintln!(
        "{} certhost serve: {}",
        model::timestamp(crate::clock::now()),
        printable(message)
    );
}

/// `text` with each control character written as `\u{..}`.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Asks the listener loop to reload now, and lets the caller wait until it has.
#[derive(Clone)]
pub struct Reload {
    ask: Arc<Notify>,
    done: watch::Receiver<u64>,
}

impl Reload {
    /// Reloads and waits (up to `limit`) until new handshakes use the new state.
    pub async fn now_and_wait(&self, limit: Duration) {
        let mut done = self.done.clone();
        let before = *done.borrow_and_update();
        self.ask.notify_one();
        let _ = tokio::time::timeout(limit, done.wait_for(|g| *g > before)).await;
    }
}

/// How `certhost serve` runs.
pub struct ServeOptions {
    pub state_dir: PathBuf,
    pub access_token_lifetime: Duration,
    pub upload_limit: usize,
    pub limits: ConnectionLimits,
    /// Address ranges `connectionCertificate` may reach although they are loopback,
    /// link-local or otherwise refused by default.
    pub allow_connect: Vec<ipnet::IpNet>,
    /// Where to answer ACME http-01 challenges (none: no http-01).
    pub acme_http: Option<SocketAddr>,
    /// How often ACME registrations are checked for renewal.
    pub acme_renewal_check: Duration,
}

/// The address a request came from, for handlers (sign-in throttling).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// The address of a request as a handler extracts it; the unspecified address for a
    /// request that did not come through a listener (the router called directly).
    pub fn of(client: Option<axum::Extension<ClientAddress>>) -> IpAddr {
        client.map_or(
            IpAddr::from(std::net::Ipv4Addr::UNSPECIFIED),
            |axum::Extension(ClientAddress(ip))| ip,
        )
    }
}

/// What the TLS layer knows about a request's connection, for the appliance routes:
/// the client certificate a peer presented, and the RFC 9266 tls-exporter channel
/// binding (TLS 1.3 only: TLS 1.2's exporter is not unique to the connection without
/// extended master secret).
#[derive(Clone, Debug, Default)]
pub struct TlsFacts {
    pub client_certificate: Option<Arc<Vec<u8>>>,
    pub channel_binding: Option<[u8; 32]>,
}

impl TlsFacts {
    fn of(connection: &rustls::ServerConnection) -> TlsFacts {
        let tls13 = connection.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3);
        TlsFacts {
            client_certificate: connection
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| Arc::new(c.to_vec())),
            channel_binding: tls13
                .then(|| {
                    connection
                        .export_keying_material([0u8; 32], b"EXPORTER-Channel-Binding", None)
                        .ok()
                })
                .flatten(),
        }
    }
}

type SharedCatalog = Arc<RwLock<Arc<Catalog>>>;

/// Runs the server until SIGINT or SIGTERM.
pub fn run(mut options: ServeOptions) -> Result<(), String> {
    if let Some(note) = options.limits.fit_to_open_file_limit() {
        log(&note);
    }
    let worker = Worker::start(&options.state_dir, log)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(serve(options, worker))
}

async fn serve(options: ServeOptions, worker: Worker) -> Result<(), String> {
    let open = || crate::store::Database::open(&options.state_dir).map_err(|e| e.to_string());
    let db = open()?;
    if db.list_bindings().map_err(|e| e.to_string())?.is_empty() {
        // First run: the backup server certificate and its REST binding, as after an
        // installation of the originals.
        match worker
            .slot(crate::store::BACKUP_SERVER_SLOT, SlotCall::Current)
            .await
        {
            Ok(Ok(_)) => log(
                "no bindings: made the default backup server certificate and its REST API binding",
            ),
            Ok(Err(e)) => log(&format!(
                "cannot make the default certificate: {}",
                e.message
            )),
            Err(e) => log(&format!("cannot make the default certificate: {e}")),
        }
    }
    if db.list_accounts().map_err(|e| e.to_string())?.is_empty() {
        log(
            "no REST API account yet: create one with  certhost -c \"New-ApiAccount -UserName admin\"",
        );
    }
    let (done_tx, done_rx) = watch::channel(0u64);
    let reload = Reload {
        ask: Arc::new(Notify::new()),
        done: done_rx,
    };
    let catalog: SharedCatalog = Arc::default();
    let app = Arc::new(api::App::new(api::AppParts {
        auth: auth::Auth::new(options.access_token_lifetime),
        worker: worker.clone(),
        database: open()?,
        upload_limit: options.upload_limit,
        reload: reload.clone(),
        catalog: catalog.clone(),
        connect_policy: remote::ConnectPolicy::new(options.allow_connect.clone()),
        state_dir: options.state_dir.clone(),
    }));
    let reporter = {
        let app = app.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(limits::REFUSAL_LOG_INTERVAL).await;
                app.report_refused_sign_ins();
            }
        })
    };
    let router = api::router(app, options.limits.request_timeout);
    let server = Server {
        catalog,
        router,
        admission: Admission::new(options.limits.clone()),
    };
    let http_challenges = options
        .acme_http
        .map(|address| tokio::spawn(acme::http_listener(address, server.catalog.clone())));
    let acme_renewals = tokio::spawn(acme::renewal_loop(
        options.state_dir.clone(),
        worker.clone(),
        options.acme_renewal_check,
    ));
    let watcher = tokio::spawn(watch_state(db, server, worker, reload.ask.clone(), done_tx));
    shutdown_signal().await;
    watcher.abort();
    acme_renewals.abort();
    if let Some(task) = http_challenges {
        task.abort();
    }
    reporter.abort();
    log("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match terminate.as_mut() {
                Some(t) => { t.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

/// What every listener shares.
#[derive(Clone)]
struct Server {
    catalog: SharedCatalog,
    router: axum::Router,
    admission: Arc<Admission>,
}

/// Reloads the catalog when the database changes (or when asked), opens and closes
/// listeners to match the bindings, renews automatically generated certificates before
/// they expire, and reports refused connections.
async fn watch_state(
    db: crate::store::Database,
    server: Server,
    worker: Worker,
    ask: Arc<Notify>,
    done: watch::Sender<u64>,
) {
    let mut listeners: BTreeMap<SocketAddr, tokio::task::JoinHandle<()>> = BTreeMap::new();
    let mut cache = HashMap::new();
    let mut last_version = None;
    let mut generation = 0u64;
    let mut reported: Vec<String> = Vec::new();
    let mut renewal = renewal::Schedule::default();
    let mut stapler = ocsp::Stapler::default();
    let mut next_staple_check = std::time::Instant::now();
    loop {
        let version = db.data_version().ok();
        let wanted = listeners.len() != catalog_addresses(&server.catalog).len();
        if version != last_version || last_version.is_none() || wanted {
            last_version = version;
            match Catalog::load(&db, &mut cache, &stapler) {
                Ok(next) => {
                    let mut lines: Vec<String> = next
                        .serving
                        .iter()
                        .map(|(e, t)| format!("serving {e} with {t}"))
                        .chain(
                            next.broken
                                .iter()
                                .map(|(e, r)| format!("cannot serve {e}: {r}")),
                        )
                        .collect();
                    lines.sort();
                    for line in lines.iter().filter(|l| !reported.contains(l)) {
                        log(line);
                    }
                    reported = lines;
                    *server.catalog.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
                }
                Err(e) => log(&format!("cannot read the bindings: {e}")),
            }
            reconcile(&mut listeners, &server).await;
        }
        generation += 1;
        let _ = done.send(generation);
        if let Some(line) = server.admission.refusal_report(std::time::Instant::now()) {
            log(&line);
        }
        if std::time::Instant::now() >= next_staple_check {
            next_staple_check = std::time::Instant::now() + STAPLE_CHECK_INTERVAL;
            let targets = server
                .catalog
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .ocsp_targets
                .iter()
                .map(|t| ocsp::Target {
                    thumbprint: t.thumbprint.clone(),
                    certificate: t.certificate.clone(),
                    chain: t.chain.clone(),
                })
                .collect();
            if stapler.refresh(targets, crate::clock::now()).await {
                // New staples: rebuild the configurations that carry them.
                cache.clear();
                last_version = None;
            }
        }
        if renewal.due(std::time::Instant::now()) {
            let candidates = renewal::candidates(&db);
            renewal::renew_due(candidates, &worker).await;
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = ask.notified() => { last_version = None; }
        }
    }
}

fn catalog_addresses(catalog: &SharedCatalog) -> std::collections::BTreeSet<SocketAddr> {
    catalog
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .listen_addresses()
}

/// Opens listeners for new addresses (retrying ones that failed) and closes the others.
/// Closing a listener leaves its accepted connections running.
async fn reconcile(
    listeners: &mut BTreeMap<SocketAddr, tokio::task::JoinHandle<()>>,
    server: &Server,
) {
    let wanted = catalog_addresses(&server.catalog);
    listeners.retain(|addr, task| {
        let keep = wanted.contains(addr) && !task.is_finished();
        if !keep {
            task.abort();
            if !wanted.contains(addr) {
                log(&format!("closed {addr}"));
            }
        }
        keep
    });
    for addr in wanted {
        if listeners.contains_key(&addr) {
            continue;
        }
        match TcpListener::bind(addr).await {
            Ok(listener) => {
                log(&format!("listening on https://{addr}"));
                listeners.insert(addr, tokio::spawn(accept_loop(listener, server.clone())));
            }
            Err(e) => log(&format!("cannot listen on {addr}: {e} (retrying)")),
        }
    }
}

/// How long the accept loop waits after a failed accept (out of file descriptors, say),
/// and the least time between two log lines about it.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);
const ACCEPT_FAILURE_LOG_INTERVAL: Duration = Duration::from_secs(10);

async fn accept_loop(listener: TcpListener, server: Server) {
    let mut failures = 0u64;
    let mut last_failure_log: Option<std::time::Instant> = None;
    loop {
        match listener.accept().await {
            Ok((tcp, peer)) => match server.admission.admit(peer.ip()) {
                // A refused connection is closed at once, before any TLS work.
                Err(_) => drop(tcp),
                Ok(admitted) => {
                    if let Ok(local) = tcp.local_addr() {
                        tokio::spawn(connection(tcp, local, peer.ip(), admitted, server.clone()));
                    }
                }
            },
            Err(e) => {
                failures += 1;
                let now = std::time::Instant::now();
                if last_failure_log
                    .is_none_or(|t| now.duration_since(t) >= ACCEPT_FAILURE_LOG_INTERVAL)
                {
                    log(&format!(
                        "accept failed {failures} time(s) since the last report: {e} ({} connections open)",
                        server.admission.open()
                    ));
                    failures = 0;
                    last_failure_log = Some(now);
                }
                tokio::time::sleep(ACCEPT_RETRY).await;
            }
        }
    }
}

/// The answer to a plain-HTTP request on a TLS port: no API, just where to go.
const PLAINTEXT_REFUSAL: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 48\r\n\r\nThis port speaks HTTPS only: use https:// here.\n";

/// One client connection: the TLS handshake within the handshake timeout, then HTTP/1.1
/// requests, each of whose headers must arrive within the header timeout of the
/// handshake or the previous response (so idle connections close too). `_admitted`
/// holds the connection's place until it closes.
async fn connection(
    mut tcp: TcpStream,
    local: SocketAddr,
    client: IpAddr,
    _admitted: Admitted,
    server: Server,
) {
    let limits = server.admission.limits().clone();
    let _ = tcp.set_nodelay(true);
    let handshake = async {
        let mut first = [0u8; 1];
        match tcp.peek(&mut first).await {
            Ok(1) => {}
            _ => return None,
        }
        // A TLS connection starts with a handshake record (0x16); anything else is not TLS.
        if first[0] != 0x16 {
            let _ = tcp.write_all(PLAINTEXT_REFUSAL).await;
            let _ = tcp.shutdown().await;
            return None;
        }
        let acceptor =
            tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tcp);
        let start = acceptor.await.ok()?;
        let server_name = start.client_hello().server_name().map(str::to_string);
        let acme_validation = start
            .client_hello()
            .alpn()
            .is_some_and(|mut offered| offered.any(|p| p == crate::acme::challenge::ACME_TLS_ALPN));
        if acme_validation {
            // tls-alpn-01: the handshake is the answer; the connection carries nothing.
            let identifier =
                crate::acme::challenge::validated_identifier(server_name.as_deref(), local.ip());
            let config = server
                .catalog
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .acme_tls_answer(&identifier)?;
            let mut answered = start.into_stream(config).await.ok()?;
            let _ = answered.shutdown().await;
            return None;
        }
        let config = server
            .catalog
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .lookup(local, server_name.as_deref())?;
        start.into_stream(config).await.ok()
    };
    let Ok(Some(tls)) = tokio::time::timeout(limits.handshake_timeout, handshake).await else {
        return;
    };
    let router = server.router.clone();
    let facts = TlsFacts::of(tls.get_ref().1);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
        request.extensions_mut().insert(ClientAddress(client));
        request.extensions_mut().insert(facts.clone());
        tower_service::Service::call(&mut router.clone(), request)
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
        .await;
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn control_characters_cannot_forge_log_lines() {
        assert_eq!(
            printable("admin\r\n2026-01-01 certhost serve: signed in\u{1b}[2J"),
            "admin\\u{d}\\u{a}2026-01-01 certhost serve: signed in\\u{1b}[2J"
        );
        assert_eq!(printable("Łódź backup"), "Łódź backup");
    }
}
