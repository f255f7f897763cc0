//! Appliance trust (seed 004, docs/appliance-trust.md): `Get-`, `Add-`, `Remove-` and
//! `Test-TrustedPeer`, `Export-ApplianceCertificate` (the download) and
//! `Invoke-CertificateExchange` (address and admin password).

use super::utility::Builtin;
use super::with_database;
use crate::appliance::{self, ApplianceError, exchange};
use crate::engine::Value;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, console_example, example,
    param,
};
use crate::store::TrustedPeer;

fn failed(command: &str, e: ApplianceError) -> CommandError {
    let (category, id) = match &e {
        ApplianceError::NoCertificate | ApplianceError::NoPrivateKey(_) => {
            ("InvalidOperation", "NoServerCertificate")
        }
        ApplianceError::Store(_) => ("WriteError", "StorageFailed"),
        ApplianceError::Call(crate::appliance::client::CallError::Address { .. })
        | ApplianceError::InvalidName(_)
        | ApplianceError::Pin(_) => ("InvalidArgument", "InvalidArgument"),
        ApplianceError::OwnCertificate(_) | ApplianceError::NotServerAuth { .. } => {
            ("InvalidArgument", "UnsuitableCertificate")
        }
        ApplianceError::UnknownPeer(_) => ("ObjectNotFound", "PeerNotFound"),
        ApplianceError::KeyAlreadyTrusted(_) => ("ResourceExists", "PeerKeyTrusted"),
        ApplianceError::PinMismatch { .. } => ("SecurityError", "PinMismatch"),
        ApplianceError::Exchange(_) | ApplianceError::Refused { .. } => {
            ("SecurityError", "ExchangeFailed")
        }
        ApplianceError::Call(_) => ("ConnectionError", "PeerUnreachable"),
        ApplianceError::Announce(_) => ("SecurityError", "AnnouncementRejected"),
    };
    CommandError::new(command, category, id, e.to_string())
}

fn peer_object(p: &TrustedPeer) -> Value {
    let facts = appliance::certificate_facts(&p.certificate).ok();
    let not_after = facts.as_ref().map_or(0, |f| f.not_after);
    let optional_time = |t: Option<i64>| t.map_or(Value::Null, Value::DateTime);
    let optional_text = |t: &Option<String>| t.clone().map_or(Value::Null, Value::String);
    Value::object(
        "TrustedPeer",
        vec![
            ("Name".into(), Value::String(p.name.clone())),
            ("Address".into(), Value::String(p.address.clone())),
            (
                "Subject".into(),
                facts
                    .as_ref()
                    .map_or(Value::Null, |f| Value::String(f.subject.clone())),
            ),
            ("Thumbprint".into(), Value::String(p.thumbprint.clone())),
            ("PublicKeyHash".into(), Value::String(p.pin.clone())),
            ("NotAfter".into(), Value::DateTime(not_after)),
            (
                "Status".into(),
                Value::String(
                    appliance::peer_status(p, not_after, crate::clock::now())
                        .as_str()
                        .into(),
                ),
            ),
            ("LastSeen".into(), optional_time(p.last_seen)),
            ("NextPublicKeyHash".into(), optional_text(&p.next_pin)),
            ("LastError".into(), optional_text(&p.last_error)),
            ("AddedAt".into(), Value::DateTime(p.added_at)),
        ],
    )
}

/// The peers whose name matches `-Name` (all without it). A plain name that matches no
/// peer is an error, as for the other Get- cmdlets; a wildcard that matches none is not.
fn matching_peers(
    command: &str,
    peers: Vec<TrustedPeer>,
    args: &crate::engine::binder::BoundArguments,
) -> Result<Vec<TrustedPeer>, CommandError> {
    let pattern = args.text("Name").unwrap_or_else(|| "*".into());
    let matching: Vec<TrustedPeer> = peers
        .into_iter()
        .filter(|p| crate::engine::operators::wildcard_match(&pattern, &p.name, false))
        .collect();
    if matching.is_empty() && !crate::engine::operators::has_wildcard(&pattern) {
        return Err(failed(command, ApplianceError::UnknownPeer(pattern)));
    }
    Ok(matching)
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
            "Gets the trust list: the appliances this server exchanged certificates with.",
            "Each peer has Name, Address, Subject, Thumbprint, PublicKeyHash (the SHA-256 of its public key: the pin both sides check), NotAfter, Status (Trusted, Expiring within 30 days, Expired, Unreachable at the last call, RotationPending: it announced a new key), LastSeen, NextPublicKeyHash, LastError and AddedAt. Wildcards in -Name.",
            vec![name_parameter(false)],
            "TrustedPeer",
        )
        .examples(vec![example(
            "The trust list",
            "Get-TrustedPeer | Format-Table Name, Address, Status, PublicKeyHash",
            "Each peer with the pin of its key and whether it was reachable.",
        )]),
        false,
        |session, args, _| {
            let peers = with_database(session, |db| db.list_peers())
                .map_err(|e| failed("Get-TrustedPeer", e.into()))?;
            Ok(matching_peers("Get-TrustedPeer", peers, args)?
                .iter()
                .map(peer_object)
                .collect())
        },
    )
}

/// A certificate file's bytes as DER: PEM (the first certificate) or DER as it is.
fn certificate_der(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let text = String::from_utf8_lossy(bytes);
    let Some(start) = text.find("-----BEGIN CERTIFICATE-----") else {
        return Ok(bytes.to_vec());
    };
    let body = &text[start + "-----BEGIN CERTIFICATE-----".len()..];
    let end = body
        .find("-----END CERTIFICATE-----")
        .ok_or("the PEM certificate has no END line")?;
    let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("the PEM certificate is not valid base64: {e}"))
}

pub fn add_trusted_peer() -> Builtin {
    let mut info = command_info(
        "Add-TrustedPeer",
        &[],
        "Trusts another appliance: its certificate file, a certificate object, or the pin read off its console.",
        "The manual path of seed 004: -Path peer.cer (PEM or DER, as Export-ApplianceCertificate writes it) or -Certificate, with -Address host:port. Or kubeadm-style: -Address with -PublicKeyHash sha256:... (read off the other appliance's Export-ApplianceCertificate); the certificate is fetched from the address and trusted only if its key has that pin. Refused, with the reason: this server's own certificate, a certificate not for server authentication, an address that is not host:port. -Name defaults to the certificate's common name (else the address's host); a peer of the same name is updated.",
        vec![
            name_parameter(false),
            param("Address", T::Text, "host:port of the peer (the port defaults to 9419).").mandatory(),
            param("Path", T::Text, "The peer's certificate file (PEM or DER)."),
            {
                let mut c = param("Certificate", T::Certificate, "The peer's certificate.")
                    .takes_pipeline_input();
                c.aliases = vec!["Cert".into()];
                c
            },
            param(
                "PublicKeyHash",
                T::Text,
                "The pin of the peer's key, sha256:<64 hex digits>: fetch its certificate from -Address and check it.",
            ),
        ],
        "TrustedPeer",
    )
    .examples(vec![example(
        "Trust a peer from its certificate file",
        "Get-BackupServerCertificate | Out-Null\nNew-SelfSignedCertificate -DnsName backup02.tech.local | Export-Certificate -FilePath backup02.cer | Out-Null\nAdd-TrustedPeer -Path backup02.cer -Address backup02.tech.local:9419 | Select-Object Name, Status",
        "The other appliance does the same with this one's certificate (Export-ApplianceCertificate).",
    )]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, input| {
        let command = "Add-TrustedPeer";
        let address = args.text("Address").unwrap_or_default();
        let bad =
            |id: &str, message: String| CommandError::new(command, "InvalidArgument", id, message);
        let certificate = match (args.text("Path"), args.get("Certificate"), input) {
            (Some(path), _, _) => {
                let resolved = session.resolve_path(&path);
                let bytes = std::fs::read(&resolved)
                    .map_err(|e| bad("FileNotRead", format!("cannot read '{path}': {e}")))?;
                Some(certificate_der(&bytes).map_err(|m| bad("InvalidCertificate", m))?)
            }
            (None, Some(Value::Certificate(c)), _) | (None, None, Some(Value::Certificate(c))) => {
                Some(c.der.clone())
            }
            _ => None,
        };
        let name = args.text("Name");
        let peer = match (certificate, args.text("PublicKeyHash")) {
            (Some(_), Some(_)) => {
                return Err(bad(
                    "AmbiguousSource",
                    "give the certificate (-Path or -Certificate) or -PublicKeyHash, not both".into(),
                )
                .into());
            }
            (Some(der), None) => {
                let name = match name {
                    Some(n) => n,
                    None => appliance::default_peer_name(&der, &address)
                        .map_err(|e| failed(command, e))?,
                };
                with_database(session, |db| appliance::add_peer(db, &name, &address, &der))
            }
            (None, Some(pin)) => with_database(session, |db| {
                appliance::add_peer_by_pin(db, name.as_deref(), &address, &pin)
            }),
            (None, None) => {
                return Err(bad(
                    "CertificateRequired",
                    "give the peer's certificate (-Path peer.cer or -Certificate), or the pin of its key (-PublicKeyHash sha256:...)".into(),
                )
                .into());
            }
        }
        .map_err(|e| failed(command, e))?;
        Ok(vec![peer_object(&peer)])
    })
}

fn remove(
    session: &mut crate::engine::Session,
    name: &str,
    dry_run: bool,
) -> Result<(), CommandError> {
    let command = "Remove-TrustedPeer";
    let exists = with_database(session, |db| db.get_peer(name))
        .map_err(|e| failed(command, e.into()))?
        .is_some();
    if !exists {
        return Err(failed(
            command,
            ApplianceError::UnknownPeer(name.to_string()),
        ));
    }
    if !dry_run {
        with_database(session, |db| db.remove_peer(name)).map_err(|e| failed(command, e.into()))?;
    }
    Ok(())
}

pub fn remove_trusted_peer() -> Builtin {
    let mut info = command_info(
        "Remove-TrustedPeer",
        &[],
        "Stops trusting a peer (disconnects it).",
        "Removes the peer of -Name (or each peer piped in) from the trust list: its mutual-TLS calls to this server are refused from the next request on, including on connections already open. -WhatIf shows what would go; -Confirm asks first.",
        vec![name_parameter(true)],
        "None",
    )
    .examples(vec![example(
        "Stop trusting a peer",
        "Get-BackupServerCertificate | Out-Null\nNew-SelfSignedCertificate -DnsName backup02.tech.local | Export-Certificate -FilePath backup02.cer | Out-Null\nAdd-TrustedPeer -Path backup02.cer -Address backup02.tech.local:9419 | Out-Null\nRemove-TrustedPeer -Name backup02.tech.local",
        "Add -WhatIf to see what would be removed.",
    )]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let name = args.text("Name").unwrap_or_default();
        remove(session, &name, false)?;
        Ok(Vec::new())
    })
    .checking_what_if(|session, args, _| {
        let name = args.text("Name").unwrap_or_default();
        remove(session, &name, true).map_err(Into::into)
    })
}

pub fn export_appliance_certificate() -> Builtin {
    let mut info = command_info(
        "Export-ApplianceCertificate",
        &[],
        "Downloads this appliance's certificate, to upload on another appliance.",
        "Writes the backup server certificate (the one this server presents to peers) as PEM to -FilePath and returns an object with FilePath, Thumbprint and PublicKeyHash: the pin an admin of the other appliance can check, or give to Add-TrustedPeer -PublicKeyHash. The REST API serves the same file at GET /api/v1/appliance/certificate.",
        vec![param("FilePath", T::Text, "Where to write the PEM file.").position(0)],
        "ApplianceCertificate",
    )
    .examples(vec![example(
        "Download this appliance's certificate",
        "Get-BackupServerCertificate | Out-Null\nExport-ApplianceCertificate -FilePath appliance.pem | Select-Object FilePath",
        "The other appliance uploads it with Add-TrustedPeer -Path appliance.pem -Address <this server>.",
    )]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let command = "Export-ApplianceCertificate";
        let me = with_database(session, |db| appliance::own_identity(db))
            .map_err(|e| failed(command, e))?;
        let mut properties = Vec::new();
        if let Some(path) = args.text("FilePath") {
            let resolved = session.resolve_path(&path);
            std::fs::write(
                &resolved,
                appliance::certificate_pem(&me.client.certificate),
            )
            .map_err(|e| {
                CommandError::new(
                    command,
                    "WriteError",
                    "FileNotWritten",
                    format!("cannot write '{path}': {e}"),
                )
            })?;
            properties.push((
                "FilePath".into(),
                Value::String(resolved.display().to_string()),
            ));
        }
        properties.extend([
            ("Name".into(), Value::String(me.name)),
            ("Address".into(), Value::String(me.address)),
            ("Thumbprint".into(), Value::String(me.thumbprint)),
            ("PublicKeyHash".into(), Value::String(me.pin)),
        ]);
        Ok(vec![Value::object("ApplianceCertificate", properties)])
    })
}

/// The user name and password of -UserName/-Password or -Credential.
fn credentials(
    args: &crate::engine::binder::BoundArguments,
) -> Option<(String, zeroize::Zeroizing<String>)> {
    let reveal = |v: &Value| match v {
        Value::SecureString(s) => s.reveal().to_string(),
        other => other.to_text(),
    };
    if let Some(credential) = args.get("Credential") {
        let user = credential.property("UserName").map(|v| v.to_text())?;
        let password = credential.property("Password").map(|v| reveal(&v))?;
        return Some((user, zeroize::Zeroizing::new(password)));
    }
    let user = args.text("UserName")?;
    let password = args.get("Password").map(reveal)?;
    Some((user, zeroize::Zeroizing::new(password)))
}

pub fn invoke_certificate_exchange() -> Builtin {
    let mut info = command_info(
        "Invoke-CertificateExchange",
        &[],
        "Exchanges certificates with another appliance, given its address and an admin password.",
        "Seed 004's exchange: afterwards each appliance trusts the other's current certificate (Get-TrustedPeer on both shows the other). The password is never sent: it is proven with OPAQUE (RFC 9807) bound to the TLS channel (RFC 9266), so a relay that terminates TLS makes the exchange fail and learns nothing. A wrong password changes nothing on either side and counts against the other side's sign-in throttling. The account must have been made (or its password set) with New-ApiAccount on the other appliance. -LocalAddress is the address the other side records for this server (default: this server's REST binding, with its FQDN for a wildcard address).",
        vec![
            param("Address", T::Text, "host:port of the other appliance (the port defaults to 9419).")
                .mandatory()
                .position(0),
            param("UserName", T::Text, "An API account of the other appliance."),
            param("Password", T::SecureText, "Its password (a SecureString)."),
            param("Credential", T::Any, "A PSCredential instead of -UserName and -Password."),
            param("LocalAddress", T::Text, "host:port the other appliance records for this one."),
        ],
        "TrustedPeer",
    )
    .examples(vec![console_example(
        "Exchange certificates with another appliance",
        "$password = Read-Host -AsSecureString 'Admin password of backup02'\nInvoke-CertificateExchange -Address backup02.tech.local:9419 -UserName admin -Password $password",
        "Needs certhost serve running on the other appliance.",
    )]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let command = "Invoke-CertificateExchange";
        let Some((user, password)) = credentials(args) else {
            return Err(CommandError::new(
                command,
                "InvalidArgument",
                "CredentialRequired",
                "give -UserName and -Password (a SecureString), or -Credential",
            )
            .into());
        };
        let address = args.text("Address").unwrap_or_default();
        let local_address = args.text("LocalAddress");
        if let Some(local) = &local_address {
            appliance::client::split_address(local).map_err(|e| failed(command, e.into()))?;
        }
        let peer = with_database(session, |db| {
            let me = appliance::own_identity(db)?;
            exchange::run(
                db,
                &me,
                &exchange::ExchangeRequest {
                    address: &address,
                    user_name: &user,
                    password: &password,
                    local_address: local_address.as_deref(),
                },
            )
        })
        .map_err(|e| failed(command, e))?;
        Ok(vec![peer_object(&peer)])
    })
}

pub fn test_trusted_peer() -> Builtin {
    Builtin::new(
        command_info(
            "Test-TrustedPeer",
            &[],
            "Calls a trusted peer over mutual TLS and says whether both sides trust each other.",
            "One call to each peer of -Name (wildcards; default all): this server presents its certificate, checks the peer's pin (following its signed key announcements if it changed its key while this server was away), and the peer checks this server's. Returns Name, Address, Reachable, KnownAs (the name the peer knows this server by), PublicKeyHash, Milliseconds and Error; Status and LastSeen in Get-TrustedPeer are updated. -Quiet returns only True when every peer answered.",
            vec![name_parameter(false), param("Quiet", T::Switch, "Return one Boolean.")],
            "TrustedPeerTest",
        )
        .examples(vec![example(
            "Check every peer",
            "Test-TrustedPeer | Format-Table Name, Reachable, Milliseconds, Error",
            "With -Quiet, monitoring gets one True or False.",
        )]),
        false,
        |session, args, _| {
            let peers = with_database(session, |db| db.list_peers())
                .map_err(|e| failed("Test-TrustedPeer", e.into()))?;
            let mut results = Vec::new();
            let mut all_reached = true;
            for peer in &matching_peers("Test-TrustedPeer", peers, args)? {
                let started = std::time::Instant::now();
                let outcome = with_database(session, |db| appliance::calls::hello(db, &peer.name));
                let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
                all_reached &= outcome.is_ok();
                let (reachable, known_as, pin, error) = match outcome {
                    Ok(c) => (true, Value::String(c.known_as), c.peer.pin, Value::Null),
                    Err(e) => (false, Value::Null, peer.pin.clone(), Value::String(e.to_string())),
                };
                results.push(Value::object(
                    "TrustedPeerTest",
                    vec![
                        ("Name".into(), Value::String(peer.name.clone())),
                        ("Address".into(), Value::String(peer.address.clone())),
                        ("Reachable".into(), Value::Bool(reachable)),
                        ("KnownAs".into(), known_as),
                        ("PublicKeyHash".into(), Value::String(pin)),
                        ("Milliseconds".into(), Value::Int(ms)),
                        ("Error".into(), error),
                    ],
                ));
            }
            if args.switch("Quiet") {
                return Ok(vec![Value::Bool(all_reached && !results.is_empty())]);
            }
            Ok(results)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::certificate_der;

    #[test]
    fn certificate_files_are_read_as_pem_or_der() {
        assert_eq!(
            certificate_der(&[0x30, 0x03, 1, 2, 3]).unwrap(),
            vec![0x30, 3, 1, 2, 3]
        );
        let pem = crate::appliance::certificate_pem(&[0x30, 0x03, 1, 2, 3]);
        assert_eq!(
            certificate_der(pem.as_bytes()).unwrap(),
            vec![0x30, 3, 1, 2, 3]
        );
        assert!(
            certificate_der(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----")
                .is_err()
        );
        assert!(certificate_der(b"-----BEGIN CERTIFICATE-----\nAAAA").is_err());
    }
}
