//! Helpers for tests that run the real `certhost` binary in a temporary state directory.
#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary working directory with its own `CERTHOST_HOME`.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "exit code; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.is_empty(),
            "unexpected stderr:\n{}",
            self.stderr
        );
        self
    }
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_certhost"));
        c.current_dir(self.dir.path())
            .env("CERTHOST_HOME", self.home())
            .stdin(Stdio::null());
        c
    }

    /// `certhost -NonInteractive -Command <script>`.
    pub fn run(&self, script: &str) -> Run {
        let out = self
            .command()
            .args(["-NonInteractive", "-Command", script])
            .output()
            .expect("run certhost");
        run_of(out)
    }

    /// Copies a fixture from tests/fixtures/pfx-samples into the sandbox.
    pub fn sample(&self, relative: &str) -> PathBuf {
        let name = relative.replace('/', "_");
        let dest = self.path(&name);
        std::fs::copy(samples_dir().join(relative), &dest).expect("copy fixture");
        dest
    }
}

pub fn run_of(out: Output) -> Run {
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/pfx-samples")
}

/// The thumbprints in a certificate table, in order.
pub fn thumbprints(table: &str) -> Vec<String> {
    table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.len() == 40 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_string)
        .collect()
}

/// Runs an independent tool; the password goes through the environment, never argv.
pub fn tool(program: &str, args: &[&str], password: Option<&str>) -> Run {
    let mut c = Command::new(program);
    c.args(args);
    if let Some(p) = password {
        c.env("PFX_PASSWORD", p);
    }
    run_of(
        c.output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}")),
    )
}

/// SHA-1 thumbprint of a PEM or DER certificate file according to openssl.
pub fn openssl_thumbprint(path: &Path, der: bool) -> String {
    let mut args = vec![
        "x509",
        "-noout",
        "-fingerprint",
        "-sha1",
        "-in",
        path.to_str().unwrap(),
    ];
    if der {
        args.extend(["-inform", "DER"]);
    }
    let out = tool("openssl", &args, None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
        .trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
}

/// One PFX sample of MANIFEST.tsv: its file, password, whether it holds a key, and how
/// many certificates.
pub struct PfxSample {
    pub file: String,
    pub password: String,
    pub has_key: bool,
    pub certificates: usize,
}

/// Every PFX sample other tools made, with its password (the UTF-8 one from its file).
pub fn pfx_samples() -> Vec<PfxSample> {
    let manifest = std::fs::read_to_string(samples_dir().join("MANIFEST.tsv")).unwrap();
    let unicode = std::fs::read_to_string(samples_dir().join("openssl/unicode-pw.txt")).unwrap();
    manifest
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let password = if cols[0].contains("unicode-pw") {
                unicode.trim()
            } else {
                cols[1]
            };
            PfxSample {
                file: cols[0].to_string(),
                password: password.to_string(),
                has_key: cols[4] != "None",
                certificates: cols[5].parse().unwrap(),
            }
        })
        .collect()
}

/// The thumbprint of the leaf openssl finds in a PFX file (the certificate with the key,
/// or the first one); None when this openssl cannot read the file.
pub fn openssl_leaf_thumbprint(
    sb: &Sandbox,
    path: &std::path::Path,
    password: &str,
    has_key: bool,
) -> Option<String> {
    let mut args = vec![
        "pkcs12",
        "-in",
        path.to_str().unwrap(),
        "-passin",
        "env:PFX_PASSWORD",
        "-nokeys",
        "-legacy",
    ];
    if has_key {
        args.push("-clcerts");
    }
    let pem = tool("openssl", &args, Some(password));
    if pem.code != 0 {
        return None;
    }
    let leaf = sb.path("leaf.pem");
    std::fs::write(&leaf, &pem.stdout).unwrap();
    Some(openssl_thumbprint(&leaf, false))
}
