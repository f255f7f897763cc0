//! One target's run: replay every regression file, then mutate the corpus until the
//! budget is spent. A panic, a hang, a violated property or an oracle's refusal of
//! something the target accepted is a failure; a new one is saved as a regression file
//! with a line that replays it.

use crate::config::{Budget, ENV_REPLAY, ENV_SEED};
use crate::error::FuzzError;
use crate::exec::{Outcome, Worker, in_progress_path};
use crate::mutate::{Mutator, Vocabulary};
use crate::oracle::{Oracles, Verdict};
use crate::regress::{Known, Store, input_id};
use crate::target::{Target, normalize};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// At most this many inputs join the corpus.
const MAX_CORPUS: usize = 1024;
/// At most this many new failures are saved per run (one per signature anyway).
const MAX_SAVED: usize = 25;

/// What kind of failure an input caused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    Panic,
    Hang,
    /// A property the target checks itself.
    Violation,
    /// An oracle refused what the target accepted.
    Disagreement,
}

/// One failure, with the file that reproduces it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub kind: FailureKind,
    pub detail: String,
    /// The stable part of the failure, used to report each kind of problem once.
    pub signature: String,
    pub id: String,
    pub file: Option<PathBuf>,
}

/// The outcome of one target's run.
#[derive(Debug, Default)]
pub struct Summary {
    pub target: String,
    pub seed: u64,
    pub replayed: usize,
    pub runs: u64,
    pub corpus: usize,
    pub oracle_calls: usize,
    /// Inputs failing in a way listed in known-disagreements.tsv.
    pub known: usize,
    pub failures: Vec<Failure>,
    pub test_command: String,
}

impl Summary {
    pub fn is_clean(&self) -> bool {
        self.failures.is_empty()
    }

    /// The failures with their files and the command that replays them.
    pub fn report(&self) -> String {
        let mut out = format!(
            "{}: {} failure(s) (seed {}, {} inputs, {} replayed)\n",
            self.target,
            self.failures.len(),
            self.seed,
            self.runs,
            self.replayed
        );
        for f in &self.failures {
            out.push_str(&format!("  {:?}: {}\n", f.kind, f.detail));
            if let Some(file) = &f.file {
                out.push_str(&format!(
                    "    input: {}\n    replay: {ENV_REPLAY}={} {} -- --nocapture\n",
                    file.display(),
                    file.display(),
                    self.test_command
                ));
            }
        }
        out.push_str(
            "  A failure that cannot be fixed now is listed in tests/fuzz/known-disagreements.tsv (docs/fuzzing.md).\n",
        );
        out
    }
}

/// Replays `target`'s regression files and fuzzes it from `seeds`, with `defaults`
/// overridden by the environment, the regression files found above `manifest_dir`.
pub fn fuzz<T: Target>(
    target: T,
    seeds: Vec<Vec<u8>>,
    defaults: Budget,
    manifest_dir: &str,
) -> Result<Summary, FuzzError> {
    let budget = defaults.from_env(target.name())?;
    let store = Store::locate(Path::new(manifest_dir))?;
    fuzz_with(target, seeds, budget, Some(&store))
}

/// [`fuzz`] with an explicit budget; without a store nothing is replayed or saved.
pub fn fuzz_with<T: Target>(
    target: T,
    seeds: Vec<Vec<u8>>,
    budget: Budget,
    store: Option<&Store>,
) -> Result<Summary, FuzzError> {
    let target = Arc::new(target);
    let mut session = Session {
        worker: Worker::start(Arc::clone(&target))?,
        oracles: Oracles::new(usize::MAX),
        known: match store {
            Some(s) => s.known()?,
            None => Known::default(),
        },
        store: store.cloned(),
        known_signatures: HashMap::new(),
        reported: HashSet::new(),
        summary: Summary {
            target: target.name().into(),
            seed: budget.seed,
            test_command: target.test_command(),
            ..Summary::default()
        },
        budget,
        target,
    };
    session.replay()?;
    session.mutate(seeds)?;
    for note in session.oracles.take_notes() {
        println!("note: {note}");
    }
    session.summary.oracle_calls = session.oracles.calls();
    let s = &session.summary;
    println!(
        "{}: seed {}, {} replayed, {} inputs, corpus {}, {} oracle calls, {} known, {} new failure(s)",
        s.target,
        s.seed,
        s.replayed,
        s.runs,
        s.corpus,
        s.oracle_calls,
        s.known,
        s.failures.len()
    );
    session.worker.finish();
    Ok(session.summary)
}

/// A problem an input caused, before it is recorded.
struct Problem {
    kind: FailureKind,
    detail: String,
    signature: String,
}

struct Session<T: Target> {
    target: Arc<T>,
    worker: Worker<T>,
    oracles: Oracles,
    store: Option<Store>,
    known: Known,
    /// Signatures of known disagreements (from their replay) and their ids.
    known_signatures: HashMap<String, String>,
    reported: HashSet<String>,
    summary: Summary,
    budget: Budget,
}

impl<T: Target> Session<T> {
    /// Runs `input`; returns its label (when it finished) and its problems.
    fn evaluate(&mut self, input: &[u8]) -> Result<(Option<String>, Vec<Problem>), FuzzError> {
        let outcome = self.worker.run(input, self.budget.timeout)?;
        let observation = match outcome {
            Outcome::Done(o) => o,
            Outcome::Panicked(panic) => {
                // The place is the stable part; the message often quotes the input.
                let signature = match &panic.at {
                    Some(at) => format!("panic at {at}"),
                    None => format!("panic: {}", normalize(&panic.message)),
                };
                let at = panic.at.map(|a| format!(" (at {a})")).unwrap_or_default();
                return Ok((
                    None,
                    vec![Problem {
                        kind: FailureKind::Panic,
                        signature,
                        detail: format!("panicked: {}{at}", panic.message),
                    }],
                ));
            }
            Outcome::Hung => {
                return Ok((
                    None,
                    vec![Problem {
                        kind: FailureKind::Hang,
                        signature: "hang".into(),
                        detail: format!("ran longer than {} s", self.budget.timeout.as_secs_f64()),
                    }],
                ));
            }
        };
        let mut problems = Vec::new();
        if let Some(v) = &observation.violation {
            problems.push(Problem {
                kind: FailureKind::Violation,
                signature: format!("violation: {}", normalize(v)),
                detail: v.clone(),
            });
        }
        for claim in &observation.claims {
            if let Verdict::Disagree {
                oracle,
                detail,
                signature,
            } = self.oracles.check(claim)
            {
                problems.push(Problem {
                    kind: FailureKind::Disagreement,
                    signature: format!("{oracle} refused a {:?}: {signature}", claim.kind),
                    detail: format!(
                        "{oracle} refused {} that certhost accepted: {detail}",
                        claim.what
                    ),
                });
            }
        }
        Ok((Some(observation.label), problems))
    }

    fn replay(&mut self) -> Result<(), FuzzError> {
        let Some(store) = self.store.clone() else {
            return Ok(());
        };
        let name = self.target.name();
        let files = match std::env::var_os(ENV_REPLAY) {
            Some(one) => {
                // Relative to the current directory (the package's, under cargo test) or
                // to the repository root.
                let mut path = PathBuf::from(one);
                if !path.exists()
                    && let Some(repo) = store.root().parent().and_then(Path::parent)
                {
                    path = repo.join(path);
                }
                let ours = path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|d| d == name);
                if ours { vec![path] } else { Vec::new() }
            }
            None => store.regressions(name)?,
        };
        let mut inputs = Vec::new();
        for path in files {
            let input = std::fs::read(&path).map_err(|e| FuzzError::io(&path, e))?;
            let id = input_id(&input);
            let known = self.known.reason(name, &id).map(str::to_string);
            inputs.push((path, input, id, known));
        }
        // Known inputs first, so that their signatures cover the same problem elsewhere.
        inputs.sort_by_key(|(_, _, _, known)| known.is_none());
        for (path, input, id, known) in inputs {
            if let Some(reason) = known.as_deref().filter(|r| r.starts_with("crash")) {
                println!(
                    "note: {name}/{id} is not replayed: {reason}; after the fix, delete its line and replay it with {ENV_REPLAY}={}",
                    path.display()
                );
                self.summary.known += 1;
                continue;
            }
            self.summary.replayed += 1;
            let (_, problems) = self.evaluate(&input)?;
            match known {
                Some(reason) if problems.is_empty() => println!(
                    "note: {name}/{id} ({reason}) passes now: delete its line from tests/fuzz/known-disagreements.tsv"
                ),
                Some(reason) => {
                    println!("note: {name}/{id} is a known disagreement: {reason}");
                    self.summary.known += 1;
                    for p in problems {
                        self.known_signatures.insert(p.signature, id.clone());
                    }
                }
                None => {
                    for p in problems {
                        self.record(p, &id, Some(path.clone()));
                    }
                }
            }
        }
        Ok(())
    }

    fn mutate(&mut self, seeds: Vec<Vec<u8>>) -> Result<(), FuzzError> {
        if self.budget.time.is_zero() {
            return Ok(());
        }
        let start = Instant::now();
        let mut mutator = Mutator::new(
            self.budget.seed,
            Vocabulary {
                dictionary: self.target.dictionary(),
                brackets: self.target.brackets(),
                max_len: self.budget.max_len,
                max_nest: self.budget.max_nest,
            },
        );
        self.oracles.set_budget(self.budget.oracle_calls);
        let mut corpus: Vec<Vec<u8>> = Vec::new();
        let mut labels = HashSet::new();
        let mut tried = HashSet::new();
        let regressions = match &self.store {
            Some(s) => s.regressions(self.target.name())?,
            None => Vec::new(),
        };
        let mut starts = seeds;
        for path in regressions {
            let input = std::fs::read(&path).map_err(|e| FuzzError::io(&path, e))?;
            // Known crashes and hangs would stop the run before it starts.
            let stops = self
                .known
                .reason(self.target.name(), &input_id(&input))
                .is_some_and(stops_the_run);
            if !stops {
                starts.push(input);
            }
        }
        let fixed = starts.len();
        for input in starts {
            tried.insert(quick_hash(&input));
            let (label, problems) = self.evaluate(&input)?;
            let hung = problems.iter().any(|p| p.kind == FailureKind::Hang);
            labels.extend(label);
            self.found(&input, problems);
            if hung {
                println!("{}: a seed hangs; nothing mutated", self.target.name());
                return Ok(());
            }
            corpus.push(input);
        }
        if corpus.is_empty() {
            corpus.push(Vec::new());
        }
        let mut stale = 0u32;
        while start.elapsed() < self.budget.time
            && self.budget.runs.is_none_or(|max| self.summary.runs < max)
        {
            let parent = mutator.rng().usize(..corpus.len());
            let mut input = corpus[parent].clone();
            mutator.mutate(&mut input, &corpus);
            if mutator.rng().u8(..4) != 0 {
                self.target.repair(&mut input);
            }
            if !tried.insert(quick_hash(&input)) {
                stale += 1;
                if stale < 1000 {
                    continue;
                }
            }
            stale = 0;
            self.summary.runs += 1;
            let (label, problems) = self.evaluate(&input)?;
            let hung = problems.iter().any(|p| p.kind == FailureKind::Hang);
            self.found(&input, problems);
            if hung {
                println!(
                    "{}: stopped mutating after a hang (the stuck thread keeps running)",
                    self.target.name()
                );
                break;
            }
            if let Some(label) = label
                && labels.insert(label)
            {
                if corpus.len() < MAX_CORPUS {
                    corpus.push(input);
                } else {
                    let low = fixed.min(MAX_CORPUS - 1);
                    let slot = low + mutator.rng().usize(..MAX_CORPUS - low);
                    if let Some(entry) = corpus.get_mut(slot) {
                        *entry = input;
                    }
                }
            }
        }
        self.summary.corpus = corpus.len();
        Ok(())
    }

    /// Records the problems of a mutated input, unless they are known or already reported.
    fn found(&mut self, input: &[u8], problems: Vec<Problem>) {
        if problems.is_empty() {
            return;
        }
        let id = input_id(input);
        if self.known.reason(self.target.name(), &id).is_some() {
            self.summary.known += 1;
            return;
        }
        for p in problems {
            if self.known_signatures.contains_key(&p.signature) {
                self.summary.known += 1;
                continue;
            }
            if self.reported.contains(&p.signature) || self.summary.failures.len() >= MAX_SAVED {
                continue;
            }
            let file = match &self.store {
                Some(store) => match store.save(self.target.name(), input) {
                    Ok(path) => Some(path),
                    Err(e) => {
                        println!("warning: {e}");
                        None
                    }
                },
                None => None,
            };
            self.record(p, &id, file);
        }
    }

    fn record(&mut self, p: Problem, id: &str, file: Option<PathBuf>) {
        if !self.reported.insert(p.signature.clone()) && file.is_none() {
            return;
        }
        println!(
            "FAILURE {}/{id}: {:?}: {}{}",
            self.target.name(),
            p.kind,
            p.detail,
            file.as_ref()
                .map(|f| format!("\n  input: {}", f.display()))
                .unwrap_or_default()
        );
        if let Some(f) = &file {
            println!(
                "  replay: {ENV_REPLAY}={} {} -- --nocapture  (found with {ENV_SEED}={})",
                f.display(),
                self.summary.test_command,
                self.summary.seed
            );
        }
        self.summary.failures.push(Failure {
            kind: p.kind,
            detail: p.detail,
            signature: p.signature,
            id: id.to_string(),
            file,
        });
    }
}

/// A known failure whose reason starts with `crash` (it kills the test process; not
/// replayed) or `hang` (replayed, but not mutated from).
fn stops_the_run(reason: &str) -> bool {
    reason.starts_with("crash") || reason.starts_with("hang")
}

fn quick_hash(input: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    input.hash(&mut h);
    h.finish()
}

/// Where the input being run is kept while a target runs (see
/// [`crate::config::ENV_IN_PROGRESS_DIR`]).
pub fn in_progress_file(target: &str) -> PathBuf {
    in_progress_path(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Observation;
    use std::time::Duration;

    /// Panics on "BUG", hangs on "HANG", violates on "BAD".
    struct Planted;

    impl Target for Planted {
        fn name(&self) -> &'static str {
            "planted"
        }
        fn execute(&self, input: &[u8]) -> Observation {
            let has = |w: &[u8]| input.windows(w.len()).any(|x| x == w);
            if has(b"BUG") {
                panic!("planted bug");
            }
            if has(b"HANG") {
                std::thread::sleep(Duration::from_secs(3));
            }
            let o = Observation::accepted(format!("{} bytes", input.len().min(8)), Vec::new());
            if has(b"BAD") {
                o.violating("planted violation")
            } else {
                o
            }
        }
        fn test_command(&self) -> String {
            "cargo test -p certhost-fuzz".into()
        }
        fn dictionary(&self) -> Vec<Vec<u8>> {
            vec![b"BUG".to_vec(), b"BAD".to_vec()]
        }
    }

    fn store(name: &str) -> Store {
        let dir =
            std::env::temp_dir().join(format!("certhost-fuzz-run-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Store::at(dir)
    }

    #[test]
    fn finds_saves_and_then_replays_a_panic_and_a_violation() {
        let store = store("find");
        let budget = Budget::quick(Duration::from_secs(20), 800);
        let first = fuzz_with(
            Planted,
            vec![b"seed".to_vec()],
            budget.clone(),
            Some(&store),
        )
        .unwrap();
        let kinds: HashSet<String> = first
            .failures
            .iter()
            .map(|f| format!("{:?}", f.kind))
            .collect();
        assert!(
            kinds.contains("Panic") && kinds.contains("Violation"),
            "{}",
            first.report()
        );
        assert!(first.failures.iter().all(|f| f.file.is_some()));
        assert!(first.report().contains("CERTHOST_FUZZ_REPLAY="));

        // Replay only: the saved files fail again.
        let replay = Budget {
            time: Duration::ZERO,
            ..budget.clone()
        };
        let again = fuzz_with(Planted, Vec::new(), replay.clone(), Some(&store)).unwrap();
        assert_eq!(again.replayed, store.regressions("planted").unwrap().len());
        assert!(!again.is_clean());

        // Listed as known: replay notes them, and mutating finds nothing new of their kind.
        let list: String = store
            .regressions("planted")
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "planted\t{}\tplanted\n",
                    p.file_stem().unwrap().to_string_lossy()
                )
            })
            .collect();
        std::fs::write(store.root().join(crate::regress::KNOWN_FILE), list).unwrap();
        let known = fuzz_with(Planted, vec![b"seed".to_vec()], budget, Some(&store)).unwrap();
        assert!(known.is_clean(), "{}", known.report());
        assert!(known.known > 0);
        std::fs::remove_dir_all(store.root()).unwrap();
    }

    #[test]
    fn a_hang_is_a_failure_and_stops_mutation() {
        let mut budget = Budget::quick(Duration::from_secs(20), 10);
        budget.timeout = Duration::from_millis(200);
        let summary = fuzz_with(Planted, vec![b"HANG".to_vec()], budget, None).unwrap();
        assert_eq!(summary.failures.len(), 1);
        assert_eq!(summary.failures[0].kind, FailureKind::Hang);
        assert_eq!(summary.runs, 0);
    }
}
