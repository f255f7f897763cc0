//! `certhost serve` with real clients: curl (--cacert, --pinnedpubkey), Python requests,
//! openssl s_client. Each test runs its own server on a free loopback port.

mod common;
use common::server::*;
use common::*;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn seed_003_upload_swaps_the_certificate_without_a_restart() {
    let s = Server::start(&[]);
    let pid = s.child.id();
    let old = openssl_thumbprint(&s.sb.path("old.pem"), false);
    assert_eq!(s.presented(None, s.port), old);
    // The old self-signed certificate verifies against itself.
    let (status, body) = s.curl(&[
        "--cacert",
        "old.pem",
        "-H",
        VERSION,
        &s.url("/api/v1/serverCertificate"),
    ]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["thumbprint"], old);
    let token = s.token();
    let bearer = format!("Authorization: Bearer {token}");
    // Seed 003's request.
    let (status, body) = s.curl(&[
        "--cacert",
        "old.pem",
        "-X",
        "POST",
        "-H",
        &bearer,
        "-H",
        VERSION,
        "-F",
        "certificateFile=@backup01.pfx;type=application/x-pkcs12",
        "-F",
        "certificatePassword=Passw0rd!",
        &s.url("/api/v1/settings/certificates/upload"),
    ]);
    assert_eq!((status, body.as_str()), (202, ""));
    // The next handshake presents the new certificate, which verifies with its CA.
    let new = leaf_thumbprint(&s.sb);
    assert_eq!(s.presented(None, s.port), new);
    let (status, body) = s.curl(&[
        "--cacert",
        "ca.crt",
        "-H",
        VERSION,
        &s.url("/api/v1/serverCertificate"),
    ]);
    assert_eq!(status, 200);
    let model = json(&body);
    assert_eq!(model["thumbprint"], new);
    assert_eq!(model["keyAlgorithm"], "RSA-PKCS1-KeyEx");
    assert_eq!(model["keySize"], "2048");
    assert_eq!(model["issuedBy"], "Tech Local Root CA");
    let (_, body) = s.curl(&[
        "--cacert",
        "ca.crt",
        "-H",
        VERSION,
        "-H",
        &bearer,
        &s.url("/api/v1/settings/certificates"),
    ]);
    assert_eq!(json(&body)["data"][0]["automaticallyGenerated"], false);
    // The same process: no restart. No secret in responses or the log.
    assert_eq!(s.child.id(), pid);
    let log = s.log();
    for secret in ["Passw0rd!", PASSWORD, "PRIVATE KEY", token.as_str()] {
        assert!(!log.contains(secret), "the log shows {secret}:\n{log}");
    }
}

#[test]
fn auth_version_and_plaintext_are_refused_clearly() {
    let s = Server::start(&["--access-token-seconds", "1"]);
    let url = s.url("/api/v1/settings/certificates");
    let (status, body) = s.curl(&["-k", "-H", VERSION, &url]);
    assert_eq!(
        (status, json(&body)["errorCode"].clone()),
        (401, "AccessDenied".into())
    );
    let (status, body) = s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-H",
        "Authorization: Bearer nonsense",
        &url,
    ]);
    assert_eq!(
        (status, json(&body)["errorCode"].clone()),
        (401, "InvalidToken".into())
    );
    let token = s.token();
    std::thread::sleep(Duration::from_millis(1500));
    let (status, body) = s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-H",
        &format!("Authorization: Bearer {token}"),
        &url,
    ]);
    assert_eq!(
        (status, json(&body)["errorCode"].clone()),
        (401, "ExpiredToken".into())
    );
    // Without or with an unknown x-api-version: 400 with both originals' fields.
    let (status, body) = s.curl(&["-k", &s.url("/api/v1/serverCertificate")]);
    let error = json(&body);
    assert_eq!(status, 400);
    for field in [
        "errorCode",
        "message",
        "title",
        "status",
        "details",
        "resourceId",
    ] {
        assert!(error.get(field).is_some(), "{field} missing: {body}");
    }
    assert!(error["message"].as_str().unwrap().contains("x-api-version"));
    let (status, _) = s.curl(&[
        "-k",
        "-H",
        "x-api-version: 9.9-rev0",
        &s.url("/api/v1/serverCertificate"),
    ]);
    assert_eq!(status, 400);
    let (status, _) = s.curl(&[
        "-k",
        "-H",
        "x-api-version: 1.1-rev2",
        &s.url("/api/v1/serverCertificate"),
    ]);
    assert_eq!(status, 200);
    // Plain HTTP on the port gets no API response.
    let (status, body) = s.curl(&[
        "-H",
        VERSION,
        &format!("http://127.0.0.1:{}/api/v1/serverCertificate", s.port),
    ]);
    assert_eq!(status, 400);
    assert!(
        !body.contains("thumbprint") && body.contains("HTTPS only"),
        "{body}"
    );
    // Refresh tokens are single use; logout revokes.
    let (_, body) = s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-d",
        "grant_type=password",
        "-d",
        "username=admin",
        "--data-urlencode",
        &format!("password={PASSWORD}"),
        &s.url("/api/v1/token"),
    ]);
    let refresh = json(&body)["refresh_token"].as_str().unwrap().to_string();
    let form = format!("refresh_token={refresh}");
    let (status, body) = s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-d",
        "grant_type=refresh_token",
        "-d",
        &form,
        &s.url("/api/oauth2/token"),
    ]);
    assert_eq!(status, 200, "{body}");
    let fresh = json(&body)["access_token"].as_str().unwrap().to_string();
    let (status, _) = s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-d",
        "grant_type=refresh_token",
        "-d",
        &form,
        &s.url("/api/oauth2/token"),
    ]);
    assert_eq!(status, 401, "a refresh token works once");
    let bearer = format!("Authorization: Bearer {fresh}");
    let (status, _) = s.curl(&[
        "-k",
        "-X",
        "DELETE",
        "-H",
        VERSION,
        "-H",
        &bearer,
        &s.url("/api/v1/token"),
    ]);
    assert_eq!(status, 204);
    let (status, _) = s.curl(&["-k", "-H", VERSION, "-H", &bearer, &url]);
    assert_eq!(status, 401);
    // Wrong passwords are refused, more slowly each time.
    let wrong = |s: &Server| {
        let started = Instant::now();
        let (status, _) = s.curl(&[
            "-k",
            "-H",
            VERSION,
            "-d",
            "grant_type=password",
            "-d",
            "username=admin",
            "-d",
            "password=wrong-guess",
            &s.url("/api/oauth2/token"),
        ]);
        assert_eq!(status, 401);
        started.elapsed()
    };
    let first = wrong(&s);
    for _ in 0..3 {
        wrong(&s);
    }
    let fifth = wrong(&s);
    // After four failures the fifth answer waits 800 ms.
    assert!(
        fifth >= first + Duration::from_millis(600),
        "{first:?} then {fifth:?}"
    );
    assert!(!s.log().contains("wrong-guess"));
    // Removing the account ends its tokens at once.
    let token = s.token();
    run_of(
        s.sb.command()
            .args([
                "-NonInteractive",
                "-Command",
                "Remove-ApiAccount -UserName admin",
            ])
            .output()
            .unwrap(),
    )
    .ok();
    let (status, body) = s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-H",
        &format!("Authorization: Bearer {token}"),
        &url,
    ]);
    assert_eq!(
        (status, json(&body)["details"].clone()),
        (401, "AccountRemoved".into()),
        "{body}"
    );
}

#[test]
fn bad_uploads_are_specific_400s_and_change_nothing() {
    let s = Server::start(&[]);
    let old = openssl_thumbprint(&s.sb.path("old.pem"), false);
    let bearer = format!("Authorization: Bearer {}", s.token());
    // Files to upload: a PFX without key, an expired one, a PEM named .pfx, a big one.
    let no_key = s.sb.path("nokey.pfx");
    let out = tool(
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-nokeys",
            "-in",
            s.sb.path("leaf.crt").to_str().unwrap(),
            "-out",
            no_key.to_str().unwrap(),
            "-passout",
            "env:PFX_PASSWORD",
        ],
        Some("pw123456"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    run_of(s.sb.command().args(["-NonInteractive", "-Command",
        "New-SelfSignedCertificate -DnsName backup01.tech.local -NotBefore ([datetime]'2020-01-01') -NotAfter ([datetime]'2021-01-01') | Export-PfxCertificate -FilePath expired.pfx -Password pw123456 | Out-Null"]).output().unwrap()).ok();
    std::fs::copy(s.sb.path("ca.crt"), s.sb.path("pem.pfx")).unwrap();
    std::fs::write(s.sb.path("big.pfx"), vec![0x30u8; 2 * 1024 * 1024]).unwrap();
    let cases: &[(&[&str], u16, &str)] = &[
        (
            &[
                "-F",
                "certificateFile=@backup01.pfx",
                "-F",
                "certificatePassword=wrong",
            ],
            400,
            "wrong password",
        ),
        (
            &["-F", "certificateFile=@backup01.pfx"],
            400,
            "certificatePassword",
        ),
        (
            &["-F", "certificatePassword=Passw0rd!"],
            400,
            "certificateFile",
        ),
        (
            &[
                "-F",
                "certificateFile=@ca.crt",
                "-F",
                "certificatePassword=x",
            ],
            400,
            ".pfx or .p12",
        ),
        (
            &[
                "-F",
                "certificateFile=@pem.pfx",
                "-F",
                "certificatePassword=x",
            ],
            400,
            "PKCS#12",
        ),
        (
            &[
                "-F",
                "certificateFile=@nokey.pfx",
                "-F",
                "certificatePassword=pw123456",
            ],
            400,
            "no private key",
        ),
        (
            &[
                "-F",
                "certificateFile=@expired.pfx",
                "-F",
                "certificatePassword=pw123456",
            ],
            400,
            "expired",
        ),
        (
            &[
                "-F",
                "certificateFile=@big.pfx",
                "-F",
                "certificatePassword=x",
            ],
            413,
            "larger than",
        ),
        (
            &["-H", "Content-Type: application/json", "-d", "{}"],
            400,
            "multipart",
        ),
    ];
    let url = s.url("/api/v1/settings/certificates/upload");
    for (args, expected_status, expected_text) in cases {
        let mut all: Vec<&str> = vec!["-k", "-X", "POST", "-H", &bearer, "-H", VERSION];
        all.extend_from_slice(args);
        all.push(&url);
        let (status, body) = s.curl(&all);
        assert_eq!(status, *expected_status, "{args:?}: {body}");
        let error = json(&body);
        assert!(
            error["message"].as_str().unwrap().contains(expected_text),
            "{args:?}: {body}"
        );
        assert!(
            !body.contains("Passw0rd!") && !body.contains("pw123456"),
            "{body}"
        );
        assert_eq!(
            s.presented(None, s.port),
            old,
            "{args:?} changed the served certificate"
        );
    }
    let current = run_of(
        s.sb.command()
            .args([
                "-NonInteractive",
                "-Command",
                "(Get-BackupServerCertificate).Thumbprint",
            ])
            .output()
            .unwrap(),
    )
    .ok();
    assert_eq!(current.stdout.trim(), old);
}

#[test]
fn python_requests_and_a_pinned_key_see_the_server() {
    let s = Server::start(&[]);
    // --pinnedpubkey with the SHA-256 of the served key (computed by openssl).
    let old_pem = s.sb.path("old.pem");
    let pin = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("openssl x509 -in {} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64", old_pem.display()))
        .output()
        .unwrap();
    let pin = format!("sha256//{}", String::from_utf8_lossy(&pin.stdout).trim());
    let (status, _) = s.curl(&[
        "-k",
        "--pinnedpubkey",
        &pin,
        "-H",
        VERSION,
        &s.url("/api/v1/serverCertificate"),
    ]);
    assert_eq!(status, 200);
    let wrong = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let out = tool(
        "curl",
        &[
            "-s",
            "-k",
            "--resolve",
            &s.resolve(),
            "--pinnedpubkey",
            wrong,
            "-H",
            VERSION,
            &s.url("/api/v1/serverCertificate"),
        ],
        None,
    );
    assert_ne!(out.code, 0, "a wrong pin must fail");
    let script = format!(
        "import requests\nr = requests.get('https://127.0.0.1:{port}/api/v1/serverCertificate', headers={{'x-api-version': '1.1-rev0'}}, verify=False)\nprint(r.status_code, r.json()['issuedTo'])\n",
        port = s.port
    );
    let out = tool("python3", &["-W", "ignore", "-c", &script], None);
    assert_eq!(
        out.stdout.trim(),
        "200 backup01.tech.local",
        "{}",
        out.stderr
    );
}

#[test]
fn bindings_changed_by_another_process_are_served_within_a_second() {
    let s = Server::start(&[]);
    let port = free_port();
    let run = |script: &str| {
        run_of(
            s.sb.command()
                .args(["-NonInteractive", "-Command", script])
                .output()
                .unwrap(),
        )
        .ok()
        .stdout
    };
    let first = run(&format!(
        "$c = New-SelfSignedCertificate -DnsName extra.tech.local; Add-SslBinding -Endpoint 127.0.0.1:{port} -Certificate $c | Out-Null; $c.Thumbprint"
    ));
    let started = Instant::now();
    wait_for_port(port, true);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.presented(None, port), first.trim());
    let second = run(&format!(
        "$c = New-SelfSignedCertificate -DnsName extra.tech.local; Set-SslBinding -Endpoint 127.0.0.1:{port} -Certificate $c | Out-Null; $c.Thumbprint"
    ));
    let started = Instant::now();
    while s.presented(None, port) != second.trim() {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the new certificate took over a second"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SNI: a hostname:port binding on the same port answers for its name only.
    let sni = run(&format!(
        "$c = New-SelfSignedCertificate -DnsName sni.tech.local; Add-SslBinding -Endpoint sni.tech.local:{port} -Certificate $c | Out-Null; $c.Thumbprint"
    ));
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(s.presented(Some("sni.tech.local"), port), sni.trim());
    assert_eq!(s.presented(Some("other.tech.local"), port), second.trim());
    run(&format!(
        "Remove-SslBinding -Endpoint 127.0.0.1:{port}; Remove-SslBinding -Endpoint sni.tech.local:{port}"
    ));
    wait_for_port(port, false);
}

/// POSTs a connectionCertificate request; returns (status, body).
fn connection_certificate(s: &Server, bearer: &str, port: u16) -> (u16, String) {
    let body = format!("{{\"serverName\":\"127.0.0.1\",\"port\":{port},\"type\":\"LinuxHost\"}}");
    s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-H",
        bearer,
        "-H",
        "Content-Type: application/json",
        "-d",
        &body,
        &s.url("/api/v1/connectionCertificate"),
    ])
}

#[test]
fn connection_certificate_fetches_a_remote_servers_certificate() {
    // Loopback is refused unless the admin allows it.
    let s = Server::start(&["--allow-connect", "127.0.0.0/8"]);
    let old = openssl_thumbprint(&s.sb.path("old.pem"), false);
    let bearer = format!("Authorization: Bearer {}", s.token());
    let (status, answer) = connection_certificate(&s, &bearer, s.port);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(json(&answer)["fingerprint"], old);
    assert_eq!(json(&answer)["certificate"]["thumbprint"], old);
    let closed = free_port();
    let (status, answer) = connection_certificate(&s, &bearer, closed);
    assert_eq!(status, 502, "{answer}");
    assert!(
        json(&answer)["message"]
            .as_str()
            .unwrap()
            .contains(&closed.to_string())
    );
}

#[test]
fn connection_certificate_refuses_loopback_with_the_answer_of_a_closed_port() {
    let s = Server::start(&[]);
    let bearer = format!("Authorization: Bearer {}", s.token());
    // A TLS server is listening on s.port, on loopback: refused, and said as a closed
    // port would be, so the route cannot tell open ports from closed ones.
    let (status, refused) = connection_certificate(&s, &bearer, s.port);
    assert_eq!(status, 502, "{refused}");
    let closed = free_port();
    let (status, closed_answer) = connection_certificate(&s, &bearer, closed);
    assert_eq!(status, 502, "{closed_answer}");
    let refused = json(&refused);
    let closed_answer = json(&closed_answer);
    assert_eq!(
        refused["message"]
            .as_str()
            .unwrap()
            .replace(&s.port.to_string(), "PORT"),
        closed_answer["message"]
            .as_str()
            .unwrap()
            .replace(&closed.to_string(), "PORT")
    );
    assert_eq!(refused["details"], closed_answer["details"]);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("--allow-connect"),
        "{refused}"
    );
    // The log says which it was.
    let log = s.log();
    assert!(
        log.contains(&format!("to 127.0.0.1:{}: 127.0.0.1 is a loopback", s.port)),
        "{log}"
    );
}

#[test]
fn swaps_under_load_fail_no_request() {
    let s = Server::start(&[]);
    let bearer = format!("Authorization: Bearer {}", s.token());
    // Four Python clients, each request on a new TLS connection, for the whole test.
    let script = format!(
        r#"
import requests, threading, time, sys, urllib3
urllib3.disable_warnings()
stop = time.time() + 6
ok = fail = 0
seen = set()
lock = threading.Lock()
def client():
    global ok, fail
    while time.time() < stop:
        try:
            with requests.Session() as session:
                r = session.get('https://127.0.0.1:{port}/api/v1/serverCertificate', headers={{'x-api-version': '1.0-rev0'}}, verify=False, timeout=5)
            with lock:
                if r.status_code == 200: ok += 1; seen.add(r.json()['thumbprint'])
                else: fail += 1
        except Exception as e:
            with lock: fail += 1
            print(e, file=sys.stderr)
threads = [threading.Thread(target=client) for _ in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
print(ok, fail, len(seen))
"#,
        port = s.port
    );
    let load = std::process::Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    for i in 0..3 {
        let (status, body) = s.curl(&[
            "-k",
            "-H",
            VERSION,
            "-H",
            &bearer,
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!("{{\"validBy\": \"{}-01-01T00:00:00\"}}", 2030 + i),
            &s.url("/api/v1/settings/certificates/regenerate"),
        ]);
        assert_eq!(status, 202, "{body}");
        std::thread::sleep(Duration::from_millis(1000));
    }
    let out = run_of(load.wait_with_output().unwrap());
    let numbers: Vec<u64> = out
        .stdout
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let [ok, failed, distinct] = numbers[..] else {
        panic!("{}", out.stdout)
    };
    assert_eq!(failed, 0, "{}", out.stderr);
    assert!(ok > 20, "{ok} requests");
    assert!(distinct >= 3, "saw {distinct} certificates");
}

/// The schema a `$ref` names, or the schema itself.
fn resolve<'a>(doc: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema.get("$ref").and_then(|r| r.as_str()) {
        Some(r) => doc
            .pointer(&r[1..])
            .unwrap_or_else(|| panic!("dangling {r}")),
        None => schema,
    }
}

/// The response body has the documented required fields.
fn check_body(doc: &serde_json::Value, response: &serde_json::Value, body: &str, what: &str) {
    if response
        .pointer("/content/application~1x-pem-file")
        .is_some()
    {
        assert!(
            body.starts_with("-----BEGIN CERTIFICATE-----"),
            "{what}: documented as PEM, got {body}"
        );
        return;
    }
    let Some(schema) = response.pointer("/content/application~1json/schema") else {
        assert!(
            body.is_empty(),
            "{what}: documented without a body, got {body}"
        );
        return;
    };
    let schema = resolve(doc, schema);
    let value = json(body);
    for field in schema["required"].as_array().into_iter().flatten() {
        let field = field.as_str().unwrap();
        assert!(
            value.get(field).is_some(),
            "{what}: '{field}' missing from {body}"
        );
    }
}

#[test]
fn every_route_of_the_openapi_document_answers_as_documented() {
    let s = Server::start(&["--allow-connect", "127.0.0.1"]);
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // A second appliance to exchange certificates with, and a certificate to upload.
    let peer = Server::start(&[]);
    let exchange_body = serde_json::json!({
        "address": format!("127.0.0.1:{}", peer.port),
        "userName": "admin",
        "password": PASSWORD,
    })
    .to_string();
    let upload_body = serde_json::json!({
        "name": "peer01",
        "address": "peer01.tech.local:9419",
        "certificate": std::fs::read_to_string(s.sb.path("leaf.crt")).unwrap(),
    })
    .to_string();
    let token = s.token();
    let bearer = format!("Authorization: Bearer {token}");
    let self_body = format!("{{\"serverName\":\"127.0.0.1\",\"port\":{}}}", s.port);
    let password = format!("password={PASSWORD}");
    let mut operations: Vec<(String, String, serde_json::Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations.push((path.clone(), method.to_ascii_uppercase(), op.clone()));
        }
    }
    // Sign-outs last: they revoke the token the others use.
    operations.sort_by_key(|(path, method, _)| {
        (path.contains("logout") || method == "DELETE", path.clone())
    });
    assert!(operations.len() >= 9, "{} operations", operations.len());
    for (path, method, op) in &operations {
        let url = s.url(path);
        let what = format!("{method} {path}");
        let secured = op
            .get("security")
            .is_none_or(|s| !s.as_array().unwrap().is_empty());
        // The success case, with what each operation needs.
        let mut args: Vec<String> = vec![
            "-k".into(),
            "-X".into(),
            method.clone(),
            "-H".into(),
            VERSION.into(),
        ];
        if secured {
            // A sign-out spends its token: each gets a fresh one.
            let signs_out = path.contains("logout") || method == "DELETE";
            let header = if signs_out {
                format!("Authorization: Bearer {}", s.token())
            } else {
                bearer.clone()
            };
            args.extend(["-H".into(), header]);
        }
        let body_args: Vec<String> = match path.as_str() {
            p if p.ends_with("token") && method == "POST" => vec![
                "-d".into(),
                "grant_type=password".into(),
                "-d".into(),
                "username=admin".into(),
                "--data-urlencode".into(),
                password.clone(),
            ],
            p if p.ends_with("upload") => vec![
                "-F".into(),
                "certificateFile=@backup01.pfx".into(),
                "-F".into(),
                "certificatePassword=Passw0rd!".into(),
            ],
            p if p.ends_with("regenerate") => vec![
                "-H".into(),
                "Content-Type: application/json".into(),
                "-d".into(),
                "{\"validBy\":\"2030-01-01T00:00:00\"}".into(),
            ],
            p if p.ends_with("connectionCertificate") => vec![
                "-H".into(),
                "Content-Type: application/json".into(),
                "-d".into(),
                self_body.clone(),
            ],
            "/api/v1/appliance/exchange" => vec![
                "-H".into(),
                "Content-Type: application/json".into(),
                "-d".into(),
                exchange_body.clone(),
            ],
            "/api/v1/appliance/peers" if method == "POST" => vec![
                "-H".into(),
                "Content-Type: application/json".into(),
                "-d".into(),
                upload_body.clone(),
            ],
            _ => Vec::new(),
        };
        args.extend(body_args.iter().cloned());
        let url = url.replace("{name}", "peer01");
        args.push(url.clone());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (status, body) = s.curl(&refs);
        let documented = &op["responses"][status.to_string()];
        assert!(
            documented.is_object(),
            "{what}: status {status} is not documented ({body})"
        );
        assert!(
            status < 300,
            "{what}: expected success, got {status}: {body}"
        );
        check_body(&doc, documented, &body, &what);
        // Without x-api-version: the documented 400.
        let mut bare: Vec<&str> = vec!["-k", "-X", method.as_str()];
        bare.push(&url);
        let (status, body) = s.curl(&bare);
        assert_eq!(status, 400, "{what} without x-api-version: {body}");
        check_body(&doc, &op["responses"]["400"], &body, &what);
        // Without a token, a secured route: the documented 401.
        if secured {
            let (status, body) = s.curl(&["-k", "-X", method.as_str(), "-H", VERSION, &url]);
            assert_eq!(status, 401, "{what} without a token: {body}");
            check_body(&doc, &op["responses"]["401"], &body, &what);
        }
    }
    // What is not documented does not exist.
    let (status, body) = s.curl(&["-k", "-H", VERSION, &s.url("/api/v1/jobs")]);
    assert_eq!(status, 404);
    check_body(
        &doc,
        &serde_json::json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        &body,
        "unknown route",
    );
    let (status, _) = s.curl(&[
        "-k",
        "-X",
        "PUT",
        "-H",
        VERSION,
        &s.url("/api/v1/serverCertificate"),
    ]);
    assert_eq!(status, 405);
}

#[test]
fn a_script_drives_the_api_with_invoke_restmethod() {
    let s = Server::start(&[]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/rest");
    std::fs::copy(
        script.join("invoke-restmethod.ps1"),
        s.sb.path("invoke-restmethod.ps1"),
    )
    .unwrap();
    let base = format!("https://127.0.0.1:{}", s.port);
    let run = run_of(
        s.sb.command()
            .env("API_PASSWORD", PASSWORD)
            .args([
                "-NonInteractive",
                "-File",
                "invoke-restmethod.ps1",
                "-BaseUri",
                &base,
            ])
            .output()
            .unwrap(),
    );
    let expected = std::fs::read_to_string(script.join("invoke-restmethod.stdout")).unwrap();
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, expected.as_str(), "")
    );
    // The server agrees: the uploaded certificate is what it serves now.
    assert_eq!(s.presented(None, s.port), leaf_thumbprint(&s.sb));
}

#[test]
fn every_server_example_runs_against_a_server() {
    let s = Server::start(&[]);
    let base = format!("https://127.0.0.1:{}", s.port);
    let mut examples: Vec<(String, String)> = Vec::new();
    for command in certhost::builtins::all() {
        for example in command.info().examples.iter().filter(|e| e.needs_server) {
            let code = example.code.replace("https://backup01:9419", &base);
            examples.push((command.info().name.clone(), code));
        }
    }
    assert!(examples.len() >= 2, "{examples:?}");
    for (cmdlet, code) in examples {
        let run = run_of(
            s.sb.command()
                .env("API_PASSWORD", PASSWORD)
                .args(["-NonInteractive", "-Command", &code])
                .output()
                .unwrap(),
        );
        assert_eq!(
            (run.code, run.stderr.as_str()),
            (0, ""),
            "example of {cmdlet}:\n{code}\nstdout:\n{}",
            run.stdout
        );
        assert!(
            !run.stdout.trim().is_empty(),
            "example of {cmdlet} printed nothing"
        );
    }
}

#[test]
fn a_certificate_from_an_internal_ca_is_served_without_a_restart_and_curl_trusts_the_root() {
    let s = Server::start(&[]);
    let pid = s.child.id();
    let out = s.sb.run(
        "$root = New-SelfSignedCertificate -Subject 'CN=Tech Root CA, O=Tech' -KeyAlgorithm ECDSA_nistP384 -Type Custom -KeyUsage CertSign, CRLSign -TextExtension '2.5.29.19={text}CA=true&pathlength=0' -NotAfter (Get-Date).AddYears(10)
         $root | Export-Certificate -FilePath root.pem -Type PEM | Out-Null
         $server = New-SelfSignedCertificate -DnsName backup01.tech.local -TextExtension '2.5.29.17={text}IPAddress=127.0.0.1' -Signer $root
         $server | Add-BackupServerCertificate | Out-Null
         $server.Thumbprint",
    )
    .ok();
    // The server sees the change on its next look at the store.
    let thumbprint = out
        .stdout
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.presented(None, s.port) != thumbprint {
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, body) = s.curl(&[
        "--cacert",
        "root.pem",
        "-H",
        VERSION,
        &s.url("/api/v1/serverCertificate"),
    ]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(s.child.id(), pid);
    // The issuing CA is not sent as a trust anchor: a client without the root refuses.
    let untrusted = run_of(
        std::process::Command::new("curl")
            .args(["-s", "--resolve", &s.resolve(), &s.url("/")])
            .output()
            .unwrap(),
    );
    assert_eq!(
        untrusted.code, 60,
        "curl must not trust the internal CA by itself"
    );
}
