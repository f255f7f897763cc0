//! `Get-` and `Set-EnterpriseManagerCertificate`: the Enterprise Manager's two
//! certificates, **Server** (EM service, guest catalog, EM REST API) and **WebUI** (web
//! app, vSphere client plug-in). The originals set them in the web UI only.

use super::backup_server::{assign_options, assign_parameters};
use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, changes_state, cmdlet, default_set, example, param,
};
use super::slots::{self, EM_SERVER, EM_WEB_UI, ServerCertificateRequest, Slot};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::convert::cert_error;
use crate::host_api::HostApi;

pub const GET: Cmdlet = Cmdlet {
    info: get_info,
    run: get,
};
pub const SET: Cmdlet = Cmdlet {
    info: set_info,
    run: set,
};

const ROLES: &[&str] = &["Server", "WebUI"];

fn slot(role: &str) -> &'static Slot {
    if role.eq_ignore_ascii_case("WebUI") {
        &EM_WEB_UI
    } else {
        &EM_SERVER
    }
}

fn get_info() -> CmdletInfo {
    cmdlet(
        "Get-EnterpriseManagerCertificate",
        "Returns the Enterprise Manager's Server and Web UI certificates.",
        "Returns the certificate of -Role Server or WebUI, or both (Server first). On first use each role gets a self-signed certificate for this server (RSA 2048, one year; certhost serve renews it before it expires), as after an installation.",
        vec![
            param("Role", T::Text, "Server or WebUI (default both).")
                .position(0)
                .values(ROLES),
        ],
        vec![example(
            "The Web UI certificate's expiry",
            "(Get-EnterpriseManagerCertificate -Role WebUI).NotAfter",
            "",
        )],
        "X509Certificate2",
    )
}

fn get(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let roles: Vec<String> = match args.text("Role") {
        Some(r) => vec![r],
        None => ROLES.iter().map(|r| r.to_string()).collect(),
    };
    let mut out = Vec::new();
    for role in roles {
        out.extend(slots::current(host, slot(&role))?.map(Value::Certificate));
    }
    Ok(out)
}

fn set_info() -> CmdletInfo {
    let mut parameters = vec![
        param("Role", T::Text, "Server or WebUI.")
            .in_sets(&[("Certificate", true), ("Path", true), ("Generate", true)])
            .position(0)
            .values(ROLES),
        param("Certificate", T::Certificate, "A certificate from the store.")
            .in_sets(&[("Certificate", true)])
            .takes_pipeline_input()
            .aliases(&["Cert"]),
        param(
            "Path",
            T::Text,
            "An upload: a PFX, or a PEM with exactly one private key and its certificate (intermediates are kept in the CA store).",
        )
        .in_sets(&[("Path", true)]),
        param("Password", T::SecureText, "Password of the PFX (or of an encrypted PEM key).")
            .in_sets(&[("Path", false)]),
        param("Generate", T::Switch, "Generate a new self-signed certificate for this server.")
            .in_sets(&[("Generate", true)]),
        param("FriendlyName", T::Text, "Friendly name for an uploaded or generated certificate.")
            .in_sets(&[("Path", false), ("Generate", false)]),
    ];
    parameters.extend(assign_parameters());
    default_set(
        changes_state(cmdlet(
            "Set-EnterpriseManagerCertificate",
            "Sets the Enterprise Manager's Server or Web UI certificate: from the store, uploaded, or generated.",
            "Validates the certificate (as Test-BackupServerCertificate; the Web UI also accepts ECDSA keys) and assigns it in one transaction, re-pointing any binding that served the old one. An upload is a PFX or a PEM holding exactly one key: a PEM with a chain is split, the leaf installed and the intermediates stored in Cert:\\LocalMachine\\CA, not rejected.",
            parameters,
            vec![
                example(
                    "Upload a PFX for the Web UI",
                    "$password = ConvertTo-SecureString -String 'Passw0rd!' -Force -AsPlainText\nGenerate-BackupServerCertificate -Name 'web' | Export-PfxCertificate -FilePath em-web.pfx -Password $password | Out-Null\nSet-EnterpriseManagerCertificate -Role WebUI -Path em-web.pfx -Password $password",
                    "Installs the certificate with its key. A PEM with one key, its certificate and intermediates works the same way: the intermediates go to the CA store.",
                ),
                example(
                    "Generate a new Server certificate",
                    "Set-EnterpriseManagerCertificate -Role Server -Generate",
                    "",
                ),
            ],
            "X509Certificate2",
        )),
        "Certificate",
    )
}

fn set(args: &Args, input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let role = args.text("Role").unwrap_or_else(|| "Server".into());
    let (entry, generated) = if let Some(cert) = args.certificate_or_piped("Certificate", &input) {
        (slots::entry_for(host, cert)?, false)
    } else if let Some(path) = args.text("Path") {
        let data = host
            .read_file(&path)
            .map_err(|e| error::file(&path, e, false))?;
        let password = args.text("Password").unwrap_or_default();
        let keyed = certhost_core::bundle::from_upload(&data, &password, host.primitives())
            .map_err(|e| error::from_cert(cert_error(e), Some(&path)))?;
        (slots::keyed_entry(keyed, args.text("FriendlyName")), false)
    } else if args.switch("Generate") {
        let entry = slots::generate_for_server(
            host,
            &ServerCertificateRequest {
                subject: None,
                friendly_name: args
                    .text("FriendlyName")
                    .unwrap_or_else(|| format!("Enterprise Manager {role} Certificate")),
                validity_days: slots::DEFAULT_SERVER_VALIDITY_DAYS,
            },
        )?;
        (entry, true)
    } else {
        return Err(error::invalid_argument(
            "CertificateRequired",
            "give -Certificate (or pipe one), -Path, or -Generate",
        ));
    };
    Ok(
        slots::assign(host, slot(&role), entry, &assign_options(args, generated))?
            .map(Value::Certificate)
            .into_iter()
            .collect(),
    )
}
