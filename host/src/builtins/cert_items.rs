//! `New-Item`, `Remove-Item`, `Set-Location` and `Get-Location` on the `Cert:` drive.

use super::cert_drive::{CertPath, absolute_path, parse_cert_path, resolve, storage_error};
use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterType as T, command_info, example,
    param,
};
use crate::engine::{Session, Value};
use crate::store::StoreError;

fn path_parameter(help: &str) -> crate::engine::command::ParameterInfo {
    let mut path = param("Path", T::Text, help).position(0);
    path.aliases = vec!["PSPath".into(), "LiteralPath".into()];
    path.sets[0].from_pipeline_by_property_name = true;
    path
}

/// `New-Item Cert:\LocalMachine\<Name>` (or `-Path Cert:\LocalMachine -Name <Name>`): an
/// empty certificate store, which `-CertStoreLocation` can then name.
pub fn new_item() -> Builtin {
    let info = command_info(
        "New-Item",
        &["ni"],
        "Creates a certificate store in the Cert: drive.",
        "Makes an empty store, Cert:\\LocalMachine\\<Name> (CurrentUser shows the same stores); certificates can then go there with -CertStoreLocation. Windows' default stores (My, Root, CA, WebHosting, ...) always exist; a store that exists already is refused. Store names are case-insensitive.",
        vec![
            path_parameter(
                "The store to make, Cert:\\LocalMachine\\<Name>; or its location, with -Name.",
            )
            .mandatory(),
            param("Name", T::Text, "The store's name, when -Path is its location."),
        ],
        "String",
    )
    .changes_state()
    .examples(vec![example(
        "A store of its own for some certificates",
        "New-Item Cert:\\LocalMachine\\Backups | Out-Null\nNew-SelfSignedCertificate -DnsName backup01.tech.local -CertStoreLocation Cert:\\LocalMachine\\Backups",
        "Without the store, -CertStoreLocation Cert:\\LocalMachine\\Backups is refused, listing the stores there are.",
    )]);
    Builtin::new(info, false, |session, args, _| {
        let path = store_path(session, args);
        match parse_cert_path(&path) {
            Some(Ok(CertPath::Store { location, store })) => {
                create_store(session, &location, &store)
            }
            Some(Ok(_)) => Err(CommandError::new(
                "New-Item",
                "InvalidOperation",
                "NotAStorePath",
                format!(
                    "'{path}' is not a store path; New-Item makes a certificate store: New-Item Cert:\\LocalMachine\\<Name>"
                ),
            )
            .into()),
            Some(Err(message)) => {
                Err(CommandError::new("New-Item", "InvalidArgument", "InvalidPath", message).into())
            }
            None => Err(CommandError::new(
                "New-Item",
                "NotImplemented",
                "ProviderNotSupported",
                format!(
                    "'{path}' is not a Cert: path; certhost's New-Item makes certificate stores (New-Item Cert:\\LocalMachine\\<Name>)"
                ),
            )
            .into()),
        }
    })
}

/// The path New-Item names: -Path, made absolute, with -Name below it when given.
fn store_path(session: &Session, args: &BoundArguments) -> String {
    let path = absolute_path(session, &args.text("Path").unwrap_or_default());
    match args.text("Name") {
        Some(name) => format!("{}\\{name}", path.trim_end_matches(['\\', '/'])),
        None => path,
    }
}

/// Makes the store; one that exists already is an error.
fn create_store(session: &Session, location: &str, store: &str) -> CommandResult {
    let created = super::with_database(session, |db| db.create_store(store))
        .map_err(|e| storage_error("New-Item", e))?;
    if !created {
        return Err(CommandError::new(
            "New-Item",
            "ResourceExists",
            "StoreExists",
            format!("certificate store '{store}' exists already in Cert:\\{location}"),
        )
        .into());
    }
    Ok(vec![Value::String(store.to_string())])
}

/// `Remove-Item Cert:\LocalMachine\My\<thumbprint> [-DeleteKey]`, or certificates piped.
pub fn remove_item() -> Builtin {
    let mut info = command_info(
        "Remove-Item",
        &["ri", "rm", "del"],
        "Deletes a certificate (and its private key) from a Cert: store, or files.",
        "Removes the certificate at a Cert: path, or each certificate piped in, with its private key and chain; a file path (wildcards allowed) removes those files, a folder only with -Recurse. A certificate that a binding or a certificate slot uses is refused, with what uses it: re-point those first (Add-BackupServerCertificate, Set-SslBinding), so nothing is left serving a deleted certificate.",
        vec![
            path_parameter("Cert:\\LocalMachine\\<Store>\\<Thumbprint>."),
            param(
                "DeleteKey",
                T::Switch,
                "Accepted for compatibility: the private key is always deleted with its certificate.",
            ),
            param("Force", T::Switch, "With a file path: hidden files (.name) match wildcards too."),
            param("Recurse", T::Switch, "With a folder: remove it and everything in it."),
        ],
        "None",
    )
.examples(vec![example("Delete a certificate with its key", "New-SelfSignedCertificate -DnsName old.contoso.com | Remove-Item -DeleteKey", "A certificate that a binding or slot still uses is refused, naming the uses.")]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, input| {
        remove(session, args, input, false)
    })
    .checking_what_if(|session, args, input| remove(session, args, input, true).map(|_| ()))
}

/// Removes what `Remove-Item` names; with `dry_run`, makes only the checks that come
/// first (the certificate or store exists and may be removed), for `-WhatIf`.
fn remove(
    session: &mut Session,
    args: &BoundArguments,
    input: Option<&Value>,
    dry_run: bool,
) -> CommandResult {
    let path = match (input, args.text("Path")) {
        (Some(Value::Certificate(c)), _) => match (&c.location, &c.store) {
            (Some(l), Some(s)) => format!("Cert:\\{l}\\{s}\\{}", c.info.thumbprint),
            _ => {
                return Err(CommandError::new(
                    "Remove-Item",
                    "InvalidArgument",
                    "CertificateNotInStore",
                    format!("certificate {} is not in a store", c.info.thumbprint),
                )
                .into());
            }
        },
        (_, Some(p)) => absolute_path(session, &p),
        (Some(other), None) => absolute_path(session, &other.to_text()),
        (None, None) => {
            return Err(CommandError::new(
                "Remove-Item",
                "InvalidArgument",
                "PathRequired",
                "give the Cert: path of the certificate to remove",
            )
            .into());
        }
    };
    let not_found = |message: String| {
        CommandError::new("Remove-Item", "ObjectNotFound", "PathNotFound", message)
    };
    let (store, thumbprint) = match parse_cert_path(&path) {
        Some(Ok(CertPath::Item {
            store,
            thumbprint,
            warning,
            ..
        })) => {
            if let Some(warning) = warning {
                session.warning(&warning);
            }
            (store, thumbprint)
        }
        Some(Ok(CertPath::Store { store, .. })) => {
            let outcome = super::with_database(session, |db| {
                if dry_run {
                    db.check_store_removable(&store).map(|_| ())
                } else {
                    db.remove_store(&store)
                }
            });
            return match outcome {
                Ok(()) => Ok(Vec::new()),
                Err(e @ StoreError::UnknownStore { .. }) => Err(not_found(e.to_string()).into()),
                Err(e @ (StoreError::SystemStore(_) | StoreError::StoreNotEmpty { .. })) => {
                    Err(CommandError::new(
                        "Remove-Item",
                        "InvalidOperation",
                        "CannotRemoveStore",
                        e.to_string(),
                    )
                    .into())
                }
                Err(e) => Err(storage_error("Remove-Item", e).into()),
            };
        }
        Some(Ok(_)) => {
            return Err(CommandError::new(
                    "Remove-Item",
                    "InvalidOperation",
                    "NotACertificate",
                    format!("'{path}' is a location, not a certificate or store; certhost removes certificates and the stores made with New-Item"),
                )
                .into());
        }
        Some(Err(message)) => return Err(not_found(message).into()),
        // A file or folder of the file system.
        None if dry_run => return Ok(Vec::new()),
        None => {
            super::paths::remove_files(
                session,
                &path,
                args.switch("Recurse"),
                args.switch("Force"),
            )?;
            return Ok(Vec::new());
        }
    };
    let outcome = super::with_database(session, |db| {
        if dry_run {
            db.check_certificate_removable(&store, &thumbprint)
        } else {
            db.remove_certificate(&store, &thumbprint)
        }
    });
    match outcome {
        Ok(true) => Ok(Vec::new()),
        Ok(false) => Err(not_found(format!(
            "Cannot find path '{}' because it does not exist.",
            crate::thumbprint::visible(&path)
        ))
        .into()),
        Err(e @ StoreError::InUse { .. }) => Err(CommandError::new(
            "Remove-Item",
            "ResourceBusy",
            "CertificateInUse",
            e.to_string(),
        )
        .into()),
        Err(e) => Err(storage_error("Remove-Item", e).into()),
    }
}

/// `Set-Location` (`cd`, `sl`) into the `Cert:` drive.
pub fn set_location() -> Builtin {
    Builtin::new(
        command_info(
            "Set-Location",
            &["cd", "sl", "chdir"],
            "Sets the current location in the Cert: drive.",
            "Moves into Cert:\\, a location (Cert:\\LocalMachine) or a store (Cert:\\LocalMachine\\My); relative paths and .. work. Get-ChildItem, Get-Item and Remove-Item then take paths relative to it. Filesystem paths keep resolving against the directory certhost started in.",
            vec![path_parameter("The Cert: location to move to.")],
            "None",
        )
.examples(vec![example("Work inside a store", "Set-Location Cert:\\LocalMachine\\My\nGet-ChildItem", "Relative paths and Get-ChildItem then refer to that store.")]),
        false,
        |session, args, _| {
            let path = absolute_path(
                session,
                &args.text("Path").unwrap_or_else(|| "Cert:\\".into()),
            );
            match parse_cert_path(&path) {
                Some(Ok(CertPath::Item { .. })) => Err(CommandError::new(
                    "Set-Location",
                    "InvalidArgument",
                    "NotAContainer",
                    format!("'{path}' is a certificate, not a location"),
                )
                .into()),
                Some(Ok(_)) => {
                    // Validates the location (an unknown one is an error).
                    resolve(session, "Set-Location", &path, false)?;
                    let normalized = path.trim().replace('/', "\\");
                    let trimmed = normalized.trim_end_matches('\\');
                    session.cert_location = Some(if trimmed.len() <= 5 {
                        "Cert:\\".into()
                    } else {
                        format!("Cert:{}", &trimmed[5..])
                    });
                    Ok(Vec::new())
                }
                Some(Err(message)) => Err(CommandError::new(
                    "Set-Location",
                    "ObjectNotFound",
                    "PathNotFound",
                    message,
                )
                .into()),
                None => {
                    session.cert_location = None;
                    let cwd = crate::builtins::host(session).cwd().to_path_buf();
                    let target = cwd.join(&path);
                    if target.canonicalize().ok() == cwd.canonicalize().ok() {
                        Ok(Vec::new())
                    } else {
                        Err(CommandError::new(
                            "Set-Location",
                            "NotImplemented",
                            "FileSystemLocationUnsupported",
                            format!("certhost does not change its filesystem directory ('{path}'); relative file paths resolve against {}", cwd.display()),
                        )
                        .into())
                    }
                }
            }
        },
    )
}

/// `Get-Location` (`pwd`, `gl`).
pub fn get_location() -> Builtin {
    Builtin::new(
        command_info(
            "Get-Location",
            &["pwd", "gl"],
            "Gets the current location.",
            "The Cert: location after Set-Location into the drive, else the working directory.",
            Vec::new(),
            "String",
        )
        .examples(vec![example(
            "Where you are",
            "Get-Location",
            "The working directory, or the Cert: path after Set-Location moved there.",
        )]),
        false,
        |session, _, _| -> CommandResult {
            Ok(vec![Value::String(match &session.cert_location {
                Some(l) => l.clone(),
                None => crate::builtins::host(session)
                    .services
                    .cwd
                    .display()
                    .to_string(),
            })])
        },
    )
}
