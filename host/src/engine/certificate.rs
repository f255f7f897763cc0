//! The properties of certificate objects (X509Certificate2 and the Cert: provider's
//! additions), by name.

use super::value::Value;
use crate::certificate::CertificateObject;

/// Property names in display order (`Format-List *`, `Get-Member`).
pub const PROPERTY_NAMES: &[&str] = &[
    "PSPath",
    "PSParentPath",
    "PSChildName",
    "Thumbprint",
    "Subject",
    "Issuer",
    "FriendlyName",
    "NotBefore",
    "NotAfter",
    "SerialNumber",
    "HasPrivateKey",
    "DnsNameList",
    "IPAddressList",
    "EnhancedKeyUsageList",
    "SignatureAlgorithm",
    "KeyAlgorithm",
    "KeySize",
    "Version",
    "SelfSigned",
    "Sha256Fingerprint",
];

/// `Microsoft.PowerShell.Security\Certificate::LocalMachine\My`, for a stored certificate.
pub fn parent_path(c: &CertificateObject) -> Option<String> {
    match (&c.location, &c.store) {
        (Some(location), Some(store)) => Some(format!(
            "Microsoft.PowerShell.Security\\Certificate::{location}\\{store}"
        )),
        _ => None,
    }
}

fn texts(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

/// The property `name` (case-insensitive) of a certificate.
pub fn property(c: &CertificateObject, name: &str) -> Option<Value> {
    let i = &c.info;
    let canonical = PROPERTY_NAMES
        .iter()
        .find(|p| p.eq_ignore_ascii_case(name))
        .copied()
        .or_else(|| {
            ["SubjectName", "IssuerName", "PrivateKey"]
                .iter()
                .find(|p| p.eq_ignore_ascii_case(name))
                .copied()
        })?;
    Some(match canonical {
        "PSPath" => parent_path(c)
            .map(|p| Value::String(format!("{p}\\{}", i.thumbprint)))
            .unwrap_or(Value::Null),
        "PSParentPath" => parent_path(c).map(Value::String).unwrap_or(Value::Null),
        "PSChildName" | "Thumbprint" => Value::String(i.thumbprint.clone()),
        "Subject" | "SubjectName" => Value::String(i.subject.clone()),
        "Issuer" | "IssuerName" => Value::String(i.issuer.clone()),
        "FriendlyName" => Value::String(c.friendly_name.clone()),
        "NotBefore" => Value::DateTime(i.not_before),
        "NotAfter" => Value::DateTime(i.not_after),
        "SerialNumber" => Value::String(i.serial_number.clone()),
        "HasPrivateKey" => Value::Bool(c.has_private_key),
        // Private keys never leave the store as values.
        "PrivateKey" => Value::Null,
        "DnsNameList" => texts(&i.dns_names),
        "IPAddressList" => texts(&i.ip_addresses),
        "EnhancedKeyUsageList" => Value::Array(
            i.extended_key_usages
                .iter()
                .map(|e| {
                    Value::String(if e.friendly_name.is_empty() {
                        format!("({})", e.oid)
                    } else {
                        format!("{} ({})", e.friendly_name, e.oid)
                    })
                })
                .collect(),
        ),
        "SignatureAlgorithm" => Value::String(i.signature_algorithm.clone()),
        "KeyAlgorithm" => Value::String(i.key_algorithm.clone()),
        "KeySize" => Value::Int(i64::from(i.key_size)),
        "Version" => Value::Int(i64::from(i.version)),
        "SelfSigned" => Value::Bool(i.self_signed),
        "Sha256Fingerprint" => Value::String(i.sha256_fingerprint.clone()),
        _ => return None,
    })
}
