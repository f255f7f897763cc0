//! Running a tool on one input with a deadline: the input on its stdin, a password in
//! an environment variable of the child only, stderr collected.

use super::PASSWORD_VAR;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a tool run ended.
#[derive(Debug)]
pub struct ToolRun {
    pub success: bool,
    pub stderr: String,
}

/// Why a tool did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("cannot start {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{program} did not finish within {seconds} s")]
    Timeout { program: String, seconds: u64 },
    #[error("waiting for {program}: {source}")]
    Wait {
        program: String,
        source: std::io::Error,
    },
}

/// Runs `program args` with `input` on stdin; kills it after `timeout`.
pub fn run_tool(
    program: &str,
    args: &[&str],
    input: &[u8],
    password: Option<&str>,
    timeout: Duration,
) -> Result<ToolRun, ToolError> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        command.env(PASSWORD_VAR, p);
    }
    let mut child = command.spawn().map_err(|source| ToolError::Spawn {
        program: program.into(),
        source,
    })?;
    // Write and read on threads, so neither a full pipe nor a tool that does not read
    // its input can block the deadline.
    let writer = child.stdin.take().map(|mut stdin| {
        let data = input.to_vec();
        std::thread::spawn(move || {
            // A tool may exit before reading everything; that is its answer, not ours.
            let _ = stdin.write_all(&data);
        })
    });
    let reader = child.stderr.take().map(|mut stderr| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = stderr.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ToolError::Timeout {
                    program: program.into(),
                    seconds: timeout.as_secs(),
                });
            }
            Err(source) => {
                let _ = child.kill();
                return Err(ToolError::Wait {
                    program: program.into(),
                    source,
                });
            }
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stderr = reader.and_then(|r| r.join().ok()).unwrap_or_default();
    Ok(ToolRun {
        success: status.success(),
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_stderr_and_password_variable() {
        let run = run_tool(
            "sh",
            &[
                "-c",
                "cat >/dev/null; echo \"pw=$CERTHOST_FUZZ_ORACLE_PASS\" >&2; exit 3",
            ],
            b"input",
            Some("secret"),
            Duration::from_secs(10),
        )
        .unwrap();
        assert!(!run.success);
        assert_eq!(run.stderr.trim(), "pw=secret");
    }

    #[test]
    fn a_slow_tool_is_killed() {
        let err = run_tool("sleep", &["5"], b"", None, Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, ToolError::Timeout { .. }));
    }

    #[test]
    fn a_missing_tool_is_a_spawn_error() {
        let err = run_tool(
            "certhost-no-such-tool",
            &[],
            b"",
            None,
            Duration::from_secs(1),
        );
        assert!(matches!(err, Err(ToolError::Spawn { .. })));
    }
}
