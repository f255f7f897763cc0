//! Rotation of the backup server certificate: the REST binding always points at a valid
//! certificate (the old one, then the new one), failed rotations change nothing, and
//! processes rotating and binding at once leave a consistent state.

mod common;
use certhost::store::Database;
use common::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const REST: &str = "0.0.0.0:9419";

/// The binding, the slot and every stored certificate, as one comparable snapshot.
fn snapshot(sb: &Sandbox) -> String {
    let db = Database::open(&sb.home()).unwrap();
    let bindings = db.list_bindings().unwrap();
    let slots = db.list_slots().unwrap();
    let mut stores = Vec::new();
    for store in db.store_names().unwrap() {
        for c in db.list_certificates(&store).unwrap() {
            stores.push(format!(
                "{store}/{}/{}",
                c.thumbprint,
                c.private_key.is_some()
            ));
        }
    }
    format!("{bindings:?}\n{slots:?}\n{stores:?}")
}

/// The thumbprint served on `endpoint`, checked to be a stored certificate with its key.
fn served(db: &Database, endpoint: &str) -> String {
    let binding = db
        .get_binding(endpoint)
        .unwrap()
        .expect("the endpoint stays bound");
    let cert = db
        .get_certificate(&binding.store_name, &binding.certificate_hash)
        .unwrap()
        .unwrap_or_else(|| panic!("{endpoint} points at a missing certificate"));
    assert!(
        cert.private_key.is_some(),
        "{endpoint} points at a certificate without key"
    );
    binding.certificate_hash
}

#[test]
fn the_binding_follows_each_rotation_with_no_gap() {
    let sb = Sandbox::new();
    sb.run("Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5; Get-BackupServerCertificate | Out-Null")
        .ok();
    let first = served(&Database::open(&sb.home()).unwrap(), REST);

    // A watcher reads the binding as fast as it can while three rotations run.
    let stop = Arc::new(AtomicBool::new(false));
    let home = sb.home();
    let watcher = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let db = Database::open(&home).unwrap();
            let mut seen: Vec<String> = Vec::new();
            let look = |seen: &mut Vec<String>| {
                let now = served(&db, REST);
                if seen.last() != Some(&now) {
                    assert!(!seen.contains(&now), "went back to an older certificate");
                    seen.push(now);
                }
            };
            while !stop.load(Ordering::Relaxed) {
                look(&mut seen);
            }
            // A look that began before the last rotation committed may have ended the
            // loop: one more after it.
            look(&mut seen);
            seen
        })
    };
    let mut rotated = vec![first.clone()];
    for i in 0..3 {
        let out = sb
            .run(&format!(
                "(Generate-BackupServerCertificate -Name 'next {i}' | Add-BackupServerCertificate).Thumbprint"
            ))
            .ok();
        rotated.push(out.stdout.trim().to_string());
    }
    stop.store(true, Ordering::Relaxed);
    let seen = watcher.join().unwrap();
    assert_eq!(seen.first(), Some(&first));
    assert_eq!(seen.last(), rotated.last());
    assert!(
        seen.iter().all(|t| rotated.contains(t)),
        "{seen:?} vs {rotated:?}"
    );
    let db = Database::open(&sb.home()).unwrap();
    assert_eq!(
        db.get_slot("BackupServer").unwrap().unwrap().thumbprint,
        *rotated.last().unwrap()
    );
}

#[test]
fn failed_rotations_leave_the_state_unchanged() {
    let sb = Sandbox::new();
    let pki = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tech-local");
    for f in ["TechCompany.crt", "TechCompany-encrypted.key", "leaf.crt"] {
        std::fs::copy(pki.join(f), sb.path(f)).unwrap();
    }
    sb.run("Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5; Get-BackupServerCertificate | Out-Null; \
            $e = New-SelfSignedCertificate -DnsName backup01.tech.local -NotBefore ([datetime]'2020-01-01') -NotAfter ([datetime]'2021-01-01'); \
            Import-Certificate -FilePath leaf.crt | Out-Null")
        .ok();
    let before = snapshot(&sb);
    let attempts = [
        (
            "expired",
            "Get-ChildItem Cert:\\LocalMachine\\My -ExpiringInDays 0 | Add-BackupServerCertificate",
            "expired on 2021-01-01",
        ),
        (
            "wrong password",
            "Add-BackupServerCertificate -CertificatePath TechCompany.crt -PrivateKeyPath TechCompany-encrypted.key -Password (ConvertTo-SecureString -String wrong -Force -AsPlainText)",
            "wrong password",
        ),
        (
            "missing key",
            "Get-ChildItem Cert:\\LocalMachine\\My | Where-Object { -not $_.HasPrivateKey } | Add-BackupServerCertificate",
            "no private key",
        ),
        (
            "missing key file",
            "Add-BackupServerCertificate -CertificatePath TechCompany.crt -PrivateKeyPath nowhere.key",
            "nowhere.key",
        ),
    ];
    for (what, script, expected) in attempts {
        let out = sb.run(script);
        assert!(out.stderr.contains(expected), "{what}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{what}: {}", out.stderr);
        assert_eq!(snapshot(&sb), before, "{what} changed the state");
    }
}

#[test]
fn four_processes_rotating_and_binding_at_once_stay_consistent() {
    let sb = Sandbox::new();
    sb.run("Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 10.0.0.5; Get-BackupServerCertificate | Out-Null")
        .ok();
    let rotate = "foreach ($i in 1..3) { Generate-BackupServerCertificate -Name \"r$i\" | Add-BackupServerCertificate | Out-Null }";
    let bind = |port: u16| {
        format!(
            "$c = New-SelfSignedCertificate -DnsName p{port}.tech.local -KeyAlgorithm ECDSA_nistP256; \
             Add-SslBinding -Endpoint 0.0.0.0:{port} -Certificate $c | Out-Null; \
             foreach ($i in 1..3) {{ $n = New-SelfSignedCertificate -DnsName p{port}.tech.local -KeyAlgorithm ECDSA_nistP256; \
             Set-SslBinding -Endpoint 0.0.0.0:{port} -Certificate $n | Out-Null; Remove-Item \"Cert:\\LocalMachine\\My\\$($c.Thumbprint)\"; $c = $n }}"
        )
    };
    let scripts = [
        rotate.to_string(),
        rotate.to_string(),
        bind(8441),
        bind(8442),
    ];
    let children: Vec<_> = scripts
        .iter()
        .map(|s| {
            sb.command()
                .args(["-NonInteractive", "-Command", s])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        run_of(child.wait_with_output().unwrap()).ok();
    }
    let db = Database::open(&sb.home()).unwrap();
    let slot = db.get_slot("BackupServer").unwrap().unwrap();
    assert_eq!(
        served(&db, REST),
        slot.thumbprint,
        "the REST binding follows the slot"
    );
    for port in [8441, 8442] {
        served(&db, &format!("0.0.0.0:{port}"));
    }
    // 1 default + 6 rotations + 2 × (4 made − 3 removed) binding certificates.
    assert_eq!(db.list_certificates("My").unwrap().len(), 1 + 6 + 2);
}
