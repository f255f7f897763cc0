//! `Backup-CertificateStore` and `Restore-CertificateStore`: a whole store as one
//! password-protected PFX file, which another machine, Windows or openssl can read.
//!
//! The stored keys are sealed under this machine's root key (docs/secrets.md), so a
//! copy of the database is no backup of its keys on another machine; this file is. The
//! certificate component writes each entry (its certificate, its key where it has one,
//! its chain) as it does for Export-PfxCertificate; `pfx_bundle` joins them into one
//! file. A restore reads the file with the component (as Import-PfxCertificate does)
//! and stores every entry in one transaction, its key sealed under this machine's root
//! key.

use super::cert_drive::{CertPath, parse_cert_path, with_certificate_api};
use super::pfx_bundle;
use super::utility::Builtin;
use super::with_database;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterType as T, command_info, example,
    example_with_output, param,
};
use crate::engine::{Session, Value};
use crate::plugin::{CertError, CertificateEntry, PfxProfile};
use crate::store::{NewEntry, StoreError, StoredCertificate};
use std::collections::HashSet;
use zeroize::{Zeroize, Zeroizing};

const BACKUP: &str = "Backup-CertificateStore";
const RESTORE: &str = "Restore-CertificateStore";

/// Key-derivation iterations of a backup's encryption and MAC (Export-PfxCertificate's
/// default is 2048; a file that travels gets more).
const ITERATIONS: u32 = 10_000;

fn store_parameter() -> crate::engine::command::ParameterInfo {
    param(
        "StoreName",
        T::Text,
        "The store (default My): a name or a path such as Cert:\\LocalMachine\\WebHosting.",
    )
}

fn path_parameter(help: &str) -> crate::engine::command::ParameterInfo {
    param("Path", T::Text, help)
        .mandatory()
        .position(0)
        .aliases(&["FilePath"])
}

fn password_parameter(help: &str) -> crate::engine::command::ParameterInfo {
    param("Password", T::SecureText, help).mandatory()
}

/// The store `-StoreName` names (`My` when it is absent); `Cert:\LocalMachine\<Name>`
/// is accepted too.
fn store_argument(args: &BoundArguments) -> String {
    let given = args.text("StoreName").unwrap_or_default();
    match parse_cert_path(&given) {
        Some(Ok(CertPath::Store { store, .. })) => store,
        _ if given.trim().is_empty() => "My".to_string(),
        _ => given,
    }
}

/// `-Password`, which must not be empty.
fn password(command: &str, args: &BoundArguments) -> Result<Zeroizing<String>, CommandError> {
    let text = match args.get("Password") {
        Some(Value::SecureString(s)) => Zeroizing::new(s.reveal().to_string()),
        Some(other) => Zeroizing::new(other.to_text()),
        None => Zeroizing::new(String::new()),
    };
    if text.is_empty() {
        return Err(CommandError::new(
            command,
            "InvalidArgument",
            "EmptyPassword",
            "give a password: the file holds private keys (-Password (Read-Host -AsSecureString))",
        ));
    }
    Ok(text)
}

fn store_failed(command: &str, e: StoreError) -> CommandError {
    let id = match &e {
        StoreError::UnknownStore { .. } | StoreError::InvalidStoreName(_) => {
            return CommandError::new(command, "ObjectNotFound", "StoreNotFound", e.to_string());
        }
        StoreError::KeyUnreadable { .. } => "PrivateKeyUnreadable",
        StoreError::KeyNotSealed { .. } => "PrivateKeyNotStored",
        _ => "StorageFailed",
    };
    let category = if id == "StorageFailed" {
        "WriteError"
    } else {
        "SecurityError"
    };
    CommandError::new(command, category, id, e.to_string())
}

/// The entries of a backup: each certificate with its key and friendly name; the chain
/// of a certificate with a key, each chain certificate once. (A reader makes every
/// certificate that is no key's certificate or issuer an entry of its own, so the chain
/// of a certificate without a key is left out: restored, it would become entries.)
fn backup_entries(stored: Vec<StoredCertificate>) -> Vec<CertificateEntry> {
    let mut written: HashSet<Vec<u8>> = HashSet::new();
    let mut entries = Vec::with_capacity(stored.len());
    for c in stored {
        let mut chain = Vec::new();
        if c.private_key.is_some() {
            for der in c.chain {
                if written.insert(der.clone()) {
                    chain.push(der);
                }
            }
        }
        entries.push(CertificateEntry {
            certificate: c.certificate,
            private_key: c.private_key,
            friendly_name: c.friendly_name,
            chain,
        });
    }
    entries
}

fn forget_keys(entries: &mut [CertificateEntry]) {
    for entry in entries {
        if let Some(key) = entry.private_key.as_mut() {
            key.zeroize();
        }
    }
}

fn backup_run(session: &mut Session, args: &BoundArguments, _: Option<&Value>) -> CommandResult {
    let path = args.text("Path").unwrap_or_default();
    let password = password(BACKUP, args)?;
    let requested = store_argument(args);
    let (store, stored) = with_database(session, |db| {
        let store = db.existing_store(&requested)?;
        let stored = db.list_certificates(&store)?;
        Ok::<_, StoreError>((store, stored))
    })
    .map_err(|e| store_failed(BACKUP, e))?;
    if stored.is_empty() {
        return Err(CommandError::new(
            BACKUP,
            "ObjectNotFound",
            "StoreEmpty",
            format!("the store '{store}' holds no certificates: there is nothing to back up"),
        )
        .into());
    }
    let count = stored.len();
    let with_keys = stored.iter().filter(|c| c.private_key.is_some()).count();
    let mut entries = backup_entries(stored);
    let written = with_certificate_api(session, BACKUP, |api| {
        entries
            .iter()
            .map(|e| api.export_pfx(e, &password, PfxProfile::Aes256Sha256, true, ITERATIONS))
            .collect::<Result<Vec<_>, _>>()
    });
    let thumbprints: Vec<String> = entries
        .iter()
        .map(|e| crate::store::thumbprint(&e.certificate))
        .collect();
    forget_keys(&mut entries);
    let mut parts = Vec::with_capacity(count);
    for (part, thumbprint) in written?.into_iter().zip(&thumbprints) {
        parts.push(part.map_err(|e| {
            CommandError::new(
                BACKUP,
                "InvalidData",
                "ExportFailed",
                format!(
                    "certificate {thumbprint} cannot be written: {}",
                    e.message()
                ),
            )
        })?);
    }
    let pfx = pfx_bundle::join(&parts, &password, ITERATIONS)
        .map_err(|e| CommandError::new(BACKUP, "InvalidResult", "BackupFailed", e.to_string()))?;
    let target = session.resolve_path(&path);
    crate::paths::write_atomically(&target, &pfx, true).map_err(|e| {
        CommandError::new(
            BACKUP,
            "WriteError",
            "FileNotWritten",
            format!("Cannot write '{path}': {}.", crate::paths::io_reason(&e)),
        )
    })?;
    Ok(vec![Value::object(
        "CertificateStoreBackup",
        vec![
            ("Path".into(), Value::String(target.display().to_string())),
            ("StoreName".into(), Value::String(store)),
            ("Certificates".into(), Value::Int(count as i64)),
            ("PrivateKeys".into(), Value::Int(with_keys as i64)),
        ],
    )])
}

fn restore_run(session: &mut Session, args: &BoundArguments, _: Option<&Value>) -> CommandResult {
    let path = args.text("Path").unwrap_or_default();
    let password = password(RESTORE, args)?;
    let requested = store_argument(args);
    let store = with_database(session, |db| db.existing_store(&requested))
        .map_err(|e| store_failed(RESTORE, e))?;
    let data = std::fs::read(session.resolve_path(&path)).map_err(|e| {
        CommandError::new(
            RESTORE,
            "ObjectNotFound",
            "FileNotFound",
            format!(
                "Cannot read the backup '{path}': {}.",
                crate::paths::io_reason(&e)
            ),
        )
    })?;
    let read = with_certificate_api(session, RESTORE, |api| api.import_pfx(&data, &password))?;
    let entries = read.map_err(|e| match e {
        CertError::WrongPassword(m) => CommandError::new(
            RESTORE,
            "SecurityError",
            "WrongPassword",
            format!("wrong password: {m} ('{path}'); nothing was restored"),
        ),
        other => CommandError::new(
            RESTORE,
            "InvalidData",
            "BackupUnreadable",
            format!(
                "Cannot read the backup '{path}': {}; nothing was restored",
                other.message()
            ),
        ),
    })?;
    let mut entries: Vec<NewEntry> = entries.into_iter().map(NewEntry::from).collect();
    let added = with_database(session, |db| db.add_certificates(&store, &entries));
    for entry in &mut entries {
        if let Some(key) = entry.private_key.as_mut() {
            key.zeroize();
        }
    }
    let mut thumbprints = added.map_err(|e| store_failed(RESTORE, e))?;
    let mut seen = HashSet::new();
    thumbprints.retain(|t| seen.insert(t.clone()));
    let restored = with_database(session, |db| {
        thumbprints
            .iter()
            .filter_map(|t| db.get_certificate_without_key(&store, t).transpose())
            .collect::<Result<Vec<_>, _>>()
    })
    .map_err(|e| store_failed(RESTORE, e))?;
    Ok(super::cert_drive::certificate_objects(
        session,
        RESTORE,
        "LocalMachine",
        restored,
    )?)
}

pub fn backup_certificate_store() -> Builtin {
    let info = command_info(
        BACKUP,
        &[],
        "Writes every certificate of a store, with its private key, to one password-protected PFX file.",
        "Backs up the store (-StoreName, default My) as one PFX (PKCS#12) file: each certificate with its FriendlyName, its private key where it has one and, for a certificate with a key, the chain it was imported with; AES-256-CBC with PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC (as OpenSSL 3 writes), 10000 iterations. Restore-CertificateStore, Import-PfxCertificate, Windows and openssl read it. The stored keys are sealed under this machine's root key, so a copy of the database is no backup of its keys on another machine: this file is. It is written readable by its owner only; keep it and its password apart.",
        vec![
            store_parameter(),
            path_parameter("The PFX file to write (replaced when it exists)."),
            password_parameter("The password that protects the file."),
        ],
        "CertificateStoreBackup",
    )
    .changes_state()
    .examples(vec![example(
        "Back up the My store",
        "New-SelfSignedCertificate -DnsName backup01.tech.local -CertStoreLocation Cert:\\LocalMachine\\My | Out-Null\n$pw = ConvertTo-SecureString 'Backup-2026!' -AsPlainText -Force\nBackup-CertificateStore -StoreName My -Path ./my-store.pfx -Password $pw",
        "Reports the file, the store and how many certificates and private keys it holds; openssl pkcs12 -in my-store.pfx -nokeys lists the certificates.",
    )]);
    Builtin::new(info, false, backup_run)
}

pub fn restore_certificate_store() -> Builtin {
    let info = command_info(
        RESTORE,
        &[],
        "Imports every certificate of a PFX file (a Backup-CertificateStore backup) into a store.",
        "Reads the file with -Password and adds each certificate to the store (-StoreName, default My; it must exist: New-Item Cert:\\LocalMachine\\<Name> makes one), with its private key sealed under this machine's root key, its FriendlyName and its chain; a certificate already there gets the key, name and chain of the file. All are stored in one transaction: a wrong password, a corrupt file or a store error restores nothing. Writes the restored certificates.",
        vec![
            store_parameter(),
            path_parameter("The PFX file to read."),
            password_parameter("The file's password."),
        ],
        "X509Certificate2",
    )
    .changes_state()
    .examples(vec![example_with_output(
        "Restore a backup into another store",
        "New-SelfSignedCertificate -DnsName backup01.tech.local | Out-Null\n$pw = ConvertTo-SecureString 'Backup-2026!' -AsPlainText -Force\nBackup-CertificateStore -Path ./my-store.pfx -Password $pw | Out-Null\nNew-Item Cert:\\LocalMachine\\Restored | Out-Null\nRestore-CertificateStore -Path ./my-store.pfx -Password $pw -StoreName Restored | Format-List Subject, HasPrivateKey",
        "The certificate and its key, now also in the Restored store.",
        "\nSubject       : CN=backup01.tech.local\nHasPrivateKey : True\n\n",
    )]);
    Builtin::new(info, false, restore_run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(n: u8, key: bool, chain: &[u8]) -> StoredCertificate {
        StoredCertificate {
            store: "My".into(),
            thumbprint: String::new(),
            certificate: vec![n],
            private_key: key.then(|| vec![0x30, n]),
            has_private_key: key,
            friendly_name: format!("name {n}"),
            chain: chain.iter().map(|c| vec![*c]).collect(),
            not_after: None,
        }
    }

    #[test]
    fn chains_go_with_keys_and_each_chain_certificate_once() {
        let entries = backup_entries(vec![
            stored(1, true, &[10, 11]),
            stored(2, true, &[10, 12]),
            stored(3, false, &[13]),
            // A certificate of the store that also issued another: written as an entry.
            stored(10, false, &[]),
        ]);
        type Shape = (Vec<u8>, bool, Vec<Vec<u8>>, String);
        let shape: Vec<Shape> = entries
            .iter()
            .map(|e| {
                (
                    e.certificate.clone(),
                    e.private_key.is_some(),
                    e.chain.clone(),
                    e.friendly_name.clone(),
                )
            })
            .collect();
        let expected: Vec<Shape> = vec![
            (vec![1], true, vec![vec![10], vec![11]], "name 1".into()),
            (vec![2], true, vec![vec![12]], "name 2".into()),
            (vec![3], false, vec![], "name 3".into()),
            (vec![10], false, vec![], "name 10".into()),
        ];
        assert_eq!(shape, expected);
        let mut entries = entries;
        forget_keys(&mut entries);
        assert_eq!(entries[0].private_key.as_deref(), Some(&[][..]));
    }
}
