//! Several processes writing the store at once lose nothing.

mod common;
use common::*;

#[test]
fn four_processes_writing_at_once_lose_nothing() {
    let sb = Sandbox::new();
    sb.run("Write-Output init").ok();
    let per_process = 5;
    let children: Vec<_> = (0..4)
        .map(|p| {
            let script: String = (0..per_process)
                .map(|i| format!("New-SelfSignedCertificate -DnsName p{p}-{i}.tech.local -KeyAlgorithm ECDSA_nistP256\n"))
                .collect();
            sb.command().args(["-NonInteractive", "-Command", &script]).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    let mut made = Vec::new();
    for child in children {
        let out = run_of(child.wait_with_output().unwrap()).ok();
        made.extend(thumbprints(&out.stdout));
    }
    assert_eq!(made.len(), 4 * per_process);
    let mut listed = thumbprints(&sb.run("Get-ChildItem Cert:\\LocalMachine\\My").ok().stdout);
    listed.sort();
    made.sort();
    assert_eq!(listed, made);
}

/// Writers killed with SIGKILL in the middle of their work, 50 times, while others write
/// too: the database stays intact (`PRAGMA integrity_check`) and every write a writer
/// acknowledged (printed its thumbprint after the command returned) is there.
#[test]
fn fifty_sigkills_during_concurrent_writes_lose_no_acknowledged_write() {
    use std::io::BufRead;
    use std::process::{Child, Stdio};
    use std::sync::{Arc, Mutex};

    let sb = Sandbox::new();
    sb.run("Write-Output init").ok();
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let spawn = |w: usize| -> (Child, std::thread::JoinHandle<()>) {
        let script = format!(
            "foreach ($i in 1..100000) {{ (New-SelfSignedCertificate -DnsName \"w{w}-$i.tech.local\" -KeyAlgorithm ECDSA_nistP256).Thumbprint }}"
        );
        let mut child = sb
            .command()
            .args(["-NonInteractive", "-Command", &script])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let acknowledged = acknowledged.clone();
        let reader = std::thread::spawn(move || {
            // A line is acknowledged once its newline arrived; a line cut by the kill
            // is not.
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let line = line.trim().to_string();
                if line.len() == 40 {
                    acknowledged.lock().unwrap().push(line);
                }
            }
        });
        (child, reader)
    };
    let mut writers: Vec<(Child, std::thread::JoinHandle<()>)> = (0..3).map(spawn).collect();
    let mut rng = fastrand::Rng::with_seed(0x5eed_c3a7);
    for kill in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(rng.u64(150..600)));
        let victim = rng.usize(0..writers.len());
        let (mut child, reader) = writers.swap_remove(victim);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        writers.push(spawn(3 + kill));
    }
    for (mut child, reader) in writers {
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 50,
        "only {} writes acknowledged",
        acknowledged.len()
    );
    let db = rusqlite::Connection::open(sb.home().join("certhost.db")).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mut missing = Vec::new();
    for thumbprint in &acknowledged {
        let n: i64 = db
            .query_row(
                "SELECT count(*) FROM certificates WHERE thumbprint = ?1 AND private_key IS NOT NULL",
                [thumbprint],
                |r| r.get(0),
            )
            .unwrap();
        if n != 1 {
            missing.push(thumbprint.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged writes lost: {missing:?}",
        missing.len(),
        acknowledged.len()
    );
    eprintln!(
        "{} acknowledged writes across 50 SIGKILLs, none lost",
        acknowledged.len()
    );
}
