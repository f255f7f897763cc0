//! ACME against a real ACME server: Pebble (Let's Encrypt's test server, Debian package
//! `pebble`), started here with its own configuration and CA on loopback, validating
//! the challenges `certhost serve` answers. The results are checked with openssl and
//! curl against Pebble's root.

mod common;

use common::server::{Server, free_port, wait_for_port};
use common::{Run, tool};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A Pebble of its own: its HTTPS certificate (for 127.0.0.1) made with openssl, the
/// ports it validates on, and its root once it runs.
struct Pebble {
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
    management: u16,
    helper: Option<Child>,
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(helper) = &mut self.helper {
            let _ = helper.kill();
            let _ = helper.wait();
        }
    }
}

struct PebbleOptions {
    tls_port: u16,
    http_port: u16,
    validity_seconds: u64,
    blocked: Vec<&'static str>,
    /// Runs pebble-challtestsrv as Pebble's DNS server (port) with its management port.
    dns: Option<(u16, u16)>,
}

impl PebbleOptions {
    fn new(tls_port: u16, http_port: u16) -> Self {
        PebbleOptions {
            tls_port,
            http_port,
            validity_seconds: 3600,
            blocked: Vec::new(),
            dns: None,
        }
    }
}

impl Pebble {
    fn start(options: PebbleOptions) -> Pebble {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        // A CA of its own, and Pebble's HTTPS certificate for 127.0.0.1 from it.
        for args in [
            vec![
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &path("ca.key"),
                "-out",
                &path("tls-ca.pem"),
                "-days",
                "2",
                "-subj",
                "/CN=pebble test CA",
            ],
            vec![
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &path("key.pem"),
                "-out",
                &path("tls.csr"),
                "-subj",
                "/CN=pebble",
            ],
        ] {
            let made = tool("openssl", &args, None);
            assert_eq!(made.code, 0, "{}", made.stderr);
        }
        std::fs::write(
            path("tls.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        let signed = tool(
            "openssl",
            &[
                "x509",
                "-req",
                "-in",
                &path("tls.csr"),
                "-CA",
                &path("tls-ca.pem"),
                "-CAkey",
                &path("ca.key"),
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &path("tls.ext"),
                "-out",
                &path("tls.pem"),
            ],
            None,
        );
        assert_eq!(signed.code, 0, "{}", signed.stderr);
        let port = free_port();
        let management = free_port();
        let config = serde_json::json!({
            "pebble": {
                "listenAddress": format!("127.0.0.1:{port}"),
                "managementListenAddress": format!("127.0.0.1:{management}"),
                "certificate": path("tls.pem"),
                "privateKey": path("key.pem"),
                "httpPort": options.http_port,
                "tlsPort": options.tls_port,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": false,
                "domainBlocklist": options.blocked,
                "certificateValidityPeriod": options.validity_seconds,
            }
        });
        std::fs::write(path("pebble.json"), config.to_string()).unwrap();
        let mut helper = None;
        let mut command = Command::new("pebble");
        command.args(["-config", &path("pebble.json"), "-strict=false"]);
        if let Some((dns_port, dns_management)) = options.dns {
            helper = Some(
                Command::new("pebble-challtestsrv")
                    .args([
                        "-dns01",
                        &format!("127.0.0.1:{dns_port}"),
                        "-management",
                        &format!("127.0.0.1:{dns_management}"),
                        "-http01",
                        "",
                        "-https01",
                        "",
                        "-tlsalpn01",
                        "",
                        "-defaultIPv4",
                        "127.0.0.1",
                        "-defaultIPv6",
                        "",
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("pebble-challtestsrv (Debian package pebble)"),
            );
            wait_for_port(dns_management, true);
            command.args(["-dnsserver", &format!("127.0.0.1:{dns_port}")]);
        }
        let log = std::fs::File::create(path("pebble.log")).unwrap();
        let child = command
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("pebble (Debian package pebble)");
        let pebble = Pebble {
            dir,
            child,
            port,
            management,
            helper,
        };
        wait_for_port(port, true);
        wait_for_port(management, true);
        pebble
    }

    fn directory(&self) -> String {
        format!("https://127.0.0.1:{}/dir", self.port)
    }

    /// The CA of Pebble's own HTTPS certificate (for -RootCertificatePath).
    fn tls_root(&self) -> PathBuf {
        self.dir.path().join("tls-ca.pem")
    }

    /// Pebble's issuing root, fetched from its management interface.
    fn issuing_root(&self, into: &Path) -> PathBuf {
        let url = format!("https://127.0.0.1:{}/roots/0", self.management);
        let out = tool(
            "curl",
            &["-s", "-S", "-k", "-o", into.to_str().unwrap(), &url],
            None,
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        into.to_path_buf()
    }
}

fn new_acme(s: &Server, pebble: &Pebble, rest: &str) -> Run {
    s.sb.run(&format!(
        "New-AcmeCertificate -Server {} -RootCertificatePath '{}' {rest} | Format-List Slot, Thumbprint, Identifiers, Challenge",
        pebble.directory(),
        pebble.tls_root().display()
    ))
}

fn field(run: &Run, name: &str) -> String {
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix(name)?.trim_start().strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {name} in:\n{}", run.stdout))
        .trim()
        .to_string()
}

/// The certificates `certhost serve` presents on `port`, leaf first (openssl s_client).
fn presented_chain(s: &Server, port: u16) -> Vec<PathBuf> {
    let mut child = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-showcerts",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdin.take());
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    let mut files = Vec::new();
    for (i, block) in out.split("-----BEGIN CERTIFICATE-----").skip(1).enumerate() {
        let body = block.split("-----END CERTIFICATE-----").next().unwrap();
        let file = s.sb.path(&format!("presented-{i}.pem"));
        std::fs::write(
            &file,
            format!("-----BEGIN CERTIFICATE-----{body}-----END CERTIFICATE-----\n"),
        )
        .unwrap();
        files.push(file);
    }
    files
}

/// openssl verify of the served chain against Pebble's root, and curl --cacert.
/// Waits (up to 5 s) for `certhost serve` to present `thumbprint`, without a restart.
fn wait_until_served(s: &Server, thumbprint: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.presented(None, s.port) != thumbprint {
        assert!(
            Instant::now() < deadline,
            "the new certificate is not served"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn check_served_chain(s: &Server, root: &Path) -> String {
    let chain = presented_chain(s, s.port);
    assert!(chain.len() >= 2, "the intermediate is served with the leaf");
    let untrusted = s.sb.path("untrusted.pem");
    let intermediates: String = chain[1..]
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    std::fs::write(&untrusted, intermediates).unwrap();
    let verified = tool(
        "openssl",
        &[
            "verify",
            "-CAfile",
            root.to_str().unwrap(),
            "-untrusted",
            untrusted.to_str().unwrap(),
            chain[0].to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert!(
        verified.stdout.trim_end().ends_with(": OK"),
        "{}",
        verified.stdout
    );
    let curl = tool(
        "curl",
        &[
            "-s",
            "-S",
            "-o",
            "/dev/null",
            "--cacert",
            root.to_str().unwrap(),
            &format!("https://127.0.0.1:{}/", s.port),
        ],
        None,
    );
    assert_eq!(curl.code, 0, "curl --cacert: {}", curl.stderr);
    common::openssl_thumbprint(&chain[0], false)
}

fn slot_thumbprint(s: &Server) -> String {
    s.sb.run("(Get-BackupServerCertificate).Thumbprint")
        .ok()
        .stdout
        .trim()
        .to_string()
}

#[test]
fn tls_alpn_01_issues_for_an_address_and_serve_renews_it_while_clients_connect() {
    let s = Server::start(&["--acme-renewal-check", "1"]);
    let pebble = Pebble::start(PebbleOptions {
        validity_seconds: 30,
        ..PebbleOptions::new(s.port, free_port())
    });
    let root = pebble.issuing_root(&s.sb.path("pebble-root.pem"));
    let issued = new_acme(
        &s,
        &pebble,
        &format!("-IPAddress 127.0.0.1 -ChallengePort {}", s.port),
    );
    assert_eq!(
        issued.code,
        0,
        "{}{}\n{}",
        issued.stdout,
        issued.stderr,
        s.log()
    );
    let thumbprint = field(&issued, "Thumbprint");
    assert_eq!(field(&issued, "Challenge"), "TlsAlpn01");
    assert_eq!(field(&issued, "Identifiers"), "{127.0.0.1}");
    assert_eq!(slot_thumbprint(&s), thumbprint);
    // Served without a restart, and trusted through Pebble's root.
    wait_until_served(&s, &thumbprint);
    assert_eq!(check_served_chain(&s, &root), thumbprint);
    let renewal =
        s.sb.run("Get-AcmeRenewal | Format-List Slot, Status, Failures")
            .ok();
    assert!(renewal.stdout.contains("Valid"), "{}", renewal.stdout);
    s.sb.run("Test-AcmeRenewal").ok();

    // Renewal at two thirds of 30 s, by certhost serve, while clients keep connecting.
    let stop = Arc::new(AtomicBool::new(false));
    let (handshakes, failures) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let client = {
        let (stop, handshakes, failures) = (stop.clone(), handshakes.clone(), failures.clone());
        let (root, port) = (root.clone(), s.port);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let ok = Command::new("curl")
                    .args(["-s", "-o", "/dev/null", "--cacert"])
                    .arg(&root)
                    .arg(format!("https://127.0.0.1:{port}/"))
                    .status()
                    .is_ok_and(|s| s.success());
                handshakes.fetch_add(1, Ordering::Relaxed);
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(40);
    let renewed = loop {
        let now = slot_thumbprint(&s);
        if now != thumbprint {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "no renewal; serve log:\n{}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.presented(None, s.port) != renewed {
        assert!(
            Instant::now() < deadline,
            "the renewed certificate is not served"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    client.join().unwrap();
    let (handshakes, failures) = (
        handshakes.load(Ordering::Relaxed),
        failures.load(Ordering::Relaxed),
    );
    println!("renewal: {handshakes} handshakes, {failures} failed");
    assert!(handshakes > 10, "clients kept connecting: {handshakes}");
    assert_eq!(
        failures, 0,
        "failed handshakes during the renewal of {handshakes}"
    );
    assert_eq!(check_served_chain(&s, &root), renewed);
    assert!(
        s.log()
            .contains("renewed the ACME certificate of BackupServer"),
        "{}",
        s.log()
    );
    let renewal =
        s.sb.run("Get-AcmeRenewal | Format-List Thumbprint, Failures")
            .ok();
    assert!(renewal.stdout.contains(&renewed), "{}", renewal.stdout);

    // The ACME server goes away: the next renewal fails loudly, the binding keeps its
    // certificate, and monitoring sees it.
    let failed_before = s.log().matches("ACME RENEWAL FAILED").count();
    drop(pebble);
    let deadline = Instant::now() + Duration::from_secs(40);
    while s
        .log()
        .matches("ACME RENEWAL FAILED for BackupServer")
        .count()
        <= failed_before
    {
        assert!(
            Instant::now() < deadline,
            "no failed renewal logged:\n{}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let monitored = s.sb.run("Test-AcmeRenewal");
    assert_ne!(monitored.code, 0);
    assert!(
        monitored
            .stderr
            .contains("the ACME certificate of BackupServer is Failing"),
        "{}",
        monitored.stderr
    );
    let status =
        s.sb.run("Get-AcmeRenewal | Format-List Status, Failures, LastError")
            .ok();
    assert!(status.stdout.contains("Failing"), "{}", status.stdout);
    assert!(
        status.stdout.contains("cannot use the ACME server"),
        "{}",
        status.stdout
    );
    assert_eq!(
        slot_thumbprint(&s),
        renewed,
        "the slot keeps its certificate"
    );
    assert_eq!(
        s.presented(None, s.port),
        renewed,
        "the binding keeps serving it"
    );
}

#[test]
fn http_01_issues_through_the_acme_http_listener() {
    let http_port = free_port();
    let s = Server::start(&["--acme-http", &format!("127.0.0.1:{http_port}")]);
    wait_for_port(http_port, true);
    let pebble = Pebble::start(PebbleOptions::new(free_port(), http_port));
    let root = pebble.issuing_root(&s.sb.path("pebble-root.pem"));
    let issued = new_acme(
        &s,
        &pebble,
        &format!(
            "-IPAddress 127.0.0.1 -Challenge Http01 -ChallengePort {http_port} -KeyAlgorithm ECDSA_P256 -Force"
        ),
    );
    assert_eq!(issued.code, 0, "{}{}", issued.stdout, issued.stderr);
    let thumbprint = field(&issued, "Thumbprint");
    wait_until_served(&s, &thumbprint);
    assert_eq!(check_served_chain(&s, &root), thumbprint);
    // The listener answers nothing else.
    let other = tool(
        "curl",
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("http://127.0.0.1:{http_port}/.well-known/acme-challenge/unknown"),
        ],
        None,
    );
    assert_eq!(other.stdout, "404");
}

/// Writes the dns-01 script an admin would: it publishes and clears the TXT record in
/// pebble-challtestsrv (management port `dns_management`) and logs its arguments.
fn dns_hook(script: &Path, dns_management: u16) {
    std::fs::write(
        script,
        format!(
            "#!/bin/sh\nset -e\necho \"$@\" >> dns-hook.log\ncase \"$1\" in\n  add) path=set-txt; body=\"{{\\\"host\\\":\\\"$2\\\",\\\"value\\\":\\\"$3\\\"}}\" ;;\n  remove) path=clear-txt; body=\"{{\\\"host\\\":\\\"$2\\\"}}\" ;;\nesac\ncurl -s -f -d \"$body\" http://127.0.0.1:{dns_management}/$path\n"
        ),
    )
    .unwrap();
    tool("chmod", &["755", script.to_str().unwrap()], None);
}

#[test]
fn dns_01_runs_the_admins_script() {
    let (dns_port, dns_management) = (free_port(), free_port());
    let s = Server::start(&[]);
    let pebble = Pebble::start(PebbleOptions {
        dns: Some((dns_port, dns_management)),
        ..PebbleOptions::new(free_port(), free_port())
    });
    dns_hook(&s.sb.path("dns-hook.sh"), dns_management);
    let issued = new_acme(
        &s,
        &pebble,
        "-DnsName backup01.tech.local -Challenge Dns01Script -DnsScript ./dns-hook.sh",
    );
    assert_eq!(issued.code, 0, "{}{}", issued.stdout, issued.stderr);
    let log = std::fs::read_to_string(s.sb.path("dns-hook.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].starts_with("add _acme-challenge.backup01.tech.local. "),
        "{log}"
    );
    assert!(
        lines[1].starts_with("remove _acme-challenge.backup01.tech.local. "),
        "{log}"
    );
    assert_eq!(slot_thumbprint(&s), field(&issued, "Thumbprint"));
}

#[test]
fn rejections_are_clear_and_change_nothing() {
    let s = Server::start(&[]);
    let nobody = free_port();
    // Pebble validates on a port where nothing listens.
    let pebble = Pebble::start(PebbleOptions {
        blocked: vec!["blocked.example"],
        ..PebbleOptions::new(nobody, nobody)
    });
    let before = slot_thumbprint(&s);
    // Each attempt fails with its own error id and words, and nothing else happens.
    let attempt = |arguments: &str, id: &str, words: &str| {
        let run = s.sb.run(&format!(
            "try {{ New-AcmeCertificate {arguments} -ErrorAction Stop }} catch {{ 'ID=' + $_.FullyQualifiedErrorId; $_.Exception.Message }}"
        ));
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains(&format!("ID={id}")),
            "expected {id} in:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains(words),
            "expected '{words}' in:\n{}",
            run.stdout
        );
        assert!(!run.stdout.contains("panicked"), "{}", run.stdout);
        // And as a user sees it: a non-zero exit with the message on stderr.
        let plain = s.sb.run(&format!("New-AcmeCertificate {arguments}"));
        assert_ne!(plain.code, 0);
        assert!(plain.stderr.contains(words), "{}", plain.stderr);
    };
    let server = |rest: &str| {
        format!(
            "-Server {} -RootCertificatePath '{}' {rest}",
            pebble.directory(),
            pebble.tls_root().display()
        )
    };
    // Our own check first: nothing answers where the ACME server will look.
    attempt(
        &server(&format!("-IPAddress 127.0.0.1 -ChallengePort {nobody}")),
        "AcmeChallengeNotAnswered",
        "certhost serve is not answering the tls-alpn-01 challenge for 127.0.0.1",
    );
    // certhost answers, but Pebble looks elsewhere: Pebble's own refusal.
    attempt(
        &server(&format!("-IPAddress 127.0.0.1 -ChallengePort {}", s.port)),
        "AcmeValidationFailed",
        "the ACME server could not validate 127.0.0.1",
    );
    // A name the server's policy refuses.
    attempt(
        &server("-DnsName blocked.example -Challenge Dns01Script -DnsScript /bin/true"),
        "AcmeOrderRefused",
        "the ACME server refused the order",
    );
    // A directory whose HTTPS certificate is not trusted.
    attempt(
        &format!(
            "-Server {} -RootCertificatePath '{}' -IPAddress 127.0.0.1",
            pebble.directory(),
            s.sb.path("ca.crt").display()
        ),
        "AcmeServerUnreachable",
        "cannot use the ACME server",
    );
    attempt(
        "-Server http://127.0.0.1/dir -IPAddress 127.0.0.1",
        "InvalidArgument",
        "-Server must be the ACME directory's https:// URL",
    );
    assert_eq!(slot_thumbprint(&s), before, "the slot is unchanged");
    let renewals = s.sb.run("Get-AcmeRenewal").ok();
    assert_eq!(renewals.stdout.trim(), "", "nothing was registered");
}

#[test]
fn a_deactivated_account_is_refused_clearly_and_remove_acme_account_recovers() {
    let (dns_port, dns_management) = (free_port(), free_port());
    let pebble = Pebble::start(PebbleOptions {
        dns: Some((dns_port, dns_management)),
        ..PebbleOptions::new(free_port(), free_port())
    });
    let sb = common::Sandbox::new();
    dns_hook(&sb.path("dns-hook.sh"), dns_management);
    sb.run("Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 127.0.0.1")
        .ok();
    // Two stores holding the same account: this one, and a copy made after the account
    // was registered (as a restored backup of the appliance would hold it).
    let copy = sb.path("home-copy");
    let run_in = |home: &Path, script: &str| {
        common::run_of(
            sb.command()
                .env("CERTHOST_HOME", home)
                .args(["-NonInteractive", "-Command", script])
                .output()
                .unwrap(),
        )
    };
    let server = format!(
        "-Server {} -RootCertificatePath '{}'",
        pebble.directory(),
        pebble.tls_root().display()
    );
    let order_arguments = format!(
        "{server} -DnsName backup01.tech.local -Challenge Dns01Script -DnsScript ./dns-hook.sh"
    );
    let order = format!("New-AcmeCertificate {order_arguments} | Format-List Thumbprint");
    let issued = run_in(&sb.home(), &order).ok();
    let accounts = run_in(&sb.home(), "Get-AcmeAccount | Format-List *").ok();
    assert!(
        accounts
            .stdout
            .contains(&format!("Server     : {}", pebble.directory())),
        "{}",
        accounts.stdout
    );
    let account_url = field(&accounts, "AccountUrl");
    assert!(
        account_url.starts_with("https://127.0.0.1:"),
        "{account_url}"
    );
    assert!(
        !accounts.stdout.to_lowercase().contains("key"),
        "no key shown: {}",
        accounts.stdout
    );
    let copied = tool(
        "cp",
        &["-a", sb.home().to_str().unwrap(), copy.to_str().unwrap()],
        None,
    );
    assert_eq!(copied.code, 0, "{}", copied.stderr);

    // -WhatIf changes nothing; then the account is deactivated at Pebble and forgotten.
    run_in(&sb.home(), &format!("Remove-AcmeAccount {server} -WhatIf")).ok();
    assert!(
        run_in(&sb.home(), "Get-AcmeAccount")
            .ok()
            .stdout
            .contains(&account_url)
    );
    run_in(&sb.home(), &format!("Remove-AcmeAccount {server}")).ok();
    assert_eq!(run_in(&sb.home(), "Get-AcmeAccount").ok().stdout.trim(), "");
    let again = run_in(&sb.home(), &format!("Remove-AcmeAccount {server}"));
    assert_ne!(again.code, 0);
    assert!(
        again.stderr.contains("no ACME account is kept for"),
        "{}",
        again.stderr
    );

    // The copy still holds the deactivated account: Pebble refuses it, the error says so
    // and what to do, and the slot keeps its certificate.
    let slot = |home: &Path| {
        run_in(home, "(Get-BackupServerCertificate).Thumbprint")
            .ok()
            .stdout
            .trim()
            .to_string()
    };
    let before = slot(&copy);
    assert_eq!(before, field(&issued, "Thumbprint"));
    let refused = run_in(
        &copy,
        &format!(
            "try {{ New-AcmeCertificate {order_arguments} -ErrorAction Stop }} catch {{ 'ID=' + $_.FullyQualifiedErrorId; $_.Exception.Message }}"
        ),
    )
    .ok();
    assert!(
        refused.stdout.contains("ID=AcmeAccountNotValid"),
        "{}",
        refused.stdout
    );
    for words in [
        "the ACME server no longer accepts the account certhost keeps for",
        "deactivated",
        "Remove-AcmeAccount -Server",
        "Nothing was changed",
    ] {
        assert!(
            refused.stdout.contains(words),
            "'{words}' in:\n{}",
            refused.stdout
        );
    }
    assert_eq!(slot(&copy), before, "the slot is unchanged");

    // As the error says: forget it, and order again. (Pebble accepts a second
    // deactivation of a deactivated account, so either outcome is reported.)
    let forgotten = run_in(&copy, &format!("Remove-AcmeAccount {server} -Verbose"));
    assert_eq!(forgotten.code, 0, "{}", forgotten.stderr);
    assert!(
        forgotten.stdout.contains("it is no longer kept for"),
        "{}",
        forgotten.stdout
    );
    let reissued = run_in(&copy, &order).ok();
    assert_ne!(field(&reissued, "Thumbprint"), before);
    assert_eq!(slot(&copy), field(&reissued, "Thumbprint"));
    let new_account = field(
        &run_in(&copy, "Get-AcmeAccount | Format-List *").ok(),
        "AccountUrl",
    );
    assert_ne!(new_account, account_url, "a new account was registered");
}
