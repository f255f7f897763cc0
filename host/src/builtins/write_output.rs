//! `Write-Output` (`echo`, `write`): sends objects down the pipeline.

use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletInfo, Command, CommandResult, ParameterType, command_info, parameter,
};
use crate::engine::{Session, Value};

pub struct WriteOutput(CmdletInfo);

impl WriteOutput {
    pub fn new() -> Self {
        let mut input = parameter("InputObject", ParameterType::Any, "The objects to send.");
        input.sets[0].position = Some(0);
        input.sets[0].from_pipeline = true;
        WriteOutput(command_info(
            "Write-Output",
            &["echo", "write"],
            "Writes objects to the pipeline.",
            "Sends the given objects to the next command, or to the console.",
            vec![input],
            "Object",
        ))
    }
}

impl Command for WriteOutput {
    fn info(&self) -> &CmdletInfo {
        &self.0
    }
    fn takes_remaining_arguments(&self) -> bool {
        true
    }
    fn invoke(
        &self,
        _session: &mut Session,
        args: &BoundArguments,
        input: Option<&Value>,
    ) -> CommandResult {
        let mut out = match (args.get("InputObject"), input) {
            (Some(v), _) => v.clone().into_items(),
            (None, Some(v)) => vec![v.clone()],
            (None, None) => Vec::new(),
        };
        out.extend(args.remaining.iter().cloned());
        Ok(out)
    }
}
