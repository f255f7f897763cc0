//! `Get-Credential` and PSCredential objects: a user name and a SecureString password.
//! Any command with a -Password parameter also takes `-Credential` (its password is
//! used; see the engine's binder).

use super::utility::Builtin;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, console_example, param,
};
use crate::engine::{SecureString, Session, Value};

fn ask(session: &mut Session, prompt: &str, secret: bool) -> Result<String, CommandError> {
    match session.read_console_line(prompt, secret) {
        Ok(Some(line)) => Ok(line),
        _ => Err(CommandError::new(
            "Get-Credential",
            "InvalidOperation",
            "NoInput",
            "no input: the credential was not given",
        )),
    }
}

pub fn get_credential() -> Builtin {
    Builtin::new(
        command_info(
            "Get-Credential",
            &[],
            "Asks for a user name and password.",
            "Asks at the console for the user name (unless -UserName is given) and the password (not echoed) and returns a PSCredential. In a non-interactive session it fails: make one with [pscredential]::new('user', (ConvertTo-SecureString ... -AsPlainText -Force)) instead.",
            vec![
                param("UserName", T::Text, "The user name; only the password is asked.")
                    .position(0)
                    .aliases(&["Credential"]),
                param("Message", T::Text, "A line shown before the prompt."),
                param("Title", T::Text, "A title shown before the prompt."),
            ],
            "PSCredential",
        )
        .examples(vec![console_example(
            "A credential for a PFX password or an API account",
            "$cred = Get-Credential -UserName admin\nImport-PfxCertificate -FilePath server.pfx -CertStoreLocation Cert:\\LocalMachine\\My -Credential $cred",
            "Commands with -Password take -Credential and use its password.",
        )]),
        false,
        |session, args, _| {
            if session.options.non_interactive {
                return Err(CommandError::new(
                    "Get-Credential",
                    "InvalidOperation",
                    "NonInteractive",
                    "Get-Credential needs an interactive session; in a script use [pscredential]::new('user', (ConvertTo-SecureString $text -AsPlainText -Force)).",
                )
                .into());
            }
            for line in [args.text("Title"), args.text("Message")].into_iter().flatten() {
                session.information(&line);
            }
            let user = match args.text("UserName") {
                Some(u) => u,
                None => ask(session, "User: ", false)?,
            };
            let password = ask(session, &format!("Password for user {user}: "), true)?;
            Ok(vec![Value::credential(&user, SecureString::new(password))])
        },
    )
}
