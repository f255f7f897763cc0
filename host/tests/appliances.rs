//! Appliance trust between real servers on loopback, each with its own CERTHOST_HOME:
//! the certificate exchange (and a wrong password, and a TLS-terminating relay), the
//! manual paths, rotations while a peer keeps calling over mutual TLS, a peer that was
//! offline catching up, and removal stopping a peer's access at once. Pins are checked
//! against openssl's SPKI SHA-256 of the certificate each server presents.

mod common;
use common::server::{PASSWORD, free_port, wait_for_port};
use common::*;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// One appliance: a sandbox, a REST binding on a free loopback port, `certhost serve`.
struct Appliance {
    sb: Sandbox,
    port: u16,
    child: Option<Child>,
}

impl Drop for Appliance {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Appliance {
    fn new(name: &str) -> Appliance {
        let sb = Sandbox::new();
        let port = free_port();
        let setup = format!(
            "Set-ServerIdentity -Fqdn {name} -IPAddress 127.0.0.1; \
             New-ApiAccount -UserName admin -Password (ConvertTo-SecureString '{PASSWORD}' -AsPlainText -Force) | Out-Null; \
             Get-BackupServerCertificate | Out-Null"
        );
        run_of(
            sb.command()
                .env("CERTHOST_REST_ENDPOINT", format!("127.0.0.1:{port}"))
                .args(["-NonInteractive", "-Command", &setup])
                .output()
                .unwrap(),
        )
        .ok();
        let mut appliance = Appliance {
            sb,
            port,
            child: None,
        };
        appliance.start();
        appliance
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.sb.path("serve.log"))
            .unwrap();
        self.child = Some(
            self.sb
                .command()
                .arg("serve")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
        wait_for_port(self.port, true);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            wait_for_port(self.port, false);
        }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn run(&self, script: &str) -> Run {
        self.sb.run(script)
    }

    /// Name, pin and status of each trusted peer, one line each.
    fn peers(&self) -> Vec<String> {
        let out = self
            .run("Get-TrustedPeer | ForEach-Object { \"$($_.Name) $($_.PublicKeyHash) $($_.Status)\" }")
            .ok();
        out.stdout.lines().map(str::to_string).collect()
    }

    /// The pin of the key this server presents, according to openssl.
    fn served_pin(&self) -> String {
        let pem = self.sb.path("served.pem");
        let out = std::process::Command::new("openssl")
            .args(["s_client", "-connect", &self.address()])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .unwrap();
        std::fs::write(&pem, &out.stdout).unwrap();
        let script = format!(
            "openssl x509 -in '{}' -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r",
            pem.display()
        );
        let out = run_of(
            std::process::Command::new("sh")
                .args(["-c", &script])
                .output()
                .unwrap(),
        );
        format!("sha256:{}", out.stdout.split_whitespace().next().unwrap())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.sb.path("serve.log")).unwrap_or_default()
    }

    /// A new certificate for the backup server slot; returns once the running server
    /// presents it (it sees the change on its next look at the store).
    fn rotate(&self) {
        let out = self.run("New-SelfSignedCertificate -DnsName $((Get-ServerIdentity).Fqdn) -CertStoreLocation Cert:\\LocalMachine\\My | Add-BackupServerCertificate 3>$null | Out-Null; (Export-ApplianceCertificate).PublicKeyHash")
            .ok();
        let pin = out.stdout.trim().to_string();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while self.child.is_some() && self.served_pin() != pin {
            assert!(
                std::time::Instant::now() < deadline,
                "the server never presented {pin}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// One `Test-TrustedPeer -Quiet` against `peer`: whether it succeeded.
    fn call(&self, peer: &str) -> bool {
        let out = self.run(&format!("Test-TrustedPeer -Name {peer} -Quiet"));
        out.code == 0 && out.stdout.trim() == "True"
    }
}

/// `Invoke-CertificateExchange` from `from` to `address`; the password goes through the
/// environment, never the arguments.
fn exchange(from: &Appliance, address: &str, password: &str) -> Run {
    let script = format!(
        "$p = ConvertTo-SecureString -String $env:PEER_PASSWORD -AsPlainText -Force; Invoke-CertificateExchange -Address '{address}' -UserName admin -Password $p | Select-Object -ExpandProperty Name"
    );
    run_of(
        from.sb
            .command()
            .env("PEER_PASSWORD", password)
            .args(["-NonInteractive", "-Command", &script])
            .output()
            .unwrap(),
    )
}

#[test]
fn the_exchange_makes_each_side_trust_the_other_and_a_wrong_password_changes_nothing() {
    let a = Appliance::new("a.test");
    let b = Appliance::new("b.test");

    let wrong = exchange(&a, &b.address(), "not-the-password");
    assert_ne!(wrong.code, 0, "{}", wrong.stdout);
    assert!(
        wrong.stderr.contains("the password check failed")
            && wrong.stderr.contains("nothing was trusted"),
        "{}",
        wrong.stderr
    );
    assert!(a.peers().is_empty() && b.peers().is_empty());

    let right = exchange(&a, &b.address(), PASSWORD);
    assert_eq!(right.code, 0, "{}", right.stderr);
    assert_eq!(right.stdout.trim(), "b.test");
    // Each side pinned the key the other serves, as openssl computes the pin.
    assert_eq!(
        a.peers(),
        vec![format!("b.test {} Trusted", b.served_pin())]
    );
    assert_eq!(
        b.peers(),
        vec![format!("a.test {} Trusted", a.served_pin())]
    );
    assert!(a.call("b.test") && b.call("a.test"));
    assert!(
        b.log().contains("exchanged certificates with 'a.test'"),
        "{}",
        b.log()
    );
    // The password is in no log and no database file.
    for side in [&a, &b] {
        assert!(!side.log().contains(PASSWORD));
        for file in ["certhost.db", "certhost.db-wal"] {
            let bytes = std::fs::read(side.sb.home().join(file)).unwrap_or_default();
            assert!(
                !bytes
                    .windows(PASSWORD.len())
                    .any(|w| w == PASSWORD.as_bytes()),
                "{file}"
            );
        }
    }

    // An exchange with itself, and with an address that is not one, say why.
    let own = exchange(&a, &a.address(), PASSWORD);
    assert!(own.stderr.contains("this server's own"), "{}", own.stderr);
    let bad = exchange(&a, "not an address", PASSWORD);
    assert!(bad.stderr.contains("is not an address"), "{}", bad.stderr);
}

#[test]
fn a_tls_terminating_relay_makes_the_exchange_fail_and_sees_no_password() {
    let a = Appliance::new("a.test");
    let b = Appliance::new("b.test");
    let relay_key = a.sb.path("relay.key");
    let relay_cert = a.sb.path("relay.pem");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=relay",
            "-days",
            "1",
            "-keyout",
        ])
        .arg(&relay_key)
        .arg("-out")
        .arg(&relay_cert)
        .output()
        .unwrap();
    assert!(made.status.success());
    let record = a.sb.path("relay-saw.bin");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tools/tls_relay.py");
    let mut relay = std::process::Command::new("python3")
        .arg(script)
        .args(["--upstream", &b.address(), "--cert"])
        .arg(&relay_cert)
        .arg("--key")
        .arg(&relay_key)
        .arg("--record")
        .arg(&record)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(relay.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let relay_port: u16 = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();

    let through = exchange(&a, &format!("127.0.0.1:{relay_port}"), PASSWORD);
    let _ = relay.kill();
    let _ = relay.wait();
    assert_ne!(through.code, 0, "{}", through.stdout);
    assert!(
        through.stderr.contains("terminates TLS"),
        "{}",
        through.stderr
    );
    assert!(a.peers().is_empty() && b.peers().is_empty());
    let seen = std::fs::read(&record).unwrap();
    // The relay did carry the exchange's messages, and nothing of the password.
    let start = b"POST /api/v1/appliance/exchange/start";
    assert!(
        seen.windows(start.len()).any(|w| w == start),
        "the relay saw no exchange"
    );
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(PASSWORD);
    for needle in [
        PASSWORD.as_bytes(),
        encoded.as_bytes(),
        &PASSWORD.as_bytes()[..6],
    ] {
        assert!(!seen.windows(needle.len()).any(|w| w == needle));
    }
    // Without the relay the same password works: the failure was the relay.
    assert_eq!(exchange(&a, &b.address(), PASSWORD).code, 0);
}

#[test]
fn rotations_under_load_break_no_peer_call_and_an_offline_peer_catches_up() {
    let a = Appliance::new("a.test");
    let b = Appliance::new("b.test");
    let mut c = Appliance::new("c.test");
    assert_eq!(exchange(&a, &b.address(), PASSWORD).code, 0);
    assert_eq!(exchange(&a, &c.address(), PASSWORD).code, 0);

    // B keeps calling A over mutual TLS while A's certificate changes three times.
    let stop = Arc::new(AtomicBool::new(false));
    let (calls, failures) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let b = Arc::new(b);
    let caller = {
        let (b, stop, calls, failures) = (b.clone(), stop.clone(), calls.clone(), failures.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                calls.fetch_add(1, Ordering::SeqCst);
                if !b.call("a.test") {
                    failures.fetch_add(1, Ordering::SeqCst);
                }
            }
        })
    };
    for _ in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(400));
        a.rotate();
    }
    std::thread::sleep(std::time::Duration::from_millis(600));
    stop.store(true, Ordering::SeqCst);
    caller.join().unwrap();
    let (calls, failures) = (
        calls.load(Ordering::SeqCst),
        failures.load(Ordering::SeqCst),
    );
    eprintln!("peer calls during 3 rotations: {calls}, failed: {failures}");
    assert!(calls >= 10, "only {calls} calls were made");
    assert_eq!(
        failures, 0,
        "{failures} of {calls} peer calls failed during rotations"
    );
    assert_eq!(
        b.peers(),
        vec![format!("a.test {} Trusted", a.served_pin())]
    );

    // C is offline while A rotates twice; when it is back, each side reaches the other.
    c.stop();
    a.rotate();
    a.rotate();
    assert!(!a.call("c.test"), "c is offline");
    c.start();
    assert!(
        c.call("a.test"),
        "C follows A's announcements from the key it knew"
    );
    assert_eq!(
        c.peers(),
        vec![format!("a.test {} Trusted", a.served_pin())]
    );
    assert!(a.call("c.test"));

    // C rotates while A is not told (its serve is stopped is not needed: A calls C).
    c.rotate();
    assert!(a.call("c.test") && c.call("a.test"));
    assert_eq!(
        a.peers()
            .iter()
            .filter(|p| p.contains(&c.served_pin()))
            .count(),
        1
    );
}

#[test]
fn removing_a_peer_stops_its_mutual_tls_access_at_once() {
    let a = Appliance::new("a.test");
    let b = Appliance::new("b.test");
    assert_eq!(exchange(&a, &b.address(), PASSWORD).code, 0);
    assert!(a.call("b.test"));
    // -WhatIf changes nothing.
    let what_if = b.run("Remove-TrustedPeer -Name a.test -WhatIf").ok();
    assert!(what_if.stdout.contains("a.test"), "{}", what_if.stdout);
    assert!(a.call("b.test"));
    b.run("Remove-TrustedPeer -Name a.test").ok();
    let refused = a
        .run("Test-TrustedPeer -Name b.test | ForEach-Object { \"$($_.Reachable) $($_.Error)\" }")
        .ok();
    assert!(
        refused.stdout.starts_with("False")
            && refused
                .stdout
                .contains("does not trust the key of the calling appliance"),
        "{}",
        refused.stdout
    );
    assert!(!a.call("b.test"));
    // B keeps answering everyone: refusing A (who then sends its announcements) holds
    // nothing that blocks the next request.
    let answered = run_of(
        std::process::Command::new("curl")
            .args([
                "-sk",
                "--max-time",
                "5",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-H",
                "x-api-version: 1.0-rev0",
            ])
            .arg(format!(
                "https://{}/api/v1/appliance/certificate",
                b.address()
            ))
            .output()
            .unwrap(),
    );
    assert_eq!(
        answered.stdout, "200",
        "B stopped answering after the refusal"
    );
    assert!(a.peers()[0].ends_with("Unreachable"), "{:?}", a.peers());
    let missing = b.run("Remove-TrustedPeer -Name a.test");
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("no trusted peer is named 'a.test'"),
        "{}",
        missing.stderr
    );
}

#[test]
fn the_manual_paths_check_what_they_trust() {
    let a = Appliance::new("a.test");
    let b = Appliance::new("b.test");
    // Download from B, upload on A (and the reverse), as seed 004 describes.
    b.run("Export-ApplianceCertificate -FilePath b.pem | Out-Null")
        .ok();
    std::fs::copy(b.sb.path("b.pem"), a.sb.path("b.pem")).unwrap();
    let added = a
        .run(&format!("Add-TrustedPeer -Path b.pem -Address {} | ForEach-Object {{ \"$($_.Name) $($_.PublicKeyHash)\" }}", b.address()))
        .ok();
    assert_eq!(added.stdout.trim(), format!("b.test {}", b.served_pin()));
    // One appliance is one peer: its key under a second name is refused.
    let twice = a.run(&format!(
        "Add-TrustedPeer -Path b.pem -Name b-again -Address {}",
        b.address()
    ));
    assert_ne!(twice.code, 0);
    assert!(
        twice.stderr.contains("trusted already, as peer 'b.test'"),
        "{}",
        twice.stderr
    );
    // A plain name that is not in the list is an error; a wildcard that matches none is not.
    let missing = a.run("Get-TrustedPeer -Name nosuch");
    assert!(
        missing.stderr.contains("no trusted peer is named 'nosuch'"),
        "{}",
        missing.stderr
    );
    assert_eq!(a.run("Get-TrustedPeer -Name 'no*'").ok().stdout.trim(), "");

    // kubeadm style: the pin read off the other console, checked against what it serves.
    let pin = b.served_pin();
    let by_pin = a
        .run(&format!("Add-TrustedPeer -Address {} -PublicKeyHash {pin} | Select-Object -ExpandProperty Status", b.address()))
        .ok();
    assert_eq!(by_pin.stdout.trim(), "Trusted");
    let wrong_pin = format!("sha256:{}", "0".repeat(64));
    let refused = a.run(&format!(
        "Add-TrustedPeer -Name other -Address {} -PublicKeyHash {wrong_pin}",
        b.address()
    ));
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("not the pin"), "{}", refused.stderr);
    assert!(!a.peers().iter().any(|p| p.starts_with("other ")));

    // What is refused, and why.
    a.run("Export-ApplianceCertificate -FilePath mine.pem | Out-Null")
        .ok();
    let own = a.run("Add-TrustedPeer -Path mine.pem -Address 127.0.0.1:1");
    assert!(own.stderr.contains("this server's own"), "{}", own.stderr);
    let client_only = a.sb.path("client.pem");
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=client",
            "-days",
            "1",
            "-addext",
            "extendedKeyUsage=clientAuth",
            "-keyout",
        ])
        .arg(a.sb.path("client.key"))
        .arg("-out")
        .arg(&client_only)
        .output()
        .unwrap();
    assert!(made.status.success());
    let no_server_auth = a.run("Add-TrustedPeer -Path client.pem -Address 127.0.0.1:1");
    assert!(
        no_server_auth
            .stderr
            .contains("not for server authentication"),
        "{}",
        no_server_auth.stderr
    );
    let bad_address = a.run("Add-TrustedPeer -Path b.pem -Address 'http://x y'");
    assert!(
        bad_address.stderr.contains("is not an address"),
        "{}",
        bad_address.stderr
    );
    let bad_pin = a.run("Add-TrustedPeer -Address 127.0.0.1:1 -PublicKeyHash md5:00");
    assert!(
        bad_pin.stderr.contains("64 hex digits"),
        "{}",
        bad_pin.stderr
    );
    assert_eq!(
        a.peers(),
        vec![format!("b.test {} Trusted", b.served_pin())]
    );
}
