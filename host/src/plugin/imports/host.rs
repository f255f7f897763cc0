//! `host`: the clock (always) and messages to the user (`Messages`).

use super::super::bindings::certhost::plugin::{host, types};
use super::super::state::{HostState, Message};
use super::denied;

impl host::Host for HostState {
    fn now(&mut self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }

    fn write_message(
        &mut self,
        level: host::MessageLevel,
        text: String,
    ) -> Result<(), types::Denied> {
        self.gate.messages().map_err(denied)?;
        let message = match level {
            host::MessageLevel::Warning => Message::Warning(text),
            host::MessageLevel::Verbose => Message::Verbose(text),
            host::MessageLevel::WhatIf => Message::WhatIf(text),
        };
        self.services
            .messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message);
        Ok(())
    }
}
