//! `netsh http add|update|delete|show sslcert`, as scripts call it: the same syntax,
//! output layout, messages and error codes as Windows, persisted in the bindings table.
//! Each of Windows' cryptic errors gets a second line naming the real cause.

use super::utility::Builtin;
use crate::engine::command::{CmdletExt, command_info, example};
use crate::engine::{Session, Value};
use crate::store::{Binding, BindingError};

pub use crate::store::REST_API_APP_ID;

/// `netsh` (`netsh.exe`): takes its words as remaining arguments.
pub fn netsh() -> Builtin {
    Builtin::new(
        command_info(
            "netsh",
            &["netsh.exe"],
            "Manages ip:port TLS certificate bindings (netsh http ... sslcert).",
            "netsh http add|update|delete|show sslcert ipport=IP:PORT|hostnameport=NAME:PORT certhash=<40 hex> appid={GUID} [certstorename=MY] [clientcertnegotiation=enable|disable] [verifyclientcertrevocation=enable|disable]",
            Vec::new(),
            "String",
        )
.examples(vec![example("The TLS bindings as netsh shows them", "netsh http show sslcert", "add, update and delete sslcert change them, as on Windows.")]),
        false,
        |session, args, _input| {
            let words: Vec<String> = args.remaining.iter().map(Value::to_text).collect();
            let (text, code) = match run(session, &words) {
                Ok(text) => (text, 0),
                Err(f) => {
                    if let Some(cause) = &f.cause {
                        session.warn_cause(cause);
                    }
                    (f.lines.join("\n") + "\n", 1)
                }
            };
            session.set_native_exit_code(code);
            Ok(text
                .strip_suffix('\n')
                .unwrap_or(&text)
                .split('\n')
                .map(|l| Value::String(l.to_string()))
                .collect())
        },
    )
    .taking_remaining_arguments()
}

/// A netsh failure: Windows' two lines, and certhost's explanation.
struct Failure {
    lines: Vec<String>,
    cause: Option<String>,
}

fn incorrect(cause: impl Into<String>) -> Failure {
    Failure {
        lines: vec!["The parameter is incorrect.".into()],
        cause: Some(cause.into()),
    }
}

fn failed(verb: &str, code: u32, cause: impl Into<String>) -> Failure {
    let text = match code {
        183 => "Cannot create a file when that file already exists.",
        2 => "The system cannot find the file specified.",
        _ => "A specified logon session does not exist. It may already have been terminated.",
    };
    Failure {
        lines: vec![
            format!("SSL Certificate {verb} failed, Error: {code}"),
            text.into(),
        ],
        cause: Some(cause.into()),
    }
}

pub(super) fn valid_ipport(text: &str) -> bool {
    let Some((host, port)) = text.rsplit_once(':') else {
        return false;
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    port.parse::<u16>().is_ok_and(|p| p > 0) && host.parse::<std::net::IpAddr>().is_ok()
}

pub(super) fn valid_hostnameport(text: &str) -> bool {
    let Some((host, port)) = text.rsplit_once(':') else {
        return false;
    };
    port.parse::<u16>().is_ok_and(|p| p > 0)
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

pub(super) fn valid_guid(text: &str) -> bool {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or("");
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn enabled(text: Option<&String>) -> Result<bool, Failure> {
    match text.map(|t| t.to_ascii_lowercase()) {
        None => Ok(false),
        Some(t) if t == "enable" => Ok(true),
        Some(t) if t == "disable" => Ok(false),
        Some(t) => Err(incorrect(format!("'{t}' is not enable or disable"))),
    }
}

fn enabled_text(b: bool) -> &'static str {
    if b { "Enabled" } else { "Disabled" }
}

/// The `show sslcert` block of one binding (4-space indent, labels padded to 29).
fn show_binding(b: &Binding) -> String {
    let label = |l: &str, v: &str| format!("    {l:<29}: {v}\n");
    let mut out = String::new();
    out.push_str(&label(
        if b.sni { "Hostname:port" } else { "IP:port" },
        &b.endpoint,
    ));
    out.push_str(&label(
        "Certificate Hash",
        &b.certificate_hash.to_ascii_lowercase(),
    ));
    out.push_str(&label("Application ID", &b.app_id));
    out.push_str(&label("Certificate Store Name", &b.store_name));
    out.push_str(&format!(
        "    Verify Client Certificate Revocation : {}\n",
        if b.verify_client_certificate_revocation {
            "Enabled"
        } else {
            "Disabled"
        }
    ));
    out.push_str("    Verify Revocation Using Cached Client Certificate Only : Disabled\n");
    out.push_str(&label("Usage Check", "Enabled"));
    out.push_str(&label("Revocation Freshness Time", "0"));
    out.push_str(&label("URL Retrieval Timeout", "0"));
    out.push_str(&label("Ctl Identifier", "(null)"));
    out.push_str(&label("Ctl Store Name", "(null)"));
    out.push_str(&label("DS Mapper Usage", "Disabled"));
    out.push_str(&label(
        "Negotiate Client Certificate",
        enabled_text(b.client_certificate_negotiation),
    ));
    out.push_str(&label("Reject Connections", "Disabled"));
    out
}

fn run(session: &mut Session, words: &[String]) -> Result<String, Failure> {
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let (verb, rest) = match lower.as_slice() {
        [http, verb, sslcert, ..] if http == "http" && sslcert == "sslcert" => {
            (verb.clone(), &words[3..])
        }
        _ => {
            return Err(incorrect(
                "certhost's netsh supports: netsh http add|update|delete|show sslcert ...",
            ));
        }
    };
    let mut args = std::collections::HashMap::new();
    for word in rest {
        let (k, v) = word
            .split_once('=')
            .ok_or_else(|| incorrect(format!("'{word}' is not key=value")))?;
        args.insert(k.to_ascii_lowercase(), v.trim_matches('"').to_string());
    }
    let endpoint = match (args.get("ipport"), args.get("hostnameport")) {
        (Some(ip), None) if valid_ipport(ip) => Some((ip.clone(), false)),
        (Some(ip), None) => {
            return Err(incorrect(format!(
                "ipport={ip} is not IP:PORT (for example 0.0.0.0:9419 or [::]:443)"
            )));
        }
        (None, Some(h)) if valid_hostnameport(h) => Some((h.to_ascii_lowercase(), true)),
        (None, Some(h)) => return Err(incorrect(format!("hostnameport={h} is not NAME:PORT"))),
        (Some(_), Some(_)) => return Err(incorrect("give ipport or hostnameport, not both")),
        (None, None) => None,
    };
    let host = crate::builtins::host(session);
    let mut db = host
        .services
        .database
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    match verb.as_str() {
        "show" => {
            let bindings = match &endpoint {
                Some((e, _)) => vec![
                    db.get_binding(e)
                        .map_err(|e| incorrect(e.to_string()))?
                        .ok_or_else(|| {
                            failed(
                                "deletion",
                                2,
                                format!(
                                    "{} is not bound",
                                    endpoint.as_ref().map(|x| x.0.as_str()).unwrap_or("")
                                ),
                            )
                        })?,
                ],
                None => db.list_bindings().map_err(|e| incorrect(e.to_string()))?,
            };
            let mut out =
                String::from("\nSSL Certificate bindings:\n-------------------------\n\n");
            for b in &bindings {
                out.push_str(&show_binding(b));
                out.push('\n');
            }
            Ok(out)
        }
        "delete" => {
            let (e, _) =
                endpoint.ok_or_else(|| incorrect("delete needs ipport= or hostnameport="))?;
            db.remove_binding(&e).map_err(|err| match err {
                BindingError::NotFound(_) => failed(
                    "deletion",
                    2,
                    format!("{e} is not bound; 'netsh http show sslcert' lists the bindings"),
                ),
                other => incorrect(other.to_string()),
            })?;
            Ok("\nSSL Certificate successfully deleted\n\n".into())
        }
        "add" | "update" => {
            let (e, sni) = endpoint.ok_or_else(|| {
                incorrect(format!(
                    "{verb} needs ipport=IP:PORT or hostnameport=NAME:PORT"
                ))
            })?;
            let hash = args.get("certhash").cloned().unwrap_or_default();
            if hash.len() != 40 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(incorrect(format!(
                    "certhash must be the 40 hexadecimal digits of a thumbprint (got '{hash}')"
                )));
            }
            let app_id = args.get("appid").cloned().unwrap_or_default();
            if !valid_guid(&app_id) {
                return Err(incorrect(format!(
                    "appid must be a GUID in braces such as {REST_API_APP_ID} (got '{app_id}')"
                )));
            }
            let store_name = args
                .get("certstorename")
                .cloned()
                .unwrap_or_else(|| "MY".into());
            let binding = Binding {
                endpoint: e.clone(),
                sni,
                certificate_hash: hash.to_ascii_uppercase(),
                app_id,
                store_name: store_name.to_ascii_uppercase(),
                client_certificate_negotiation: enabled(args.get("clientcertnegotiation"))?,
                verify_client_certificate_revocation: args
                    .get("verifyclientcertrevocation")
                    .map(|v| v.eq_ignore_ascii_case("enable"))
                    .unwrap_or(true),
            };
            let verb_past = if verb == "add" { "added" } else { "updated" };
            let result = if verb == "add" {
                db.add_binding(&binding)
            } else {
                db.update_binding(&binding)
            };
            result.map_err(|err| match err {
                BindingError::AlreadyExists(_) => failed("add", 183, format!("{e} is already bound; 'netsh http update sslcert' replaces the certificate without a gap")),
                BindingError::NotFound(_) => failed("update", 2, format!("{e} is not bound; use 'netsh http add sslcert'")),
                cause @ (BindingError::CertificateNotInStore { .. } | BindingError::NoPrivateKey { .. }) => {
                    failed(&verb, 1312, cause.to_string())
                }
                other => incorrect(other.to_string()),
            })?;
            Ok(format!("\nSSL Certificate successfully {verb_past}\n\n"))
        }
        other => Err(incorrect(format!(
            "'{other}' is not add, update, delete or show"
        ))),
    }
}
