//! The cmdlets run natively against the in-memory `FakeHost`: no wasm, no database.

use super::all;
use crate::args::Args;
use crate::bindings::exports::certhost::plugin::cmdlets::{
    Argument, CertificateObject, CmdletError, ErrorCategory, Value,
};
use crate::fake_host::FakeHost;

fn run(
    host: &FakeHost,
    name: &str,
    arguments: &[(&str, Value)],
) -> Result<Vec<Value>, CmdletError> {
    let cmdlet = all()
        .iter()
        .find(|c| (c.info)().name == name)
        .unwrap_or_else(|| panic!("no cmdlet {name}"));
    let arguments = arguments
        .iter()
        .map(|(n, v)| Argument {
            name: n.to_string(),
            value: v.clone(),
        })
        .collect();
    (cmdlet.run)(&Args::new(arguments), None, host)
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn certificate(values: Vec<Value>) -> CertificateObject {
    match values.into_iter().next() {
        Some(Value::Certificate(c)) => c,
        other => panic!("not a certificate: {other:?}"),
    }
}

fn new_certificate(host: &FakeHost, dns: &str) -> CertificateObject {
    certificate(
        run(
            host,
            "New-SelfSignedCertificate",
            &[("DnsName", Value::TextList(vec![dns.into()]))],
        )
        .unwrap(),
    )
}

#[test]
fn new_self_signed_certificate_stores_the_certificate_with_its_key() {
    let host = FakeHost::new();
    let cert = new_certificate(&host, "www.contoso.com");
    assert!(cert.has_private_key);
    assert_eq!(cert.store.as_deref(), Some("My"));
    assert_eq!(cert.info.subject, "CN=www.contoso.com");
    assert_eq!(cert.info.dns_names, ["www.contoso.com"]);
    let my = host.store("My");
    assert_eq!(my.len(), 1);
    assert_eq!(my[0].thumbprint, cert.info.thumbprint);
    assert!(my[0].entry.private_key.is_some());
    // Windows' default: one year from ten minutes before now.
    assert_eq!(cert.info.not_before, crate::fake_host::NOW - 600);
}

#[test]
fn a_pfx_export_imports_back_and_a_wrong_password_changes_nothing() {
    let host = FakeHost::new();
    let cert = new_certificate(&host, "backup01.tech.local");
    run(
        &host,
        "Export-PfxCertificate",
        &[
            ("Cert", Value::Certificate(cert.clone())),
            ("FilePath", text("backup01.pfx")),
            ("Password", Value::SecureText("1234".into())),
        ],
    )
    .unwrap();
    assert!(host.files.borrow().contains_key("backup01.pfx"));

    let wrong = run(
        &host,
        "Import-PfxCertificate",
        &[
            ("FilePath", text("backup01.pfx")),
            ("CertStoreLocation", text("Cert:\\LocalMachine\\WebHosting")),
            ("Password", Value::SecureText("12345".into())),
        ],
    )
    .unwrap_err();
    assert_eq!(wrong.category, ErrorCategory::SecurityError);
    assert!(host.store("WebHosting").is_empty());

    let imported = certificate(
        run(
            &host,
            "Import-PfxCertificate",
            &[
                ("FilePath", text("backup01.pfx")),
                ("CertStoreLocation", text("Cert:\\LocalMachine\\WebHosting")),
                ("Password", Value::SecureText("1234".into())),
            ],
        )
        .unwrap(),
    );
    assert_eq!(imported.info.thumbprint, cert.info.thumbprint);
    let stored = host.store("WebHosting");
    assert_eq!(stored.len(), 1);
    assert!(stored[0].entry.private_key.is_some());
}

#[test]
fn the_backup_server_certificate_is_made_on_first_use_for_the_server_identity() {
    let host = FakeHost::new();
    let cert = certificate(run(&host, "Get-BackupServerCertificate", &[]).unwrap());
    assert_eq!(cert.info.subject, "CN=backup01.tech.local");
    assert!(cert.info.dns_names.contains(&"backup01".to_string()));
    assert_eq!(cert.info.ip_addresses, ["192.0.2.10"]);
    assert_eq!(cert.friendly_name, "Backup Server Certificate");
    let slot = host.slots.borrow().get("BackupServer").cloned().unwrap();
    assert!(slot.automatically_generated);
    assert_eq!(slot.thumbprint, cert.info.thumbprint);
    // The same certificate the second time.
    let again = certificate(run(&host, "Get-BackupServerCertificate", &[]).unwrap());
    assert_eq!(again.info.thumbprint, cert.info.thumbprint);
}

#[test]
fn what_if_describes_the_rotation_and_changes_nothing() {
    let host = FakeHost::new();
    let current = certificate(run(&host, "Get-BackupServerCertificate", &[]).unwrap());
    let next = certificate(
        run(
            &host,
            "Generate-BackupServerCertificate",
            &[("Name", text("Next"))],
        )
        .unwrap(),
    );
    let out = run(
        &host,
        "Add-BackupServerCertificate",
        &[
            ("Certificate", Value::Certificate(next.clone())),
            ("WhatIf", Value::Boolean(true)),
        ],
    )
    .unwrap();
    assert!(out.is_empty());
    let messages = host.messages.borrow().clone();
    assert!(
        messages.iter().any(|(level, text)| level == "WhatIf"
            && text.contains(&current.info.thumbprint)
            && text.contains(&next.info.thumbprint)),
        "{messages:?}"
    );
    let slot = host.slots.borrow().get("BackupServer").cloned().unwrap();
    assert_eq!(slot.thumbprint, current.info.thumbprint);
}

#[test]
fn a_refused_store_is_a_permission_denied_error_and_nothing_is_stored() {
    let host = FakeHost::new();
    host.deny_store.set(true);
    let e = run(
        &host,
        "New-SelfSignedCertificate",
        &[("DnsName", Value::TextList(vec!["a.tech.local".into()]))],
    )
    .unwrap_err();
    assert_eq!(e.category, ErrorCategory::PermissionDenied);
    assert!(e.message.contains("StoreRead"), "{}", e.message);
    assert!(host.stores.borrow().is_empty());
}

#[test]
fn every_cmdlet_follows_the_metadata_rules_and_declares_no_host_only_type() {
    let infos: Vec<_> = all().iter().map(|c| (c.info)()).collect();
    assert_eq!(certhost_cmdlet_meta::check_all(&infos), vec![]);
    for info in &infos {
        assert!(
            info.parameters
                .iter()
                .all(|p| p.type_ != certhost_cmdlet_meta::ParameterType::Any),
            "{}",
            info.name
        );
    }
}

/// A PFX file (password `1234`) of a certificate made by another host, so that it is in
/// none of `host`'s stores.
fn pfx_from_elsewhere(host: &FakeHost, cmdlet: &str, arguments: &[(&str, Value)]) {
    let elsewhere = FakeHost::new();
    let cert = certificate(run(&elsewhere, cmdlet, arguments).unwrap());
    run(
        &elsewhere,
        "Export-PfxCertificate",
        &[
            ("Cert", Value::Certificate(cert)),
            ("FilePath", text("server.pfx")),
            ("Password", Value::SecureText("1234".into())),
        ],
    )
    .unwrap();
    let pfx = elsewhere.files.borrow()["server.pfx"].clone();
    host.files.borrow_mut().insert("server.pfx".into(), pfx);
}

fn read_pfx(host: &FakeHost) -> CertificateObject {
    certificate(
        run(
            host,
            "Get-BackupServerCertificate",
            &[
                ("Path", text("server.pfx")),
                ("Password", Value::SecureText("1234".into())),
            ],
        )
        .unwrap(),
    )
}

#[test]
fn a_certificate_read_from_a_pfx_is_imported_and_assigned_in_one_step() {
    let host = FakeHost::new();
    pfx_from_elsewhere(
        &host,
        "Generate-BackupServerCertificate",
        &[("Name", text("From PFX"))],
    );
    let read = read_pfx(&host);
    assert_eq!(read.store, None);
    assert!(read.has_private_key);
    assert!(read.key_material.is_some());
    assert!(host.store("My").is_empty());

    let assigned = certificate(
        run(
            &host,
            "Add-BackupServerCertificate",
            &[("Certificate", Value::Certificate(read.clone()))],
        )
        .unwrap(),
    );
    assert_eq!(assigned.info.thumbprint, read.info.thumbprint);
    assert_eq!(assigned.store.as_deref(), Some("My"));
    // The stored object carries no key of its own: the store keeps it.
    assert!(assigned.key_material.is_none());
    let my = host.store("My");
    assert_eq!(my.len(), 1);
    assert_eq!(my[0].thumbprint, read.info.thumbprint);
    assert!(my[0].entry.private_key.is_some());
    let slot = host.slots.borrow().get("BackupServer").cloned().unwrap();
    assert_eq!(slot.thumbprint, read.info.thumbprint);
    assert!(!slot.automatically_generated);
}

#[test]
fn a_pfx_certificate_that_fails_validation_is_not_stored() {
    let host = FakeHost::new();
    // Not named for this server: the identity check fails (without -Force).
    pfx_from_elsewhere(
        &host,
        "New-SelfSignedCertificate",
        &[("DnsName", Value::TextList(vec!["other.example.com".into()]))],
    );
    let read = read_pfx(&host);
    let e = run(
        &host,
        "Add-BackupServerCertificate",
        &[("Certificate", Value::Certificate(read))],
    )
    .unwrap_err();
    assert_eq!(e.category, ErrorCategory::InvalidOperation);
    assert_eq!(e.error_id, "CertificateValidationFailed");
    assert!(host.store("My").is_empty());
    assert!(host.slots.borrow().get("BackupServer").is_none());
}

#[test]
fn a_certificate_in_no_store_without_a_key_says_how_to_bring_one() {
    let host = FakeHost::new();
    pfx_from_elsewhere(
        &host,
        "Generate-BackupServerCertificate",
        &[("Name", text("From PFX"))],
    );
    let mut read = read_pfx(&host);
    read.key_material = None;
    let e = run(
        &host,
        "Add-BackupServerCertificate",
        &[("Certificate", Value::Certificate(read))],
    )
    .unwrap_err();
    assert_eq!(e.error_id, "CertificateNotInStore");
    assert!(
        e.message
            .contains("Get-BackupServerCertificate -Path <file> -Password <password>"),
        "{}",
        e.message
    );
    assert!(host.store("My").is_empty());
}

#[test]
fn test_backup_server_certificate_has_its_vbr_name() {
    let test = all()
        .iter()
        .map(|c| (c.info)())
        .find(|i| i.name == "Test-BackupServerCertificate")
        .unwrap();
    assert!(
        test.aliases
            .contains(&"Test-VBRBackupServerCertificate".to_string())
    );
}

fn new_root_ca(host: &FakeHost, extra: &[(&str, Value)]) -> Result<Vec<Value>, CmdletError> {
    let mut arguments = vec![
        ("Subject", text("CN=Tech Root CA, O=Tech")),
        ("KeyAlgorithm", text("ECDSA_nistP256")),
        ("Type", text("Custom")),
        (
            "KeyUsage",
            Value::TextList(vec!["CertSign".into(), "CRLSign".into()]),
        ),
        (
            "TextExtension",
            Value::TextList(vec!["2.5.29.19={text}CA=true&pathlength=0".into()]),
        ),
    ];
    arguments.extend(extra.iter().cloned());
    run(host, "New-SelfSignedCertificate", &arguments)
}

#[test]
fn a_root_ca_issues_a_server_certificate_stored_with_its_chain() {
    let host = FakeHost::new();
    let ca = certificate(new_root_ca(&host, &[]).unwrap());
    assert_eq!(ca.info.is_ca, Some(true));
    assert!(
        host.messages.borrow().is_empty(),
        "{:?}",
        host.messages.borrow()
    );
    let leaf = certificate(
        run(
            &host,
            "New-SelfSignedCertificate",
            &[
                ("DnsName", Value::TextList(vec!["web01.tech.local".into()])),
                ("Signer", Value::Certificate(ca.clone())),
            ],
        )
        .unwrap(),
    );
    assert_eq!(leaf.info.issuer, "CN=Tech Root CA, O=Tech");
    assert!(!leaf.info.self_signed);
    assert_eq!(leaf.info.is_ca, Some(false));
    assert!(leaf.info.not_after <= ca.info.not_after);
    assert!(certhost_core::verify::issued_by(&leaf.der, &ca.der));
    let stored = host
        .store("My")
        .into_iter()
        .find(|s| s.thumbprint == leaf.info.thumbprint)
        .unwrap();
    assert_eq!(stored.entry.chain, vec![ca.der.clone()]);
    assert!(stored.entry.private_key.is_some());
}

#[test]
fn a_signer_that_cannot_issue_is_refused_and_nothing_is_stored() {
    let host = FakeHost::new();
    let not_ca = new_certificate(&host, "plain.tech.local");
    let e = run(
        &host,
        "New-SelfSignedCertificate",
        &[
            ("DnsName", Value::TextList(vec!["web01.tech.local".into()])),
            ("Signer", Value::Certificate(not_ca)),
        ],
    )
    .unwrap_err();
    assert!(e.message.contains("not a CA"), "{}", e.message);
    assert_eq!(host.store("My").len(), 1);

    for (bad, why) in [
        ("2.5.29.19={text}CA=maybe", "CA must be true or false"),
        ("2.5.29.19={text}CA=true&pathlength=-1", "pathlength"),
        ("2.5.29.19={text}CA=false&pathlength=2", "only to a CA"),
        ("2.5.29.19={text}pathlength=2", "missing"),
    ] {
        let e = run(
            &host,
            "New-SelfSignedCertificate",
            &[
                ("Subject", text("CN=x")),
                ("TextExtension", Value::TextList(vec![bad.into()])),
            ],
        )
        .unwrap_err();
        assert_eq!(e.error_id, "InvalidBasicConstraints");
        assert!(e.message.contains(why), "{bad}: {}", e.message);
    }
    assert_eq!(host.store("My").len(), 1);
}

#[test]
fn cert_sign_without_ca_true_is_made_with_a_warning() {
    let host = FakeHost::new();
    run(
        &host,
        "New-SelfSignedCertificate",
        &[
            ("Subject", text("CN=half a CA")),
            ("KeyUsage", Value::TextList(vec!["CertSign".into()])),
        ],
    )
    .unwrap();
    let messages = host.messages.borrow();
    assert!(
        messages
            .iter()
            .any(|(level, m)| level == "Warning" && m.contains("not a CA")),
        "{messages:?}"
    );
}

#[test]
fn a_request_keeps_its_key_and_the_issued_certificate_is_paired_with_it() {
    let host = FakeHost::new();
    let request = certificate(
        run(
            &host,
            "New-CertificateRequest",
            &[
                ("OutFile", text("backup01.csr")),
                ("Subject", text("CN=backup01.tech.local, O=Tech")),
                (
                    "DnsName",
                    Value::TextList(vec!["backup01.tech.local".into()]),
                ),
                ("KeyAlgorithm", text("ECDSA_nistP256")),
                ("FriendlyName", text("backup server")),
            ],
        )
        .unwrap(),
    );
    assert_eq!(request.store.as_deref(), Some("REQUEST"));
    let pending = host.store("REQUEST");
    assert_eq!(pending.len(), 1);
    let csr = host.files.borrow()["backup01.csr"].clone();
    assert!(csr.starts_with(b"-----BEGIN CERTIFICATE REQUEST-----\n"));

    // The CA (here a certhost CA, signing a certificate for the request's key) answers
    // with a PEM chain: the CA first, as some CAs write it.
    let ca = certificate(new_root_ca(&host, &[]).unwrap());
    let issued = issue_for_key(&pending[0], &ca, &host);
    let chain = [
        certhost_core::pem::encode_pem("CERTIFICATE", &ca.der),
        certhost_core::pem::encode_pem("CERTIFICATE", &issued),
    ]
    .concat();
    host.files
        .borrow_mut()
        .insert("issued.pem".into(), chain.into_bytes());
    let paired = certificate(
        run(
            &host,
            "Import-Certificate",
            &[("FilePath", text("issued.pem"))],
        )
        .unwrap(),
    );
    assert!(paired.has_private_key);
    assert_eq!(paired.friendly_name, "backup server");
    let stored = host
        .store("My")
        .into_iter()
        .find(|c| c.thumbprint == paired.info.thumbprint)
        .unwrap();
    assert_eq!(stored.entry.private_key, pending[0].entry.private_key);
    assert_eq!(stored.entry.chain, vec![ca.der.clone()]);
    assert!(host.store("REQUEST").is_empty());

    // Without a pending request the same file imports as certificates without keys.
    let again = run(
        &host,
        "Import-Certificate",
        &[
            ("FilePath", text("issued.pem")),
            ("CertStoreLocation", text("Cert:\\LocalMachine\\CA")),
        ],
    )
    .unwrap();
    assert_eq!(again.len(), 2);
}

/// A certificate for the key of the pending `request`, signed by `ca`: what the CA does
/// with the request file.
fn issue_for_key(
    request: &crate::bindings::certhost::plugin::store::StoredCertificate,
    ca: &CertificateObject,
    host: &FakeHost,
) -> Vec<u8> {
    let ca_entry = host
        .store("My")
        .into_iter()
        .find(|c| c.thumbprint == ca.info.thumbprint)
        .unwrap();
    let mut r = certhost_core::generate::GenerateRequest::server_default(crate::fake_host::NOW);
    r.dns_names = vec!["backup01.tech.local".into()];
    certhost_core::issue::issue_for(
        &r,
        &request.entry.certificate,
        &ca_entry.entry.certificate,
        ca_entry.entry.private_key.as_deref().unwrap(),
    )
    .unwrap()
}

fn texts(values: Vec<Value>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| match v {
            Value::Text(t) => t,
            other => panic!("not text: {other:?}"),
        })
        .collect()
}

const REQUEST_INF: &str = "[Version]\r\nSignature=\"$Windows NT$\"\r\n[NewRequest]\r\nSubject = \"CN=backup01.tech.local, O=Tech\"\r\nKeyAlgorithm = ECDSA_P256\r\nMachineKeySet = TRUE\r\nFriendlyName = \"backup server\"\r\n[Extensions]\r\n2.5.29.17 = \"{text}\"\r\n_continue_ = \"dns=backup01.tech.local&\"\r\n_continue_ = \"ipaddress=10.0.0.5&\"\r\n";

#[test]
fn certreq_new_reads_the_policy_file_and_accept_installs_the_issued_certificate() {
    let host = FakeHost::new();
    host.files
        .borrow_mut()
        .insert("request.inf".into(), REQUEST_INF.as_bytes().to_vec());
    let new = [
        ("New", Value::Boolean(true)),
        ("InFile", text("request.inf")),
        ("OutFile", text("backup01.csr")),
    ];
    let out = texts(run(&host, "certreq", &new).unwrap());
    assert_eq!(out, ["CertReq: Request Created"]);
    assert!(
        host.files.borrow()["backup01.csr"].starts_with(b"-----BEGIN CERTIFICATE REQUEST-----")
    );
    let pending = host.store("REQUEST");
    assert_eq!(pending.len(), 1);
    let placeholder = certhost_core::inspect::inspect(&pending[0].entry.certificate).unwrap();
    assert_eq!(placeholder.subject, "CN=backup01.tech.local, O=Tech");
    assert_eq!(placeholder.dns_names, ["backup01.tech.local"]);
    assert_eq!(placeholder.ip_addresses, ["10.0.0.5"]);
    assert_eq!(placeholder.key_algorithm, "ECDSA_P256");
    assert_eq!(pending[0].entry.friendly_name, "backup server");
    assert!(
        host.messages
            .borrow()
            .iter()
            .any(|(_, m)| m.starts_with("MachineKeySet = TRUE")),
        "the ignored key is told"
    );

    // The request file exists now: without -f it is kept, and nothing more is stored.
    let again = run(&host, "certreq", &new).unwrap_err();
    assert_eq!(again.error_id, "RequestFileExists");
    assert_eq!(host.store("REQUEST").len(), 1);

    let ca = certificate(new_root_ca(&host, &[]).unwrap());
    let issued = issue_for_key(&pending[0], &ca, &host);
    host.files
        .borrow_mut()
        .insert("issued.cer".into(), issued.clone());
    let accept = [
        ("Accept", Value::Boolean(true)),
        ("InFile", text("issued.cer")),
    ];
    let lines = texts(run(&host, "certreq", &accept).unwrap());
    let info = certhost_core::inspect::inspect(&issued).unwrap();
    assert_eq!(lines[0], "Installed Certificate:");
    assert!(lines.contains(&format!(
        "  Thumbprint: {}",
        info.thumbprint.to_ascii_lowercase()
    )));
    let stored = host
        .store("My")
        .into_iter()
        .find(|c| c.thumbprint == info.thumbprint)
        .unwrap();
    assert_eq!(stored.entry.private_key, pending[0].entry.private_key);
    assert!(host.store("REQUEST").is_empty());

    // Accepting again: no request holds the key any more.
    let error = run(&host, "certreq", &accept).unwrap_err();
    assert_eq!(error.error_id, "RequestNotFound");
    assert!(error.message.contains("0x80092004"), "{}", error.message);
}

#[test]
fn certreq_refuses_a_bad_policy_file_and_ad_cs_verbs_and_stores_nothing() {
    let host = FakeHost::new();
    host.files.borrow_mut().insert(
        "bad.inf".into(),
        b"[NewRequest]\nSubject = \"CN=a\"\nKeyLenght = 2048\n".to_vec(),
    );
    let error = run(
        &host,
        "certreq",
        &[
            ("New", Value::Boolean(true)),
            ("InFile", text("bad.inf")),
            ("OutFile", text("a.csr")),
        ],
    )
    .unwrap_err();
    assert_eq!(error.error_id, "InvalidRequestPolicy");
    assert!(
        error.message.contains("line 3: KeyLenght"),
        "{}",
        error.message
    );
    let error = run(&host, "certreq", &[("Submit", Value::Boolean(true))]).unwrap_err();
    assert_eq!(error.error_id, "ActiveDirectoryCaNeeded");
    let error = run(&host, "certreq", &[("InFile", text("bad.inf"))]).unwrap_err();
    assert_eq!(error.error_id, "CertreqVerbMissing");
    assert!(host.store("REQUEST").is_empty());
    assert!(!host.files.borrow().contains_key("a.csr"));
}
