//! `Export-Certificate`: write a certificate (never its key) to a file.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, changes_state, cmdlet, example, param,
};
use super::objects::{certificate_parameter, required_certificate};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, ErrorCategory, Value};
use crate::host_api::HostApi;

pub const CMDLET: Cmdlet = Cmdlet { info, run };

fn info() -> CmdletInfo {
    changes_state(cmdlet(
        "Export-Certificate",
        "Exports a certificate, without its private key, to a file.",
        "Writes the certificate as DER (-Type CERT, the default, as on Windows) or PEM (-Type PEM, a certhost extension for Linux tools).",
        vec![
            certificate_parameter(),
            param("FilePath", T::Text, "Path of the file to write.")
                .mandatory()
                .position(1),
            param("Type", T::Text, "CERT (DER, default) or PEM.")
                .values(&["CERT", "PEM", "P7B", "SST"]),
        ],
        vec![example(
            "Export as DER for Windows, PEM for Linux",
            "$cert = New-SelfSignedCertificate -DnsName backup01.tech.local\nExport-Certificate -Cert $cert -FilePath server.cer\nExport-Certificate -Cert $cert -FilePath server.pem -Type PEM",
            "Writes the public certificate in both encodings.",
        )],
        "None",
    ))
}

fn run(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let path = args.text("FilePath").unwrap_or_default();
    let cert = required_certificate(args)?;
    let kind = args
        .text("Type")
        .unwrap_or_else(|| "CERT".into())
        .to_ascii_uppercase();
    let bytes = match kind.as_str() {
        "CERT" => cert.der.clone(),
        "PEM" => certhost_core::pem::encode_pem("CERTIFICATE", &cert.der).into_bytes(),
        other => {
            return Err(error::new(
                ErrorCategory::NotImplemented,
                "UnsupportedExportType",
                format!("-Type {other} is not supported yet; use CERT (DER) or PEM"),
                Some(&path),
            ));
        }
    };
    host.write_file(&path, &bytes, false)
        .map_err(|e| error::file(&path, e, true))?;
    Ok(Vec::new())
}
