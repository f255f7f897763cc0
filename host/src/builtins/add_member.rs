//! `Add-Member`: note properties, script properties, alias properties and script methods
//! added to one object (Update-TypeData adds them to a type).

use super::type_data::script_member;
use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::class::TypeMember;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterType as T, command_info,
    example_with_output, param,
};
use crate::engine::value::PsObject;
use crate::engine::{Session, Value};
use std::rc::Rc;

const COMMAND: &str = "Add-Member";

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError::new(
        COMMAND,
        "InvalidArgument",
        "AddMemberInvalidArgument",
        message.into(),
    )
}

/// One member to add.
enum NewMember {
    Note(String, Value),
    Script(TypeMember),
}

impl NewMember {
    fn name(&self) -> &str {
        match self {
            NewMember::Note(name, _) => name,
            NewMember::Script(member) => member.name(),
        }
    }
}

/// The members the arguments describe: `-NotePropertyMembers @{...}` (or a hashtable in
/// the first position), `-NotePropertyName`/`-NotePropertyValue`, or `-MemberType` with
/// `-Name`, `-Value` and `-SecondValue`.
fn members_asked(args: &BoundArguments) -> Result<Vec<NewMember>, CommandError> {
    let table = match (args.get("NotePropertyMembers"), args.get("MemberType")) {
        (Some(t), _) | (None, Some(t @ Value::Hashtable(_))) => Some(t),
        _ => None,
    };
    if let Some(table) = table {
        let entries = table.entries();
        if entries.is_empty() {
            return Err(invalid(
                "-NotePropertyMembers needs a hashtable of names and values, such as @{ Owner = 'ops'; Days = 30 }.",
            ));
        }
        return Ok(entries
            .into_iter()
            .map(|(name, value)| NewMember::Note(name, value))
            .collect());
    }
    if let Some(name) = args.text("NotePropertyName") {
        let value = args
            .get("NotePropertyValue")
            .cloned()
            .unwrap_or(Value::Null);
        return Ok(vec![NewMember::Note(name, value)]);
    }
    let Some(kind) = args.text("MemberType") else {
        return Err(invalid(
            "Say what to add: -NotePropertyName and -NotePropertyValue, -NotePropertyMembers @{...}, or -MemberType with -Name and -Value.",
        ));
    };
    let name = args
        .text("Name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid(format!("A {kind} member needs its name as -Name.")))?;
    if kind.eq_ignore_ascii_case("NoteProperty") {
        let value = args.get("Value").cloned().unwrap_or(Value::Null);
        return Ok(vec![NewMember::Note(name, value)]);
    }
    let member = script_member(args, &kind, name).map_err(|e| {
        invalid(e.replace("use ScriptProperty", "use NoteProperty, ScriptProperty"))
    })?;
    Ok(vec![NewMember::Script(member)])
}

fn add_member_run(_: &mut Session, args: &BoundArguments, input: Option<&Value>) -> CommandResult {
    let target = input
        .or_else(|| args.get("InputObject"))
        .cloned()
        .unwrap_or(Value::Null);
    let members = members_asked(args)?;
    let pass_thru = args.switch("PassThru");
    let object = match target {
        Value::Object(o) => o,
        Value::Null => {
            return Err(invalid(
                "There is no object to add members to: give one with -InputObject or through the pipeline.",
            )
            .into());
        }
        Value::Hashtable(_) => {
            return Err(invalid(
                "Add-Member adds members to objects; for a hashtable add a key ($table.Name = value) or make it an object first ([pscustomobject]$table).",
            )
            .into());
        }
        // Another value (a string, a certificate) is wrapped: only the wrapper that
        // -PassThru returns has the members.
        other if pass_thru => Rc::new(PsObject {
            base: Some(other.clone()),
            ..PsObject::new(other.type_name(), Vec::new())
        }),
        other => {
            return Err(invalid(format!(
                "Members added to a [{}] are kept only on the object Add-Member returns: add -PassThru and keep it ($value = $value | Add-Member ... -PassThru).",
                other.type_name()
            ))
            .into());
        }
    };
    let force = args.switch("Force");
    // Checked first, so that a refused member leaves the object as it was.
    for member in &members {
        let name = member.name();
        let taken = object.get(name).is_some()
            || object
                .members
                .borrow()
                .iter()
                .any(|m| m.name().eq_ignore_ascii_case(name));
        if taken && !force {
            return Err(invalid(format!(
                "Cannot add a member with the name \"{name}\" because a member with that name already exists. To overwrite the member anyway, add the Force parameter to your command."
            ))
            .into());
        }
    }
    for member in members {
        let name = member.name().to_string();
        object
            .members
            .borrow_mut()
            .retain(|m| !m.name().eq_ignore_ascii_case(&name));
        match member {
            NewMember::Note(name, value) => {
                if !object.set(&name, value.clone()) {
                    object.properties.borrow_mut().push((name, value));
                }
            }
            NewMember::Script(member) => {
                object
                    .properties
                    .borrow_mut()
                    .retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
                object.members.borrow_mut().push(member);
            }
        }
    }
    Ok(if pass_thru {
        vec![Value::Object(object)]
    } else {
        Vec::new()
    })
}

pub fn add_member() -> Builtin {
    let mut input = param("InputObject", T::Any, "The object to add members to.");
    input.sets[0].from_pipeline = true;
    Builtin::new(
        command_info(
            COMMAND,
            &[],
            "Adds properties and methods to an object.",
            "Adds a NoteProperty (a value), ScriptProperty (a getter -Value { } run with the object as $this on every read, and an optional setter -SecondValue that gets the new value as $args[0]), AliasProperty (-Value names the property it stands for) or ScriptMethod to one object. -NotePropertyName/-NotePropertyValue and -NotePropertyMembers @{...} add note properties. A member whose name is taken is refused unless -Force. Any other value (a string, a certificate) is wrapped: the object -PassThru returns shows, compares and behaves as the value and has the members too. A hashtable is refused (add a key instead).",
            vec![
                input,
                param("MemberType", T::Any, "NoteProperty, ScriptProperty, AliasProperty or ScriptMethod.")
                    .position(0)
                    .aliases(&["Type"]),
                param("Name", T::Text, "The member's name.").position(1),
                param("Value", T::Any, "The value, getter, aliased property or method body.")
                    .position(2),
                param("SecondValue", T::Any, "A ScriptProperty's setter.").position(3),
                param("NotePropertyName", T::Text, "The name of a note property to add."),
                param("NotePropertyValue", T::Any, "Its value."),
                param("NotePropertyMembers", T::Any, "A hashtable of note properties to add."),
                param("Force", T::Switch, "Replace a member of the same name."),
                param("PassThru", T::Switch, "Write the object (needed for a value that is not an object)."),
            ],
            "Object",
        )
        .examples(vec![
            example_with_output(
                "Add a note property to a report row",
                "$row = [pscustomobject]@{ Subject = 'CN=backup01' }\n$row | Add-Member -NotePropertyName DaysLeft -NotePropertyValue 30\n$row",
                "The row now has both properties.",
                "\nSubject     DaysLeft\n-------     --------\nCN=backup01       30\n\n",
            ),
            example_with_output(
                "A computed property on a string",
                "$name = 'backup01' | Add-Member -MemberType ScriptProperty -Name Upper -Value { $this.ToUpper() } -PassThru\n\"$name is $($name.Upper)\"",
                "The wrapped string still prints as itself.",
                "backup01 is BACKUP01\n",
            ),
        ]),
        false,
        add_member_run,
    )
}
