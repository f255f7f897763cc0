//! One ACME order, from the account to the certificate chain: the account is loaded from
//! the store (registered and sealed there the first time), each authorization's
//! challenge is published for `certhost serve` (or given to the DNS script), checked,
//! and announced as ready; the order is finalized with the component's request. The
//! published answers are withdrawn however the order ends.

use super::account::{self, account_refusal};
use super::challenge::{self, HTTP_01, TLS_ALPN_01};
use super::{AcmeError, AcmeIdentifier, ChallengeKind, OrderSpec, problem_text};
use crate::store::{AcmeChallenge, Database};
use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, NewOrder, OrderStatus, RetryPolicy,
};
use std::path::Path;
use std::time::Duration;

/// How long the server gets to validate the challenges, then to issue.
const VALIDATION_DEADLINE: Duration = Duration::from_secs(90);

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
    let account = account::kept_or_registered(state_dir, spec).await?;
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
        .map_err(|e| {
            account_refusal(spec, &e).unwrap_or_else(|| AcmeError::Order(problem_text(&e)))
        })?;
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
