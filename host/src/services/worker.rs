//! The certificate component, for the async server: one thread owns the wasmtime runtime
//! and the component (with the REST worker's grants: no files), and runs typed calls one
//! at a time for the request handlers.

use crate::plugin::{
    AssignOptions, CertError, CertificateInfo, CreatedRequest, GenerateRequest, Grants,
    PluginError, Runtime, RuntimeConfig, Services, SlotOutcome,
};
use crate::store::Database;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// A slot operation of the component's `slots` export.
pub enum SlotCall {
    /// The slot's certificate (made on first use where the slot has a default).
    Current,
    /// A PFX (or PEM with one key) upload, validated and assigned.
    AssignUpload { data: Vec<u8>, password: String },
    /// A new self-signed certificate for this server, assigned.
    Generate { friendly_name: String, days: u32 },
    /// A certificate chain (PEM, leaf first) with its key (PKCS#8 DER), validated and
    /// assigned: an ACME renewal.
    AssignPem {
        certificate: Vec<u8>,
        private_key: Vec<u8>,
    },
}

enum Job {
    Slot {
        slot: &'static str,
        call: SlotCall,
        reply: oneshot::Sender<Result<SlotOutcome, PluginError>>,
    },
    Inspect {
        der: Vec<u8>,
        reply: oneshot::Sender<Result<Option<CertificateInfo>, PluginError>>,
    },
    CreateRequest {
        request: GenerateRequest,
        reply: oneshot::Sender<Result<Result<CreatedRequest, CertError>, PluginError>>,
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

const ASSIGN: AssignOptions = AssignOptions {
    force: false,
    what_if: false,
};

impl Worker {
    /// Starts the thread: loads (or reuses the precompiled) component.
    pub fn start(state_dir: &Path, log: fn(&str)) -> Result<Self, String> {
        let database = Database::open(state_dir).map_err(|e| e.to_string())?;
        let runtime =
            Runtime::new(RuntimeConfig::new(state_dir.join("cache"))).map_err(|e| e.to_string())?;
        let plugin = runtime
            .load_builtin(Grants::rest_worker())
            .map_err(|e| e.to_string())?;
        let services = Services::new(
            Arc::new(Mutex::new(database)),
            state_dir.to_path_buf(),
            state_dir.to_path_buf(),
        );
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("certhost-component".into())
            .spawn(move || {
                for job in queue {
                    match job {
                        Job::Slot { slot, call, reply } => {
                            let result =
                                runtime
                                    .slots(&plugin, &services)
                                    .and_then(|api| match call {
                                        SlotCall::Current => api.current(slot),
                                        SlotCall::AssignUpload { data, password } => {
                                            api.assign_upload(slot, &data, &password, ASSIGN)
                                        }
                                        SlotCall::Generate {
                                            friendly_name,
                                            days,
                                        } => api.generate(slot, &friendly_name, days, ASSIGN),
                                        SlotCall::AssignPem {
                                            certificate,
                                            private_key,
                                        } => {
                                            api.assign_pem(slot, &certificate, &private_key, ASSIGN)
                                        }
                                    });
                            for message in services.take_messages() {
                                if let crate::plugin::Message::Warning(text) = message {
                                    log(&format!("{slot}: warning: {text}"));
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
                        Job::CreateRequest { request, reply } => {
                            let result = runtime
                                .certificates(&plugin, &services)
                                .and_then(|api| api.create_request(&request));
                            let _ = reply.send(result);
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the component thread: {e}"))?;
        Ok(Worker { jobs })
    }

    /// Runs a typed slot call of the component.
    pub async fn slot(
        &self,
        slot: &'static str,
        call: SlotCall,
    ) -> Result<SlotOutcome, PluginError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Slot { slot, call, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// A new key and its certificate request, from the component.
    pub async fn create_request(
        &self,
        request: GenerateRequest,
    ) -> Result<Result<CreatedRequest, CertError>, PluginError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::CreateRequest { request, reply })
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
