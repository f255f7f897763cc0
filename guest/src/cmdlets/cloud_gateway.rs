//! `Generate-`, `Get-` and `Add-CloudGatewayCertificate` (aliases with `VBR`): the
//! certificate the cloud gateway presents to tenants, reached by its public name.

use super::backup_server::{assign_options, assign_parameters};
use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, aliased, changes_state, cmdlet, example, param,
};
use super::slots::{self, CLOUD_GATEWAY, ServerCertificateRequest};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::host_api::HostApi;

pub const GENERATE: Cmdlet = Cmdlet {
    info: generate_info,
    run: generate,
};
pub const GET: Cmdlet = Cmdlet {
    info: get_info,
    run: get,
};
pub const ADD: Cmdlet = Cmdlet {
    info: add_info,
    run: add,
};

/// Default validity of a generated cloud gateway certificate, as the originals.
const DEFAULT_VALIDITY_DAYS: i64 = 365;

fn generate_info() -> CmdletInfo {
    aliased(
        changes_state(cmdlet(
            "Generate-CloudGatewayCertificate",
            "Generates a self-signed certificate for the cloud gateway, saves it in the store and returns it.",
            "RSA 2048, valid -ValidForDays (default 365). -Subject without '=' becomes CN=<subject> and a DNS name; the default subject is CN=<server FQDN>. Saved in Cert:\\LocalMachine\\My; pipe it to Add-CloudGatewayCertificate to use it.",
            vec![
                param("FriendlyName", T::Text, "Friendly name of the certificate."),
                param(
                    "Subject",
                    T::Text,
                    "Subject (CN=... or the gateway's public DNS name).",
                ),
                param(
                    "ValidForDays",
                    T::Integer,
                    "Validity in days (default 365).",
                ),
            ],
            vec![example(
                "A two-year gateway certificate",
                "Generate-CloudGatewayCertificate -FriendlyName 'CC-GW-2024' -Subject 'cloudgw.tech.com' -ValidForDays 730",
                "Makes CN=cloudgw.tech.com with that DNS name, valid 730 days.",
            )],
            "X509Certificate2",
        )),
        &["Generate-VBRCloudGatewayCertificate"],
    )
}

fn generate(
    args: &Args,
    _input: Option<Value>,
    host: &dyn HostApi,
) -> Result<Vec<Value>, CmdletError> {
    let entry = slots::generate_for_server(
        host,
        &ServerCertificateRequest {
            subject: args.text("Subject"),
            friendly_name: args.text("FriendlyName").unwrap_or_default(),
            validity_days: args
                .integer("ValidForDays")
                .unwrap_or(DEFAULT_VALIDITY_DAYS),
        },
    )?;
    Ok(vec![Value::Certificate(slots::store_generated(
        host, entry,
    )?)])
}

fn get_info() -> CmdletInfo {
    aliased(
        cmdlet(
            "Get-CloudGatewayCertificate",
            "Returns the cloud gateway certificate in use, or the eligible certificates of the store.",
            "Without parameters, the certificate the cloud gateway uses (nothing until one is assigned). -FromStore: the certificates of Cert:\\LocalMachine\\My with a private key.",
            vec![param(
                "FromStore",
                T::Switch,
                "Return the eligible certificates of the store.",
            )],
            vec![example(
                "The gateway's certificate",
                "Get-CloudGatewayCertificate",
                "",
            )],
            "X509Certificate2",
        ),
        &["Get-VBRCloudGatewayCertificate"],
    )
}

fn get(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let certs = if args.switch("FromStore") {
        slots::eligible_in_store(host)?
    } else {
        slots::current(host, &CLOUD_GATEWAY)?.into_iter().collect()
    };
    Ok(certs.into_iter().map(Value::Certificate).collect())
}

fn add_info() -> CmdletInfo {
    let mut parameters = vec![
        param(
            "Certificate",
            T::Certificate,
            "The certificate, from the store.",
        )
        .mandatory()
        .position(0)
        .takes_pipeline_input()
        .by_property_name()
        .aliases(&["Cert"]),
    ];
    parameters.extend(assign_parameters());
    aliased(
        changes_state(cmdlet(
            "Add-CloudGatewayCertificate",
            "Assigns the certificate the cloud gateway presents.",
            "Validates it (private key, validity, RSA 2048+, server-auth EKU, not a CA) and assigns it in one transaction, re-pointing bindings that served the old one.",
            parameters,
            vec![example(
                "Generate and assign",
                "Generate-CloudGatewayCertificate -Subject cloudgw.tech.com | Add-CloudGatewayCertificate",
                "",
            )],
            "X509Certificate2",
        )),
        &["Add-VBRCloudGatewayCertificate"],
    )
}

fn add(args: &Args, input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let cert = args
        .certificate_or_piped("Certificate", &input)
        .ok_or_else(|| {
            error::invalid_argument("CertificateRequired", "give -Certificate or pipe one")
        })?;
    let entry = slots::entry_for(host, cert)?;
    Ok(
        slots::assign(host, &CLOUD_GATEWAY, entry, &assign_options(args, false))?
            .map(Value::Certificate)
            .into_iter()
            .collect(),
    )
}
