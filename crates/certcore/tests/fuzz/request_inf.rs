//! Target `request_inf`: `certreq -new` request policy files. A file is either read
//! whole or refused with a line number; no input panics or hangs the reader.

use super::replay_command;
use certhost_core::request_inf::parse;
use certhost_fuzz::{Observation, Target};

pub struct RequestInf;

impl Target for RequestInf {
    fn name(&self) -> &'static str {
        "request_inf"
    }

    fn execute(&self, input: &[u8]) -> Observation {
        match parse(input) {
            Ok(request) => Observation::accepted(
                format!(
                    "{} extensions, {} ignored keys",
                    request.text_extensions.len(),
                    request.ignored.len()
                ),
                Vec::new(),
            ),
            Err(e) => Observation::rejected(e),
        }
    }

    fn test_command(&self) -> String {
        replay_command("request_inf")
    }
}
