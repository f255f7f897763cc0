//! `certhost serve` under attack, all on loopback: concurrent sign-ins within a memory
//! ceiling, slow-header and idle connections closed within their timeouts while normal
//! requests keep succeeding, per-address and total connection caps, the sign-in
//! throttle under parallel guesses, and log lines a client cannot forge. The clients
//! are tests/tools/misbehaving_clients.py (Python's ssl module, not our TLS stack).

mod common;
use common::server::*;
use common::*;
use std::time::{Duration, Instant};

/// Runs the misbehaving clients; their JSON report.
fn clients(server: &Server, args: &[&str], password: Option<&str>) -> serde_json::Value {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/tools/misbehaving_clients.py");
    let port = server.port.to_string();
    let mut command = std::process::Command::new("python3");
    command.arg(script).args(args).args(["--port", &port]);
    if let Some(password) = password {
        command.env("SIGN_IN_PASSWORD", password);
    }
    let out = run_of(command.output().unwrap());
    assert_eq!(out.code, 0, "clients {args:?}: {}", out.stderr);
    json(&out.stdout)
}

/// The server's resident memory in KiB (`VmRSS`), and its peak (`VmHWM`).
fn memory_kib(server: &Server) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn count(report: &serde_json::Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or(0)
}

#[test]
fn two_hundred_concurrent_sign_ins_stay_under_64_mib() {
    let s = Server::start(&[]);
    // Warm up: one real sign-in (the component, the first hash).
    s.token();
    let (before, _) = memory_kib(&s);
    for round in 0..2 {
        // 200 at once from 200 addresses: first all for the real account (the throttle
        // makes addresses new to the account take turns), then each for another
        // unknown name, so nothing serialises them and every one needs a password hash
        // from the bounded pool.
        let mut args = vec![
            "logins",
            "--count",
            "200",
            "--sources",
            "200",
            "--source-base",
        ];
        if round == 0 {
            args.extend(["127.0.1.1", "--user", "admin"]);
        } else {
            args.extend(["127.0.2.1", "--user", "nobody", "--distinct-users"]);
        }
        let report = clients(&s, &args, Some("wrong-password"));
        let statuses = &report["statuses"];
        let answered = count(statuses, "401") + count(statuses, "503") + count(statuses, "429");
        assert_eq!(answered, 200, "every sign-in gets an answer: {report}");
        let (rss, peak) = memory_kib(&s);
        eprintln!("round {round}: {statuses}; VmRSS {rss} KiB (before {before}), VmHWM {peak} KiB");
        assert!(
            rss < 64 * 1024,
            "VmRSS {rss} KiB after 200 concurrent sign-ins"
        );
        // While they run, at most one Argon2 buffer (19 MiB) per hashing worker (one per
        // core, at most 4) is in use; unbounded, 200 checks would take 3.8 GiB.
        assert!(
            peak < 96 * 1024,
            "VmHWM {peak} KiB during 200 concurrent sign-ins"
        );
    }
    // The real admin, from the usual address, still signs in.
    s.token();
}

#[test]
fn slow_and_idle_connections_close_within_the_timeouts_while_requests_succeed() {
    let header_timeout = 3;
    let handshake_timeout = 2;
    let s = Server::start(&[
        "--header-timeout",
        &header_timeout.to_string(),
        "--handshake-timeout",
        &handshake_timeout.to_string(),
    ]);
    // 2,000 idle TLS connections and 50 sending headers at one byte a second, from 20
    // addresses (100 each, under the default per-address cap), and 50 TCP connections
    // that never start TLS.
    let report = clients(
        &s,
        &[
            "hold",
            "--idle",
            "2000",
            "--slow",
            "50",
            "--plain",
            "50",
            "--sources",
            "21",
            "--source-base",
            "127.0.2.1",
            "--watch",
            "60",
        ],
        None,
    );
    let slack = 5.0;
    for (kind, limit) in [
        ("idle", header_timeout as f64),
        ("slow", header_timeout as f64),
        ("plain", handshake_timeout as f64),
    ] {
        let times = report[kind].as_array().unwrap();
        assert!(!times.is_empty());
        let slowest = times.iter().filter_map(|t| t.as_f64()).fold(0.0, f64::max);
        eprintln!(
            "{} {kind} connections, the last closed after {slowest} s (timeout {limit} s)",
            times.len()
        );
        for t in times {
            let t = t
                .as_f64()
                .unwrap_or_else(|| panic!("a {kind} connection was never closed: {report}"));
            assert!(
                t <= limit + slack,
                "a {kind} connection closed after {t} s (timeout {limit} s)"
            );
        }
    }
    let probes = &report["probes"];
    eprintln!("normal requests meanwhile: {probes}");
    let ok = count(probes, "200");
    assert!(ok >= 4, "probes: {probes}");
    assert_eq!(
        probes.as_object().unwrap().len(),
        1,
        "every normal request succeeded while the connections were held: {probes}"
    );
}

#[test]
fn connection_caps_refuse_at_once_and_log_once() {
    let s = Server::start(&[
        "--max-connections-per-address",
        "10",
        "--handshake-timeout",
        "3",
    ]);
    let report = clients(
        &s,
        &[
            "hold",
            "--plain",
            "30",
            "--sources",
            "1",
            "--source-base",
            "127.0.3.1",
            "--watch",
            "15",
        ],
        None,
    );
    let times: Vec<f64> = report["plain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().expect("every connection closed"))
        .collect();
    let at_once = times.iter().filter(|t| **t < 1.0).count();
    let held = times.iter().filter(|t| **t >= 2.0).count();
    assert_eq!((at_once, held), (20, 10), "close times: {times:?}");
    // Normal requests from another address went on.
    assert_eq!(
        report["probes"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["200"],
        "{report}"
    );
    // Wait for the rate-limited report (the refusals may fall into two report windows,
    // each logged once), then count what it says.
    let count = |lines: &[String]| -> u64 {
        lines
            .iter()
            .filter_map(|l| l.split("refused connections: ").nth(1))
            .filter_map(|rest| rest.split(' ').next())
            .filter_map(|n| n.parse::<u64>().ok())
            .sum()
    };
    let deadline = Instant::now() + Duration::from_secs(25);
    let refused_lines = loop {
        let lines: Vec<String> = s
            .log()
            .lines()
            .filter(|l| l.contains("refused connections:"))
            .map(str::to_string)
            .collect();
        if count(&lines) >= 20 || Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        (1..=2).contains(&refused_lines.len()),
        "one report per window, not one line per connection: {refused_lines:?}"
    );
    assert_eq!(count(&refused_lines), 20, "{refused_lines:?}");
    assert!(refused_lines[0].contains("127.0.3.1"), "{refused_lines:?}");
}

#[test]
fn parallel_guesses_are_serialised_and_a_success_elsewhere_does_not_help_them() {
    let s = Server::start(&[]);
    // The admin has signed in from this address before (127.0.0.1, where curl
    // connects from): it is known good for the account.
    s.token();
    let attacker = "127.0.4.1";
    let report = clients(
        &s,
        &["guesses", "--count", "8", "--source-base", attacker],
        None,
    );
    let statuses: Vec<&str> = report["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        statuses.iter().all(|s| *s == "401" || *s == "429"),
        "{statuses:?}"
    );
    // The delay grows 0.1, 0.2, 0.4 ... s after each failure: eight guesses in
    // parallel cannot all be answered before the delays of the first seven have passed.
    let all = report["all_seconds"].as_f64().unwrap();
    assert!(
        all >= 0.1 + 0.2 + 0.4 + 0.8 + 1.6 + 3.2,
        "8 parallel guesses took {all} s"
    );
    // The real admin signs in from the usual address, undelayed by the attack...
    let started = Instant::now();
    s.token();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the admin waited {:?}",
        started.elapsed()
    );
    // ...and that success does not reset the attacker's delay.
    let again = clients(
        &s,
        &["guesses", "--count", "1", "--source-base", attacker],
        None,
    );
    let waited = again["all_seconds"].as_f64().unwrap();
    assert!(
        waited >= 2.0,
        "the attacker's next guess waited only {waited} s"
    );
}

#[test]
fn a_user_name_cannot_forge_log_lines() {
    let s = Server::start(&[]);
    let (status, _) = s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-d",
        "grant_type=password",
        "--data-urlencode",
        "username=eve\r\n2030-01-01T00:00:00+00:00 certhost serve: signed in admin\u{1b}[2J",
        "-d",
        "password=whatever-it-is",
        &s.url("/api/oauth2/token"),
    ]);
    assert_eq!(status, 401);
    let log = s.log();
    assert!(
        !log.lines().any(|l| l.starts_with("2030-01-01")),
        "a forged line: {log}"
    );
    assert!(!log.contains('\u{1b}'), "a raw escape code: {log}");
    assert!(log.contains("eve\\u{d}\\u{a}2030-01-01"), "{log}");
}

#[test]
fn request_bodies_with_unknown_fields_are_refused_by_name() {
    let s = Server::start(&[]);
    let (status, body) = s.curl(&[
        "-k",
        "-H",
        VERSION,
        "-d",
        "grant_type=password",
        "-d",
        "username=admin",
        "--data-urlencode",
        &format!("password={PASSWORD}"),
        "-d",
        "remember_me=1",
        &s.url("/api/oauth2/token"),
    ]);
    assert_eq!(status, 400, "{body}");
    assert!(
        json(&body)["message"]
            .as_str()
            .unwrap()
            .contains("remember_me"),
        "{body}"
    );
    let bearer = format!("Authorization: Bearer {}", s.token());
    for (body, names) in [
        (r#"{"validFor": 3}"#, "validFor"),
        ("[]", "JSON object"),
        (r#""hello""#, "JSON object"),
    ] {
        let (status, answer) = s.curl(&[
            "-k",
            "-H",
            VERSION,
            "-H",
            &bearer,
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
            &s.url("/api/v1/settings/certificates/regenerate"),
        ]);
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            json(&answer)["message"].as_str().unwrap().contains(names),
            "{answer}"
        );
    }
}
