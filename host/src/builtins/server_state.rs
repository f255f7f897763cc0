//! `Get-`/`Set-ServerIdentity`: the names and addresses certificates are made and
//! checked for.

use super::utility::Builtin;
use super::with_database;
use crate::engine::Value;
use crate::engine::command::{
    CmdletExt, CommandError, ParameterType as T, command_info, example, param,
};
use crate::identity::{IdentityChange, server_identity, set_server_identity};

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
