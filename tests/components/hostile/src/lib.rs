//! A test-only component that tries what an untrusted plugin must not be able to do
//! unless the user granted it: read private keys, read and write files anywhere
//! (`/etc/passwd`, `$CERTHOST_HOME`), add certificates, re-point a binding, and take over
//! a server slot. Each cmdlet reports what the host answered: the data on success, or the
//! host's typed `permission-denied` as a `PermissionDenied` cmdlet error. File targets
//! are given as `-Target`, not a `-Path`, so they are not "paths named in the command".

mod bindings {
    wit_bindgen::generate!({
        world: "cmdlet-plugin",
        path: "../../../wit",
    });
}

use bindings::certhost::plugin::types::{
    CertificateEntry, CmdletError, Denied, ErrorCategory, FileError, StoreError,
};
use bindings::certhost::plugin::{bindings as tls, files, host, primitives, server, store};
use bindings::exports::certhost::plugin::cmdlets::{
    Argument, CmdletInfo, Example, Guest, ParameterInfo, ParameterSetMembership, ParameterType,
    Value,
};

struct Hostile;

fn parameter(name: &str, position: u32) -> ParameterInfo {
    ParameterInfo {
        name: name.into(),
        aliases: Vec::new(),
        type_: ParameterType::Text,
        sets: vec![ParameterSetMembership {
            set_name: "__AllParameterSets".into(),
            mandatory: true,
            position: Some(position),
            from_pipeline: false,
            from_pipeline_by_property_name: false,
        }],
        help: format!("The {name}."),
        accepted_values: Vec::new(),
    }
}

fn info(name: &str, synopsis: &str, parameters: &[&str], example: &str) -> CmdletInfo {
    CmdletInfo {
        name: name.into(),
        aliases: Vec::new(),
        synopsis: synopsis.into(),
        description: synopsis.into(),
        parameters: parameters
            .iter()
            .zip(0u32..)
            .map(|(p, i)| parameter(p, i))
            .collect(),
        default_parameter_set: "__AllParameterSets".into(),
        examples: vec![Example {
            title: synopsis.into(),
            code: example.into(),
            remarks: String::new(),
        }],
        output_type: "String".into(),
        changes_state: false,
    }
}

fn text(arguments: &[Argument], name: &str) -> String {
    arguments
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
        .and_then(|a| match &a.value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn denied(d: Denied) -> CmdletError {
    CmdletError {
        category: ErrorCategory::PermissionDenied,
        error_id: format!("PermissionDenied.{}", d.capability),
        message: d.message,
        target: None,
    }
}

fn failed(message: String) -> CmdletError {
    CmdletError {
        category: ErrorCategory::InvalidOperation,
        error_id: "HostRefused".into(),
        message,
        target: None,
    }
}

fn store_error(e: StoreError) -> CmdletError {
    match e {
        StoreError::PermissionDenied(d) => denied(d),
        StoreError::InvalidStore(m)
        | StoreError::NotFound(m)
        | StoreError::AlreadyExists(m)
        | StoreError::Storage(m)
        | StoreError::InUse(m)
        | StoreError::NotServable(m) => failed(m),
    }
}

fn file_error(e: FileError) -> CmdletError {
    match e {
        FileError::PermissionDenied(d) => denied(d),
        FileError::NotFound(m) | FileError::TooLarge(m) | FileError::Failed(m) => failed(m),
    }
}

fn ok(text: String) -> Result<Vec<Value>, CmdletError> {
    Ok(vec![Value::Text(text)])
}

impl Guest for Hostile {
    fn list_cmdlets() -> Vec<CmdletInfo> {
        vec![
            info(
                "Get-StolenKey",
                "Lists a store's certificates and counts the private keys it was given.",
                &["Store"],
                "Get-StolenKey My",
            ),
            info(
                "Read-AnyFile",
                "Reads a file and returns its length.",
                &["Target"],
                "Read-AnyFile /etc/passwd",
            ),
            info(
                "Write-AnyFile",
                "Writes 'pwned' into a file.",
                &["Target"],
                "Write-AnyFile /tmp/pwned",
            ),
            info(
                "Add-PlantedCertificate",
                "Adds a certificate (DER given as hex) to a store.",
                &["Store", "Hex"],
                "Add-PlantedCertificate Root 3082...",
            ),
            info(
                "Set-HijackedBinding",
                "Re-points a binding to another thumbprint.",
                &["Endpoint", "Thumbprint"],
                "Set-HijackedBinding 0.0.0.0:9419 0123456789ABCDEF0123456789ABCDEF01234567",
            ),
            info(
                "Get-SlotThumbprint",
                "Reads a server slot.",
                &["Slot"],
                "Get-SlotThumbprint BackupServer",
            ),
            info(
                "Invoke-Kdf",
                "Derives a key with the host's PBKDF2.",
                &[],
                "Invoke-Kdf",
            ),
            info("Write-Note", "Shows a warning message.", &[], "Write-Note"),
        ]
    }

    fn invoke(
        name: String,
        _parameter_set: String,
        arguments: Vec<Argument>,
        _input: Option<Value>,
    ) -> Result<Vec<Value>, CmdletError> {
        let arg = |n: &str| text(&arguments, n);
        match name.as_str() {
            "Get-StolenKey" => {
                let list = store::list_certificates(&arg("Store")).map_err(store_error)?;
                let keys = list
                    .iter()
                    .filter(|c| c.entry.private_key.is_some())
                    .count();
                ok(format!(
                    "certificates: {}, private keys: {keys}",
                    list.len()
                ))
            }
            "Read-AnyFile" => {
                let data = files::read_file(&arg("Target")).map_err(file_error)?;
                ok(format!("read {} bytes", data.len()))
            }
            "Write-AnyFile" => {
                files::write_file(&arg("Target"), b"pwned\n", false).map_err(file_error)?;
                ok("written".into())
            }
            "Add-PlantedCertificate" => {
                let hex = arg("Hex");
                let der: Vec<u8> = (0..hex.len() / 2)
                    .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                    .collect();
                let added = store::add_certificates(
                    &arg("Store"),
                    &[CertificateEntry {
                        certificate: der,
                        private_key: None,
                        friendly_name: "planted".into(),
                        chain: Vec::new(),
                    }],
                )
                .map_err(store_error)?;
                ok(format!("added {}", added.join(",")))
            }
            "Set-HijackedBinding" => {
                let endpoint = arg("Endpoint");
                let mut binding = tls::get_binding(&endpoint)
                    .map_err(store_error)?
                    .ok_or_else(|| failed(format!("{endpoint} is not bound")))?;
                binding.certificate_hash = arg("Thumbprint");
                tls::update_binding(&binding).map_err(store_error)?;
                ok(format!("{endpoint} re-pointed"))
            }
            "Get-SlotThumbprint" => {
                let slot = server::get_slot(&arg("Slot")).map_err(store_error)?;
                ok(slot.map(|s| s.thumbprint).unwrap_or_default())
            }
            "Invoke-Kdf" => {
                let key =
                    primitives::pbkdf2_hmac(primitives::Digest::Sha256, b"pw", b"salt", 1, 16)
                        .map_err(|e| match e {
                            primitives::PrimitiveError::PermissionDenied(d) => denied(d),
                            primitives::PrimitiveError::Invalid(m) => failed(m),
                        })?;
                ok(format!("derived {} bytes", key.len()))
            }
            "Write-Note" => {
                host::write_message(host::MessageLevel::Warning, "a note from the module")
                    .map_err(denied)?;
                ok("noted".into())
            }
            other => Err(failed(format!("no cmdlet {other}"))),
        }
    }
}

bindings::export!(Hostile with_types_in bindings);
