//! The interactive prompt: line editing and history (rustyline), Tab completion of
//! cmdlets, parameters and variables, and continuation lines for unfinished input.

use crate::engine::Session;
use crate::format::Formatter;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use std::collections::HashMap;

/// What Tab can complete, refreshed before each prompt.
#[derive(Default)]
pub struct Words {
    commands: Vec<String>,
    parameters: HashMap<String, Vec<String>>,
    variables: Vec<String>,
}

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
            }
        }
        words.commands.sort();
        words.variables = session.variable_names();
        words
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
    let mut editor = match Editor::<ShellHelper, rustyline::history::DefaultHistory>::new() {
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
                        let _ = editor.add_history_entry(buffer.trim_end());
                        if let crate::engine::session::Outcome::Exit(_) = session.run(&script, out)
                        {
                            out.flush_table();
                            break;
                        }
                        out.flush_table();
                    }
                }
                buffer.clear();
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(_) => break,
        }
    }
    if crate::paths::create_private_file(history).is_ok() {
        let _ = editor.save_history(history);
    }
    session.last_success
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
}
