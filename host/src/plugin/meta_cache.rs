//! The built-in component's cmdlet metadata, cached beside its precompiled artifact.
//!
//! The shell must know the component's cmdlets (names, parameters) to bind a command
//! line, but most scripts call none of them: reading this small file instead of loading
//! and instantiating the component keeps a one-line command's start-up to the shell's own.
//! The file is keyed by the component's SHA-256 and kept under the same rules as the
//! artifact (0600 in the user's 0700 cache directory, written atomically); anything
//! unreadable is rebuilt from the component.

use certhost_cmdlet_meta::{
    CmdletInfo, Example, ParameterInfo, ParameterSetMembership, ParameterType,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Bumped when the file's layout changes.
const FORMAT: u32 = 1;

fn path(cache_dir: &Path, name: &str, wasm_sha256: &str) -> PathBuf {
    cache_dir.join(format!(
        "{name}-{}.cmdlets-v{FORMAT}.json",
        &wasm_sha256[..32.min(wasm_sha256.len())]
    ))
}

/// The cached metadata, when a trustworthy file for this component is there.
pub fn read(cache_dir: &Path, name: &str, wasm_sha256: &str) -> Option<Vec<CmdletInfo>> {
    let path = path(cache_dir, name, wasm_sha256);
    if !super::cache::trustworthy(&path) {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value.as_array()?.iter().map(cmdlet_from_json).collect()
}

/// Caches `infos`; a failure only means the next start loads the component again.
pub fn write(cache_dir: &Path, name: &str, wasm_sha256: &str, infos: &[CmdletInfo]) {
    let json = Value::Array(infos.iter().map(cmdlet_to_json).collect());
    if crate::paths::create_private_dir(cache_dir).is_ok() {
        let _ = crate::paths::write_atomically(
            &path(cache_dir, name, wasm_sha256),
            json.to_string().as_bytes(),
            true,
        );
    }
}

const TYPES: [(ParameterType, &str); 8] = [
    (ParameterType::Switch, "switch"),
    (ParameterType::Text, "text"),
    (ParameterType::TextList, "text-list"),
    (ParameterType::Integer, "integer"),
    (ParameterType::Datetime, "datetime"),
    (ParameterType::SecureText, "secure-text"),
    (ParameterType::Certificate, "certificate"),
    (ParameterType::Any, "any"),
];

fn cmdlet_to_json(info: &CmdletInfo) -> Value {
    json!({
        "name": info.name,
        "aliases": info.aliases,
        "synopsis": info.synopsis,
        "description": info.description,
        "parameters": info.parameters.iter().map(parameter_to_json).collect::<Vec<_>>(),
        "default_parameter_set": info.default_parameter_set,
        "examples": info.examples.iter().map(|e| json!({
            "title": e.title,
            "code": e.code,
            "remarks": e.remarks,
            "output": e.output,
            "needs_console": e.needs_console,
            "needs_server": e.needs_server,
        })).collect::<Vec<_>>(),
        "output_type": info.output_type,
        "changes_state": info.changes_state,
    })
}

fn parameter_to_json(p: &ParameterInfo) -> Value {
    let type_name = TYPES
        .iter()
        .find(|(t, _)| *t == p.type_)
        .map_or("any", |(_, n)| n);
    json!({
        "name": p.name,
        "aliases": p.aliases,
        "type": type_name,
        "sets": p.sets.iter().map(|s| json!({
            "set_name": s.set_name,
            "mandatory": s.mandatory,
            "position": s.position,
            "from_pipeline": s.from_pipeline,
            "from_pipeline_by_property_name": s.from_pipeline_by_property_name,
        })).collect::<Vec<_>>(),
        "help": p.help,
        "accepted_values": p.accepted_values,
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_string)
}

fn texts(v: &Value, key: &str) -> Option<Vec<String>> {
    v.get(key)?
        .as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn flag(v: &Value, key: &str) -> Option<bool> {
    v.get(key)?.as_bool()
}

fn cmdlet_from_json(v: &Value) -> Option<CmdletInfo> {
    Some(CmdletInfo {
        name: text(v, "name")?,
        aliases: texts(v, "aliases")?,
        synopsis: text(v, "synopsis")?,
        description: text(v, "description")?,
        parameters: v
            .get("parameters")?
            .as_array()?
            .iter()
            .map(parameter_from_json)
            .collect::<Option<_>>()?,
        default_parameter_set: text(v, "default_parameter_set")?,
        examples: v
            .get("examples")?
            .as_array()?
            .iter()
            .map(|e| {
                Some(Example {
                    title: text(e, "title")?,
                    code: text(e, "code")?,
                    remarks: text(e, "remarks")?,
                    output: text(e, "output"),
                    needs_console: flag(e, "needs_console")?,
                    needs_server: flag(e, "needs_server")?,
                })
            })
            .collect::<Option<_>>()?,
        output_type: text(v, "output_type")?,
        changes_state: flag(v, "changes_state")?,
    })
}

fn parameter_from_json(v: &Value) -> Option<ParameterInfo> {
    let type_name = text(v, "type")?;
    Some(ParameterInfo {
        name: text(v, "name")?,
        aliases: texts(v, "aliases")?,
        type_: TYPES.iter().find(|(_, n)| *n == type_name)?.0,
        sets: v
            .get("sets")?
            .as_array()?
            .iter()
            .map(|s| {
                Some(ParameterSetMembership {
                    set_name: text(s, "set_name")?,
                    mandatory: flag(s, "mandatory")?,
                    position: match s.get("position")? {
                        Value::Null => None,
                        n => Some(u32::try_from(n.as_u64()?).ok()?),
                    },
                    from_pipeline: flag(s, "from_pipeline")?,
                    from_pipeline_by_property_name: flag(s, "from_pipeline_by_property_name")?,
                })
            })
            .collect::<Option<_>>()?,
        help: text(v, "help")?,
        accepted_values: texts(v, "accepted_values")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_round_trips_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let mut info = certhost_cmdlet_meta::cmdlet(
            "Get-Thing",
            "Gets a thing.",
            "Gets the thing.",
            vec![
                certhost_cmdlet_meta::param("Name", ParameterType::Text, "The name."),
                certhost_cmdlet_meta::param("Password", ParameterType::SecureText, "A password."),
            ],
            vec![certhost_cmdlet_meta::example(
                "Get it",
                "Get-Thing -Name a",
                "Gets a.",
            )],
            "Thing",
        );
        info.parameters[0].sets[0].position = Some(0);
        info.examples[0].output = Some("a".into());
        write(&cache, "guest", "00ff", std::slice::from_ref(&info));
        assert_eq!(read(&cache, "guest", "00ff"), Some(vec![info]));
        assert_eq!(
            read(&cache, "guest", "11ee"),
            None,
            "another component's file"
        );
    }
}
