//! `Get-`/`Set-ServerIdentity` (the names and addresses certificates are made and
//! checked for) and `Get-`/`Add-`/`Remove-TrustedPeer` (the trust list).

use super::utility::Builtin;
use super::with_database;
use crate::engine::Value;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, example, param,
};
use crate::identity::{IdentityChange, server_identity, set_server_identity};
use crate::store::{BACKUP_SERVER_SLOT, TrustedPeer};

fn storage(command: &str, e: impl std::fmt::Display) -> CommandError {
    CommandError::new(command, "WriteError", "StorageFailed", e.to_string())
}

fn texts(v: &[String]) -> Value {
    Value::Array(v.iter().cloned().map(Value::String).collect())
}

pub fn get_server_identity() -> Builtin {
    Builtin::new(
        command_info(
            "Get-ServerIdentity",
            &[],
            "Gets the names and addresses this server's certificates are made and checked for.",
            "Fqdn, ShortName and IPAddress: each detected from the machine (host name, /etc/hosts, interfaces without loopback) unless set with Set-ServerIdentity; Explicit lists the ones that were set.",
            Vec::new(),
            "ServerIdentity",
        )
.examples(vec![example("The names certificates are made for", "Get-ServerIdentity", "The FQDN, short name and addresses: detected, or set with Set-ServerIdentity.")]),
        false,
        |session, _, _| {
            let id = with_database(session, |db| server_identity(db))
                .map_err(|e| storage("Get-ServerIdentity", e))?;
            Ok(vec![Value::object(
                "ServerIdentity",
                vec![
                    ("Fqdn".into(), Value::String(id.fqdn)),
                    ("ShortName".into(), Value::String(id.short_name)),
                    ("IPAddress".into(), texts(&id.ip_addresses)),
                    (
                        "Explicit".into(),
                        Value::Array(
                            id.explicit
                                .iter()
                                .map(|s| Value::String(s.to_string()))
                                .collect(),
                        ),
                    ),
                ],
            )])
        },
    )
}

pub fn set_server_identity_command() -> Builtin {
    let mut info = command_info(
        "Set-ServerIdentity",
        &[],
        "Sets the names and addresses of this server (for new certificates and their checks).",
        "Sets any of -Fqdn, -ShortName (default: the FQDN's first label) and -IPAddress; -Reset goes back to detection. Values are checked first: nothing is stored when one is bad.",
        vec![
            param(
                "Fqdn",
                T::Text,
                "Fully qualified domain name (backup01.tech.local).",
            ),
            param("ShortName", T::Text, "Short (NetBIOS-style) name."),
            param("IPAddress", T::TextList, "The server's addresses."),
            param(
                "Reset",
                T::Switch,
                "Forget the values set and detect them again.",
            ),
        ],
        "None",
    )
.examples(vec![example("Set the server's names", "Set-ServerIdentity -Fqdn backup01.tech.local -ShortName backup01 -IPAddress 192.0.2.10", "-Reset detects them again.")]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let change = IdentityChange {
            fqdn: args.text("Fqdn"),
            short_name: args.text("ShortName"),
            ip_addresses: args
                .get("IPAddress")
                .cloned()
                .map(|v| v.into_items().iter().map(Value::to_text).collect()),
            reset: args.switch("Reset"),
        };
        with_database(session, |db| set_server_identity(db, change)).map_err(|e| {
            CommandError::new(
                "Set-ServerIdentity",
                "InvalidArgument",
                "InvalidIdentity",
                e.to_string(),
            )
        })?;
        Ok(Vec::new())
    })
}

fn peer_object(p: &TrustedPeer) -> Value {
    Value::object(
        "TrustedPeer",
        vec![
            ("Name".into(), Value::String(p.name.clone())),
            ("Address".into(), Value::String(p.address.clone())),
            ("Thumbprint".into(), Value::String(p.thumbprint.clone())),
            (
                "PinnedThumbprint".into(),
                Value::String(p.pinned_thumbprint.clone()),
            ),
            ("AddedAt".into(), Value::DateTime(p.added_at)),
        ],
    )
}

fn name_parameter(mandatory: bool) -> crate::engine::command::ParameterInfo {
    let mut p = param("Name", T::Text, "The peer's name.").position(0);
    p.sets[0].from_pipeline_by_property_name = true;
    if mandatory { p.mandatory() } else { p }
}

pub fn get_trusted_peer() -> Builtin {
    Builtin::new(
        command_info(
            "Get-TrustedPeer",
            &[],
            "Gets the trust list: remote appliances this server trusts.",
            "Each peer has Name, Address, Thumbprint (its certificate), PinnedThumbprint (this server's certificate it trusts) and AddedAt. Wildcards in -Name.",
            vec![name_parameter(false)],
            "TrustedPeer",
        )
.examples(vec![example("The trust list", "Get-TrustedPeer", "Each peer with the thumbprint it pinned.")]),
        false,
        |session, args, _| {
            let peers = with_database(session, |db| db.list_peers())
                .map_err(|e| storage("Get-TrustedPeer", e))?;
            let pattern = args.text("Name").unwrap_or_else(|| "*".into());
            Ok(peers
                .iter()
                .filter(|p| crate::engine::operators::wildcard_match(&pattern, &p.name, false))
                .map(peer_object)
                .collect())
        },
    )
}

pub fn add_trusted_peer() -> Builtin {
    let mut info = command_info(
        "Add-TrustedPeer",
        &[],
        "Trusts a remote appliance's certificate (or updates a peer of the same name).",
        "Records the peer's certificate and which certificate of this server it trusts (-PinnedThumbprint, default the backup server certificate in use). When the backup server certificate is rotated, Add-BackupServerCertificate warns about every peer that pinned the old one.",
        vec![
            name_parameter(true),
            param("Address", T::Text, "host:port of the peer.").mandatory(),
            {
                let mut c = param("Certificate", T::Certificate, "The peer's certificate.")
                    .mandatory()
                    .takes_pipeline_input();
                c.aliases = vec!["Cert".into()];
                c
            },
            param(
                "PinnedThumbprint",
                T::Text,
                "Thumbprint of this server's certificate the peer trusts (default: the one in use).",
            ),
        ],
        "TrustedPeer",
    )
.examples(vec![example("Trust a peer's certificate", "Get-BackupServerCertificate | Out-Null\n$peer = New-SelfSignedCertificate -DnsName backup02.tech.local\nAdd-TrustedPeer -Name backup02 -Address backup02.tech.local:9419 -Certificate $peer", "Rotations warn about peers that pinned the old certificate.")]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, input| {
        let command = "Add-TrustedPeer";
        let cert = match (args.get("Certificate"), input) {
            (Some(Value::Certificate(c)), _) | (None, Some(Value::Certificate(c))) => c.clone(),
            _ => {
                return Err(CommandError::new(
                    command,
                    "InvalidArgument",
                    "CertificateRequired",
                    "give the peer's certificate with -Certificate",
                )
                .into());
            }
        };
        let name = args.text("Name").unwrap_or_default();
        let address = args.text("Address").unwrap_or_default();
        let pinned = match args.text("PinnedThumbprint") {
            Some(t) => super::thumbprint_argument(session, &t).map_err(|e| {
                CommandError::new(command, "InvalidArgument", "InvalidThumbprint", e.to_string())
            })?,
            None => with_database(session, |db| db.get_slot(BACKUP_SERVER_SLOT))
                .map_err(|e| storage(command, e))?
                .map(|s| s.thumbprint)
                .ok_or_else(|| CommandError::new(command, "InvalidOperation", "NoServerCertificate", "this server has no backup server certificate yet; run Get-BackupServerCertificate first, or give -PinnedThumbprint"))?,
        };
        if name.trim().is_empty() {
            return Err(CommandError::new(
                command,
                "InvalidArgument",
                "InvalidName",
                "give the peer a -Name",
            )
            .into());
        }
        let peers = with_database(session, |db| {
            db.put_peer(name.trim(), address.trim(), &cert.der, &pinned)?;
            db.list_peers()
        })
        .map_err(|e| storage(command, e))?;
        Ok(peers
            .iter()
            .filter(|p| p.name.eq_ignore_ascii_case(name.trim()))
            .map(peer_object)
            .collect())
    })
}

pub fn remove_trusted_peer() -> Builtin {
    let mut info = command_info(
        "Remove-TrustedPeer",
        &[],
        "Removes a peer from the trust list.",
        "Stops trusting the peer of -Name (or each peer piped in).",
        vec![name_parameter(true)],
        "None",
    )
.examples(vec![example("Stop trusting a peer", "Get-BackupServerCertificate | Out-Null\n$peer = New-SelfSignedCertificate -DnsName backup02.tech.local\nAdd-TrustedPeer -Name backup02 -Address backup02.tech.local:9419 -Certificate $peer | Out-Null\nRemove-TrustedPeer -Name backup02", "The peer's certificate stays in the store.")]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let name = args.text("Name").unwrap_or_default();
        let removed = with_database(session, |db| db.remove_peer(&name))
            .map_err(|e| storage("Remove-TrustedPeer", e))?;
        if removed {
            Ok(Vec::new())
        } else {
            Err(CommandError::new(
                "Remove-TrustedPeer",
                "ObjectNotFound",
                "PeerNotFound",
                format!("no trusted peer is named '{name}'; Get-TrustedPeer lists them"),
            )
            .into())
        }
    })
}
