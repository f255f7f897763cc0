//! Large stores: `Get-Item` by thumbprint and `Get-ChildItem -ExpiringInDays 30` on a
//! store of 100,000 certificates against the same on a store of 10 (the same five
//! certificates expire in each), and an `Import-Certificate` of 10,000 certificates in one
//! transaction.

use super::{ms, process, time_runs};
use certhost::store::{Database, NewEntry};
use certhost_core::generate::{GenerateRequest, generate_self_signed};
use certhost_primitives::Software;
use std::path::Path;
use std::time::{Duration, Instant};

const EXPIRING: usize = 5;
const DAY: i64 = 86_400;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A certificate valid for `days` from now, ECDSA, made natively.
fn certificate(name: &str, days: i64) -> Vec<u8> {
    let mut request = GenerateRequest::server_default(now());
    request.dns_names = vec![name.into()];
    request.not_after = now() + days * DAY;
    request.key = certhost_core::keys::KeyAlgorithm::EcdsaP256;
    generate_self_signed(&request, &Software)
        .expect("generate")
        .certificate
}

/// `count` distinct certificates valid for a year: one made, the others the same with
/// another serial number (their signatures no longer verify, which neither listing checks).
pub fn filler(count: usize) -> Vec<Vec<u8>> {
    let template = certificate("filler.bench.local", 365);
    let serial = certhost_core::inspect::inspect(&template)
        .expect("inspect")
        .serial_number;
    let serial: Vec<u8> = (0..serial.len() / 2)
        .map(|i| u8::from_str_radix(&serial[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    let at = template
        .windows(serial.len())
        .position(|w| w == serial.as_slice())
        .expect("the serial in the DER");
    (0..count)
        .map(|i| {
            let mut der = template.clone();
            der[at + serial.len() - 4..at + serial.len()]
                .copy_from_slice(&(i as u32).to_be_bytes());
            der
        })
        .collect()
}

/// A state directory whose `My` store holds `size` certificates, `EXPIRING` of them
/// within 10 days; returns the thumbprint of one expiring certificate.
fn fill(home: &Path, size: usize) -> String {
    let mut db = Database::open(home).expect("db");
    let mut entries: Vec<NewEntry> = (0..EXPIRING)
        .map(|i| NewEntry {
            certificate: certificate(&format!("expiring{i}.bench.local"), 10),
            private_key: None,
            friendly_name: String::new(),
            chain: Vec::new(),
        })
        .collect();
    entries.extend(
        filler(size - EXPIRING)
            .into_iter()
            .map(|certificate| NewEntry {
                certificate,
                private_key: None,
                friendly_name: String::new(),
                chain: Vec::new(),
            }),
    );
    db.add_certificates("My", &entries).expect("add")[0].clone()
}

/// Runs the store rows and prints their table.
pub fn run(dir: &Path, certhost: &Path, runs: usize) {
    let mut rows: Vec<(String, Duration, Duration)> = Vec::new();
    let mut homes = Vec::new();
    for size in [10usize, 100_000] {
        let home = dir.join(format!("store-{size}"));
        let thumbprint = fill(&home, size);
        homes.push((home, thumbprint));
    }
    let script = |home: &Path, text: String| {
        let home = home.to_str().expect("utf-8 path").to_string();
        let certhost = certhost.to_path_buf();
        move || {
            process(
                &certhost,
                &["-NonInteractive", "-c", &text],
                &[("CERTHOST_HOME", home.as_str())],
            )
        }
    };
    // The first listing records each certificate's expiry in the store's index: a
    // one-time cost after certificates arrive, reported on its own.
    let expiring =
        "(Get-ChildItem Cert:\\LocalMachine\\My -ExpiringInDays 30 | Measure-Object).Count";
    let mut first = Vec::new();
    for (home, _) in &homes {
        let start = Instant::now();
        script(home, expiring.into())();
        first.push(start.elapsed());
    }
    let timed = |index: usize, text: String| time_runs(runs, script(&homes[index].0, text));
    let get_item = |index: usize| format!("Get-Item Cert:\\LocalMachine\\My\\{}", homes[index].1);
    rows.push((
        "Get-Item Cert:\\LocalMachine\\My\\<thumbprint>".into(),
        timed(0, get_item(0)),
        timed(1, get_item(1)),
    ));
    rows.push((
        "Get-ChildItem -ExpiringInDays 30 (5 match)".into(),
        timed(0, expiring.into()),
        timed(1, expiring.into()),
    ));
    rows.push((
        "first -ExpiringInDays (fills the index)".into(),
        first[0],
        first[1],
    ));

    // 10,000 certificates in one PEM, imported in one transaction.
    let pem: String = filler(10_000)
        .iter()
        .map(|der| certhost_core::pem::encode_pem("CERTIFICATE", der))
        .collect();
    let bundle = dir.join("ten-thousand.pem");
    std::fs::write(&bundle, pem).expect("write the bundle");
    let import_home = dir.join("import-10000");
    let import = format!(
        "(Import-Certificate -FilePath {} -CertStoreLocation Cert:\\LocalMachine\\CA | Measure-Object).Count",
        bundle.display()
    );
    let start = Instant::now();
    script(&import_home, import)();
    let imported = start.elapsed();
    let count = Database::open(&import_home)
        .expect("db")
        .list_certificates("CA")
        .expect("list")
        .len();
    assert_eq!(count, 10_000, "every certificate imported");

    println!(
        "\n{:<46} {:>12} {:>12} {:>10}",
        "store size (process, median ms)", "10 certs", "100,000", "ratio"
    );
    println!("{}", "-".repeat(84));
    for (name, small, large) in &rows {
        println!(
            "{:<46} {:>12.2} {:>12.2} {:>9.2}x",
            name,
            ms(*small),
            ms(*large),
            large.as_secs_f64() / small.as_secs_f64()
        );
    }
    println!(
        "Import-Certificate of 10,000 certificates (one PEM, one transaction): {:.0} ms",
        ms(imported)
    );
}
