//! How errors travel: how far an error reaches, and everything that leaves a statement
//! early.

use super::command::CommandError;
use super::value::Value;

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
    /// `break` (with its label, if any).
    Break(Option<String>),
    /// `continue` (with its label, if any).
    Continue(Option<String>),
    Return(Vec<Value>),
    Exit(i32),
    /// Ctrl+C: the running pipeline stops; `finally` blocks run on the way out.
    Stopped,
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
