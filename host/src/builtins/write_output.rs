//! `Write-Output` (`echo`, `write`): sends objects down the pipeline.

use super::utility::Builtin;
use crate::engine::command::{CmdletExt, ParameterType, command_info, example_with_output, param};

pub fn write_output() -> Builtin {
    let mut input = param("InputObject", ParameterType::Any, "The objects to send.");
    input.sets[0].position = Some(0);
    input.sets[0].from_pipeline = true;
    Builtin::new(
        command_info(
            "Write-Output",
            &["echo", "write"],
            "Writes objects to the pipeline.",
            "Sends the given objects to the next command, or to the console.",
            vec![
                input,
                param(
                    "NoEnumerate",
                    ParameterType::Switch,
                    "Send a collection as one object instead of item by item.",
                ),
            ],
            "Object",
        )
        .examples(vec![example_with_output(
            "Send objects down the pipeline",
            "Write-Output 'one', 'two'",
            "Each object is output on its own.",
            "one\ntwo\n",
        )]),
        false,
        |_session, args, input| {
            let mut out = match (args.get("InputObject"), input) {
                (Some(v), _) => v.clone().into_items(),
                (None, Some(v)) => vec![v.clone()],
                (None, None) => Vec::new(),
            };
            out.extend(args.remaining.iter().cloned());
            if args.switch("NoEnumerate") {
                // One object: the collection itself (the pipeline unwraps the outer array).
                let collection = match args.get("InputObject") {
                    Some(v @ crate::engine::Value::Array(_)) => v.clone(),
                    _ => crate::engine::Value::Array(out),
                };
                return Ok(vec![crate::engine::Value::Array(vec![collection])]);
            }
            Ok(out)
        },
    )
    .taking_remaining_arguments()
}
