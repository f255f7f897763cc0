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
