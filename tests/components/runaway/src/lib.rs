//! A test-only component with cmdlets that misbehave: `Invoke-Spin` loops forever,
//! `Invoke-Hog` allocates without bound, `Invoke-Panic` panics. The host must stop each
//! with an error and stay alive.

mod bindings {
    wit_bindgen::generate!({
        world: "cmdlet-plugin",
        path: "../../../wit",
    });
}

use bindings::exports::certhost::plugin::cmdlets::{
    Argument, CmdletError, CmdletInfo, Guest, Value,
};

struct Runaway;

fn info(name: &str, synopsis: &str) -> CmdletInfo {
    CmdletInfo {
        name: name.into(),
        aliases: Vec::new(),
        synopsis: synopsis.into(),
        description: synopsis.into(),
        parameters: Vec::new(),
        default_parameter_set: "__AllParameterSets".into(),
        examples: Vec::new(),
        output_type: "None".into(),
        changes_state: false,
    }
}

impl Guest for Runaway {
    fn list_cmdlets() -> Vec<CmdletInfo> {
        vec![
            info("Invoke-Spin", "Loops forever."),
            info("Invoke-Hog", "Allocates memory until stopped."),
            info("Invoke-Panic", "Panics."),
            info("Invoke-Fine", "Returns the text 'fine'."),
        ]
    }

    fn invoke(
        name: String,
        _parameter_set: String,
        _arguments: Vec<Argument>,
        _input: Option<Value>,
    ) -> Result<Vec<Value>, CmdletError> {
        match name.as_str() {
            "Invoke-Spin" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "Invoke-Hog" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "Invoke-Panic" => panic!("deliberate panic in a test component"),
            _ => Ok(vec![Value::Text("fine".into())]),
        }
    }
}

bindings::export!(Runaway with_types_in bindings);
