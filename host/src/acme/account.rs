//! The ACME account of a directory: registered on first use and kept sealed in the store
//! (its key as private as a certificate key), refused clearly when the server no longer
//! accepts it, and deactivated at the server and forgotten on request.

use super::{AcmeError, OrderSpec, problem_text};
use crate::store::{Database, acme_account_secret};
use instant_acme::{Account, AccountCredentials, NewAccount};
use std::path::Path;

/// The HTTP client for the directory: its own roots when given, else the system's.
fn http_client(
    directory: &str,
    root_pem: Option<&str>,
) -> Result<Box<dyn instant_acme::HttpClient>, AcmeError> {
    let directory_error = |reason: String| AcmeError::Directory {
        directory: directory.to_string(),
        reason,
    };
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| directory_error(e.to_string()))?;
    let config = match root_pem {
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

/// The account kept for the directory, if there is one.
async fn kept(
    state_dir: &Path,
    directory: &str,
    root_pem: Option<&str>,
) -> Result<Option<Account>, AcmeError> {
    let secret = acme_account_secret(directory);
    let Some(json) = Database::open(state_dir)?.sealed_secret(&secret)? else {
        return Ok(None);
    };
    let credentials: AccountCredentials = serde_json::from_slice(&json)
        .map_err(|e| AcmeError::Account(format!("the kept account cannot be read: {e}")))?;
    Account::builder_with_http(http_client(directory, root_pem)?)
        .from_credentials(credentials)
        .await
        .map(Some)
        .map_err(|e| directory_failure(directory, &e))
}

/// The account for the directory: the kept one, or a new registration (kept sealed).
pub async fn kept_or_registered(state_dir: &Path, spec: &OrderSpec) -> Result<Account, AcmeError> {
    let root_pem = spec.root_pem.as_deref();
    if let Some(account) = kept(state_dir, &spec.directory, root_pem).await? {
        return Ok(account);
    }
    let (account, credentials) =
        Account::builder_with_http(http_client(&spec.directory, root_pem)?)
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
                other => directory_failure(&spec.directory, &other),
            })?;
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec(&credentials)
            .map_err(|e| AcmeError::Account(format!("cannot keep the account: {e}")))?,
    );
    Database::open(state_dir)?.set_sealed_secret(&acme_account_secret(&spec.directory), &json)?;
    Ok(account)
}

fn directory_failure(directory: &str, e: &instant_acme::Error) -> AcmeError {
    let mut reason = problem_text(e);
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason.push_str(&format!(": {s}"));
        source = s.source();
    }
    AcmeError::Directory {
        directory: directory.to_string(),
        reason,
    }
}

/// The server's refusal of the account itself (deactivated, revoked, or unknown to it), as
/// opposed to a refusal of what the account asked for.
fn refuses_account(e: &instant_acme::Error) -> bool {
    let instant_acme::Error::Api(problem) = e else {
        return false;
    };
    let kind = problem.r#type.as_deref().unwrap_or_default();
    let detail = problem.detail.as_deref().unwrap_or_default();
    kind.ends_with(":accountDoesNotExist")
        || (kind.ends_with(":unauthorized") && detail.to_ascii_lowercase().contains("account"))
}

/// `e` as [`AcmeError::AccountNotValid`] when the server refused the account itself.
pub fn account_refusal(spec: &OrderSpec, e: &instant_acme::Error) -> Option<AcmeError> {
    refuses_account(e).then(|| AcmeError::AccountNotValid {
        directory: spec.directory.clone(),
        detail: problem_text(e),
    })
}

/// What [`forget`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Forgotten {
    /// The server deactivated the account, and the store no longer keeps it.
    Deactivated,
    /// The server had already stopped accepting the account; the store no longer keeps it.
    AlreadyRefused(String),
}

/// Whether an account is kept for the directory.
pub fn is_kept(state_dir: &Path, directory: &str) -> Result<bool, AcmeError> {
    Ok(Database::open(state_dir)?
        .sealed_secret(&acme_account_secret(directory))?
        .is_some())
}

/// Deactivates the kept account at the server (RFC 8555 section 7.3.6) and removes it from
/// the store. When the server cannot be asked, nothing is removed.
pub async fn forget(
    state_dir: &Path,
    directory: &str,
    root_pem: Option<&str>,
) -> Result<Forgotten, AcmeError> {
    let account = kept(state_dir, directory, root_pem)
        .await?
        .ok_or_else(|| AcmeError::NoAccount(directory.to_string()))?;
    let outcome = match account.deactivate().await {
        Ok(()) => Forgotten::Deactivated,
        Err(e) if refuses_account(&e) => Forgotten::AlreadyRefused(problem_text(&e)),
        Err(e @ instant_acme::Error::Api(_)) => {
            return Err(AcmeError::Account(problem_text(&e)));
        }
        Err(e) => return Err(directory_failure(directory, &e)),
    };
    Database::open(state_dir)?.remove_sealed_secret(&acme_account_secret(directory))?;
    Ok(outcome)
}

/// The directories an account is kept for, with the account's URL at its server.
pub fn kept_accounts(state_dir: &Path) -> Result<Vec<(String, String)>, AcmeError> {
    let db = Database::open(state_dir)?;
    let mut accounts = Vec::new();
    for name in db.sealed_secret_names(&acme_account_secret(""))? {
        let directory = name[acme_account_secret("").len()..].to_string();
        let url = db
            .sealed_secret(&name)?
            .and_then(|json| serde_json::from_slice::<serde_json::Value>(&json).ok())
            .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_string))
            .unwrap_or_default();
        accounts.push((directory, url));
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::refuses_account;

    fn problem(kind: &str, detail: &str) -> instant_acme::Error {
        instant_acme::Error::Api(instant_acme::Problem {
            r#type: Some(format!("urn:ietf:params:acme:error:{kind}")),
            detail: Some(detail.into()),
            status: Some(403),
            subproblems: Vec::new(),
        })
    }

    #[test]
    fn only_refusals_of_the_account_itself_count() {
        // Pebble's and Boulder's words for a deactivated or unknown account.
        assert!(refuses_account(&problem(
            "unauthorized",
            "Account has been deactivated"
        )));
        assert!(refuses_account(&problem(
            "accountDoesNotExist",
            "Account https://ca/acct/1 not found."
        )));
        // Refusals of what the account asked for are not.
        assert!(!refuses_account(&problem(
            "unauthorized",
            "Order includes a name the policy forbids"
        )));
        assert!(!refuses_account(&problem(
            "rateLimited",
            "too many certificates for this account"
        )));
        assert!(!refuses_account(&instant_acme::Error::Str("timed out")));
    }
}
