//! The interactive prompt: line editing and history (rustyline), Tab completion of
//! cmdlets, parameters, a parameter's accepted values, variables, `Cert:\` paths and
//! thumbprints, and continuation lines for unfinished input.

use crate::engine::Session;
use crate::format::Formatter;
use crate::lang::sensitive::reveals_secret;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::{DefaultHistory, History};
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use std::collections::HashMap;

/// What Tab can complete, refreshed before each prompt.
#[derive(Default)]
pub struct Words {
    commands: Vec<String>,
    parameters: HashMap<String, Vec<String>>,
    /// `command -parameter` (lowercase) → the values it accepts.
    accepted: HashMap<String, Vec<String>>,
    variables: Vec<String>,
    /// Every `Cert:\Location\Store` and `Cert:\Location\Store\Thumbprint`.
    cert_paths: Vec<String>,
    thumbprints: Vec<String>,
}

/// Parameters whose value is a certificate's thumbprint.
const THUMBPRINT_PARAMETERS: &[&str] = &[
    "thumbprint",
    "certificatethumbprint",
    "certificatehash",
    "pinnedthumbprint",
];

impl Words {
    pub fn of(session: &Session) -> Self {
        let mut words = Words::default();
        for c in session.commands() {
            let info = c.info();
            let params: Vec<String> = info.parameters.iter().map(|p| p.name.clone()).collect();
            for name in std::iter::once(&info.name).chain(info.aliases.iter()) {
                words.commands.push(name.clone());
                words
                    .parameters
                    .insert(name.to_ascii_lowercase(), params.clone());
                for p in info
                    .parameters
                    .iter()
                    .filter(|p| !p.accepted_values.is_empty())
                {
                    words.accepted.insert(
                        format!(
                            "{} -{}",
                            name.to_ascii_lowercase(),
                            p.name.to_ascii_lowercase()
                        ),
                        p.accepted_values.clone(),
                    );
                }
            }
        }
        words.commands.sort();
        words.variables = session.variable_names();
        if let Some(host) = session.context::<crate::services::Host>() {
            words.add_certificates(&host);
        }
        words
    }

    /// The stores and certificates of the store, as `Cert:\` paths and thumbprints.
    fn add_certificates(&mut self, host: &crate::services::Host) {
        let db = host.database();
        let stores = db.store_names().unwrap_or_default();
        for location in ["LocalMachine", "CurrentUser"] {
            self.cert_paths.push(format!("Cert:\\{location}"));
            for store in &stores {
                self.cert_paths.push(format!("Cert:\\{location}\\{store}"));
                for c in db.list_certificates_without_keys(store).unwrap_or_default() {
                    self.cert_paths
                        .push(format!("Cert:\\{location}\\{store}\\{}", c.thumbprint));
                    if location == "LocalMachine" {
                        self.thumbprints.push(c.thumbprint.clone());
                    }
                }
            }
        }
        self.thumbprints.sort();
        self.thumbprints.dedup();
    }

    /// Candidates for the word ending at `pos`: (start of the word, candidates).
    pub fn complete(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before
            .rfind(|c: char| c.is_whitespace() || "|;({".contains(c))
            .map(|i| i + 1)
            .unwrap_or(0);
        let word = &before[start..];
        let lower = word.to_ascii_lowercase();
        let matching = |list: &[String], prefix: &str, sigil: &str| -> Vec<String> {
            list.iter()
                .filter(|w| w.to_ascii_lowercase().starts_with(prefix))
                .map(|w| format!("{sigil}{w}"))
                .collect()
        };
        if let Some(var) = lower.strip_prefix('$') {
            return (start, matching(&self.variables, var, "$"));
        }
        // `Cert:\LocalMachine\My\<thumbprint>`, with / or \ typed.
        if lower.starts_with("cert:") {
            let typed = lower.replace('/', "\\");
            let depth = typed.matches('\\').count();
            let candidates: Vec<String> = self
                .cert_paths
                .iter()
                .filter(|p| {
                    p.to_ascii_lowercase().starts_with(&typed)
                        && p.matches('\\').count() <= depth.max(1)
                })
                .cloned()
                .collect();
            return (start, candidates);
        }
        let element_start = before[..start]
            .rfind(['|', ';', '(', '{'])
            .map(|i| i + 1)
            .unwrap_or(0);
        let command = before[element_start..start]
            .split_whitespace()
            .next()
            .unwrap_or("");
        if let Some(param) = lower.strip_prefix('-')
            && let Some(params) = self.parameters.get(&command.to_ascii_lowercase())
        {
            return (start, matching(params, param, "-"));
        }
        // The value of the parameter before the cursor: its accepted values, or
        // thumbprints for a thumbprint parameter.
        if let Some(previous) = before[..start].split_whitespace().last()
            && let Some(param) = previous.strip_prefix('-')
        {
            let param = param.to_ascii_lowercase();
            let key = format!("{} -{param}", command.to_ascii_lowercase());
            if let Some(values) = self.accepted.get(&key) {
                return (start, matching(values, &lower, ""));
            }
            if THUMBPRINT_PARAMETERS.contains(&param.as_str()) {
                return (start, matching(&self.thumbprints, &lower, ""));
            }
        }
        if command.is_empty() {
            return (start, matching(&self.commands, &lower, ""));
        }
        (start, Vec::new())
    }
}

struct ShellHelper {
    words: Words,
}

impl Completer for ShellHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = self.words.complete(line, pos);
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: w.clone(),
                    replacement: w,
                })
                .collect(),
        ))
    }
}
impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

/// Whether a parse error means the input is unfinished (an open block, string or paren).
fn unfinished(error: &crate::lang::ParseError) -> bool {
    let m = &error.message;
    m.starts_with("Missing closing")
        || m.contains("missing the terminator")
        || m.starts_with("Missing statement block")
        || m == "An expression was expected."
}

/// Runs the prompt until `exit` or end of input; returns the last statement's success.
pub fn run(session: &mut Session, out: &mut Formatter, history: &std::path::Path) -> bool {
    let mut editor = match Editor::<ShellHelper, DefaultHistory>::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("certhost: cannot start the interactive prompt: {e}");
            return false;
        }
    };
    let _ = editor.load_history(history);
    // Ctrl+C while a command runs stops it (the line editor handles it at the prompt).
    crate::cancel::install_handler();
    let mut buffer = String::new();
    loop {
        editor.set_helper(Some(ShellHelper {
            words: Words::of(session),
        }));
        let prompt = if buffer.is_empty() {
            "PS certhost> "
        } else {
            ">> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if buffer.is_empty() && line.trim().eq_ignore_ascii_case("exit") {
                    break;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                match crate::lang::parse(&buffer) {
                    Err(e) if unfinished(&e) && !line.trim().is_empty() => continue,
                    Err(e) => eprintln!("{e}"),
                    Ok(script) => {
                        // A line that gives a password or token as text stays out of the
                        // history file (Get-History still lists it for this session).
                        if !reveals_secret(buffer.trim_end()) {
                            let _ = editor.add_history_entry(buffer.trim_end());
                        }
                        let started = crate::clock::now();
                        let timer = std::time::Instant::now();
                        let outcome = session.run(&script, out);
                        session.history.push(crate::engine::session::HistoryEntry {
                            command_line: buffer.trim_end().to_string(),
                            started,
                            duration_ms: i64::try_from(timer.elapsed().as_millis())
                                .unwrap_or(i64::MAX),
                            succeeded: session.last_success,
                        });
                        out.flush_table();
                        if let crate::engine::session::Outcome::Exit(_) = outcome {
                            break;
                        }
                    }
                }
                buffer.clear();
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(_) => break,
        }
    }
    let emptied = scrub(editor.history_mut());
    if crate::paths::create_private_file(history).is_ok() {
        if emptied {
            // rustyline writes nothing for an empty history: empty the file ourselves.
            let _ = std::fs::write(history, "");
        } else {
            let _ = editor.save_history(history);
        }
    }
    session.last_success
}

/// Drops the entries that give a secret as text, from older sessions too (the file is
/// rewritten without them). True when that left the history empty.
fn scrub(history: &mut DefaultHistory) -> bool {
    let kept: Vec<String> = history
        .iter()
        .filter(|line| !reveals_secret(line))
        .cloned()
        .collect();
    if kept.len() == history.len() {
        return false;
    }
    let _ = history.clear();
    let emptied = kept.is_empty();
    for line in kept {
        let _ = history.add_owned(line);
    }
    emptied
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> Words {
        let mut w = Words {
            commands: vec![
                "Export-Certificate".into(),
                "Export-PfxCertificate".into(),
                "Get-ChildItem".into(),
            ],
            ..Default::default()
        };
        w.parameters.insert(
            "export-pfxcertificate".into(),
            vec![
                "Cert".into(),
                "CryptoAlgorithmOption".into(),
                "FilePath".into(),
            ],
        );
        w.variables = vec!["mypwd".into(), "cert".into()];
        w
    }

    #[test]
    fn completes_commands_parameters_and_variables() {
        let w = words();
        assert_eq!(
            w.complete("export-p", 8),
            (0, vec!["Export-PfxCertificate".to_string()])
        );
        assert_eq!(
            w.complete("gci | Export-PfxCertificate -Cr", 31).1,
            vec!["-CryptoAlgorithmOption"]
        );
        assert_eq!(
            w.complete("Export-PfxCertificate -Password $my", 35),
            (32, vec!["$mypwd".to_string()])
        );
        assert!(w.complete("Get-ChildItem Cert:", 19).1.is_empty());
    }

    #[test]
    fn completes_cert_paths_thumbprints_and_accepted_values() {
        let mut w = words();
        w.cert_paths = vec![
            "Cert:\\LocalMachine".into(),
            "Cert:\\LocalMachine\\My".into(),
            "Cert:\\LocalMachine\\My\\AB12".into(),
            "Cert:\\LocalMachine\\Root".into(),
            "Cert:\\CurrentUser".into(),
        ];
        w.thumbprints = vec!["AB12".into(), "CD34".into()];
        w.accepted.insert(
            "export-pfxcertificate -cryptoalgorithmoption".into(),
            vec!["TripleDES_SHA1".into(), "AES256_SHA256".into()],
        );
        let line = "Get-ChildItem cert:\\loc";
        assert_eq!(w.complete(line, line.len()).1, vec!["Cert:\\LocalMachine"]);
        // One level at a time: the stores, then a store's certificates.
        let line = "gci Cert:/LocalMachine/";
        assert_eq!(
            w.complete(line, line.len()).1,
            vec!["Cert:\\LocalMachine\\My", "Cert:\\LocalMachine\\Root"]
        );
        let line = "gci Cert:\\LocalMachine\\My\\";
        assert_eq!(
            w.complete(line, line.len()).1,
            vec!["Cert:\\LocalMachine\\My\\AB12"]
        );
        let line = "Export-PfxCertificate -CryptoAlgorithmOption a";
        assert_eq!(w.complete(line, line.len()).1, vec!["AES256_SHA256"]);
        let line = "Remove-TrustedPeer -Thumbprint c";
        assert_eq!(w.complete(line, line.len()).1, vec!["CD34"]);
    }
}
