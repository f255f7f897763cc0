//! `Get-PfxData`: what a PFX file holds (its certificates, which have a private key),
//! read by the certificate component without putting anything in a store.

use super::utility::Builtin;
use crate::certificate::CertificateObject;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, example_with_output, param,
};
use crate::engine::{Session, Value};
use std::rc::Rc;

const COMMAND: &str = "Get-PfxData";

fn failed(category: &str, id: &str, message: String) -> CommandError {
    CommandError::new(COMMAND, category, id, message)
}

/// A certificate object for DER bytes the component inspects.
fn certificate(
    session: &Session,
    der: Vec<u8>,
    has_private_key: bool,
    friendly_name: String,
) -> Result<Value, CommandError> {
    let info = super::cert_drive::with_certificate_api(session, COMMAND, |api| api.inspect(&der))?
        .map_err(|e| {
            failed(
                "InvalidData",
                "CorruptCertificate",
                format!(
                    "A certificate in the PFX file cannot be read: {}",
                    e.message()
                ),
            )
        })?;
    Ok(Value::Certificate(Rc::new(CertificateObject {
        info: info.into(),
        der,
        store: None,
        location: None,
        has_private_key,
        friendly_name,
        key_material: None,
    })))
}

fn get_pfx_data_run(
    session: &mut Session,
    args: &crate::engine::binder::BoundArguments,
    _: Option<&Value>,
) -> crate::engine::command::CommandResult {
    let path = args.text("FilePath").unwrap_or_default();
    let data = std::fs::read(session.resolve_path(&path)).map_err(|e| {
        failed(
            "ObjectNotFound",
            "FileNotFound",
            format!(
                "Cannot read the PFX file '{path}': {}.",
                crate::paths::io_reason(&e)
            ),
        )
    })?;
    let password = match args.get("Password") {
        Some(Value::SecureString(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(_) => {
            return Err(failed(
                "InvalidArgument",
                "PasswordNotSecure",
                "-Password takes a SecureString: (ConvertTo-SecureString $text -AsPlainText -Force) or (Read-Host -AsSecureString).".into(),
            )
            .into());
        }
    };
    let entries = super::cert_drive::with_certificate_api(session, COMMAND, |api| {
        api.import_pfx(&data, password.as_ref().map_or("", |p| p.reveal()))
    })?
    .map_err(|e| {
        failed(
            "InvalidData",
            "PfxReadFailed",
            format!("Cannot read the PFX file '{path}': {}", e.message()),
        )
    })?;
    let mut end_entities = Vec::new();
    let mut others: Vec<Vec<u8>> = Vec::new();
    for entry in entries {
        for der in entry.chain {
            if !others.contains(&der) {
                others.push(der);
            }
        }
        end_entities.push(certificate(
            session,
            entry.certificate,
            entry.private_key.is_some(),
            entry.friendly_name,
        )?);
    }
    let others = others
        .into_iter()
        .map(|der| certificate(session, der, false, String::new()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(vec![Value::object(
        "PfxData",
        vec![
            (
                "Password".into(),
                password.map_or(Value::Null, Value::SecureString),
            ),
            ("EndEntityCertificates".into(), Value::Array(end_entities)),
            ("OtherCertificates".into(), Value::Array(others)),
        ],
    )])
}

pub fn get_pfx_data() -> Builtin {
    Builtin::new(
        command_info(
            COMMAND,
            &[],
            "Reads the certificates of a PFX file.",
            "Opens the PFX file with -Password (a SecureString; none for a file without one) and lists its certificates without adding them to a store: EndEntityCertificates (each with HasPrivateKey and its FriendlyName) and OtherCertificates (the chain that came with them). A wrong password, a corrupt file or an unsupported format is an error that says which.",
            vec![
                param("FilePath", T::Text, "The PFX file.")
                    .mandatory()
                    .position(0)
                    .aliases(&["Path", "FullName"]),
                param("Password", T::Any, "The file's password (SecureString)."),
                param("NoProperties", T::Switch, "Accepted: no extended properties are read."),
            ],
            "PfxData",
        )
        .examples(vec![example_with_output(
            "What a PFX holds before importing it",
            "$cert = New-SelfSignedCertificate -DnsName backup01 -CertStoreLocation Cert:\\LocalMachine\\My\n$pw = ConvertTo-SecureString 'P@ss' -AsPlainText -Force\nExport-PfxCertificate -Cert $cert -FilePath ./backup01.pfx -Password $pw | Out-Null\n(Get-PfxData -FilePath ./backup01.pfx -Password $pw).EndEntityCertificates | Format-List Subject, HasPrivateKey",
            "The certificate with its key; nothing is added to a store.",
            "\nSubject       : CN=backup01\nHasPrivateKey : True\n\n",
        )]),
        false,
        get_pfx_data_run,
    )
}
