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
