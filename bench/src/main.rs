//! certhost benchmark: the certificate component in wasm, the same Rust natively, and the
//! `openssl` CLI, measured in one run. Prints medians and ratios.
//!
//! Usage: `cargo run --release -p certhost-bench -- [--runs N] [--no-store]` (default 21
//! runs; `--no-store` leaves out the large-store rows, which take about a minute).

use certhost::plugin::{
    GenerateRequest, Grants, KeyAlgorithm, PfxProfile, Runtime, RuntimeConfig, Services,
};
use certhost::store::Database;
use certhost_primitives::Software;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod store_scale;

const PASSWORD: &str = "bench-P@ss1";

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time_runs(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm-up
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs a process to completion; the PFX password travels in the environment.
fn process(program: &Path, args: &[&str], env: &[(&str, &str)]) {
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(status.success(), "{} {:?} failed", program.display(), args);
}

struct Row {
    name: String,
    wasm: Option<Duration>,
    native: Option<Duration>,
    openssl: Option<Duration>,
}

fn print(rows: &[Row]) {
    let cell = |d: Option<Duration>| {
        d.map(|d| format!("{:>10.2}", ms(d)))
            .unwrap_or_else(|| format!("{:>10}", "-"))
    };
    let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) => format!("{:>9.2}x", a.as_secs_f64() / b.as_secs_f64()),
        _ => format!("{:>10}", "-"),
    };
    println!(
        "\n{:<46} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "median of runs (ms)", "certhost", "native", "peer", "cert/nat", "cert/peer"
    );
    println!("{}", "-".repeat(102));
    for r in rows {
        println!(
            "{:<46} {} {} {} {} {}",
            r.name,
            cell(r.wasm),
            cell(r.native),
            cell(r.openssl),
            ratio(r.wasm, r.native),
            ratio(r.wasm, r.openssl)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(21usize);
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    let certhost = certhost_binary();
    let openssl = PathBuf::from("openssl");
    println!(
        "certhost benchmark: {runs} runs per figure (median), {}",
        dir.path().display()
    );

    let runtime = Runtime::new(RuntimeConfig::new(home.join("cache"))).expect("runtime");
    let plugin = runtime.load_builtin(Grants::shell()).expect("component");
    let services = Services::new(
        Arc::new(Mutex::new(Database::open(&home).expect("db"))),
        dir.path().to_path_buf(),
        home.clone(),
    );
    let api = runtime
        .certificates(&plugin, &services)
        .expect("certificates export");
    let mut rows = Vec::new();

    rows.push(Row {
        name: "component call overhead (instantiate + trivial call)".into(),
        wasm: Some(time_runs(runs, || {
            let _ = api.inspect(&[0x30]).unwrap();
        })),
        native: None,
        openssl: None,
    });

    // Whole processes: a warm one-liner, and end-to-end generation.
    let one_liner = |script: &str| {
        let script = script.to_string();
        let certhost = certhost.clone();
        let home = home.clone();
        move || {
            process(
                &certhost,
                &["-NonInteractive", "-c", &script],
                &[("CERTHOST_HOME", home.to_str().unwrap())],
            )
        }
    };
    process(
        &certhost,
        &["-c", "Write-Output warm"],
        &[("CERTHOST_HOME", home.to_str().unwrap())],
    );
    rows.push(Row {
        name: "process: warm one-liner vs `openssl version`".into(),
        wasm: Some(time_runs(
            runs,
            one_liner("Get-ChildItem Cert:\\LocalMachine\\My"),
        )),
        native: None,
        openssl: Some(time_runs(runs, || process(&openssl, &["version"], &[]))),
    });
    let out = dir.path().join("out.pem");
    let out_s = out.to_str().unwrap().to_string();
    let req = |newkey: Vec<&'static str>| {
        let openssl = openssl.clone();
        let out_s = out_s.clone();
        move || {
            let mut a = vec![
                "req",
                "-x509",
                "-nodes",
                "-keyout",
                "/dev/null",
                "-out",
                &out_s,
                "-subj",
                "/CN=bench.tech.local",
                "-days",
                "365",
            ];
            a.extend(newkey.iter().copied());
            process(&openssl, &a, &[])
        }
    };
    rows.push(Row {
        name: "process: ECDSA P-256 self-signed, end to end".into(),
        wasm: Some(time_runs(
            runs,
            one_liner(
                "New-SelfSignedCertificate -DnsName bench.tech.local -KeyAlgorithm ECDSA_nistP256",
            ),
        )),
        native: None,
        openssl: Some(time_runs(
            runs,
            req(vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
        )),
    });
    rows.push(Row {
        name: "process: RSA-2048 self-signed, end to end".into(),
        wasm: Some(time_runs(
            runs,
            one_liner("New-SelfSignedCertificate -DnsName bench.tech.local -KeyAlgorithm RSA"),
        )),
        native: None,
        openssl: Some(time_runs(runs, req(vec!["-newkey", "rsa:2048"]))),
    });

    // In-process generation: component call vs the same Rust natively.
    for (name, key, core_key, newkey) in [
        (
            "generate: ECDSA P-256 self-signed",
            KeyAlgorithm::EcdsaP256,
            certhost_core::keys::KeyAlgorithm::EcdsaP256,
            vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ),
        (
            "generate: RSA-2048 self-signed",
            KeyAlgorithm::Rsa(2048),
            certhost_core::keys::KeyAlgorithm::Rsa(2048),
            vec!["-newkey", "rsa:2048"],
        ),
    ] {
        let now = 1_790_000_000;
        let mut core_req = certhost_core::generate::GenerateRequest::server_default(now);
        core_req.dns_names = vec!["bench.tech.local".into()];
        core_req.key = core_key;
        let wit_req = GenerateRequest {
            subject: None,
            dns_names: core_req.dns_names.clone(),
            ip_addresses: Vec::new(),
            not_before: core_req.not_before,
            not_after: core_req.not_after,
            key,
            key_usages: vec![certhost::plugin::KeyUsage::DigitalSignature],
            extended_key_usages: vec![certhost::plugin::ExtendedKeyUsage::ServerAuth],
        };
        rows.push(Row {
            name: name.into(),
            wasm: Some(time_runs(runs, || {
                api.generate_self_signed(&wit_req).unwrap().unwrap();
            })),
            native: Some(time_runs(runs, || {
                certhost_core::generate::generate_self_signed(&core_req, &Software).unwrap();
            })),
            openssl: Some(time_runs(runs, req(newkey))),
        });
    }

    // PFX import and export at 2,048 and 600,000 iterations (EC P-256 key).
    let entry = api
        .generate_self_signed(&GenerateRequest {
            key: KeyAlgorithm::EcdsaP256,
            ..wit_request()
        })
        .unwrap()
        .unwrap();
    let cert_pem = dir.path().join("c.pem");
    let key_pem = dir.path().join("k.pem");
    std::fs::write(
        &cert_pem,
        certhost_core::pem::encode_pem("CERTIFICATE", &entry.certificate),
    )
    .unwrap();
    std::fs::write(
        &key_pem,
        certhost_core::pem::encode_pem("PRIVATE KEY", entry.private_key.as_ref().unwrap()),
    )
    .unwrap();
    for iterations in [2048u32, 600_000] {
        let pfx_path = dir.path().join(format!("bench-{iterations}.pfx"));
        let iter_s = iterations.to_string();
        let export_args = |out: &Path| -> Vec<String> {
            [
                "pkcs12",
                "-export",
                "-in",
                cert_pem.to_str().unwrap(),
                "-inkey",
                key_pem.to_str().unwrap(),
                "-out",
                out.to_str().unwrap(),
                "-passout",
                "env:PFX_PASSWORD",
                "-iter",
                &iter_s,
                "-maciter",
                "-macalg",
                "sha256",
                "-keypbe",
                "AES-256-CBC",
                "-certpbe",
                "AES-256-CBC",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        let args = export_args(&pfx_path);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        process(&openssl, &args, &[("PFX_PASSWORD", PASSWORD)]);
        let pfx = std::fs::read(&pfx_path).unwrap();
        let runs_here = runs;
        rows.push(Row {
            name: format!("PFX import (AES-256, {iterations} iterations)"),
            wasm: Some(time_runs(runs_here, || {
                api.import_pfx(&pfx, PASSWORD).unwrap().unwrap();
            })),
            native: Some(time_runs(runs_here, || {
                certhost_core::pkcs12::read_pfx(&pfx, PASSWORD, &Software).unwrap();
            })),
            openssl: Some(time_runs(runs_here, || {
                process(
                    &openssl,
                    &[
                        "pkcs12",
                        "-in",
                        pfx_path.to_str().unwrap(),
                        "-passin",
                        "env:PFX_PASSWORD",
                        "-nodes",
                        "-out",
                        "/dev/null",
                    ],
                    &[("PFX_PASSWORD", PASSWORD)],
                )
            })),
        });
        let out_pfx = dir.path().join("export.pfx");
        let args = export_args(&out_pfx);
        rows.push(Row {
            name: format!("PFX export (AES-256, {iterations} iterations)"),
            wasm: Some(time_runs(runs_here, || {
                api.export_pfx(
                    &entry,
                    PASSWORD,
                    PfxProfile::Aes256Sha256,
                    false,
                    iterations,
                )
                .unwrap()
                .unwrap();
            })),
            native: Some(time_runs(runs_here, || {
                let contents = certhost_core::pkcs12::PfxContents {
                    certificate: &entry.certificate,
                    private_key: entry.private_key.as_deref(),
                    chain: &[],
                    friendly_name: "",
                };
                let protection = certhost_core::pkcs12::PfxProtection {
                    password: PASSWORD,
                    profile: certhost_core::pkcs12::PfxProfile::Aes256Sha256,
                    iterations,
                };
                certhost_core::pkcs12::write_pfx(&contents, &protection, &Software).unwrap();
            })),
            openssl: Some(time_runs(runs_here, || {
                let a: Vec<&str> = args.iter().map(String::as_str).collect();
                process(&openssl, &a, &[("PFX_PASSWORD", PASSWORD)])
            })),
        });
    }
    rows.push(Row {
        name: "inspect one certificate".into(),
        wasm: Some(time_runs(runs, || {
            api.inspect(&entry.certificate).unwrap().unwrap();
        })),
        native: Some(time_runs(runs, || {
            certhost_core::inspect::inspect(&entry.certificate).unwrap();
        })),
        openssl: Some(time_runs(runs, || {
            process(
                &openssl,
                &["x509", "-noout", "-text", "-in", cert_pem.to_str().unwrap()],
                &[],
            )
        })),
    });
    // Language throughput: the loop, as a whole process, against Python.
    rows.push(Row {
        name: "process: 1..100000 | ForEach {$_*2} | Measure -Sum (peer: python3)".into(),
        wasm: Some(time_runs(
            5,
            one_liner("1..100000 | ForEach-Object { $_ * 2 } | Measure-Object -Sum"),
        )),
        native: None,
        openssl: Some(time_runs(5, || {
            process(
                Path::new("python3"),
                &["-c", "print(sum(map(lambda x: x * 2, range(1, 100001))))"],
                &[],
            )
        })),
    });
    print(&rows);
    println!(
        "\ncerthost = the component in wasm (through wasmtime, a fresh instance per call; key generation and"
    );
    println!(
        "KDFs run natively in the host), or the certhost process for 'process:' rows; native = the same"
    );
    println!(
        "certhost-core Rust compiled natively; peer = the openssl CLI as a process (python3 where named)."
    );
    if !args.iter().any(|a| a == "--no-store") {
        store_scale::run(dir.path(), &certhost, runs);
    }
}

/// The `certhost` binary: `$CERTHOST_BIN`, else beside this benchmark's executable
/// (`cargo build --release` puts both in target/release).
fn certhost_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CERTHOST_BIN") {
        return PathBuf::from(path);
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("certhost")));
    match beside {
        Some(p) if p.exists() => p,
        _ => {
            eprintln!(
                "error: the certhost binary is missing; build it with: cargo build --release -p certhost (or set CERTHOST_BIN)"
            );
            std::process::exit(2);
        }
    }
}

fn wit_request() -> GenerateRequest {
    GenerateRequest {
        subject: Some("CN=bench.tech.local".into()),
        dns_names: vec!["bench.tech.local".into()],
        ip_addresses: Vec::new(),
        not_before: 1_790_000_000,
        not_after: 1_820_000_000,
        key: KeyAlgorithm::EcdsaP256,
        key_usages: vec![certhost::plugin::KeyUsage::DigitalSignature],
        extended_key_usages: vec![certhost::plugin::ExtendedKeyUsage::ServerAuth],
    }
}
