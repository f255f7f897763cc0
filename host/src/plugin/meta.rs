//! A component's cmdlet metadata (WIT records) as the shell's plain metadata types.

use super::wit;
use certhost_cmdlet_meta as meta;

fn parameter_type(t: wit::ParameterType) -> meta::ParameterType {
    match t {
        wit::ParameterType::Switch => meta::ParameterType::Switch,
        wit::ParameterType::Text => meta::ParameterType::Text,
        wit::ParameterType::TextList => meta::ParameterType::TextList,
        wit::ParameterType::Integer => meta::ParameterType::Integer,
        wit::ParameterType::Datetime => meta::ParameterType::Datetime,
        wit::ParameterType::SecureText => meta::ParameterType::SecureText,
        wit::ParameterType::Certificate => meta::ParameterType::Certificate,
    }
}

fn parameter(p: wit::ParameterInfo) -> meta::ParameterInfo {
    meta::ParameterInfo {
        name: p.name,
        aliases: p.aliases,
        type_: parameter_type(p.type_),
        sets: p
            .sets
            .into_iter()
            .map(|m| meta::ParameterSetMembership {
                set_name: m.set_name,
                mandatory: m.mandatory,
                position: m.position,
                from_pipeline: m.from_pipeline,
                from_pipeline_by_property_name: m.from_pipeline_by_property_name,
            })
            .collect(),
        help: p.help,
        accepted_values: p.accepted_values,
    }
}

/// The shell's view of a component cmdlet's metadata.
pub fn cmdlet_info(info: wit::CmdletInfo) -> meta::CmdletInfo {
    meta::CmdletInfo {
        name: info.name,
        aliases: info.aliases,
        synopsis: info.synopsis,
        description: info.description,
        parameters: info.parameters.into_iter().map(parameter).collect(),
        default_parameter_set: info.default_parameter_set,
        examples: info
            .examples
            .into_iter()
            .map(|e| meta::Example {
                title: e.title,
                code: e.code,
                remarks: e.remarks,
                output: None,
                needs_console: false,
                needs_server: false,
            })
            .collect(),
        output_type: info.output_type,
        changes_state: info.changes_state,
    }
}
