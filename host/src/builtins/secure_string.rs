//! `ConvertTo-SecureString -String <text> -AsPlainText -Force`.

use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CmdletInfo, Command, CommandError, CommandResult, ParameterType, command_info,
    example, param,
};
use crate::engine::{SecureString, Session, Value};

pub struct ConvertToSecureString(CmdletInfo);

impl ConvertToSecureString {
    pub fn new() -> Self {
        let mut string = param("String", ParameterType::Text, "The plain text to protect.");
        string.sets[0].position = Some(0);
        string.sets[0].mandatory = true;
        string.sets[0].from_pipeline = true;
        ConvertToSecureString(command_info(
            "ConvertTo-SecureString",
            &[],
            "Converts plain text to a secure string.",
            "Makes a SecureString from plain text given with -AsPlainText -Force. The value never prints.",
            vec![
                string,
                param(
                    "AsPlainText",
                    ParameterType::Switch,
                    "The input is plain text.",
                ),
                param(
                    "Force",
                    ParameterType::Switch,
                    "Confirms that plain text is intended.",
                ),
            ],
            "SecureString",
        )
.examples(vec![example("A password for Export-PfxCertificate", "$pw = ConvertTo-SecureString -String 'P@ssw0rd' -AsPlainText -Force", "The SecureString prints as System.Security.SecureString, never as its text.")]))
    }
}

impl Command for ConvertToSecureString {
    fn info(&self) -> &CmdletInfo {
        &self.0
    }
    fn invoke(
        &self,
        _session: &mut Session,
        args: &BoundArguments,
        _input: Option<&Value>,
    ) -> CommandResult {
        if !args.switch("AsPlainText") {
            return Err(CommandError::new(
                "ConvertTo-SecureString",
                "NotImplemented",
                "EncryptedStandardStringNotSupported",
                "only plain text can be converted here: use -AsPlainText -Force (DPAPI-encrypted standard strings exist only on Windows)",
            ).into());
        }
        if !args.switch("Force") {
            return Err(CommandError::new(
                "ConvertTo-SecureString",
                "InvalidArgument",
                "ImportSecureString_InvalidArgument",
                "The system cannot protect plain text input. To suppress this warning and convert the plain text to a SecureString, reissue the command specifying the Force parameter.",
            ).into());
        }
        Ok(vec![Value::SecureString(SecureString::new(
            args.text("String").unwrap_or_default(),
        ))])
    }
}
