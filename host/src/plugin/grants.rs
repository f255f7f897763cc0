//! What a component instance may do: one `Grants` value per loaded component, checked by
//! every host import before it touches the store, the file system or the bindings.
//!
//! Three profiles cover certhost's own uses: the certificate component in the shell
//! ([`Grants::shell`]), the REST worker ([`Grants::rest_worker`], no files at all) and a
//! module a user imports ([`Grants::imported`], default deny: messages and primitives).
//! `Import-Module -Allow` adds [`Capability`]s to the imported profile. Whatever the
//! grants, no path inside certhost's state directory (`$CERTHOST_HOME`: the database, the
//! precompiled-component cache) is ever readable or writable through an import.

use std::path::{Component, Path, PathBuf};

/// One capability a user can grant by name (`Import-Module -Allow <name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Show warnings and verbose messages.
    Messages,
    /// Host-computed key derivation and RSA key generation.
    Primitives,
    /// List and read certificates, without their private keys.
    StoreRead,
    /// Add and remove certificates.
    StoreWrite,
    /// Read private keys with the certificates (implies `StoreRead`).
    PrivateKeys,
    /// Read files under the working directory and those named in the command.
    FilesRead,
    /// Write files under the working directory and those named in the command.
    FilesWrite,
    /// List, add, change and remove TLS bindings.
    Bindings,
    /// Read the server identity and slots; assign slot certificates.
    Server,
}

impl Capability {
    pub const ALL: [Capability; 9] = [
        Capability::Messages,
        Capability::Primitives,
        Capability::StoreRead,
        Capability::StoreWrite,
        Capability::PrivateKeys,
        Capability::FilesRead,
        Capability::FilesWrite,
        Capability::Bindings,
        Capability::Server,
    ];

    /// The name users write.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Messages => "Messages",
            Capability::Primitives => "Primitives",
            Capability::StoreRead => "StoreRead",
            Capability::StoreWrite => "StoreWrite",
            Capability::PrivateKeys => "PrivateKeys",
            Capability::FilesRead => "FilesRead",
            Capability::FilesWrite => "FilesWrite",
            Capability::Bindings => "Bindings",
            Capability::Server => "Server",
        }
    }

    /// What granting it allows, for prompts and `Get-Module`.
    pub fn description(self) -> &'static str {
        match self {
            Capability::Messages => "show warnings and verbose messages",
            Capability::Primitives => "use host-computed key derivation and RSA key generation",
            Capability::StoreRead => "list and read certificates (without private keys)",
            Capability::StoreWrite => "add and remove certificates",
            Capability::PrivateKeys => "read private keys",
            Capability::FilesRead => {
                "read files under the working directory and those named in the command"
            }
            Capability::FilesWrite => {
                "write files under the working directory and those named in the command"
            }
            Capability::Bindings => "list, add, change and remove TLS bindings",
            Capability::Server => {
                "read the server identity and slots, and assign slot certificates"
            }
        }
    }

    /// The capabilities a user-facing name stands for: each capability by its name,
    /// plus `Store` (read and write, no keys) and `Files` (read and write). Any case.
    pub fn parse(name: &str) -> Result<Vec<Capability>, UnknownCapability> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("Store") {
            return Ok(vec![Capability::StoreRead, Capability::StoreWrite]);
        }
        if name.eq_ignore_ascii_case("Files") {
            return Ok(vec![Capability::FilesRead, Capability::FilesWrite]);
        }
        Capability::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
            .map(|c| vec![c])
            .ok_or_else(|| UnknownCapability(name.to_string()))
    }

    /// The capabilities that make a WIT interface of the contract usable; an interface
    /// that needs none of them (types) maps to nothing.
    pub fn for_interface(interface: &str) -> &'static [Capability] {
        let bare = interface
            .rsplit('/')
            .next()
            .unwrap_or(interface)
            .split('@')
            .next()
            .unwrap_or(interface);
        match bare {
            "store" => &[Capability::StoreRead, Capability::StoreWrite],
            "files" => &[Capability::FilesRead, Capability::FilesWrite],
            "bindings" => &[Capability::Bindings],
            "server" => &[Capability::Server],
            "primitives" => &[Capability::Primitives],
            "host" => &[Capability::Messages],
            _ => &[],
        }
    }
}

/// A capability name that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a capability; use Store, StoreRead, StoreWrite, PrivateKeys, Files, FilesRead, FilesWrite, Bindings, Server, Primitives or Messages"
)]
pub struct UnknownCapability(pub String);

/// Where file access reaches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PathScope {
    /// No path at all.
    #[default]
    Nothing,
    /// The shell's working directory and below, and the paths named in the command.
    WorkingDirectoryAndNamed,
    /// Under these directories (and the paths named in the command).
    Under(Vec<PathBuf>),
}

/// Which certificates of the store, and what of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreGrant {
    pub read: bool,
    pub write: bool,
    /// Reads include private keys.
    pub private_keys: bool,
    /// Only these stores (case-insensitive); `None`: every store.
    pub stores: Option<Vec<String>>,
}

/// Everything one component instance may do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grants {
    pub files_read: PathScope,
    pub files_write: PathScope,
    pub store: StoreGrant,
    pub bindings: bool,
    pub server: bool,
    pub primitives: bool,
    pub messages: bool,
}

/// A refused call: the capability it needed and why, in words for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub capability: Capability,
    pub message: String,
}

impl Grants {
    /// The certificate component in the shell: files under the working directory and
    /// those the user named in the command, the stores with keys, bindings, slots.
    pub fn shell() -> Self {
        Grants {
            files_read: PathScope::WorkingDirectoryAndNamed,
            files_write: PathScope::WorkingDirectoryAndNamed,
            store: StoreGrant {
                read: true,
                write: true,
                private_keys: true,
                stores: None,
            },
            bindings: true,
            server: true,
            primitives: true,
            messages: true,
        }
    }

    /// The REST worker: as the shell's, but no file at all (uploads arrive as bytes).
    pub fn rest_worker() -> Self {
        Grants {
            files_read: PathScope::Nothing,
            files_write: PathScope::Nothing,
            ..Grants::shell()
        }
    }

    /// An imported module: messages and primitives only, until the user grants more.
    pub fn imported() -> Self {
        Grants {
            primitives: true,
            messages: true,
            ..Grants::default()
        }
    }

    /// Adds a capability (file grants reach the working directory and named paths).
    pub fn allow(&mut self, capability: Capability) {
        match capability {
            Capability::Messages => self.messages = true,
            Capability::Primitives => self.primitives = true,
            Capability::StoreRead => self.store.read = true,
            Capability::StoreWrite => self.store.write = true,
            Capability::PrivateKeys => {
                self.store.read = true;
                self.store.private_keys = true;
            }
            Capability::FilesRead => {
                if self.files_read == PathScope::Nothing {
                    self.files_read = PathScope::WorkingDirectoryAndNamed;
                }
            }
            Capability::FilesWrite => {
                if self.files_write == PathScope::Nothing {
                    self.files_write = PathScope::WorkingDirectoryAndNamed;
                }
            }
            Capability::Bindings => self.bindings = true,
            Capability::Server => self.server = true,
        }
    }

    /// Whether a capability is granted (for `Get-Module` and import-time checks).
    pub fn has(&self, capability: Capability) -> bool {
        match capability {
            Capability::Messages => self.messages,
            Capability::Primitives => self.primitives,
            Capability::StoreRead => self.store.read,
            Capability::StoreWrite => self.store.write,
            Capability::PrivateKeys => self.store.private_keys,
            Capability::FilesRead => self.files_read != PathScope::Nothing,
            Capability::FilesWrite => self.files_write != PathScope::Nothing,
            Capability::Bindings => self.bindings,
            Capability::Server => self.server,
        }
    }

    /// The granted capabilities by name, in a fixed order.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = Capability::ALL
            .into_iter()
            .filter(|c| self.has(*c))
            .map(|c| c.name().to_string())
            .collect();
        if let Some(stores) = &self.store.stores {
            names.push(format!("Stores: {}", stores.join(",")));
        }
        for (what, scope) in [("read", &self.files_read), ("write", &self.files_write)] {
            if let PathScope::Under(dirs) = scope {
                let dirs: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
                names.push(format!("Files {what} under: {}", dirs.join(",")));
            }
        }
        names
    }

    /// Limits store access to the named stores.
    pub fn limit_stores(&mut self, stores: Vec<String>) {
        self.store.stores = Some(stores);
    }

    /// File grants reach under these directories instead of the working directory.
    pub fn limit_paths(&mut self, dirs: Vec<PathBuf>) {
        for scope in [&mut self.files_read, &mut self.files_write] {
            if *scope != PathScope::Nothing {
                *scope = PathScope::Under(dirs.clone());
            }
        }
    }
}

fn deny(module: &str, capability: Capability, what: &str) -> Denial {
    Denial {
        capability,
        message: format!(
            "permission denied: the module '{module}' may not {what}; it was not granted {}. Import it with -Allow {} to grant it",
            capability.name(),
            capability.name()
        ),
    }
}

/// Checks a grant for one component instance: the grants, the module's name for
/// messages, and the places a call resolves against.
#[derive(Debug, Clone)]
pub struct Gate {
    pub grants: Grants,
    pub module: String,
    /// Relative paths resolve against this.
    pub cwd: PathBuf,
    /// Paths the user named in the command being run.
    pub named: Vec<PathBuf>,
    /// Never reachable (certhost's state directory).
    pub protected: Vec<PathBuf>,
}

impl Gate {
    fn flag(&self, granted: bool, capability: Capability, what: &str) -> Result<(), Denial> {
        if granted {
            Ok(())
        } else {
            Err(deny(&self.module, capability, what))
        }
    }

    pub fn messages(&self) -> Result<(), Denial> {
        self.flag(self.grants.messages, Capability::Messages, "show messages")
    }

    pub fn primitives(&self) -> Result<(), Denial> {
        self.flag(
            self.grants.primitives,
            Capability::Primitives,
            "use the host's cryptographic primitives",
        )
    }

    pub fn bindings(&self) -> Result<(), Denial> {
        self.flag(
            self.grants.bindings,
            Capability::Bindings,
            "use TLS bindings",
        )
    }

    pub fn server(&self) -> Result<(), Denial> {
        self.flag(
            self.grants.server,
            Capability::Server,
            "use the server identity or certificate slots",
        )
    }

    fn store_allowed(&self, store: &str) -> Result<(), Denial> {
        match &self.grants.store.stores {
            Some(list) if !list.iter().any(|s| s.eq_ignore_ascii_case(store)) => Err(Denial {
                capability: Capability::StoreRead,
                message: format!(
                    "permission denied: the module '{}' may use only the store(s) {}, not '{store}'. Import it with -AllowStore {},{store} to add it",
                    self.module,
                    list.join(", "),
                    list.join(",")
                ),
            }),
            _ => Ok(()),
        }
    }

    /// Reading a store; `Ok(true)` when private keys may be returned with it.
    pub fn store_read(&self, store: &str) -> Result<bool, Denial> {
        self.flag(
            self.grants.store.read,
            Capability::StoreRead,
            "read certificates",
        )?;
        self.store_allowed(store)?;
        Ok(self.grants.store.private_keys)
    }

    pub fn store_write(&self, store: &str) -> Result<(), Denial> {
        self.flag(
            self.grants.store.write,
            Capability::StoreWrite,
            "add or remove certificates",
        )?;
        self.store_allowed(store)
    }

    /// The full path a component's path stands for, if it may be read.
    pub fn file_read(&self, path: &str) -> Result<PathBuf, Denial> {
        self.file(path, &self.grants.files_read, Capability::FilesRead, "read")
    }

    /// The full path a component's path stands for, if it may be written.
    pub fn file_write(&self, path: &str) -> Result<PathBuf, Denial> {
        self.file(
            path,
            &self.grants.files_write,
            Capability::FilesWrite,
            "write",
        )
    }

    fn file(
        &self,
        path: &str,
        scope: &PathScope,
        capability: Capability,
        verb: &str,
    ) -> Result<PathBuf, Denial> {
        let requested = Path::new(path);
        let full = if requested.is_absolute() {
            requested.to_path_buf()
        } else {
            self.cwd.join(requested)
        };
        let real = real_path(&full);
        let outside = || {
            let places = match scope {
                PathScope::Under(dirs) => format!(
                    "under {}",
                    dirs.iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => "the working directory".to_string(),
            };
            Denial {
                capability,
                message: format!(
                    "permission denied: the module '{}' may not {verb} '{path}': it was granted files {places} and the paths given to the command's -...Path and -...File parameters only. Grant a directory with -AllowPath <directory>",
                    self.module
                ),
            }
        };
        if self
            .protected
            .iter()
            .any(|p| real.starts_with(real_path(p)))
        {
            return Err(Denial {
                capability,
                message: format!(
                    "permission denied: '{path}' is inside certhost's state directory, which no component may {verb}"
                ),
            });
        }
        let named = || self.named.iter().any(|n| real_path(n) == real);
        let allowed = match scope {
            PathScope::Nothing => {
                return Err(deny(&self.module, capability, &format!("{verb} files")));
            }
            PathScope::WorkingDirectoryAndNamed => {
                real.starts_with(real_path(&self.cwd)) || named()
            }
            PathScope::Under(dirs) => {
                dirs.iter().any(|d| real.starts_with(real_path(d))) || named()
            }
        };
        if allowed { Ok(real) } else { Err(outside()) }
    }
}

/// Symbolic links followed at most while resolving one path (as the kernel's limit).
const MAX_LINKS: usize = 40;

/// The path the kernel would reach, with no symbolic link left in it: each component
/// resolved in turn, a link replaced by its target before any `..` that follows it is
/// applied (so `link/..` is the link target's parent, as for `open`). Components that do
/// not exist are kept as written. Opening the result cannot be led elsewhere by a link
/// that existed when it was resolved.
pub fn real_path(path: &Path) -> PathBuf {
    let start = if path.is_absolute() {
        PathBuf::from("/")
    } else {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
    };
    let mut pending = Vec::new();
    push_components(&mut pending, path);
    let mut resolved = start;
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            resolved.pop();
            continue;
        }
        let candidate = resolved.join(&part);
        let is_link =
            std::fs::symlink_metadata(&candidate).is_ok_and(|m| m.file_type().is_symlink());
        match std::fs::read_link(&candidate) {
            Ok(target) if is_link && links < MAX_LINKS => {
                links += 1;
                if target.is_absolute() {
                    resolved = PathBuf::from("/");
                }
                push_components(&mut pending, &target);
            }
            _ => resolved = candidate,
        }
    }
    resolved
}

/// Pushes a path's components in reverse, so that `pop` yields them in order.
fn push_components(pending: &mut Vec<std::ffi::OsString>, path: &Path) {
    for c in path.components().rev() {
        match c {
            Component::Normal(n) => pending.push(n.to_os_string()),
            Component::ParentDir => pending.push("..".into()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(grants: Grants, cwd: &Path, home: &Path) -> Gate {
        Gate {
            grants,
            module: "m".into(),
            cwd: cwd.to_path_buf(),
            named: Vec::new(),
            protected: vec![home.to_path_buf()],
        }
    }

    #[test]
    fn imported_modules_get_messages_and_primitives_only() {
        let g = gate(
            Grants::imported(),
            Path::new("/tmp"),
            Path::new("/nonexistent-home"),
        );
        assert!(g.messages().is_ok());
        assert!(g.primitives().is_ok());
        assert_eq!(
            g.store_read("My").unwrap_err().capability,
            Capability::StoreRead
        );
        assert_eq!(
            g.store_write("My").unwrap_err().capability,
            Capability::StoreWrite
        );
        assert_eq!(g.bindings().unwrap_err().capability, Capability::Bindings);
        assert_eq!(g.server().unwrap_err().capability, Capability::Server);
        let denied = g.file_read("x.pfx").unwrap_err();
        assert_eq!(denied.capability, Capability::FilesRead);
        assert!(
            denied.message.contains("-Allow FilesRead"),
            "{}",
            denied.message
        );
        assert_eq!(
            g.file_write("x.pfx").unwrap_err().capability,
            Capability::FilesWrite
        );
    }

    #[test]
    fn keys_need_their_own_grant() {
        let mut grants = Grants::imported();
        grants.allow(Capability::StoreRead);
        let g = gate(
            grants.clone(),
            Path::new("/tmp"),
            Path::new("/nonexistent-home"),
        );
        assert_eq!(g.store_read("My"), Ok(false));
        grants.allow(Capability::PrivateKeys);
        let g = gate(grants, Path::new("/tmp"), Path::new("/nonexistent-home"));
        assert_eq!(g.store_read("My"), Ok(true));
        assert!(g.store_write("My").is_err());
    }

    #[test]
    fn stores_can_be_limited() {
        let mut grants = Grants::imported();
        grants.allow(Capability::StoreRead);
        grants.limit_stores(vec!["Root".into()]);
        let g = gate(grants, Path::new("/tmp"), Path::new("/nonexistent-home"));
        assert!(g.store_read("root").is_ok());
        assert!(
            g.store_read("My")
                .unwrap_err()
                .message
                .contains("-AllowStore Root,My")
        );
    }

    #[test]
    fn files_stay_under_the_working_directory_or_named() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("work");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::create_dir_all(home.join("cache")).unwrap();
        let mut g = gate(Grants::shell(), &cwd, &home);
        assert_eq!(
            g.file_read("a.pfx").unwrap(),
            cwd.canonicalize().unwrap().join("a.pfx")
        );
        assert!(g.file_write("sub/b.pfx").is_ok());
        assert!(g.file_read("/etc/passwd").is_err());
        assert!(g.file_read("../home/certhost.db").is_err());
        // Named in the command: allowed, exactly that path.
        g.named = vec![PathBuf::from("/etc/hostname")];
        assert!(g.file_read("/etc/hostname").is_ok());
        assert!(g.file_read("/etc/passwd").is_err());
        // The state directory is refused even when named or under the working directory.
        g.named.push(home.join("cache/x.cwasm"));
        let refused = g.file_write(&home.join("cache/x.cwasm").display().to_string());
        assert!(refused.unwrap_err().message.contains("state directory"));
        let g = gate(Grants::shell(), dir.path(), &home);
        assert!(g.file_write("home/cache/x.cwasm").is_err());
        assert!(g.file_write("work/../home/certhost.db").is_err());
        assert!(g.file_write("work/x.pfx").is_ok());
    }

    #[test]
    fn dot_dot_after_a_link_is_the_link_targets_parent() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("work");
        let home = dir.path().join("home");
        std::fs::create_dir_all(cwd.join("sub")).unwrap();
        std::fs::create_dir_all(home.join("cache")).unwrap();
        std::fs::create_dir_all(dir.path().join("etc/ssl")).unwrap();
        std::os::unix::fs::symlink(home.join("cache"), cwd.join("sub/hcache")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("etc/ssl"), cwd.join("sub/ssl")).unwrap();
        let real = |p: &Path| p.canonicalize().unwrap();
        assert_eq!(
            real_path(&cwd.join("sub/hcache/../certhost.db")),
            real(&home).join("certhost.db")
        );
        assert_eq!(
            real_path(&cwd.join("sub/ssl/../passwd")),
            real(&dir.path().join("etc")).join("passwd")
        );
        let g = gate(Grants::shell(), &cwd, &home);
        assert!(
            g.file_write("sub/hcache/../certhost.db")
                .unwrap_err()
                .message
                .contains("state directory")
        );
        assert!(g.file_read("sub/ssl/../passwd").is_err());
        assert!(g.file_write("sub/ssl/../../home/cache/x.cwasm").is_err());
        // A missing tail is kept as written, with `..` applied to it.
        assert_eq!(
            real_path(&cwd.join("new/../other.pem")),
            real(&cwd).join("other.pem")
        );
    }

    #[test]
    fn symbolic_links_do_not_lead_out() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().join("work");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        std::os::unix::fs::symlink(&home, cwd.join("link")).unwrap();
        std::os::unix::fs::symlink("/etc", cwd.join("etc")).unwrap();
        let g = gate(Grants::shell(), &cwd, &home);
        assert!(g.file_write("link/certhost.db").is_err());
        assert!(g.file_read("etc/passwd").is_err());
    }

    #[test]
    fn the_rest_worker_has_no_files() {
        let g = gate(
            Grants::rest_worker(),
            Path::new("/tmp"),
            Path::new("/nonexistent-home"),
        );
        assert!(g.file_read("/tmp/x").is_err());
        assert!(g.store_read("My").unwrap());
        assert!(g.server().is_ok());
    }

    #[test]
    fn capability_names_parse_in_any_case() {
        assert_eq!(
            Capability::parse("files").unwrap(),
            vec![Capability::FilesRead, Capability::FilesWrite]
        );
        assert_eq!(
            Capability::parse("PRIVATEKEYS").unwrap(),
            vec![Capability::PrivateKeys]
        );
        assert!(
            Capability::parse("root")
                .unwrap_err()
                .to_string()
                .contains("not a capability")
        );
        assert_eq!(
            Capability::for_interface("certhost:plugin/files@0.3.2"),
            &[Capability::FilesRead, Capability::FilesWrite]
        );
    }
}
