//! The certificate component, for the async server: one thread owns the wasmtime runtime
//! and the component, and runs calls one at a time for the request handlers.

use crate::plugin::{CertificateInfo, PluginError, Runtime, RuntimeConfig, Services, wit};
use crate::store::Database;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// A cmdlet's outcome: values, or the cmdlet's own error.
pub type CmdletOutcome = Result<Vec<wit::Value>, wit::CmdletError>;

enum Job {
    Invoke {
        name: String,
        arguments: Vec<wit::Argument>,
        reply: oneshot::Sender<Result<CmdletOutcome, PluginError>>,
    },
    Inspect {
        der: Vec<u8>,
        reply: oneshot::Sender<Result<Option<CertificateInfo>, PluginError>>,
    },
}

/// A handle to the component thread.
#[derive(Clone)]
pub struct Worker {
    jobs: mpsc::Sender<Job>,
}

/// Why the component thread is gone.
fn stopped() -> PluginError {
    PluginError::Incompatible {
        component: "certhost".into(),
        message: "the component thread stopped".into(),
    }
}

impl Worker {
    /// Starts the thread: loads (or reuses the precompiled) component.
    pub fn start(state_dir: &Path) -> Result<Self, String> {
        let database = Database::open(state_dir).map_err(|e| e.to_string())?;
        let runtime =
            Runtime::new(RuntimeConfig::new(state_dir.join("cache"))).map_err(|e| e.to_string())?;
        let plugin = runtime.load_builtin().map_err(|e| e.to_string())?;
        let services = Services::new(Arc::new(Mutex::new(database)), state_dir.to_path_buf());
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("certhost-component".into())
            .spawn(move || {
                for job in queue {
                    match job {
                        Job::Invoke {
                            name,
                            arguments,
                            reply,
                        } => {
                            let result =
                                runtime.invoke_cmdlet(&plugin, &services, &name, &arguments, None);
                            for message in services.take_messages() {
                                if let crate::plugin::Message::Warning(text) = message {
                                    super::log(&format!("{name}: warning: {text}"));
                                }
                            }
                            let _ = reply.send(result);
                        }
                        Job::Inspect { der, reply } => {
                            let result = runtime
                                .certificates(&plugin, &services)
                                .and_then(|api| api.inspect(&der))
                                .map(Result::ok);
                            let _ = reply.send(result);
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the component thread: {e}"))?;
        Ok(Worker { jobs })
    }

    /// Runs a cmdlet of the component.
    pub async fn invoke(
        &self,
        name: &str,
        arguments: Vec<wit::Argument>,
    ) -> Result<CmdletOutcome, PluginError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Invoke {
                name: name.into(),
                arguments,
                reply,
            })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Reads a certificate (`None` when it does not parse).
    pub async fn inspect(&self, der: Vec<u8>) -> Result<Option<CertificateInfo>, PluginError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Inspect { der, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}
