//! One ACME order, from the account to the certificate chain: the account is loaded from
//! the store (registered and sealed there the first time), each authorization's
//! challenge is published for `certhost serve` (or given to the DNS script), checked,
//! and announced as ready; the order is finalized with the component's request. The
//! published answers are withdrawn however the order ends.

use super::challenge::{self, HTTP_01, TLS_ALPN_01};
use super::{AcmeError, AcmeIdentifier, ChallengeKind, OrderSpec, problem_text};
use crate::store::{AcmeChallenge, Database, acme_account_secret};
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, NewAccount, NewOrder,
    OrderStatus, RetryPolicy,
};
use std::path::Path;
use std::time::Duration;

/// How long the server gets to validate the challenges, then to issue.
const VALIDATION_DEADLINE: Duration = Duration::from_secs(90);

/// The HTTP client for the directory: its own roots when given, else the system's.
fn http_client(spec: &OrderSpec) -> Result<Box<dyn instant_acme::HttpClient>, AcmeError> {
    let directory_error = |reason: String| AcmeError::Directory {
        directory: spec.directory.clone(),
        reason,
    };
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| directory_error(e.to_string()))?;
    let config = match &spec.root_pem {
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            use rustls::pki_types::pem::PemObject;
            for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| {
                    directory_error(format!("the root certificate file is not PEM: {e}"))
                })?;
                roots.add(cert).map_err(|e| {
                    directory_error(format!("the root certificate cannot be used: {e}"))
                })?;
            }
            if roots.is_empty() {
                return Err(directory_error(
                    "the root certificate file holds no certificate".into(),
                ));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            use rustls_platform_verifier::BuilderVerifierExt;
            builder
                .with_platform_verifier()
                .map_err(|e| directory_error(e.to_string()))?
                .with_no_client_auth()
        }
    };
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, instant_acme::BodyWrapper<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector);
    Ok(Box::new(client))
}

/// The account for the directory: the kept one, or a new registration (kept sealed).
pub async fn account(state_dir: &Path, spec: &OrderSpec) -> Result<Account, AcmeError> {
    let secret = acme_account_secret(&spec.directory);
    let kept = Database::open(state_dir)?.sealed_secret(&secret)?;
    if let Some(json) = kept {
        let credentials: AccountCredentials = serde_json::from_slice(&json)
            .map_err(|e| AcmeError::Account(format!("the kept account cannot be read: {e}")))?;
        return Account::builder_with_http(http_client(spec)?)
            .from_credentials(credentials)
            .await
            .map_err(|e| directory_failure(spec, &e));
    }
    let (account, credentials) = Account::builder_with_http(http_client(spec)?)
        .create(
            &NewAccount {
                contact: &[],
                terms_of_service_agreed: true,
                only_return_existing: false,
            },
            spec.directory.clone(),
            None,
        )
        .await
        .map_err(|e| match e {
            instant_acme::Error::Api(_) => AcmeError::Account(problem_text(&e)),
            other => directory_failure(spec, &other),
        })?;
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&credentials)
            .map_err(|e| AcmeError::Account(format!("cannot keep the account: {e}")))?,
    );
    Database::open(state_dir)?.set_sealed_secret(&secret, &json)?;
    Ok(account)
}

fn directory_failure(spec: &OrderSpec, e: &instant_acme::Error) -> AcmeError {
    let mut reason = problem_text(e);
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason.push_str(&format!(": {s}"));
        source = s.source();
    }
    AcmeError::Directory {
        directory: spec.directory.clone(),
        reason,
    }
}

/// What one authorization published, to withdraw afterwards.
struct Published {
    tokens: Vec<String>,
    dns_records: Vec<(String, String)>,
}

/// Runs the order for `csr_der` and returns the certificate chain (PEM, leaf first).
pub async fn obtain(
    state_dir: &Path,
    spec: &OrderSpec,
    csr_der: &[u8],
) -> Result<String, AcmeError> {
    let account = account(state_dir, spec).await?;
    let mut published = Published {
        tokens: Vec::new(),
        dns_records: Vec::new(),
    };
    let outcome = run_order(state_dir, &account, spec, csr_der, &mut published).await;
    // Withdraw every answer, whatever happened.
    if let Ok(mut db) = Database::open(state_dir) {
        let _ = db.remove_acme_challenges(&published.tokens, crate::clock::now());
    }
    if let ChallengeKind::Dns01Script(command) = &spec.challenge {
        for (identifier, value) in &published.dns_records {
            let _ = challenge::run_dns_script(command, "remove", identifier, value).await;
        }
    }
    outcome
}

async fn run_order(
    state_dir: &Path,
    account: &Account,
    spec: &OrderSpec,
    csr_der: &[u8],
    published: &mut Published,
) -> Result<String, AcmeError> {
    let identifiers: Vec<instant_acme::Identifier> = spec
        .identifiers
        .iter()
        .map(AcmeIdentifier::to_acme)
        .collect();
    let mut order = account
        .new_order(&NewOrder::new(&identifiers))
        .await
        .map_err(|e| AcmeError::Order(problem_text(&e)))?;
    let (kind_name, challenge_type) = match spec.challenge {
        ChallengeKind::TlsAlpn01 => (TLS_ALPN_01, ChallengeType::TlsAlpn01),
        ChallengeKind::Http01 => (HTTP_01, ChallengeType::Http01),
        ChallengeKind::Dns01Script(_) => ("dns-01", ChallengeType::Dns01),
    };
    let mut authorizations = order.authorizations();
    while let Some(authorization) = authorizations.next().await {
        let mut authorization = authorization.map_err(|e| AcmeError::Order(problem_text(&e)))?;
        match authorization.status {
            AuthorizationStatus::Valid => continue,
            AuthorizationStatus::Pending => {}
            other => {
                return Err(AcmeError::Order(format!(
                    "the authorization for {} is {other:?}",
                    authorization.identifier()
                )));
            }
        }
        let identifier_text = authorization.identifier().to_string();
        let identifier = match authorization.identifier().identifier {
            instant_acme::Identifier::Ip(ip) => AcmeIdentifier::Ip(*ip),
            _ => AcmeIdentifier::Dns(identifier_text.trim_start_matches("*.").to_string()),
        };
        let mut challenge = authorization
            .challenge(challenge_type.clone())
            .ok_or_else(|| AcmeError::NoSuchChallenge {
                identifier: identifier_text.clone(),
                kind: kind_name.into(),
            })?;
        let key_authorization = challenge.key_authorization();
        let token = challenge.token.clone();
        match &spec.challenge {
            ChallengeKind::Dns01Script(command) => {
                let value = key_authorization.dns_value();
                published
                    .dns_records
                    .push((identifier_text.clone(), value.clone()));
                challenge::run_dns_script(command, "add", &identifier_text, &value).await?;
            }
            kind => {
                published.tokens.push(token.clone());
                Database::open(state_dir)?.put_acme_challenges(&[AcmeChallenge {
                    kind: kind_name.into(),
                    identifier: identifier.key(),
                    token: token.clone(),
                    key_authorization: key_authorization.as_str().to_string(),
                    expires_at: crate::clock::now() + challenge::ANSWER_LIFETIME_SECONDS,
                }])?;
                if let Some(port) = spec.self_check_port {
                    challenge::self_check(
                        &identifier,
                        kind,
                        port,
                        &token,
                        key_authorization.as_str(),
                    )
                    .await?;
                }
            }
        }
        // A server that validates at once answers the readiness with the validation's
        // problem.
        challenge
            .set_ready()
            .await
            .map_err(|e| AcmeError::Validation {
                identifier: identifier_text.clone(),
                detail: problem_text(&e),
            })?;
    }
    let retries = RetryPolicy::new()
        .initial_delay(Duration::from_millis(250))
        .backoff(1.5)
        .timeout(VALIDATION_DEADLINE);
    let status = match order.poll_ready(&retries).await {
        Ok(status) => status,
        Err(instant_acme::Error::Timeout(_)) => {
            return Err(AcmeError::Timeout("validation".into()));
        }
        // An invalid order comes back as its problem.
        Err(e @ instant_acme::Error::Api(_)) => {
            return Err(validation_failure(&mut order, spec, problem_text(&e)).await);
        }
        Err(other) => return Err(AcmeError::Order(problem_text(&other))),
    };
    if status != OrderStatus::Ready {
        let fallback = format!("the order is {status:?}");
        return Err(validation_failure(&mut order, spec, fallback).await);
    }
    order
        .finalize_csr(csr_der)
        .await
        .map_err(|e| AcmeError::Finalize(problem_text(&e)))?;
    order.poll_certificate(&retries).await.map_err(|e| match e {
        instant_acme::Error::Timeout(_) => AcmeError::Timeout("issuance".into()),
        other => AcmeError::Finalize(problem_text(&other)),
    })
}

/// The first failed challenge's problem, in words (else `fallback`, the order's).
async fn validation_failure(
    order: &mut instant_acme::Order,
    spec: &OrderSpec,
    fallback: String,
) -> AcmeError {
    let mut authorizations = order.authorizations();
    while let Some(Ok(authorization)) = authorizations.next().await {
        if authorization.status == AuthorizationStatus::Valid {
            continue;
        }
        let identifier = authorization.identifier().to_string();
        let detail = authorization
            .challenges
            .iter()
            .find_map(|c| c.error.as_ref())
            .map(|p| problem_text(&instant_acme::Error::Api(p.clone())))
            .unwrap_or_else(|| format!("the authorization is {:?}", authorization.status));
        return AcmeError::Validation { identifier, detail };
    }
    AcmeError::Validation {
        identifier: spec
            .identifiers
            .iter()
            .map(AcmeIdentifier::key)
            .collect::<Vec<_>>()
            .join(", "),
        detail: fallback,
    }
}
