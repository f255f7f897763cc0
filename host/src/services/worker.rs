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
    /// A certificate chain (PEM or DER, leaf first) with its key (PEM or PKCS#8 DER,
    /// encrypted when `password` is given), validated and assigned: an ACME renewal, or
    /// a certificate and key file uploaded on the install page.
    AssignPem {
        certificate: Vec<u8>,
        private_key: Vec<u8>,
        password: Option<String>,
    },
    /// A certificate already in a store (with its key), validated and assigned.
    AssignStored { store: String, thumbprint: String },
}

/// What a slot call did or would do, with the component's messages: its warnings
/// (findings accepted) and, for a what-if call, the plan.
pub struct SlotReport {
    pub outcome: SlotOutcome,
    pub warnings: Vec<String>,
    pub plan: Vec<String>,
}

enum Job {
    Slot {
        slot: &'static str,
        call: SlotCall,
        options: AssignOptions,
        reply: oneshot::Sender<Result<SlotReport, PluginError>>,
    },
    Inspect {
        certificates: Vec<Vec<u8>>,
        reply: oneshot::Sender<Result<Vec<Option<CertificateInfo>>, PluginError>>,
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
    log: fn(&str),
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
                        Job::Slot {
                            slot,
                            call,
                            options,
                            reply,
                        } => {
                            let outcome =
                                runtime
                                    .slots(&plugin, &services)
                                    .and_then(|api| match call {
                                        SlotCall::Current => api.current(slot),
                                        SlotCall::AssignUpload { data, password } => {
                                            api.assign_upload(slot, &data, &password, options)
                                        }
                                        SlotCall::Generate {
                                            friendly_name,
                                            days,
                                        } => api.generate(slot, &friendly_name, days, options),
                                        SlotCall::AssignPem {
                                            certificate,
                                            private_key,
                                            password,
                                        } => api.assign_pem(
                                            slot,
                                            &certificate,
                                            &private_key,
                                            password.as_deref(),
                                            options,
                                        ),
                                        SlotCall::AssignStored { store, thumbprint } => {
                                            api.assign_stored(slot, &store, &thumbprint, options)
                                        }
                                    });
                            let mut warnings = Vec::new();
                            let mut plan = Vec::new();
                            for message in services.take_messages() {
                                match message {
                                    crate::plugin::Message::Warning(text) => warnings.push(text),
                                    crate::plugin::Message::WhatIf(text) => plan.push(text),
                                    crate::plugin::Message::Verbose(_) => {}
                                }
                            }
                            let _ = reply.send(outcome.map(|outcome| SlotReport {
                                outcome,
                                warnings,
                                plan,
                            }));
                        }
                        Job::Inspect {
                            certificates,
                            reply,
                        } => {
                            let result = runtime.certificates(&plugin, &services).and_then(|api| {
                                certificates
                                    .iter()
                                    .map(|der| api.inspect(der).map(Result::ok))
                                    .collect()
                            });
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
        Ok(Worker { jobs, log })
    }

    /// Runs a typed slot call of the component; its warnings go to the log.
    pub async fn slot(
        &self,
        slot: &'static str,
        call: SlotCall,
    ) -> Result<SlotOutcome, PluginError> {
        let report = self.slot_with(slot, call, ASSIGN).await?;
        for warning in &report.warnings {
            (self.log)(&format!("{slot}: warning: {warning}"));
        }
        Ok(report.outcome)
    }

    /// Runs a typed slot call with `options` (what-if, force), returning the
    /// component's warnings and plan beside the outcome.
    pub async fn slot_with(
        &self,
        slot: &'static str,
        call: SlotCall,
        options: AssignOptions,
    ) -> Result<SlotReport, PluginError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Slot {
                slot,
                call,
                options,
                reply,
            })
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
        Ok(self.inspect_all(vec![der]).await?.pop().flatten())
    }

    /// Reads certificates in one job (`None` for one that does not parse).
    pub async fn inspect_all(
        &self,
        certificates: Vec<Vec<u8>>,
    ) -> Result<Vec<Option<CertificateInfo>>, PluginError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Inspect {
                certificates,
                reply,
            })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}
