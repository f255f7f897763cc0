//! ACME in the server: the http-01 listener (`--acme-http`), and the renewal of slots
//! whose certificate an ACME server issued. A renewal runs the same order as
//! `New-AcmeCertificate` (its challenges answered by this server) and assigns the new
//! certificate through the component's slot change, so bindings move to it in one
//! transaction and peers are told; a failure is logged loudly, recorded for
//! `Get-AcmeRenewal` and `Test-AcmeRenewal`, retried with backoff, and leaves the slot
//! and its bindings as they were.

use super::{SharedCatalog, log};
use crate::acme::{self, challenge::HTTP_01_PREFIX, renewal};
use crate::services::worker::{SlotCall, Worker};
use crate::store::{AcmeRegistration, Database, canonical_slot};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Serves http-01 answers at `address` until the server stops: the key authorization
/// for a published token, 404 for anything else.
pub async fn http_listener(address: SocketAddr, catalog: SharedCatalog) {
    let listener = loop {
        match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => break listener,
            Err(e) => {
                log(&format!(
                    "cannot listen on http://{address} for ACME http-01: {e} (retrying)"
                ));
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    log(&format!(
        "answering ACME http-01 challenges on http://{address}"
    ));
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let catalog = catalog.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
                let answer = request
                    .uri()
                    .path()
                    .strip_prefix(HTTP_01_PREFIX)
                    .and_then(|token| {
                        catalog
                            .read()
                            .unwrap_or_else(|p| p.into_inner())
                            .acme_http_answer(token)
                    });
                let response = match answer {
                    Some(body) => hyper::Response::builder()
                        .status(200)
                        .header("Content-Type", "application/octet-stream")
                        .body(axum::body::Body::from(body)),
                    None => hyper::Response::builder()
                        .status(404)
                        .header("Content-Type", "text/plain")
                        .body(axum::body::Body::from(
                            "This port answers ACME http-01 challenges only.\n",
                        )),
                };
                async move { response }
            });
            let _ = tokio::time::timeout(
                Duration::from_secs(30),
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), service),
            )
            .await;
        });
    }
}

/// Checks the ACME registrations every `interval` and renews each that is due.
pub async fn renewal_loop(state_dir: PathBuf, worker: Worker, interval: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        let registrations =
            match Database::open(&state_dir).and_then(|db| db.list_acme_registrations()) {
                Ok(r) => r,
                Err(e) => {
                    log(&format!(
                        "ACME renewal check: cannot read the registrations: {e}"
                    ));
                    continue;
                }
            };
        for registration in registrations {
            let now = crate::clock::now();
            if !renewal::due(&registration, now) {
                continue;
            }
            let outcome = renew(&state_dir, &worker, &registration).await;
            record(&state_dir, &registration, outcome);
        }
    }
}

/// Logs and records how a renewal went.
fn record(state_dir: &Path, r: &AcmeRegistration, outcome: Result<AcmeRegistration, String>) {
    let mut db = match Database::open(state_dir) {
        Ok(db) => db,
        Err(e) => {
            log(&format!(
                "ACME renewal of {}: cannot open the store: {e}",
                r.slot
            ));
            return;
        }
    };
    let expires = super::model::timestamp(r.not_after);
    match outcome {
        Ok(renewed) => {
            log(&format!(
                "renewed the ACME certificate of {} ({}): {} replaces {}, valid until {}; bindings now use the new one",
                r.slot,
                r.identifiers.join(", "),
                renewed.thumbprint,
                r.thumbprint,
                super::model::timestamp(renewed.not_after)
            ));
            if let Err(e) = db.put_acme_registration(&renewed) {
                log(&format!(
                    "ACME renewal of {}: cannot record it: {e}",
                    r.slot
                ));
            }
        }
        Err(reason) => {
            let now = crate::clock::now();
            let delay = renewal::retry_delay(r.not_after - r.not_before, r.failures + 1);
            log(&format!(
                "ACME RENEWAL FAILED for {} ({}, certificate {} expires {expires}): {reason}; the slot and its bindings are unchanged, next try in {delay} s",
                r.slot,
                r.identifiers.join(", "),
                r.thumbprint
            ));
            if let Err(e) = db.record_acme_failure(&r.slot, now, &reason, now + delay) {
                log(&format!(
                    "ACME renewal of {}: cannot record the failure: {e}",
                    r.slot
                ));
            }
        }
    }
}

/// One renewal: a new key and request from the component, the order, the assignment.
async fn renew(
    state_dir: &Path,
    worker: &Worker,
    r: &AcmeRegistration,
) -> Result<AcmeRegistration, String> {
    let slot = canonical_slot(&r.slot).map_err(|e| e.to_string())?;
    let spec = renewal::spec(r).map_err(|e| e.to_string())?;
    let key = acme::key_algorithm(&r.key_algorithm).map_err(|e| e.to_string())?;
    let created = worker
        .create_request(acme::generate_request(&spec.identifiers, key))
        .await
        .map_err(|e| format!("the component failed: {e}"))?
        .map_err(|e| format!("the component cannot make the request: {}", e.message()))?;
    let chain = acme::order::obtain(state_dir, &spec, &created.request)
        .await
        .map_err(|e| e.to_string())?;
    let call = SlotCall::AssignPem {
        certificate: chain.into_bytes(),
        private_key: created.private_key,
        password: None,
    };
    let assigned = worker
        .slot(slot, call)
        .await
        .map_err(|e| format!("the component failed: {e}"))?
        .map_err(|e| format!("the slot refused the certificate: {}", e.message))?
        .ok_or("the slot change was only planned")?;
    let info = worker
        .inspect(assigned.certificate.clone())
        .await
        .map_err(|e| format!("the component failed: {e}"))?
        .ok_or("the issued certificate cannot be read")?;
    Ok(renewal::registration(
        renewal::Issued {
            slot,
            spec: &spec,
            key_algorithm: &r.key_algorithm,
            thumbprint: assigned.thumbprint,
            not_before: info.not_before,
            not_after: info.not_after,
        },
        crate::clock::now(),
    ))
}
