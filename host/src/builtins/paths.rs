//! `Join-Path`, `Split-Path` and `Resolve-Path`, with the FileSystem provider's rules as
//! PowerShell 7 applies them on Linux: `/` separates, `\` is accepted and turned into
//! `/`. Drive-qualified paths (`Cert:\LocalMachine`, `C:\Windows`) keep `\`, as their
//! providers do. Joining and splitting are lexical; only -Resolve and `Resolve-Path`
//! look at the file system (relative paths against the working directory, `~` the home
//! directory, wildcards expanded).

use super::utility::Builtin;
use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CommandError, CommandResult, ParamExt, ParameterInfo, ParameterType as T,
    command_info, example, example_with_output, param,
};
use crate::engine::{Session, Value};
use std::path::{Component, Path, PathBuf};

// ----- lexical path operations -------------------------------------------------------------

/// The drive name of a drive-qualified path (`Cert` of `Cert:\My`), if it is one.
fn drive_of(path: &str) -> Option<&str> {
    let colon = path.find(':')?;
    let name = &path[..colon];
    (!name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.')).then_some(name)
}

/// The separator a path's provider uses: `\` for drive-qualified paths, else `/`.
fn separator_of(path: &str) -> char {
    if drive_of(path).is_some() { '\\' } else { '/' }
}

/// `path` with only `separator` between its parts.
fn normalize(path: &str, separator: char) -> String {
    let other = if separator == '/' { '\\' } else { '/' };
    path.replace(other, &separator.to_string())
}

/// `parent` and `child` joined with one separator between them (PowerShell's MakePath).
pub(crate) fn join(parent: &str, child: &str) -> String {
    let separator = separator_of(if parent.is_empty() { child } else { parent });
    let parent = normalize(parent, separator);
    let child = normalize(child, separator);
    if parent.is_empty() {
        return child;
    }
    let child = child.strip_prefix(separator).unwrap_or(&child);
    if parent.ends_with(separator) {
        format!("{parent}{child}")
    } else {
        format!("{parent}{separator}{child}")
    }
}

/// The drive prefix (`C:`) and the rest of a drive-qualified path.
fn split_drive(path: &str) -> (&str, &str) {
    match drive_of(path) {
        Some(drive) => path.split_at(drive.len() + 1),
        None => ("", path),
    }
}

/// The parent container (`Split-Path -Parent`): empty when there is none.
pub(crate) fn parent(path: &str) -> String {
    let separator = separator_of(path);
    let (drive, rest) = split_drive(path);
    let rest = normalize(rest, separator);
    let trimmed = rest.trim_end_matches(separator);
    let parent = match trimmed.rfind(separator) {
        None => return String::new(),
        Some(0) => &trimmed[..1],
        Some(i) => &trimmed[..i],
    };
    format!("{drive}{parent}")
}

/// The last element (`Split-Path -Leaf`), trailing separators ignored.
pub(crate) fn leaf(path: &str) -> String {
    let separator = separator_of(path);
    let (_, rest) = split_drive(path);
    let rest = normalize(rest, separator);
    let trimmed = rest.trim_end_matches(separator);
    match trimmed.rfind(separator) {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// The extension of a file name, with its dot (.NET's `Path.GetExtension`): empty when
/// there is none or the name ends with a dot.
pub(crate) fn extension(name: &str) -> String {
    match name.rfind('.') {
        Some(i) if i + 1 < name.len() => name[i..].to_string(),
        _ => String::new(),
    }
}

/// A file name without its extension (.NET's `Path.GetFileNameWithoutExtension`).
pub(crate) fn leaf_base(name: &str) -> String {
    match name.rfind('.') {
        Some(i) => name[..i].to_string(),
        None => name.to_string(),
    }
}

/// The qualifier (`Split-Path -Qualifier`): the drive with its colon, or a provider
/// qualifier with its `::`.
pub(crate) fn qualifier(path: &str) -> Option<String> {
    if let Some(i) = path.find("::") {
        return Some(path[..i + 2].to_string());
    }
    path.find(':').map(|i| path[..=i].to_string())
}

/// The path without its qualifier (`Split-Path -NoQualifier`).
pub(crate) fn no_qualifier(path: &str) -> String {
    if let Some(i) = path.find("::") {
        return path[i + 2..].to_string();
    }
    if is_absolute(path) {
        return split_drive(path).1.to_string();
    }
    path.to_string()
}

/// Whether a path is absolute: from the root (`/`, `\`) or drive-qualified; a path
/// starting `./` or `.\` is always relative.
pub(crate) fn is_absolute(path: &str) -> bool {
    if path.starts_with("./") || path.starts_with(".\\") {
        return false;
    }
    path.starts_with(['/', '\\']) || path.find(':').is_some_and(|i| i > 0)
}

/// `path` without `.` and `..` parts (lexically, as PowerShell does: links are not followed).
pub(crate) fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to the directory `base`: `./name`, `../other/name`, `./` for `base`.
pub(crate) fn relative_to(path: &Path, base: &Path) -> String {
    let path: Vec<Component> = path.components().collect();
    let base: Vec<Component> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); base.len() - common];
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.first().is_some_and(|p| p == "..") {
        parts.join("/")
    } else {
        format!("./{}", parts.join("/"))
    }
}

// ----- resolving against the file system ---------------------------------------------------

/// The absolute, cleaned path `path` names (`~` is the home directory).
pub(crate) fn absolute(session: &Session, path: &str) -> PathBuf {
    let path = normalize(path, '/');
    let home = || std::env::var("HOME").unwrap_or_else(|_| "/".into());
    let expanded = if path == "~" {
        home()
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{}/{rest}", home())
    } else {
        path
    };
    clean(&super::shell::resolve(session, &expanded))
}

/// The entries of `dir` whose names match `pattern` (case-insensitively); names
/// starting with `.` (hidden on Linux) only with `force` or a pattern starting with `.`.
fn matching_entries(dir: &Path, pattern: &str, force: bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| force || !n.starts_with('.') || pattern.starts_with('.'))
        .filter(|n| crate::engine::operators::wildcard_match(pattern, n, false))
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    names.into_iter().map(|n| dir.join(n)).collect()
}

/// The existing paths `path` names: itself, or (with wildcards, unless `literal`) every
/// match.
fn existing_paths(full: &Path, literal: bool, force: bool) -> Vec<PathBuf> {
    let text = full.to_string_lossy();
    if literal || !crate::engine::operators::has_wildcard(&text) {
        return if full.exists() {
            vec![full.to_path_buf()]
        } else {
            Vec::new()
        };
    }
    let mut found = vec![PathBuf::from("/")];
    for part in full.components().skip(1) {
        let part = part.as_os_str().to_string_lossy();
        found = if crate::engine::operators::has_wildcard(&part) {
            found
                .iter()
                .flat_map(|dir| matching_entries(dir, &part, force))
                .collect()
        } else {
            found
                .into_iter()
                .map(|p| p.join(part.as_ref()))
                .filter(|p| p.exists())
                .collect()
        };
    }
    found
}

fn not_found(command: &str, shown: &str) -> CommandError {
    CommandError::new(
        command,
        "ObjectNotFound",
        "PathNotFound",
        format!("Cannot find path '{shown}' because it does not exist."),
    )
}

/// A `Cert:` path, checked to exist and written in its canonical form.
fn resolve_cert_path(
    session: &mut Session,
    command: &str,
    path: &str,
) -> Option<Result<String, CommandError>> {
    use super::CertPath;
    let parsed = super::parse_cert_path(path)?;
    Some(match parsed {
        // The parser's message names what is wrong (a location, a store, a thumbprint).
        Err(message) => Err(CommandError::new(
            command,
            "ObjectNotFound",
            "PathNotFound",
            message,
        )),
        Ok(CertPath::Root) => Ok("Cert:\\".into()),
        Ok(CertPath::Location(l)) => Ok(format!("Cert:\\{l}")),
        Ok(CertPath::Store { location, store }) => Ok(format!("Cert:\\{location}\\{store}")),
        Ok(CertPath::Item {
            location,
            store,
            thumbprint,
            warning,
        }) => {
            if let Some(warning) = warning {
                session.warning(&warning);
            }
            let exists = super::with_database(session, |db| {
                db.get_certificate_without_key(&store, &thumbprint)
                    .is_ok_and(|c| c.is_some())
            });
            if exists {
                Ok(format!("Cert:\\{location}\\{store}\\{thumbprint}"))
            } else {
                Err(not_found(command, &crate::thumbprint::visible(path)))
            }
        }
    })
}

/// The existing items `path` names, as full paths; an error when there is none.
fn resolve_existing(
    session: &mut Session,
    command: &str,
    path: &str,
    literal: bool,
    force: bool,
) -> Result<Vec<String>, CommandError> {
    if let Some(cert) = resolve_cert_path(session, command, path) {
        return cert.map(|p| vec![p]);
    }
    let full = absolute(session, path);
    let found = existing_paths(&full, literal, force);
    if found.is_empty() {
        return Err(not_found(command, &full.to_string_lossy()));
    }
    Ok(found
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect())
}

fn texts(args: &BoundArguments, name: &str) -> Vec<String> {
    args.get(name)
        .map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
        .unwrap_or_default()
}

/// The paths given: `-Path` or `-LiteralPath` (whether literal); one of them is needed.
fn given_paths(command: &str, args: &BoundArguments) -> Result<(Vec<String>, bool), CommandError> {
    match (args.get("Path"), args.get("LiteralPath")) {
        (Some(_), None) => Ok((texts(args, "Path"), false)),
        (None, Some(_)) => Ok((texts(args, "LiteralPath"), true)),
        (None, None) => Err(CommandError::new(
            command,
            "InvalidArgument",
            "MissingMandatoryParameter",
            "Cannot process command because of one or more missing mandatory parameters: Path. Give a path (or -LiteralPath) or pipe one in.",
        )),
        (Some(_), Some(_)) => Err(CommandError::new(
            command,
            "InvalidArgument",
            "AmbiguousParameterSet",
            "Parameter set cannot be resolved using the specified named parameters. Give -Path or -LiteralPath, not both.",
        )),
    }
}

fn literal_path_param(help: &str) -> ParameterInfo {
    param("LiteralPath", T::TextList, help)
        .aliases(&["PSPath", "LP"])
        .by_property_name()
}

// ----- Join-Path -----------------------------------------------------------------------------

fn join_path_run(session: &mut Session, args: &BoundArguments, _: Option<&Value>) -> CommandResult {
    let mut children = vec![args.text("ChildPath").unwrap_or_default()];
    children.extend(texts(args, "AdditionalChildPath"));
    children.extend(args.remaining.iter().map(Value::to_text));
    let mut out = Vec::new();
    for path in texts(args, "Path") {
        let joined = children.iter().fold(path, |p, c| join(&p, c));
        if args.switch("Resolve") {
            let found = resolve_existing(session, "Join-Path", &joined, false, false)?;
            out.extend(found.into_iter().map(Value::String));
        } else {
            out.push(Value::String(joined));
        }
    }
    Ok(out)
}

pub fn join_path() -> Builtin {
    Builtin::new(
        command_info(
            "Join-Path",
            &[],
            "Combines a path and a child path into a single path.",
            "Joins each -Path with -ChildPath and any further child paths, with one separator between them ('/'; '\\' is accepted and turned into '/'; drive-qualified paths such as Cert:\\ keep '\\'). -Resolve returns the existing items the joined path names (wildcards allowed) and fails when there are none.",
            vec![
                param("Path", T::TextList, "The main path (or paths).")
                    .position(0)
                    .mandatory()
                    .takes_pipeline_input()
                    .by_property_name()
                    .aliases(&["PSPath"]),
                param("ChildPath", T::Text, "The path to append.")
                    .position(1)
                    .mandatory()
                    .by_property_name(),
                param(
                    "AdditionalChildPath",
                    T::TextList,
                    "More paths to append, in order (also every further positional argument).",
                )
                .position(2)
                .by_property_name(),
                param(
                    "Resolve",
                    T::Switch,
                    "Return the existing items the joined path names.",
                ),
            ],
            "String",
        )
        .examples(vec![
            example_with_output(
                "Combine a path with a child path",
                "Join-Path -Path \"path\" -ChildPath \"childpath\"\nJoin-Path -Path \"path\\\" -ChildPath \"\\childpath\"",
                "There is one separator between the parts, whichever separators they had.",
                "path/childpath\npath/childpath\n",
            ),
            example_with_output(
                "Combine an indefinite number of paths",
                "Join-Path a b c d e f g",
                "a binds to -Path, b to -ChildPath and the rest to -AdditionalChildPath.",
                "a/b/c/d/e/f/g\n",
            ),
        ]),
        false,
        join_path_run,
    )
    .taking_remaining_arguments()
}

// ----- Split-Path ----------------------------------------------------------------------------

/// The part of `path` the switches ask for (the parent by default).
fn split_one(args: &BoundArguments, path: &str) -> Result<Value, CommandError> {
    let text = |s: String| Ok(Value::String(s));
    if args.switch("IsAbsolute") {
        return Ok(Value::Bool(is_absolute(path)));
    }
    if args.switch("Qualifier") {
        return qualifier(path).map(Value::String).ok_or_else(|| {
            CommandError::new(
                "Split-Path",
                "InvalidArgument",
                "ParsePathFormatError",
                format!(
                    "Cannot parse path because path '{path}' does not have a qualifier specified."
                ),
            )
        });
    }
    if args.switch("NoQualifier") {
        return text(no_qualifier(path));
    }
    if args.switch("Leaf") {
        return text(leaf(path));
    }
    if args.switch("LeafBase") {
        return text(leaf_base(&leaf(path)));
    }
    if args.switch("Extension") {
        return text(extension(&leaf(path)));
    }
    text(parent(path))
}

fn split_path_run(
    session: &mut Session,
    args: &BoundArguments,
    _: Option<&Value>,
) -> CommandResult {
    let (paths, literal) = given_paths("Split-Path", args)?;
    let paths = if args.switch("Resolve") {
        let mut found = Vec::new();
        for p in &paths {
            found.extend(resolve_existing(session, "Split-Path", p, literal, false)?);
        }
        found
    } else {
        paths
    };
    paths
        .iter()
        .map(|p| split_one(args, p).map_err(Into::into))
        .collect()
}

fn split_switch(name: &str, set: &str, help: &str) -> ParameterInfo {
    param(name, T::Switch, help).in_sets(&[(set, false)])
}

pub fn split_path() -> Builtin {
    Builtin::new(
        command_info(
            "Split-Path",
            &[],
            "Returns the specified part of a path.",
            "The parent container by default (empty when there is none); -Leaf the last element, -LeafBase it without extension, -Extension its extension, -Qualifier the drive (C:, Cert:), -NoQualifier the rest, -IsAbsolute whether the path is absolute. The parts are found lexically; -Resolve splits the existing items the path names instead.",
            vec![
                param("Path", T::TextList, "The paths to split.")
                    .position(0)
                    .takes_pipeline_input()
                    .by_property_name(),
                literal_path_param("The paths to split (no wildcards)."),
                split_switch("Parent", "ParentSet", "The parent container (the default)."),
                split_switch("Leaf", "LeafSet", "The last element."),
                split_switch("LeafBase", "LeafBaseSet", "The last element without its extension."),
                split_switch("Extension", "ExtensionSet", "The extension of the last element."),
                split_switch("Qualifier", "QualifierSet", "The drive (C:, Cert:)."),
                split_switch("NoQualifier", "NoQualifierSet", "The path without its drive."),
                split_switch(
                    "IsAbsolute",
                    "IsAbsoluteSet",
                    "$true for an absolute path, $false for a relative one.",
                ),
                param("Resolve", T::Switch, "Split the existing items the path names."),
            ],
            "String",
        )
        .default_set("ParentSet")
        .examples(vec![
            example_with_output(
                "Get the parts of a path",
                "Split-Path -Path \"HKCU:\\Software\\Microsoft\" -Qualifier\nSplit-Path -Path .\\folder1\\*.txt -Leaf\nSplit-Path -Path .\\folder1\\file1.txt -Parent\nSplit-Path -Path \".\\My Pictures\\*.jpg\" -IsAbsolute",
                "On Linux the '\\' separators come out as '/'.",
                "HKCU:\n*.txt\n./folder1\nFalse\n",
            ),
            example_with_output(
                "The name and extension of a file",
                "'/var/log/certhost/renewals.log' | Split-Path -LeafBase\nSplit-Path /var/log/certhost/renewals.log -Extension",
                "A path can be piped.",
                "renewals\n.log\n",
            ),
        ]),
        false,
        split_path_run,
    )
}

// ----- Resolve-Path --------------------------------------------------------------------------

fn resolve_path_run(
    session: &mut Session,
    args: &BoundArguments,
    _: Option<&Value>,
) -> CommandResult {
    let (paths, literal) = given_paths("Resolve-Path", args)?;
    let base = match args.text("RelativeBasePath") {
        Some(b) => absolute(session, &b),
        None => clean(&super::shell::resolve(session, ".")),
    };
    let mut out = Vec::new();
    for path in paths {
        let found = resolve_existing(
            session,
            "Resolve-Path",
            &path,
            literal,
            args.switch("Force"),
        )?;
        for full in found {
            out.push(if args.switch("Relative") && !full.starts_with("Cert:") {
                Value::String(relative_to(Path::new(&full), &base))
            } else {
                Value::object("PathInfo", vec![("Path".into(), Value::String(full))])
            });
        }
    }
    Ok(out)
}

pub fn resolve_path() -> Builtin {
    Builtin::new(
        command_info(
            "Resolve-Path",
            &["rvpa"],
            "Resolves the wildcard characters in a path, and displays the path contents.",
            "The full path of each existing item the path names (relative paths against the working directory, ~ the home directory, wildcards expanded; names starting with '.' match a wildcard only with -Force or a pattern starting with '.'). A path that names nothing is an error. -Relative gives ./ paths relative to the working directory (or -RelativeBasePath).",
            vec![
                param("Path", T::TextList, "The paths to resolve (wildcards allowed).")
                    .position(0)
                    .takes_pipeline_input()
                    .by_property_name(),
                literal_path_param("The paths to resolve (no wildcards)."),
                param("Relative", T::Switch, "Return paths relative to the current directory."),
                param(
                    "RelativeBasePath",
                    T::Text,
                    "The directory -Relative paths are relative to.",
                ),
                param("Force", T::Switch, "Let wildcards match hidden ('.') names too."),
            ],
            "PathInfo",
        )
        .examples(vec![
            example_with_output(
                "Get a relative path",
                "Set-Content notes.txt 'renew in March'\nResolve-Path -Path notes.txt -Relative",
                "Without -Relative the full path is returned (as a PathInfo object with a Path property).",
                "./notes.txt\n",
            ),
            example(
                "Resolve the home folder path",
                "Resolve-Path ~",
                "The tilde is the current user's home folder.",
            ),
        ]),
        false,
        resolve_path_run,
    )
}

/// `Remove-Item` on files: each file `path` names (wildcards allowed); a folder only
/// with `recurse`. Nothing is removed when a folder without -Recurse is among them.
pub(super) fn remove_files(
    session: &Session,
    path: &str,
    recurse: bool,
    force: bool,
) -> Result<(), CommandError> {
    let full = session.resolve_path(path);
    let found = existing_paths(&full, false, force);
    if found.is_empty() {
        return Err(not_found("Remove-Item", path));
    }
    if let Some(dir) = found.iter().find(|p| p.is_dir() && !recurse) {
        return Err(CommandError::new(
            "Remove-Item",
            "InvalidOperation",
            "DirectoryNotEmpty",
            format!(
                "'{}' is a folder: add -Recurse to remove it with everything in it.",
                dir.display()
            ),
        ));
    }
    for p in found {
        let removed = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        removed.map_err(|e| {
            CommandError::new(
                "Remove-Item",
                "WriteError",
                "RemoveFileSystemItemIOError",
                format!(
                    "Cannot remove '{}': {}.",
                    p.display(),
                    crate::paths::io_reason(&e)
                ),
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_puts_one_separator_between_the_parts() {
        // Join-Path, examples 1, 2 and 7 (Linux separators).
        assert_eq!(join("path", "childpath"), "path/childpath");
        assert_eq!(join("path\\", "\\childpath"), "path/childpath");
        let all = ["b", "c", "d", "e", "f", "g"]
            .iter()
            .fold("a".to_string(), |p, c| join(&p, c));
        assert_eq!(all, "a/b/c/d/e/f/g");
        assert_eq!(join("/", "etc"), "/etc");
        assert_eq!(join("", "a\\b"), "a/b");
        assert_eq!(join("dir", "/"), "dir/");
    }

    #[test]
    fn drive_qualified_paths_keep_backslashes() {
        // Join-Path, example 5.
        assert_eq!(join("C:", "New"), "C:\\New");
        assert_eq!(join("Cert:\\LocalMachine", "My"), "Cert:\\LocalMachine\\My");
        assert_eq!(parent("Cert:\\LocalMachine\\My"), "Cert:\\LocalMachine");
        assert_eq!(parent("Cert:\\LocalMachine"), "Cert:\\");
        // Split-Path, example 6.
        assert_eq!(
            parent("C:\\Users\\User01\\My Documents\\My Pictures"),
            "C:\\Users\\User01\\My Documents"
        );
    }

    #[test]
    fn parent_and_leaf() {
        // Split-Path, examples 2 and 3.
        assert_eq!(parent(".\\folder1\\file1.txt"), "./folder1");
        assert_eq!(leaf(".\\folder1\\*.txt"), "*.txt");
        assert_eq!(parent("/usr/bin/"), "/usr");
        assert_eq!(parent("/usr"), "/");
        assert_eq!(parent("/"), "");
        assert_eq!(parent("file.txt"), "");
        assert_eq!(leaf("/usr/bin/"), "bin");
        assert_eq!(leaf("file.txt"), "file.txt");
    }

    #[test]
    fn extension_and_leaf_base() {
        // Split-Path -Extension / -LeafBase on C:\Test\Logs\Pass1.log.
        let name = leaf("C:\\Test\\Logs\\Pass1.log");
        assert_eq!(name, "Pass1.log");
        assert_eq!(extension(&name), ".log");
        assert_eq!(leaf_base(&name), "Pass1");
        assert_eq!(extension("archive.tar.gz"), ".gz");
        assert_eq!(leaf_base("archive.tar.gz"), "archive.tar");
        assert_eq!(extension("README"), "");
        assert_eq!(extension("file."), "");
        assert_eq!(leaf_base("file."), "file");
        assert_eq!(extension(".bashrc"), ".bashrc");
        assert_eq!(leaf_base(".bashrc"), "");
    }

    #[test]
    fn qualifiers() {
        // Split-Path, example 1, and -NoQualifier's description.
        assert_eq!(
            qualifier("HKCU:\\Software\\Microsoft").as_deref(),
            Some("HKCU:")
        );
        assert_eq!(qualifier("/usr/bin"), None);
        assert_eq!(
            no_qualifier("C:\\Test\\Logs\\Pass1.log"),
            "\\Test\\Logs\\Pass1.log"
        );
        assert_eq!(no_qualifier("/usr/bin"), "/usr/bin");
        assert_eq!(
            qualifier("Microsoft.PowerShell.Core\\FileSystem::/tmp").as_deref(),
            Some("Microsoft.PowerShell.Core\\FileSystem::")
        );
    }

    #[test]
    fn absolute_or_relative() {
        // Split-Path, example 4.
        assert!(!is_absolute(".\\My Pictures\\*.jpg"));
        assert!(is_absolute("/etc/hosts"));
        assert!(is_absolute("\\etc"));
        assert!(is_absolute("Cert:\\LocalMachine"));
        assert!(!is_absolute("notes.txt"));
        assert!(!is_absolute("./a:b"));
    }

    #[test]
    fn relative_paths() {
        let base = Path::new("/home/user");
        assert_eq!(
            relative_to(Path::new("/home/user/notes.txt"), base),
            "./notes.txt"
        );
        assert_eq!(relative_to(Path::new("/home/other/x"), base), "../other/x");
        assert_eq!(relative_to(Path::new("/home/user"), base), "./");
        assert_eq!(relative_to(Path::new("/home"), base), "..");
        assert_eq!(clean(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
    }

    #[test]
    fn wildcards_expand_to_existing_entries() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["b.txt", "A.txt", "c.log", ".hidden.txt"] {
            std::fs::write(dir.path().join(name), "").expect("write");
        }
        let names = |pattern: &str, force: bool| -> Vec<String> {
            existing_paths(&dir.path().join(pattern), false, force)
                .iter()
                .map(|p| leaf(&p.to_string_lossy()))
                .collect()
        };
        assert_eq!(names("*.txt", false), vec!["A.txt", "b.txt"]);
        assert_eq!(names("*.TXT", true), vec![".hidden.txt", "A.txt", "b.txt"]);
        assert_eq!(names(".h*", false), vec![".hidden.txt"]);
        assert_eq!(names("c.log", false), vec!["c.log"]);
        assert!(names("missing", false).is_empty());
        assert!(existing_paths(&dir.path().join("*.txt"), true, false).is_empty());
    }
}
