//! The documentation examples admins paste (tests/fixtures/domain-examples.ps1, from the
//! domain reference §2 and §3) parse without errors, statement by statement.

use certhost::lang::ast::{PipelineElement, Statement};

#[test]
fn every_documented_example_parses() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/domain-examples.ps1");
    let text = std::fs::read_to_string(path).unwrap();
    let script = certhost::lang::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(script.statements.len(), 18);
    // The netsh line is one command with its key=value arguments, braces included.
    let Statement::Pipeline(p) = &script.statements[16] else {
        panic!()
    };
    let PipelineElement::Command(c) = &p.elements[0] else {
        panic!()
    };
    assert_eq!(c.name, "netsh");
    assert_eq!(c.arguments.len(), 7, "{:?}", c.arguments);
}
