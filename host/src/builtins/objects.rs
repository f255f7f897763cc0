//! Pipeline cmdlets over objects: `Where-Object`, `ForEach-Object`, `Select-Object`,
//! `Sort-Object`, `Group-Object`.

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterInfo, ParameterType as T, command_info, example,
    example_with_output, input_items, param,
};
use crate::engine::operators::{self, equals, order};
use crate::engine::session::script_error;
use crate::engine::{Session, Value};
use crate::lang::ast::Comparison;
use std::cmp::Ordering;

pub(super) fn input_object() -> ParameterInfo {
    param("InputObject", T::Any, "The objects to process.").takes_pipeline_input()
}

/// A property or script-block key of an object (`Sort-Object Name`, `{ $_.Name }`,
/// `@{ Expression = ... }`).
pub(super) fn key_of(
    session: &mut Session,
    key: &Value,
    item: &Value,
) -> Result<Value, crate::engine::session::Interrupt> {
    match key {
        Value::ScriptBlock(b) => Ok(crate::engine::session::collapse(session.invoke_block(
            b,
            Some(item.clone()),
            Vec::new(),
            false,
        )?)),
        Value::Hashtable(_) => {
            let expr = key
                .property("Expression")
                .or_else(|| key.property("e"))
                .unwrap_or(Value::Null);
            key_of(session, &expr, item)
        }
        name => Ok(item.property(&name.to_text()).unwrap_or(Value::Null)),
    }
}

const WHERE_OPERATORS: &[(&str, Comparison, bool)] = &[
    ("EQ", Comparison::Eq, false),
    ("NE", Comparison::Ne, false),
    ("GT", Comparison::Gt, false),
    ("GE", Comparison::Ge, false),
    ("LT", Comparison::Lt, false),
    ("LE", Comparison::Le, false),
    ("Like", Comparison::Like, false),
    ("NotLike", Comparison::NotLike, false),
    ("Match", Comparison::Match, false),
    ("NotMatch", Comparison::NotMatch, false),
    ("Contains", Comparison::Contains, false),
    ("NotContains", Comparison::NotContains, false),
    ("In", Comparison::In, false),
    ("NotIn", Comparison::NotIn, false),
    ("CEQ", Comparison::Eq, true),
    ("CNE", Comparison::Ne, true),
    ("CLike", Comparison::Like, true),
    ("CMatch", Comparison::Match, true),
];

/// `Where-Object` (`where`, `?`).
pub fn where_object() -> Builtin {
    let mut params = vec![
        param(
            "Property",
            T::Any,
            "A script block filter, or the property to compare.",
        )
        .position(0),
        param("Value", T::Any, "The value to compare the property with.").position(1),
        param(
            "FilterScript",
            T::Any,
            "A script block that returns $true for objects to keep.",
        ),
        input_object(),
    ];
    params.extend(
        WHERE_OPERATORS
            .iter()
            .map(|(n, _, _)| param(n, T::Switch, "Comparison operator.")),
    );
    Builtin::new(
        command_info(
            "Where-Object",
            &["where", "?"],
            "Selects objects from a collection based on their property values.",
            "Keeps the objects for which the script block returns true, or whose property compares as asked (Where Name -eq 'x').",
            params,
            "Object",
        )
.examples(vec![example("Certificates that expire within 30 days", "Get-ChildItem Cert:\\LocalMachine\\My | Where-Object { $_.NotAfter -lt (Get-Date).AddDays(30) }", "The script block sees each certificate as $_.")]),
        false,
        |session, args, input| {
            let Some(item) = input.cloned().or_else(|| args.get("InputObject").cloned()) else {
                return Ok(Vec::new());
            };
            let filter = args.get("FilterScript").or_else(|| {
                args.get("Property")
                    .filter(|p| matches!(p, Value::ScriptBlock(_)))
            });
            let keep = match filter {
                Some(Value::ScriptBlock(b)) => crate::engine::session::collapse(
                    session.invoke_block(b, Some(item.clone()), Vec::new(), false)?,
                )
                .is_truthy(),
                Some(_) => {
                    return Err(CommandError::new(
                        "Where-Object",
                        "InvalidArgument",
                        "FilterNotScriptBlock",
                        "-FilterScript must be a script block such as { $_.Name -eq 'x' }",
                    )
                    .into());
                }
                None => {
                    let name = args.text("Property").unwrap_or_default();
                    let actual = item.property(&name).unwrap_or(Value::Null);
                    match WHERE_OPERATORS.iter().find(|(n, _, _)| args.switch(n)) {
                        Some((_, op, cs)) => {
                            let expected = args.get("Value").cloned().unwrap_or(Value::Bool(true));
                            operators::compare(*op, *cs, &actual, &expected)
                                .map_err(script_error)?
                                .is_truthy()
                        }
                        None => actual.is_truthy(),
                    }
                }
            };
            Ok(if keep { vec![item] } else { Vec::new() })
        },
    )
}

/// `ForEach-Object` (`foreach`, `%`).
pub fn for_each_object() -> Builtin {
    Builtin::new(
        command_info(
            "ForEach-Object",
            &["foreach", "%"],
            "Performs an operation against each item in a collection of input objects.",
            "Runs the -Process script block for each input object ($_), -Begin before the first and -End after the last; with a property name, outputs that property of each object.",
            vec![
                param(
                    "Process",
                    T::Any,
                    "Script block run for each object, or a property name.",
                )
                .position(0),
                param("Begin", T::Any, "Script block run before the first object."),
                param("End", T::Any, "Script block run after the last object."),
                input_object(),
            ],
            "Object",
        )
.examples(vec![example_with_output("Run a block for each object", "1..3 | ForEach-Object { $_ * 2 }", "Outputs 2, 4 and 6.", "2\n4\n6\n")]),
        false,
        |session, args, input| {
            let mut out = Vec::new();
            let items = match input {
                Some(_) => input_items(args, input, "InputObject"),
                None => args
                    .get("InputObject")
                    .map(|v| v.clone().into_items())
                    .unwrap_or_else(|| vec![Value::Null]),
            };
            match args.get("Process") {
                Some(Value::ScriptBlock(b)) => {
                    for item in items {
                        match session.invoke_block(b, Some(item), Vec::new(), false) {
                            Ok(values) => out.extend(values),
                            Err(crate::engine::session::Interrupt::Continue(_)) => {}
                            Err(crate::engine::session::Interrupt::Break(_)) => break,
                            Err(other) => return Err(other),
                        }
                    }
                }
                Some(name) => {
                    let name = name.to_text();
                    out.extend(items.iter().filter_map(|i| i.property(&name)));
                }
                None => {}
            }
            Ok(out)
        },
    )
    .with_begin_end(
        |session, args| match args.get("Begin") {
            Some(Value::ScriptBlock(b)) => session.invoke_block(b, None, Vec::new(), false),
            _ => Ok(Vec::new()),
        },
        |session, args| match args.get("End") {
            Some(Value::ScriptBlock(b)) => session.invoke_block(b, None, Vec::new(), false),
            _ => Ok(Vec::new()),
        },
    )
    .as_script_stage(|args| {
        // `-Begin {} -Process {} -End {}` is one block with begin/process/end, run in
        // the caller's scope.
        let block = |name: &str| match args.get(name) {
            Some(Value::ScriptBlock(b)) => Some(b.clone()),
            _ => None,
        };
        let process = block("Process")?;
        if args.get("InputObject").is_some() {
            return None;
        }
        Some(crate::lang::ast::ScriptBlock {
            begin: block("Begin").map(|b| b.body.clone()),
            process: Some(process.body.clone()),
            body: block("End").map(|b| b.body.clone()).unwrap_or_default(),
            text: process.text.clone(),
            ..Default::default()
        })
    })
}

/// `Select-Object` (`select`).
/// `New-Object`: custom objects, hashtables, credentials and the collection types
/// scripts create.
pub fn new_object() -> Builtin {
    Builtin::new(
        command_info(
            "New-Object",
            &[],
            "Creates an object.",
            "Creates PSObject/PSCustomObject (with -Property), Hashtable, PSCredential (-ArgumentList user, SecureString), ArrayList and List[T] (empty; they grow with +=), and the types [type]::new supports.",
            vec![
                param("TypeName", T::Text, "The type.").mandatory().position(0),
                param("ArgumentList", T::Any, "Constructor arguments.")
                    .position(1)
                    .aliases(&["Args"]),
                param("Property", T::Any, "Properties to set, as a hashtable."),
            ],
            "Object",
        )
        .examples(vec![example_with_output(
            "A custom object with properties",
            "$o = New-Object -TypeName PSObject -Property @{ Name = 'web01'; Port = 443 }\n\"$($o.Name):$($o.Port)\"",
            "The properties come from the hashtable.",
            "web01:443\n",
        )]),
        false,
        |_, args, _| {
            let type_name = args.text("TypeName").unwrap_or_default();
            let lower = type_name.to_ascii_lowercase();
            let properties = args.get("Property").map(Value::entries).unwrap_or_default();
            let arguments: Vec<Value> = args
                .get("ArgumentList")
                .map(|a| a.clone().into_items())
                .unwrap_or_default();
            let object = match lower.trim_start_matches("system.management.automation.") {
                "psobject" | "pscustomobject" | "object" | "system.object" => {
                    return Ok(vec![Value::object("PSCustomObject", properties)]);
                }
                _ => crate::engine::methods::static_member(&type_name, "new", Some(&arguments))
                    .map_err(|_| {
                        CommandError::new(
                            "New-Object",
                            "InvalidType",
                            "TypeNotFound",
                            format!(
                                "Cannot find type [{type_name}]: certhost creates PSObject, PSCustomObject, Hashtable, PSCredential, System.Collections.ArrayList and List[T]."
                            ),
                        )
                    })?,
            };
            for (name, value) in properties {
                if let Value::Hashtable(t) = &object {
                    t.borrow_mut().push((name, value));
                } else if let Value::Object(o) = &object
                    && !o.set(&name, value)
                {
                    return Err(CommandError::new(
                        "New-Object",
                        "InvalidOperation",
                        "PropertyNotFound",
                        format!("The property '{name}' cannot be found on [{type_name}]."),
                    )
                    .into());
                }
            }
            Ok(vec![object])
        },
    )
}

pub fn select_object() -> Builtin {
    Builtin::new(
        command_info(
            "Select-Object",
            &["select"],
            "Selects objects or object properties.",
            "Keeps the given properties (names, wildcards, or @{Name=...; Expression={...}}), the first or last N objects, or one property's values (-ExpandProperty).",
            vec![
                param("Property", T::Any, "Properties to keep.").position(0),
                param(
                    "ExpandProperty",
                    T::Text,
                    "Output this property's value instead of an object.",
                ),
                param("First", T::Integer, "Keep the first N objects."),
                param("Last", T::Integer, "Keep the last N objects."),
                param("Skip", T::Integer, "Skip the first N objects."),
                param("Unique", T::Switch, "Drop duplicates."),
                input_object(),
            ],
            "PSCustomObject",
        )
.examples(vec![example("Some properties of each certificate", "Get-ChildItem Cert:\\LocalMachine\\My | Select-Object Subject, NotAfter", "Makes objects with only those properties.")]),
        true,
        |session, args, input| {
            let mut items = input_items(args, input, "InputObject");
            if let Some(n) = count(args, "Skip") {
                items = items.into_iter().skip(n).collect();
            }
            if let Some(n) = count(args, "First") {
                items.truncate(n);
            }
            if let Some(n) = count(args, "Last") {
                let start = items.len().saturating_sub(n);
                items = items.split_off(start);
            }
            let mut out = Vec::new();
            let wanted = args
                .get("Property")
                .map(|p| p.clone().into_items())
                .unwrap_or_default();
            for item in items {
                let value = if let Some(expand) = args.text("ExpandProperty") {
                    match item.property(&expand) {
                        Some(v) => v,
                        None => {
                            return Err(CommandError::new(
                                "Select-Object",
                                "InvalidArgument",
                                "ExpandPropertyNotFound",
                                format!("Property \"{expand}\" cannot be found."),
                            )
                            .into());
                        }
                    }
                } else if wanted.is_empty() {
                    item
                } else {
                    let mut props = Vec::new();
                    for w in &wanted {
                        match w {
                            Value::Hashtable(_) => {
                                let name = w
                                    .property("Name")
                                    .or_else(|| w.property("n"))
                                    .or_else(|| w.property("Label"))
                                    .or_else(|| w.property("l"))
                                    .map(|v| v.to_text())
                                    .unwrap_or_default();
                                props.push((name, key_of(session, w, &item)?));
                            }
                            name => {
                                for p in crate::format::table::resolve_properties(
                                    &item,
                                    &[name.to_text()],
                                ) {
                                    props.push((
                                        p.clone(),
                                        item.property(&p).unwrap_or(Value::Null),
                                    ));
                                }
                            }
                        }
                    }
                    Value::object("Selected", props)
                };
                if args.switch("Unique") && out.iter().any(|o: &Value| equals(o, &value, false)) {
                    continue;
                }
                out.push(value);
            }
            Ok(out)
        },
    )
}

fn count(args: &BoundArguments, name: &str) -> Option<usize> {
    match args.get(name) {
        Some(Value::Int(n)) => Some((*n).max(0) as usize),
        _ => None,
    }
}

/// `Sort-Object` (`sort`).
pub fn sort_object() -> Builtin {
    Builtin::new(
        command_info(
            "Sort-Object",
            &["sort"],
            "Sorts objects by property values.",
            "Sorts by the given properties or script blocks (stable), ascending unless -Descending.",
            vec![
                param(
                    "Property",
                    T::Any,
                    "Properties or script blocks to sort by.",
                )
                .position(0),
                param("Descending", T::Switch, "Sort in descending order."),
                param("Unique", T::Switch, "Drop duplicates."),
                input_object(),
            ],
            "Object",
        )
.examples(vec![example("Certificates by expiry", "Get-ChildItem Cert:\\LocalMachine\\My | Sort-Object NotAfter", "The soonest first; -Descending reverses.")]),
        true,
        |session, args, input| {
            let items = input_items(args, input, "InputObject");
            let keys: Vec<Value> = args
                .get("Property")
                .map(|p| p.clone().into_items())
                .unwrap_or_default();
            let mut keyed = Vec::new();
            for item in items {
                let k: Vec<Value> = if keys.is_empty() {
                    vec![item.clone()]
                } else {
                    keys.iter()
                        .map(|k| key_of(session, k, &item))
                        .collect::<Result<_, _>>()?
                };
                keyed.push((k, item));
            }
            keyed.sort_by(|(a, _), (b, _)| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| order(x, y, false).unwrap_or(Ordering::Equal))
                    .find(|o| *o != Ordering::Equal)
                    .unwrap_or(Ordering::Equal)
            });
            if args.switch("Descending") {
                keyed.reverse();
            }
            let mut out: Vec<Value> = Vec::new();
            for (_, item) in keyed {
                if args.switch("Unique") && out.iter().any(|o| equals(o, &item, false)) {
                    continue;
                }
                out.push(item);
            }
            Ok(out)
        },
    )
}

/// `Group-Object` (`group`).
pub fn group_object() -> Builtin {
    Builtin::new(
        command_info(
            "Group-Object",
            &["group"],
            "Groups objects that contain the same value for specified properties.",
            "Outputs one object per distinct value, with Count, Name and the Group of objects (values compare case-insensitively unless -CaseSensitive). -AsHashTable outputs one hashtable from each value to its objects (-AsString: the values as text); -NoElement leaves out the Group.",
            vec![
                param("Property", T::Any, "Property or script block to group by.").position(0),
                input_object(),
                param("CaseSensitive", T::Switch, "Tell values apart by case."),
                param("AsHashTable", T::Switch, "Output a hashtable of value to objects."),
                param("AsString", T::Switch, "With -AsHashTable, the keys as text."),
                param("NoElement", T::Switch, "Leave out the Group property."),
            ],
            "GroupInfo",
        )
        .examples(vec![example(
            "Certificates by issuer",
            "Get-ChildItem Cert:\\LocalMachine\\My | Group-Object Issuer",
            "One group per issuer with its count.",
        )]),
        true,
        |session, args, input| {
            let key = args.get("Property").cloned().unwrap_or(Value::Null);
            let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
            for item in input_items(args, input, "InputObject") {
                let k = if matches!(key, Value::Null) {
                    item.clone()
                } else {
                    key_of(session, &key, &item)?
                };
                let case_sensitive = args.switch("CaseSensitive");
                match groups.iter_mut().find(|(g, _)| equals(g, &k, case_sensitive)) {
                    Some((_, members)) => members.push(item),
                    None => groups.push((k, vec![item])),
                }
            }
            if args.switch("AsHashTable") {
                // (Keys that differ only in case stay apart with -CaseSensitive.)
                return Ok(vec![Value::hashtable(
                    groups
                        .into_iter()
                        .map(|(k, members)| (k.to_text(), Value::Array(members)))
                        .collect(),
                )]);
            }
            let no_element = args.switch("NoElement");
            Ok(groups
                .into_iter()
                .map(|(k, members)| {
                    let mut properties = vec![
                        ("Count".into(), Value::Int(members.len() as i64)),
                        ("Name".into(), Value::String(k.to_text())),
                    ];
                    if !no_element {
                        properties.push(("Group".into(), Value::Array(members)));
                    }
                    Value::object("GroupInfo", properties)
                })
                .collect())
        },
    )
}

/// `New-Guid`: a random (version 4) Guid, as `[guid]::NewGuid()` gives.
pub fn new_guid() -> Builtin {
    Builtin::new(
        command_info(
            "New-Guid",
            &[],
            "Creates a random Guid.",
            "Outputs a new random (version 4) Guid, such as an application id for an SSL binding (netsh http add sslcert ... appid={...}). -Empty gives the all-zero Guid.",
            vec![param("Empty", T::Switch, "Output 00000000-0000-0000-0000-000000000000.")],
            "Guid",
        )
        .examples(vec![example(
            "Use a new Guid as an application id",
            "$appid = New-Guid\n\"appid={$appid}\"",
            "Each call gives a different Guid.",
        )]),
        false,
        |_, args, _| {
            let member = if args.switch("Empty") { "Empty" } else { "NewGuid" };
            let guid = crate::engine::methods::static_member("guid", member, Some(&[]))
                .map_err(|e| CommandError::new("New-Guid", "InvalidOperation", "NewGuidFailed", e))?;
            Ok(vec![guid])
        },
    )
}
