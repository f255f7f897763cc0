//! The session: scopes and variables, the command table, and evaluation of scripts
//! (statements, control flow, pipelines, expressions), with PowerShell's error model:
//! non-terminating errors are reported and the pipeline goes on; statement-terminating
//! errors (binding, unknown command, bad expression) stop the statement; `throw` and
//! `-ErrorAction Stop` stop the script unless a `try` catches them.

use super::binder::{RawArgument, bind_with};
use super::command::{Command, CommandError};
use super::component::ComponentCommand;
use super::function::FunctionCommand;
use super::operators;
use super::value::Value;
use crate::format::Formatter;
use crate::lang::ast::*;
use crate::plugin::{Plugin, PluginError, Runtime, Services};
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;

/// The component runtime and what the host offers components.
pub struct HostContext {
    pub runtime: Runtime,
    pub certificate_plugin: Rc<Plugin>,
    pub services: Services,
}

/// A component whose cmdlets the session registered.
pub struct LoadedModule {
    pub plugin: Rc<Plugin>,
    /// The names of its cmdlets.
    pub commands: Vec<String>,
}

/// How the session was started.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionOptions {
    /// `-NonInteractive`: never prompt.
    pub non_interactive: bool,
    /// Errors in red (a terminal).
    pub color: bool,
}

/// How far an error reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Reported; the pipeline goes on with the next object.
    NonTerminating,
    /// Stops the statement; the script goes on.
    StatementTerminating,
    /// Stops the script (`throw`, `-ErrorAction Stop`).
    ScriptTerminating,
}

/// An error on its way up, with the object a `catch` block sees as `$_`.
#[derive(Debug, Clone)]
pub struct RuntimeError {
    pub error: CommandError,
    pub kind: ErrorKind,
    /// What `throw` threw, when it was not a message.
    pub thrown: Option<Value>,
}

/// Anything that leaves a statement early.
#[derive(Debug, Clone)]
pub enum Interrupt {
    Error(Box<RuntimeError>),
    Break,
    Continue,
    Return(Vec<Value>),
    Exit(i32),
}

impl From<CommandError> for Interrupt {
    fn from(error: CommandError) -> Self {
        Interrupt::Error(Box::new(RuntimeError {
            error,
            kind: ErrorKind::NonTerminating,
            thrown: None,
        }))
    }
}

/// A statement-terminating error outside any command.
pub fn script_error(message: impl Into<String>) -> Interrupt {
    let message = message.into();
    Interrupt::Error(Box::new(RuntimeError {
        error: CommandError::new("", "InvalidOperation", "RuntimeException", message),
        kind: ErrorKind::StatementTerminating,
        thrown: None,
    }))
}

pub type Flow<T> = Result<T, Interrupt>;

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
    /// The components whose cmdlets are registered, in import order.
    modules: Vec<LoadedModule>,
    host: Rc<HostContext>,
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
    /// A session with the host's built-ins and the certificate component's cmdlets.
    pub fn new(
        host: HostContext,
        options: SessionOptions,
        errors: Box<dyn Write>,
    ) -> Result<Self, PluginError> {
        let host = Rc::new(host);
        let mut session = Session {
            scopes: vec![HashMap::new()],
            commands: HashMap::new(),
            modules: Vec::new(),
            host: host.clone(),
            options,
            last_success: true,
            statement_failed: false,
            errors,
            console: Box::new(std::io::stdout()),
            cert_location: None,
        };
        for command in crate::builtins::all() {
            session.register(command);
        }
        session.set_variable("ErrorActionPreference", Value::String("Continue".into()));
        session.set_variable("Error", Value::Array(Vec::new()));
        session.import_plugin(host.certificate_plugin.clone())?;
        Ok(session)
    }

    /// Registers a component's cmdlets.
    pub fn import_plugin(&mut self, plugin: Rc<Plugin>) -> Result<Vec<String>, PluginError> {
        let infos = self
            .host
            .runtime
            .list_cmdlets(&plugin, &self.host.services)?;
        let names: Vec<String> = infos.iter().map(|i| i.name.clone()).collect();
        for info in infos {
            self.register(Rc::new(ComponentCommand {
                info,
                plugin: plugin.clone(),
            }));
        }
        self.modules.push(LoadedModule {
            plugin,
            commands: names.clone(),
        });
        Ok(names)
    }

    /// The components loaded in this session, in import order.
    pub fn modules(&self) -> &[LoadedModule] {
        &self.modules
    }

    pub fn register(&mut self, command: Rc<dyn Command>) {
        let info = command.info();
        for name in std::iter::once(&info.name).chain(info.aliases.iter()) {
            self.commands
                .insert(name.to_ascii_lowercase(), command.clone());
        }
    }

    /// The runtime, component and services, for commands that call components.
    pub fn host(&self) -> Rc<HostContext> {
        self.host.clone()
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

    /// `-WhatIf` (describe the operation, do nothing) and `-Confirm` (ask first).
    fn should_process(
        &mut self,
        info: &super::command::CmdletInfo,
        bound: &super::binder::BoundArguments,
        input: Option<&Value>,
        common: &CommonParameters,
    ) -> Flow<bool> {
        let flag = |name: &str| common.iter().any(|(n, v)| n == name && v.is_truthy());
        let target = ["FilePath", "Path", "Subject", "DnsName", "Name"]
            .iter()
            .find_map(|p| bound.get(p).map(Value::to_text))
            .or_else(|| match input {
                Some(Value::Certificate(c)) => {
                    Some(format!("{} ({})", c.info.subject, c.info.thumbprint))
                }
                Some(v) => Some(v.to_text()),
                None => None,
            })
            .unwrap_or_default();
        let operation = format!(
            "Performing the operation \"{}\" on target \"{target}\".",
            info.name
        );
        if flag("WhatIf") {
            let _ = writeln!(self.console, "What if: {operation}");
            return Ok(false);
        }
        if flag("Confirm") {
            if self.options.non_interactive {
                return Err(script_error(format!(
                    "{}: -Confirm needs an interactive session; run without -Confirm (or with -Confirm:$false) in scripts.",
                    info.name
                )));
            }
            use std::io::BufRead;
            let _ = write!(
                self.console,
                "\nConfirm\nAre you sure you want to perform this action?\n{operation}\n[Y] Yes  [N] No  (default is \"Y\"): "
            );
            let _ = self.console.flush();
            let mut answer = String::new();
            let _ = std::io::stdin().lock().read_line(&mut answer);
            return Ok(matches!(
                answer.trim().to_ascii_lowercase().as_str(),
                "" | "y" | "yes"
            ));
        }
        Ok(true)
    }

    /// Asks on the console for the values of missing mandatory parameters (passwords
    /// without echo), as PowerShell does in an interactive session.
    fn prompt_for(
        &mut self,
        info: &super::command::CmdletInfo,
        missing: &[String],
    ) -> Flow<Vec<RawArgument>> {
        let _ = writeln!(
            self.console,
            "\ncmdlet {} at command pipeline position 1\nSupply values for the following parameters:",
            info.name
        );
        let mut raw = Vec::new();
        for name in missing {
            let secret = info
                .parameters
                .iter()
                .any(|p| &p.name == name && p.type_ == super::command::ParameterType::SecureText);
            let Ok(Some(line)) = self.read_console_line(&format!("{name}: "), secret) else {
                return Err(script_error(format!(
                    "No value was given for the mandatory parameter '{name}'."
                )));
            };
            raw.push(RawArgument::Named {
                name: name.clone(),
                value: Some(Value::String(line)),
            });
        }
        Ok(raw)
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
    pub fn run(&mut self, script: &Script, out: &mut Formatter) -> Outcome {
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

    /// Shows a message a component wrote: a warning (unless `$WarningPreference` is
    /// SilentlyContinue), a verbose line, or a `What if:` line.
    pub fn show_message(&mut self, message: crate::plugin::Message) {
        use crate::plugin::Message;
        match message {
            Message::Warning(text) => {
                if !self
                    .variable("WarningPreference")
                    .to_text()
                    .eq_ignore_ascii_case("SilentlyContinue")
                {
                    self.warn(&text);
                }
            }
            Message::Verbose(text) => self.verbose(&text),
            Message::WhatIf(text) => {
                let _ = writeln!(self.console, "What if: {text}");
            }
        }
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

    fn error_record(e: &RuntimeError) -> Value {
        if let Some(v @ Value::Object(o)) = &e.thrown
            && o.type_name == "ErrorRecord"
        {
            return v.clone();
        }
        let exception = Value::object(
            "Exception",
            vec![("Message".into(), Value::String(e.error.message.clone()))],
        );
        Value::object(
            "ErrorRecord",
            vec![
                ("Message".into(), Value::String(e.error.message.clone())),
                ("Exception".into(), exception),
                (
                    "FullyQualifiedErrorId".into(),
                    Value::String(e.error.error_id.clone()),
                ),
                (
                    "CategoryInfo".into(),
                    Value::String(e.error.category.clone()),
                ),
                (
                    "TargetObject".into(),
                    e.thrown
                        .clone()
                        .or_else(|| e.error.target.clone().map(Value::String))
                        .unwrap_or(Value::Null),
                ),
                (
                    "InvocationInfo".into(),
                    Value::object(
                        "InvocationInfo",
                        vec![("MyCommand".into(), Value::String(e.error.command.clone()))],
                    ),
                ),
            ],
        )
    }

    fn record_error(&mut self, e: &RuntimeError) {
        let mut list = self.variable("Error").into_items_keep();
        list.retain(|v| !matches!(v, Value::Null));
        list.insert(0, Self::error_record(e));
        list.truncate(256);
        self.scopes[0].insert("error".into(), Value::Array(list));
    }

    fn error_action(&self, explicit: Option<&str>) -> ErrorAction {
        let text = explicit
            .map(str::to_string)
            .unwrap_or_else(|| self.variable("ErrorActionPreference").to_text());
        match text.to_ascii_lowercase().as_str() {
            "stop" => ErrorAction::Stop,
            "silentlycontinue" | "ignore" => ErrorAction::SilentlyContinue,
            _ => ErrorAction::Continue,
        }
    }

    /// A non-terminating error from a command, handled by the error action.
    fn command_failed(&mut self, mut e: Box<RuntimeError>, action: ErrorAction) -> Flow<()> {
        self.statement_failed = true;
        if e.kind != ErrorKind::NonTerminating {
            return Err(Interrupt::Error(e));
        }
        match action {
            ErrorAction::Stop => {
                e.kind = ErrorKind::ScriptTerminating;
                Err(Interrupt::Error(e))
            }
            ErrorAction::SilentlyContinue => {
                self.record_error(&e);
                Ok(())
            }
            ErrorAction::Continue => {
                self.report(&e.error);
                self.record_error(&e);
                Ok(())
            }
        }
    }

    fn statement(&mut self, statement: &Statement, out: &mut Vec<Value>) -> Flow<()> {
        match statement {
            Statement::Pipeline(p) => {
                out.extend(self.pipeline(p)?);
                Ok(())
            }
            Statement::Assignment {
                target, op, value, ..
            } => {
                let mut values = Vec::new();
                self.statement(value, &mut values)?;
                let mut new = collapse(values);
                if *op != AssignOp::Set {
                    let current = self.expr(target)?;
                    let bop = match op {
                        AssignOp::Add => BinaryOp::Add,
                        AssignOp::Subtract => BinaryOp::Subtract,
                        AssignOp::Multiply => BinaryOp::Multiply,
                        _ => BinaryOp::Divide,
                    };
                    new = operators::binary(bop, current, new).map_err(script_error)?;
                }
                self.assign(target, new)
            }
            Statement::If { clauses, otherwise } => {
                for (condition, body) in clauses {
                    if self.condition(condition)? {
                        return self.block(body, out);
                    }
                }
                match otherwise {
                    Some(body) => self.block(body, out),
                    None => Ok(()),
                }
            }
            Statement::Foreach {
                variable,
                collection,
                body,
            } => {
                let items = self.pipeline(collection)?;
                for item in items {
                    self.set_variable(variable, item);
                    match self.block(body, out) {
                        Err(Interrupt::Break) => break,
                        Err(Interrupt::Continue) | Ok(()) => {}
                        Err(other) => return Err(other),
                    }
                }
                Ok(())
            }
            Statement::For {
                init,
                condition,
                step,
                body,
            } => {
                if let Some(init) = init {
                    self.statement(init, out)?;
                }
                loop {
                    if let Some(c) = condition
                        && !self.condition(c)?
                    {
                        break;
                    }
                    match self.block(body, out) {
                        Err(Interrupt::Break) => break,
                        Err(Interrupt::Continue) | Ok(()) => {}
                        Err(other) => return Err(other),
                    }
                    if let Some(step) = step {
                        self.statement(step, &mut Vec::new())?;
                    }
                }
                Ok(())
            }
            Statement::While { condition, body } => {
                while self.condition(condition)? {
                    match self.block(body, out) {
                        Err(Interrupt::Break) => break,
                        Err(Interrupt::Continue) | Ok(()) => {}
                        Err(other) => return Err(other),
                    }
                }
                Ok(())
            }
            Statement::DoLoop {
                body,
                condition,
                until,
            } => {
                loop {
                    match self.block(body, out) {
                        Err(Interrupt::Break) => break,
                        Err(Interrupt::Continue) | Ok(()) => {}
                        Err(other) => return Err(other),
                    }
                    if self.condition(condition)? == *until {
                        break;
                    }
                }
                Ok(())
            }
            Statement::Switch {
                subject,
                options,
                clauses,
            } => self.switch(subject, options, clauses, out),
            Statement::Function { name, block } => {
                self.register(Rc::new(FunctionCommand::new(name, block.clone())));
                Ok(())
            }
            Statement::Try {
                body,
                catches,
                finally,
            } => {
                let result = match self.block(body, out) {
                    Err(Interrupt::Error(e)) if !catches.is_empty() => {
                        self.record_error(&e);
                        let saved = self.variable("_");
                        self.set_variable("_", Self::error_record(&e));
                        let r = self.block(&catches[0], out);
                        self.set_variable("_", saved);
                        r
                    }
                    other => other,
                };
                if let Some(f) = finally {
                    self.block(f, out)?;
                }
                result
            }
            Statement::Throw { value, .. } => {
                let thrown = match value {
                    Some(p) => collapse(self.pipeline(p)?),
                    None => Value::Null,
                };
                let message = match &thrown {
                    Value::Null => "ScriptHalted".to_string(),
                    other => other.to_text(),
                };
                Err(Interrupt::Error(Box::new(RuntimeError {
                    error: CommandError::new("", "OperationStopped", &message, message.clone()),
                    kind: ErrorKind::ScriptTerminating,
                    thrown: Some(thrown),
                })))
            }
            Statement::Return(value) => {
                let values = match value {
                    Some(p) => self.pipeline(p)?,
                    None => Vec::new(),
                };
                Err(Interrupt::Return(values))
            }
            Statement::Break => Err(Interrupt::Break),
            Statement::Continue => Err(Interrupt::Continue),
            Statement::Exit(value) => {
                let code = match value {
                    Some(p) => {
                        operators::to_number(&collapse(self.pipeline(p)?)).map(|n| match n {
                            operators::Number::Int(i) => i as i32,
                            operators::Number::Float(f) => f as i32,
                        })
                    }
                    None => Some(0),
                };
                Err(Interrupt::Exit(code.unwrap_or(0)))
            }
        }
    }

    fn block(&mut self, script: &Script, out: &mut Vec<Value>) -> Flow<()> {
        for s in &script.statements {
            self.statement(s, out)?;
        }
        Ok(())
    }

    fn condition(&mut self, p: &Pipeline) -> Flow<bool> {
        Ok(collapse(self.pipeline(p)?).is_truthy())
    }

    fn switch(
        &mut self,
        subject: &Pipeline,
        options: &SwitchOptions,
        clauses: &[SwitchClause],
        out: &mut Vec<Value>,
    ) -> Flow<()> {
        let values = self.pipeline(subject)?;
        let saved = self.variable("_");
        let result = (|| {
            'values: for value in values {
                self.set_variable("_", value.clone());
                let mut matched = false;
                for clause in clauses.iter().filter(|c| c.pattern.is_some()) {
                    let Some(pattern) = &clause.pattern else {
                        continue;
                    };
                    let hit = match pattern {
                        Expr::ScriptBlock(b) => collapse(self.invoke_block(
                            b,
                            Some(value.clone()),
                            Vec::new(),
                            false,
                        )?)
                        .is_truthy(),
                        other => {
                            let p = self.expr(other)?;
                            let text = value.to_text();
                            if options.regex {
                                operators::regex_match(&text, &p.to_text(), options.case_sensitive)
                                    .map_err(script_error)?
                                    .is_some()
                            } else if options.wildcard {
                                operators::wildcard_match(
                                    &p.to_text(),
                                    &text,
                                    options.case_sensitive,
                                )
                            } else {
                                operators::equals(&value, &p, options.case_sensitive)
                            }
                        }
                    };
                    if hit {
                        matched = true;
                        match self.block(&clause.body, out) {
                            Err(Interrupt::Break) => break 'values,
                            Err(Interrupt::Continue) => continue 'values,
                            other => other?,
                        }
                    }
                }
                if !matched && let Some(default) = clauses.iter().find(|c| c.pattern.is_none()) {
                    match self.block(&default.body, out) {
                        Err(Interrupt::Break) => break 'values,
                        Err(Interrupt::Continue) => continue 'values,
                        other => other?,
                    }
                }
            }
            Ok(())
        })();
        self.set_variable("_", saved);
        result
    }

    /// Assigns to `$var`, `$var.Property`, `$var[index]` (one level below a variable).
    fn assign(&mut self, target: &Expr, value: Value) -> Flow<()> {
        match target {
            Expr::Variable(name) => {
                self.set_variable(name, value);
                Ok(())
            }
            Expr::Member { target: base, .. } | Expr::Index { target: base, .. }
                if matches!(**base, Expr::Variable(_)) =>
            {
                let Expr::Variable(var) = &**base else {
                    return Err(script_error("The assignment target is not valid."));
                };
                let key = match target {
                    Expr::Index { index, .. } => self.expr(index)?,
                    _ => Value::String(match target {
                        Expr::Member { name, .. } => name.clone(),
                        _ => String::new(),
                    }),
                };
                let updated = match (self.variable(var), key) {
                    (Value::Hashtable(mut entries), key) => {
                        let k = key.to_text();
                        match entries.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(&k)) {
                            Some(slot) => slot.1 = value,
                            None => entries.push((k, value)),
                        }
                        Value::Hashtable(entries)
                    }
                    (Value::Array(mut items), Value::Int(i)) => {
                        let len = items.len() as i64;
                        let at = if i < 0 { len + i } else { i };
                        match usize::try_from(at).ok().and_then(|a| items.get_mut(a)) {
                            Some(slot) => *slot = value,
                            None => {
                                return Err(script_error(format!(
                                    "Index was outside the bounds of the array: {i}."
                                )));
                            }
                        }
                        Value::Array(items)
                    }
                    (Value::Object(o), key) => {
                        let k = key.to_text();
                        let mut obj = (*o).clone();
                        match obj
                            .properties
                            .iter_mut()
                            .find(|(x, _)| x.eq_ignore_ascii_case(&k))
                        {
                            Some(slot) => slot.1 = value,
                            None => {
                                return Err(script_error(format!(
                                    "The property '{k}' cannot be found on this object. Verify that the property exists and can be set."
                                )));
                            }
                        }
                        Value::Object(Rc::new(obj))
                    }
                    (other, key) => {
                        return Err(script_error(format!(
                            "The property '{}' cannot be set on a value of type [{}].",
                            key.to_text(),
                            other.type_name()
                        )));
                    }
                };
                self.set_variable(var, updated);
                Ok(())
            }
            _ => Err(script_error(
                "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.",
            )),
        }
    }

    // ----- pipelines ------------------------------------------------------------------

    fn lookup(&self, name: &str) -> Flow<Rc<dyn Command>> {
        self.find_command(name).ok_or_else(|| {
            Interrupt::Error(Box::new(RuntimeError {
                error: CommandError::new(
                    name,
                    "ObjectNotFound",
                    "CommandNotFoundException",
                    format!("The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program.\nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again."),
                ),
                kind: ErrorKind::StatementTerminating,
                thrown: None,
            }))
        })
    }

    /// The arguments as written, minus common parameters (returned separately).
    fn raw_arguments(
        &mut self,
        call: &CommandCall,
        command: &dyn Command,
    ) -> Flow<(Vec<RawArgument>, CommonParameters)> {
        let mut raw = Vec::new();
        let mut common = Vec::new();
        let declared = |n: &str| {
            command.info().parameters.iter().any(|p| {
                p.name.eq_ignore_ascii_case(n)
                    || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(n))
            })
        };
        let mut args = call.arguments.iter().peekable();
        while let Some(arg) = args.next() {
            match arg {
                CommandArgument::Parameter { name, value, .. } => {
                    let should_process = command.info().changes_state
                        && ["whatif", "wi", "confirm", "cf"]
                            .contains(&name.to_ascii_lowercase().as_str());
                    let common_name = COMMON_PARAMETERS
                        .iter()
                        .chain(if should_process {
                            SHOULD_PROCESS_PARAMETERS
                        } else {
                            &[]
                        })
                        .find(|(n, aliases)| {
                            n.eq_ignore_ascii_case(name)
                                || aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
                        })
                        .map(|(n, _)| *n);
                    if let Some(common_name) = common_name.filter(|n| !declared(n)) {
                        let v = match value {
                            Some(e) => self.expr(e)?,
                            None if matches!(
                                common_name,
                                "Verbose" | "Debug" | "WhatIf" | "Confirm"
                            ) =>
                            {
                                Value::Bool(true)
                            }
                            None => match args.next() {
                                Some(CommandArgument::Value(e)) => self.expr(e)?,
                                _ => {
                                    return Err(script_error(format!(
                                        "Missing an argument for parameter '{common_name}'."
                                    )));
                                }
                            },
                        };
                        common.push((common_name.to_string(), v));
                        continue;
                    }
                    let value = match value {
                        Some(e) => Some(self.expr(e)?),
                        None => None,
                    };
                    raw.push(RawArgument::Named {
                        name: name.clone(),
                        value,
                    });
                }
                CommandArgument::Value(e) => raw.push(RawArgument::Positional(self.expr(e)?)),
                CommandArgument::Splat { variable, .. } => match self.variable(variable) {
                    Value::Hashtable(entries) => raw.extend(entries.into_iter().map(|(k, v)| {
                        let value = match v {
                            Value::Bool(true) => None,
                            other => Some(other),
                        };
                        RawArgument::Named { name: k, value }
                    })),
                    Value::Null => {}
                    other => {
                        raw.extend(other.into_items().into_iter().map(RawArgument::Positional))
                    }
                },
            }
        }
        Ok((raw, common))
    }

    fn binding_failed(e: CommandError) -> Interrupt {
        Interrupt::Error(Box::new(RuntimeError {
            error: e,
            kind: ErrorKind::StatementTerminating,
            thrown: None,
        }))
    }

    /// Runs one command of a pipeline over its input (`None` when it comes first).
    fn run_command(&mut self, call: &CommandCall, input: Option<Vec<Value>>) -> Flow<Vec<Value>> {
        let command = self.lookup(&call.name)?;
        let (raw, common) = self.raw_arguments(call, command.as_ref())?;
        let explicit_action = common
            .iter()
            .find(|(n, _)| n == "ErrorAction")
            .map(|(_, v)| v.to_text());
        let action = self.error_action(explicit_action.as_deref());
        let mut out = Vec::new();
        let one =
            |session: &mut Session, input: Option<&Value>, out: &mut Vec<Value>| -> Flow<()> {
                let piped = if command.collects_input() {
                    None
                } else {
                    input
                };
                let remaining = command.takes_remaining_arguments();
                let bound = match bind_with(command.info(), &raw, piped, remaining) {
                    // An interactive session asks for missing mandatory parameters.
                    Err(e)
                        if e.error_id == "MissingMandatoryParameter"
                            && !session.options.non_interactive =>
                    {
                        let missing: Vec<String> = e
                            .target
                            .clone()
                            .unwrap_or_default()
                            .split(' ')
                            .map(str::to_string)
                            .collect();
                        let mut raw = raw.clone();
                        raw.extend(session.prompt_for(command.info(), &missing)?);
                        bind_with(command.info(), &raw, piped, remaining)
                    }
                    other => other,
                }
                .map_err(Self::binding_failed)?;
                if command.info().changes_state
                    && !session.should_process(command.info(), &bound, input, &common)?
                {
                    return Ok(());
                }
                match command.invoke(session, &bound, input) {
                    Ok(values) => {
                        out.extend(values.into_iter().flat_map(Value::into_items));
                        Ok(())
                    }
                    Err(Interrupt::Error(e)) => session.command_failed(e, action),
                    Err(other) => Err(other),
                }
            };
        // -Verbose on one command sets $VerbosePreference for that command only.
        let saved_verbose = common.iter().find(|(n, _)| n == "Verbose").map(|(_, on)| {
            let saved = self.variable("VerbosePreference");
            let preference = if on.is_truthy() {
                "Continue"
            } else {
                "SilentlyContinue"
            };
            self.set_variable("VerbosePreference", Value::String(preference.into()));
            saved
        });
        let result = match input {
            None => one(self, None, &mut out),
            Some(items) if command.collects_input() => {
                one(self, Some(&Value::Array(items)), &mut out)
            }
            Some(items) => items
                .iter()
                .try_for_each(|item| one(self, Some(item), &mut out)),
        };
        if let Some(saved) = saved_verbose {
            self.set_variable("VerbosePreference", saved);
        }
        result.map(|()| out)
    }

    pub fn pipeline(&mut self, pipeline: &Pipeline) -> Flow<Vec<Value>> {
        let mut current: Option<Vec<Value>> = None;
        for (i, element) in pipeline.elements.iter().enumerate() {
            current = Some(match element {
                PipelineElement::Expression(e) if i == 0 => self.expr(e)?.into_items(),
                PipelineElement::Expression(_) => {
                    return Err(script_error(
                        "Expressions are only allowed as the first element of a pipeline.",
                    ));
                }
                PipelineElement::Command(call) => self.run_command(call, current.take())?,
            });
        }
        Ok(current.unwrap_or_default())
    }

    /// Runs a script block: `$_` is `input`, `$args` the arguments (or its `param()`s).
    /// `new_scope` false runs it in the caller's scope, as `ForEach-Object` does.
    pub fn invoke_block(
        &mut self,
        block: &ScriptBlock,
        input: Option<Value>,
        args: Vec<Value>,
        new_scope: bool,
    ) -> Flow<Vec<Value>> {
        let saved_input = if new_scope {
            None
        } else {
            Some(self.variable("_"))
        };
        if new_scope {
            self.push_scope();
        }
        if let Some(v) = input {
            self.set_variable("_", v);
        }
        let mut remaining = args.into_iter();
        for p in &block.parameters {
            let value = match remaining.next() {
                Some(v) => v,
                None => match &p.default {
                    Some(e) => self.expr(e)?,
                    None => Value::Null,
                },
            };
            self.set_variable(&p.name, value);
        }
        self.set_variable("args", Value::Array(remaining.collect()));
        let mut out = Vec::new();
        let result = match self.block(&block.body, &mut out) {
            Err(Interrupt::Return(values)) => {
                out.extend(values);
                Ok(())
            }
            other => other,
        };
        if new_scope {
            self.pop_scope();
        }
        if let Some(saved) = saved_input {
            self.set_variable("_", saved);
        }
        result.map(|()| out)
    }

    // ----- expressions ----------------------------------------------------------------

    pub fn expr(&mut self, expr: &Expr) -> Flow<Value> {
        Ok(match expr {
            Expr::String(s) => Value::String(s.clone()),
            Expr::Integer(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Variable(name) => self.variable(name),
            Expr::Expandable(parts) => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        StringPart::Literal(s) => text.push_str(s),
                        StringPart::Variable(name) => text.push_str(&self.variable(name).to_text()),
                        StringPart::SubExpression(script) => {
                            let mut values = Vec::new();
                            self.block(script, &mut values)?;
                            text.push_str(
                                &values
                                    .iter()
                                    .map(Value::to_text)
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            );
                        }
                    }
                }
                Value::String(text)
            }
            Expr::Array(items) => {
                Value::Array(items.iter().map(|e| self.expr(e)).collect::<Flow<_>>()?)
            }
            Expr::ArraySubExpression(script) => {
                let mut values = Vec::new();
                self.block(script, &mut values)?;
                Value::Array(values)
            }
            Expr::SubExpression(script) => {
                let mut values = Vec::new();
                self.block(script, &mut values)?;
                collapse(values)
            }
            Expr::Paren(p) => collapse(self.pipeline(p)?),
            Expr::Hashtable(entries) => {
                let mut out: Vec<(String, Value)> = Vec::new();
                for (k, e) in entries {
                    if out.iter().any(|(x, _)| x.eq_ignore_ascii_case(k)) {
                        return Err(script_error(format!(
                            "Duplicate keys '{k}' are not allowed in hash literals."
                        )));
                    }
                    out.push((k.clone(), self.expr(e)?));
                }
                Value::Hashtable(out)
            }
            Expr::Member { target, name } => match self.expr(target)? {
                Value::Array(items)
                    if !matches!(name.to_ascii_lowercase().as_str(), "count" | "length") =>
                {
                    collapse(items.iter().filter_map(|v| v.property(name)).collect())
                }
                other => other.property(name).unwrap_or(Value::Null),
            },
            Expr::Index { target, index } => {
                let target = self.expr(target)?;
                let index = self.expr(index)?;
                index_value(&target, &index)
            }
            Expr::MethodCall {
                target,
                name,
                arguments,
            } => {
                let target = self.expr(target)?;
                let args: Vec<Value> = arguments
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Flow<_>>()?;
                if let Value::ScriptBlock(b) = &target
                    && name.eq_ignore_ascii_case("Invoke")
                {
                    return Ok(collapse(self.invoke_block(b, None, args, true)?));
                }
                super::methods::call(&target, name, &args).map_err(script_error)?
            }
            Expr::StaticMember { type_name, name } => {
                super::methods::static_member(type_name, name, None).map_err(script_error)?
            }
            Expr::StaticCall {
                type_name,
                name,
                arguments,
            } => {
                let args: Vec<Value> = arguments
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Flow<_>>()?;
                super::methods::static_member(type_name, name, Some(&args)).map_err(script_error)?
            }
            Expr::Binary {
                op: BinaryOp::And,
                left,
                right,
            } => Value::Bool(self.expr(left)?.is_truthy() && self.expr(right)?.is_truthy()),
            Expr::Binary {
                op: BinaryOp::Or,
                left,
                right,
            } => Value::Bool(self.expr(left)?.is_truthy() || self.expr(right)?.is_truthy()),
            Expr::Binary {
                op:
                    op @ BinaryOp::Compare {
                        op: Comparison::Match | Comparison::NotMatch,
                        case_sensitive,
                    },
                left,
                right,
            } => {
                let l = self.expr(left)?;
                let r = self.expr(right)?;
                let negate = matches!(
                    op,
                    BinaryOp::Compare {
                        op: Comparison::NotMatch,
                        ..
                    }
                );
                match &l {
                    Value::Array(_) => operators::binary(*op, l, r).map_err(script_error)?,
                    scalar => {
                        let captures = operators::regex_match(
                            &scalar.to_text(),
                            &r.to_text(),
                            *case_sensitive,
                        )
                        .map_err(script_error)?;
                        let hit = captures.is_some();
                        if let Some(groups) = captures {
                            self.set_variable("Matches", Value::Hashtable(groups));
                        }
                        Value::Bool(hit != negate)
                    }
                }
            }
            Expr::Binary { op, left, right } => {
                let l = self.expr(left)?;
                let r = self.expr(right)?;
                operators::binary(*op, l, r).map_err(script_error)?
            }
            Expr::Unary { op, operand } => {
                let v = self.expr(operand)?;
                match op {
                    UnaryOp::Not => Value::Bool(!v.is_truthy()),
                    UnaryOp::Negate => operators::binary(BinaryOp::Subtract, Value::Int(0), v)
                        .map_err(script_error)?,
                    UnaryOp::Plus => {
                        operators::binary(BinaryOp::Add, Value::Int(0), v).map_err(script_error)?
                    }
                    UnaryOp::Split => Value::Array(
                        v.to_text()
                            .split_whitespace()
                            .map(|s| Value::String(s.to_string()))
                            .collect(),
                    ),
                    UnaryOp::Join => {
                        Value::String(v.into_items_keep().iter().map(Value::to_text).collect())
                    }
                }
            }
            Expr::ScriptBlock(b) => Value::ScriptBlock(b.clone()),
            Expr::Cast { type_name, operand } => {
                let v = self.expr(operand)?;
                operators::cast(type_name, v).map_err(script_error)?
            }
            Expr::TypeLiteral(t) => Value::String(t.clone()),
        })
    }
}

/// `target[index]`: arrays (negative from the end, several indices), hashtables, strings.
fn index_value(target: &Value, index: &Value) -> Value {
    match (target, index) {
        (Value::Array(_), Value::Array(indices)) => Value::Array(
            indices
                .iter()
                .map(|i| index_value(target, i))
                .filter(|v| !matches!(v, Value::Null))
                .collect(),
        ),
        (Value::Array(items), i) => match operators::to_number(i) {
            Some(n) => {
                let i = match n {
                    operators::Number::Int(i) => i,
                    operators::Number::Float(f) => f as i64,
                };
                let len = items.len() as i64;
                let at = if i < 0 { len + i } else { i };
                usize::try_from(at)
                    .ok()
                    .and_then(|a| items.get(a).cloned())
                    .unwrap_or(Value::Null)
            }
            None => Value::Null,
        },
        (Value::Hashtable(_), key) => target.property(&key.to_text()).unwrap_or(Value::Null),
        (Value::String(s), i) => match operators::to_number(i) {
            Some(operators::Number::Int(i)) => {
                let chars: Vec<char> = s.chars().collect();
                let at = if i < 0 { chars.len() as i64 + i } else { i };
                usize::try_from(at)
                    .ok()
                    .and_then(|a| chars.get(a))
                    .map(|c| Value::String(c.to_string()))
                    .unwrap_or(Value::Null)
            }
            _ => Value::Null,
        },
        (Value::Null, _) => Value::Null,
        (other, Value::Int(0)) => other.clone(),
        (other, key) => other.property(&key.to_text()).unwrap_or(Value::Null),
    }
}

/// A pipeline's output as one value: nothing → $null, one → itself, more → an array.
pub fn collapse(mut values: Vec<Value>) -> Value {
    match values.len() {
        0 => Value::Null,
        1 => values.remove(0),
        _ => Value::Array(values),
    }
}
