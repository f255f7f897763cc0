//! `-ErrorVariable`, `-WarningVariable`, `-InformationVariable` and `-OutVariable`: the
//! records a command writes, kept in a variable as well (`+name` adds to what the
//! variable holds). Errors, warnings and information records include those of nested
//! commands; while a later stage of the same pipeline runs, an earlier stage's variables
//! take nothing of it.

use super::{CommonParameters, Flow, Session, script_error};
use crate::engine::{Value, operators};
use std::ops::Range;

/// Which records a capture keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CapturedStream {
    Output,
    Error,
    Warning,
    Information,
}

/// One `-...Variable` of a running command.
pub(super) struct Capture {
    stream: CapturedStream,
    variable: String,
    values: Vec<Value>,
    /// Non-zero while a later stage of the command's pipeline runs.
    suspended: u32,
}

/// The common parameters that capture, and what each keeps.
const CAPTURING: &[(&str, CapturedStream)] = &[
    ("OutVariable", CapturedStream::Output),
    ("ErrorVariable", CapturedStream::Error),
    ("WarningVariable", CapturedStream::Warning),
    ("InformationVariable", CapturedStream::Information),
];

impl Session {
    /// Starts the captures a command's common parameters ask for; returns where they
    /// are kept. With `+name` the variable's items come first.
    pub(super) fn open_captures(&mut self, common: &CommonParameters) -> Flow<Range<usize>> {
        let start = self.captures.len();
        for (parameter, stream) in CAPTURING {
            let Some((_, value)) = common.iter().find(|(n, _)| n == parameter) else {
                continue;
            };
            let text = value.to_text();
            let (append, name) = match text.strip_prefix('+') {
                Some(rest) => (true, rest.trim()),
                None => (false, text.trim()),
            };
            let name = name.strip_prefix('$').unwrap_or(name);
            if name.is_empty() {
                self.captures.truncate(start);
                return Err(script_error(format!(
                    "-{parameter} needs the name of a variable (without `$`; `+name` adds to it), not '{text}'."
                )));
            }
            // (The variable is written when the command ends: until then it keeps its
            // value, which the pipeline's input may still be reading.)
            let values = if append {
                match self.variable(name) {
                    Value::Null => Vec::new(),
                    existing => existing.unlisted().into_items_keep(),
                }
            } else {
                Vec::new()
            };
            self.captures.push(Capture {
                stream: *stream,
                variable: name.to_string(),
                values,
                suspended: 0,
            });
        }
        Ok(start..self.captures.len())
    }

    /// The capture of a command's output among `range`, if it has one.
    pub(super) fn output_capture(&self, range: &Range<usize>) -> Option<usize> {
        range
            .clone()
            .find(|&i| self.captures[i].stream == CapturedStream::Output)
    }

    /// Keeps an object a command sent on in its `-OutVariable`.
    pub(super) fn capture_output(&mut self, index: usize, value: &Value) {
        self.captures[index].values.push(value.clone());
    }

    /// Keeps a record in every running capture of its stream.
    pub(crate) fn capture(&mut self, stream: CapturedStream, record: &Value) {
        for capture in &mut self.captures {
            if capture.stream == stream && capture.suspended == 0 {
                capture.values.push(record.clone());
            }
        }
    }

    /// Keeps the error that ended a pipeline in its commands' `-ErrorVariable`s (it is
    /// recorded in `$Error` only where it is handled, after they closed).
    pub(super) fn capture_terminating(&mut self, from: usize, record: &Value) {
        for capture in &mut self.captures[from..] {
            if capture.stream == CapturedStream::Error {
                capture.values.push(record.clone());
            }
        }
    }

    /// Pauses (or resumes) the captures in `range` while a later stage runs.
    pub(super) fn suspend_captures(&mut self, range: Range<usize>, suspend: bool) {
        for capture in &mut self.captures[range] {
            if suspend {
                capture.suspended += 1;
            } else {
                capture.suspended = capture.suspended.saturating_sub(1);
            }
        }
    }

    /// Ends the captures from `from` on: each variable gets what its command wrote.
    pub(super) fn close_captures(&mut self, from: usize) {
        if from >= self.captures.len() {
            return;
        }
        for capture in self.captures.split_off(from) {
            self.set_variable(&capture.variable, array_list(capture.values));
        }
    }
}

/// The variables hold an ArrayList, as in PowerShell.
fn array_list(values: Vec<Value>) -> Value {
    // An ArrayList takes any item: there is no element type to convert to.
    operators::new_list(true, None, Value::Array(values)).unwrap_or(Value::Null)
}
