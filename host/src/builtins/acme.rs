//! ACME (docs/acme.md): `New-AcmeCertificate` orders a certificate for a slot from an
//! ACME server and assigns it; `Get-AcmeRenewal` and `Test-AcmeRenewal` show how the
//! renewals `certhost serve` makes are going; `Get-AcmeAccount` and `Remove-AcmeAccount`
//! list and deactivate the kept accounts.

use super::utility::Builtin;
use super::with_database;
use crate::acme::{self, AcmeError, AcmeIdentifier, ChallengeKind, OrderSpec, renewal};
use crate::engine::Value;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, console_example, example,
    param,
};
use crate::engine::session::Session;
use crate::plugin::{AssignOptions, Message, PluginError};
use crate::store::{AcmeRegistration, canonical_slot};

const NEW: &str = "New-AcmeCertificate";

fn failed(e: AcmeError) -> CommandError {
    failed_in(NEW, e)
}

fn failed_in(command: &str, e: AcmeError) -> CommandError {
    let (category, id) = match &e {
        AcmeError::InvalidArgument(_) => ("InvalidArgument", "InvalidArgument"),
        AcmeError::Directory { .. } => ("ConnectionError", "AcmeServerUnreachable"),
        AcmeError::Account(_) => ("PermissionDenied", "AcmeAccountRefused"),
        AcmeError::AccountNotValid { .. } => ("PermissionDenied", "AcmeAccountNotValid"),
        AcmeError::NoAccount(_) => ("ObjectNotFound", "AcmeAccountNotFound"),
        AcmeError::Order(_) | AcmeError::Finalize(_) => ("InvalidResult", "AcmeOrderRefused"),
        AcmeError::NoSuchChallenge { .. } => ("InvalidArgument", "AcmeChallengeNotOffered"),
        AcmeError::NotAnswering(_) => ("ConnectionError", "AcmeChallengeNotAnswered"),
        AcmeError::DnsScript { .. } => ("InvalidResult", "AcmeDnsScriptFailed"),
        AcmeError::Validation { .. } => ("SecurityError", "AcmeValidationFailed"),
        AcmeError::Timeout(_) => ("OperationTimeout", "AcmeTimeout"),
        AcmeError::Store(_) => ("WriteError", "StorageFailed"),
    };
    CommandError::new(command, category, id, e.to_string())
}

fn component_failed(command: &str, e: PluginError) -> CommandError {
    CommandError::new(
        command,
        "OperationStopped",
        "ComponentFailed",
        e.to_string(),
    )
}

/// -Server: an ACME directory's https:// URL.
fn directory_url(args: &crate::engine::BoundArguments) -> Result<String, AcmeError> {
    let directory = args.text("Server").unwrap_or_default();
    if !directory.starts_with("https://") {
        return Err(AcmeError::InvalidArgument(format!(
            "-Server must be the ACME directory's https:// URL (such as https://acme-v02.api.letsencrypt.org/directory), not '{directory}'"
        )));
    }
    Ok(directory)
}

/// The PEM roots of -RootCertificatePath, if given.
fn root_pem(
    session: &Session,
    args: &crate::engine::BoundArguments,
) -> Result<Option<String>, AcmeError> {
    let Some(path) = args.text("RootCertificatePath") else {
        return Ok(None);
    };
    let path = session.resolve_path(&path);
    std::fs::read_to_string(&path).map(Some).map_err(|e| {
        AcmeError::InvalidArgument(format!(
            "cannot read the root certificate {}: {e}",
            path.display()
        ))
    })
}

/// Runs `work` to its end on a runtime of its own.
fn block_on<T>(
    command: &str,
    work: impl std::future::Future<Output = Result<T, AcmeError>>,
) -> Result<T, CommandError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            failed_in(
                command,
                AcmeError::Order(format!("cannot start the async runtime: {e}")),
            )
        })?
        .block_on(work)
        .map_err(|e| failed_in(command, e))
}

/// The order the arguments describe.
fn order_spec(
    session: &Session,
    args: &crate::engine::BoundArguments,
) -> Result<OrderSpec, AcmeError> {
    let directory = directory_url(args)?;
    let mut identifiers = Vec::new();
    for name in args.texts("DnsName") {
        identifiers.push(AcmeIdentifier::dns(&name)?);
    }
    for ip in args.texts("IPAddress") {
        identifiers.push(AcmeIdentifier::ip(&ip)?);
    }
    if identifiers.is_empty() {
        return Err(AcmeError::InvalidArgument(
            "give the names to certify with -DnsName and/or -IPAddress".into(),
        ));
    }
    let challenge = match args
        .text("Challenge")
        .unwrap_or_else(|| "TlsAlpn01".into())
        .to_ascii_lowercase()
        .as_str()
    {
        "tlsalpn01" => ChallengeKind::TlsAlpn01,
        "http01" => ChallengeKind::Http01,
        _ => match args.text("DnsScript") {
            Some(script) => {
                let path = session.resolve_path(&script);
                if !path.is_file() {
                    return Err(AcmeError::InvalidArgument(format!(
                        "the DNS script {} does not exist",
                        path.display()
                    )));
                }
                ChallengeKind::Dns01Script(path.to_string_lossy().into_owned())
            }
            None => {
                return Err(AcmeError::InvalidArgument(
                    "-Challenge Dns01Script needs -DnsScript: a command certhost runs as  <command> add|remove <record name> <value>".into(),
                ));
            }
        },
    };
    if matches!(challenge, ChallengeKind::TlsAlpn01 | ChallengeKind::Http01)
        && identifiers
            .iter()
            .any(|i| matches!(i, AcmeIdentifier::Dns(n) if n.starts_with("*.")))
    {
        return Err(AcmeError::InvalidArgument(
            "a wildcard name can only be validated with -Challenge Dns01Script".into(),
        ));
    }
    let root_pem = root_pem(session, args)?;
    let self_check_port = match &challenge {
        ChallengeKind::Dns01Script(_) => None,
        kind => {
            let default = if *kind == ChallengeKind::Http01 {
                80
            } else {
                443
            };
            let port = match args.get("ChallengePort") {
                Some(v) => v
                    .to_text()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| {
                        AcmeError::InvalidArgument(format!(
                            "-ChallengePort must be a port from 1 to 65535, not '{}'",
                            v.to_text()
                        ))
                    })?,
                None => default,
            };
            Some(port)
        }
    };
    Ok(OrderSpec {
        directory,
        identifiers,
        challenge,
        root_pem,
        self_check_port,
    })
}

pub fn new_acme_certificate() -> Builtin {
    let mut info = command_info(
        NEW,
        &[],
        "Gets a certificate for a slot from an ACME server (Let's Encrypt, an internal ACME CA) and assigns it.",
        "RFC 8555 with an account registered on first use and kept in the store (its key sealed like a certificate key). The key is made by the certificate component and never leaves this machine; the certificate is assigned through the same validated, atomic slot change as Add-BackupServerCertificate (bindings re-pointed, trusted peers told). Challenges: TlsAlpn01 (default) is answered by certhost serve on its TLS bindings; Http01 by certhost serve --acme-http <address>; Dns01Script runs -DnsScript as  <command> add|remove _acme-challenge.<name>. <value>. Before the ACME server is asked to look, certhost checks the answer itself on -ChallengePort (443 for TlsAlpn01, 80 for Http01), so a server that is not running fails here with nothing changed. certhost serve renews the certificate at two thirds of its lifetime (Get-AcmeRenewal, Test-AcmeRenewal). -RootCertificatePath: PEM roots for the ACME server's own HTTPS certificate (a test CA such as Pebble's); default, the system's.",
        vec![
            param("Server", T::Text, "The ACME directory URL.").mandatory(),
            param("DnsName", T::TextList, "DNS names to certify."),
            param("IPAddress", T::TextList, "IP addresses to certify (RFC 8738)."),
            param("Challenge", T::Text, "TlsAlpn01, Http01 or Dns01Script.")
                .values(&["TlsAlpn01", "Http01", "Dns01Script"]),
            param("DnsScript", T::Text, "The command that publishes dns-01 records."),
            param("ChallengePort", T::Integer, "The port the ACME server connects to."),
            param("Slot", T::Text, "The slot to assign (default BackupServer)."),
            param("KeyAlgorithm", T::Text, "RSA2048 (default), RSA3072, RSA4096, ECDSA_P256 or ECDSA_P384.")
                .values(&["RSA2048", "RSA3072", "RSA4096", "ECDSA_P256", "ECDSA_P384"]),
            param("RootCertificatePath", T::Text, "PEM roots for the ACME server's HTTPS."),
            param("Force", T::Switch, "Accept the slot's findings that can be overridden (identity, ECC key)."),
        ],
        "AcmeCertificate",
    )
    .examples(vec![
        console_example(
            "A Let's Encrypt certificate for the backup server, answered by certhost serve",
            "New-AcmeCertificate -Server https://acme-v02.api.letsencrypt.org/directory -DnsName backup01.tech.com",
            "certhost serve must be running with a binding on port 443.",
        ),
        console_example(
            "From an internal ACME CA, over http-01",
            "New-AcmeCertificate -Server https://ca.tech.local/acme/directory -DnsName backup01.tech.local -Challenge Http01 -RootCertificatePath ca-root.pem",
            "certhost serve --acme-http 0.0.0.0:80 answers the challenge.",
        ),
    ]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let started = std::time::Instant::now();
        let spec = order_spec(session, args).map_err(failed)?;
        let slot = canonical_slot(&args.text("Slot").unwrap_or_else(|| "BackupServer".into()))
            .map_err(|e| failed(AcmeError::InvalidArgument(e.to_string())))?;
        let key_name = args
            .text("KeyAlgorithm")
            .unwrap_or_else(|| "RSA2048".into())
            .to_ascii_uppercase();
        let key = acme::key_algorithm(&key_name).map_err(failed)?;
        let host = crate::builtins::host(session);
        let plugin = host
            .certificate_plugin()
            .map_err(|e| component_failed(NEW, e))?;
        let runtime = host.runtime().map_err(|e| component_failed(NEW, e))?;
        let created = runtime
            .certificates(&plugin, &host.services)
            .and_then(|api| api.create_request(&acme::generate_request(&spec.identifiers, key)))
            .map_err(|e| component_failed(NEW, e))?
            .map_err(|e| {
                CommandError::new(
                    NEW,
                    "InvalidArgument",
                    "RequestFailed",
                    e.message().to_string(),
                )
            })?;
        let state_dir = host.services.state_dir.clone();
        let chain = block_on(
            NEW,
            acme::order::obtain(&state_dir, &spec, &created.request),
        )?;
        let options = AssignOptions {
            force: args.switch("Force"),
            what_if: false,
        };
        let assigned = runtime
            .slots(&plugin, &host.services)
            .and_then(|api| api.assign_pem(slot, chain.as_bytes(), &created.private_key, None, options))
            .map_err(|e| component_failed(NEW, e))?
            .map_err(|e| {
                CommandError::new(
                    NEW,
                    "InvalidData",
                    "SlotRefusedCertificate",
                    format!(
                        "the ACME server issued the certificate, but the {slot} slot refused it: {} (nothing was changed)",
                        e.message
                    ),
                )
            })?
            .ok_or_else(|| {
                CommandError::new(NEW, "InvalidOperation", "NotAssigned", "the slot change was only planned")
            })?;
        for message in host.services.take_messages() {
            match message {
                Message::Warning(text) => session.warning(&text),
                Message::Verbose(text) => session.verbose(&text),
                Message::WhatIf(text) => session.what_if(&text),
            }
        }
        let info = runtime
            .certificates(&plugin, &host.services)
            .and_then(|api| api.inspect(&assigned.certificate))
            .map_err(|e| component_failed(NEW, e))?
            .map_err(|e| {
                CommandError::new(
                    NEW,
                    "InvalidData",
                    "UnreadableCertificate",
                    e.message().to_string(),
                )
            })?;
        let registration = renewal::registration(
            renewal::Issued {
                slot,
                spec: &spec,
                key_algorithm: &key_name,
                thumbprint: assigned.thumbprint.clone(),
                not_before: info.not_before,
                not_after: info.not_after,
            },
            crate::clock::now(),
        );
        with_database(session, |db| db.put_acme_registration(&registration))
            .map_err(|e| failed(AcmeError::Store(e)))?;
        let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        Ok(vec![Value::object(
            "AcmeCertificate",
            vec![
                ("Slot".into(), Value::String(slot.into())),
                ("Subject".into(), Value::String(info.subject.clone())),
                ("Thumbprint".into(), Value::String(assigned.thumbprint)),
                ("Identifiers".into(), identifiers_value(&registration)),
                ("NotAfter".into(), Value::DateTime(info.not_after)),
                (
                    "RenewAfter".into(),
                    Value::DateTime(renewal::renew_at(info.not_before, info.not_after)),
                ),
                ("Server".into(), Value::String(spec.directory.clone())),
                (
                    "Challenge".into(),
                    Value::String(spec.challenge.name().into()),
                ),
                ("Milliseconds".into(), Value::Int(ms)),
            ],
        )])
    })
}

fn identifiers_value(r: &AcmeRegistration) -> Value {
    Value::Array(
        r.identifiers
            .iter()
            .map(|i| Value::String(i.split_once(':').map_or(i.as_str(), |(_, v)| v).to_string()))
            .collect(),
    )
}

fn registration_object(r: &AcmeRegistration, now: i64) -> Value {
    let optional_time = |t: Option<i64>| t.map_or(Value::Null, Value::DateTime);
    Value::object(
        "AcmeRenewal",
        vec![
            ("Slot".into(), Value::String(r.slot.clone())),
            ("Identifiers".into(), identifiers_value(r)),
            (
                "Status".into(),
                Value::String(renewal::status(r, now).as_str().into()),
            ),
            ("Thumbprint".into(), Value::String(r.thumbprint.clone())),
            ("NotAfter".into(), Value::DateTime(r.not_after)),
            (
                "RenewAfter".into(),
                Value::DateTime(renewal::renew_at(r.not_before, r.not_after)),
            ),
            ("LastAttempt".into(), optional_time(r.last_attempt)),
            (
                "LastError".into(),
                r.last_error.clone().map_or(Value::Null, Value::String),
            ),
            ("Failures".into(), Value::Int(r.failures)),
            ("NextAttempt".into(), optional_time(r.next_attempt)),
            ("Server".into(), Value::String(r.directory.clone())),
            ("Challenge".into(), Value::String(r.challenge.clone())),
        ],
    )
}

fn registrations(session: &Session, command: &str) -> Result<Vec<AcmeRegistration>, CommandError> {
    with_database(session, |db| db.list_acme_registrations())
        .map_err(|e| CommandError::new(command, "ReadError", "StorageFailed", e.to_string()))
}

pub fn get_acme_renewal() -> Builtin {
    Builtin::new(
        command_info(
            "Get-AcmeRenewal",
            &[],
            "Shows the slots whose certificate an ACME server issued, and how their renewal goes.",
            "certhost serve renews each at two thirds of its lifetime, retrying with backoff after a failure. Status: Valid (not due), RenewalDue, Failing (the last attempt failed: LastError says why, NextAttempt when it tries again) or Expired.",
            vec![],
            "AcmeRenewal",
        )
        .examples(vec![example(
            "The renewals and their state",
            "Get-AcmeRenewal | Format-Table Slot, Status, NotAfter, RenewAfter, LastError",
            "Empty until New-AcmeCertificate has issued a certificate.",
        )]),
        false,
        |session, _, _| {
            let now = crate::clock::now();
            Ok(registrations(session, "Get-AcmeRenewal")?
                .iter()
                .map(|r| registration_object(r, now))
                .collect())
        },
    )
}

pub fn test_acme_renewal() -> Builtin {
    Builtin::new(
        command_info(
            "Test-AcmeRenewal",
            &[],
            "Says whether every ACME certificate is renewing as it should, for monitoring.",
            "True when no renewal is failing and no ACME certificate has expired. Otherwise it stops with an error naming each failing or expired slot and its last error, so  certhost -c Test-AcmeRenewal  exits non-zero.",
            vec![],
            "Boolean",
        )
        .examples(vec![example(
            "A monitoring check",
            "Test-AcmeRenewal",
            "True when every renewal is healthy (also when there is none).",
        )]),
        false,
        |session, _, _| {
            let now = crate::clock::now();
            let unhealthy: Vec<String> = registrations(session, "Test-AcmeRenewal")?
                .iter()
                .filter(|r| !renewal::status(r, now).is_healthy())
                .map(|r| {
                    format!(
                        "the ACME certificate of {} is {} (expires {}, {} failed attempts): {}",
                        r.slot,
                        renewal::status(r, now).as_str(),
                        crate::clock::datetime_invariant(r.not_after),
                        r.failures,
                        r.last_error.as_deref().unwrap_or("no error recorded")
                    )
                })
                .collect();
            if unhealthy.is_empty() {
                return Ok(vec![Value::Bool(true)]);
            }
            Err(CommandError::new(
                "Test-AcmeRenewal",
                "InvalidResult",
                "AcmeRenewalFailing",
                unhealthy.join("; "),
            )
            .into())
        },
    )
}

pub fn get_acme_account() -> Builtin {
    Builtin::new(
        command_info(
            "Get-AcmeAccount",
            &[],
            "Lists the ACME accounts certhost keeps, one per ACME server.",
            "New-AcmeCertificate registers an account the first time it uses an ACME server and keeps it (its key sealed like a certificate key) for later orders and renewals. Server is the directory URL, AccountUrl the account's address at that server. The key is never shown.",
            vec![],
            "AcmeAccount",
        )
        .examples(vec![example(
            "The kept accounts",
            "Get-AcmeAccount | Format-Table Server, AccountUrl",
            "Empty until New-AcmeCertificate has registered an account.",
        )]),
        false,
        |session, _, _| {
            let command = "Get-AcmeAccount";
            let state_dir = crate::builtins::host(session).services.state_dir.clone();
            let accounts =
                acme::account::kept_accounts(&state_dir).map_err(|e| failed_in(command, e))?;
            Ok(accounts
                .into_iter()
                .map(|(server, url)| {
                    Value::object(
                        "AcmeAccount",
                        vec![
                            ("Server".into(), Value::String(server)),
                            ("AccountUrl".into(), Value::String(url)),
                        ],
                    )
                })
                .collect())
        },
    )
}

pub fn remove_acme_account() -> Builtin {
    const REMOVE: &str = "Remove-AcmeAccount";
    let mut info = command_info(
        REMOVE,
        &[],
        "Deactivates the ACME account kept for a server, and forgets it.",
        "Asks the ACME server to deactivate the account (RFC 8555 section 7.3.6), then removes it from the store. When the server already refuses the account (deactivated, revoked, or unknown to it), it is only removed from the store. When the server cannot be reached, nothing is removed. The next New-AcmeCertificate, or the next renewal certhost serve makes, registers a new account. -WhatIf shows what would go; -Confirm asks first.",
        vec![
            param("Server", T::Text, "The ACME directory URL.").mandatory().position(0),
            param("RootCertificatePath", T::Text, "PEM roots for the ACME server's HTTPS."),
        ],
        "None",
    )
    .examples(vec![console_example(
        "After the ACME server revoked the account",
        "Remove-AcmeAccount -Server https://acme-v02.api.letsencrypt.org/directory",
        "certhost registers a new account on the next order or renewal.",
    )]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let directory = directory_url(args).map_err(|e| failed_in(REMOVE, e))?;
        let root_pem = root_pem(session, args).map_err(|e| failed_in(REMOVE, e))?;
        let state_dir = crate::builtins::host(session).services.state_dir.clone();
        let forgotten = block_on(
            REMOVE,
            acme::account::forget(&state_dir, &directory, root_pem.as_deref()),
        )?;
        match forgotten {
            acme::account::Forgotten::Deactivated => session.verbose(&format!(
                "the ACME server deactivated the account; it is no longer kept for {directory}"
            )),
            acme::account::Forgotten::AlreadyRefused(detail) => session.verbose(&format!(
                "the ACME server already refused the account ({detail}); it is no longer kept for {directory}"
            )),
        }
        Ok(Vec::new())
    })
    .checking_what_if(|session, args, _| {
        let directory = directory_url(args).map_err(|e| failed_in(REMOVE, e))?;
        let state_dir = crate::builtins::host(session).services.state_dir.clone();
        if !acme::account::is_kept(&state_dir, &directory).map_err(|e| failed_in(REMOVE, e))? {
            return Err(failed_in(REMOVE, AcmeError::NoAccount(directory)).into());
        }
        Ok(())
    })
}
