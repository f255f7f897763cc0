//! The session: scopes and variables, the command table, and evaluation of scripts
//! (statements, control flow, pipelines, expressions), with PowerShell's error model:
//! non-terminating errors are reported and the pipeline goes on; statement-terminating
//! errors (binding, unknown command, bad expression) stop the statement; `throw` and
//! `-ErrorAction Stop` stop the script unless a `try` catches them.

use super::binder::{RawArgument, bind_with};
use super::command::{Command, CommandError};
use super::function::FunctionCommand;
use super::operators;
use super::value::Value;
use crate::lang::ast::*;
use std::any::Any;
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;

mod eval;
mod pipeline;

pub use eval::collapse;

/// Where a script's output goes (the formatter, in the shell).
pub trait Output {
    /// One value of a statement's output.
    fn write(&mut self, value: &Value);
    /// Ends a table that would otherwise continue into the next statement's output.
    fn flush_table(&mut self);
}

/// How the session was started.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionOptions {
    /// `-NonInteractive`: never prompt.
    pub non_interactive: bool,
    /// Errors in red (a terminal).
    pub color: bool,
}

pub use super::errors::{ErrorKind, Flow, Interrupt, RuntimeError, script_error};

/// How a script run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// All statements ran (some may have failed: see `last_success`).
    Completed,
    /// `exit N`.
    Exit(i32),
    /// An uncaught terminating error stopped the script.
    Terminated,
}

/// Common parameters given to a command (`-ErrorAction Stop`, ...), by canonical name.
type CommonParameters = Vec<(String, Value)>;

/// `-ErrorAction` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorAction {
    Continue,
    SilentlyContinue,
    Stop,
}

const COMMON_PARAMETERS: &[(&str, &[&str])] = &[
    ("ErrorAction", &["ea"]),
    ("WarningAction", &["wa"]),
    ("InformationAction", &["infa"]),
    ("Verbose", &["vb"]),
    ("Debug", &["db"]),
    ("ErrorVariable", &["ev"]),
    ("OutVariable", &["ov"]),
];

/// Offered to cmdlets that change state.
const SHOULD_PROCESS_PARAMETERS: &[(&str, &[&str])] = &[("WhatIf", &["wi"]), ("Confirm", &["cf"])];

pub struct Session {
    scopes: Vec<HashMap<String, Value>>,
    commands: HashMap<String, Rc<dyn Command>>,
    /// What the commands work with (the shell's services); the engine never looks inside.
    context: Rc<dyn Any>,
    pub options: SessionOptions,
    /// `$?`: whether the last statement succeeded.
    pub last_success: bool,
    /// Set by a non-terminating error in the statement running.
    statement_failed: bool,
    errors: Box<dyn Write>,
    /// Where `Write-Host` and `Write-Warning` write (the console).
    pub console: Box<dyn Write>,
    /// The current location when `Set-Location` moved into the `Cert:` drive.
    pub cert_location: Option<String>,
}

impl Session {
    /// A session with these commands; `context` is what they work with, which they get
    /// back with [`Session::context`].
    pub fn new(
        context: Rc<dyn Any>,
        commands: Vec<Rc<dyn Command>>,
        options: SessionOptions,
        errors: Box<dyn Write>,
    ) -> Self {
        let mut session = Session {
            scopes: vec![HashMap::new()],
            commands: HashMap::new(),
            context,
            options,
            last_success: true,
            statement_failed: false,
            errors,
            console: Box::new(std::io::stdout()),
            cert_location: None,
        };
        for command in commands {
            session.register(command);
        }
        session.set_variable("ErrorActionPreference", Value::String("Continue".into()));
        session.set_variable("Error", Value::Array(Vec::new()));
        session
    }

    pub fn register(&mut self, command: Rc<dyn Command>) {
        let info = command.info();
        for name in std::iter::once(&info.name).chain(info.aliases.iter()) {
            self.commands
                .insert(name.to_ascii_lowercase(), command.clone());
        }
    }

    /// The context the session was made with, as the type its commands expect.
    pub fn context<T: Any>(&self) -> Option<Rc<T>> {
        self.context.clone().downcast::<T>().ok()
    }

    /// Every registered command, sorted by name.
    pub fn commands(&self) -> Vec<Rc<dyn Command>> {
        let mut list: Vec<Rc<dyn Command>> = Vec::new();
        for c in self.commands.values() {
            if !list.iter().any(|x| x.info().name == c.info().name) {
                list.push(c.clone());
            }
        }
        list.sort_by(|a, b| a.info().name.cmp(&b.info().name));
        list
    }

    /// A command by name or alias.
    pub fn find_command(&self, name: &str) -> Option<Rc<dyn Command>> {
        self.commands.get(&name.to_ascii_lowercase()).cloned()
    }

    // ----- variables ----------------------------------------------------------------

    fn key(name: &str) -> String {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "psitem" => "_".into(),
            _ => lower
                .strip_prefix("script:")
                .or_else(|| lower.strip_prefix("local:"))
                .unwrap_or(&lower)
                .to_string(),
        }
    }

    /// Sets a variable in the current scope (`$global:x` in the global one).
    pub fn set_variable(&mut self, name: &str, value: Value) {
        let lower = name.to_ascii_lowercase();
        if let Some(global) = lower.strip_prefix("global:") {
            self.scopes[0].insert(global.to_string(), value);
            return;
        }
        if lower.starts_with("env:") {
            // Environment changes stay in the session (child processes do not see them).
            self.scopes[0].insert(lower, value);
            return;
        }
        let key = Self::key(name);
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(key, value);
        }
    }

    pub fn variable(&self, name: &str) -> Value {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            "null" => return Value::Null,
            "?" => return Value::Bool(self.last_success),
            _ => {}
        }
        if lower.starts_with("env:") {
            if let Some(v) = self.scopes[0].get(&lower) {
                return v.clone();
            }
            let wanted = &name[4..];
            return std::env::vars()
                .find(|(k, _)| k.eq_ignore_ascii_case(wanted))
                .map(|(_, v)| Value::String(v))
                .unwrap_or(Value::Null);
        }
        let key = lower
            .strip_prefix("global:")
            .map(str::to_string)
            .unwrap_or_else(|| Self::key(name));
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.get(&key))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Shows `prompt` and reads one line from stdin, without its line ending; `None` at
    /// end of input. A `secret` read on a terminal turns echo off meanwhile (stty), so a
    /// password is not shown.
    pub fn read_console_line(
        &mut self,
        prompt: &str,
        secret: bool,
    ) -> std::io::Result<Option<String>> {
        use std::io::{BufRead, IsTerminal};
        let _ = write!(self.console, "{prompt}");
        let _ = self.console.flush();
        let stdin = std::io::stdin();
        let stty = |setting: &str| {
            std::process::Command::new("stty")
                .arg(setting)
                .stdin(std::process::Stdio::inherit())
                .status()
                .is_ok_and(|s| s.success())
        };
        let echo_off = secret && stdin.is_terminal() && stty("-echo");
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line);
        if echo_off {
            stty("echo");
            let _ = writeln!(self.console);
        }
        Ok((read? > 0).then(|| line.trim_end_matches(['\n', '\r']).to_string()))
    }

    /// Names of the variables in scope (for completion), sorted.
    pub fn variable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|s| s.keys().filter(|k| !k.starts_with("env:")).cloned())
            .collect();
        names.extend(["true", "false", "null"].map(String::from));
        names.sort();
        names.dedup();
        names
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(HashMap::new());
    }

    pub fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    // ----- running ------------------------------------------------------------------

    /// Runs a script, sending its output to `out`.
    pub fn run(&mut self, script: &Script, out: &mut dyn Output) -> Outcome {
        for statement in &script.statements {
            self.statement_failed = false;
            let mut values = Vec::new();
            let result = self.statement(statement, &mut values);
            for v in &values {
                out.write(v);
            }
            match result {
                Ok(()) => self.last_success = !self.statement_failed,
                Err(Interrupt::Error(e)) => {
                    out.flush_table();
                    self.report(&e.error);
                    self.record_error(&e);
                    self.last_success = false;
                    if e.kind == ErrorKind::ScriptTerminating {
                        return Outcome::Terminated;
                    }
                }
                Err(Interrupt::Exit(code)) => return Outcome::Exit(code),
                Err(Interrupt::Return(values)) => {
                    for v in &values {
                        out.write(v);
                    }
                    return Outcome::Completed;
                }
                Err(Interrupt::Break | Interrupt::Continue) => return Outcome::Completed,
            }
        }
        Outcome::Completed
    }

    /// Prints an error as `Command-Name: message` (red on a terminal).
    pub fn report(&mut self, e: &CommandError) {
        let text = if e.command.is_empty() && e.category == "OperationStopped" {
            format!("Exception: {}", e.message)
        } else {
            e.to_string()
        };
        let _ = if self.options.color {
            writeln!(self.errors, "\x1b[31;1m{text}\x1b[0m")
        } else {
            writeln!(self.errors, "{text}")
        };
    }

    /// A native command's exit status: `$LASTEXITCODE`, and `$?` false when non-zero.
    pub fn set_native_exit_code(&mut self, code: i32) {
        self.scopes[0].insert("lastexitcode".into(), Value::Int(i64::from(code)));
        if code != 0 {
            self.statement_failed = true;
        }
    }

    /// The real cause behind a native command's cryptic error, on the error stream.
    pub fn warn_cause(&mut self, cause: &str) {
        let _ = writeln!(self.errors, "certhost: {cause}");
    }

    /// `WARNING: ...`, unless `$WarningPreference` is SilentlyContinue.
    pub fn warning(&mut self, text: &str) {
        let preference = self.variable("WarningPreference").to_text();
        if !preference.eq_ignore_ascii_case("SilentlyContinue")
            && !preference.eq_ignore_ascii_case("Ignore")
        {
            self.warn(text);
        }
    }

    /// `What if: ...`, what a `-WhatIf` call would have done.
    pub fn what_if(&mut self, text: &str) {
        let _ = writeln!(self.console, "What if: {text}");
    }

    /// Writes `VERBOSE: ...` when `$VerbosePreference` is Continue.
    pub fn verbose(&mut self, message: &str) {
        if self
            .variable("VerbosePreference")
            .to_text()
            .eq_ignore_ascii_case("Continue")
        {
            let _ = writeln!(self.console, "VERBOSE: {message}");
        }
    }

    /// Writes a warning line (`WARNING: ...`, yellow on a terminal).
    pub fn warn(&mut self, message: &str) {
        let _ = if self.options.color {
            writeln!(self.errors, "\x1b[33;1mWARNING: {message}\x1b[0m")
        } else {
            writeln!(self.errors, "WARNING: {message}")
        };
    }

    // ----- pipelines ------------------------------------------------------------------

    // ----- expressions ----------------------------------------------------------------
}
