//! Typed access to the arguments the shell bound (it has already converted each to the
//! parameter's declared type, so a mismatch here is a shell bug reported as an error).

use crate::bindings::exports::certhost::plugin::cmdlets::{Argument, CertificateObject, Value};

pub struct Args(Vec<Argument>);

impl Args {
    pub fn new(arguments: Vec<Argument>) -> Self {
        Args(arguments)
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| &a.value)
    }

    pub fn text(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::Text(s) | Value::SecureText(s) => Some(s.clone()),
            Value::TextList(l) => l.first().cloned(),
            Value::Integer(i) => Some(i.to_string()),
            _ => None,
        }
    }

    pub fn texts(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            Some(Value::TextList(l)) => l.clone(),
            Some(Value::Text(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    pub fn integer(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }

    pub fn datetime(&self, name: &str) -> Option<i64> {
        match self.get(name)? {
            Value::Datetime(t) => Some(*t),
            _ => None,
        }
    }

    /// A switch parameter: present (and not `-Name:$false`).
    pub fn switch(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Value::Boolean(true)))
    }

    /// The certificate parameter `name`, else the certificate piped in.
    pub fn certificate_or_piped<'a>(
        &'a self,
        name: &str,
        input: &'a Option<Value>,
    ) -> Option<&'a CertificateObject> {
        self.certificate(name).or(match input {
            Some(Value::Certificate(c)) => Some(c),
            _ => None,
        })
    }

    pub fn certificate(&self, name: &str) -> Option<&CertificateObject> {
        match self.get(name)? {
            Value::Certificate(c) => Some(c),
            _ => None,
        }
    }
}
