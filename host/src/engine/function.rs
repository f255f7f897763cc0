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
        let parameters = block
            .parameters
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let ty = parameter_type(p.type_name.as_deref());
                ParameterInfo {
                    name: p.name.clone(),
                    aliases: Vec::new(),
                    type_: ty,
                    sets: vec![ParameterSetMembership {
                        set_name: ALL_SETS.into(),
                        mandatory: p.mandatory,
                        // Functions bind positionally in declaration order (switches excepted).
                        position: if ty == ParameterType::Switch {
                            None
                        } else {
                            Some(p.position.unwrap_or(i as u32))
                        },
                        from_pipeline: p.from_pipeline,
                        from_pipeline_by_property_name: false,
                    }],
                    help: String::new(),
                    accepted_values: p.accepted_values.clone(),
                }
            })
            .collect();
        FunctionCommand {
            info: super::command::command_info(
                name,
                &[],
                "A function defined in the script.",
                "",
                parameters,
                "Object",
            ),
            block,
        }
    }
}

impl Command for FunctionCommand {
    fn info(&self) -> &CmdletInfo {
        &self.info
    }

    fn takes_remaining_arguments(&self) -> bool {
        true
    }

    fn invoke(
        &self,
        session: &mut Session,
        args: &BoundArguments,
        input: Option<&Value>,
    ) -> CommandResult {
        session.push_scope();
        let result = (|| {
            for p in &self.block.parameters {
                let value = match args.get(&p.name) {
                    Some(v) => v.clone(),
                    None => match &p.default {
                        Some(e) => session.expr(e)?,
                        None if parameter_type(p.type_name.as_deref()) == ParameterType::Switch => {
                            Value::Bool(false)
                        }
                        None => Value::Null,
                    },
                };
                session.set_variable(&p.name, value);
            }
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
