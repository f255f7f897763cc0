//! Functions defined in scripts: their `param()` becomes cmdlet metadata, so they bind
//! parameters exactly as cmdlets do.

use super::binder::BoundArguments;
use super::command::{
    ALL_SETS, CmdletInfo, Command, CommandResult, ParameterInfo, ParameterSetMembership,
    ParameterType,
};
use super::session::Session;
use super::value::Value;
use crate::lang::ast::ScriptBlock;
use std::rc::Rc;

pub struct FunctionCommand {
    info: CmdletInfo,
    block: Rc<ScriptBlock>,
}

fn parameter_type(type_name: Option<&str>) -> ParameterType {
    match type_name.map(|t| t.trim_start_matches("system.")) {
        Some("switch" | "switchparameter") => ParameterType::Switch,
        Some("string") => ParameterType::Text,
        Some("string[]") => ParameterType::TextList,
        Some("int" | "int32" | "int64" | "long") => ParameterType::Integer,
        Some("datetime") => ParameterType::Datetime,
        Some("securestring") => ParameterType::SecureText,
        Some(t) if t.contains("x509certificate2") => ParameterType::Certificate,
        _ => ParameterType::Any,
    }
}

impl FunctionCommand {
    pub fn new(name: &str, block: Rc<ScriptBlock>) -> Self {
        let mut next_position = 0;
        let parameters = block
            .parameters
            .iter()
            .map(|p| {
                let ty = parameter_type(p.type_name.as_deref());
                // A simple function binds positionally in declaration order (switches
                // excepted); an advanced one only where `Position` says.
                let position = match p.position {
                    Some(pos) => Some(pos),
                    None if ty == ParameterType::Switch || p.from_remaining => None,
                    None if block.cmdlet_binding
                        && block.parameters.iter().any(|q| q.position.is_some()) =>
                    {
                        None
                    }
                    None => {
                        next_position += 1;
                        Some(next_position - 1 + 1000)
                    }
                };
                let sets = if p.parameter_sets.is_empty() {
                    vec![ALL_SETS.to_string()]
                } else {
                    p.parameter_sets.clone()
                };
                ParameterInfo {
                    name: p.name.clone(),
                    aliases: p.aliases.clone(),
                    type_: ty,
                    sets: sets
                        .into_iter()
                        .map(|set_name| ParameterSetMembership {
                            set_name,
                            mandatory: p.mandatory,
                            position,
                            from_pipeline: p.from_pipeline,
                            from_pipeline_by_property_name: p.from_pipeline_by_property_name,
                        })
                        .collect(),
                    help: String::new(),
                    accepted_values: p.accepted_values.clone(),
                }
            })
            .collect();
        let mut info = super::command::command_info(
            name,
            &[],
            "A function defined in the script.",
            "",
            parameters,
            "Object",
        );
        if let Some(set) = &block.default_parameter_set {
            info.default_parameter_set = set.clone();
        }
        FunctionCommand { info, block }
    }
}

impl Command for FunctionCommand {
    fn info(&self) -> &CmdletInfo {
        &self.info
    }

    fn takes_remaining_arguments(&self) -> bool {
        true
    }

    fn script_block(&self) -> Option<Rc<ScriptBlock>> {
        Some(self.block.clone())
    }

    /// Outside a pipeline (a direct call): the whole block once, with `input` as `$_`.
    fn invoke(
        &self,
        session: &mut Session,
        args: &BoundArguments,
        input: Option<&Value>,
    ) -> CommandResult {
        session.push_scope();
        let result = (|| {
            session.bind_script_parameters(&self.block, args, &Vec::new(), &self.info.name)?;
            session.invoke_block(
                &ScriptBlock {
                    parameters: Vec::new(),
                    ..(*self.block).clone()
                },
                input.cloned(),
                args.remaining.clone(),
                false,
            )
        })();
        session.pop_scope();
        result
    }
}
