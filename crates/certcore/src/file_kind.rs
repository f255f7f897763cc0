//! What kind of file some bytes are, told by their structure, so that a file given to
//! the wrong command gets an error naming what it really is and the command to use.

use crate::pkcs12::Tlv;

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
    Unknown,
}

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

impl FileKind {
    /// Tells the kind of `data`.
    pub fn of(data: &[u8]) -> FileKind {
        if data.trim_ascii_start().starts_with(b"-----BEGIN") {
            return FileKind::Pem;
        }
        // "CERT" after a zero version: the serialized store's header.
        if data.starts_with(&[0, 0, 0, 0, b'C', b'E', b'R', b'T']) {
            return FileKind::SerializedStore;
        }
        let Ok(top) = Tlv::parse_whole(data) else {
            return FileKind::Unknown;
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
            ([0x02, 0x30, 0x04, ..], Some(0 | 1))
            | ([0x30, 0x04], _)
            | ([0x02, 0x04, ..], Some(1)) => FileKind::PrivateKey,
            (t, Some(0)) if t.len() >= 9 && t.iter().all(|t| *t == 0x02) => FileKind::PrivateKey,
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
            FileKind::Pkcs7 => {
                "PKCS#7 is not supported yet: convert it with 'openssl pkcs7 -print_certs -in file.p7b -out file.pem' and import file.pem"
            }
            FileKind::SerializedStore => {
                "SST is not supported: on Windows, export the certificates as .cer files (Export-Certificate -Type CERT)"
            }
            FileKind::PrivateKey => {
                "give it as the private key with its certificate: Add-BackupServerCertificate -CertificatePath <cert> -PrivateKeyPath <key>"
            }
            FileKind::PublicKey => {
                "a certificate is needed: ask for the certificate (.cer, .crt or .pem) that holds this key"
            }
            FileKind::Unknown => "expected a DER or PEM certificate (.cer, .crt, .pem)",
        }
    }
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
}
