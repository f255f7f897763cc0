//! Pending certificate requests, shared by New-CertificateRequest, Import-Certificate
//! and certreq: the key waits in the REQUEST store beside a self-signed placeholder
//! (as on Windows) until the certificate a CA issues for it is accepted.

use super::error;
use super::new_self_signed_certificate::apply_text_extension;
use super::objects::{StoreLocation, certificate_object};
use crate::bindings::certhost::plugin::store::StoredCertificate;
use crate::bindings::certhost::plugin::types::CertificateEntry;
use crate::bindings::exports::certhost::plugin::cmdlets::{CertificateObject, CmdletError};
use crate::convert::cert_error;
use crate::host_api::HostApi;
use certhost_core::csr::{create_request, request_pem};
use certhost_core::file_kind::FileKind;
use certhost_core::generate::{GenerateRequest, KeyUsage};
use certhost_core::keys::KeyAlgorithm;

/// The key of a request (a Windows key algorithm name and length), its key usages
/// (the key's defaults when `None`) and its `-TextExtension` texts.
pub fn set_key_and_extensions(
    request: &mut GenerateRequest,
    key_algorithm: &str,
    key_length: Option<u32>,
    key_usages: Option<Vec<KeyUsage>>,
    text_extensions: &[String],
) -> Result<(), CmdletError> {
    request.key = KeyAlgorithm::from_windows_name(key_algorithm, key_length)
        .map_err(|e| error::from_cert(crate::convert::cert_error(e), None))?;
    if !matches!(request.key, KeyAlgorithm::Rsa(_)) {
        // keyEncipherment does not apply to ECDSA keys.
        request.key_usages = vec![KeyUsage::DigitalSignature];
    }
    if let Some(usages) = key_usages {
        request.key_usages = usages;
    }
    for text in text_extensions {
        apply_text_extension(text, request)?;
    }
    Ok(())
}

/// Makes the key and the request: the key (with its placeholder) into `location`, the
/// request as PEM into `out_file`. Returns the pending entry.
pub fn create(
    host: &dyn HostApi,
    request: &GenerateRequest,
    friendly_name: String,
    location: &StoreLocation,
    out_file: &str,
) -> Result<CertificateObject, CmdletError> {
    let cert_error = |e| error::from_cert(crate::convert::cert_error(e), None);
    let made = create_request(request, host.primitives()).map_err(cert_error)?;
    // The key is stored first, so no request is ever sent without its key; when the
    // file cannot be written, the stored request is taken back.
    let thumbprints = host
        .add_certificates(
            &location.store,
            &[CertificateEntry {
                certificate: made.placeholder.clone(),
                private_key: Some(made.private_key),
                friendly_name: friendly_name.clone(),
                chain: Vec::new(),
            }],
        )
        .map_err(|e| error::from_store(e, None))?;
    if let Err(e) = host.write_file(out_file, request_pem(&made.request).as_bytes(), false) {
        for thumbprint in &thumbprints {
            let _ = host.remove_certificate(&location.store, thumbprint);
        }
        return Err(error::file(out_file, e, true));
    }
    certificate_object(made.placeholder, Some(location), true, friendly_name)
}

/// Where pending requests keep their keys (New-CertificateRequest).
pub const REQUEST_STORE: &str = "REQUEST";

/// The certificate of `certificates` that was issued for a pending request's key (its
/// index), with that request.
pub fn pending_request(
    host: &dyn HostApi,
    certificates: &[Vec<u8>],
) -> Result<Option<(usize, StoredCertificate)>, CmdletError> {
    let pending = host
        .list_certificates(REQUEST_STORE)
        .map_err(|e| error::from_store(e, None))?;
    if pending.is_empty() {
        return Ok(None);
    }
    let public_key = |der: &[u8]| certhost_core::inspect::public_key_info(der).ok();
    for (index, certificate) in certificates.iter().enumerate() {
        let Some(key) = public_key(certificate) else {
            continue;
        };
        if let Some(request) = pending
            .iter()
            .find(|r| public_key(&r.entry.certificate).as_ref() == Some(&key))
        {
            return Ok(Some((index, request.clone())));
        }
    }
    Ok(None)
}

/// Stores `certificates[issued]` with the key of `request` and the other certificates of
/// the file as its chain, and removes the request: one transaction in the host.
pub fn accept(
    host: &dyn HostApi,
    location: &StoreLocation,
    mut certificates: Vec<Vec<u8>>,
    issued: usize,
    request: StoredCertificate,
    path: &str,
) -> Result<CertificateObject, CmdletError> {
    let certificate = certificates.remove(issued);
    let friendly_name = request.entry.friendly_name.clone();
    host.accept_request(
        REQUEST_STORE,
        &request.thumbprint,
        &location.store,
        &CertificateEntry {
            certificate: certificate.clone(),
            private_key: None,
            friendly_name: friendly_name.clone(),
            chain: certificates,
        },
    )
    .map_err(|e| error::from_store(e, Some(path)))?;
    certificate_object(certificate, Some(location), true, friendly_name)
}

/// The certificates of a file a CA or a peer sent: DER, PEM (one or more) or PKCS#7.
/// Another kind of file is named as what it is, and a file with a private key is
/// refused (keys come with Import-PfxCertificate).
pub fn read_certificates(host: &dyn HostApi, path: &str) -> Result<Vec<Vec<u8>>, CmdletError> {
    let data = host
        .read_file(path)
        .map_err(|e| error::file(path, e, false))?;
    let kind = FileKind::of(&data);
    if !matches!(
        kind,
        FileKind::Pem | FileKind::Certificate | FileKind::Pkcs7
    ) {
        return Err(error::invalid_argument(
            "UnsupportedFileType",
            format!(
                "'{path}' is {}, not a certificate: {}",
                kind.describe(),
                kind.advice()
            ),
        ));
    }
    if certhost_core::pem::is_pem(&data)
        && certhost_core::pem::pem_blocks(&data)
            .is_ok_and(|blocks| blocks.iter().any(|b| b.label.ends_with("PRIVATE KEY")))
    {
        return Err(error::invalid_argument(
            "PrivateKeyInCertificateFile",
            format!(
                "'{path}' holds a private key; a certificate file here holds certificates only: use Import-PfxCertificate, or Add-BackupServerCertificate -CertificatePath -PrivateKeyPath"
            ),
        ));
    }
    certhost_core::pem::parse_certificates(&data)
        .map_err(|e| error::from_cert(cert_error(e), Some(path)))
}
