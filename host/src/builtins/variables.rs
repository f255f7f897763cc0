//! `Get-Variable`, `Set-Variable`, `New-Variable`, `Remove-Variable` and
//! `Clear-Variable` over the session's variables. A variable is shown as an object with
//! Name and Value. Names found by a wildcard come out in lower case (the session keeps
//! names case-insensitively, in lower case). Variable options (ReadOnly, Constant,
//! Private) and descriptions are accepted but not kept; -Scope Global reaches the global
//! scope, other scopes mean the current one.

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterInfo, ParameterType as T,
    command_info, example, example_with_output, param,
};
use crate::engine::operators::wildcard_match;
use crate::engine::{Session, Value};

/// Variables that always exist and cannot be changed.
const CONSTANTS: &[&str] = &["true", "false", "null", "?"];

fn is_constant(name: &str) -> bool {
    CONSTANTS.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// The name to read or write a variable by in the scope -Scope names.
fn scoped(args: &BoundArguments, name: &str) -> String {
    match args.text("Scope") {
        Some(s) if s.eq_ignore_ascii_case("Global") => format!("global:{name}"),
        _ => name.to_string(),
    }
}

fn exists(session: &Session, name: &str) -> bool {
    is_constant(name) || session.has_variable(name)
}

fn texts(args: &BoundArguments, name: &str) -> Vec<String> {
    args.get(name)
        .map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
        .unwrap_or_default()
}

/// Whether -Include and -Exclude let `name` through.
fn included(args: &BoundArguments, name: &str) -> bool {
    let include = texts(args, "Include");
    let exclude = texts(args, "Exclude");
    (include.is_empty() || include.iter().any(|p| wildcard_match(p, name, false)))
        && !exclude.iter().any(|p| wildcard_match(p, name, false))
}

/// The existing variables `pattern` names, sorted (a name without wildcards: itself,
/// as typed), and whether -Include/-Exclude or a wildcard filtered the list (then
/// finding none is no error).
fn matching(session: &Session, args: &BoundArguments, pattern: &str) -> (Vec<String>, bool) {
    if !crate::engine::operators::has_wildcard(pattern) {
        let found = exists(session, pattern);
        let kept = found && included(args, pattern);
        return (
            if kept {
                vec![pattern.to_string()]
            } else {
                Vec::new()
            },
            found && !kept,
        );
    }
    let mut names: Vec<String> = session
        .variable_names()
        .into_iter()
        .filter(|n| wildcard_match(pattern, n, false) && included(args, n))
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    (names, true)
}

fn not_found(command: &str, name: &str) -> CommandError {
    CommandError {
        target: Some(name.to_string()),
        ..CommandError::new(
            command,
            "ObjectNotFound",
            "VariableNotFound",
            format!("Cannot find a variable with the name '{name}'."),
        )
    }
}

/// A variable as an object (PowerShell's PSVariable, its Name and Value).
/// A PSVariable as pwsh shows it (a Name/Value table by default; `Format-List *` shows
/// every property).
fn variable_object(name: &str, value: Value) -> Value {
    variable_object_with(name, value, "None")
}

/// A PSVariable with its options (`Private` for `$private:x`).
fn variable_object_with(name: &str, value: Value, options: &str) -> Value {
    let empty = || Value::String(String::new());
    Value::object(
        "PSVariable",
        vec![
            ("Name".into(), Value::String(name.to_string())),
            ("Description".into(), empty()),
            ("Value".into(), value),
            ("Visibility".into(), Value::String("Public".into())),
            ("Module".into(), empty()),
            ("ModuleName".into(), empty()),
            ("Options".into(), Value::String(options.into())),
            ("Attributes".into(), Value::Array(Vec::new())),
        ],
    )
}

fn scope_param() -> ParameterInfo {
    param(
        "Scope",
        T::Text,
        "Global for the global scope; Local, Script or 0 (the default) for the current one.",
    )
}

fn filter_params() -> Vec<ParameterInfo> {
    vec![
        param(
            "Include",
            T::TextList,
            "Only names that match one of these (wildcards).",
        ),
        param(
            "Exclude",
            T::TextList,
            "Leave out names that match one of these (wildcards).",
        ),
    ]
}

fn option_params() -> Vec<ParameterInfo> {
    vec![
        param(
            "Option",
            T::TextList,
            "Accepted for compatibility (not enforced).",
        )
        .values(&[
            "None",
            "ReadOnly",
            "Constant",
            "Private",
            "AllScope",
            "Unspecified",
        ]),
        param(
            "Description",
            T::Text,
            "Accepted for compatibility (not kept).",
        ),
        param(
            "Visibility",
            T::Text,
            "Accepted for compatibility (not enforced).",
        )
        .values(&["Public", "Private"]),
        param("Force", T::Switch, "Replace an existing variable."),
        param("PassThru", T::Switch, "Output the variable."),
    ]
}

// ----- Get-Variable --------------------------------------------------------------------------

fn get_variable_run(
    session: &mut Session,
    args: &BoundArguments,
    input: Option<&Value>,
) -> CommandResult {
    let patterns = match input {
        Some(v) if args.get("Name").is_none() => vec![v.to_text()],
        _ => texts(args, "Name"),
    };
    let patterns = if patterns.is_empty() {
        vec!["*".to_string()]
    } else {
        patterns
    };
    let mut out = Vec::new();
    let mut error = None;
    for pattern in &patterns {
        let (names, filtered) = matching(session, args, pattern);
        if names.is_empty() && !filtered {
            error.get_or_insert_with(|| not_found("Get-Variable", pattern));
        }
        for name in names {
            let value = session.variable(&scoped(args, &name));
            let options = if session.variable_is_private(&name) {
                "Private"
            } else {
                "None"
            };
            out.push(if args.switch("ValueOnly") {
                value
            } else {
                variable_object_with(&name, value, options)
            });
        }
    }
    match error {
        Some(e) if out.is_empty() => Err(e.into()),
        Some(e) => {
            session.write_error(e)?;
            Ok(out)
        }
        None => Ok(out),
    }
}

pub fn get_variable() -> Builtin {
    let mut params = vec![
        param(
            "Name",
            T::TextList,
            "The variable names (wildcards allowed; default all).",
        )
        .position(0)
        .takes_pipeline_input()
        .by_property_name(),
        param("ValueOnly", T::Switch, "Output only the values."),
        scope_param(),
    ];
    params.extend(filter_params());
    Builtin::new(
        command_info(
            "Get-Variable",
            &["gv"],
            "Gets the variables in the current console.",
            "Each variable as an object with Name and Value (sorted by name), or only the values with -ValueOnly. A name without wildcards that no variable has is an error.",
            params,
            "PSVariable",
        )
        .examples(vec![
            example_with_output(
                "Get the value of a variable",
                "$days = 30\nGet-Variable -Name days -ValueOnly",
                "Without -ValueOnly, an object with Name and Value.",
                "30\n",
            ),
            example(
                "Get variables by letter",
                "Get-Variable m*",
                "Every variable whose name begins with m.",
            ),
        ]),
        false,
        get_variable_run,
    )
}

// ----- Set-Variable and New-Variable ---------------------------------------------------------

/// The value to store: the piped objects (one as itself, several as an array), else -Value.
fn value_of(args: &BoundArguments, input: Option<&Value>) -> Value {
    match input {
        Some(v) => {
            let mut items = v.clone().into_items();
            match items.len() {
                0 => Value::Null,
                1 => items.remove(0),
                _ => Value::Array(items),
            }
        }
        None => args.get("Value").cloned().unwrap_or(Value::Null),
    }
}

fn cannot_overwrite(command: &str, name: &str) -> CommandError {
    CommandError::new(
        command,
        "WriteError",
        "VariableNotWritable",
        format!("Cannot overwrite variable {name} because it is read-only or constant."),
    )
}

fn set_variable_run(
    session: &mut Session,
    args: &BoundArguments,
    input: Option<&Value>,
) -> CommandResult {
    let value = value_of(args, input);
    let mut out = Vec::new();
    for name in texts(args, "Name") {
        if is_constant(&name) {
            return Err(cannot_overwrite("Set-Variable", &name).into());
        }
        if !included(args, &name) {
            continue;
        }
        session.set_variable(&scoped(args, &name), value.clone());
        if args.switch("PassThru") {
            out.push(variable_object(&name, value.clone()));
        }
    }
    Ok(out)
}

fn value_param() -> ParameterInfo {
    param("Value", T::Any, "The value.")
        .position(1)
        .takes_pipeline_input()
        .by_property_name()
}

pub fn set_variable() -> Builtin {
    let mut params = vec![
        param("Name", T::TextList, "The variable names.")
            .position(0)
            .mandatory()
            .by_property_name(),
        value_param(),
        scope_param(),
    ];
    params.extend(filter_params());
    params.extend(option_params());
    Builtin::new(
        command_info(
            "Set-Variable",
            &["set", "sv"],
            "Sets the value of a variable, creating it if needed.",
            "Gives the variables the value (-Value, or the piped objects: one as itself, several as an array). -PassThru outputs the variable.",
            params,
            "None",
        )
        .changes_state()
        .examples(vec![
            example_with_output(
                "Set a variable and get its value",
                "Set-Variable -Name \"desc\" -Value \"A description\"\nGet-Variable -Name \"desc\" -ValueOnly",
                "The same as $desc = \"A description\".",
                "A description\n",
            ),
            example_with_output(
                "Store piped objects",
                "'www.contoso.com', 'mail.contoso.com' | Set-Variable -Name names\n$names.Count",
                "Several objects are stored as an array.",
                "2\n",
            ),
        ]),
        true,
        set_variable_run,
    )
}

/// Whether the current scope already has the variable (as far as the session shows).
fn exists_here(session: &Session, name: &str) -> bool {
    if is_constant(name) {
        return true;
    }
    session.has_variable(name)
        && (!matches!(session.local_variable(name), Value::Null)
            || matches!(session.variable(name), Value::Null))
}

fn new_variable_run(
    session: &mut Session,
    args: &BoundArguments,
    input: Option<&Value>,
) -> CommandResult {
    let name = args.text("Name").unwrap_or_default();
    let global = scoped(args, &name) != name;
    let taken = if global {
        session.has_variable(&name)
    } else {
        exists_here(session, &name)
    };
    if is_constant(&name) || (taken && !args.switch("Force")) {
        return Err(CommandError {
            target: Some(name.clone()),
            ..CommandError::new(
                "New-Variable",
                "ResourceExists",
                "VariableAlreadyExists",
                format!("A variable with name '{name}' already exists."),
            )
        }
        .into());
    }
    let value = match input {
        Some(v) => v.clone(),
        None => args.get("Value").cloned().unwrap_or(Value::Null),
    };
    session.set_variable(&scoped(args, &name), value.clone());
    Ok(if args.switch("PassThru") {
        vec![variable_object(&name, value)]
    } else {
        Vec::new()
    })
}

pub fn new_variable() -> Builtin {
    let mut params = vec![
        param("Name", T::Text, "The variable name.")
            .position(0)
            .mandatory()
            .by_property_name(),
        value_param(),
        scope_param(),
    ];
    params.extend(option_params());
    Builtin::new(
        command_info(
            "New-Variable",
            &["nv"],
            "Creates a new variable.",
            "Creates the variable in the current scope (or -Scope Global); it is an error when the scope already has one of that name, unless -Force.",
            params,
            "None",
        )
        .changes_state()
        .examples(vec![
            example_with_output(
                "Create a variable and assign it a value",
                "New-Variable -Name \"zipcode\" -Value 98033\n$zipcode",
                "Creating it again fails: A variable with name 'zipcode' already exists (unless -Force).",
                "98033\n",
            ),
            example(
                "Create a variable with a space",
                "New-Variable -Name 'with space' -Value 'abc123xyz'\nGet-Variable -Name 'with space'",
                "Such a variable is read with Get-Variable or ${with space}.",
            ),
        ]),
        false,
        new_variable_run,
    )
}

// ----- Remove-Variable and Clear-Variable ----------------------------------------------------

/// Applies `action` to every variable the -Name patterns match; a name without
/// wildcards that matches nothing is reported, and the first such error returned.
fn for_each_match(
    session: &mut Session,
    args: &BoundArguments,
    command: &str,
    mut action: impl FnMut(&mut Session, &str) -> Result<Option<Value>, CommandError>,
) -> CommandResult {
    let mut out = Vec::new();
    let mut first_error: Option<CommandError> = None;
    for pattern in texts(args, "Name") {
        let (names, filtered) = matching(session, args, &pattern);
        if names.is_empty() && !filtered {
            let e = not_found(command, &pattern);
            match &first_error {
                Some(_) => session.write_error(e)?,
                None => first_error = Some(e),
            }
        }
        for name in names {
            match action(session, &name) {
                Ok(v) => out.extend(v),
                Err(e) if first_error.is_none() => first_error = Some(e),
                Err(e) => session.write_error(e)?,
            }
        }
    }
    match first_error {
        Some(e) if out.is_empty() => Err(e.into()),
        Some(e) => {
            session.write_error(e)?;
            Ok(out)
        }
        None => Ok(out),
    }
}

fn name_list_param() -> ParameterInfo {
    param(
        "Name",
        T::TextList,
        "The variable names (wildcards allowed).",
    )
    .position(0)
    .mandatory()
    .by_property_name()
}

fn remove_variable_run(
    session: &mut Session,
    args: &BoundArguments,
    _: Option<&Value>,
) -> CommandResult {
    for_each_match(session, args, "Remove-Variable", |session, name| {
        if is_constant(name) {
            return Err(CommandError::new(
                "Remove-Variable",
                "WriteError",
                "VariableNotRemovable",
                format!(
                    "Cannot remove variable {name} because it is constant or read-only. If the variable is read-only, try the operation again specifying the Force option."
                ),
            ));
        }
        session.remove_variable(name);
        Ok(None)
    })
}

pub fn remove_variable() -> Builtin {
    let mut params = vec![name_list_param(), scope_param()];
    params.extend(filter_params());
    params.push(param("Force", T::Switch, "Accepted for compatibility."));
    Builtin::new(
        command_info(
            "Remove-Variable",
            &["rv"],
            "Deletes a variable and its value.",
            "Removes each named variable from the scope that holds it; a name without wildcards that no variable has is an error.",
            params,
            "None",
        )
        .changes_state()
        .examples(vec![example_with_output(
            "Remove a variable",
            "$Smp = 'sample'\nRemove-Variable Smp\n$null -eq $Smp",
            "Reading a removed variable gives $null.",
            "True\n",
        )]),
        false,
        remove_variable_run,
    )
}

fn clear_variable_run(
    session: &mut Session,
    args: &BoundArguments,
    _: Option<&Value>,
) -> CommandResult {
    let pass_thru = args.switch("PassThru");
    for_each_match(session, args, "Clear-Variable", |session, name| {
        if is_constant(name) {
            return Err(cannot_overwrite("Clear-Variable", name));
        }
        session.set_variable(&scoped(args, name), Value::Null);
        Ok(pass_thru.then(|| variable_object(name, Value::Null)))
    })
}

pub fn clear_variable() -> Builtin {
    let mut params = vec![name_list_param(), scope_param()];
    params.extend(filter_params());
    params.extend([
        param("Force", T::Switch, "Accepted for compatibility."),
        param("PassThru", T::Switch, "Output the cleared variables."),
    ]);
    Builtin::new(
        command_info(
            "Clear-Variable",
            &["clv"],
            "Deletes the value of a variable.",
            "Sets each named variable to $null in the current scope (in the global scope with -Scope Global); the variable still exists. A name without wildcards that no variable has is an error.",
            params,
            "None",
        )
        .changes_state()
        .examples(vec![example_with_output(
            "Clear a variable in a child scope but not the parent scope",
            "$a = 3\n&{ Clear-Variable a }\n$a",
            "The variable is cleared in the child scope only.",
            "3\n",
        )]),
        false,
        clear_variable_run,
    )
}
