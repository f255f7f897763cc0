//! `Get-`, `Add-`, `Generate-` and `Test-BackupServerCertificate` (with the originals'
//! `VBR` names as aliases): the certificate infrastructure components reach the backup
//! server with, its atomic rotation, and its validation.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, aliased, changes_state, cmdlet, default_set, example,
    param,
};
use super::slots::{
    self, AssignOptions, BACKUP_SERVER, DEFAULT_SERVER_VALIDITY_DAYS, ServerCertificateRequest,
};
use super::{Cmdlet, error};
use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{CmdletError, Value};
use crate::convert::{cert_error, entry_from_pfx};
use crate::host_api::HostApi;

pub const GET: Cmdlet = Cmdlet {
    info: get_info,
    run: get,
};
pub const ADD: Cmdlet = Cmdlet {
    info: add_info,
    run: add,
};
pub const GENERATE: Cmdlet = Cmdlet {
    info: generate_info,
    run: generate,
};
pub const TEST: Cmdlet = Cmdlet {
    info: test_info,
    run: test,
};

fn get_info() -> CmdletInfo {
    aliased(
        default_set(
            cmdlet(
                "Get-BackupServerCertificate",
                "Returns TLS certificates: the one in use, those in the store, or those in a PFX file.",
                "Without parameters, returns the certificate the backup server uses now; on first use a self-signed certificate for this server (RSA 2048, one year; certhost serve renews it before it expires) is made, assigned and bound to the REST API endpoint 0.0.0.0:9419, as after an installation of the originals. -FromStore returns the certificates of Cert:\\LocalMachine\\My that have a private key (the eligible ones). -Path returns the certificates of a PFX file without importing them; each carries its private key (never shown as a property), so that piping it to Add-BackupServerCertificate imports and assigns it.",
                vec![
                    param(
                        "FromStore",
                        T::Switch,
                        "Return the eligible certificates of the store.",
                    )
                    .in_sets(&[("FromStore", true)]),
                    param("Path", T::Text, "A PFX file to read (nothing is imported until Add-BackupServerCertificate).")
                        .in_sets(&[("Path", true)]),
                    param("Password", T::SecureText, "Password of the PFX file.")
                        .in_sets(&[("Path", false)]),
                ],
                vec![
                    example(
                        "The certificate in use",
                        "Get-BackupServerCertificate",
                        "Shows the current backup server certificate.",
                    ),
                    example(
                        "Pick a certificate from the store by friendly name",
                        "Get-BackupServerCertificate -FromStore | Where FriendlyName -eq 'Backup Server Certificate'",
                        "Lists the store's certificates with private keys, filtered by friendly name.",
                    ),
                    example(
                        "Assign a certificate from a PFX file",
                        "$password = ConvertTo-SecureString -String '1234' -Force -AsPlainText\nGenerate-BackupServerCertificate -Name 'From PFX' | Export-PfxCertificate -FilePath server.pfx -Password $password\nGet-BackupServerCertificate -Path server.pfx -Password $password | Add-BackupServerCertificate",
                        "Veeam's documented pattern: the certificate read from the PFX file, with its key, is imported into Cert:\\LocalMachine\\My and assigned in one transaction.",
                    ),
                ],
                "X509Certificate2",
            ),
            "Current",
        ),
        &["Get-VBRBackupServerCertificate"],
    )
}

fn get(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    if args.switch("FromStore") {
        return Ok(slots::eligible_in_store(host)?
            .into_iter()
            .map(Value::Certificate)
            .collect());
    }
    if let Some(path) = args.text("Path") {
        let data = host
            .read_file(&path)
            .map_err(|e| error::file(&path, e, false))?;
        let password = args.text("Password").unwrap_or_default();
        let entries = certhost_core::pkcs12::read_pfx(&data, &password, host.primitives())
            .map_err(|e| error::from_cert(cert_error(e), Some(&path)))?;
        // The server certificate is one with its key: other certificates the file holds
        // beside it (not its chain) are not candidates.
        let any_key = entries.iter().any(|e| e.private_key.is_some());
        return entries
            .into_iter()
            .filter(|e| !any_key || e.private_key.is_some())
            .map(|e| super::objects::file_certificate_object(entry_from_pfx(e)))
            .map(|c| c.map(Value::Certificate))
            .collect();
    }
    Ok(slots::current(host, &BACKUP_SERVER)?
        .map(Value::Certificate)
        .into_iter()
        .collect())
}

/// `-Force`, `-WhatIf` and the rotation options every assigning cmdlet shares.
pub fn assign_parameters() -> Vec<super::meta::ParameterInfo> {
    vec![
        param(
            "Force",
            T::Switch,
            "Accept a certificate whose only failures can be overridden (ECC key, server name, EKU).",
        ),
        param(
            "WhatIf",
            T::Switch,
            "Show what would change (the certificate, the bindings re-pointed, the peers that pinned the old one) and change nothing.",
        )
        .aliases(&["wi"]),
    ]
}

pub fn assign_options(args: &Args, automatically_generated: bool) -> AssignOptions {
    AssignOptions {
        force: args.switch("Force"),
        what_if: args.switch("WhatIf"),
        automatically_generated,
    }
}

fn add_info() -> CmdletInfo {
    let mut parameters = vec![
        param("Certificate", T::Certificate, "The certificate: from the store, or read from a PFX with its key by Get-BackupServerCertificate -Path (imported into Cert:\\LocalMachine\\My as it is assigned). Pipeline by value or by property name.")
            .in_sets(&[("Certificate", true)])
            .position(0)
            .takes_pipeline_input()
            .by_property_name()
            .aliases(&["Cert"]),
        param("CertificatePath", T::Text, "A .crt/.pem/.cer file with the certificate (and any intermediates).")
            .in_sets(&[("Path", true)]),
        param("PrivateKeyPath", T::Text, "The .key file with its private key (PKCS#8, PKCS#1 or SEC1; encrypted PKCS#8 with -Password).")
            .in_sets(&[("Path", true)]),
        param(
            "Path",
            T::Text,
            "A PFX (or a PEM with exactly one key, its certificate and any intermediates) to upload and assign.",
        )
        .in_sets(&[("Upload", true)]),
        param("Password", T::SecureText, "Password of the PFX, or of an encrypted private key file.")
            .in_sets(&[("Path", false), ("Upload", false)]),
        param("Name", T::Text, "Obsolete: generate a self-signed certificate with this friendly name and assign it.")
            .in_sets(&[("Name", true)]),
    ];
    parameters.extend(assign_parameters());
    aliased(
        default_set(
            changes_state(cmdlet(
                "Add-BackupServerCertificate",
                "Assigns the certificate the backup server and its components use, without a restart or a gap.",
                "Validates the certificate (Test-BackupServerCertificate's checks; -Force accepts an ECC key, a name mismatch or a missing server-auth EKU, never a missing key or an expired certificate), then in one transaction makes it the backup server certificate and re-points every binding that served the old one (such as the REST API on 0.0.0.0:9419). A certificate read from a PFX file (Get-BackupServerCertificate -Path x.pfx -Password $p | Add-BackupServerCertificate) is imported into Cert:\\LocalMachine\\My with its key in that same transaction. If any step fails, nothing changes. Warns about trusted peers that pinned the old certificate. -WhatIf shows the plan.",
                parameters,
                vec![
                    example(
                        "Assign a certificate from the store",
                        "Generate-BackupServerCertificate -Name 'ABC' | Out-Null\n$certificate = Get-BackupServerCertificate -FromStore | Where FriendlyName -eq 'ABC'\nAdd-BackupServerCertificate -Certificate $certificate",
                        "Makes the certificate named ABC the backup server certificate. With -CertificatePath and -PrivateKeyPath it takes a .crt/.pem and .key pair instead.",
                    ),
                    example(
                        "See the plan first",
                        "Generate-BackupServerCertificate -Name 'Next' | Add-BackupServerCertificate -WhatIf",
                        "Shows the certificate that would be replaced and the bindings that would be re-pointed.",
                    ),
                ],
                "X509Certificate2",
            )),
            "Certificate",
        ),
        &["Add-VBRBackupServerCertificate"],
    )
}

fn add(args: &Args, input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let (entry, generated) = if let Some(cert) = args.certificate_or_piped("Certificate", &input) {
        (slots::entry_for(host, cert)?, false)
    } else if let Some(cert_path) = args.text("CertificatePath") {
        let key_path = args.text("PrivateKeyPath").unwrap_or_default();
        let cert_data = host
            .read_file(&cert_path)
            .map_err(|e| error::file(&cert_path, e, false))?;
        let key_data = host
            .read_file(&key_path)
            .map_err(|e| error::file(&key_path, e, false))?;
        let password = args.text("Password");
        let keyed = certhost_core::bundle::from_files(
            &cert_data,
            &key_data,
            password.as_deref(),
            host.primitives(),
        )
        .map_err(|e| error::from_cert(cert_error(e), Some(&cert_path)))?;
        (slots::keyed_entry(keyed, None), false)
    } else if let Some(path) = args.text("Path") {
        let data = host
            .read_file(&path)
            .map_err(|e| error::file(&path, e, false))?;
        let password = args.text("Password").unwrap_or_default();
        let keyed = certhost_core::bundle::from_upload(&data, &password, host.primitives())
            .map_err(|e| error::from_cert(cert_error(e), Some(&path)))?;
        (slots::keyed_entry(keyed, None), false)
    } else if let Some(name) = args.text("Name") {
        slots::warn(
            host,
            "-Name is obsolete: use Generate-BackupServerCertificate -Name <name> | Add-BackupServerCertificate",
        );
        let entry = slots::generate_for_server(
            host,
            &ServerCertificateRequest {
                subject: None,
                friendly_name: name,
                validity_days: DEFAULT_SERVER_VALIDITY_DAYS,
            },
        )?;
        (entry, true)
    } else {
        return Err(error::invalid_argument(
            "CertificateRequired",
            "give -Certificate (or pipe one), -CertificatePath with -PrivateKeyPath, -Path, or -Name",
        ));
    };
    Ok(slots::assign(
        host,
        &BACKUP_SERVER,
        entry,
        &assign_options(args, generated),
    )?
    .map(Value::Certificate)
    .into_iter()
    .collect())
}

fn generate_info() -> CmdletInfo {
    aliased(
        changes_state(cmdlet(
            "Generate-BackupServerCertificate",
            "Generates a self-signed TLS certificate for this server, saves it in the store and returns it.",
            "Makes an RSA 2048 certificate valid for one year (or -ValidForDays; the originals make 10 years, longer than TLS clients and the Mozilla profile accept), subject CN=<server FQDN>, with the FQDN, the short name and the server's addresses as subject alternative names and EKU server and client authentication, as the originals do. It is saved in Cert:\\LocalMachine\\My with its key; it is not assigned: pipe it to Add-BackupServerCertificate for that. Set-ServerIdentity changes the names it uses.",
            vec![
                param("Name", T::Text, "Friendly name of the certificate.")
                    .mandatory()
                    .position(0)
                    .aliases(&["FriendlyName"]),
                param(
                    "ValidForDays",
                    T::Integer,
                    "Validity in days (default 365).",
                ),
            ],
            vec![example(
                "Generate and assign",
                "Generate-BackupServerCertificate -Name 'backup01 2026' | Add-BackupServerCertificate",
                "Makes a new self-signed certificate and makes it the backup server certificate.",
            )],
            "X509Certificate2",
        )),
        &["Generate-VBRBackupServerCertificate"],
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
            subject: None,
            friendly_name: args.text("Name").unwrap_or_default(),
            validity_days: args
                .integer("ValidForDays")
                .unwrap_or(DEFAULT_SERVER_VALIDITY_DAYS),
        },
    )?;
    Ok(vec![Value::Certificate(slots::store_generated(
        host, entry,
    )?)])
}

fn test_info() -> CmdletInfo {
    aliased(
        cmdlet(
            "Test-BackupServerCertificate",
            "Checks a certificate against the rules for the backup server certificate.",
            "Returns one finding per check (Check, Status Pass/Warning/Fail, Reason): PrivateKey, ValidityPeriod (warns 30 days before expiry), KeyAlgorithm (RSA 2048 or more; ECC fails as in the originals), ServerIdentity (FQDN in the subject or SAN, short name in the SAN), ExtendedKeyUsage (server authentication), BasicConstraints (not a CA). Without -Certificate, checks the certificate in use. Add-BackupServerCertificate runs the same checks.",
            vec![
                param(
                    "Certificate",
                    T::Certificate,
                    "The certificate to check (default: the one in use).",
                )
                .position(0)
                .takes_pipeline_input()
                .aliases(&["Cert"]),
            ],
            vec![example(
                "Failures only",
                "Get-BackupServerCertificate -FromStore | Test-BackupServerCertificate | Where Status -ne 'Pass'",
                "Lists what is wrong with each eligible certificate.",
            )],
            "CertificateFinding",
        ),
        &["Test-VBRBackupServerCertificate"],
    )
}

fn test(args: &Args, input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    let cert = match args.certificate_or_piped("Certificate", &input) {
        Some(c) => c.clone(),
        None => slots::current(host, &BACKUP_SERVER)?.ok_or_else(|| {
            error::invalid_argument(
                "CertificateRequired",
                "no certificate is in use; give -Certificate",
            )
        })?,
    };
    let info = certhost_core::inspect::inspect(&cert.der)
        .map_err(|e| error::from_cert(cert_error(e), None))?;
    Ok(
        slots::findings(host, &BACKUP_SERVER, &info, cert.has_private_key)?
            .iter()
            .map(slots::finding_object)
            .collect(),
    )
}
