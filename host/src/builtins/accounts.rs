//! `New-`, `Get-` and `Remove-ApiAccount`: the administrator accounts of the REST API
//! (`certhost serve`). Passwords are stored as Argon2id hashes only.

use super::utility::Builtin;
use super::with_database;
use crate::engine::Value;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, example, param,
};
use crate::serve::auth::hash_password;

fn failed(command: &str, e: impl std::fmt::Display) -> CommandError {
    CommandError::new(command, "WriteError", "StorageFailed", e.to_string())
}

fn user_parameter() -> crate::engine::command::ParameterInfo {
    let mut p = param("UserName", T::Text, "The account name.")
        .position(0)
        .mandatory();
    p.aliases = vec!["Name".into()];
    p.sets[0].from_pipeline_by_property_name = true;
    p
}

pub fn new_api_account() -> Builtin {
    let mut info = command_info(
        "New-ApiAccount",
        &[],
        "Creates a REST API administrator account (or, with -Force, sets a new password).",
        "The password (at least 8 characters; asked for without echo when not given) is stored as an Argon2id hash. Accounts sign in with POST /api/oauth2/token (or /api/v1/token), grant_type=password.",
        vec![
            user_parameter(),
            param("Password", T::SecureText, "The password.").mandatory(),
            param(
                "Force",
                T::Switch,
                "Replace the password of an existing account.",
            ),
        ],
        "ApiAccount",
    )
.examples(vec![example("An account for the REST API", "New-ApiAccount -UserName admin -Password 'Backup-Admin-2026'", "Only an Argon2id hash of the password is stored; without -Password it is asked for.")]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let command = "New-ApiAccount";
        let name = args.text("UserName").unwrap_or_default().trim().to_string();
        if name.is_empty() || name.chars().any(|c| c.is_control() || c == ':') {
            return Err(CommandError::new(
                command,
                "InvalidArgument",
                "InvalidUserName",
                "give a user name without control characters or ':'",
            )
            .into());
        }
        let password = match args.get("Password") {
            Some(Value::SecureString(s)) => s.reveal().to_string(),
            Some(other) => other.to_text(),
            None => String::new(),
        };
        let exists = with_database(session, |db| db.account_password_hash(&name))
            .map_err(|e| failed(command, e))?
            .is_some();
        if exists && !args.switch("Force") {
            return Err(CommandError::new(
                command,
                "ResourceExists",
                "AccountExists",
                format!("account '{name}' exists; add -Force to set a new password"),
            )
            .into());
        }
        let hash = hash_password(&password).map_err(|e| {
            CommandError::new(command, "InvalidArgument", "WeakPassword", e.to_string())
        })?;
        // The OPAQUE registration record lets the account's password be proven in an
        // appliance exchange without sending it (docs/appliance-trust.md).
        with_database(session, |db| {
            let setup = db.appliance_secret(
                crate::appliance::exchange::SERVER_SETUP_SECRET,
                crate::appliance::opaque::new_server_setup,
            )?;
            let record = crate::appliance::opaque::register(&setup, &name, &password).ok();
            db.put_account(&name, &hash, record.as_deref())
        })
        .map_err(|e| failed(command, e))?;
        Ok(vec![Value::object(
            "ApiAccount",
            vec![("UserName".into(), Value::String(name))],
        )])
    })
}

pub fn get_api_account() -> Builtin {
    Builtin::new(
        command_info(
            "Get-ApiAccount",
            &[],
            "Lists the REST API administrator accounts.",
            "UserName and Created for each account (never the password or its hash).",
            Vec::new(),
            "ApiAccount",
        )
        .examples(vec![example(
            "The accounts",
            "Get-ApiAccount",
            "User names and when each was made; never a password.",
        )]),
        false,
        |session, _, _| {
            let accounts = with_database(session, |db| db.list_accounts())
                .map_err(|e| failed("Get-ApiAccount", e))?;
            Ok(accounts
                .into_iter()
                .map(|a| {
                    Value::object(
                        "ApiAccount",
                        vec![
                            ("UserName".into(), Value::String(a.name)),
                            ("Created".into(), Value::DateTime(a.created_at)),
                        ],
                    )
                })
                .collect())
        },
    )
}

pub fn remove_api_account() -> Builtin {
    let mut info = command_info(
        "Remove-ApiAccount",
        &[],
        "Removes a REST API administrator account.",
        "Its tokens stop working at once: the server checks the account on every request.",
        vec![user_parameter()],
        "None",
    )
.examples(vec![example("Remove an account", "New-ApiAccount -UserName old -Password 'Old-Admin-2026' | Out-Null\nRemove-ApiAccount -UserName old", "Its tokens stop working at once.")]);
    info.changes_state = true;
    Builtin::new(info, false, |session, args, _| {
        let name = args.text("UserName").unwrap_or_default();
        let removed = with_database(session, |db| db.remove_account(&name))
            .map_err(|e| failed("Remove-ApiAccount", e))?;
        if removed {
            Ok(Vec::new())
        } else {
            Err(CommandError::new(
                "Remove-ApiAccount",
                "ObjectNotFound",
                "AccountNotFound",
                format!("no account is named '{name}'"),
            )
            .into())
        }
    })
}
