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
pub(crate) use eval::traps_of;
use std::any::Any;
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;

mod captures;
mod classes;
mod eval;
mod pipeline;
mod references;
mod script_operators;
mod strict;
mod type_data;

pub use eval::collapse;
pub use pipeline::StreamTarget;

/// Where a statement's output goes as it is produced: a list, the next pipeline stage,
/// or the console.
pub trait Sink {
    fn put(&mut self, session: &mut Session, value: Value) -> Flow<()>;
}

impl Sink for Vec<Value> {
    fn put(&mut self, _: &mut Session, value: Value) -> Flow<()> {
        self.push(value);
        Ok(())
    }
}

/// A sink that writes each value to the console's formatter at once.
struct OutputSink<'a>(&'a mut dyn Output);

impl Sink for OutputSink<'_> {
    fn put(&mut self, session: &mut Session, value: Value) -> Flow<()> {
        session.refresh_for_display(&value);
        self.0.write(&value);
        Ok(())
    }
}

/// One command line run at the interactive prompt.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub command_line: String,
    /// Unix seconds.
    pub started: i64,
    pub duration_ms: i64,
    pub succeeded: bool,
}

/// A scope: its variables and the types some of them are constrained to (`[int]$n`).
#[derive(Debug, Clone)]
pub struct Scope {
    vars: HashMap<String, Value>,
    types: HashMap<String, String>,
    /// Tells this scope from a later one at the same depth (`[ref]$var` keeps it).
    id: u64,
    /// Variables set as `$private:x`: not seen from the scopes below this one.
    private: std::collections::HashSet<String>,
    /// `Set-StrictMode` in this scope: its version (0 is off).
    strict: Option<u8>,
}

impl Default for Scope {
    fn default() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Scope {
            vars: HashMap::new(),
            types: HashMap::new(),
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            private: std::collections::HashSet::new(),
            strict: None,
        }
    }
}

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
    /// Ctrl+C stopped the script.
    Stopped,
}

/// Common parameters given to a command (`-ErrorAction Stop`, ...), by canonical name.
type CommonParameters = Vec<(String, Value)>;

/// `-ErrorAction` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorAction {
    Continue,
    SilentlyContinue,
    /// Like SilentlyContinue, and not recorded in `$Error` either.
    Ignore,
    Stop,
}

const COMMON_PARAMETERS: &[(&str, &[&str])] = &[
    ("ErrorAction", &["ea"]),
    ("WarningAction", &["wa"]),
    ("InformationAction", &["infa"]),
    ("Verbose", &["vb"]),
    ("Debug", &["db"]),
    ("ErrorVariable", &["ev"]),
    ("WarningVariable", &["wv"]),
    ("InformationVariable", &["iv"]),
    ("OutVariable", &["ov"]),
    ("PipelineVariable", &["pv"]),
    ("OutBuffer", &["ob"]),
];

/// Offered to cmdlets that change state.
const SHOULD_PROCESS_PARAMETERS: &[(&str, &[&str])] = &[("WhatIf", &["wi"]), ("Confirm", &["cf"])];

pub struct Session {
    scopes: Vec<Scope>,
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
    /// The stream redirections in force (`3>$null` around a command).
    pub(crate) redirect: pipeline::Redirect,
    /// Records of streams redirected into the output (`3>&1`), not yet emitted.
    pub(crate) pending: Vec<Value>,
    /// Environment variables set in the session: lowercase key → the name as written.
    env_names: HashMap<String, String>,
    /// How deeply functions and script blocks are nested now.
    pub(crate) depth: usize,
    /// Types the script defined (`enum`), by lowercase name.
    types: HashMap<String, Rc<crate::engine::value::EnumType>>,
    /// Classes the script defined, by lowercase name.
    classes: HashMap<String, Rc<crate::engine::class::ClassType>>,
    /// `[ref]$var` references: the object, and the id of its variable's scope and the
    /// variable's name.
    references: Vec<(std::rc::Weak<crate::engine::PsObject>, u64, String)>,
    /// The `-ErrorVariable`, `-OutVariable`, ... of the commands running now.
    captures: Vec<captures::Capture>,
    /// `[cultureinfo]::CurrentCulture` as the script set it.
    culture: Option<String>,
    /// Whether `Set-StrictMode` was ever used (reading a variable then checks it).
    strict_used: bool,
    /// A warning written under `-WarningAction Stop`: the command that wrote it stops.
    stopped_by_preference: Option<String>,
    /// The commands run at the interactive prompt (`Get-History`).
    pub history: Vec<HistoryEntry>,
    /// Members `Update-TypeData` added, by lowercase type name.
    type_data: HashMap<String, Vec<crate::engine::class::TypeMember>>,
    /// The scope `$script:` names: the running script file's (the global one at the top).
    script_scope: usize,
    /// Set while a class's ToString() runs to refresh how an instance prints.
    refreshing_text: bool,
}

/// `$PSVersionTable`: the PowerShell language level certhost follows, and certhost's own.
fn psversion_table() -> Value {
    let text = |s: &str| Value::String(s.to_string());
    Value::hashtable(vec![
        ("PSVersion".into(), text("7.5.0")),
        ("PSEdition".into(), text("Core")),
        ("CerthostVersion".into(), text(env!("CARGO_PKG_VERSION"))),
        ("OS".into(), text(std::env::consts::OS)),
        ("Platform".into(), text("Unix")),
        (
            "PSCompatibleVersions".into(),
            Value::Array(
                ["1.0", "2.0", "3.0", "4.0", "5.0", "5.1", "6.0", "7.0"]
                    .map(text)
                    .to_vec(),
            ),
        ),
    ])
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
            scopes: vec![Scope::default()],
            commands: HashMap::new(),
            context,
            options,
            last_success: true,
            statement_failed: false,
            errors,
            console: Box::new(std::io::stdout()),
            cert_location: None,
            redirect: pipeline::Redirect::default(),
            pending: Vec::new(),
            env_names: HashMap::new(),
            types: HashMap::new(),
            classes: HashMap::new(),
            refreshing_text: false,
            script_scope: 0,
            type_data: HashMap::new(),
            references: Vec::new(),
            captures: Vec::new(),
            culture: None,
            strict_used: false,
            stopped_by_preference: None,
            history: Vec::new(),
            depth: 0,
        };
        for command in commands {
            session.register(command);
        }
        session.set_variable("ErrorActionPreference", Value::String("Continue".into()));
        // pwsh's defaults for the other preference variables.
        for (name, value) in [
            ("ConfirmPreference", "High"),
            ("DebugPreference", "SilentlyContinue"),
            ("VerbosePreference", "SilentlyContinue"),
            ("WarningPreference", "Continue"),
            ("ProgressPreference", "Continue"),
        ] {
            session.set_variable(name, Value::String(value.into()));
        }
        session.set_variable("WhatIfPreference", Value::Bool(false));
        session.set_variable("FormatEnumerationLimit", Value::Int(4));
        session.set_variable(
            "InformationPreference",
            Value::String("SilentlyContinue".into()),
        );
        session.set_variable("PSVersionTable", psversion_table());
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
                .or_else(|| lower.strip_prefix("private:"))
                .unwrap_or(&lower)
                .to_string(),
        }
    }

    /// Sets a variable in the current scope (`$global:x` in the global one).
    pub fn set_variable(&mut self, name: &str, value: Value) {
        let lower = name.to_ascii_lowercase();
        if let Some(global) = lower.strip_prefix("global:") {
            self.scopes[0].vars.insert(global.to_string(), value);
            return;
        }
        if let Some(script) = lower.strip_prefix("script:") {
            let at = self.script_scope.min(self.scopes.len() - 1);
            self.scopes[at].vars.insert(Self::key(script), value);
            return;
        }
        if lower.starts_with("env:") {
            // The session keeps environment changes; executables it runs get them (under
            // the name as first written).
            self.env_names
                .entry(lower.clone())
                .or_insert_with(|| name[4..].to_string());
            self.scopes[0].vars.insert(lower, value);
            return;
        }
        let key = Self::key(name);
        if let Some(scope) = self.scopes.last_mut() {
            if lower.starts_with("private:") {
                scope.private.insert(key.clone());
            }
            scope.vars.insert(key, value);
        }
    }

    /// Sets a variable as an assignment does: converted to the type it was declared with
    /// (`[int]$n = 5; $n = "7"` stores 7). `constrain` declares a type first.
    pub fn assign_variable(
        &mut self,
        name: &str,
        value: Value,
        constrain: Option<&str>,
    ) -> Flow<()> {
        let key = Self::key(name);
        let lower = name.to_ascii_lowercase();
        let scope_index = if lower.starts_with("global:") {
            0
        } else if lower.starts_with("script:") {
            self.script_scope.min(self.scopes.len() - 1)
        } else {
            self.scopes.len() - 1
        };
        let key = key.strip_prefix("global:").unwrap_or(&key).to_string();
        if let Some(type_name) = constrain {
            self.scopes[scope_index]
                .types
                .insert(key.clone(), type_name.to_string());
        }
        let type_name = self.scopes[scope_index].types.get(&key).cloned();
        let value = match type_name {
            Some(t) => self.convert(&t, value)?,
            None => value,
        };
        self.set_variable(name, value);
        Ok(())
    }

    /// The type a variable was declared with (`[int[]]$a = ...`), lowercase.
    pub fn variable_type(&self, name: &str) -> Option<String> {
        let key = Self::key(name);
        self.scopes
            .iter()
            .rev()
            .find(|s| s.vars.contains_key(&key))
            .and_then(|s| s.types.get(&key).cloned())
    }

    /// Environment variables set in the session (`$env:X = ...`; `None`: removed), for
    /// the executables it runs.
    pub fn environment_changes(&self) -> Vec<(String, Option<String>)> {
        self.scopes[0]
            .vars
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("env:")?;
                let original = std::env::vars()
                    .map(|(n, _)| n)
                    .find(|n| n.eq_ignore_ascii_case(name))
                    .or_else(|| self.env_names.get(k).cloned())
                    .unwrap_or_else(|| name.to_string());
                Some(match v {
                    Value::Null => (original, None),
                    other => (original, Some(other.to_text())),
                })
            })
            .collect()
    }

    /// Defines (or redefines) a script's enum.
    pub(crate) fn define_type(&mut self, ty: Rc<crate::engine::value::EnumType>) {
        self.types.insert(ty.name.to_ascii_lowercase(), ty);
    }

    /// A script's enum by name (`[Color]`, `Color`).
    pub fn enum_type(&self, name: &str) -> Option<Rc<crate::engine::value::EnumType>> {
        let name = name.trim().trim_start_matches('[').trim_end_matches(']');
        self.types.get(&name.to_ascii_lowercase()).cloned()
    }

    /// Where the error stream goes now (`2>&1`, `2>$null` around the running command).
    pub fn error_redirection(&self) -> StreamTarget {
        self.redirect.error.clone()
    }

    /// A variable of the current scope only (`$null` when the scope has none).
    pub fn local_variable(&self, name: &str) -> Value {
        let key = Self::key(name);
        if self.scopes.len() == 1 {
            return self.variable(name);
        }
        self.scopes
            .last()
            .and_then(|s| s.vars.get(&key))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Removes a variable from the scope that holds it; whether there was one.
    pub fn remove_variable(&mut self, name: &str) -> bool {
        let key = Self::key(name);
        for scope in self.scopes.iter_mut().rev() {
            if scope.vars.remove(&key).is_some() {
                scope.types.remove(&key);
                scope.private.remove(&key);
                return true;
            }
        }
        false
    }

    /// Whether a variable of that name exists in any scope.
    pub fn has_variable(&self, name: &str) -> bool {
        let key = Self::key(name);
        let depth = self.scopes.len();
        self.scopes.iter().enumerate().any(|(i, s)| {
            s.vars.contains_key(&key) && (i + 1 == depth || !s.private.contains(&key))
        })
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
            if let Some(v) = self.scopes[0].vars.get(&lower) {
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
            .enumerate()
            // A private variable of an outer scope is not seen here.
            .find_map(|(depth, s)| {
                s.vars
                    .get(&key)
                    .filter(|_| depth == 0 || s.private.is_empty() || !s.private.contains(&key))
            })
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Whether a variable the current scope sees is private (`$private:x`).
    pub fn variable_is_private(&self, name: &str) -> bool {
        let key = Self::key(name);
        self.scopes
            .last()
            .is_some_and(|s| s.vars.contains_key(&key) && s.private.contains(&key))
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
            .flat_map(|s| s.vars.keys().filter(|k| !k.starts_with("env:")).cloned())
            .collect();
        names.extend(["true", "false", "null"].map(String::from));
        names.sort();
        names.dedup();
        names
    }

    pub fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
    }

    pub fn pop_scope(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    /// Enters a scope kept from an earlier step (a function's between begin, process and end).
    pub(crate) fn enter_scope(&mut self, scope: Scope) {
        self.scopes.push(scope);
    }

    /// Leaves the current scope and hands it back, to be entered again later.
    pub(crate) fn leave_scope(&mut self) -> Scope {
        if self.scopes.len() > 1 {
            self.scopes.pop().unwrap_or_default()
        } else {
            Scope::default()
        }
    }

    // ----- running ------------------------------------------------------------------

    /// Runs a script, sending its output to `out` as it is produced.
    pub fn run(&mut self, script: &Script, out: &mut dyn Output) -> Outcome {
        let block = ScriptBlock {
            body: script.clone(),
            ..ScriptBlock::default()
        };
        self.run_block(&block, Vec::new(), out)
    }

    /// Runs a script file's or command's block (its `param()` bound from `args`),
    /// sending its output to `out` as it is produced.
    pub fn run_block(
        &mut self,
        block: &ScriptBlock,
        args: Vec<Value>,
        out: &mut dyn Output,
    ) -> Outcome {
        crate::cancel::clear();
        self.statement_failed = false;
        let mut sink = OutputSink(out);
        let result = if block.parameters.is_empty() && !block.has_named_blocks() {
            if !args.is_empty() {
                self.set_variable("args", Value::Array(args));
            }
            self.run_statements(&block.body, &mut sink)
        } else {
            self.invoke_script(block, args, true, &mut sink)
        };
        let outcome = match result {
            Ok(()) => Outcome::Completed,
            Err(Interrupt::Error(e)) => {
                sink.0.flush_table();
                self.report(&e.error);
                self.record_error(&e);
                self.last_success = false;
                Outcome::Terminated
            }
            Err(Interrupt::Exit(code)) => Outcome::Exit(code),
            Err(Interrupt::Return(values)) => {
                for v in &values {
                    sink.0.write(v);
                }
                Outcome::Completed
            }
            Err(Interrupt::Break(_) | Interrupt::Continue(_)) => Outcome::Completed,
            Err(Interrupt::Stopped) => {
                sink.0.flush_table();
                self.last_success = false;
                Outcome::Stopped
            }
        };
        crate::cancel::clear();
        outcome
    }

    /// The statements of a script at the top level: a statement-terminating error is
    /// reported and the next statement runs; a script-terminating one stops the script.
    fn run_statements(&mut self, script: &Script, sink: &mut OutputSink) -> Flow<()> {
        let traps = traps_of(script);
        self.define_types_of(script)?;
        for statement in &script.statements {
            self.statement_failed = false;
            match self.statement(statement, sink) {
                Ok(()) => self.last_success = !self.statement_failed,
                Err(Interrupt::Error(e)) => {
                    sink.0.flush_table();
                    if !traps.is_empty() {
                        self.run_trap(&traps, e, sink)?;
                        self.last_success = false;
                        continue;
                    }
                    if e.kind == ErrorKind::ScriptTerminating {
                        return Err(Interrupt::Error(e));
                    }
                    self.report(&e.error);
                    self.record_error(&e);
                    self.last_success = false;
                }
                Err(other) => return Err(other),
            }
        }
        Ok(())
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
        self.scopes[0]
            .vars
            .insert("lastexitcode".into(), Value::Int(i64::from(code)));
        if code != 0 {
            self.statement_failed = true;
        }
    }

    /// The real cause behind a native command's cryptic error, on the error stream.
    pub fn warn_cause(&mut self, cause: &str) {
        let _ = writeln!(self.errors, "certhost: {cause}");
    }

    /// `WARNING: ...`, unless `$WarningPreference` is SilentlyContinue; redirected by `3>`.
    pub fn warning(&mut self, text: &str) {
        let preference = self.variable("WarningPreference").to_text();
        if preference.eq_ignore_ascii_case("Ignore") {
            return;
        }
        // -WarningVariable keeps it even when it is not shown.
        self.capture_record(captures::CapturedStream::Warning, "WarningRecord", text);
        if preference.eq_ignore_ascii_case("SilentlyContinue") {
            return;
        }
        if preference.eq_ignore_ascii_case("Stop") {
            self.stopped_by_preference = Some(format!(
                "The running command stopped because the preference variable \"WarningPreference\" or common parameter is set to Stop: {text}"
            ));
        }
        let target = self.redirect.warning.clone();
        if self.route(target, "WarningRecord", text) {
            self.warn(text);
        }
    }

    /// Keeps a stream's record for the `-...Variable`s of the commands running.
    fn capture_record(&mut self, stream: captures::CapturedStream, record: &str, text: &str) {
        if self.captures.is_empty() {
            return;
        }
        self.capture(stream, &Value::stream_record(record, text, None));
    }

    /// Sends a stream's record where its redirection says; true when it goes to the
    /// console as usual.
    fn route(&mut self, target: pipeline::StreamTarget, record: &str, text: &str) -> bool {
        use pipeline::StreamTarget;
        match target {
            StreamTarget::Default => true,
            StreamTarget::Discard => false,
            StreamTarget::Output => {
                let prefix = match record {
                    "WarningRecord" => Some("WARNING: "),
                    "VerboseRecord" => Some("VERBOSE: "),
                    "DebugRecord" => Some("DEBUG: "),
                    _ => None,
                };
                self.pending
                    .push(Value::stream_record(record, text, prefix));
                false
            }
            StreamTarget::File { path, append } => {
                self.write_stream_file(&path, append, text);
                false
            }
        }
    }

    /// Host output (`Write-Host`, `Write-Information`): the information stream, which
    /// `6>` redirects.
    pub fn information(&mut self, text: &str) {
        self.capture_record(
            captures::CapturedStream::Information,
            "InformationRecord",
            text,
        );
        let target = self.redirect.information.clone();
        if self.route(target, "InformationRecord", text) {
            let _ = writeln!(self.console, "{text}");
        }
    }

    /// An information record that is not shown: only `-InformationVariable` keeps it.
    pub fn information_unshown(&mut self, text: &str) {
        self.capture_record(
            captures::CapturedStream::Information,
            "InformationRecord",
            text,
        );
    }

    /// `DEBUG: ...` when `$DebugPreference` is Continue; redirected by `5>`.
    pub fn debug(&mut self, message: &str) {
        if !self
            .variable("DebugPreference")
            .to_text()
            .eq_ignore_ascii_case("Continue")
        {
            return;
        }
        let target = self.redirect.debug.clone();
        if self.route(target, "DebugRecord", message) {
            let _ = writeln!(self.console, "DEBUG: {message}");
        }
    }

    /// `What if: ...`, what a `-WhatIf` call would have done.
    pub fn what_if(&mut self, text: &str) {
        let _ = writeln!(self.console, "What if: {text}");
    }

    /// Writes `VERBOSE: ...` when `$VerbosePreference` is Continue; redirected by `4>`.
    pub fn verbose(&mut self, message: &str) {
        if !self
            .variable("VerbosePreference")
            .to_text()
            .eq_ignore_ascii_case("Continue")
        {
            return;
        }
        let target = self.redirect.verbose.clone();
        if self.route(target, "VerboseRecord", message) {
            let _ = writeln!(self.console, "VERBOSE: {message}");
        }
    }

    /// Writes a warning line (`WARNING: ...`, yellow on a terminal).
    /// Warnings go to the console (stdout), as pwsh's console host writes them.
    pub fn warn(&mut self, message: &str) {
        let _ = if self.options.color {
            writeln!(self.console, "\x1b[33;1mWARNING: {message}\x1b[0m")
        } else {
            writeln!(self.console, "WARNING: {message}")
        };
        let _ = self.console.flush();
    }

    // ----- pipelines ------------------------------------------------------------------

    // ----- expressions ----------------------------------------------------------------
}
