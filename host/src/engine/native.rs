//! Commands that are not cmdlets or functions: executables on `PATH` or named by path
//! (run with pwsh's Standard argument passing: each argument is one word of the child's
//! argv, never re-parsed by a shell), and `.ps1` script files (run as script blocks).

use super::binder::BoundArguments;
use super::command::{CmdletInfo, Command, CommandError, CommandResult, command_info};
use super::session::{Interrupt, Session};
use super::value::Value;
use crate::lang::ast::ScriptBlock;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// An executable found on `PATH` or by its path.
pub struct NativeCommand {
    info: CmdletInfo,
    path: PathBuf,
}

/// Where an executable of that name is: a path containing `/` as given (relative to the
/// working directory), else the first match on `PATH`.
pub fn find_executable(name: &str) -> Option<PathBuf> {
    let is_executable = |p: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
    })
}

impl NativeCommand {
    pub fn new(name: &str, path: PathBuf) -> Self {
        NativeCommand {
            info: command_info(
                name,
                &[],
                "An executable program.",
                "",
                Vec::new(),
                "String",
            ),
            path,
        }
    }
}

/// The argv words of an argument value: arrays give one word per element; a password
/// never leaves as its text.
fn words(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| words(v, out)),
        Value::Null => {}
        other => out.push(other.to_text()),
    }
}

impl Command for NativeCommand {
    fn info(&self) -> &CmdletInfo {
        &self.info
    }

    fn takes_remaining_arguments(&self) -> bool {
        true
    }

    fn collects_input(&self) -> bool {
        true
    }

    fn is_native(&self) -> bool {
        true
    }

    /// Runs the program: pipeline input as lines on its stdin, its stdout as string lines
    /// (its stderr goes to the console, or into the output with `2>&1`); the exit code is
    /// `$LASTEXITCODE` and a non-zero one makes `$?` false. Ctrl+C ends the program.
    fn invoke(
        &self,
        session: &mut Session,
        args: &BoundArguments,
        input: Option<&Value>,
    ) -> CommandResult {
        let mut argv = Vec::new();
        args.remaining.iter().for_each(|v| words(v, &mut argv));
        let fail = |message: String| {
            Interrupt::from(CommandError::new(
                &self.info.name,
                "ResourceUnavailable",
                "NativeCommandFailed",
                message,
            ))
        };
        let errors = session.error_redirection();
        let merge_errors = errors == super::session::StreamTarget::Output;
        let discard_errors = errors == super::session::StreamTarget::Discard;
        let mut process = std::process::Command::new(&self.path);
        for (name, value) in session.environment_changes() {
            match value {
                Some(v) => process.env(name, v),
                None => process.env_remove(name),
            };
        }
        let mut child = process
            .args(&argv)
            .stdin(if input.is_some() {
                std::process::Stdio::piped()
            } else {
                std::process::Stdio::inherit()
            })
            .stdout(std::process::Stdio::piped())
            .stderr(if merge_errors {
                std::process::Stdio::piped()
            } else if discard_errors {
                std::process::Stdio::null()
            } else {
                std::process::Stdio::inherit()
            })
            .spawn()
            .map_err(|e| {
                fail(format!(
                    "Program '{}' failed to run: {e}.",
                    self.path.display()
                ))
            })?;
        let feeder = match (input, child.stdin.take()) {
            (Some(v), Some(mut stdin)) => {
                let mut lines = Vec::new();
                words(v, &mut lines);
                Some(std::thread::spawn(move || {
                    for line in lines {
                        if writeln!(stdin, "{line}").is_err() {
                            break;
                        }
                    }
                }))
            }
            _ => None,
        };
        let reader = |stream: Option<Box<dyn std::io::Read + Send>>| {
            stream.map(|s| {
                std::thread::spawn(move || {
                    std::io::BufReader::new(s)
                        .lines()
                        .map_while(Result::ok)
                        .collect::<Vec<String>>()
                })
            })
        };
        let stdout = reader(
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        );
        let stderr = reader(
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        );
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if crate::cancel::requested() => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(Interrupt::Stopped);
                }
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(5)),
                Err(e) => return Err(fail(format!("cannot wait for the program: {e}"))),
            }
        };
        if let Some(f) = feeder {
            let _ = f.join();
        }
        let mut out: Vec<Value> = stdout
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
            .into_iter()
            .map(Value::String)
            .collect();
        // With `2>&1`, each stderr line is an error record, as in pwsh.
        if let Some(lines) = stderr.and_then(|t| t.join().ok()) {
            out.extend(lines.into_iter().map(|line| {
                Value::object(
                    "ErrorRecord",
                    vec![
                        ("Message".into(), Value::String(line.clone())),
                        (
                            "Exception".into(),
                            Value::object(
                                "RemoteException",
                                vec![("Message".into(), Value::String(line))],
                            ),
                        ),
                    ],
                )
            }));
        }
        use std::os::unix::process::ExitStatusExt;
        let code = status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        session.set_native_exit_code(code);
        Ok(out)
    }
}

/// A `.ps1` file run by name or path (`./deploy.ps1`, `& $script`, `. ./lib.ps1`).
pub struct ScriptFileCommand {
    info: CmdletInfo,
    block: Rc<ScriptBlock>,
    path: PathBuf,
}

impl ScriptFileCommand {
    /// Reads and parses the script; a parse error is the caller's error.
    pub fn load(name: &str, path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("Cannot read the script '{}': {e}.", path.display()))?;
        let block = crate::lang::parse_block(&text).map_err(|e| e.to_string())?;
        let function = super::function::FunctionCommand::new(name, Rc::new(block.clone()));
        Ok(ScriptFileCommand {
            info: function.info().clone(),
            block: Rc::new(block),
            path: path.to_path_buf(),
        })
    }
}

impl Command for ScriptFileCommand {
    fn info(&self) -> &CmdletInfo {
        &self.info
    }

    fn takes_remaining_arguments(&self) -> bool {
        true
    }

    fn script_block(&self) -> Option<Rc<ScriptBlock>> {
        Some(self.block.clone())
    }

    fn script_path(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn invoke(
        &self,
        session: &mut Session,
        _args: &BoundArguments,
        input: Option<&Value>,
    ) -> CommandResult {
        session.invoke_block(&self.block, input.cloned(), Vec::new(), true)
    }
}
