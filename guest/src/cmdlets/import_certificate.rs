//! `Import-Certificate`: certificates without keys (a CA root, an intermediate, a peer's
//! certificate) from a DER, PEM or PKCS#7 file into a store; a certificate a CA issued
//! for a pending request (New-CertificateRequest) is paired with the request's key.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, changes_state, cmdlet, example, param,
};
use super::objects::{certificate_object, parse_store_location};
use super::{Cmdlet, error, requests};
use crate::args::Args;
use crate::bindings::certhost::plugin::types::CertificateEntry;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::host_api::HostApi;

pub const CMDLET: Cmdlet = Cmdlet { info, run };

fn info() -> CmdletInfo {
    changes_state(cmdlet(
        "Import-Certificate",
        "Imports certificates (without private keys) from a file into a certificate store.",
        "Reads a DER (.cer/.crt) file, a PEM file with one or more certificates, or a PKCS#7 bundle (.p7b/.p7c, DER or PEM, as CAs return issued certificates) and adds them all to the store in one transaction. A file with a private key is refused: use Import-PfxCertificate or Add-BackupServerCertificate -CertificatePath -PrivateKeyPath for keys. When one of them was issued for a pending request made with New-CertificateRequest (its key is in the REQUEST store), that certificate is stored with the key and the others as its chain, and the request is removed, in one transaction (as certreq -accept)",
        vec![
            param("FilePath", T::Text, "Path of the certificate file.")
                .mandatory()
                .position(0)
                .by_property_name()
                .aliases(&["FullName", "Path"]),
            param(
                "CertStoreLocation",
                T::Text,
                "Store to import into (default Cert:\\LocalMachine\\My).",
            )
            .position(1),
        ],
        vec![
            example(
                "Trust a root CA",
                "New-SelfSignedCertificate -DnsName ca.tech.local | Export-Certificate -FilePath root-ca.cer | Out-Null\nImport-Certificate -FilePath ./root-ca.cer -CertStoreLocation Cert:\\LocalMachine\\Root",
                "Adds the CA certificate to the Root store.",
            ),
            example(
                "Complete a certificate request",
                "New-CertificateRequest -DnsName backup01.tech.local -OutFile backup01.csr | Out-Null\n# The CA issues backup01.cer for backup01.csr (here openssl plays a throwaway CA):\nopenssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=Lab-CA -keyout ca.key -out ca.crt 2>$null\nopenssl x509 -req -in backup01.csr -CA ca.crt -CAkey ca.key -copy_extensions copy -out backup01.cer 2>$null\nImport-Certificate -FilePath backup01.cer -CertStoreLocation Cert:\\LocalMachine\\My",
                "Stores the issued certificate with the request's key (HasPrivateKey True) and removes the request from Cert:\\LocalMachine\\REQUEST.",
            ),
        ],
        "X509Certificate2",
    ))
}

fn run(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let path = args.text("FilePath").unwrap_or_default();
    let location = parse_store_location(
        &args
            .text("CertStoreLocation")
            .unwrap_or_else(|| "Cert:\\LocalMachine\\My".into()),
    )?;
    let certificates = requests::read_certificates(host, &path)?;
    if !location.store.eq_ignore_ascii_case(requests::REQUEST_STORE)
        && let Some((issued, request)) = requests::pending_request(host, &certificates)?
    {
        let object = requests::accept(host, &location, certificates, issued, request, &path)?;
        return Ok(vec![Value::Certificate(object)]);
    }
    let entries: Vec<CertificateEntry> = certificates
        .into_iter()
        .map(|der| CertificateEntry {
            certificate: der,
            private_key: None,
            friendly_name: String::new(),
            chain: Vec::new(),
        })
        .collect();
    host.add_certificates(&location.store, &entries)
        .map_err(|e| error::from_store(e, Some(&path)))?;
    entries
        .into_iter()
        .map(|e| {
            certificate_object(e.certificate, Some(&location), false, String::new())
                .map(Value::Certificate)
        })
        .collect()
}
