//! Builders for cmdlet metadata, so each cmdlet file reads like its help page.

use crate::bindings::exports::certhost::plugin::cmdlets::{
    CmdletInfo, Example, ParameterInfo, ParameterSetMembership, ParameterType,
};

pub const ALL_SETS: &str = "__AllParameterSets";

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
    fn in_sets(mut self, sets: &[(&str, bool)]) -> Self {
        // Invariant: `param` creates every parameter with one membership.
        let template = self.sets[0].clone();
        self.sets = sets
            .iter()
            .map(|(name, mandatory)| ParameterSetMembership {
                set_name: name.to_string(),
                mandatory: *mandatory,
                ..template.clone()
            })
            .collect();
        self
    }
}

pub fn example(title: &str, code: &str, remarks: &str) -> Example {
    Example {
        title: title.into(),
        code: code.into(),
        remarks: remarks.into(),
    }
}

/// A cmdlet with one parameter set.
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

/// Marks a cmdlet as changing state (it gets -WhatIf and -Confirm).
pub fn changes_state(mut info: CmdletInfo) -> CmdletInfo {
    info.changes_state = true;
    info
}

/// Sets the parameter set used when the arguments fit several.
pub fn default_set(mut info: CmdletInfo, set: &str) -> CmdletInfo {
    info.default_parameter_set = set.into();
    info
}

/// Adds aliases (the originals' names) to a cmdlet.
pub fn aliased(mut info: CmdletInfo, aliases: &[&str]) -> CmdletInfo {
    info.aliases = aliases.iter().map(|s| s.to_string()).collect();
    info
}
