//! `Import-PfxCertificate`: read a PFX file into a certificate store, all or nothing.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, changes_state, cmdlet, example, param,
};
use super::objects::{certificate_object, parse_store_location};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::convert::{cert_error, entry_from_pfx};
use crate::host_api::HostApi;
use certhost_core::file_kind::FileKind;

pub const CMDLET: Cmdlet = Cmdlet { info, run };

fn info() -> CmdletInfo {
    changes_state(cmdlet(
        "Import-PfxCertificate",
        "Imports certificates and private keys from a PFX file into a certificate store.",
        "Reads a PFX (PKCS#12) file made by Windows, OpenSSL, NSS, GnuTLS, Java keytool or others and adds its certificates to the store in one transaction: a wrong password or a damaged file changes nothing. The certificate that matches each private key is stored with that key and the file's other certificates as its chain. Returns the certificates that have private keys (or all, for a file without keys).",
        vec![
            param("FilePath", T::Text, "Path of the PFX file.")
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
            param("Password", T::SecureText, "Password of the PFX file."),
            param(
                "Exportable",
                T::Switch,
                "Accepted for compatibility: keys in certhost's store can always be exported.",
            ),
        ],
        vec![example(
            "Import a PFX file",
            "$mypwd = ConvertTo-SecureString -String '1234' -Force -AsPlainText\nNew-SelfSignedCertificate -DnsName backup01.tech.local | Export-PfxCertificate -FilePath mypfx.pfx -Password $mypwd\nImport-PfxCertificate -FilePath mypfx.pfx -CertStoreLocation Cert:\\LocalMachine\\WebHosting -Password $mypwd",
            "Imports the certificate and key from mypfx.pfx into the My store.",
        )],
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
    let data = host
        .read_file(&path)
        .map_err(|e| error::file(&path, e, false))?;
    let password = args.text("Password").unwrap_or_default();
    let kind = FileKind::of(&data);
    if !matches!(kind, FileKind::Pfx | FileKind::Unknown) {
        let advice = match kind {
            FileKind::Certificate | FileKind::Pem => {
                "import a certificate with Import-Certificate, or a PEM certificate and key with Add-BackupServerCertificate -CertificatePath -PrivateKeyPath"
            }
            other => other.advice(),
        };
        return Err(error::invalid_argument(
            "NotAPfxFile",
            format!(
                "'{path}' is {}, not a PFX (PKCS#12) file: {advice}",
                kind.describe()
            ),
        ));
    }
    let entries: Vec<_> = certhost_core::pkcs12::read_pfx(&data, &password, host.primitives())
        .map_err(|e| error::from_cert(cert_error(e), Some(&path)))?
        .into_iter()
        .map(entry_from_pfx)
        .collect();
    host.add_certificates(&location.store, &entries)
        .map_err(|e| error::from_store(e, Some(&path)))?;
    let any_key = entries.iter().any(|e| e.private_key.is_some());
    entries
        .into_iter()
        .filter(|e| !any_key || e.private_key.is_some())
        .map(|e| {
            let has_key = e.private_key.is_some();
            certificate_object(e.certificate, Some(&location), has_key, e.friendly_name)
                .map(Value::Certificate)
        })
        .collect()
}
