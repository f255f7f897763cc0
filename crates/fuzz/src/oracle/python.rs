//! Python `cryptography` as a second certificate oracle: one python3 process per run,
//! fed length-prefixed DER on stdin, answering one line per certificate.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// Loads the certificate and reads the fields that `cryptography` parses lazily (names,
/// validity, extensions, the public key of a known algorithm).
const SCRIPT: &str = r#"
import sys, warnings
warnings.simplefilter("ignore")
try:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
except Exception as e:
    print("missing", type(e).__name__, e, flush=True)
    sys.exit(0)
print("ready", flush=True)
data = sys.stdin.buffer
while True:
    line = data.readline()
    if not line:
        break
    der = data.read(int(line))
    try:
        c = x509.load_der_x509_certificate(der)
        c.subject.rfc4514_string()
        c.issuer.rfc4514_string()
        c.serial_number
        c.not_valid_before_utc
        c.not_valid_after_utc
        c.signature_algorithm_oid
        c.extensions
        try:
            c.public_key()
        except UnsupportedAlgorithm:
            pass
        print("ok", flush=True)
    except Exception as e:
        print("refused", type(e).__name__ + ":", " ".join(str(e).split())[:400], flush=True)
"#;

const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// Why the Python oracle cannot answer.
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    #[error("python3 does not start: {0}")]
    Spawn(std::io::Error),
    #[error("python3 has no cryptography module: {0}")]
    Missing(String),
    #[error("python3 stopped answering")]
    Silent,
    #[error("python3 gave an unexpected answer: {0}")]
    Garbled(String),
    #[error("writing to python3: {0}")]
    Write(std::io::Error),
}

pub struct Python {
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<String>,
}

impl Python {
    pub fn start() -> Result<Python, PythonError> {
        let mut child = Command::new("python3")
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(PythonError::Spawn)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(PythonError::Silent);
        };
        let (tx, answers) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut python = Python {
            child,
            stdin,
            answers,
        };
        match python.answer()? {
            a if a == "ready" => Ok(python),
            a => Err(PythonError::Missing(a)),
        }
    }

    fn answer(&mut self) -> Result<String, PythonError> {
        match self.answers.recv_timeout(ANSWER_TIMEOUT) {
            Ok(line) => Ok(line),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                Err(PythonError::Silent)
            }
        }
    }

    /// `None` when `cryptography` accepts the certificate, else its refusal.
    pub fn check_certificate(&mut self, der: &[u8]) -> Result<Option<String>, PythonError> {
        let mut message = format!("{}\n", der.len()).into_bytes();
        message.extend_from_slice(der);
        self.stdin.write_all(&message).map_err(PythonError::Write)?;
        self.stdin.flush().map_err(PythonError::Write)?;
        let answer = self.answer()?;
        if answer == "ok" {
            Ok(None)
        } else if let Some(refusal) = answer.strip_prefix("refused ") {
            Ok(Some(refusal.to_string()))
        } else {
            Err(PythonError::Garbled(answer))
        }
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
