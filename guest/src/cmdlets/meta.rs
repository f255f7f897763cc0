//! Cmdlet metadata: `certhost-cmdlet-meta`'s vocabulary (the same the host's built-ins
//! use), a few wrappers so each cmdlet file reads like its help page, and the
//! conversion to the WIT records `list-cmdlets` returns.

use crate::bindings::exports::certhost::plugin::cmdlets as wit;
use certhost_cmdlet_meta::CmdletExt;
pub use certhost_cmdlet_meta::{
    CmdletInfo, ParamExt, ParameterInfo, ParameterType, cmdlet, example, param,
};

/// Marks a cmdlet as changing state (it gets -WhatIf and -Confirm).
pub fn changes_state(info: CmdletInfo) -> CmdletInfo {
    info.changes_state()
}

/// Sets the parameter set used when the arguments fit several.
pub fn default_set(info: CmdletInfo, set: &str) -> CmdletInfo {
    info.default_set(set)
}

/// Adds aliases (the originals' names) to a cmdlet.
pub fn aliased(info: CmdletInfo, aliases: &[&str]) -> CmdletInfo {
    info.aliased(aliases)
}

fn parameter_type(t: ParameterType) -> wit::ParameterType {
    match t {
        ParameterType::Switch => wit::ParameterType::Switch,
        ParameterType::Text => wit::ParameterType::Text,
        ParameterType::TextList => wit::ParameterType::TextList,
        ParameterType::Integer => wit::ParameterType::Integer,
        ParameterType::Datetime => wit::ParameterType::Datetime,
        ParameterType::SecureText => wit::ParameterType::SecureText,
        ParameterType::Certificate => wit::ParameterType::Certificate,
        // `Any` is for the host's built-ins; no cmdlet here declares it (a unit test
        // checks), and text is what a component would receive for it.
        ParameterType::Any => wit::ParameterType::Text,
    }
}

/// The metadata as the WIT record.
pub fn to_wit(info: CmdletInfo) -> wit::CmdletInfo {
    wit::CmdletInfo {
        name: info.name,
        aliases: info.aliases,
        synopsis: info.synopsis,
        description: info.description,
        parameters: info
            .parameters
            .into_iter()
            .map(|p| wit::ParameterInfo {
                name: p.name,
                aliases: p.aliases,
                type_: parameter_type(p.type_),
                sets: p
                    .sets
                    .into_iter()
                    .map(|m| wit::ParameterSetMembership {
                        set_name: m.set_name,
                        mandatory: m.mandatory,
                        position: m.position,
                        from_pipeline: m.from_pipeline,
                        from_pipeline_by_property_name: m.from_pipeline_by_property_name,
                    })
                    .collect(),
                help: p.help,
                accepted_values: p.accepted_values,
            })
            .collect(),
        default_parameter_set: info.default_parameter_set,
        examples: info
            .examples
            .into_iter()
            .map(|e| wit::Example {
                title: e.title,
                code: e.code,
                remarks: e.remarks,
            })
            .collect(),
        output_type: info.output_type,
        changes_state: info.changes_state,
    }
}
