//! JSON shapes of the REST API: the originals' CertificateModel and error bodies that
//! carry both originals' fields.

use crate::plugin::CertificateInfo;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// `2031-03-17T19:53:54+00:00`, as the originals print times (with an offset).
pub fn timestamp(unix: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+00:00");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

fn common_name(name: &str) -> String {
    name.split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(name)
        .to_string()
}

/// The originals' key algorithm names: `RSA-PKCS1-KeyEx` for RSA.
fn key_algorithm(name: &str) -> String {
    if name == "RSA" {
        "RSA-PKCS1-KeyEx".into()
    } else {
        name.to_string()
    }
}

/// CertificateModel: `{thumbprint, serialNumber, keyAlgorithm, keySize, subject,
/// issuedTo, issuedBy, validFrom, validBy}` (keySize is a string, as in the originals).
pub fn certificate_model(info: &CertificateInfo) -> Value {
    json!({
        "thumbprint": info.thumbprint,
        "serialNumber": info.serial_number,
        "keyAlgorithm": key_algorithm(&info.key_algorithm),
        "keySize": info.key_size.to_string(),
        "subject": info.subject,
        "issuedTo": common_name(&info.subject),
        "issuedBy": common_name(&info.issuer),
        "validFrom": timestamp(info.not_before),
        "validBy": timestamp(info.not_after),
    })
}

/// An error response: VBR's `{errorCode, message, resourceId}` and the problem+json
/// fields of Backup for AWS (`type, title, status, details, instance, data`).
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// One of the originals' codes: AccessDenied, ExpiredToken, InvalidToken, InvalidURI,
    /// MethodNotAllowed, NotFound, NotImplemented, ServiceUnavailable, UnexpectedContent,
    /// UnknownError.
    pub code: &'static str,
    pub message: String,
    /// A specific, stable reason (`WrongPassword`, `MissingApiVersion`, ...).
    pub details: String,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        details: &str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: details.into(),
        }
    }

    pub fn bad_request(details: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "UnexpectedContent",
            details,
            message,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "errorCode": self.code,
            "message": self.message,
            "resourceId": Value::Null,
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "details": self.details,
            "instance": Value::Null,
            "data": Value::Null,
        });
        (self.status, axum::Json(body)).into_response()
    }
}
