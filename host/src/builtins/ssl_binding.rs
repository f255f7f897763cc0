//! `Get-`, `Add-`, `Set-` and `Remove-SslBinding`: the `netsh http sslcert` bindings as
//! PowerShell-style cmdlets returning objects, with errors that name the cause.

use super::netsh::REST_API_APP_ID;
use super::utility::Builtin;
use super::with_database;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CmdletInfo, CommandError, ParamExt, ParameterInfo, ParameterType as T, command_info,
    example, param,
};
use crate::engine::{Session, Value};
use crate::store::valid_app_id as valid_guid;
use crate::store::{Binding, BindingError, any_endpoint};

const NOUN: &str = "SslBinding";

fn binding_object(b: &Binding) -> Value {
    Value::object(
        NOUN,
        vec![
            ("Endpoint".into(), Value::String(b.endpoint.clone())),
            (
                "CertificateHash".into(),
                Value::String(b.certificate_hash.clone()),
            ),
            ("AppId".into(), Value::String(b.app_id.clone())),
            ("StoreName".into(), Value::String(b.store_name.clone())),
            ("Sni".into(), Value::Bool(b.sni)),
            (
                "NegotiateClientCertificate".into(),
                Value::Bool(b.client_certificate_negotiation),
            ),
            (
                "VerifyClientCertificateRevocation".into(),
                Value::Bool(b.verify_client_certificate_revocation),
            ),
        ],
    )
}

fn fail(command: &str, category: &str, id: &str, message: String) -> CommandError {
    CommandError::new(command, category, id, message)
}

fn endpoint_parameter(mandatory: bool) -> ParameterInfo {
    let mut p = param(
        "Endpoint",
        T::Text,
        "ip:port (0.0.0.0:9419, [::]:443) or hostname:port for an SNI binding.",
    )
    .position(0);
    p.aliases = vec!["IPPort".into(), "HostnamePort".into()];
    p.sets[0].from_pipeline_by_property_name = true;
    if mandatory { p.mandatory() } else { p }
}

/// `(endpoint, sni)` from what the user wrote, in the one spelling bindings are kept in
/// (`0.0.0.0:08450` is `0.0.0.0:8450`), or why it is not an endpoint.
fn parse_endpoint(command: &str, text: &str) -> Result<(String, bool), CommandError> {
    any_endpoint(text)
        .map(|e| (e.text, e.sni))
        .map_err(|e| fail(command, "InvalidArgument", "InvalidEndpoint", e.to_string()))
}

fn change_parameters() -> Vec<ParameterInfo> {
    let mut certificate = param(
        "Certificate",
        T::Certificate,
        "The certificate to serve (its thumbprint and store are used).",
    )
    .takes_pipeline_input();
    certificate.aliases = vec!["Cert".into()];
    let mut hash = param(
        "CertificateHash",
        T::Text,
        "Thumbprint of the certificate to serve (40 hex digits; spaces and invisible characters pasted with it are removed).",
    );
    hash.aliases = vec!["Thumbprint".into(), "CertHash".into()];
    hash.sets[0].from_pipeline_by_property_name = true;
    vec![
        certificate,
        hash,
        param(
            "AppId",
            T::Text,
            "Application id, a GUID in braces (default: the REST API's).",
        ),
        param(
            "StoreName",
            T::Text,
            "Store of the certificate (default My).",
        ),
        param(
            "NegotiateClientCertificate",
            T::Switch,
            "Ask clients for a certificate.",
        ),
    ]
}

/// The binding an Add or Set asks for, checked; `existing` supplies what Set leaves out.
fn requested(
    session: &mut Session,
    command: &str,
    args: &BoundArguments,
    input: Option<&Value>,
    existing: Option<&Binding>,
) -> Result<Binding, CommandError> {
    let (endpoint, sni) = parse_endpoint(command, &args.text("Endpoint").unwrap_or_default())?;
    let certificate = match (args.get("Certificate"), input) {
        (Some(Value::Certificate(c)), _) | (None, Some(Value::Certificate(c))) => Some(c.clone()),
        _ => None,
    };
    let (hash, cert_store) = match (&certificate, args.text("CertificateHash")) {
        (Some(c), _) => (c.info.thumbprint.clone(), c.store.clone()),
        (None, Some(h)) => (
            super::thumbprint_argument(session, &h).map_err(|e| {
                fail(
                    command,
                    "InvalidArgument",
                    "InvalidCertificateHash",
                    e.to_string(),
                )
            })?,
            None,
        ),
        (None, None) => match existing {
            Some(e) => (e.certificate_hash.clone(), None),
            None => {
                return Err(fail(
                    command,
                    "InvalidArgument",
                    "CertificateRequired",
                    "give -Certificate (or pipe one) or -CertificateHash".into(),
                ));
            }
        },
    };
    let app_id = args
        .text("AppId")
        .or_else(|| existing.map(|e| e.app_id.clone()))
        .unwrap_or_else(|| REST_API_APP_ID.into());
    let app_id = if app_id.starts_with('{') {
        app_id
    } else {
        format!("{{{app_id}}}")
    };
    if !valid_guid(&app_id) {
        return Err(fail(
            command,
            "InvalidArgument",
            "InvalidAppId",
            format!("'{app_id}' is not a GUID such as {REST_API_APP_ID}"),
        ));
    }
    let store_name = args
        .text("StoreName")
        .or(cert_store)
        .or_else(|| existing.map(|e| e.store_name.clone()))
        .unwrap_or_else(|| "My".into())
        .to_ascii_uppercase();
    Ok(Binding {
        endpoint,
        sni,
        certificate_hash: hash,
        app_id,
        store_name,
        client_certificate_negotiation: match args.get("NegotiateClientCertificate") {
            Some(v) => v.is_truthy(),
            None => existing.is_some_and(|e| e.client_certificate_negotiation),
        },
        verify_client_certificate_revocation: existing
            .map(|e| e.verify_client_certificate_revocation)
            .unwrap_or(true),
    })
}

fn binding_error(command: &str, e: BindingError) -> CommandError {
    let (category, id, message) = match &e {
        BindingError::AlreadyExists(endpoint) => (
            "ResourceExists",
            "BindingExists",
            format!(
                "{endpoint} is already bound; Set-SslBinding replaces its certificate without a gap"
            ),
        ),
        BindingError::NotFound(endpoint) => (
            "ObjectNotFound",
            "BindingNotFound",
            format!(
                "{endpoint} is not bound; Get-SslBinding lists the bindings, Add-SslBinding adds one"
            ),
        ),
        BindingError::CertificateNotInStore { .. } | BindingError::NoPrivateKey { .. } => {
            ("InvalidData", "CertificateNotServable", e.to_string())
        }
        BindingError::Store(_) => ("WriteError", "StorageFailed", e.to_string()),
    };
    fail(command, category, id, message)
}

fn changing(mut info: CmdletInfo) -> CmdletInfo {
    info.changes_state = true;
    info
}

pub fn get() -> Builtin {
    Builtin::new(
        command_info(
            "Get-SslBinding",
            &[],
            "Gets the TLS bindings (netsh http show sslcert) as objects.",
            "Returns every binding, or the one of -Endpoint. Each has Endpoint, CertificateHash, AppId, StoreName, Sni, NegotiateClientCertificate and VerifyClientCertificateRevocation.",
            vec![endpoint_parameter(false)],
            NOUN,
        )
.examples(vec![example("Every binding", "Get-SslBinding", "Endpoint, CertificateHash, AppId, StoreName, Sni and the flags of each.")]),
        false,
        |session, args, _| {
            let command = "Get-SslBinding";
            match args.text("Endpoint") {
                Some(text) => {
                    let (endpoint, _) = parse_endpoint(command, &text)?;
                    let found = with_database(session, |db| db.get_binding(&endpoint))
                        .map_err(|e| fail(command, "ReadError", "StorageFailed", e.to_string()))?;
                    match found {
                        Some(b) => Ok(vec![binding_object(&b)]),
                        None => {
                            Err(binding_error(command, BindingError::NotFound(endpoint)).into())
                        }
                    }
                }
                None => Ok(with_database(session, |db| db.list_bindings())
                    .map_err(|e| fail(command, "ReadError", "StorageFailed", e.to_string()))?
                    .iter()
                    .map(binding_object)
                    .collect()),
            }
        },
    )
}

pub fn add() -> Builtin {
    let mut parameters = vec![endpoint_parameter(true)];
    parameters.extend(change_parameters());
    Builtin::new(
        changing(command_info(
            "Add-SslBinding",
            &[],
            "Binds an endpoint to a certificate (netsh http add sslcert).",
            "The certificate must be in its store with a private key (checked in the same transaction as the change). The app id defaults to the backup server REST API's. An endpoint that is bound already is refused: Set-SslBinding replaces in place.",
            parameters,
            NOUN,
        )
.examples(vec![example("Bind a certificate to a port", "$c = New-SelfSignedCertificate -DnsName backup01.tech.local\nAdd-SslBinding -Endpoint 0.0.0.0:8443 -Certificate $c", "An endpoint already bound is refused: Set-SslBinding replaces it.")])),
        false,
        |session, args, input| {
            let command = "Add-SslBinding";
            let binding = requested(session, command, args, input, None)?;
            with_database(session, |db| db.add_binding(&binding))
                .map_err(|e| binding_error(command, e))?;
            Ok(vec![binding_object(&binding)])
        },
    )
}

pub fn set() -> Builtin {
    let mut parameters = vec![endpoint_parameter(true)];
    parameters.extend(change_parameters());
    Builtin::new(
        changing(command_info(
            "Set-SslBinding",
            &[],
            "Changes a binding in place (netsh http update sslcert): no moment without a certificate.",
            "Replaces the certificate (and optionally the app id or store) of a bound endpoint in one transaction; what is not given is kept.",
            parameters,
            NOUN,
        )
.examples(vec![example("Replace a binding's certificate without a gap", "$a = New-SelfSignedCertificate -DnsName a.tech.local\n$b = New-SelfSignedCertificate -DnsName b.tech.local\nAdd-SslBinding -Endpoint 0.0.0.0:8443 -Certificate $a | Out-Null\nSet-SslBinding -Endpoint 0.0.0.0:8443 -Certificate $b", "The binding is changed in place, in one transaction.")])),
        false,
        |session, args, input| {
            let command = "Set-SslBinding";
            let (endpoint, _) =
                parse_endpoint(command, &args.text("Endpoint").unwrap_or_default())?;
            let existing = with_database(session, |db| db.get_binding(&endpoint))
                .map_err(|e| fail(command, "ReadError", "StorageFailed", e.to_string()))?
                .ok_or_else(|| binding_error(command, BindingError::NotFound(endpoint.clone())))?;
            let binding = requested(session, command, args, input, Some(&existing))?;
            with_database(session, |db| db.update_binding(&binding))
                .map_err(|e| binding_error(command, e))?;
            Ok(vec![binding_object(&binding)])
        },
    )
}

pub fn remove() -> Builtin {
    Builtin::new(
        changing(command_info(
            "Remove-SslBinding",
            &[],
            "Removes a binding (netsh http delete sslcert).",
            "Removes the binding of -Endpoint (or of each binding object piped in).",
            vec![endpoint_parameter(true)],
            "None",
        )
.examples(vec![example("Remove a binding", "$c = New-SelfSignedCertificate -DnsName a.tech.local\nAdd-SslBinding -Endpoint 0.0.0.0:8443 -Certificate $c | Out-Null\nRemove-SslBinding -Endpoint 0.0.0.0:8443", "certhost serve stops listening there within a second.")])),
        false,
        |session, args, _| {
            let command = "Remove-SslBinding";
            let (endpoint, _) =
                parse_endpoint(command, &args.text("Endpoint").unwrap_or_default())?;
            with_database(session, |db| db.remove_binding(&endpoint))
                .map_err(|e| binding_error(command, e))?;
            Ok(Vec::new())
        },
    )
}
