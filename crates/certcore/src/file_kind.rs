//! What kind of file some bytes are, told by their structure, so that a file given to
//! the wrong command gets an error naming what it really is and the command to use.

use crate::pkcs12::{SIGNED_DATA, Tlv};

/// The kinds of certificate-related files admins hand to the import commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// PEM text (any labels).
    Pem,
    /// A DER X.509 certificate (possibly malformed inside).
    Certificate,
    /// A DER certificate revocation list.
    Crl,
    /// A DER PKCS#10 certificate request.
    CertificateRequest,
    /// A PKCS#12 (PFX) file.
    Pfx,
    /// A PKCS#7 / CMS SignedData bundle (.p7b, .p7c).
    Pkcs7,
    /// A Microsoft serialized certificate store (.sst).
    SerializedStore,
    /// A DER private key (PKCS#8, encrypted PKCS#8, PKCS#1 or SEC1).
    PrivateKey,
    /// A DER SubjectPublicKeyInfo (a bare public key).
    PublicKey,
    /// No bytes at all.
    Empty,
    /// DER that ends before its own length says (a partial copy).
    Truncated,
    Unknown,
}

impl FileKind {
    /// Tells the kind of `data`.
    pub fn of(data: &[u8]) -> FileKind {
        if data.trim_ascii().is_empty() {
            return FileKind::Empty;
        }
        if crate::pem::is_pem(data) {
            return pem_kind(data);
        }
        // "CERT" after a zero version: the serialized store's header.
        if data.starts_with(&[0, 0, 0, 0, b'C', b'E', b'R', b'T']) {
            return FileKind::SerializedStore;
        }
        let Ok(top) = Tlv::parse_whole(data) else {
            return if declares_more_than(data) {
                FileKind::Truncated
            } else {
                FileKind::Unknown
            };
        };
        let Ok(fields) = top.children() else {
            return FileKind::Unknown;
        };
        let tags: Vec<u8> = fields.iter().map(|f| f.tag).collect();
        let first_int = fields.first().and_then(|f| f.uint().ok());
        match (tags.as_slice(), first_int) {
            ([0x06, 0xa0, ..], _) if fields[0].oid().is_ok_and(|o| o == SIGNED_DATA) => {
                FileKind::Pkcs7
            }
            ([0x02, 0x30, ..], Some(3)) => FileKind::Pfx,
            ([0x30, 0x30, 0x03], _) => signed_kind(&fields[0]),
            ([0x30, 0x03], _) => FileKind::PublicKey,
            _ if crate::pem::key_shape(fields).is_some() => FileKind::PrivateKey,
            _ => FileKind::Unknown,
        }
    }

    /// What the file is: "a DER private key", "a certificate revocation list (CRL)", ...
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Pem => "a PEM file",
            FileKind::Certificate => "a DER certificate",
            FileKind::Crl => "a certificate revocation list (CRL)",
            FileKind::CertificateRequest => "a certificate request (CSR)",
            FileKind::Pfx => "a PFX (PKCS#12) file",
            FileKind::Pkcs7 => "a PKCS#7 bundle (.p7b)",
            FileKind::SerializedStore => "a Windows serialized certificate store (.sst)",
            FileKind::PrivateKey => "a DER private key",
            FileKind::PublicKey => "a bare public key",
            FileKind::Empty => "an empty file",
            FileKind::Truncated => "a truncated DER file",
            FileKind::Unknown => "a file of a kind certhost does not recognise",
        }
    }

    /// What to do with a file of this kind instead.
    pub fn advice(self) -> &'static str {
        match self {
            FileKind::Pem | FileKind::Certificate => "",
            FileKind::Crl => {
                "certhost keeps certificates only; import the CA's certificate instead"
            }
            FileKind::CertificateRequest => {
                "send it to the certificate authority and import the certificate it issues"
            }
            FileKind::Pfx => {
                "import it with Import-PfxCertificate -FilePath <file> -Password <password>"
            }
            FileKind::Pkcs7 => "import it with Import-Certificate -FilePath <file>",
            FileKind::SerializedStore => {
                "SST is not supported: on Windows, export the certificates as .cer files (Export-Certificate -Type CERT)"
            }
            FileKind::PrivateKey => {
                "give it as the private key with its certificate: Add-BackupServerCertificate -CertificatePath <cert> -PrivateKeyPath <key>"
            }
            FileKind::PublicKey => {
                "a certificate is needed: ask for the certificate (.cer, .crt or .pem) that holds this key"
            }
            FileKind::Empty => "it has no content: check that it was copied completely",
            FileKind::Truncated => {
                "it ends before its own length says: copy it again completely (in binary mode)"
            }
            FileKind::Unknown => "expected a DER or PEM certificate (.cer, .crt, .pem)",
        }
    }
}

/// The kind of a PEM file, by its labels: certificates first (a bundle may hold a key or
/// a CRL besides), then what the first block is. A PEM key is left to the callers, which
/// say what to do with a key in their own words.
fn pem_kind(data: &[u8]) -> FileKind {
    let Ok(blocks) = crate::pem::pem_blocks(data) else {
        return FileKind::Pem; // the PEM reader reports its own, precise error
    };
    let is_certificate = |label: &str| label.ends_with("CERTIFICATE") && !label.contains("REQUEST");
    if blocks.iter().any(|b| is_certificate(&b.label)) {
        return FileKind::Pem;
    }
    match blocks.first().map(|b| b.label.as_str()) {
        Some("X509 CRL") => FileKind::Crl,
        Some("CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST") => FileKind::CertificateRequest,
        Some("PKCS7" | "CMS") => FileKind::Pkcs7,
        Some("PUBLIC KEY") => FileKind::PublicKey,
        _ => FileKind::Pem,
    }
}

/// Whether `data` starts with a DER header whose length runs past its end.
fn declares_more_than(data: &[u8]) -> bool {
    let Some(&first) = data.get(1) else {
        return false;
    };
    let (length, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        match data.get(2..2 + count) {
            Some(bytes) if (1..=4).contains(&count) => (
                bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)),
                2 + count,
            ),
            _ => return false,
        }
    };
    data[0] == 0x30 && header + length > data.len()
}

/// Certificate, CRL or request: three signed structures told apart by their body.
fn signed_kind(body: &Tlv<'_>) -> FileKind {
    let Ok(fields) = body.children() else {
        return FileKind::Unknown;
    };
    let tags: Vec<u8> = fields.iter().map(|f| f.tag).collect();
    let is_time = |t: &u8| *t == 0x17 || *t == 0x18;
    if tags.first() == Some(&0xa0) || tags.len() >= 6 {
        FileKind::Certificate
    } else if tags.iter().take(4).any(is_time) {
        FileKind::Crl
    } else if tags.last() == Some(&0xa0) && tags.first() == Some(&0x02) {
        FileKind::CertificateRequest
    } else {
        FileKind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_garbage() {
        assert_eq!(
            FileKind::of(b"  -----BEGIN CERTIFICATE-----\n"),
            FileKind::Pem
        );
        assert_eq!(
            FileKind::of(b"\0\0\0\0CERT\x20\0\0\0"),
            FileKind::SerializedStore
        );
        assert_eq!(FileKind::of(b"hello"), FileKind::Unknown);
    }

    #[test]
    fn pem_files_are_told_by_their_labels_after_any_leading_text() {
        let block = |label: &str| format!("-----BEGIN {label}-----\nAQID\n-----END {label}-----\n");
        let leading = format!(
            "Bag Attributes\n    friendlyName: web\n{}",
            block("CERTIFICATE")
        );
        assert_eq!(FileKind::of(leading.as_bytes()), FileKind::Pem);
        assert_eq!(FileKind::of(block("X509 CRL").as_bytes()), FileKind::Crl);
        assert_eq!(
            FileKind::of(block("CERTIFICATE REQUEST").as_bytes()),
            FileKind::CertificateRequest
        );
        assert_eq!(FileKind::of(block("PKCS7").as_bytes()), FileKind::Pkcs7);
    }
}
