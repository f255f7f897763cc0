//! `netsh http add|update|delete|show sslcert`, as scripts call it: the same syntax,
//! output layout, messages and error codes as Windows, persisted in the bindings table.
//! Each of Windows' cryptic errors gets a second line naming the real cause.
//!
//! Keys are case-insensitive. As on Windows, a key that is unknown or given twice is "The
//! parameter is incorrect."; so is a key of Windows' that certhost does not implement
//! (`dsmapperusage`, `sslctlstorename`, ...), rather than being ignored. Endpoints are
//! compared and stored in one spelling (`0.0.0.0:08450` is `0.0.0.0:8450`).

use super::utility::Builtin;
use crate::engine::command::{CmdletExt, command_info, example};
use crate::engine::{Session, Value};
use crate::store::{
    Binding, BindingError, Database, Endpoint, hostname_endpoint, ip_endpoint,
    valid_app_id as valid_guid,
};
use std::collections::HashMap;

pub use crate::store::REST_API_APP_ID;

/// `netsh` (`netsh.exe`): takes its words as remaining arguments.
pub fn netsh() -> Builtin {
    Builtin::new(
        command_info(
            "netsh",
            &["netsh.exe"],
            "Manages ip:port TLS certificate bindings (netsh http ... sslcert).",
            "netsh http add|update|delete|show sslcert ipport=IP:PORT|hostnameport=NAME:PORT certhash=<40 hex> appid={GUID} [certstorename=MY] [clientcertnegotiation=enable|disable] [verifyclientcertrevocation=enable|disable]. Keys are case-insensitive; Windows' other keys (dsmapperusage, sslctlstorename, ...), unknown keys and a key given twice are refused with \"The parameter is incorrect.\" and the cause.",
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
#[derive(Debug)]
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

/// The keys of `netsh http delete|show sslcert` that certhost reads.
const ENDPOINT_KEYS: &[&str] = &["ipport", "hostnameport"];

/// The keys of `netsh http add|update sslcert` that certhost reads.
const CHANGE_KEYS: &[&str] = &[
    "ipport",
    "hostnameport",
    "certhash",
    "appid",
    "certstorename",
    "verifyclientcertrevocation",
    "clientcertnegotiation",
];

/// Keys of Windows' `netsh http add sslcert` that certhost does not implement: given,
/// they are refused rather than ignored, so no script believes it set them.
const UNSUPPORTED_KEYS: &[&str] = &[
    "ccs",
    "scopedccs",
    "verifyrevocationwithcachedclientcertonly",
    "usagecheck",
    "revocationfreshnesstime",
    "urlretrievaltimeout",
    "sslctlidentifier",
    "sslctlstorename",
    "dsmapperusage",
    "reject",
    "disablehttp2",
    "disablequic",
    "disabletls12",
    "disabletls13",
    "disablelegacytls",
    "disableocspstapling",
    "enablesessionticket",
    "logextendedevents",
];

/// The arguments of one netsh command: lower-case key → value.
type Arguments = HashMap<String, String>;

fn run(session: &mut Session, words: &[String]) -> Result<String, Failure> {
    let host = crate::builtins::host(session);
    let mut db = host
        .services
        .database
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let words = pasted_thumbprints_cleaned(session, words)?;
    execute(&mut db, &words)
}

/// `certhash=` with a thumbprint pasted from the Windows certificate dialog (spaces,
/// invisible marks, lower case) becomes the plain thumbprint, with a warning.
fn pasted_thumbprints_cleaned(
    session: &mut Session,
    words: &[String],
) -> Result<Vec<String>, Failure> {
    words
        .iter()
        .map(|word| match word.split_once('=') {
            Some((key, value)) if key.eq_ignore_ascii_case("certhash") => {
                super::thumbprint_argument(session, value)
                    .map(|hash| format!("{key}={hash}"))
                    .map_err(|e| incorrect(format!("certhash: {e}")))
            }
            _ => Ok(word.clone()),
        })
        .collect()
}

/// netsh's words (`http add sslcert ipport=...`) carried out on the database: what netsh
/// prints, or how it fails.
fn execute(db: &mut Database, words: &[String]) -> Result<String, Failure> {
    let (verb, rest) = split_command(words)?;
    let args = parse_arguments(&verb, rest)?;
    let endpoint = endpoint(&args)?;
    match verb.as_str() {
        "show" => show(db, endpoint.as_ref()),
        "delete" => delete(db, endpoint),
        _ => change(db, &verb, &args, endpoint),
    }
}

/// What netsh would do with `words`, checked without touching the database: the verb and
/// the normalized endpoint (`show`, `delete`), or the binding `add`/`update` would store;
/// else the cause of "The parameter is incorrect.". For tests and fuzzing.
pub fn check_request(words: &[String]) -> Result<String, String> {
    let refused = |f: Failure| f.cause.unwrap_or_else(|| f.lines.join(" "));
    let (verb, rest) = split_command(words).map_err(refused)?;
    let args = parse_arguments(&verb, rest).map_err(refused)?;
    let endpoint = endpoint(&args).map_err(refused)?;
    match verb.as_str() {
        "show" | "delete" => Ok(format!(
            "{verb} {}",
            endpoint.map(|e| e.text).unwrap_or_default()
        )),
        _ => {
            let endpoint =
                endpoint.ok_or_else(|| format!("{verb} needs ipport= or hostnameport="))?;
            let binding = requested(&args, endpoint).map_err(refused)?;
            Ok(format!(
                "{verb} {} {} {}",
                binding.endpoint, binding.certificate_hash, binding.app_id
            ))
        }
    }
}

/// The verb (lower case) of `http <verb> sslcert`, and the words after it.
fn split_command(words: &[String]) -> Result<(String, &[String]), Failure> {
    match words {
        [http, verb, sslcert, rest @ ..]
            if http.eq_ignore_ascii_case("http") && sslcert.eq_ignore_ascii_case("sslcert") =>
        {
            Ok((verb.to_ascii_lowercase(), rest))
        }
        _ => Err(incorrect(
            "certhost's netsh supports: netsh http add|update|delete|show sslcert ...",
        )),
    }
}

/// The keys `verb` takes.
fn keys_of(verb: &str) -> Result<&'static [&'static str], Failure> {
    match verb {
        "add" | "update" => Ok(CHANGE_KEYS),
        "delete" | "show" => Ok(ENDPOINT_KEYS),
        other => Err(incorrect(format!(
            "'{other}' is not add, update, delete or show"
        ))),
    }
}

/// The `key=value` words, keys in lower case (as Windows, any case is accepted). A key
/// that is unknown, not supported, not one of `verb`'s or given twice is refused.
fn parse_arguments(verb: &str, words: &[String]) -> Result<Arguments, Failure> {
    let accepted = keys_of(verb)?;
    let mut args = Arguments::new();
    for word in words {
        let (key, value) = word
            .split_once('=')
            .ok_or_else(|| incorrect(format!("'{word}' is not key=value")))?;
        let key = key.to_ascii_lowercase();
        check_key(verb, &key, accepted)?;
        if args.contains_key(&key) {
            return Err(incorrect(format!(
                "'{key}' is given twice; give each key once"
            )));
        }
        args.insert(key, value.trim_matches('"').to_string());
    }
    Ok(args)
}

/// `key` is one `verb` takes, or why not.
fn check_key(verb: &str, key: &str, accepted: &[&str]) -> Result<(), Failure> {
    if accepted.contains(&key) {
        Ok(())
    } else if UNSUPPORTED_KEYS.contains(&key) {
        Err(incorrect(format!(
            "'{key}' is a netsh key certhost does not support; remove it"
        )))
    } else if CHANGE_KEYS.contains(&key) {
        Err(incorrect(format!(
            "'{key}' is not a key of netsh http {verb} sslcert; it takes: {}",
            accepted.join(", ")
        )))
    } else {
        Err(incorrect(format!(
            "unknown key '{key}'; the keys are: {}",
            accepted.join(", ")
        )))
    }
}

/// The endpoint of `ipport=` or `hostnameport=` in its canonical spelling, if given.
fn endpoint(args: &Arguments) -> Result<Option<Endpoint>, Failure> {
    let parsed = match (args.get("ipport"), args.get("hostnameport")) {
        (Some(_), Some(_)) => return Err(incorrect("give ipport or hostnameport, not both")),
        (Some(ip), None) => ip_endpoint(ip),
        (None, Some(name)) => hostname_endpoint(name),
        (None, None) => return Ok(None),
    };
    parsed.map(Some).map_err(|e| incorrect(e.to_string()))
}

/// `enable` or `disable` (any case) as a flag; `default` when `key` is not given.
fn enabled(args: &Arguments, key: &str, default: bool) -> Result<bool, Failure> {
    let Some(text) = args.get(key) else {
        return Ok(default);
    };
    if text.eq_ignore_ascii_case("enable") {
        Ok(true)
    } else if text.eq_ignore_ascii_case("disable") {
        Ok(false)
    } else {
        Err(incorrect(format!(
            "{key} must be enable or disable (got '{text}')"
        )))
    }
}

/// `show sslcert`: every binding, or the one of the endpoint.
fn show(db: &Database, endpoint: Option<&Endpoint>) -> Result<String, Failure> {
    let bindings = match endpoint {
        Some(e) => vec![
            db.get_binding(&e.text)
                .map_err(|err| incorrect(err.to_string()))?
                .ok_or_else(|| failed("deletion", 2, format!("{} is not bound", e.text)))?,
        ],
        None => db.list_bindings().map_err(|e| incorrect(e.to_string()))?,
    };
    let mut out = String::from("\nSSL Certificate bindings:\n-------------------------\n\n");
    for b in &bindings {
        out.push_str(&show_binding(b));
        out.push('\n');
    }
    Ok(out)
}

/// `delete sslcert`: removes the binding of the endpoint.
fn delete(db: &mut Database, endpoint: Option<Endpoint>) -> Result<String, Failure> {
    let e = endpoint
        .ok_or_else(|| incorrect("delete needs ipport= or hostnameport="))?
        .text;
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

/// `add` or `update sslcert`: binds the endpoint to the certificate.
fn change(
    db: &mut Database,
    verb: &str,
    args: &Arguments,
    endpoint: Option<Endpoint>,
) -> Result<String, Failure> {
    let endpoint = endpoint.ok_or_else(|| {
        incorrect(format!(
            "{verb} needs ipport=IP:PORT or hostnameport=NAME:PORT"
        ))
    })?;
    let binding = requested(args, endpoint)?;
    let (result, done) = if verb == "add" {
        (db.add_binding(&binding), "added")
    } else {
        (db.update_binding(&binding), "updated")
    };
    result.map_err(|err| change_failure(verb, &binding.endpoint, err))?;
    Ok(format!("\nSSL Certificate successfully {done}\n\n"))
}

/// The binding `add` or `update` asks for, its values checked.
fn requested(args: &Arguments, endpoint: Endpoint) -> Result<Binding, Failure> {
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
    let store_name = args.get("certstorename").map_or("MY", String::as_str);
    Ok(Binding {
        endpoint: endpoint.text,
        sni: endpoint.sni,
        certificate_hash: hash.to_ascii_uppercase(),
        app_id,
        store_name: store_name.to_ascii_uppercase(),
        client_certificate_negotiation: enabled(args, "clientcertnegotiation", false)?,
        verify_client_certificate_revocation: enabled(args, "verifyclientcertrevocation", true)?,
    })
}

/// Windows' failure for a refused `add` or `update`, with the cause.
fn change_failure(verb: &str, endpoint: &str, err: BindingError) -> Failure {
    match err {
        BindingError::AlreadyExists(_) => failed(
            "add",
            183,
            format!(
                "{endpoint} is already bound; 'netsh http update sslcert' replaces the certificate without a gap"
            ),
        ),
        BindingError::NotFound(_) => failed(
            "update",
            2,
            format!("{endpoint} is not bound; use 'netsh http add sslcert'"),
        ),
        cause
        @ (BindingError::CertificateNotInStore { .. } | BindingError::NoPrivateKey { .. }) => {
            failed(verb, 1312, cause.to_string())
        }
        other => incorrect(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewEntry;

    const APP: &str = "{284175c4-aa3e-4c6f-a2dd-5a4c80552eb9}";

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    /// A database whose store My holds a certificate with a key; and its thumbprint.
    fn database() -> (tempfile::TempDir, Database, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open(&dir.path().join("home")).unwrap();
        let entry = NewEntry {
            certificate: b"not really DER".to_vec(),
            private_key: Some(b"key".to_vec()),
            friendly_name: String::new(),
            chain: Vec::new(),
        };
        let thumbprint = db.add_certificates("My", &[entry]).unwrap().remove(0);
        (dir, db, thumbprint)
    }

    /// The cause a command is refused with, checking Windows' line.
    fn incorrect_cause(db: &mut Database, line: &str) -> String {
        let f = execute(db, &words(line)).unwrap_err();
        assert_eq!(f.lines, vec!["The parameter is incorrect."], "{line}");
        f.cause.unwrap_or_default()
    }

    #[test]
    fn an_unknown_key_is_refused_with_the_keys() {
        let (_dir, mut db, t) = database();
        let cause = incorrect_cause(
            &mut db,
            &format!("http add sslcert ipport=0.0.0.0:8450 certhash={t} appid={APP} foo=bar"),
        );
        assert_eq!(
            cause,
            "unknown key 'foo'; the keys are: ipport, hostnameport, certhash, appid, certstorename, verifyclientcertrevocation, clientcertnegotiation"
        );
        assert!(db.list_bindings().unwrap().is_empty());
        let cause = incorrect_cause(&mut db, "http delete sslcert ipport=0.0.0.0:8450 foo=1");
        assert_eq!(
            cause,
            "unknown key 'foo'; the keys are: ipport, hostnameport"
        );
    }

    #[test]
    fn a_windows_key_certhost_does_not_implement_is_refused() {
        let (_dir, mut db, t) = database();
        for extra in [
            "dsmapperusage=enable",
            "sslctlstorename=CA",
            "DisableHttp2=enable",
            "usagecheck=enable",
        ] {
            let line =
                format!("http add sslcert ipport=0.0.0.0:8450 certhash={t} appid={APP} {extra}");
            let key = extra
                .split('=')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            assert_eq!(
                incorrect_cause(&mut db, &line),
                format!("'{key}' is a netsh key certhost does not support; remove it")
            );
        }
        assert!(db.list_bindings().unwrap().is_empty());
    }

    #[test]
    fn a_key_of_another_verb_is_refused() {
        let (_dir, mut db, t) = database();
        let cause = incorrect_cause(
            &mut db,
            &format!("http delete sslcert ipport=0.0.0.0:8450 certhash={t}"),
        );
        assert_eq!(
            cause,
            "'certhash' is not a key of netsh http delete sslcert; it takes: ipport, hostnameport"
        );
    }

    #[test]
    fn a_key_given_twice_is_refused_in_any_case() {
        let (_dir, mut db, t) = database();
        let line = format!(
            "http add sslcert ipport=0.0.0.0:8450 IPPORT=0.0.0.0:8451 certhash={t} appid={APP}"
        );
        assert_eq!(
            incorrect_cause(&mut db, &line),
            "'ipport' is given twice; give each key once"
        );
        assert!(db.list_bindings().unwrap().is_empty());
    }

    #[test]
    fn keys_are_case_insensitive() {
        let (_dir, mut db, t) = database();
        let line = format!(
            "HTTP Add SSLCert IpPort=0.0.0.0:8450 CertHash={t} AppId={APP} ClientCertNegotiation=Enable"
        );
        execute(&mut db, &words(&line)).unwrap();
        let b = db.get_binding("0.0.0.0:8450").unwrap().unwrap();
        assert!(b.client_certificate_negotiation);
        assert!(b.verify_client_certificate_revocation);
    }

    #[test]
    fn a_port_with_leading_zeros_is_the_same_binding() {
        let (_dir, mut db, t) = database();
        let add =
            |port: &str| format!("http add sslcert ipport=0.0.0.0:{port} certhash={t} appid={APP}");
        assert_eq!(
            execute(&mut db, &words(&add("08450"))).unwrap(),
            "\nSSL Certificate successfully added\n\n"
        );
        let f = execute(&mut db, &words(&add("8450"))).unwrap_err();
        assert_eq!(
            f.lines,
            vec![
                "SSL Certificate add failed, Error: 183",
                "Cannot create a file when that file already exists."
            ]
        );
        assert_eq!(
            f.cause.as_deref(),
            Some(
                "0.0.0.0:8450 is already bound; 'netsh http update sslcert' replaces the certificate without a gap"
            )
        );
        let shown = execute(&mut db, &words("http show sslcert ipport=0.0.0.0:008450")).unwrap();
        assert!(
            shown.contains("    IP:port                      : 0.0.0.0:8450\n"),
            "{shown}"
        );
        execute(&mut db, &words("http delete sslcert ipport=0.0.0.0:8450")).unwrap();
        assert!(db.list_bindings().unwrap().is_empty());
    }

    #[test]
    fn endpoints_are_stored_in_one_spelling() {
        let (_dir, mut db, t) = database();
        for (given, stored) in [
            ("ipport=[0:0:0:0:0:0:0:0]:0443", "[::]:443"),
            ("ipport=::1:443", "[::1]:443"),
            ("hostnameport=API.Tech.Local:0443", "api.tech.local:443"),
        ] {
            let line = format!("http add sslcert {given} certhash={t} appid={APP}");
            execute(&mut db, &words(&line)).unwrap();
            assert!(db.get_binding(stored).unwrap().is_some(), "{given}");
        }
    }

    #[test]
    fn a_port_outside_1_to_65535_is_refused_with_the_range() {
        let (_dir, mut db, t) = database();
        for port in ["0", "65536", "99999"] {
            let line = format!("http add sslcert ipport=0.0.0.0:{port} certhash={t} appid={APP}");
            assert_eq!(
                incorrect_cause(&mut db, &line),
                format!(
                    "the port of '0.0.0.0:{port}' must be a number from 1 to 65535 (got '{port}')"
                )
            );
        }
    }

    #[test]
    fn a_flag_must_be_enable_or_disable() {
        let (_dir, mut db, t) = database();
        let line = format!(
            "http add sslcert ipport=0.0.0.0:8450 certhash={t} appid={APP} verifyclientcertrevocation=yes"
        );
        assert_eq!(
            incorrect_cause(&mut db, &line),
            "verifyclientcertrevocation must be enable or disable (got 'yes')"
        );
    }

    #[test]
    fn anything_but_http_sslcert_is_refused() {
        let (_dir, mut db, _) = database();
        assert_eq!(
            incorrect_cause(&mut db, "http list sslcert"),
            "'list' is not add, update, delete or show"
        );
        assert_eq!(
            incorrect_cause(&mut db, "wlan show profiles"),
            "certhost's netsh supports: netsh http add|update|delete|show sslcert ..."
        );
    }
}
