//! The session: variables, the command table, and evaluation of scripts.

use super::binder::{RawArgument, bind};
use super::command::{Command, CommandError};
use super::component::ComponentCommand;
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

/// How the session was started.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionOptions {
    /// `-NonInteractive`: never prompt.
    pub non_interactive: bool,
    /// Errors in red (a terminal).
    pub color: bool,
}

pub struct Session {
    variables: HashMap<String, Value>,
    commands: HashMap<String, Rc<dyn Command>>,
    host: Rc<HostContext>,
    pub options: SessionOptions,
    /// `$?`: whether the last statement succeeded.
    pub last_success: bool,
    errors: Box<dyn Write>,
}

/// An error that stops the current statement.
type Flow<T> = Result<T, CommandError>;

impl Session {
    /// A session with the host's built-ins and the certificate component's cmdlets.
    pub fn new(
        host: HostContext,
        options: SessionOptions,
        errors: Box<dyn Write>,
    ) -> Result<Self, PluginError> {
        let host = Rc::new(host);
        let mut session = Session {
            variables: HashMap::new(),
            commands: HashMap::new(),
            host: host.clone(),
            options,
            last_success: true,
            errors,
        };
        for command in crate::builtins::all() {
            session.register(command);
        }
        session.import_plugin(host.certificate_plugin.clone())?;
        Ok(session)
    }

    /// Registers a component's cmdlets.
    pub fn import_plugin(&mut self, plugin: Rc<Plugin>) -> Result<Vec<String>, PluginError> {
        let infos = self
            .host
            .runtime
            .list_cmdlets(&plugin, &self.host.services)?;
        let names = infos.iter().map(|i| i.name.clone()).collect();
        for info in infos {
            self.register(Rc::new(ComponentCommand {
                info,
                plugin: plugin.clone(),
            }));
        }
        Ok(names)
    }

    fn register(&mut self, command: Rc<dyn Command>) {
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
    pub fn command_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .commands
            .values()
            .map(|c| c.info().name.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub fn set_variable(&mut self, name: &str, value: Value) {
        self.variables.insert(name.to_ascii_lowercase(), value);
    }

    pub fn variable(&self, name: &str) -> Value {
        match name.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            "?" => Value::Bool(self.last_success),
            lower => {
                if let Some(env) = lower.strip_prefix("env:") {
                    return std::env::var(env).map(Value::String).unwrap_or(Value::Null);
                }
                self.variables.get(lower).cloned().unwrap_or(Value::Null)
            }
        }
    }

    /// Runs a script, sending its output to `out`. Errors are reported and the script
    /// goes on with the next statement, as PowerShell does with non-terminating errors.
    pub fn run(&mut self, script: &Script, out: &mut Formatter) {
        for statement in &script.statements {
            match self.statement(statement) {
                Ok(values) => {
                    self.last_success = true;
                    for v in values {
                        out.write(&v);
                    }
                }
                Err(e) => {
                    out.flush_table();
                    self.report(&e);
                    self.last_success = false;
                }
            }
        }
    }

    /// Prints an error as `Command-Name: message` (red on a terminal).
    pub fn report(&mut self, e: &CommandError) {
        let text = e.to_string();
        let _ = if self.options.color {
            writeln!(self.errors, "\x1b[31;1m{text}\x1b[0m")
        } else {
            writeln!(self.errors, "{text}")
        };
    }

    fn statement(&mut self, statement: &Statement) -> Flow<Vec<Value>> {
        match statement {
            Statement::Pipeline(p) => self.pipeline(p),
            Statement::Assignment {
                variable, value, ..
            } => {
                let values = self.pipeline(value)?;
                self.set_variable(variable, collapse(values));
                Ok(Vec::new())
            }
        }
    }

    fn script_values(&mut self, script: &Script) -> Flow<Vec<Value>> {
        let mut out = Vec::new();
        for s in &script.statements {
            out.extend(self.statement(s)?);
        }
        Ok(out)
    }

    fn lookup(&self, name: &str) -> Flow<Rc<dyn Command>> {
        self.commands.get(&name.to_ascii_lowercase()).cloned().ok_or_else(|| {
            CommandError::new(
                name,
                "ObjectNotFound",
                "CommandNotFoundException",
                format!("The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program.\nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again."),
            )
        })
    }

    fn raw_arguments(&mut self, call: &CommandCall) -> Flow<Vec<RawArgument>> {
        let mut raw = Vec::new();
        for arg in &call.arguments {
            match arg {
                CommandArgument::Parameter { name, value, .. } => {
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
        Ok(raw)
    }

    fn pipeline(&mut self, pipeline: &Pipeline) -> Flow<Vec<Value>> {
        let mut current: Vec<Value> = Vec::new();
        for (i, element) in pipeline.elements.iter().enumerate() {
            current = match element {
                PipelineElement::Expression(e) if i == 0 => self.expr(e)?.into_items(),
                PipelineElement::Expression(_) => {
                    return Err(CommandError::new(
                        "",
                        "ParserError",
                        "ExpressionsMustBeFirstInPipeline",
                        "Expressions are only allowed as the first element of a pipeline.",
                    ));
                }
                PipelineElement::Command(call) => {
                    let command = self.lookup(&call.name)?;
                    let raw = self.raw_arguments(call)?;
                    let mut out = Vec::new();
                    if i == 0 {
                        let bound = bind(command.info(), &raw, None)?;
                        out.extend(command.invoke(self, &bound, None)?);
                    } else {
                        for input in &current {
                            let bound = bind(command.info(), &raw, Some(input))?;
                            out.extend(command.invoke(self, &bound, Some(input))?);
                        }
                    }
                    out.into_iter().flat_map(Value::into_items).collect()
                }
            };
        }
        Ok(current)
    }

    fn expr(&mut self, expr: &Expr) -> Flow<Value> {
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
                            let values = self.script_values(script)?;
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
            Expr::ArraySubExpression(script) => Value::Array(self.script_values(script)?),
            Expr::SubExpression(script) => collapse(self.script_values(script)?),
            Expr::Paren(p) => collapse(self.pipeline(p)?),
            Expr::Hashtable(entries) => {
                let mut out = Vec::new();
                for (k, e) in entries {
                    out.push((k.clone(), self.expr(e)?));
                }
                Value::Hashtable(out)
            }
            Expr::Member { target, name } => match self.expr(target)? {
                Value::Array(items)
                    if !name.eq_ignore_ascii_case("Count")
                        && !name.eq_ignore_ascii_case("Length") =>
                {
                    collapse(items.iter().filter_map(|v| v.property(name)).collect())
                }
                other => other.property(name).unwrap_or(Value::Null),
            },
            Expr::Index { target, index } => {
                let target = self.expr(target)?;
                let index = self.expr(index)?;
                match (target, index) {
                    (Value::Array(items), Value::Int(i)) => {
                        let len = items.len() as i64;
                        let at = if i < 0 { len + i } else { i };
                        usize::try_from(at)
                            .ok()
                            .and_then(|a| items.get(a).cloned())
                            .unwrap_or(Value::Null)
                    }
                    (t @ Value::Hashtable(_), key) => {
                        t.property(&key.to_text()).unwrap_or(Value::Null)
                    }
                    (other, Value::Int(0)) => other,
                    _ => Value::Null,
                }
            }
            Expr::MethodCall { name, .. } => {
                return Err(CommandError::new(
                    "",
                    "NotImplemented",
                    "MethodNotSupported",
                    format!(
                        "Method invocation is not supported yet: .{name}(). Use cmdlet parameters instead."
                    ),
                ));
            }
        })
    }
}

/// A pipeline's output as one value: nothing → $null, one → itself, more → an array.
fn collapse(mut values: Vec<Value>) -> Value {
    match values.len() {
        0 => Value::Null,
        1 => values.remove(0),
        _ => Value::Array(values),
    }
}
