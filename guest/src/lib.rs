//! The certhost certificate component: `certhost-core` behind the `certhost:plugin` WIT
//! world. This file is glue only: bindings, the export, and the two interface impls.

mod bindings {
    wit_bindgen::generate!({
        world: "certificate-plugin",
        path: "../wit",
    });
}

mod args;
mod cmdlets;
mod convert;
#[cfg(test)]
mod fake_host;
mod host_api;
mod host_primitives;
mod slot_api;

use bindings::certhost::plugin::types::{CertError, CertificateEntry, CertificateInfo};
use bindings::exports::certhost::plugin::certificates::{
    self, CreatedRequest, GenerateRequest, PfxProfile,
};
use bindings::exports::certhost::plugin::cmdlets::{Argument, CmdletError, CmdletInfo, Value};
use certhost_core::pkcs12;
use convert::{cert_error, entry_from_pfx, info_to_wit};
use host_primitives::HostPrimitives;

struct Component;

impl certificates::Guest for Component {
    fn generate_self_signed(request: GenerateRequest) -> Result<CertificateEntry, CertError> {
        let made = certhost_core::generate::generate_self_signed(
            &convert::request_from_wit(&request),
            &HostPrimitives,
        )
        .map_err(cert_error)?;
        Ok(CertificateEntry {
            certificate: made.certificate,
            private_key: Some(made.private_key),
            friendly_name: String::new(),
            chain: Vec::new(),
        })
    }

    fn create_request(request: GenerateRequest) -> Result<CreatedRequest, CertError> {
        let made = certhost_core::csr::create_request(
            &convert::request_from_wit(&request),
            &HostPrimitives,
        )
        .map_err(cert_error)?;
        Ok(CreatedRequest {
            request: made.request,
            private_key: made.private_key,
        })
    }

    fn inspect(certificate: Vec<u8>) -> Result<CertificateInfo, CertError> {
        certhost_core::inspect::inspect(&certificate)
            .map(info_to_wit)
            .map_err(cert_error)
    }

    fn import_pfx(data: Vec<u8>, password: String) -> Result<Vec<CertificateEntry>, CertError> {
        let entries = pkcs12::read_pfx(&data, &password, &HostPrimitives).map_err(cert_error)?;
        Ok(entries.into_iter().map(entry_from_pfx).collect())
    }

    fn export_pfx(
        entry: CertificateEntry,
        password: String,
        profile: PfxProfile,
        include_chain: bool,
        iterations: u32,
    ) -> Result<Vec<u8>, CertError> {
        let chain = if include_chain {
            entry.chain.as_slice()
        } else {
            &[]
        };
        let contents = pkcs12::PfxContents {
            certificate: &entry.certificate,
            private_key: entry.private_key.as_deref(),
            chain,
            friendly_name: &entry.friendly_name,
        };
        let protection = pkcs12::PfxProtection {
            password: &password,
            profile: convert::profile_from_wit(profile),
            iterations,
        };
        pkcs12::write_pfx(&contents, &protection, &HostPrimitives).map_err(cert_error)
    }

    fn parse_certificates(data: Vec<u8>) -> Result<Vec<Vec<u8>>, CertError> {
        certhost_core::pem::parse_certificates(&data).map_err(cert_error)
    }

    fn parse_private_key(data: Vec<u8>, password: Option<String>) -> Result<Vec<u8>, CertError> {
        certhost_core::pem::parse_private_key(&data, password.as_deref(), &HostPrimitives)
            .map_err(cert_error)
    }

    fn check_key_pair(certificate: Vec<u8>, private_key: Vec<u8>) -> Result<(), CertError> {
        certhost_core::keys::PrivateKey::from_pkcs8_der(&private_key)
            .and_then(|k| k.check_matches_certificate(&certificate))
            .map_err(cert_error)
    }

    fn certificate_to_pem(certificate: Vec<u8>) -> String {
        certhost_core::pem::encode_pem("CERTIFICATE", &certificate)
    }
}

impl bindings::exports::certhost::plugin::cmdlets::Guest for Component {
    fn list_cmdlets() -> Vec<CmdletInfo> {
        cmdlets::all()
            .iter()
            .map(|c| cmdlets::meta::to_wit((c.info)()))
            .collect()
    }

    fn invoke(
        name: String,
        _parameter_set: String,
        arguments: Vec<Argument>,
        input: Option<Value>,
    ) -> Result<Vec<Value>, CmdletError> {
        let cmdlet = cmdlets::all()
            .iter()
            .find(|c| (c.info)().name.eq_ignore_ascii_case(&name))
            .ok_or_else(|| cmdlets::error::not_found_cmdlet(&name))?;
        (cmdlet.run)(&args::Args::new(arguments), input, &host_api::Wit)
    }
}

// Exported only in the component: a native build (the cmdlets' unit tests) links no
// component-model export names.
#[cfg(target_arch = "wasm32")]
bindings::export!(Component with_types_in bindings);
