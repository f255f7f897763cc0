//! `Invoke-Command` on this machine: runs a script block with arguments (remoting is
//! not offered).

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterType as T, command_info,
    example_with_output, param,
};
use crate::engine::{Session, Value};

const COMMAND: &str = "Invoke-Command";

fn invoke_command_run(
    session: &mut Session,
    args: &BoundArguments,
    input: Option<&Value>,
) -> CommandResult {
    for remote in ["ComputerName", "Session"] {
        if args.get(remote).is_some() {
            return Err(CommandError::new(
                COMMAND,
                "InvalidArgument",
                "RemotingNotSupported",
                format!(
                    "-{remote}: certhost runs script blocks on this machine only; leave out -{remote}, or run the script with ssh on the other machine."
                ),
            )
            .into());
        }
    }
    let block = match args.get("ScriptBlock") {
        Some(Value::ScriptBlock(b)) => b.clone(),
        other => {
            return Err(CommandError::new(
                COMMAND,
                "InvalidArgument",
                "ScriptBlockExpected",
                format!(
                    "-ScriptBlock must be a script block ({{ ... }}), not '{}'.",
                    other.map(Value::to_text).unwrap_or_default()
                ),
            )
            .into());
        }
    };
    // -ArgumentList's elements are the block's arguments, one each.
    let arguments = args
        .get("ArgumentList")
        .cloned()
        .map(Value::into_items_keep)
        .unwrap_or_default();
    let input = input.cloned().or_else(|| args.get("InputObject").cloned());
    session.invoke_block(&block, input, arguments, !args.switch("NoNewScope"))
}

pub fn invoke_command() -> Builtin {
    Builtin::new(
        command_info(
            COMMAND,
            &["icm"],
            "Runs a script block with arguments.",
            "Runs -ScriptBlock in a new scope (in the caller's with -NoNewScope). The elements of -ArgumentList bind to the block's parameters by position (pass an array as one argument with -ArgumentList (,$array)); a piped object is $_ in the block. Remote computers (-ComputerName, -Session) are not supported.",
            vec![
                param("ScriptBlock", T::Any, "The script block to run.")
                    .position(0)
                    .mandatory(),
                param("ArgumentList", T::Any, "The block's arguments, in order.").aliases(&["Args"]),
                param("InputObject", T::Any, "The object the block sees as $_.")
                    .takes_pipeline_input(),
                param("NoNewScope", T::Switch, "Run in the caller's scope."),
                param("ComputerName", T::TextList, "Not supported: certhost runs locally only."),
                param("Session", T::Any, "Not supported: certhost runs locally only."),
            ],
            "The block's output",
        )
        .examples(vec![example_with_output(
            "Run a script block with arguments",
            "Invoke-Command -ScriptBlock { param($p1, $p2) \"p1: $p1\"; \"p2: $p2\" } -ArgumentList 'First', 'Second'",
            "The arguments bind to the block's parameters by position.",
            "p1: First\np2: Second\n",
        )]),
        false,
        invoke_command_run,
    )
}
