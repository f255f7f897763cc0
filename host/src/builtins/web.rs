//! `Invoke-RestMethod` and `Invoke-WebRequest`: HTTP(S) requests as pwsh makes them, so
//! an admin can script certhost's own REST API (or any other) the way pwsh admins script
//! Veeam's. JSON answers become objects; `-Form` sends multipart/form-data (files from
//! `Get-Item`); `-Authentication Bearer -Token` and `-Headers` authorize. A token or
//! password is never part of an error message.

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterInfo, ParameterType as T, command_info, param,
    server_example,
};
use crate::engine::session::{ErrorKind, Interrupt, RuntimeError};
use crate::engine::{Session, Value};
use std::time::Duration;

/// Why a request failed, in words an admin can act on.
#[derive(Debug, thiserror::Error)]
enum WebError {
    #[error("'{0}' is not a valid http or https URI.")]
    BadUri(String),
    #[error(
        "-Method '{0}' is not an HTTP method; use Get, Post, Put, Patch, Delete, Head or Options."
    )]
    BadMethod(String),
    #[error("-Authentication {0} needs {1}.")]
    MissingCredential(String, &'static str),
    #[error(
        "-Authentication '{0}' is not supported; use Bearer (with -Token) or Basic (with -Credential)."
    )]
    BadAuthentication(String),
    #[error(
        "-Authentication {0} over unencrypted http:// would send the credential in clear text; use https://, or add -AllowUnencryptedAuthentication if you must."
    )]
    Unencrypted(String),
    #[error("cannot read the file '{0}' for the request: {1}")]
    ReadFile(String, String),
    #[error("cannot write the response to '{0}': {1}")]
    WriteFile(String, String),
    #[error("{0}")]
    Transport(String),
    #[error("Response status code does not indicate success: {code} ({reason}).{detail}")]
    Status {
        code: u16,
        reason: String,
        detail: String,
    },
}

fn common_parameters() -> Vec<ParameterInfo> {
    vec![
        param("Uri", T::Text, "The URI of the request (http or https).")
            .mandatory()
            .position(0),
        param(
            "Method",
            T::Text,
            "Get (default), Post, Put, Patch, Delete, Head or Options.",
        )
        .values(&["Get", "Post", "Put", "Patch", "Delete", "Head", "Options"]),
        param("Headers", T::Any, "Request headers, as a hashtable."),
        param(
            "Body",
            T::Any,
            "The request body: a string, or a hashtable sent as a form (application/x-www-form-urlencoded).",
        ),
        param("ContentType", T::Text, "The Content-Type of the body."),
        param(
            "Form",
            T::Any,
            "A hashtable sent as multipart/form-data; a value from Get-Item is sent as a file.",
        ),
        param(
            "InFile",
            T::Text,
            "A file whose contents are the request body.",
        ),
        param(
            "OutFile",
            T::Text,
            "Writes the response body to this file instead of the output.",
        ),
        param(
            "SkipCertificateCheck",
            T::Switch,
            "Accepts any server certificate (for a self-signed one you have not trusted yet).",
        ),
        param(
            "Authentication",
            T::Text,
            "Bearer (with -Token) or Basic (with -Credential).",
        )
        .values(&["None", "Bearer", "OAuth", "Basic"]),
        param("Token", T::SecureText, "The bearer token (a SecureString)."),
        param(
            "Credential",
            T::Any,
            "User name and password for Basic authentication.",
        ),
        param(
            "AllowUnencryptedAuthentication",
            T::Switch,
            "Sends -Token or -Credential over http:// (in clear text).",
        ),
        param("UserAgent", T::Text, "The User-Agent header."),
        param(
            "TimeoutSec",
            T::Integer,
            "Seconds before the request is abandoned (default 100).",
        ),
        param(
            "MaximumRedirection",
            T::Integer,
            "Redirects followed (default 5).",
        ),
        param(
            "SkipHttpErrorCheck",
            T::Switch,
            "Returns the answer of an error status instead of failing.",
        ),
        param(
            "StatusCodeVariable",
            T::Text,
            "The name of a variable that receives the status code.",
        ),
        param(
            "ResponseHeadersVariable",
            T::Text,
            "The name of a variable that receives the response headers.",
        ),
    ]
}

/// A request as the parameters describe it.
struct Request {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

/// The answer.
struct Response {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn form_urlencoded(entries: &[(String, Value)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                other => format!("%{other:02X}"),
            })
            .collect::<String>()
    };
    entries
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(&secret_or_text(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// A value's text for the wire; a SecureString's secret is sent, never displayed.
fn secret_or_text(v: &Value) -> String {
    match v {
        Value::SecureString(s) => s.reveal().to_string(),
        other => other.to_text(),
    }
}

/// A multipart/form-data body: file parts for values from `Get-Item`, text for the rest.
fn multipart(entries: &[(String, Value)]) -> Result<(String, Vec<u8>), WebError> {
    let boundary = format!("certhost-{}", hex::encode(rand_bytes()));
    let mut body = Vec::new();
    for (name, value) in entries {
        let values = match value {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for v in values {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match &v {
                Value::Object(o) if o.type_name == "FileInfo" => {
                    let path = o.get("FullName").map(|p| p.to_text()).unwrap_or_default();
                    let file_name = o.get("Name").map(|p| p.to_text()).unwrap_or_default();
                    let content = std::fs::read(&path)
                        .map_err(|e| WebError::ReadFile(path.clone(), e.to_string()))?;
                    body.extend_from_slice(
                        format!(
                            "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    body.extend_from_slice(&content);
                }
                other => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(secret_or_text(other).as_bytes());
                }
            }
            body.extend_from_slice(b"\r\n");
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok((
        format!("multipart/form-data; boundary=\"{boundary}\""),
        body,
    ))
}

fn rand_bytes() -> [u8; 12] {
    let mut bytes = [0u8; 12];
    // A boundary only needs to be unlikely to occur in the content; the clock will do
    // if the system's random source is unavailable.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    bytes
}

/// Builds the request from the parameters.
fn request_of(args: &BoundArguments) -> Result<Request, WebError> {
    let uri = args.text("Uri").unwrap_or_default();
    let lower = uri.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(WebError::BadUri(uri));
    }
    let method = args.text("Method").unwrap_or_else(|| "Get".into());
    let method = match method.to_ascii_uppercase().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_string(),
        _ => return Err(WebError::BadMethod(method)),
    };
    let mut headers: Vec<(String, String)> = args
        .get("Headers")
        .map(|h| h.entries())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, secret_or_text(&v)))
        .collect();
    if let Some(agent) = args.text("UserAgent") {
        headers.push(("User-Agent".into(), agent));
    }
    let authentication = args.text("Authentication").map(|a| a.to_ascii_lowercase());
    if authentication.as_deref().is_some_and(|a| a != "none")
        && lower.starts_with("http://")
        && !args.switch("AllowUnencryptedAuthentication")
    {
        return Err(WebError::Unencrypted(
            args.text("Authentication").unwrap_or_default(),
        ));
    }
    match authentication.as_deref() {
        None | Some("none") => {}
        Some("bearer" | "oauth") => match args.get("Token") {
            Some(token) => headers.push((
                "Authorization".into(),
                format!("Bearer {}", secret_or_text(token)),
            )),
            None => {
                return Err(WebError::MissingCredential("Bearer".into(), "-Token"));
            }
        },
        Some("basic") => {
            let credential = args
                .get("Credential")
                .ok_or_else(|| WebError::MissingCredential("Basic".into(), "-Credential"))?;
            let user = credential
                .property("UserName")
                .map(|v| v.to_text())
                .unwrap_or_default();
            let password = credential
                .property("Password")
                .map(|v| secret_or_text(&v))
                .unwrap_or_default();
            use base64::Engine;
            let pair =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            headers.push(("Authorization".into(), format!("Basic {pair}")));
        }
        Some(other) => return Err(WebError::BadAuthentication(other.to_string())),
    }
    let content_type = args.text("ContentType");
    let mut body = None;
    if let Some(form) = args.get("Form") {
        let (ct, bytes) = multipart(&form.entries())?;
        headers.push(("Content-Type".into(), ct));
        body = Some(bytes);
    } else if let Some(path) = args.text("InFile") {
        body = Some(std::fs::read(&path).map_err(|e| WebError::ReadFile(path, e.to_string()))?);
    } else if let Some(b) = args.get("Body") {
        match b {
            Value::Hashtable(_) if content_type.is_none() => {
                headers.push((
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
                body = Some(form_urlencoded(&b.entries()).into_bytes());
            }
            other => body = Some(secret_or_text(other).into_bytes()),
        }
    }
    if let Some(ct) = content_type {
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        headers.push(("Content-Type".into(), ct));
    }
    Ok(Request {
        method,
        uri,
        headers,
        body,
    })
}

/// Sends the request.
fn send(args: &BoundArguments, request: Request) -> Result<Response, WebError> {
    let timeout = args
        .get("TimeoutSec")
        .and_then(crate::engine::operators::to_number)
        .map(|n| n.as_int())
        .filter(|s| *s > 0)
        .unwrap_or(100);
    let redirects = args
        .get("MaximumRedirection")
        .and_then(crate::engine::operators::to_number)
        .map(|n| n.as_int().clamp(0, 50) as u32)
        .unwrap_or(5);
    // The system's trust store (/etc/ssl/certs), so an internal CA the admin trusts works.
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .disable_verification(args.switch("SkipCertificateCheck"))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(timeout as u64)))
        .max_redirects(redirects)
        .tls_config(tls)
        .build()
        .into();
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(request.uri.as_str());
    for (k, v) in &request.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let transport = |e: String| WebError::Transport(e);
    let built = builder
        .body(request.body.unwrap_or_default())
        .map_err(|e| transport(format!("the request is not valid: {e}")))?;
    let mut answer = agent.run(built).map_err(|e| {
        transport(match e {
            ureq::Error::Timeout(_) => format!(
                "The request to {} was canceled after {timeout} s (-TimeoutSec).",
                request.uri
            ),
            other if other.to_string().contains("invalid peer certificate") => format!(
                "The request to {} failed: the server's certificate is not trusted ({}); trust its CA (or the certificate) in /etc/ssl/certs, or use -SkipCertificateCheck for a self-signed one you have checked.",
                request.uri,
                other.to_string().rsplit(": ").next().unwrap_or_default()
            ),
            other => format!("The request to {} failed: {other}", request.uri),
        })
    })?;
    let status = answer.status();
    let headers = answer
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = answer
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_vec()
        .map_err(|e| transport(format!("cannot read the answer: {e}")))?;
    Ok(Response {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or_default().to_string(),
        headers,
        body,
    })
}

/// Runs the request; an error status fails unless -SkipHttpErrorCheck; sets the
/// -StatusCodeVariable and -ResponseHeadersVariable; writes -OutFile.
/// A failed request stops the statement (a `try` catches it), as in pwsh.
fn perform(
    session: &mut Session,
    command: &str,
    args: &BoundArguments,
) -> Result<Option<Response>, Interrupt> {
    let fail = |e: WebError| {
        let category = match e {
            WebError::Status { .. } => "InvalidOperation",
            WebError::Transport(_) => "ConnectionError",
            _ => "InvalidArgument",
        };
        Interrupt::Error(Box::new(RuntimeError {
            error: CommandError::new(
                command,
                category,
                "WebCmdletWebResponseException",
                e.to_string(),
            ),
            kind: ErrorKind::StatementTerminating,
            thrown: None,
        }))
    };
    let request = request_of(args).map_err(fail)?;
    let response = send(args, request).map_err(fail)?;
    if let Some(name) = args.text("StatusCodeVariable") {
        session.set_variable(&name, Value::Int(i64::from(response.status)));
    }
    if let Some(name) = args.text("ResponseHeadersVariable") {
        let headers = response
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        session.set_variable(&name, Value::hashtable(headers));
    }
    if response.status >= 400 && !args.switch("SkipHttpErrorCheck") {
        let text = String::from_utf8_lossy(&response.body).trim().to_string();
        let detail = if text.is_empty() {
            String::new()
        } else {
            format!("\n{text}")
        };
        return Err(fail(WebError::Status {
            code: response.status,
            reason: response.reason,
            detail,
        }));
    }
    if let Some(path) = args.text("OutFile") {
        let full = std::env::current_dir().unwrap_or_default().join(&path);
        std::fs::write(&full, &response.body)
            .map_err(|e| fail(WebError::WriteFile(path, e.to_string())))?;
        return Ok(None);
    }
    Ok(Some(response))
}

fn is_json(response: &Response) -> bool {
    response.headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("content-type") && v.to_ascii_lowercase().contains("json")
    })
}

pub fn invoke_rest_method() -> Builtin {
    Builtin::new(
        command_info(
            "Invoke-RestMethod",
            &["irm"],
            "Sends an HTTP or HTTPS request to a RESTful web service.",
            "Sends the request and returns the answer's content: JSON as objects (an array answer as its elements), other text as a string. An error status (4xx, 5xx) fails with the status and the answer's text, unless -SkipHttpErrorCheck.",
            common_parameters(),
            "Object",
        )
        .examples(vec![server_example(
            "Sign in to certhost serve and list its certificates",
            "$version = @{ 'x-api-version' = '1.0-rev0' }\n$form = @{ grant_type = 'password'; username = 'admin'; password = $env:API_PASSWORD }\n$token = Invoke-RestMethod -Method Post -Uri https://backup01:9419/api/oauth2/token -Body $form -Headers $version -SkipCertificateCheck\n$secure = ConvertTo-SecureString $token.access_token -AsPlainText -Force\n(Invoke-RestMethod https://backup01:9419/api/v1/settings/certificates -Authentication Bearer -Token $secure -Headers $version -SkipCertificateCheck).data | Select-Object subject, thumbprint",
            "-SkipCertificateCheck is for a self-signed certificate not trusted yet; the token travels as a SecureString.",
        )]),
        false,
        |session, args, _| {
            let Some(response) = perform(session, "Invoke-RestMethod", args)? else {
                return Ok(Vec::new());
            };
            let text = String::from_utf8_lossy(&response.body).into_owned();
            if text.trim().is_empty() {
                return Ok(Vec::new());
            }
            if (is_json(&response) || text.trim_start().starts_with(['{', '[']))
                && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
            {
                return Ok(match super::json::from_json(json) {
                    Value::Array(items) => items,
                    one => vec![one],
                });
            }
            Ok(vec![Value::String(text)])
        },
    )
}

pub fn invoke_web_request() -> Builtin {
    Builtin::new(
        command_info(
            "Invoke-WebRequest",
            &["iwr"],
            "Gets content from a web page or service, with the status and headers.",
            "Sends the request and returns an object with StatusCode, StatusDescription, Content (text), Headers and RawContentLength. An error status fails unless -SkipHttpErrorCheck.",
            common_parameters(),
            "WebResponseObject",
        )
        .examples(vec![server_example(
            "The status of certhost's public certificate route",
            "(Invoke-WebRequest https://backup01:9419/api/v1/serverCertificate -Headers @{ 'x-api-version' = '1.0-rev0' } -SkipCertificateCheck).StatusCode",
            "200 when the server answers.",
        )]),
        false,
        |session, args, _| {
            let Some(response) = perform(session, "Invoke-WebRequest", args)? else {
                return Ok(Vec::new());
            };
            let headers = response
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            Ok(vec![Value::object(
                "WebResponseObject",
                vec![
                    ("StatusCode".into(), Value::Int(i64::from(response.status))),
                    ("StatusDescription".into(), Value::String(response.reason)),
                    (
                        "Content".into(),
                        Value::String(String::from_utf8_lossy(&response.body).into_owned()),
                    ),
                    ("Headers".into(), Value::hashtable(headers)),
                    (
                        "RawContentLength".into(),
                        Value::Int(response.body.len() as i64),
                    ),
                ],
            )])
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_url_encoded_as_browsers_do() {
        let form = vec![
            ("grant_type".to_string(), Value::String("password".into())),
            ("password".to_string(), Value::String("a b&c=d/é".into())),
        ];
        assert_eq!(
            form_urlencoded(&form),
            "grant_type=password&password=a+b%26c%3Dd%2F%C3%A9"
        );
    }

    #[test]
    fn multipart_bodies_carry_fields_and_end_with_the_boundary() {
        let (content_type, body) =
            multipart(&[("certificatePassword".into(), Value::String("pw".into()))]).unwrap();
        let boundary = content_type
            .split("boundary=\"")
            .nth(1)
            .unwrap()
            .trim_end_matches('"');
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"certificatePassword\"\r\n\r\npw\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    }
}
