//! `certreq` (`certreq.exe`): Windows' request tool for the two steps an admin does
//! with a CA that is not on the machine: `certreq -new request.inf request.csr` (a key
//! and a PKCS#10 request from a policy file) and `certreq -accept issued.cer` (the
//! issued certificate paired with that key). The host sets `$LASTEXITCODE` as for any
//! native command.

use super::meta::{
    CmdletInfo, ParamExt, ParameterType as T, aliased, changes_state, cmdlet, example, param,
};
use super::objects::parse_store_location;
use super::{Cmdlet, error, requests};
use crate::args::Args;
use crate::bindings::certhost::plugin::host::MessageLevel;
use crate::bindings::exports::certhost::plugin::cmdlets::{
    CertificateObject, CmdletError, ErrorCategory, Value,
};
use crate::host_api::HostApi;
use certhost_core::generate::{GenerateRequest, KeyUsage};
use certhost_core::inspect::short_date_time;
use certhost_core::request_inf::{InfRequest, key_usage_bits};

pub const CMDLET: Cmdlet = Cmdlet { info, run };

/// Where accepted certificates go: the machine's personal store, as certreq -machine.
const ACCEPT_STORE: &str = "Cert:\\LocalMachine\\My";

/// certreq's verbs that need an Active Directory CA (DCOM enrolment), with what to do
/// instead.
const AD_CS_VERBS: [&str; 5] = ["Submit", "Retrieve", "Enroll", "Sign", "Policy"];

fn info() -> CmdletInfo {
    let mut parameters = vec![
        param(
            "New",
            T::Switch,
            "Creates a key and a request from a policy (.inf) file: certreq -new request.inf request.csr.",
        ),
        param(
            "Accept",
            T::Switch,
            "Pairs the certificate a CA issued (.cer, PEM chain or .p7b) with its pending key and installs it in Cert:\\LocalMachine\\My: certreq -accept issued.cer.",
        ),
        param(
            "InFile",
            T::Text,
            "The policy file (-new) or the issued certificate (-accept).",
        )
        .position(0),
        param("OutFile", T::Text, "Where -new writes the request (PEM).").position(1),
        param("F", T::Switch, "Overwrites an existing request file."),
        param(
            "Q",
            T::Switch,
            "Quiet: accepted for scripts; certreq here never opens a window.",
        ),
        param(
            "Machine",
            T::Switch,
            "Machine context: accepted; requests are always the machine's.",
        ),
        param(
            "User",
            T::Switch,
            "User context: accepted; requests are always the machine's.",
        ),
    ];
    parameters.extend(AD_CS_VERBS.iter().map(|verb| {
        param(
            verb,
            T::Switch,
            "Needs an Active Directory CA; refused with what to do instead.",
        )
    }));
    changes_state(aliased(
        cmdlet(
            "certreq",
            "Creates a certificate request from a policy (.inf) file, and installs the certificate a CA issued for it.",
            "certreq -new [-f] request.inf request.csr reads Windows' request policy file ([NewRequest] Subject, KeyAlgorithm, KeyLength, KeyUsage, FriendlyName, RequestType; [Extensions] with {text} values, _continue_ lines and Critical; [EnhancedKeyUsageExtension] OID=; [Strings] %names%; UTF-16 or UTF-8), keeps the key in Cert:\\LocalMachine\\REQUEST and writes the request as PEM. Keys that only say where Windows keeps the key (MachineKeySet, ProviderName, Exportable, ...) are accepted and listed as verbose messages; unknown keys and sections are refused with their line number. certreq -accept issued.cer pairs the issued certificate (DER, PEM chain or PKCS#7) with its key, stores it with its chain in Cert:\\LocalMachine\\My and removes the request, in one transaction. $LASTEXITCODE is 0 on success and 1 on failure.",
            parameters,
            vec![example(
                "A request from a policy file, then the CA's answer",
                "Set-Content request.inf \"[NewRequest]`nSubject = `\"CN=backup01.tech.local`\"`nKeyLength = 2048`n[Extensions]`n2.5.29.17 = `\"{text}`\"`n_continue_ = `\"dns=backup01.tech.local&`\"\"\ncertreq -new request.inf backup01.csr\n# The CA issues backup01.cer for backup01.csr (here openssl plays a throwaway CA):\nopenssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=Lab-CA -keyout ca.key -out ca.crt 2>$null\nopenssl x509 -req -in backup01.csr -CA ca.crt -CAkey ca.key -copy_extensions copy -out backup01.cer 2>$null\ncertreq -accept backup01.cer",
                "Writes backup01.csr, then installs backup01.cer with its key in Cert:\\LocalMachine\\My and prints what it installed.",
            )],
            "String",
        ),
        &["certreq.exe"],
    ))
}

fn run(args: &Args, _input: Option<Value>, host: &dyn HostApi) -> Result<Vec<Value>, CmdletError> {
    if let Some(verb) = AD_CS_VERBS.iter().find(|v| args.switch(v)) {
        return Err(error::new(
            ErrorCategory::NotImplemented,
            "ActiveDirectoryCaNeeded",
            format!(
                "certreq -{} talks to an Active Directory CA, which certhost does not: give the request file (certreq -new) to the CA, and install its answer with certreq -accept",
                verb.to_ascii_lowercase()
            ),
            None,
        ));
    }
    let in_file = args.text("InFile");
    match (args.switch("New"), args.switch("Accept"), in_file) {
        (true, true, _) | (false, false, _) => Err(error::invalid_argument(
            "CertreqVerbMissing",
            "say what to do: certreq -new request.inf request.csr, or certreq -accept issued.cer",
        )),
        (_, _, None) => Err(error::invalid_argument(
            "CertreqFileMissing",
            "name the file: certreq -new request.inf request.csr, or certreq -accept issued.cer",
        )),
        (true, false, Some(inf)) => new(args, host, &inf),
        (false, true, Some(issued)) => accept(host, &issued),
    }
}

fn new(args: &Args, host: &dyn HostApi, inf_path: &str) -> Result<Vec<Value>, CmdletError> {
    let out_file = args.text("OutFile").ok_or_else(|| {
        error::invalid_argument(
            "CertreqFileMissing",
            format!("name the request file to write: certreq -new {inf_path} request.csr"),
        )
    })?;
    let inf_bytes = host
        .read_file(inf_path)
        .map_err(|e| error::file(inf_path, e, false))?;
    let inf = certhost_core::request_inf::parse(&inf_bytes).map_err(|e| {
        let mut failure =
            error::invalid_argument("InvalidRequestPolicy", format!("{inf_path}: {e}"));
        failure.target = Some(inf_path.to_string());
        failure
    })?;
    if !args.switch("F") && host.read_file(&out_file).is_ok() {
        return Err(error::new(
            ErrorCategory::ResourceExists,
            "RequestFileExists",
            format!("{out_file} exists: add -f to overwrite it, or name another file"),
            Some(&out_file),
        ));
    }
    for note in &inf.ignored {
        host.message(MessageLevel::Verbose, note);
    }
    let request = generate_request(&inf, host.now())?;
    let location =
        parse_store_location(&format!("Cert:\\LocalMachine\\{}", requests::REQUEST_STORE))?;
    requests::create(
        host,
        &request,
        inf.friendly_name.clone().unwrap_or_default(),
        &location,
        &out_file,
    )?;
    Ok(vec![Value::Text("CertReq: Request Created".into())])
}

fn generate_request(inf: &InfRequest, now: i64) -> Result<GenerateRequest, CmdletError> {
    let mut request = GenerateRequest::server_default(now);
    request.subject = inf.subject.clone();
    let mut texts = inf.text_extensions.clone();
    if !inf.extended_key_usages.is_empty() {
        texts.push(format!(
            "2.5.29.37={{text}}{}",
            inf.extended_key_usages.join(",")
        ));
    }
    requests::set_key_and_extensions(
        &mut request,
        inf.key_algorithm.as_deref().unwrap_or("RSA"),
        inf.key_length,
        inf.key_usage.map(key_usages),
        &texts,
    )?;
    if request.subject.is_none() && request.dns_names.is_empty() {
        return Err(error::invalid_argument(
            "InvalidRequestPolicy",
            "the request names nothing: add Subject = \"CN=<server name>\" to [NewRequest], or a dns= name to the 2.5.29.17 extension",
        ));
    }
    Ok(request)
}

fn key_usages(bits: u32) -> Vec<KeyUsage> {
    use key_usage_bits::*;
    [
        (DIGITAL_SIGNATURE, KeyUsage::DigitalSignature),
        (NON_REPUDIATION, KeyUsage::NonRepudiation),
        (KEY_ENCIPHERMENT, KeyUsage::KeyEncipherment),
        (DATA_ENCIPHERMENT, KeyUsage::DataEncipherment),
        (KEY_AGREEMENT, KeyUsage::KeyAgreement),
        (KEY_CERT_SIGN, KeyUsage::KeyCertSign),
        (CRL_SIGN, KeyUsage::CrlSign),
    ]
    .into_iter()
    .filter(|(bit, _)| bits & bit != 0)
    .map(|(_, usage)| usage)
    .collect()
}

fn accept(host: &dyn HostApi, path: &str) -> Result<Vec<Value>, CmdletError> {
    let certificates = requests::read_certificates(host, path)?;
    let location = parse_store_location(ACCEPT_STORE)?;
    let Some((issued, request)) = requests::pending_request(host, &certificates)? else {
        return Err(error::new(
            ErrorCategory::ObjectNotFound,
            "RequestNotFound",
            format!(
                "Cannot find object or property. 0x80092004: no pending request in Cert:\\LocalMachine\\REQUEST holds the key of the certificate in '{path}'; make the request on this machine (certreq -new or New-CertificateRequest) and accept the certificate the CA issued for that request"
            ),
            Some(path),
        ));
    };
    let object = requests::accept(host, &location, certificates, issued, request, path)?;
    Ok(installed(&object))
}

/// The lines certreq prints for an installed certificate.
fn installed(object: &CertificateObject) -> Vec<Value> {
    let info = &object.info;
    let dns = info
        .dns_names
        .iter()
        .map(|n| format!("DNS Name={n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let subject = if dns.is_empty() {
        info.subject.clone()
    } else {
        format!("{} ({dns})", info.subject)
    };
    [
        "Installed Certificate:".to_string(),
        format!(
            "  Serial Number: {}",
            info.serial_number.to_ascii_lowercase()
        ),
        format!("  Subject: {subject}"),
        format!("  NotBefore: {}", short_date_time(info.not_before)),
        format!("  NotAfter: {}", short_date_time(info.not_after)),
        format!("  Thumbprint: {}", info.thumbprint.to_ascii_lowercase()),
    ]
    .into_iter()
    .map(Value::Text)
    .collect()
}
