//! Runs a target on a worker thread: panics are caught, a run longer than the timeout is
//! a hang, and the input is written to an in-progress file first, so that a crash which
//! kills the whole process (stack overflow, abort) still leaves it behind.

use crate::config::ENV_IN_PROGRESS_DIR;
use crate::error::FuzzError;
use crate::target::{Observation, Target};
use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

const WORKER_NAME: &str = "certhost-fuzz-worker";

/// How one input ended.
pub(crate) enum Outcome {
    Done(Observation),
    Panicked(Panic),
    Hung,
}

/// A caught panic: its message and, when the hook saw it, where it happened.
pub(crate) struct Panic {
    pub message: String,
    pub at: Option<String>,
}

type Reply = Result<Observation, Panic>;

pub(crate) struct Worker<T: Target> {
    target: Arc<T>,
    jobs: Sender<Vec<u8>>,
    replies: Receiver<Reply>,
    in_progress: PathBuf,
}

thread_local! {
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps panics of the worker quiet (they are reported as failures with their location)
/// and leaves every other thread's panics to the previous hook.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(WORKER_NAME) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                PANIC_AT.with(|p| *p.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

fn panic_of(payload: &(dyn std::any::Any + Send)) -> Panic {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    Panic {
        message,
        at: PANIC_AT.with(|p| p.borrow_mut().take()),
    }
}

/// The in-progress file of `target`.
pub fn in_progress_path(target: &str) -> PathBuf {
    let dir = std::env::var_os(ENV_IN_PROGRESS_DIR)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("certhost-fuzz"));
    dir.join(format!("{target}.in-progress.bin"))
}

fn ended() -> Panic {
    Panic {
        message: "the worker thread ended".into(),
        at: None,
    }
}

impl<T: Target> Worker<T> {
    pub(crate) fn start(target: Arc<T>) -> Result<Self, FuzzError> {
        install_panic_hook();
        let in_progress = in_progress_path(target.name());
        if let Some(dir) = in_progress.parent() {
            std::fs::create_dir_all(dir).map_err(|e| FuzzError::io(dir, e))?;
        }
        let (jobs, replies) = Self::spawn(&target)?;
        Ok(Worker {
            target,
            jobs,
            replies,
            in_progress,
        })
    }

    fn spawn(target: &Arc<T>) -> Result<(Sender<Vec<u8>>, Receiver<Reply>), FuzzError> {
        let (job_tx, job_rx) = channel::<Vec<u8>>();
        let (reply_tx, reply_rx) = channel::<Reply>();
        let target = Arc::clone(target);
        std::thread::Builder::new()
            .name(WORKER_NAME.into())
            .stack_size(target.stack_size())
            .spawn(move || {
                for input in job_rx {
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        target.execute(&input)
                    }));
                    let reply = run.map_err(|payload| panic_of(payload.as_ref()));
                    if reply_tx.send(reply).is_err() {
                        break;
                    }
                }
            })
            .map_err(FuzzError::Worker)?;
        Ok((job_tx, reply_rx))
    }

    /// Runs `input`. After a hang the stuck thread is abandoned and a new one started.
    pub(crate) fn run(&mut self, input: &[u8], timeout: Duration) -> Result<Outcome, FuzzError> {
        // Best effort: a crash report is a convenience, the run goes on without it.
        let _ = std::fs::write(&self.in_progress, input);
        if self.jobs.send(input.to_vec()).is_err() {
            self.restart()?;
            return Ok(Outcome::Panicked(ended()));
        }
        match self.replies.recv_timeout(timeout) {
            Ok(Ok(observation)) => Ok(Outcome::Done(observation)),
            Ok(Err(panic)) => Ok(Outcome::Panicked(panic)),
            Err(RecvTimeoutError::Timeout) => {
                self.restart()?;
                Ok(Outcome::Hung)
            }
            Err(RecvTimeoutError::Disconnected) => {
                self.restart()?;
                Ok(Outcome::Panicked(ended()))
            }
        }
    }

    fn restart(&mut self) -> Result<(), FuzzError> {
        let (jobs, replies) = Self::spawn(&self.target)?;
        self.jobs = jobs;
        self.replies = replies;
        Ok(())
    }

    /// Removes the in-progress file: the run ended without killing the process.
    pub(crate) fn finish(self) {
        let _ = std::fs::remove_file(&self.in_progress);
    }
}
