//! `Import-Module` (with its grants) and `Get-Module`.
//!
//! An imported component gets messages and primitives only. `-Allow` grants more by
//! capability name; `-AllowStore` and `-AllowPath` narrow the store and file grants. In an
//! interactive session, each capability that the module's imports could use and that
//! was not granted is asked for once; `-NonInteractive` never asks. A capability that
//! stays ungranted is not an import failure: the module loads with a warning that names
//! the interface and the flag, and its calls get `permission-denied`.

use super::shell::resolve;
use super::utility::Builtin;
use crate::engine::command::{
    CommandError, ParamExt, ParameterType as T, command_info, example, input_items, param,
};
use crate::engine::{Session, Value};
use crate::plugin::{Capability, Grants};
use std::rc::Rc;

const IMPORT: &str = "Import-Module";

fn invalid(message: String) -> CommandError {
    CommandError::new(IMPORT, "InvalidArgument", "Modules_InvalidGrant", message)
}

/// The values of a list parameter, as text.
fn texts(args: &crate::engine::BoundArguments, name: &str) -> Vec<String> {
    input_items(args, None, name)
        .iter()
        .map(Value::to_text)
        .collect()
}

/// The grants the arguments ask for.
fn requested_grants(
    session: &Session,
    args: &crate::engine::BoundArguments,
) -> Result<Grants, CommandError> {
    let mut grants = Grants::imported();
    for name in texts(args, "Allow") {
        for part in name.split(',').filter(|p| !p.trim().is_empty()) {
            for capability in Capability::parse(part).map_err(|e| invalid(e.to_string()))? {
                grants.allow(capability);
            }
        }
    }
    let stores = texts(args, "AllowStore");
    if !stores.is_empty() {
        if !grants.store.read && !grants.store.write {
            return Err(invalid(
                "-AllowStore narrows a store grant: add -Allow Store, StoreRead, StoreWrite or PrivateKeys".into(),
            ));
        }
        grants.limit_stores(stores);
    }
    let dirs = texts(args, "AllowPath");
    if !dirs.is_empty() {
        if !grants.has(Capability::FilesRead) && !grants.has(Capability::FilesWrite) {
            return Err(invalid(
                "-AllowPath narrows a file grant: add -Allow Files, FilesRead or FilesWrite".into(),
            ));
        }
        let state_dir = crate::plugin::grants::real_path(&super::host(session).services.state_dir);
        let mut resolved = Vec::new();
        for dir in dirs.iter().flat_map(|d| d.split(',')) {
            let dir = dir.trim();
            if dir.is_empty() {
                return Err(invalid(
                    "-AllowPath got an empty directory name; give the directories the module may use".into(),
                ));
            }
            let real = crate::plugin::grants::real_path(&resolve(session, dir));
            if !real.is_dir() {
                return Err(invalid(format!(
                    "-AllowPath '{dir}' is not a directory; give existing directories"
                )));
            }
            if real.starts_with(&state_dir) {
                return Err(invalid(format!(
                    "-AllowPath '{dir}' is inside certhost's state directory, which no module may use"
                )));
            }
            resolved.push(real);
        }
        grants.limit_paths(resolved);
    }
    Ok(grants)
}

/// Asks once for each capability the module's imports could use and was not granted.
fn ask_for_missing(
    session: &mut Session,
    module: &str,
    missing: &[(String, Capability)],
) -> Vec<Capability> {
    let mut granted = Vec::new();
    let mut asked = Vec::new();
    for (interface, capability) in missing {
        if asked.contains(capability) {
            continue;
        }
        asked.push(*capability);
        let question = format!(
            "\nThe module '{module}' imports {interface}.\nGrant {} ({})?\n[Y] Yes  [N] No  (default is \"N\"): ",
            capability.name(),
            capability.description()
        );
        if let Ok(Some(answer)) = session.read_console_line(&question, false)
            && matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
        {
            granted.push(*capability);
        }
    }
    granted
}

pub fn import_module() -> Builtin {
    let mut info = command_info(
        IMPORT,
        &["ipmo"],
        "Adds the cmdlets of a WebAssembly component to the session, with the capabilities you grant it.",
        "Loads a component (.wasm) that exports certhost:plugin/cmdlets and registers its cmdlets. The component runs sandboxed and may by default only show messages and use the host's primitives; -Allow grants more: Store (StoreRead and StoreWrite, without private keys), PrivateKeys, Files (FilesRead and FilesWrite: the working directory and the paths named in a command), Bindings, Server. -AllowStore limits store access to the named stores; -AllowPath replaces the working directory with the named directories. certhost's state directory is never reachable. In an interactive session you are asked once for each capability the module's imports could use that you did not grant; with -NonInteractive nothing is asked and calls that need it get permission-denied.",
        vec![
            param("Name", T::Text, "Path of the .wasm component.")
                .position(0)
                .mandatory(),
            param(
                "Allow",
                T::TextList,
                "Capabilities to grant: Store, StoreRead, StoreWrite, PrivateKeys (implies StoreRead), Files, FilesRead, FilesWrite, Bindings, Server, Primitives, Messages.",
            ),
            param(
                "AllowStore",
                T::TextList,
                "Only these stores (with a store grant).",
            ),
            param(
                "AllowPath",
                T::TextList,
                "Files under these directories instead of the working directory (with a file grant).",
            ),
        ],
        "None",
    );
    info.examples = vec![
        example(
            "Grant what the module's imports need, except private keys",
            "Import-Module ./module.wasm -Allow Store,Files,Bindings,Server",
            "Without -Allow the module may only show messages and use primitives: its other calls get permission-denied (and an interactive session asks first).",
        ),
        example(
            "Narrow the grants to one store and one directory",
            "Import-Module ./module.wasm -Allow Store,Files,Bindings,Server -AllowStore Root -AllowPath .",
            "Get-Module shows the grants and the SHA-256 of the wasm.",
        ),
    ];
    Builtin::new(info, false, |session, args, _| {
        let name = args.text("Name").unwrap_or_default();
        let path = crate::plugin::grants::real_path(&resolve(session, &name));
        let mut grants = requested_grants(session, args)?;
        let host = crate::builtins::host(session);
        let mut plugin = host
            .runtime()
            .and_then(|runtime| runtime.load_file(&path, grants.clone()))
            .map_err(|e| {
                CommandError::new(
                    IMPORT,
                    "ResourceUnavailable",
                    "Modules_ModuleNotFound",
                    e.to_string(),
                )
            })?;
        let missing = plugin.ungranted();
        if !missing.is_empty() && !session.options.non_interactive {
            let more = ask_for_missing(session, plugin.name(), &missing);
            if !more.is_empty() {
                more.into_iter().for_each(|c| grants.allow(c));
                plugin = plugin.with_grants(grants);
            }
        }
        let missing = plugin.ungranted();
        if !missing.is_empty() {
            let mut names: Vec<&str> = missing.iter().map(|(_, c)| c.name()).collect();
            names.dedup();
            let mut interfaces: Vec<&str> = missing.iter().map(|(i, _)| i.as_str()).collect();
            interfaces.dedup();
            session.warning(&format!(
                "the module '{}' imports {} but was not granted {}: those calls get permission-denied. Grant them with -Allow {}",
                plugin.name(),
                interfaces.join(", "),
                names.join(", "),
                names.join(",")
            ));
        }
        super::register_module(session, Rc::new(plugin)).map_err(|e| {
            CommandError::new(
                IMPORT,
                "InvalidOperation",
                "Modules_ImportFailed",
                e.to_string(),
            )
        })?;
        Ok(Vec::new())
    })
}

pub fn get_module() -> Builtin {
    let mut info = command_info(
        "Get-Module",
        &["gmo"],
        "Lists the components loaded in this session, with their grants and the SHA-256 of their wasm.",
        "One object per component: Name, Path (empty for the built-in certificate component), Sha256 of the wasm, Grants (the capabilities it has), Imports (the certhost WIT interfaces it imports; its WASI imports grant nothing) and ExportedCommands.",
        vec![param("Name", T::Text, "Only the module of this name.").position(0)],
        "PSModuleInfo",
    );
    info.examples = vec![example(
        "What each module may do",
        "Get-Module | Select-Object Name, Grants",
        "The built-in certificate component has the shell's grants; an imported module has what you granted.",
    )];
    Builtin::new(info, false, |session, args, _| {
        let wanted = args.text("Name");
        let strings =
            |items: Vec<String>| Value::Array(items.into_iter().map(Value::String).collect());
        let host = super::host(session);
        let modules = host.modules();
        modules
            .iter()
            .filter(|m| {
                wanted
                    .as_ref()
                    .is_none_or(|w| m.plugin.name().eq_ignore_ascii_case(w))
            })
            .map(|m| {
                // The built-in component is loaded here if nothing has needed it yet.
                let p = m.plugin.resolve(&host).map_err(|e| {
                    CommandError::new(
                        "Get-Module",
                        "OperationStopped",
                        "ComponentFailed",
                        e.to_string(),
                    )
                })?;
                Ok(Value::object(
                    "PSModuleInfo",
                    vec![
                        ("Name".into(), Value::String(p.name().into())),
                        (
                            "Path".into(),
                            Value::String(
                                p.path()
                                    .map(|x| x.display().to_string())
                                    .unwrap_or_default(),
                            ),
                        ),
                        ("Sha256".into(), Value::String(p.sha256().into())),
                        ("Grants".into(), strings(p.grants().names())),
                        (
                            "Imports".into(),
                            strings(
                                p.imports()
                                    .iter()
                                    .filter(|i| i.starts_with("certhost:"))
                                    .cloned()
                                    .collect(),
                            ),
                        ),
                        ("ExportedCommands".into(), strings(m.commands.clone())),
                    ],
                ))
            })
            .collect()
    })
}
