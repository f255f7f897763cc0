//! `Get-CertificateStoreRootKey` and `Update-CertificateStoreRootKey`: the root keys that
//! seal the stored private keys (docs/secrets.md), listed and rotated. Never the keys
//! themselves.

use super::utility::Builtin;
use super::with_database;
use crate::engine::Value;
use crate::engine::command::{CmdletExt, CommandError, command_info, example};
use crate::store::RootKeyInfo;

fn object(info: RootKeyInfo) -> Value {
    Value::object(
        "CertificateStoreRootKey",
        vec![
            ("Version".into(), Value::Int(i64::from(info.version))),
            ("Provider".into(), Value::String(info.provider)),
            ("Created".into(), Value::DateTime(info.created_at)),
        ],
    )
}

pub fn get_root_key() -> Builtin {
    Builtin::new(
        command_info(
            "Get-CertificateStoreRootKey",
            &[],
            "Lists the root keys that seal the stored private keys.",
            "Version, Provider (systemd-creds, file or passphrase) and Created of each root key version the database records, oldest first; none before the first private key is stored. The keys themselves are never shown. See docs/secrets.md.",
            Vec::new(),
            "CertificateStoreRootKey",
        )
        .examples(vec![example(
            "Where the root key is kept",
            "New-SelfSignedCertificate -DnsName backup01.tech.local | Out-Null\nGet-CertificateStoreRootKey",
            "Version 1, made when the first private key was stored; its provider says whether systemd-creds or a key file keeps it.",
        )]),
        false,
        |session, _, _| {
            let keys = with_database(session, |db| db.root_keys()).map_err(|e| {
                CommandError::new(
                    "Get-CertificateStoreRootKey",
                    "ReadError",
                    "StoreReadFailed",
                    e.to_string(),
                )
            })?;
            Ok(keys.into_iter().map(object).collect())
        },
    )
}

pub fn update_root_key() -> Builtin {
    let info = command_info(
        "Update-CertificateStoreRootKey",
        &[],
        "Re-seals every stored private key under a new root key.",
        "Makes a new root key version (with the provider CERTHOST_ROOT_KEY_PROVIDER names, else systemd-creds where it works, else a key file) and re-seals every private key under it in one transaction, then overwrites the old sealed keys in the database file and its WAL. A key that does not open stops it and nothing changes. The files of older versions (root-key-v<N>, root-key-v<N>.cred) stay, for backups of the database that still need them: delete them once none does. Writes the new version.",
        Vec::new(),
        "CertificateStoreRootKey",
    )
    .changes_state()
    .examples(vec![example(
        "Rotate the root key",
        "New-SelfSignedCertificate -DnsName backup01.tech.local | Out-Null\nUpdate-CertificateStoreRootKey | Format-List Version, Provider",
        "Version 2; version 1's file is no longer needed by the database.",
    )]);
    Builtin::new(info, false, |session, _, _| {
        let command = "Update-CertificateStoreRootKey";
        let failed = |e: crate::store::StoreError| {
            CommandError::new(command, "SecurityError", "RotationFailed", e.to_string())
        };
        let (version, _) = with_database(session, |db| db.rotate_root_key()).map_err(failed)?;
        let keys = with_database(session, |db| db.root_keys()).map_err(failed)?;
        Ok(keys
            .into_iter()
            .filter(|k| k.version == version)
            .map(object)
            .collect())
    })
}
