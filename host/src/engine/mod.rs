//! The engine: values, commands and their metadata, parameter binding, and the session
//! that evaluates scripts.

pub mod binder;
pub mod certificate;
pub mod class;
pub mod command;
pub mod convert;
pub mod errors;
pub mod function;
pub mod methods;
pub mod native;
pub mod operators;
pub mod session;
pub mod value;

pub use binder::BoundArguments;
pub use command::{Command, CommandError, CommandResult};
pub use session::{Output, Session, SessionOptions};
pub use value::{PsObject, SecureString, Value};
