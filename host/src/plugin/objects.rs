//! The component's certificate records as the shell's plain certificate objects, and back.

use super::bindings::certhost::plugin::types;
use super::wit;
use crate::certificate::{CertificateInfo, CertificateObject, Eku, KeyMaterial};

impl From<types::CertificateInfo> for CertificateInfo {
    fn from(i: types::CertificateInfo) -> Self {
        CertificateInfo {
            thumbprint: i.thumbprint,
            sha256_fingerprint: i.sha256_fingerprint,
            subject: i.subject,
            issuer: i.issuer,
            serial_number: i.serial_number,
            not_before: i.not_before,
            not_after: i.not_after,
            dns_names: i.dns_names,
            ip_addresses: i.ip_addresses,
            key_algorithm: i.key_algorithm,
            key_size: i.key_size,
            extended_key_usages: i
                .extended_key_usages
                .into_iter()
                .map(|e| Eku {
                    friendly_name: e.friendly_name,
                    oid: e.oid,
                })
                .collect(),
            key_usages: i.key_usages,
            self_signed: i.self_signed,
            signature_algorithm: i.signature_algorithm,
            version: i.version,
            is_ca: i.is_ca,
        }
    }
}

impl From<CertificateInfo> for types::CertificateInfo {
    fn from(i: CertificateInfo) -> Self {
        types::CertificateInfo {
            thumbprint: i.thumbprint,
            sha256_fingerprint: i.sha256_fingerprint,
            subject: i.subject,
            issuer: i.issuer,
            serial_number: i.serial_number,
            not_before: i.not_before,
            not_after: i.not_after,
            dns_names: i.dns_names,
            ip_addresses: i.ip_addresses,
            key_algorithm: i.key_algorithm,
            key_size: i.key_size,
            extended_key_usages: i
                .extended_key_usages
                .into_iter()
                .map(|e| types::Eku {
                    friendly_name: e.friendly_name,
                    oid: e.oid,
                })
                .collect(),
            key_usages: i.key_usages,
            self_signed: i.self_signed,
            signature_algorithm: i.signature_algorithm,
            version: i.version,
            is_ca: i.is_ca,
        }
    }
}

impl From<wit::CertificateObject> for CertificateObject {
    fn from(c: wit::CertificateObject) -> Self {
        CertificateObject {
            info: c.info.into(),
            der: c.der,
            store: c.store,
            location: c.location,
            has_private_key: c.has_private_key,
            friendly_name: c.friendly_name,
            key_material: c.key_material.map(|m| KeyMaterial {
                private_key: m.private_key,
                chain: m.chain,
            }),
        }
    }
}

impl From<CertificateObject> for wit::CertificateObject {
    fn from(c: CertificateObject) -> Self {
        wit::CertificateObject {
            info: c.info.into(),
            der: c.der,
            store: c.store,
            location: c.location,
            has_private_key: c.has_private_key,
            friendly_name: c.friendly_name,
            key_material: c.key_material.map(|m| wit::KeyMaterial {
                private_key: m.private_key,
                chain: m.chain,
            }),
        }
    }
}
