//! `Update-TypeData`: adds a script property, alias property or script method to a
//! script's class or enum (how PowerShell's class documentation gives classes
//! computed properties).

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::class::TypeMember;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterType as T, command_info,
    example_with_output, param,
};
use crate::engine::{Session, Value};

const COMMAND: &str = "Update-TypeData";

fn invalid(message: String) -> CommandError {
    CommandError::new(
        COMMAND,
        "InvalidArgument",
        "UpdateTypeDataInvalidArgument",
        message,
    )
}

/// A script block argument (`-Value { ... }`), or why it is not one.
fn script_block(
    args: &BoundArguments,
    name: &str,
) -> Result<Option<std::rc::Rc<crate::lang::ast::ScriptBlock>>, String> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::ScriptBlock(b)) => Ok(Some(b.clone())),
        Some(other) => Err(format!(
            "-{name} must be a script block for this member type, not '{}'.",
            other.to_text()
        )),
    }
}

/// A ScriptProperty, AliasProperty or ScriptMethod named `name`, from `-MemberType`,
/// `-Value` and `-SecondValue` (shared by Update-TypeData and Add-Member).
pub(super) fn script_member(
    args: &BoundArguments,
    kind: &str,
    name: String,
) -> Result<TypeMember, String> {
    Ok(match kind.to_ascii_lowercase().as_str() {
        "scriptproperty" => TypeMember::Script {
            name,
            getter: script_block(args, "Value")?
                .ok_or("A ScriptProperty needs its getter as -Value { ... }.")?,
            setter: script_block(args, "SecondValue")?,
        },
        "aliasproperty" => TypeMember::Alias {
            name,
            target: args
                .text("Value")
                .filter(|t| !t.is_empty())
                .ok_or("An AliasProperty needs the property it stands for as -Value.")?,
        },
        "scriptmethod" => TypeMember::Method {
            name,
            body: script_block(args, "Value")?
                .ok_or("A ScriptMethod needs its body as -Value { ... }.")?,
        },
        other => {
            return Err(format!(
                "The member type '{other}' is not supported; use ScriptProperty, AliasProperty or ScriptMethod."
            ));
        }
    })
}

fn update_type_data_run(
    session: &mut Session,
    args: &BoundArguments,
    _input: Option<&Value>,
) -> CommandResult {
    let type_name = args.text("TypeName").unwrap_or_default();
    let name = args.text("MemberName").unwrap_or_default();
    if type_name.is_empty() || name.is_empty() {
        return Err(invalid("Give -TypeName and -MemberName.".into()).into());
    }
    if session.class_type(&type_name).is_none() && session.enum_type(&type_name).is_none() {
        return Err(invalid(format!(
            "[{type_name}] is not a class or enum this script defined: certhost adds members to those only (define a class with the member instead)."
        ))
        .into());
    }
    let kind = args.text("MemberType").unwrap_or_default();
    let member = script_member(args, &kind, name).map_err(invalid)?;
    session.add_type_member(&type_name, member);
    Ok(Vec::new())
}

pub fn update_type_data() -> Builtin {
    Builtin::new(
        command_info(
            COMMAND,
            &[],
            "Adds a member to a script's class or enum.",
            "Adds a ScriptProperty (getter -Value, setter -SecondValue that gets the new value as $args[0]), an AliasProperty (-Value names the property) or a ScriptMethod to the type named by -TypeName. A member of the same name is replaced. Instances of a class show their script properties first, as PowerShell lists them.",
            vec![
                param("TypeName", T::Text, "The class or enum to add the member to.")
                    .mandatory(),
                param("MemberName", T::Text, "The member's name.").mandatory(),
                param("MemberType", T::Text, "The kind of member.")
                    .mandatory()
                    .values(&["ScriptProperty", "AliasProperty", "ScriptMethod"]),
                param("Value", T::Any, "The getter, the aliased property's name, or the method's body."),
                param("SecondValue", T::Any, "A ScriptProperty's setter."),
                param("Force", T::Switch, "Accepted; a member of the same name is always replaced."),
            ],
            "None",
        )
        .changes_state()
        .examples(vec![example_with_output(
            "Add a computed property to a class",
            "class Pair { [int]$X; [int]$Y }\nUpdate-TypeData -TypeName Pair -MemberName Sum -MemberType ScriptProperty -Value { $this.X + $this.Y }\n([Pair]@{ X = 2; Y = 3 }).Sum",
            "The getter runs with the object as $this.",
            "5\n",
        )]),
        false,
        update_type_data_run,
    )
}
