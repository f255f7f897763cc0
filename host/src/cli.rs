//! Command-line arguments as `pwsh` takes them: `-Command`/`-c`, `-File`/`-f`,
//! `-NonInteractive`, `-NoProfile`, `-Version`, `-Help`, case-insensitive, with one or
//! two dashes, and unique prefixes (`-noni`). They are normalised to long options and
//! parsed with clap.

use clap::Parser;
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "certhost",
    version,
    about = "A PowerShell-compatible shell for TLS certificates, with the certificate logic in a sandboxed WebAssembly component.",
    after_help = "Examples:\n  certhost -c 'New-SelfSignedCertificate -DnsName backup01.tech.local'\n  certhost -c 'Get-ChildItem Cert:\\LocalMachine\\My'\n  certhost -File renew.ps1\n\nState lives in $CERTHOST_HOME (default ~/.local/share/certhost)."
)]
pub struct Cli {
    /// Runs the command text (the rest of the arguments, joined); `-` reads it from stdin.
    #[arg(long, num_args = 1.., allow_hyphen_values = true, value_name = "TEXT", conflicts_with = "file")]
    pub command: Option<Vec<String>>,
    /// Runs a script file, passing the remaining arguments to it.
    #[arg(long, num_args = 1.., allow_hyphen_values = true, value_name = "PATH [ARGS]")]
    pub file: Option<Vec<String>>,
    /// Never prompt; a missing mandatory parameter is an error.
    #[arg(long)]
    pub non_interactive: bool,
    /// Accepted for compatibility (certhost has no profile scripts).
    #[arg(long)]
    pub no_profile: bool,
    /// Accepted for compatibility.
    #[arg(long)]
    pub no_logo: bool,
    /// Accepted for compatibility (certhost has no execution policy).
    #[arg(long, value_name = "POLICY")]
    pub execution_policy: Option<String>,
}

/// pwsh's parameter names, in the order pwsh resolves ambiguous prefixes.
const PWSH_PARAMETERS: &[(&str, &str)] = &[
    ("command", "--command"),
    ("file", "--file"),
    ("noninteractive", "--non-interactive"),
    ("noprofile", "--no-profile"),
    ("nologo", "--no-logo"),
    ("executionpolicy", "--execution-policy"),
    ("version", "--version"),
    ("help", "--help"),
];

fn normalise(arg: &str) -> Option<&'static str> {
    let name = arg
        .strip_prefix("--")
        .or_else(|| arg.strip_prefix('-'))
        .or_else(|| arg.strip_prefix('/'))?;
    let lower = name.to_ascii_lowercase().replace('-', "");
    match lower.as_str() {
        "c" => return Some("--command"),
        "f" => return Some("--file"),
        "v" => return Some("--version"),
        "h" | "?" => return Some("--help"),
        "ep" => return Some("--execution-policy"),
        "" => return None,
        _ => {}
    }
    let matches: Vec<&str> = PWSH_PARAMETERS
        .iter()
        .filter(|(n, _)| n.starts_with(&lower))
        .map(|(_, l)| *l)
        .collect();
    match matches.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Parses the process arguments (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
    let mut out: Vec<OsString> = vec!["certhost".into()];
    let mut rest_verbatim = false;
    for arg in args {
        if rest_verbatim {
            out.push(arg);
            continue;
        }
        match arg.to_str().and_then(normalise) {
            Some(long) => {
                out.push(long.into());
                // Everything after -Command or -File belongs to it.
                rest_verbatim = matches!(long, "--command" | "--file");
            }
            None => out.push(arg),
        }
    }
    Cli::try_parse_from(out)
}

/// What to run.
pub enum Mode {
    Command(String),
    CommandFromStdin,
    File {
        path: PathBuf,
        arguments: Vec<String>,
    },
    Interactive,
}

impl Cli {
    pub fn mode(&self) -> Mode {
        if let Some(words) = &self.command {
            if words.len() == 1 && words[0] == "-" {
                return Mode::CommandFromStdin;
            }
            return Mode::Command(words.join(" "));
        }
        if let Some(words) = &self.file
            && let Some((path, arguments)) = words.split_first()
        {
            return Mode::File {
                path: PathBuf::from(path),
                arguments: arguments.to_vec(),
            };
        }
        Mode::Interactive
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        parse(args.iter().map(OsString::from)).unwrap()
    }

    #[test]
    fn pwsh_spellings() {
        let c = cli(&[
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            "Get-ChildItem",
            "-Path",
            "Cert:\\",
        ]);
        assert!(c.non_interactive && c.no_profile);
        assert!(matches!(c.mode(), Mode::Command(t) if t == "Get-ChildItem -Path Cert:\\"));
        let c = cli(&["-noni", "-c", "Get-Item x"]);
        assert!(c.non_interactive);
        let c = cli(&["-File", "renew.ps1", "-Days", "30"]);
        assert!(
            matches!(c.mode(), Mode::File { path, arguments } if path.as_path() == std::path::Path::new("renew.ps1") && arguments == ["-Days", "30"])
        );
        assert!(matches!(cli(&["-c", "-"]).mode(), Mode::CommandFromStdin));
        assert!(matches!(cli(&[]).mode(), Mode::Interactive));
    }
}
