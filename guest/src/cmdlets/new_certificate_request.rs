//! `New-CertificateRequest`: a key kept in the `REQUEST` store and a PKCS#10 request
//! (PEM) for a CA, as `certreq -new` makes them on Windows. `Import-Certificate` pairs
//! the certificate the CA issues with the key.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, changes_state, cmdlet, example, param,
};
use super::new_self_signed_certificate::key_usage;
use super::objects::parse_store_location;
use super::{Cmdlet, requests};
use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::host_api::HostApi;
use certhost_core::generate::GenerateRequest;

pub const CMDLET: Cmdlet = Cmdlet { info, run };

const DEFAULT_STORE: &str = "Cert:\\LocalMachine\\REQUEST";

fn info() -> CmdletInfo {
    changes_state(cmdlet(
        "New-CertificateRequest",
        "Creates a key and a certificate request (PKCS#10) for a certificate authority.",
        "Generates a key (RSA 2048 unless told otherwise), keeps it in the REQUEST store beside a self-signed placeholder (as Windows' certreq does), and writes the request as PEM to -OutFile for the CA. Import the certificate the CA issues with Import-Certificate (a .cer, a PEM chain or a .p7b): it is paired with the key, stored with its chain, and the request is removed. The request asks for the subject, names, key usages and EKUs given; the CA decides validity and serial number.",
        vec![
            param("OutFile", T::Text, "Where to write the request (PEM).")
                .mandatory()
                .position(0),
            param("Subject", T::Text, "Subject such as 'CN=backup01.tech.local, O=Tech'; a value without '=' becomes CN=<value>."),
            param("DnsName", T::TextList, "DNS names for the subject alternative name; the first is the CN when -Subject is absent."),
            param("IPAddress", T::TextList, "IP addresses for the subject alternative name."),
            param("KeyAlgorithm", T::Text, "Key algorithm.").values(&["RSA", "ECDSA_nistP256", "ECDSA_nistP384"]),
            param("KeyLength", T::Integer, "RSA key length: 2048 (default), 3072 or 4096."),
            param("KeyUsage", T::TextList, "Key usages to ask for (default DigitalSignature, KeyEncipherment for RSA; DigitalSignature for ECDSA).")
                .values(&["DigitalSignature", "KeyEncipherment", "NonRepudiation", "DataEncipherment", "KeyAgreement", "CertSign", "CRLSign"]),
            param("TextExtension", T::TextList, "Extensions as text, as New-SelfSignedCertificate takes them (EKU 2.5.29.37, SAN 2.5.29.17, basic constraints 2.5.29.19)."),
            param("FriendlyName", T::Text, "Friendly name, kept for the issued certificate."),
            param("Store", T::Text, "Where the key waits (default Cert:\\LocalMachine\\REQUEST)."),
        ],
        vec![example(
            "A request for the backup server, for the company CA",
            "New-CertificateRequest -Subject 'CN=backup01.tech.local, O=Tech' -DnsName backup01.tech.local, backup01 -IPAddress 10.0.0.5 -OutFile backup01.csr",
            "Writes backup01.csr for the CA; the key stays in Cert:\\LocalMachine\\REQUEST until Import-Certificate -FilePath issued.cer pairs it with the issued certificate.",
        )],
        "X509Certificate2",
    ))
}

fn run(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let out_file = args.text("OutFile").unwrap_or_default();
    let location =
        parse_store_location(&args.text("Store").unwrap_or_else(|| DEFAULT_STORE.into()))?;
    let mut request = GenerateRequest::server_default(host.now());
    request.subject = args.text("Subject");
    request.dns_names = args.texts("DnsName");
    request.ip_addresses = args.texts("IPAddress");
    let usages = args
        .texts("KeyUsage")
        .iter()
        .map(|u| key_usage(u))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    requests::set_key_and_extensions(
        &mut request,
        &args.text("KeyAlgorithm").unwrap_or_else(|| "RSA".into()),
        args.integer("KeyLength")
            .map(|l| u32::try_from(l).unwrap_or(0)),
        (!args.texts("KeyUsage").is_empty()).then_some(usages),
        &args.texts("TextExtension"),
    )?;
    let friendly_name = args.text("FriendlyName").unwrap_or_default();
    let object = requests::create(host, &request, friendly_name, &location, &out_file)?;
    Ok(vec![Value::Certificate(object)])
}
