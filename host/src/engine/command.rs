//! What a command is to the engine: metadata (the signature is data, shared by host
//! built-ins and component cmdlets) and an invoke function.

use super::binder::BoundArguments;
use super::session::{Interrupt, Session};
use super::value::Value;
pub use certhost_cmdlet_meta::{
    ALL_SETS, CmdletExt, CmdletInfo, Example, ParamExt, ParameterInfo, ParameterSetMembership,
    ParameterType, console_example, example, example_with_output, param, server_example, type_name,
};

/// A command's failure, shown as `Command-Name: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError {
    /// The command that failed (empty for errors outside any command).
    pub command: String,
    pub category: String,
    /// PowerShell's FullyQualifiedErrorId.
    pub error_id: String,
    pub message: String,
    pub target: Option<String>,
}

impl CommandError {
    pub fn new(command: &str, category: &str, error_id: &str, message: impl Into<String>) -> Self {
        CommandError {
            command: command.into(),
            category: category.into(),
            error_id: error_id.into(),
            message: message.into(),
            target: None,
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.command.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.command, self.message)
        }
    }
}

/// The block a command amounts to for its arguments (see [`Command::script_stage`]).
pub type ScriptStage = fn(&BoundArguments) -> Option<crate::lang::ast::ScriptBlock>;

/// What a command returns: its output, or why it stopped (a `CommandError` converts
/// into a non-terminating error with `?`).
pub type CommandResult = Result<Vec<Value>, Interrupt>;

/// A command the session can run.
pub trait Command {
    fn info(&self) -> &CmdletInfo;
    /// Runs once: without input for the first element of a pipeline, else per input
    /// object (or once with all input as an array, see [`Command::collects_input`]).
    fn invoke(
        &self,
        session: &mut Session,
        args: &BoundArguments,
        input: Option<&Value>,
    ) -> CommandResult;
    /// What a real run checks before it acts, run under `-WhatIf` before the operation is
    /// described: a dry run fails where the real run would (a target that does not exist
    /// or may not be changed). Most commands check nothing here.
    fn check_what_if(
        &self,
        _session: &mut Session,
        _args: &BoundArguments,
        _input: Option<&Value>,
    ) -> Result<(), Interrupt> {
        Ok(())
    }
    /// Whether the command needs its whole input at once (`Sort-Object`, `Measure-Object`).
    fn collects_input(&self) -> bool {
        false
    }
    /// Whether extra positional arguments go to `$args` instead of being an error.
    fn takes_remaining_arguments(&self) -> bool {
        false
    }
    /// The imported module the command comes from (`None`: certhost's own).
    fn module(&self) -> Option<&str> {
        None
    }
    /// Whether the command has work before its first and after its last input object
    /// ([`Command::begin`], [`Command::end`]).
    fn has_begin_end(&self) -> bool {
        false
    }
    /// Runs once before the first input object (`ForEach-Object -Begin`).
    fn begin(&self, _session: &mut Session, _args: &BoundArguments) -> CommandResult {
        Ok(Vec::new())
    }
    /// Runs once after the last input object (`ForEach-Object -End`).
    fn end(&self, _session: &mut Session, _args: &BoundArguments) -> CommandResult {
        Ok(Vec::new())
    }
    /// For a command that only runs script blocks in the caller's scope
    /// (`ForEach-Object`): the one block it amounts to for these arguments, which the
    /// pipeline runs itself so that its output streams.
    fn script_stage(&self) -> Option<ScriptStage> {
        None
    }
    /// A script file's path (`$PSScriptRoot`; its `exit` ends only the script).
    fn script_path(&self) -> Option<&std::path::Path> {
        None
    }
    /// An executable: its arguments are words (`-in` is not a parameter name).
    fn is_native(&self) -> bool {
        false
    }
    /// A function's or script's block: the pipeline runs its begin/process/end itself.
    fn script_block(&self) -> Option<std::rc::Rc<crate::lang::ast::ScriptBlock>> {
        None
    }
}

/// The objects a command received: the pipeline input (all of it, for a collecting
/// command), else the value of the parameter `name`, arrays enumerated.
pub fn input_items(args: &BoundArguments, input: Option<&Value>, name: &str) -> Vec<Value> {
    match input {
        Some(v) => v.clone().into_items(),
        None => args
            .get(name)
            .cloned()
            .map(Value::into_items)
            .unwrap_or_default(),
    }
}

/// Metadata of a command with one parameter set.
pub fn command_info(
    name: &str,
    aliases: &[&str],
    synopsis: &str,
    description: &str,
    parameters: Vec<ParameterInfo>,
    output_type: &str,
) -> CmdletInfo {
    CmdletInfo {
        name: name.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        synopsis: synopsis.into(),
        description: description.into(),
        parameters,
        default_parameter_set: ALL_SETS.into(),
        examples: Vec::new(),
        output_type: output_type.into(),
        changes_state: false,
    }
}
