//! Forms with files (the install wizard's uploads, a peer's certificate): read whole,
//! within the route's upload limit, with the CSRF token checked before any handler runs.

use super::{SignedIn, layout};
use crate::serve::api::App;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The fields of a multipart form: text fields and files, by name (wiped when dropped:
/// they may hold a key or a password).
pub struct Parts {
    fields: HashMap<String, (Option<String>, Zeroizing<Vec<u8>>)>,
}

impl Parts {
    /// A field as text (none when missing or not UTF-8).
    pub fn text(&self, name: &str) -> Option<String> {
        self.fields
            .get(name)
            .and_then(|(_, b)| std::str::from_utf8(b).ok())
            .map(str::to_string)
    }

    /// A file's bytes (none when missing or empty).
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .get(name)
            .map(|(_, b)| b.as_slice())
            .filter(|b| !b.is_empty())
    }

    /// The name the browser gave a file.
    pub fn file_name(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(|(n, _)| n.as_deref())
    }
}

async fn read(mut multipart: Multipart) -> Result<Parts, String> {
    let mut fields = HashMap::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| e.body_text())?;
        fields.insert(name, (file_name, Zeroizing::new(bytes.to_vec())));
    }
    Ok(Parts { fields })
}

/// A multipart form sent from the pages by the signed-in user, its CSRF token checked.
pub struct SignedUpload {
    pub signed: SignedIn,
    pub parts: Parts,
}

impl FromRequest<Arc<App>> for SignedUpload {
    type Rejection = Response;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = SignedIn::from_request_parts(&mut parts, app).await?;
        let request = Request::from_parts(parts, body);
        let read = match Multipart::from_request(request, app).await {
            Ok(multipart) => read(multipart).await,
            Err(e) => Err(e.body_text()),
        };
        let fields = read.map_err(|e| {
            layout::message_page(
                &signed,
                StatusCode::BAD_REQUEST,
                "Upload refused",
                &format!(
                    "The form could not be read ({e}). Uploads are limited to {} KiB; nothing was changed.",
                    app.upload_limit / 1024
                ),
            )
        })?;
        if let Some(refused) = signed.form_refusal(fields.text("csrf").as_deref()) {
            return Err(refused);
        }
        Ok(SignedUpload {
            signed,
            parts: fields,
        })
    }
}
