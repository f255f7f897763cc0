//! `Export-PfxCertificate`: write a certificate, its key and chain to a PFX file.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, changes_state, cmdlet, example, param,
};
use super::objects::{certificate_parameter, load_entry, required_certificate};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::convert::cert_error;
use crate::host_api::HostApi;
use certhost_core::pkcs12::{
    DEFAULT_ITERATIONS, PfxContents, PfxProfile, PfxProtection, write_pfx,
};

pub const CMDLET: Cmdlet = Cmdlet { info, run };

fn info() -> CmdletInfo {
    changes_state(cmdlet(
        "Export-PfxCertificate",
        "Exports a certificate with its private key to a password-protected PFX file.",
        "Writes the certificate, its private key and (with -ChainOption BuildChain, the default) the chain it was imported with. -CryptoAlgorithmOption TripleDES_SHA1 (the default, as on Windows) is read by every Windows version; AES256_SHA256 is what OpenSSL 3 writes. The file is created readable by its owner only.",
        vec![
            certificate_parameter(),
            param("FilePath", T::Text, "Path of the PFX file to write.").mandatory().position(1),
            param("Password", T::SecureText, "Password protecting the file.").mandatory(),
            param("ChainOption", T::Text, "BuildChain (default) includes the stored chain; EndEntityCertOnly only the certificate.")
                .values(&["BuildChain", "EndEntityCertOnly", "PfxDataOnly"]),
            param("CryptoAlgorithmOption", T::Text, "Encryption: TripleDES_SHA1 (default) or AES256_SHA256.").values(&["TripleDES_SHA1", "AES256_SHA256"]),
            param("Iterations", T::Integer, "Key-derivation iterations (default 2048)."),
        ],
        vec![example(
            "Export a stored certificate",
            "$cert = New-SelfSignedCertificate -DnsName backup01.tech.local\n$mypwd = ConvertTo-SecureString -String '1234' -Force -AsPlainText\nGet-ChildItem -Path \"Cert:\\LocalMachine\\My\\$($cert.Thumbprint)\" | Export-PfxCertificate -FilePath mypfx.pfx -Password $mypwd",
            "Exports the certificate with that thumbprint and its key to mypfx.pfx.",
        )],
        "None",
    ))
}

fn run(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let path = args.text("FilePath").unwrap_or_default();
    let cert = required_certificate(args)?;
    let entry = load_entry(host, cert)?;
    let include_chain = !args
        .text("ChainOption")
        .is_some_and(|c| c.eq_ignore_ascii_case("EndEntityCertOnly"));
    let profile = match args.text("CryptoAlgorithmOption") {
        Some(p) if p.eq_ignore_ascii_case("AES256_SHA256") => PfxProfile::Aes256Sha256,
        _ => PfxProfile::TripleDesSha1,
    };
    let iterations = match args.integer("Iterations") {
        Some(n) => u32::try_from(n).map_err(|_| {
            error::invalid_argument(
                "InvalidIterations",
                format!("-Iterations {n} is out of range"),
            )
        })?,
        None => DEFAULT_ITERATIONS,
    };
    let chain = if include_chain {
        entry.chain.as_slice()
    } else {
        &[]
    };
    let password = args.text("Password").unwrap_or_default();
    let contents = PfxContents {
        certificate: &entry.certificate,
        private_key: entry.private_key.as_deref(),
        chain,
        friendly_name: &entry.friendly_name,
    };
    let protection = PfxProtection {
        password: &password,
        profile,
        iterations,
    };
    let pfx = write_pfx(&contents, &protection, host.primitives())
        .map_err(|e| error::from_cert(cert_error(e), Some(&path)))?;
    host.write_file(&path, &pfx, true)
        .map_err(|e| error::file(&path, e, true))?;
    Ok(Vec::new())
}
