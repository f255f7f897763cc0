//! Where the root key lives. The root key (32 random bytes) wraps the data key of every
//! private key in the store (`super::sealed`); it is made the first time a key is sealed
//! and read the first time one is opened, never at start-up.
//!
//! Providers, as recorded per root key version in the `root_keys` table:
//!
//! - `systemd-creds`: the key encrypted by `systemd-creds encrypt` (with the machine's
//!   host key, and its TPM2 chip where there is one) in `root-key-v<N>.cred` in the
//!   state directory; `systemd-creds decrypt` reads it back. The key goes to and from
//!   the tool through pipes, never on a command line.
//! - `file`: the key itself in `root-key-v<N>`, mode 0600, in the state directory; a
//!   file that others may read is refused.
//! - `passphrase`: the key derived with Argon2id from `CERTHOST_STORE_PASSPHRASE` and a
//!   salt kept in the database, for a state directory that must travel.
//!
//! A new root key uses `CERTHOST_ROOT_KEY_PROVIDER` when it is set (`file`,
//! `systemd-creds` or `passphrase`), else a key file. systemd-creds is not the default
//! because every process that seals or opens a key must run `systemd-creds decrypt`
//! once (about 40 ms as root with the host key, more with a TPM2 chip), which would
//! make every `certhost` one-liner that stores a key several times slower; `certhost
//! serve` pays it once. An existing version is always read with the provider it was
//! made with.

use super::sealed::{KEY_LEN, RootKey, SealError};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use zeroize::Zeroizing;

/// Chooses the provider of new root keys: `file`, `systemd-creds` or `passphrase`.
pub const PROVIDER_VARIABLE: &str = "CERTHOST_ROOT_KEY_PROVIDER";
/// The passphrase of the `passphrase` provider.
pub const PASSPHRASE_VARIABLE: &str = "CERTHOST_STORE_PASSPHRASE";
/// The name systemd-creds seals into the credential and checks when decrypting.
pub const CREDENTIAL_NAME: &str = "certhost-root-key";

/// Where a root key is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    SystemdCreds,
    File,
    Passphrase,
}

impl Provider {
    /// The name recorded in the database and accepted in `CERTHOST_ROOT_KEY_PROVIDER`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::SystemdCreds => "systemd-creds",
            Provider::File => "file",
            Provider::Passphrase => "passphrase",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Provider::SystemdCreds, Provider::File, Provider::Passphrase]
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(text.trim()))
    }
}

/// Which provider makes a new root key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderChoice {
    /// A key file (see the module's note on systemd-creds).
    Auto,
    Forced(Provider),
    /// A value of `CERTHOST_ROOT_KEY_PROVIDER` that names no provider: an error when a
    /// root key is to be made (not before, so commands that touch no key still run).
    Unknown(String),
}

/// Argon2id costs of the passphrase provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// RFC 9106's second recommended option, with one lane: 64 MiB, 3 passes.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 1,
    };

    fn describe(self) -> String {
        format!(
            "argon2id m={} t={} p={}",
            self.memory_kib, self.iterations, self.parallelism
        )
    }

    fn parse(text: &str) -> Option<Self> {
        let mut words = text.split_whitespace();
        if words.next()? != "argon2id" {
            return None;
        }
        let (mut m, mut t, mut p) = (None, None, None);
        for word in words {
            let (name, value) = word.split_once('=')?;
            let value: u32 = value.parse().ok()?;
            match name {
                "m" => m = Some(value),
                "t" => t = Some(value),
                "p" => p = Some(value),
                _ => return None,
            }
        }
        Some(KdfParams {
            memory_kib: m?,
            iterations: t?,
            parallelism: p?,
        })
    }
}

/// How root keys are found and made.
#[derive(Clone)]
pub struct RootKeyConfig {
    /// The state directory, where key files and credentials are kept.
    pub state_dir: PathBuf,
    /// The provider of new root keys.
    pub choice: ProviderChoice,
    /// The systemd-creds program (and any leading arguments): `systemd-creds`.
    pub systemd_creds: Vec<OsString>,
    /// The passphrase; `None` reads `CERTHOST_STORE_PASSPHRASE` when one is needed.
    pub passphrase: Option<Zeroizing<String>>,
    /// Costs of new passphrase root keys.
    pub kdf: KdfParams,
}

impl std::fmt::Debug for RootKeyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootKeyConfig")
            .field("state_dir", &self.state_dir)
            .field("choice", &self.choice)
            .field("systemd_creds", &self.systemd_creds)
            .field("passphrase", &self.passphrase.as_ref().map(|_| "<set>"))
            .field("kdf", &self.kdf)
            .finish()
    }
}

impl RootKeyConfig {
    /// The provider choice of `CERTHOST_ROOT_KEY_PROVIDER` (auto when unset or empty).
    pub fn from_env(state_dir: &Path) -> Self {
        let choice = match std::env::var(PROVIDER_VARIABLE) {
            Ok(v) if v.trim().is_empty() || v.trim().eq_ignore_ascii_case("auto") => {
                ProviderChoice::Auto
            }
            Ok(v) => match Provider::parse(&v) {
                Some(p) => ProviderChoice::Forced(p),
                None => ProviderChoice::Unknown(v),
            },
            Err(std::env::VarError::NotPresent) => ProviderChoice::Auto,
            Err(std::env::VarError::NotUnicode(v)) => {
                ProviderChoice::Unknown(v.to_string_lossy().into_owned())
            }
        };
        RootKeyConfig {
            choice,
            ..RootKeyConfig::new(state_dir)
        }
    }

    /// Automatic choice, the `systemd-creds` on `PATH`, the passphrase from the
    /// environment.
    pub fn new(state_dir: &Path) -> Self {
        RootKeyConfig {
            state_dir: state_dir.to_path_buf(),
            choice: ProviderChoice::Auto,
            systemd_creds: vec![OsString::from("systemd-creds")],
            passphrase: None,
            kdf: KdfParams::DEFAULT,
        }
    }

    /// New root keys from `provider`.
    pub fn forced(state_dir: &Path, provider: Provider) -> Self {
        RootKeyConfig {
            choice: ProviderChoice::Forced(provider),
            ..RootKeyConfig::new(state_dir)
        }
    }

    /// The key file of a `file` root key.
    pub fn key_file(&self, version: u32) -> PathBuf {
        self.state_dir.join(format!("root-key-v{version}"))
    }

    /// The credential of a `systemd-creds` root key.
    pub fn credential_file(&self, version: u32) -> PathBuf {
        self.state_dir.join(format!("root-key-v{version}.cred"))
    }
}

/// Why a root key cannot be made or read. No message holds key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RootKeyError {
    #[error(
        "{PROVIDER_VARIABLE} is '{0}', which names no root key provider: use file, systemd-creds or passphrase (unset: a key file)"
    )]
    UnknownProvider(String),
    #[error(
        "the root key file {} is missing: restore it (root-key-v{version} in {}) from a backup of the state directory, or restore the certificates from a Backup-CertificateStore file with Restore-CertificateStore in a new state directory",
        path.display(), dir.display()
    )]
    Missing {
        version: u32,
        path: PathBuf,
        dir: PathBuf,
    },
    #[error(
        "the root key file {} may be read by other users (mode {mode:03o}), so certhost does not use it: chmod 600 it, and treat the private keys it protects as exposed",
        path.display()
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("the root key file {} cannot be {action}: {reason}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "{} holds {len} bytes, not a 32-byte certhost root key: restore the original from a backup of the state directory",
        path.display()
    )]
    Malformed { path: PathBuf, len: usize },
    #[error("systemd-creds cannot {action} the root key {}: {message}", path.display())]
    SystemdCreds {
        action: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error(
        "root key version {version} is derived from a passphrase: set {PASSPHRASE_VARIABLE} to this store's passphrase"
    )]
    NoPassphrase { version: u32 },
    #[error("the passphrase root key cannot be derived: {0}")]
    Passphrase(String),
    #[error(
        "root key version {version} ({provider}) is not the root key this database's private keys were sealed with: {hint}"
    )]
    WrongKey {
        version: u32,
        provider: String,
        hint: String,
    },
    #[error(
        "the database records root key version {version} with the provider '{provider}', which this certhost does not know (upgrade certhost)"
    )]
    UnknownRecordedProvider { version: u32, provider: String },
    #[error("no root key can be made: {0}")]
    Seal(#[from] SealError),
}

/// What the database records of a root key version.
#[derive(Clone)]
pub struct Recorded {
    pub version: u32,
    pub provider: String,
    pub check_value: Vec<u8>,
    pub salt: Option<Vec<u8>>,
    pub kdf_params: Option<String>,
}

/// A new root key and what to record of it (its Debug shows the key's version only).
#[derive(Debug)]
pub struct Created {
    pub key: RootKey,
    pub provider: Provider,
    pub salt: Option<Vec<u8>>,
    pub kdf_params: Option<String>,
}

/// Makes root key `version` with the configured provider. A file or credential of that
/// version that exists already is never overwritten (the caller picks a version above
/// every one on disk).
pub fn create(config: &RootKeyConfig, version: u32) -> Result<Created, RootKeyError> {
    let provider = match &config.choice {
        ProviderChoice::Unknown(value) => {
            return Err(RootKeyError::UnknownProvider(value.clone()));
        }
        ProviderChoice::Forced(p) => *p,
        ProviderChoice::Auto => Provider::File,
    };
    match provider {
        Provider::SystemdCreds => {
            let key = RootKey::generate(version)?;
            create_credential(config, &key)?;
            Ok(plain(key, provider))
        }
        Provider::File => {
            let key = RootKey::generate(version)?;
            create_key_file(config, &key)?;
            Ok(plain(key, provider))
        }
        Provider::Passphrase => {
            let passphrase = passphrase(config, version)?;
            let mut salt = vec![0u8; 16];
            getrandom::fill(&mut salt).map_err(|_| SealError::Random)?;
            let key = derive(version, &passphrase, &salt, config.kdf)?;
            Ok(Created {
                key,
                provider,
                salt: Some(salt),
                kdf_params: Some(config.kdf.describe()),
            })
        }
    }
}

fn plain(key: RootKey, provider: Provider) -> Created {
    Created {
        key,
        provider,
        salt: None,
        kdf_params: None,
    }
}

/// Reads the root key `recorded` describes with its provider. Whether it is the right
/// key is the caller's check (against `recorded.check_value`).
pub fn load(config: &RootKeyConfig, recorded: &Recorded) -> Result<RootKey, RootKeyError> {
    let version = recorded.version;
    match Provider::parse(&recorded.provider) {
        Some(Provider::File) => read_key_file(config, version),
        Some(Provider::SystemdCreds) => read_credential(config, version),
        Some(Provider::Passphrase) => {
            let passphrase = passphrase(config, version)?;
            let params = recorded
                .kdf_params
                .as_deref()
                .and_then(KdfParams::parse)
                .ok_or_else(|| {
                    RootKeyError::Passphrase(format!(
                        "the database records no valid Argon2id parameters for root key version {version}"
                    ))
                })?;
            let salt = recorded.salt.as_deref().unwrap_or_default();
            derive(version, &passphrase, salt, params)
        }
        None => Err(RootKeyError::UnknownRecordedProvider {
            version,
            provider: recorded.provider.clone(),
        }),
    }
}

/// What to do when root key `recorded` loads but is not the one the database knows.
pub fn wrong_key_hint(config: &RootKeyConfig, recorded: &Recorded) -> String {
    match Provider::parse(&recorded.provider) {
        Some(Provider::File) => format!(
            "the key file {} was replaced; put the original back from a backup of the state directory",
            config.key_file(recorded.version).display()
        ),
        Some(Provider::SystemdCreds) => format!(
            "the credential {} was replaced; put the original back from a backup of the state directory",
            config.credential_file(recorded.version).display()
        ),
        _ => format!("{PASSPHRASE_VARIABLE} is not this store's passphrase"),
    }
}

/// The highest root key version with a key file or credential in the state directory
/// (0 when there is none): a new version goes above it, so no file is overwritten.
pub fn highest_version_on_disk(state_dir: &Path) -> u32 {
    let Ok(entries) = std::fs::read_dir(state_dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let rest = name.strip_prefix("root-key-v")?;
            let digits = rest.strip_suffix(".cred").unwrap_or(rest);
            digits.parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0)
}

fn passphrase(config: &RootKeyConfig, version: u32) -> Result<Zeroizing<String>, RootKeyError> {
    let given = match &config.passphrase {
        Some(p) => p.clone(),
        None => Zeroizing::new(std::env::var(PASSPHRASE_VARIABLE).unwrap_or_default()),
    };
    if given.is_empty() {
        return Err(RootKeyError::NoPassphrase { version });
    }
    Ok(given)
}

fn derive(
    version: u32,
    passphrase: &str,
    salt: &[u8],
    params: KdfParams,
) -> Result<RootKey, RootKeyError> {
    let failed = |e: argon2::Error| RootKeyError::Passphrase(e.to_string());
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(KEY_LEN),
        )
        .map_err(failed)?,
    );
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, &mut bytes[..])
        .map_err(failed)?;
    Ok(RootKey::new(version, bytes))
}

fn create_key_file(config: &RootKeyConfig, key: &RootKey) -> Result<(), RootKeyError> {
    write_new_private_file(&config.key_file(key.version()), key.expose())
}

fn read_key_file(config: &RootKeyConfig, version: u32) -> Result<RootKey, RootKeyError> {
    let path = config.key_file(version);
    let io = |e: std::io::Error, path: &Path| RootKeyError::Io {
        action: "read",
        path: path.to_path_buf(),
        reason: crate::paths::io_reason(&e),
    };
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(RootKeyError::Missing {
                version,
                path,
                dir: config.state_dir.clone(),
            });
        }
        Err(e) => return Err(io(e, path.as_path())),
    };
    let meta = file.metadata().map_err(|e| io(e, path.as_path()))?;
    if !meta.is_file() {
        return Err(RootKeyError::Io {
            action: "read",
            path,
            reason: "it is not a regular file".into(),
        });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(RootKeyError::Exposed { path, mode });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(2 * KEY_LEN));
    Read::by_ref(&mut file)
        .take(2 * KEY_LEN as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| io(e, path.as_path()))?;
    key_of(version, &bytes).ok_or(RootKeyError::Malformed {
        path,
        len: bytes.len(),
    })
}

fn create_credential(config: &RootKeyConfig, key: &RootKey) -> Result<(), RootKeyError> {
    let path = config.credential_file(key.version());
    let mut command = systemd_creds(config);
    command
        .arg("encrypt")
        .arg(format!("--name={CREDENTIAL_NAME}"))
        .arg("-")
        .arg("-");
    let sealed =
        run(command, Some(&key.expose()[..])).map_err(|message| RootKeyError::SystemdCreds {
            action: "encrypt",
            path: path.clone(),
            message,
        })?;
    if sealed.is_empty() {
        return Err(RootKeyError::SystemdCreds {
            action: "encrypt",
            path,
            message: "it wrote nothing".into(),
        });
    }
    write_new_private_file(&path, &sealed)
}

fn read_credential(config: &RootKeyConfig, version: u32) -> Result<RootKey, RootKeyError> {
    let path = config.credential_file(version);
    if !path.exists() {
        return Err(RootKeyError::Missing {
            version,
            path,
            dir: config.state_dir.clone(),
        });
    }
    let mut command = systemd_creds(config);
    command
        .arg("decrypt")
        .arg(format!("--name={CREDENTIAL_NAME}"))
        .arg(&path)
        .arg("-");
    let bytes = run(command, None).map_err(|message| RootKeyError::SystemdCreds {
        action: "decrypt",
        path: path.clone(),
        message: format!(
            "{message} (the credential opens only on the machine that made it — with its host key /var/lib/systemd/credential.secret, and its TPM2 chip where one was used — and usually only as root; elsewhere restore the certificates from a Backup-CertificateStore file)"
        ),
    })?;
    key_of(version, &bytes).ok_or(RootKeyError::Malformed {
        path,
        len: bytes.len(),
    })
}

fn systemd_creds(config: &RootKeyConfig) -> Command {
    let (program, leading) = match config.systemd_creds.split_first() {
        Some((program, leading)) => (program.clone(), leading),
        None => (OsString::from("systemd-creds"), &[][..]),
    };
    let mut command = Command::new(program);
    command.args(leading);
    command
}

/// Runs a tool with `input` on its standard input; its standard output, or why it
/// failed (its standard error, which never holds the secret).
fn run(mut command: Command, input: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>, String> {
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "systemd-creds is not installed".to_string(),
        _ => format!("it cannot be started: {}", crate::paths::io_reason(&e)),
    })?;
    let mut written = Ok(());
    if let (Some(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        written = stdin.write_all(bytes);
        drop(stdin);
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("it failed: {}", crate::paths::io_reason(&e)))?;
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        let said: Vec<&str> = std::str::from_utf8(&output.stderr)
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let mut message = match said.as_slice() {
            [] => format!("it ended with {}", output.status),
            lines => lines.join("; "),
        };
        if message.len() > 400 {
            let mut end = 400;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push('…');
        }
        return Err(message);
    }
    written.map_err(|e| format!("it did not take the key: {}", crate::paths::io_reason(&e)))?;
    Ok(stdout)
}

fn key_of(version: u32, bytes: &[u8]) -> Option<RootKey> {
    let array: [u8; KEY_LEN] = bytes.try_into().ok()?;
    Some(RootKey::new(version, Zeroizing::new(array)))
}

/// Creates `path` (mode 0600; an existing file is an error, never overwritten) with
/// `contents`, flushed to disk with its directory entry before the database records it.
fn write_new_private_file(path: &Path, contents: &[u8]) -> Result<(), RootKeyError> {
    let failed = |e: std::io::Error| RootKeyError::Io {
        action: "written",
        path: path.to_path_buf(),
        reason: crate::paths::io_reason(&e),
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(failed)?;
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => std::fs::File::open(dir)?.sync_all(),
            _ => Ok(()),
        });
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(failed(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sealed;

    /// A stand-in for systemd-creds that "encrypts" with base64 (run through sh, so no
    /// freshly written executable is exec'd). It records its arguments, to show that
    /// no key is ever passed on the command line.
    fn fake_systemd_creds(dir: &Path, works: bool) -> Vec<OsString> {
        let script = dir.join("fake-systemd-creds.sh");
        let log = dir.join("fake-systemd-creds.args");
        let body = if works {
            format!(
                "echo \"$@\" >> '{}'\ncase \"$1\" in\n  encrypt) printf 'FAKE\\n'; base64 ;;\n  decrypt) tail -n +2 \"$3\" | base64 -d ;;\n  *) exit 2 ;;\nesac\n",
                log.display()
            )
        } else {
            "echo 'Failed to determine local credential key: Permission denied' >&2\nexit 1\n"
                .to_string()
        };
        std::fs::write(&script, body).unwrap();
        vec![OsString::from("sh"), script.into_os_string()]
    }

    fn config(dir: &Path, choice: ProviderChoice) -> RootKeyConfig {
        RootKeyConfig {
            choice,
            kdf: KdfParams {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..RootKeyConfig::new(dir)
        }
    }

    fn recorded(created: &Created) -> Recorded {
        Recorded {
            version: created.key.version(),
            provider: created.provider.name().into(),
            check_value: sealed::check_value(&created.key).unwrap(),
            salt: created.salt.clone(),
            kdf_params: created.kdf_params.clone(),
        }
    }

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_key_file_is_private_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), ProviderChoice::Forced(Provider::File));
        let created = create(&config, 1).unwrap();
        assert_eq!(created.provider, Provider::File);
        let path = dir.path().join("root-key-v1");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), created.key.expose());
        let loaded = load(&config, &recorded(&created)).unwrap();
        assert_eq!(loaded.expose(), created.key.expose());
        assert_eq!(highest_version_on_disk(dir.path()), 1);
        // An existing version is never overwritten.
        assert!(matches!(create(&config, 1), Err(RootKeyError::Io { .. })));
        assert_eq!(std::fs::read(&path).unwrap(), created.key.expose());
    }

    #[test]
    fn a_key_file_others_may_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), ProviderChoice::Forced(Provider::File));
        let created = create(&config, 1).unwrap();
        let path = config.key_file(1);
        for loose in [0o640, 0o604, 0o644] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(loose)).unwrap();
            let e = load(&config, &recorded(&created)).unwrap_err();
            assert!(
                matches!(&e, RootKeyError::Exposed { mode, .. } if *mode == loose),
                "{e}"
            );
            assert!(e.to_string().contains("chmod 600"), "{e}");
        }
    }

    #[test]
    fn a_missing_or_short_key_file_says_what_to_restore() {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), ProviderChoice::Forced(Provider::File));
        let created = create(&config, 1).unwrap();
        let record = recorded(&created);
        std::fs::remove_file(config.key_file(1)).unwrap();
        let e = load(&config, &record).unwrap_err();
        assert!(matches!(e, RootKeyError::Missing { version: 1, .. }));
        let message = e.to_string();
        assert!(message.contains("root-key-v1"), "{message}");
        assert!(message.contains("Restore-CertificateStore"), "{message}");
        write_new_private_file(&config.key_file(1), b"short").unwrap();
        assert!(matches!(
            load(&config, &record),
            Err(RootKeyError::Malformed { len: 5, .. })
        ));
    }

    #[test]
    fn systemd_creds_gets_the_key_on_stdin_and_stores_a_private_credential() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(dir.path(), ProviderChoice::Forced(Provider::SystemdCreds));
        config.systemd_creds = fake_systemd_creds(dir.path(), true);
        let created = create(&config, 1).unwrap();
        assert_eq!(created.provider, Provider::SystemdCreds);
        let credential = dir.path().join("root-key-v1.cred");
        assert_eq!(mode(&credential), 0o600);
        assert!(std::fs::read(&credential).unwrap().starts_with(b"FAKE\n"));
        assert!(!dir.path().join("root-key-v1").exists());
        let loaded = load(&config, &recorded(&created)).unwrap();
        assert_eq!(loaded.expose(), created.key.expose());
        let args = std::fs::read_to_string(dir.path().join("fake-systemd-creds.args")).unwrap();
        assert_eq!(
            args,
            format!(
                "encrypt --name=certhost-root-key - -\ndecrypt --name=certhost-root-key {} -\n",
                credential.display()
            )
        );
    }

    #[test]
    fn auto_makes_a_key_file_and_a_forced_systemd_creds_failure_is_the_answer() {
        let dir = tempfile::tempdir().unwrap();
        let mut auto = config(dir.path(), ProviderChoice::Auto);
        auto.systemd_creds = fake_systemd_creds(dir.path(), false);
        let created = create(&auto, 1).unwrap();
        assert_eq!(created.provider, Provider::File);
        assert!(dir.path().join("root-key-v1").exists());
        assert!(!dir.path().join("root-key-v1.cred").exists());

        auto.systemd_creds = vec![OsString::from("/nonexistent/systemd-creds")];
        assert_eq!(create(&auto, 2).unwrap().provider, Provider::File);

        // Forced, the failure is the answer, with systemd-creds' own words.
        let mut forced = auto.clone();
        forced.choice = ProviderChoice::Forced(Provider::SystemdCreds);
        forced.systemd_creds = fake_systemd_creds(dir.path(), false);
        let e = create(&forced, 3).unwrap_err();
        assert!(e.to_string().contains("Permission denied"), "{e}");
        assert!(!dir.path().join("root-key-v3.cred").exists());
    }

    #[test]
    fn the_real_systemd_creds_when_it_works_here() {
        let probe = Command::new("systemd-creds")
            .args(["encrypt", "--name=certhost-probe", "-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .and_then(|mut child| {
                if let Some(mut stdin) = child.stdin.take() {
                    let _ = stdin.write_all(&[7u8; KEY_LEN]);
                }
                child.wait()
            });
        if !probe.is_ok_and(|s| s.success()) {
            eprintln!("systemd-creds encrypt does not work here (not root?): skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), ProviderChoice::Forced(Provider::SystemdCreds));
        let created = create(&config, 1).unwrap();
        let credential = std::fs::read(config.credential_file(1)).unwrap();
        assert!(
            !credential
                .windows(KEY_LEN)
                .any(|w| w == created.key.expose()),
            "the credential holds the key in the clear"
        );
        let loaded = load(&config, &recorded(&created)).unwrap();
        assert_eq!(loaded.expose(), created.key.expose());
    }

    #[test]
    fn a_passphrase_derives_the_same_key_with_the_recorded_salt() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(dir.path(), ProviderChoice::Forced(Provider::Passphrase));
        config.passphrase = Some(Zeroizing::new("correct horse battery staple".into()));
        let created = create(&config, 1).unwrap();
        assert_eq!(created.salt.as_ref().map(Vec::len), Some(16));
        assert_eq!(created.kdf_params.as_deref(), Some("argon2id m=64 t=1 p=1"));
        let record = recorded(&created);
        assert_eq!(
            load(&config, &record).unwrap().expose(),
            created.key.expose()
        );
        assert_eq!(highest_version_on_disk(dir.path()), 0, "no file is written");
        config.passphrase = Some(Zeroizing::new("wrong".into()));
        let other = load(&config, &record).unwrap();
        assert!(!sealed::matches_check_value(&other, &record.check_value));
        config.passphrase = Some(Zeroizing::new(String::new()));
        assert!(matches!(
            load(&config, &record),
            Err(RootKeyError::NoPassphrase { version: 1 })
        ));
    }

    #[test]
    fn provider_names_and_kdf_parameters_parse() {
        assert_eq!(Provider::parse("FILE"), Some(Provider::File));
        assert_eq!(
            Provider::parse(" systemd-creds "),
            Some(Provider::SystemdCreds)
        );
        assert_eq!(Provider::parse("tpm"), None);
        let p = KdfParams::DEFAULT;
        assert_eq!(KdfParams::parse(&p.describe()), Some(p));
        assert_eq!(KdfParams::parse("argon2id m=1 t=2"), None);
        assert_eq!(KdfParams::parse("scrypt m=1 t=2 p=1"), None);
        let unknown = RootKeyConfig {
            choice: ProviderChoice::Unknown("tpm".into()),
            ..RootKeyConfig::new(Path::new("/nonexistent"))
        };
        assert!(matches!(
            create(&unknown, 1),
            Err(RootKeyError::UnknownProvider(v)) if v == "tpm"
        ));
    }

    #[test]
    fn versions_on_disk_count_files_and_credentials() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(highest_version_on_disk(dir.path()), 0);
        std::fs::write(dir.path().join("root-key-v2"), b"x").unwrap();
        std::fs::write(dir.path().join("root-key-v5.cred"), b"x").unwrap();
        std::fs::write(dir.path().join("root-key-vX"), b"x").unwrap();
        std::fs::write(dir.path().join("certhost.db"), b"x").unwrap();
        assert_eq!(highest_version_on_disk(dir.path()), 5);
        assert_eq!(highest_version_on_disk(&dir.path().join("missing")), 0);
    }
}
