//! The PowerShell language front end: source → AST. It knows nothing of the engine.

pub mod ast;
mod error;
mod parser;
pub mod sensitive;

pub use error::ParseError;
pub use parser::{parse, parse_block};
