//! Conversions between certhost-core's types and the WIT types.

use crate::bindings::certhost::plugin::types::{CertError, CertificateEntry, CertificateInfo, Eku};
use crate::bindings::exports::certhost::plugin::certificates::{
    ExtendedKeyUsage, GenerateRequest, KeyAlgorithm, KeyUsage, PfxProfile,
};
use certhost_core::generate as core_gen;
use certhost_core::keys::KeyAlgorithm as CoreKey;

pub fn cert_error(e: certhost_core::CertError) -> CertError {
    use certhost_core::CertError as E;
    match e {
        E::WrongPassword(m) => CertError::WrongPassword(m),
        E::Corrupt(m) => CertError::Corrupt(m),
        E::Unsupported(m) => CertError::Unsupported(m),
        E::KeyMismatch(m) => CertError::KeyMismatch(m),
        E::InvalidInput(m) => CertError::InvalidInput(m),
        other => CertError::InvalidInput(other.to_string()),
    }
}

pub fn info_to_wit(i: certhost_core::inspect::CertificateInfo) -> CertificateInfo {
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

pub fn entry_from_pfx(e: certhost_core::pkcs12::PfxEntry) -> CertificateEntry {
    CertificateEntry {
        certificate: e.certificate,
        private_key: e.private_key,
        friendly_name: e.friendly_name.unwrap_or_default(),
        chain: e.chain,
    }
}

pub fn profile_from_wit(p: PfxProfile) -> certhost_core::pkcs12::PfxProfile {
    match p {
        PfxProfile::Aes256Sha256 => certhost_core::pkcs12::PfxProfile::Aes256Sha256,
        PfxProfile::TripleDesSha1 => certhost_core::pkcs12::PfxProfile::TripleDesSha1,
    }
}

pub fn request_from_wit(r: &GenerateRequest) -> core_gen::GenerateRequest {
    core_gen::GenerateRequest {
        subject: r.subject.clone(),
        dns_names: r.dns_names.clone(),
        ip_addresses: r.ip_addresses.clone(),
        not_before: r.not_before,
        not_after: r.not_after,
        key: match r.key {
            KeyAlgorithm::Rsa(bits) => CoreKey::Rsa(bits),
            KeyAlgorithm::EcdsaP256 => CoreKey::EcdsaP256,
            KeyAlgorithm::EcdsaP384 => CoreKey::EcdsaP384,
        },
        key_usages: r
            .key_usages
            .iter()
            .map(|u| match u {
                KeyUsage::DigitalSignature => core_gen::KeyUsage::DigitalSignature,
                KeyUsage::NonRepudiation => core_gen::KeyUsage::NonRepudiation,
                KeyUsage::KeyEncipherment => core_gen::KeyUsage::KeyEncipherment,
                KeyUsage::DataEncipherment => core_gen::KeyUsage::DataEncipherment,
                KeyUsage::KeyAgreement => core_gen::KeyUsage::KeyAgreement,
            })
            .collect(),
        extended_key_usages: r
            .extended_key_usages
            .iter()
            .map(|e| match e {
                ExtendedKeyUsage::ServerAuth => core_gen::ExtendedKeyUsage::ServerAuth,
                ExtendedKeyUsage::ClientAuth => core_gen::ExtendedKeyUsage::ClientAuth,
            })
            .collect(),
        basic_constraints: core_gen::BasicConstraints::EndEntity,
    }
}
