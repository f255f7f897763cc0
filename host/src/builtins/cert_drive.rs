//! The `Cert:` drive: `Get-ChildItem` and `Get-Item` on `Cert:\<Location>\<Store>[\<Thumbprint>]`.
//!
//! certhost keeps one set of stores per state directory, so `LocalMachine` and
//! `CurrentUser` show the same stores (objects carry the location the path named). The
//! stores are Windows' default ones and those made with `New-Item`; a path to any other
//! store does not exist.

use crate::certificate::CertificateObject;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CmdletInfo, Command, CommandError, CommandResult, ParameterType, command_info,
    example, param,
};
use crate::engine::session::Interrupt;
use crate::engine::{Session, Value};
use crate::store::{Database, StoreError, StoredCertificate, canonical_store_name};
use crate::thumbprint::{Accepted, normalize, visible};
use std::rc::Rc;

/// A parsed `Cert:` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertPath {
    Root,
    Location(String),
    Store {
        location: String,
        store: String,
    },
    Item {
        location: String,
        store: String,
        /// Normalized (`crate::thumbprint`): upper-case hex digits only.
        thumbprint: String,
        /// The warning to show when spaces or invisible characters were removed from it.
        warning: Option<String>,
    },
}

/// The item path `Cert:\<location>\<store>\<thumbprint>`, its thumbprint normalized.
fn item_path(
    path: &str,
    location: String,
    store: String,
    thumbprint: &str,
) -> Result<CertPath, String> {
    let normalized = normalize(thumbprint, Accepted::Sha1).map_err(|e| {
        format!(
            "Cannot find path '{}' because it does not exist. {e}",
            visible(path)
        )
    })?;
    Ok(CertPath::Item {
        location,
        store,
        warning: normalized.warning(),
        thumbprint: normalized.value,
    })
}

/// Parses a `Cert:` path (any case, `\` or `/`); `None` when it is not one.
pub fn parse_cert_path(path: &str) -> Option<Result<CertPath, String>> {
    let normalized = path.trim().replace('/', "\\");
    let prefix = normalized.get(..5)?;
    if !prefix.eq_ignore_ascii_case("cert:") {
        return None;
    }
    let parts: Vec<&str> = normalized[5..]
        .split('\\')
        .filter(|p| !p.is_empty())
        .collect();
    let location = match parts.first() {
        None => return Some(Ok(CertPath::Root)),
        Some(l) if l.eq_ignore_ascii_case("LocalMachine") => "LocalMachine".to_string(),
        Some(l) if l.eq_ignore_ascii_case("CurrentUser") => "CurrentUser".to_string(),
        Some(l) => {
            return Some(Err(format!(
                "Cannot find path '{path}' because it does not exist: '{l}' is not a store location (use LocalMachine or CurrentUser)."
            )));
        }
    };
    Some(match parts.as_slice() {
        [_] => Ok(CertPath::Location(location)),
        [_, store] => canonical_store_name(store)
            .map(|store| CertPath::Store { location, store })
            .map_err(|e| e.to_string()),
        [_, store, thumbprint] => canonical_store_name(store)
            .map_err(|e| e.to_string())
            .and_then(|store| item_path(path, location, store, thumbprint)),
        _ => Err(format!(
            "Cannot find path '{path}' because it does not exist."
        )),
    })
}

/// `path` made absolute against the current `Cert:` location (`..`, `.` and `\`
/// understood); a `Cert:` path or any path outside the drive is returned as it is.
pub fn absolute_path(session: &Session, path: &str) -> String {
    let Some(base) = &session.cert_location else {
        return path.to_string();
    };
    if parse_cert_path(path).is_some() {
        return path.to_string();
    }
    let normalized = path.replace('/', "\\");
    let mut parts: Vec<String> = if normalized.starts_with('\\') {
        Vec::new()
    } else {
        base[5..]
            .split('\\')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    for part in normalized.split('\\').filter(|p| !p.is_empty()) {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other.to_string()),
        }
    }
    format!("Cert:\\{}", parts.join("\\"))
}

/// Get-ChildItem's `Cert:` filters (its dynamic parameters on Windows).
struct Filters {
    dns_name: Option<String>,
    eku: Vec<String>,
    server_auth: bool,
    expiring_before: Option<i64>,
}

const SERVER_AUTH_OID: &str = "1.3.6.1.5.5.7.3.1";

impl Filters {
    fn from_args(args: &BoundArguments) -> Self {
        Filters {
            dns_name: args.text("DnsName"),
            eku: args
                .get("EKU")
                .cloned()
                .map(Value::into_items)
                .unwrap_or_default()
                .iter()
                .map(Value::to_text)
                .collect(),
            server_auth: args.switch("SSLServerAuthentication"),
            expiring_before: args.get("ExpiringInDays").map(|v| {
                let days = match v {
                    Value::Int(d) => *d,
                    other => other.to_text().parse().unwrap_or(0),
                };
                crate::engine::methods::now() + days * 86_400
            }),
        }
    }

    fn keeps(&self, value: &Value) -> bool {
        let Value::Certificate(c) = value else {
            return true;
        };
        let info = &c.info;
        let has_eku = |wanted: &str| {
            info.extended_key_usages.iter().any(|e| {
                e.oid == wanted
                    || crate::engine::operators::wildcard_match(wanted, &e.friendly_name, false)
            })
        };
        self.dns_name.as_ref().is_none_or(|pattern| {
            info.dns_names
                .iter()
                .any(|n| crate::engine::operators::wildcard_match(pattern, n, false))
        }) && self.eku.iter().all(|e| has_eku(e))
            && (!self.server_auth || has_eku(SERVER_AUTH_OID))
            && self
                .expiring_before
                .is_none_or(|limit| info.not_after <= limit)
    }
}

fn path_info(name: &str, aliases: &[&str], synopsis: &str, mandatory: bool) -> CmdletInfo {
    let mut path = param(
        "Path",
        ParameterType::Text,
        "A Cert: path: Cert:\\LocalMachine\\My or Cert:\\LocalMachine\\My\\<thumbprint>.",
    );
    path.aliases = vec!["PSPath".into(), "LiteralPath".into()];
    path.sets[0].position = Some(0);
    path.sets[0].mandatory = mandatory;
    path.sets[0].from_pipeline = true;
    path.sets[0].from_pipeline_by_property_name = true;
    command_info(
        name,
        aliases,
        synopsis,
        synopsis,
        vec![path],
        "X509Certificate2",
    )
}

/// Runs `f` with the certificate component's typed functions; a component that fails
/// (rather than answering with an error of its own) is an error of `command`.
pub(super) fn with_certificate_api<R>(
    session: &Session,
    command: &str,
    f: impl FnOnce(&crate::plugin::CertificateApi) -> Result<R, crate::plugin::PluginError>,
) -> Result<R, CommandError> {
    let failed = |e: crate::plugin::PluginError| {
        CommandError::new(
            command,
            "OperationStopped",
            "ComponentFailed",
            e.to_string(),
        )
    };
    let host = crate::builtins::host(session);
    let plugin = host.certificate_plugin().map_err(failed)?;
    let api = host
        .runtime()
        .and_then(|runtime| runtime.certificates(&plugin, &host.services))
        .map_err(failed)?;
    f(&api).map_err(failed)
}

/// The certificate objects for stored certificates, inspected by one instance of the
/// component. An expiry date the store did not know yet is recorded for its index.
pub(super) fn certificate_objects(
    session: &Session,
    command: &str,
    location: &str,
    stored: Vec<StoredCertificate>,
) -> Result<Vec<Value>, CommandError> {
    if stored.is_empty() {
        return Ok(Vec::new()); // nothing to inspect: the component is not needed
    }
    let infos = with_certificate_api(session, command, |api| {
        stored
            .iter()
            .map(|c| api.inspect(&c.certificate))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let mut learned = Vec::new();
    let mut objects = Vec::with_capacity(stored.len());
    for (stored, info) in stored.into_iter().zip(infos) {
        let info = info.map_err(|e| {
            CommandError::new(
                command,
                "InvalidData",
                "CorruptStoredCertificate",
                format!(
                    "stored certificate {} cannot be read: {}",
                    stored.thumbprint,
                    e.message()
                ),
            )
        })?;
        if stored.not_after.is_none() {
            learned.push((
                stored.store.clone(),
                stored.thumbprint.clone(),
                info.not_after,
            ));
        }
        objects.push(Value::Certificate(Rc::new(CertificateObject {
            info: info.into(),
            der: stored.certificate,
            store: Some(stored.store),
            location: Some(location.to_string()),
            has_private_key: stored.has_private_key,
            friendly_name: stored.friendly_name,
            key_material: None,
        })));
    }
    if !learned.is_empty() {
        let host = crate::builtins::host(session);
        let mut db = host
            .services
            .database
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // The index is an optimisation: a failure to record leaves it to the next listing.
        let _ = db.record_expiry(&learned);
    }
    Ok(objects)
}

pub(super) fn storage_error(command: &str, e: impl std::fmt::Display) -> CommandError {
    CommandError::new(command, "ReadError", "StoreReadFailed", e.to_string())
}

/// What a `Cert:` path names: the certificate of an item path (after a warning when its
/// thumbprint was cleaned up), or what a location or store holds.
pub(super) fn resolve(
    session: &mut Session,
    command: &str,
    path: &str,
    list_children: bool,
) -> Result<Vec<Value>, CommandError> {
    resolve_expiring(session, command, path, list_children, None)
}

/// [`resolve`], listing of a store's certificates only those that expire by
/// `expiring_before` (Unix seconds) when it is given: the store's expiry index answers,
/// so a large store costs what its expiring certificates cost.
fn resolve_expiring(
    session: &mut Session,
    command: &str,
    path: &str,
    list_children: bool,
    expiring_before: Option<i64>,
) -> Result<Vec<Value>, CommandError> {
    let not_found =
        |message: String| CommandError::new(command, "ObjectNotFound", "PathNotFound", message);
    let parsed = match parse_cert_path(path) {
        Some(p) => p.map_err(not_found)?,
        None => {
            return Err(CommandError::new(
                command,
                "NotImplemented",
                "ProviderNotSupported",
                format!(
                    "'{path}' is not a Cert: path; certhost's {command} supports the Cert: drive (for example Cert:\\LocalMachine\\My)."
                ),
            ));
        }
    };
    if let CertPath::Item {
        warning: Some(warning),
        ..
    } = &parsed
    {
        session.warning(warning);
    }
    let session: &Session = session;
    let host = crate::builtins::host(session);
    let db = host
        .services
        .database
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    match parsed {
        CertPath::Root if list_children => Ok(vec![
            Value::String("CurrentUser".into()),
            Value::String("LocalMachine".into()),
        ]),
        CertPath::Root => Ok(vec![Value::String("Cert:\\".into())]),
        CertPath::Location(_) if list_children => {
            let mut names = db.store_names().map_err(|e| storage_error(command, e))?;
            names.sort_by_key(|n| n.to_ascii_lowercase());
            Ok(names.into_iter().map(Value::String).collect())
        }
        CertPath::Location(l) => Ok(vec![Value::String(l)]),
        CertPath::Store { location, store } if list_children => {
            let store = known_store(&db, command, &store)?;
            let list = match expiring_before {
                Some(limit) => db.certificates_expiring_without_keys(&store, limit),
                None => db.list_certificates_without_keys(&store),
            }
            .map_err(|e| storage_error(command, e))?;
            drop(db);
            certificate_objects(session, command, &location, list)
        }
        CertPath::Store { store, .. } => {
            Ok(vec![Value::String(known_store(&db, command, &store)?)])
        }
        CertPath::Item {
            location,
            store,
            thumbprint,
            ..
        } => {
            let store = known_store(&db, command, &store)?;
            let found = db
                .get_certificate_without_key(&store, &thumbprint)
                .map_err(|e| storage_error(command, e))?;
            drop(db);
            match found {
                Some(c) => certificate_objects(session, command, &location, vec![c]),
                None => Err(not_found(format!(
                    "Cannot find path '{}' because it does not exist.",
                    visible(path)
                ))),
            }
        }
    }
}

/// The spelling of an existing store; an unknown one is an error that lists the stores.
fn known_store(db: &Database, command: &str, store: &str) -> Result<String, CommandError> {
    db.existing_store(store).map_err(|e| match e {
        e @ StoreError::UnknownStore { .. } => {
            CommandError::new(command, "ObjectNotFound", "PathNotFound", e.to_string())
        }
        other => storage_error(command, other),
    })
}

/// `parent\\name` for a location or store under `parent`.
fn child_path(parent: &str, name: &str) -> String {
    format!("{}\\{name}", parent.trim_end_matches(['\\', '/']))
}

/// Everything under `path` (a location or a store), depth first, for -Recurse.
fn walk(
    session: &mut Session,
    command: &str,
    path: &str,
    expiring_before: Option<i64>,
    out: &mut Vec<Value>,
) -> Result<(), CommandError> {
    for item in resolve_expiring(session, command, path, true, expiring_before)? {
        let below = match &item {
            Value::String(name) => Some(child_path(path, name)),
            _ => None,
        };
        out.push(item);
        if let Some(below) = below {
            walk(session, command, &below, expiring_before, out)?;
        }
    }
    Ok(())
}

/// `Get-ChildItem` (lists what a path holds) and `Get-Item` (the item at a path).
pub struct CertDriveCommand {
    info: CmdletInfo,
    list_children: bool,
}

impl CertDriveCommand {
    /// `Get-ChildItem` (`gci`, `dir`, `ls`).
    pub fn get_child_item() -> Self {
        let mut info = path_info(
            "Get-ChildItem",
            &["gci", "dir", "ls"],
            "Gets the items in a location: the certificates of a Cert: store.",
            false,
        )
        .examples(vec![example(
            "The certificates of the personal store",
            "Get-ChildItem Cert:\\LocalMachine\\My",
            "Lists each certificate's thumbprint and subject under its store path.",
        )]);
        info.parameters.extend([
            param(
                "DnsName",
                ParameterType::Text,
                "Certificates with a matching DNS name (wildcards allowed).",
            ),
            param(
                "EKU",
                ParameterType::TextList,
                "Certificates with all these extended key usages (names, wildcards, or OIDs).",
            ),
            param(
                "SSLServerAuthentication",
                ParameterType::Switch,
                "Certificates usable for TLS server authentication.",
            ),
            param(
                "ExpiringInDays",
                ParameterType::Integer,
                "Certificates that expire within this many days, expired ones included (0: expired).",
            ),
            param(
                "Recurse",
                ParameterType::Switch,
                "Also what the locations and stores below hold: every certificate under the path.",
            ),
        ]);
        CertDriveCommand {
            info,
            list_children: true,
        }
    }

    /// `Get-Item` (`gi`).
    pub fn get_item() -> Self {
        CertDriveCommand {
            info: path_info(
                "Get-Item",
                &["gi"],
                "Gets the item at a location: one certificate by its Cert: path.",
                true,
            )
            .examples(vec![example("One certificate by its path", "$c = New-SelfSignedCertificate -DnsName www.contoso.com\nGet-Item \"Cert:\\LocalMachine\\My\\$($c.Thumbprint)\"", "A certificate path is the store path and the thumbprint.")]),
            list_children: false,
        }
    }
}

/// A file or directory as `Get-Item` shows it (`System.IO.FileInfo`'s common properties).
fn file_item(path: &str) -> Result<Value, Interrupt> {
    let full = std::env::current_dir().unwrap_or_default().join(path);
    let meta = std::fs::metadata(&full).map_err(|_| {
        CommandError::new(
            "Get-Item",
            "ObjectNotFound",
            "PathNotFound",
            format!(
                "Cannot find path '{}' because it does not exist.",
                full.display()
            ),
        )
    })?;
    let text = |p: Option<&std::ffi::OsStr>| {
        Value::String(
            p.map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        )
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| Value::DateTime(d.as_secs() as i64))
        .unwrap_or(Value::Null);
    let kind = if meta.is_dir() {
        "DirectoryInfo"
    } else {
        "FileInfo"
    };
    Ok(Value::object(
        kind,
        vec![
            ("Name".into(), text(full.file_name())),
            ("FullName".into(), Value::String(full.display().to_string())),
            ("Length".into(), Value::Int(meta.len() as i64)),
            (
                "Extension".into(),
                Value::String(
                    full.extension()
                        .map(|e| format!(".{}", e.to_string_lossy()))
                        .unwrap_or_default(),
                ),
            ),
            (
                "DirectoryName".into(),
                text(full.parent().map(|p| p.as_os_str())),
            ),
            ("LastWriteTime".into(), modified),
        ],
    ))
}

impl Command for CertDriveCommand {
    fn info(&self) -> &CmdletInfo {
        &self.info
    }
    fn invoke(
        &self,
        session: &mut Session,
        args: &BoundArguments,
        _input: Option<&Value>,
    ) -> CommandResult {
        // Get-Item on a file: its FileInfo (for -Form uploads and scripts).
        if !self.list_children
            && let Some(p) = args.text("Path")
            && parse_cert_path(&absolute_path(session, &p)).is_none()
            && session.cert_location.is_none()
        {
            return file_item(&p).map(|v| vec![v]);
        }
        let path = match args.text("Path") {
            Some(p) => absolute_path(session, &p),
            None => session
                .cert_location
                .clone()
                .unwrap_or_else(|| "Cert:\\".into()),
        };
        let filters = Filters::from_args(args);
        let mut items = resolve_expiring(
            session,
            &self.info.name,
            &path,
            self.list_children,
            filters.expiring_before,
        )?;
        if !self.list_children {
            return Ok(items);
        }
        // -Recurse: each location or store listed is followed by what it holds.
        if args.switch("Recurse") {
            let mut all = Vec::new();
            for item in items {
                let below = match &item {
                    Value::String(name) => Some(child_path(&path, name)),
                    _ => None,
                };
                all.push(item);
                if let Some(below) = below {
                    walk(
                        session,
                        &self.info.name,
                        &below,
                        filters.expiring_before,
                        &mut all,
                    )?;
                }
            }
            items = all;
        }
        Ok(items.into_iter().filter(|v| filters.keeps(v)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cert_paths() {
        assert_eq!(
            parse_cert_path("cert:/localmachine/my"),
            Some(Ok(CertPath::Store {
                location: "LocalMachine".into(),
                store: "My".into()
            }))
        );
        assert_eq!(
            parse_cert_path(
                "Cert:\\CurrentUser\\webhosting\\5f98ebbfe735cddae00e33e0fd69050ef9220254"
            ),
            Some(Ok(CertPath::Item {
                location: "CurrentUser".into(),
                store: "WebHosting".into(),
                thumbprint: "5F98EBBFE735CDDAE00E33E0FD69050EF9220254".into(),
                warning: None,
            }))
        );
        assert_eq!(parse_cert_path("Cert:\\"), Some(Ok(CertPath::Root)));
        assert!(parse_cert_path("C:\\temp").is_none());
        assert!(matches!(
            parse_cert_path("Cert:\\Nowhere\\My"),
            Some(Err(_))
        ));
    }

    #[test]
    fn a_pasted_thumbprint_in_a_path_is_cleaned_up_with_a_warning() {
        let pasted = "Cert:\\LocalMachine\\My\\\u{200E}5f 98 eb bf e7 35 cd da e0 0e 33 e0 fd 69 05 0e f9 22 02 54";
        let Some(Ok(CertPath::Item {
            thumbprint,
            warning,
            ..
        })) = parse_cert_path(pasted)
        else {
            panic!("not an item path: {pasted}");
        };
        assert_eq!(thumbprint, "5F98EBBFE735CDDAE00E33E0FD69050EF9220254");
        assert_eq!(
            warning.as_deref(),
            Some(
                "the thumbprint contained 1 invisible formatting character and 19 spaces, which were removed (as pasted from the Windows certificate dialog): 5F98EBBFE735CDDAE00E33E0FD69050EF9220254"
            )
        );
    }

    #[test]
    fn a_path_whose_thumbprint_is_not_one_says_why_visibly() {
        let Some(Err(message)) = parse_cert_path("Cert:\\LocalMachine\\My\\\u{200E}1111") else {
            panic!("accepted a four-digit thumbprint");
        };
        assert_eq!(
            message,
            "Cannot find path 'Cert:\\LocalMachine\\My\\<U+200E>1111' because it does not exist. '<U+200E>1111' is not a thumbprint: it has 4 hexadecimal digits. A thumbprint is 40 hexadecimal digits (0-9, A-F), such as 5F98EBBFE735CDDAE00E33E0FD69050EF9220254; spaces and invisible characters in it are ignored."
        );
    }
}
