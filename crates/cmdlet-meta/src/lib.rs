//! Cmdlet metadata as plain data: what the shell binds parameters from and documents
//! commands with, for host built-ins and component cmdlets alike (the component's WIT
//! records convert into these at the boundary). One builder vocabulary ([`cmdlet`],
//! [`param`], [`ParamExt`]) and [`check`], the rules every command follows, run as a
//! meta-test over the whole command table.

#![forbid(unsafe_code)]

mod check;

pub use check::{MetaError, check, check_all};

/// The parameter set every parameter of a simple command belongs to.
pub const ALL_SETS: &str = "__AllParameterSets";

/// The type a parameter takes; the shell converts arguments to it before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterType {
    /// Present or `-Name:$false`.
    Switch,
    Text,
    TextList,
    Integer,
    /// A date and time (given as text or a date object).
    Datetime,
    /// A password (SecureString or plain text).
    SecureText,
    /// A certificate object.
    Certificate,
    /// Any value, passed as it is (host built-ins only; not in the WIT contract).
    Any,
}

/// A parameter's role in one parameter set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterSetMembership {
    /// Parameter set name; [`ALL_SETS`] for all.
    pub set_name: String,
    pub mandatory: bool,
    /// Position for positional binding, when it has one.
    pub position: Option<u32>,
    /// Binds a pipeline object of its type by value.
    pub from_pipeline: bool,
    /// Binds the property of the same name (or alias) of a pipeline object.
    pub from_pipeline_by_property_name: bool,
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterInfo {
    pub name: String,
    pub aliases: Vec<String>,
    pub type_: ParameterType,
    pub sets: Vec<ParameterSetMembership>,
    /// One line of help.
    pub help: String,
    /// Accepted values (case-insensitive), when the set is closed.
    pub accepted_values: Vec<String>,
}

/// One example: the code, what it shows, and (optionally) the output it prints.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Example {
    pub title: String,
    pub code: String,
    pub remarks: String,
    /// The exact output, when the example declares it (compared by the meta-test).
    pub output: Option<String>,
    /// It asks at the console (`Read-Host`), so it runs only in a terminal.
    pub needs_console: bool,
    /// It talks to a running `certhost serve` at `https://backup01:9419`, so it runs
    /// only against one (the server's tests run it with that address replaced).
    pub needs_server: bool,
}

/// Everything the shell needs to call and document a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdletInfo {
    /// `Verb-Noun` (or a native command's name, such as `netsh`).
    pub name: String,
    pub aliases: Vec<String>,
    pub synopsis: String,
    pub description: String,
    pub parameters: Vec<ParameterInfo>,
    /// Parameter set used when the arguments fit several.
    pub default_parameter_set: String,
    pub examples: Vec<Example>,
    /// Name of the output type, for `Get-Command` / `Get-Help`.
    pub output_type: String,
    /// The command changes state: it gets `-WhatIf` and `-Confirm`.
    pub changes_state: bool,
}

/// A parameter in all parameter sets, optional, not positional, not from the pipeline.
pub fn param(name: &str, ty: ParameterType, help: &str) -> ParameterInfo {
    ParameterInfo {
        name: name.into(),
        aliases: Vec::new(),
        type_: ty,
        sets: vec![ParameterSetMembership {
            set_name: ALL_SETS.into(),
            mandatory: false,
            position: None,
            from_pipeline: false,
            from_pipeline_by_property_name: false,
        }],
        help: help.into(),
        accepted_values: Vec::new(),
    }
}

/// Chained adjustments of a parameter (applied to each of its sets).
pub trait ParamExt {
    fn mandatory(self) -> Self;
    fn position(self, n: u32) -> Self;
    fn takes_pipeline_input(self) -> Self;
    fn by_property_name(self) -> Self;
    fn aliases(self, names: &[&str]) -> Self;
    fn values(self, names: &[&str]) -> Self;
    /// Puts the parameter in these named sets (`(set, mandatory)`) instead of all sets,
    /// keeping its position and pipeline flags.
    fn in_sets(self, sets: &[(&str, bool)]) -> Self;
}

impl ParamExt for ParameterInfo {
    fn mandatory(mut self) -> Self {
        self.sets.iter_mut().for_each(|s| s.mandatory = true);
        self
    }
    fn position(mut self, n: u32) -> Self {
        self.sets.iter_mut().for_each(|s| s.position = Some(n));
        self
    }
    fn takes_pipeline_input(mut self) -> Self {
        self.sets.iter_mut().for_each(|s| s.from_pipeline = true);
        self
    }
    fn by_property_name(mut self) -> Self {
        self.sets
            .iter_mut()
            .for_each(|s| s.from_pipeline_by_property_name = true);
        self
    }
    fn aliases(mut self, names: &[&str]) -> Self {
        self.aliases = names.iter().map(|s| s.to_string()).collect();
        self
    }
    fn values(mut self, names: &[&str]) -> Self {
        self.accepted_values = names.iter().map(|s| s.to_string()).collect();
        self
    }
    fn in_sets(self, sets: &[(&str, bool)]) -> Self {
        let template = self
            .sets
            .first()
            .cloned()
            .unwrap_or(ParameterSetMembership {
                set_name: ALL_SETS.into(),
                mandatory: false,
                position: None,
                from_pipeline: false,
                from_pipeline_by_property_name: false,
            });
        ParameterInfo {
            sets: sets
                .iter()
                .map(|(name, mandatory)| ParameterSetMembership {
                    set_name: name.to_string(),
                    mandatory: *mandatory,
                    ..template.clone()
                })
                .collect(),
            ..self
        }
    }
}

/// An example without declared output.
pub fn example(title: &str, code: &str, remarks: &str) -> Example {
    Example {
        title: title.into(),
        code: code.into(),
        remarks: remarks.into(),
        output: None,
        needs_console: false,
        needs_server: false,
    }
}

/// An example that calls a running `certhost serve` at `https://backup01:9419`.
pub fn server_example(title: &str, code: &str, remarks: &str) -> Example {
    Example {
        needs_server: true,
        ..example(title, code, remarks)
    }
}

/// An example that asks at the console, so it runs only in a terminal.
pub fn console_example(title: &str, code: &str, remarks: &str) -> Example {
    Example {
        needs_console: true,
        ..example(title, code, remarks)
    }
}

/// An example whose exact output the meta-test compares.
pub fn example_with_output(title: &str, code: &str, remarks: &str, output: &str) -> Example {
    Example {
        output: Some(output.into()),
        ..example(title, code, remarks)
    }
}

/// A command with one parameter set.
pub fn cmdlet(
    name: &str,
    synopsis: &str,
    description: &str,
    parameters: Vec<ParameterInfo>,
    examples: Vec<Example>,
    output_type: &str,
) -> CmdletInfo {
    CmdletInfo {
        name: name.into(),
        aliases: Vec::new(),
        synopsis: synopsis.into(),
        description: description.into(),
        parameters,
        default_parameter_set: ALL_SETS.into(),
        examples,
        output_type: output_type.into(),
        changes_state: false,
    }
}

/// Chained adjustments of a command's metadata.
pub trait CmdletExt {
    /// The command changes state (it gets -WhatIf and -Confirm).
    fn changes_state(self) -> Self;
    /// The parameter set used when the arguments fit several.
    fn default_set(self, set: &str) -> Self;
    /// Other names (the originals' names, short aliases).
    fn aliased(self, aliases: &[&str]) -> Self;
    /// Its examples.
    fn examples(self, examples: Vec<Example>) -> Self;
}

impl CmdletExt for CmdletInfo {
    fn changes_state(mut self) -> Self {
        self.changes_state = true;
        self
    }
    fn default_set(mut self, set: &str) -> Self {
        self.default_parameter_set = set.into();
        self
    }
    fn aliased(mut self, aliases: &[&str]) -> Self {
        self.aliases = aliases.iter().map(|s| s.to_string()).collect();
        self
    }
    fn examples(mut self, examples: Vec<Example>) -> Self {
        self.examples = examples;
        self
    }
}

/// PowerShell's .NET name of a parameter type, for messages and help.
pub fn type_name(ty: ParameterType) -> &'static str {
    match ty {
        ParameterType::Switch => "System.Management.Automation.SwitchParameter",
        ParameterType::Text => "System.String",
        ParameterType::TextList => "System.String[]",
        ParameterType::Integer => "System.Int32",
        ParameterType::Datetime => "System.DateTime",
        ParameterType::SecureText => "System.Security.SecureString",
        ParameterType::Certificate => {
            "System.Security.Cryptography.X509Certificates.X509Certificate2"
        }
        ParameterType::Any => "System.Object",
    }
}
