//! Commands provided by a WebAssembly component: metadata from `list-cmdlets`, calls
//! through `invoke`, values converted at the boundary.

use crate::certificate::CertificateObject;
use crate::engine::BoundArguments;
use crate::engine::command::{CmdletInfo, Command, CommandError, CommandResult};
use crate::engine::{PsObject, SecureString, Session, Value};
use crate::plugin::{Capability, CmdletCall, Message, Plugin, PluginError, wit};
use crate::services::{ComponentRef, LoadedModule};
use std::path::PathBuf;
use std::rc::Rc;

/// Registers a component's cmdlets in the session and records the module.
/// A module may replace only its own earlier import (the same file): never a built-in,
/// the certificate component's cmdlets or another module's, which it could otherwise
/// impersonate (a `ConvertTo-SecureString` that keeps the password).
pub fn register_module(
    session: &mut Session,
    plugin: Rc<Plugin>,
) -> Result<Vec<String>, RegisterError> {
    let host = super::host(session);
    let infos = host
        .runtime()
        .and_then(|runtime| runtime.list_cmdlets(&plugin, &host.services))
        .map_err(RegisterError::Plugin)?;
    register_component(session, ComponentRef::Module(plugin), infos)
}

/// Registers the built-in certificate component's cmdlets, from its cached metadata
/// when there is some: the component itself is loaded when one of them first runs.
pub fn register_builtin(session: &mut Session) -> Result<Vec<String>, RegisterError> {
    let infos = super::host(session)
        .builtin_cmdlets()
        .map_err(RegisterError::Plugin)?;
    register_component(session, ComponentRef::Builtin, infos)
}

fn register_component(
    session: &mut Session,
    plugin: ComponentRef,
    infos: Vec<CmdletInfo>,
) -> Result<Vec<String>, RegisterError> {
    let host = super::host(session);
    let same_file =
        |m: &LoadedModule| m.plugin.path().is_some() && m.plugin.path() == plugin.path();
    for info in &infos {
        for name in std::iter::once(&info.name).chain(&info.aliases) {
            let Some(existing) = session.find_command(name) else {
                continue;
            };
            let owner = host
                .modules()
                .iter()
                .find(|m| m.commands.contains(&existing.info().name))
                .map(|m| {
                    (
                        same_file(m),
                        m.plugin.path().map(|_| m.plugin.name().to_string()),
                    )
                });
            match owner {
                Some((true, _)) => {}
                Some((false, Some(module))) => {
                    return Err(RegisterError::Shadows {
                        module: plugin.name().into(),
                        command: name.clone(),
                        owner: format!("the module '{module}'"),
                    });
                }
                _ => {
                    return Err(RegisterError::Shadows {
                        module: plugin.name().into(),
                        command: name.clone(),
                        owner: "certhost".into(),
                    });
                }
            }
        }
    }
    host.remove_modules(same_file);
    let names: Vec<String> = infos.iter().map(|i| i.name.clone()).collect();
    for info in infos {
        session.register(Rc::new(ComponentCommand {
            info,
            plugin: plugin.clone(),
        }));
    }
    host.add_module(LoadedModule {
        plugin,
        commands: names.clone(),
    });
    Ok(names)
}

/// Why a module's cmdlets were not registered.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Plugin(PluginError),
    #[error(
        "the module '{module}' has a cmdlet '{command}', which is already a command of {owner}; a module may not replace another's commands, so nothing was imported"
    )]
    Shadows {
        module: String,
        command: String,
        owner: String,
    },
}

/// One cmdlet of a component.
pub struct ComponentCommand {
    pub info: CmdletInfo,
    pub plugin: ComponentRef,
}

/// A certificate as the component's record; the key a certificate in no store carries
/// goes only to a component granted `PrivateKeys`.
fn certificate_to_wit(c: &CertificateObject, with_keys: bool) -> wit::CertificateObject {
    let mut c = c.clone();
    if !with_keys {
        c.key_material = None;
    }
    c.into()
}

/// An engine value as the component's `value` type (`with_keys`: the component may read
/// private keys).
pub fn to_wit(value: &Value, with_keys: bool) -> wit::Value {
    match value {
        Value::Null => wit::Value::Null,
        Value::Bool(b) => wit::Value::Boolean(*b),
        Value::Int(i) => wit::Value::Integer(*i),
        Value::Float(f) => wit::Value::Integer(*f as i64),
        Value::DateTime(t) => wit::Value::Datetime(*t),
        Value::SecureString(s) => wit::Value::SecureText(s.reveal().to_string()),
        Value::Certificate(c) => wit::Value::Certificate(certificate_to_wit(c, with_keys)),
        Value::Object(o) => wit::Value::Object(wit::CustomObject {
            type_name: o.type_name.clone(),
            properties: o
                .entries()
                .iter()
                .map(|(name, v)| wit::Property {
                    name: name.clone(),
                    value: scalar_to_wit(v),
                })
                .collect(),
        }),
        Value::Array(items) => wit::Value::TextList(items.iter().map(Value::to_text).collect()),
        other => wit::Value::Text(other.to_text()),
    }
}

fn scalar_to_wit(value: &Value) -> wit::Scalar {
    match value {
        Value::Null => wit::Scalar::Null,
        Value::Bool(b) => wit::Scalar::Boolean(*b),
        Value::Int(i) => wit::Scalar::Integer(*i),
        Value::DateTime(t) => wit::Scalar::Datetime(*t),
        Value::Array(items) => wit::Scalar::TextList(items.iter().map(Value::to_text).collect()),
        other => wit::Scalar::Text(other.to_text()),
    }
}

fn scalar_from_wit(value: wit::Scalar) -> Value {
    match value {
        wit::Scalar::Null => Value::Null,
        wit::Scalar::Boolean(b) => Value::Bool(b),
        wit::Scalar::Integer(i) => Value::Int(i),
        wit::Scalar::Text(s) => Value::String(s),
        wit::Scalar::TextList(l) => Value::Array(l.into_iter().map(Value::String).collect()),
        wit::Scalar::Datetime(t) => Value::DateTime(t),
    }
}

/// A component's value as an engine value.
pub fn from_wit(value: wit::Value) -> Value {
    match value {
        wit::Value::Null => Value::Null,
        wit::Value::Boolean(b) => Value::Bool(b),
        wit::Value::Integer(i) => Value::Int(i),
        wit::Value::Text(s) => Value::String(s),
        wit::Value::TextList(l) => Value::Array(l.into_iter().map(Value::String).collect()),
        wit::Value::Datetime(t) => Value::DateTime(t),
        wit::Value::SecureText(s) => Value::SecureString(SecureString::new(s)),
        wit::Value::Certificate(c) => Value::Certificate(Rc::new(c.into())),
        wit::Value::Object(o) => Value::Object(Rc::new(PsObject::new(
            &o.type_name,
            o.properties
                .into_iter()
                .map(|p| (p.name, scalar_from_wit(p.value)))
                .collect(),
        ))),
    }
}

fn category_name(c: wit::ErrorCategory) -> &'static str {
    match c {
        wit::ErrorCategory::InvalidArgument => "InvalidArgument",
        wit::ErrorCategory::InvalidData => "InvalidData",
        wit::ErrorCategory::ObjectNotFound => "ObjectNotFound",
        wit::ErrorCategory::ResourceExists => "ResourceExists",
        wit::ErrorCategory::SecurityError => "SecurityError",
        wit::ErrorCategory::NotImplemented => "NotImplemented",
        wit::ErrorCategory::PermissionDenied => "PermissionDenied",
        wit::ErrorCategory::WriteError => "WriteError",
        wit::ErrorCategory::ReadError => "ReadError",
        wit::ErrorCategory::ResourceBusy => "ResourceBusy",
        wit::ErrorCategory::InvalidOperation => "InvalidOperation",
    }
}

/// The paths the user named in the command: the values of parameters whose name ends
/// in `Path` or `File` (`-FilePath`, `-CertificatePath`, `-OutFile`). A component granted
/// file access reaches these besides the working directory.
fn named_paths(args: &BoundArguments) -> Vec<PathBuf> {
    args.iter()
        .filter(|(name, _)| {
            let lower = name.to_ascii_lowercase();
            lower.ends_with("path") || lower.ends_with("file")
        })
        .flat_map(|(_, value)| value.clone().into_items())
        .filter_map(|v| match v {
            Value::String(s) => Some(PathBuf::from(s)),
            _ => None,
        })
        .collect()
}

impl Command for ComponentCommand {
    fn info(&self) -> &CmdletInfo {
        &self.info
    }

    fn module(&self) -> Option<&str> {
        self.plugin.path().map(|_| self.plugin.name())
    }

    fn invoke(
        &self,
        session: &mut Session,
        args: &BoundArguments,
        input: Option<&Value>,
    ) -> CommandResult {
        let with_keys = self.plugin.grants().has(Capability::PrivateKeys);
        let arguments: Vec<wit::Argument> = args
            .iter()
            .map(|(name, value)| wit::Argument {
                name: name.to_string(),
                value: to_wit(value, with_keys),
            })
            .collect();
        let input = input.map(|v| to_wit(v, with_keys));
        let named_paths = named_paths(args);
        let host = super::host(session);
        let result = self.plugin.resolve(&host).and_then(|plugin| {
            host.runtime()?.invoke_cmdlet(
                &plugin,
                &host.services,
                &CmdletCall {
                    name: &self.info.name,
                    parameter_set: &args.parameter_set,
                    arguments: &arguments,
                    input: input.as_ref(),
                    named_paths: &named_paths,
                },
            )
        });
        for message in host.services.take_messages() {
            match message {
                Message::Warning(text) => session.warning(&text),
                Message::Verbose(text) => session.verbose(&text),
                Message::WhatIf(text) => session.what_if(&text),
            }
        }
        if !self.info.name.contains('-') {
            // A command named as a Windows program (certreq) reports as native
            // commands do: `$LASTEXITCODE`, with `$?` false when it failed.
            session.set_native_exit_code(i32::from(!matches!(result, Ok(Ok(_)))));
        }
        match result {
            Ok(Ok(values)) => Ok(values.into_iter().map(from_wit).collect()),
            Ok(Err(e)) => Err(CommandError {
                command: self.info.name.clone(),
                category: category_name(e.category).into(),
                error_id: e.error_id,
                message: e.message,
                target: e.target,
            }
            .into()),
            Err(trap) => Err(CommandError::new(
                &self.info.name,
                "OperationStopped",
                "ComponentFailed",
                trap.to_string(),
            )
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificate::{CertificateInfo, KeyMaterial};

    fn file_certificate() -> Value {
        let info = CertificateInfo {
            thumbprint: "5F98EBBFE735CDDAE00E33E0FD69050EF9220254".into(),
            sha256_fingerprint: String::new(),
            subject: "CN=backup01.tech.local".into(),
            issuer: "CN=backup01.tech.local".into(),
            serial_number: "01".into(),
            not_before: 0,
            not_after: 0,
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
            key_algorithm: "RSA".into(),
            key_size: 2048,
            extended_key_usages: Vec::new(),
            key_usages: Vec::new(),
            self_signed: true,
            signature_algorithm: "sha256RSA".into(),
            version: 3,
            is_ca: None,
        };
        Value::Certificate(Rc::new(CertificateObject {
            info,
            der: vec![0x30],
            store: None,
            location: None,
            has_private_key: true,
            friendly_name: String::new(),
            key_material: Some(KeyMaterial {
                private_key: b"pkcs8".to_vec(),
                chain: Vec::new(),
            }),
        }))
    }

    fn carried_key(value: wit::Value) -> Option<Vec<u8>> {
        match value {
            wit::Value::Certificate(c) => c.key_material.map(|m| m.private_key),
            _ => panic!("not a certificate"),
        }
    }

    #[test]
    fn a_carried_key_reaches_only_a_component_granted_private_keys() {
        let cert = file_certificate();
        assert_eq!(carried_key(to_wit(&cert, true)), Some(b"pkcs8".to_vec()));
        assert_eq!(carried_key(to_wit(&cert, false)), None);
    }
}
