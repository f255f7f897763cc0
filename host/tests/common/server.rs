//! A `certhost serve` of its own for a test: a sandbox with the tech-local fixtures,
//! an API account, and the server on a free loopback port.

use super::*;
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Sup3r-secret!";
pub const VERSION: &str = "x-api-version: 1.0-rev0";

pub struct Server {
    pub sb: Sandbox,
    pub port: u16,
    pub child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_for_port(port: u16, open: bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() == open {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "port {port} did not become {}",
        if open { "open" } else { "closed" }
    );
}

impl Server {
    pub fn start(extra: &[&str]) -> Server {
        let sb = Sandbox::new();
        let port = free_port();
        let pki =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tech-local");
        for f in ["backup01.pfx", "ca.crt", "leaf.crt", "TechCompany.key"] {
            std::fs::copy(pki.join(f), sb.path(f)).unwrap();
        }
        let setup = format!(
            "Set-ServerIdentity -Fqdn backup01.tech.local -IPAddress 127.0.0.1; \
             New-ApiAccount -UserName admin -Password '{PASSWORD}' | Out-Null; \
             Get-BackupServerCertificate | Export-Certificate -FilePath old.pem -Type PEM | Out-Null"
        );
        run_of(
            sb.command()
                .env("CERTHOST_REST_ENDPOINT", format!("127.0.0.1:{port}"))
                .args(["-NonInteractive", "-Command", &setup])
                .output()
                .unwrap(),
        )
        .ok();
        let log = std::fs::File::create(sb.path("serve.log")).unwrap();
        let child = sb
            .command()
            .arg("serve")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        wait_for_port(port, true);
        Server { sb, port, child }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://backup01.tech.local:{}{path}", self.port)
    }

    pub fn resolve(&self) -> String {
        format!("backup01.tech.local:{}:127.0.0.1", self.port)
    }

    /// curl with the name resolved to loopback; returns (status, body).
    pub fn curl(&self, args: &[&str]) -> (u16, String) {
        let resolve = self.resolve();
        let mut all = vec![
            "-s",
            "-S",
            "--resolve",
            resolve.as_str(),
            "-w",
            "\n%{http_code}",
        ];
        all.extend_from_slice(args);
        let out = run_of(
            std::process::Command::new("curl")
                .args(&all)
                .current_dir(self.sb.dir.path())
                .output()
                .unwrap(),
        );
        assert_eq!(out.code, 0, "curl {args:?}: {}", out.stderr);
        let (body, status) = out.stdout.rsplit_once('\n').unwrap();
        (status.trim().parse().unwrap(), body.to_string())
    }

    pub fn token(&self) -> String {
        let (status, body) = self.curl(&[
            "-k",
            "-H",
            VERSION,
            "-d",
            "grant_type=password",
            "-d",
            "username=admin",
            "--data-urlencode",
            &format!("password={PASSWORD}"),
            &self.url("/api/oauth2/token"),
        ]);
        assert_eq!(status, 200, "{body}");
        json(&body)["access_token"].as_str().unwrap().to_string()
    }

    /// SHA-1 thumbprint of the certificate the server presents (openssl s_client).
    pub fn presented(&self, server_name: Option<&str>, port: u16) -> String {
        let connect = format!("127.0.0.1:{port}");
        let mut args = vec!["s_client", "-connect", connect.as_str()];
        if let Some(n) = server_name {
            args.extend(["-servername", n]);
        }
        let mut child = std::process::Command::new("openssl")
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        let pem = self.sb.path("presented.pem");
        std::fs::write(&pem, &out.stdout).unwrap();
        openssl_thumbprint(&pem, false)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.sb.path("serve.log")).unwrap()
    }
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

pub fn leaf_thumbprint(sb: &Sandbox) -> String {
    openssl_thumbprint(&sb.path("leaf.crt"), false)
}
