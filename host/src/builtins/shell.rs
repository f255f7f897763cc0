//! Shell commands: `Get-Help`, `Get-Member`, `Read-Host`, and the file
//! commands `Test-Path`, `Get-Content`, `Set-Content`, `Out-File`.

use super::utility::Builtin;
use crate::engine::command::{
    CmdletExt, CommandError, ParamExt, ParameterType as T, command_info, console_example, example,
    input_items, param, type_name,
};
use crate::engine::{SecureString, Value};
use std::io::Write;
use std::path::PathBuf;

pub(super) fn resolve(session: &crate::engine::Session, path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        p
    } else {
        crate::builtins::host(session).cwd().join(p)
    }
}

fn io_error(command: &str, path: &str, e: &std::io::Error, writing: bool) -> CommandError {
    let (category, id) = if writing {
        ("WriteError", "FileWriteFailed")
    } else {
        ("ObjectNotFound", "PathNotFound")
    };
    CommandError::new(
        command,
        category,
        id,
        format!(
            "Cannot {} '{path}': {}.",
            if writing { "write" } else { "read" },
            crate::plugin::io_reason(e)
        ),
    )
}

pub fn get_help() -> Builtin {
    Builtin::new(
        command_info(
            "Get-Help",
            &["help"],
            "Displays information about commands.",
            "Shows a command's synopsis, syntax, description, parameters and examples, from its metadata (the component's, for component cmdlets).",
            vec![
                param("Name", T::Text, "The command.").position(0),
                param("Examples", T::Switch, "Only the examples."),
                param("Full", T::Switch, "Everything."),
            ],
            "String",
        )
.examples(vec![example("The examples of a command", "Get-Help New-SelfSignedCertificate -Examples", "-Full shows everything.")]),
        false,
        |session, args, _| {
            let name = args.text("Name").unwrap_or_else(|| "Get-Help".into());
            let command = session.find_command(&name).ok_or_else(|| {
                CommandError::new(
                    "Get-Help",
                    "ResourceUnavailable",
                    "HelpNotFound",
                    format!("Get-Help could not find {name} in a help file in this session."),
                )
            })?;
            let info = command.info();
            let mut text = String::new();
            if !args.switch("Examples") {
                text.push_str(&format!(
                    "\nNAME\n    {}\n\nSYNOPSIS\n    {}\n\nSYNTAX\n    {}",
                    info.name, info.synopsis, info.name
                ));
                for p in &info.parameters {
                    let mandatory = p.sets.iter().any(|m| m.mandatory);
                    let positional = p.sets.iter().any(|m| m.position.is_some());
                    let value = if p.type_ == T::Switch {
                        String::new()
                    } else {
                        format!(
                            " <{}>",
                            type_name(p.type_).rsplit('.').next().unwrap_or("Object")
                        )
                    };
                    let name = if positional {
                        format!("[-{}]", p.name)
                    } else {
                        format!("-{}", p.name)
                    };
                    let item = format!("{name}{value}");
                    text.push_str(&if mandatory {
                        format!(" {item}")
                    } else {
                        format!(" [{item}]")
                    });
                }
                if !info.aliases.is_empty() {
                    text.push_str(&format!("\n\nALIASES\n    {}", info.aliases.join(", ")));
                }
                text.push_str(&format!("\n\nDESCRIPTION\n    {}\n", info.description));
                {
                    text.push_str("\nPARAMETERS\n");
                    for p in &info.parameters {
                        let m = p.sets.first();
                        text.push_str(&format!(
                            "    -{} <{}>\n        {}\n        Required? {}; Position? {}; Pipeline input? {}{}\n\n",
                            p.name,
                            type_name(p.type_).rsplit('.').next().unwrap_or("Object"),
                            p.help,
                            m.is_some_and(|m| m.mandatory),
                            m.and_then(|m| m.position).map(|n| n.to_string()).unwrap_or_else(|| "named".into()),
                            match m {
                                Some(m) if m.from_pipeline && m.from_pipeline_by_property_name => "true (ByValue, ByPropertyName)",
                                Some(m) if m.from_pipeline => "true (ByValue)",
                                Some(m) if m.from_pipeline_by_property_name => "true (ByPropertyName)",
                                _ => "false",
                            },
                            if p.accepted_values.is_empty() { String::new() } else { format!("; Accepted values: {}", p.accepted_values.join(", ")) }
                        ));
                    }
                }
            }
            for (i, e) in info.examples.iter().enumerate() {
                text.push_str(&format!("\n    -------------------------- EXAMPLE {} --------------------------\n    {}\n\n    {}\n\n    {}\n", i + 1, e.title, e.code.replace('\n', "\n    "), e.remarks));
            }
            Ok(vec![Value::String(text)])
        },
    )
}

pub fn get_member() -> Builtin {
    Builtin::new(
        command_info(
            "Get-Member",
            &["gm"],
            "Gets the properties of objects.",
            "Lists the type and properties of each distinct kind of input object.",
            vec![
                param("InputObject", T::Any, "The objects.").takes_pipeline_input(),
                param("Name", T::TextList, "Only members with these names (wildcards allowed).")
                    .position(0),
                param(
                    "MemberType",
                    T::TextList,
                    "Only these kinds: NoteProperty, Property, ScriptProperty, AliasProperty, ScriptMethod, Properties (all properties), All.",
                )
                .aliases(&["Type"]),
            ],
            "MemberDefinition",
        )
        .examples(vec![example(
            "The properties of a certificate",
            "New-SelfSignedCertificate -DnsName www.contoso.com | Get-Member",
            "Names and types of the properties.",
        )]),
        true,
        |_, args, input| {
            let items = input_items(args, input, "InputObject");
            let names: Vec<String> = args
                .get("Name")
                .map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
                .unwrap_or_default();
            let kinds: Vec<String> = args
                .get("MemberType")
                .map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
                .unwrap_or_default();
            let wanted = |name: &str, kind: &str| {
                (names.is_empty()
                    || names
                        .iter()
                        .any(|n| crate::engine::operators::wildcard_match(n, name, false)))
                    && (kinds.is_empty()
                        || kinds.iter().any(|k| {
                            k.eq_ignore_ascii_case(kind)
                                || k.eq_ignore_ascii_case("All")
                                || (k.eq_ignore_ascii_case("Properties") && kind.ends_with("Property"))
                        }))
            };
            let mut seen: Vec<String> = Vec::new();
            let mut out = Vec::new();
            for item in &items {
                let type_name = crate::engine::value::type_object(item)
                    .property("FullName")
                    .map(|v| v.to_text())
                    .unwrap_or_default();
                if seen.contains(&type_name) {
                    continue;
                }
                seen.push(type_name.clone());
                let (own, note) = match item {
                    Value::Object(o) if o.instance.is_none() && o.base.is_none() => {
                        (o.members.borrow().clone(), true)
                    }
                    Value::Object(o) => (o.members.borrow().clone(), false),
                    _ => (Vec::new(), false),
                };
                let mut row = |name: &str, kind: &str, definition: String| {
                    if wanted(name, kind) {
                        out.push(Value::object(
                            "MemberDefinition",
                            vec![
                                ("TypeName".into(), Value::String(type_name.clone())),
                                ("Name".into(), Value::String(name.into())),
                                ("MemberType".into(), Value::String(kind.into())),
                                ("Definition".into(), Value::String(definition)),
                            ],
                        ));
                    }
                };
                let short = |v: &Value| {
                    crate::engine::value::type_object(v)
                        .property("FullName")
                        .map(|t| t.to_text())
                        .unwrap_or_else(|| "System.Object".into())
                };
                for member in &own {
                    use crate::engine::class::TypeMember;
                    match member {
                        TypeMember::Script { name, setter, .. } => row(
                            name,
                            "ScriptProperty",
                            format!(
                                "System.Object {name} {{get={}}}",
                                if setter.is_some() { "...;set=..." } else { "..." }
                            ),
                        ),
                        TypeMember::Alias { name, target } => {
                            row(name, "AliasProperty", format!("{name} = {target}"))
                        }
                        TypeMember::Method { name, .. } => {
                            row(name, "ScriptMethod", format!("System.Object {name}();"))
                        }
                    }
                }
                for p in item.property_names() {
                    if own.iter().any(|m| m.name().eq_ignore_ascii_case(&p)) {
                        continue;
                    }
                    let v = item.property(&p).unwrap_or(Value::Null);
                    if note {
                        row(&p, "NoteProperty", format!("{} {p}={}", short(&v), v.to_text()));
                    } else {
                        row(&p, "Property", format!("{} {p} {{get;}}", short(&v)));
                    }
                }
            }
            Ok(out)
        },
    )
}

pub fn read_host() -> Builtin {
    Builtin::new(
        command_info(
            "Read-Host",
            &[],
            "Reads a line of input from the console.",
            "Shows the prompt and reads a line; -AsSecureString returns a SecureString and does not echo on a terminal. Fails in a -NonInteractive session.",
            vec![
                param("Prompt", T::Text, "Text shown before the input.").position(0),
                param("AsSecureString", T::Switch, "Return a SecureString."),
            ],
            "String",
        )
.examples(vec![console_example("Ask for a password without echo", "$pw = Read-Host -AsSecureString 'PFX password'", "Only in an interactive session; with -NonInteractive it is an error.")]),
        false,
        |session, args, _| {
            if session.options.non_interactive {
                return Err(CommandError::new(
                    "Read-Host",
                    "InvalidOperation",
                    "ReadHostNonInteractive",
                    "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available. Pass the value as a parameter (for a password: -Password (ConvertTo-SecureString -String $env:PFX_PASSWORD -AsPlainText -Force)).",
                )
                .into());
            }
            let prompt = args
                .text("Prompt")
                .map(|p| format!("{p}: "))
                .unwrap_or_default();
            let secure = args.switch("AsSecureString");
            let text = session
                .read_console_line(&prompt, secure)
                .map_err(|e| {
                    CommandError::new("Read-Host", "ReadError", "ReadHostFailed", e.to_string())
                })?
                .unwrap_or_default();
            Ok(vec![if secure {
                Value::SecureString(SecureString::new(text))
            } else {
                Value::String(text)
            }])
        },
    )
}

pub fn test_path() -> Builtin {
    Builtin::new(
        command_info(
            "Test-Path",
            &[],
            "Determines whether a path exists.",
            "True when the file, directory or Cert: item exists.",
            vec![param("Path", T::Text, "The path.").position(0).mandatory()],
            "Boolean",
        )
        .examples(vec![example(
            "Whether a file exists",
            "Test-Path ./module.wasm",
            "True or False.",
        )]),
        false,
        |session, args, _| {
            let path = args.text("Path").unwrap_or_default();
            if let Some(parsed) = super::parse_cert_path(&path) {
                if let Ok(super::CertPath::Item {
                    warning: Some(warning),
                    ..
                }) = &parsed
                {
                    session.warning(warning);
                }
                let host = crate::builtins::host(session);
                let db = host
                    .services
                    .database
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                let exists = match parsed {
                    Ok(super::CertPath::Item {
                        store, thumbprint, ..
                    }) => db
                        .get_certificate_without_key(&store, &thumbprint)
                        .map(|c| c.is_some())
                        .unwrap_or(false),
                    Ok(super::CertPath::Store { store, .. }) => db.existing_store(&store).is_ok(),
                    Ok(_) => true,
                    Err(_) => false,
                };
                return Ok(vec![Value::Bool(exists)]);
            }
            Ok(vec![Value::Bool(resolve(session, &path).exists())])
        },
    )
}

pub fn get_content() -> Builtin {
    Builtin::new(
        command_info(
            "Get-Content",
            &["gc", "cat", "type"],
            "Gets the content of a file.",
            "The file's lines, or one string with -Raw.",
            vec![
                param("Path", T::Text, "The file.").position(0).mandatory(),
                param("Raw", T::Switch, "One string."),
            ],
            "String",
        )
        .examples(vec![example(
            "Read a file",
            "Set-Content notes.txt 'renew in March'\nGet-Content notes.txt",
            "One string per line; -Raw for the whole text.",
        )]),
        false,
        |session, args, _| {
            let path = args.text("Path").unwrap_or_default();
            let full = resolve(session, &path);
            let text = std::fs::read_to_string(&full).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => CommandError::new(
                    "Get-Content",
                    "ObjectNotFound",
                    "PathNotFound",
                    format!(
                        "Cannot find path '{}' because it does not exist.",
                        full.display()
                    ),
                ),
                _ => io_error("Get-Content", &path, &e, false),
            })?;
            Ok(if args.switch("Raw") {
                vec![Value::String(text)]
            } else {
                text.lines().map(|l| Value::String(l.to_string())).collect()
            })
        },
    )
}

fn write_text(
    session: &crate::engine::Session,
    command: &str,
    path: &str,
    text: &str,
    append: bool,
) -> Result<(), CommandError> {
    let full = resolve(session, path);
    let result = if append {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&full)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    } else {
        crate::paths::write_atomically(&full, text.as_bytes(), false)
    };
    result.map_err(|e| io_error(command, path, &e, true))
}

pub fn set_content() -> Builtin {
    Builtin::new(
        command_info(
            "Set-Content",
            &["sc"],
            "Writes content to a file, replacing it.",
            "Writes each value as a line.",
            vec![
                param("Path", T::Text, "The file.").position(0).mandatory(),
                param("Value", T::Any, "The content.")
                    .position(1)
                    .takes_pipeline_input(),
            ],
            "None",
        )
        .examples(vec![example(
            "Write a file",
            "Set-Content notes.txt 'renew in March'",
            "Replaces the file's contents.",
        )]),
        true,
        |session, args, input| {
            let values = input_items(args, input, "Value");
            let text: String = values.iter().map(|v| v.to_text() + "\n").collect();
            write_text(
                session,
                "Set-Content",
                &args.text("Path").unwrap_or_default(),
                &text,
                false,
            )?;
            Ok(Vec::new())
        },
    )
}

pub fn out_file() -> Builtin {
    Builtin::new(
        command_info(
            "Out-File",
            &[],
            "Sends output to a file.",
            "Writes the objects as the console shows them.",
            vec![
                param("FilePath", T::Text, "The file.")
                    .position(0)
                    .mandatory(),
                param("Append", T::Switch, "Add to the end."),
                param("InputObject", T::Any, "The objects.").takes_pipeline_input(),
            ],
            "None",
        )
        .examples(vec![example(
            "Save output as text",
            "Get-ChildItem Cert:\\LocalMachine\\My | Out-File certificates.txt",
            "-Append adds to the file.",
        )]),
        true,
        |session, args, input| {
            let values = input_items(args, input, "InputObject");
            let text = crate::format::render_to_string(&values);
            write_text(
                session,
                "Out-File",
                &args.text("FilePath").unwrap_or_default(),
                &text,
                args.switch("Append"),
            )?;
            Ok(Vec::new())
        },
    )
}
