//! `Set-StrictMode`: version 1 makes reading a variable that was never set an error;
//! version 2 also reading a property an object does not have (and unset variables
//! inside strings); version 3 (`Latest`) also an index outside an array.

use super::*;

impl Session {
    /// Sets the strict mode of the current scope (and the scopes it calls); 0 is off.
    pub fn set_strict_mode(&mut self, version: u8) {
        self.strict_used = true;
        if let Some(scope) = self.scopes.last_mut() {
            scope.strict = Some(version);
        }
    }

    /// The strict mode in force: the nearest scope's that set one.
    pub(super) fn strict_version(&self) -> u8 {
        if !self.strict_used {
            return 0;
        }
        self.scopes.iter().rev().find_map(|s| s.strict).unwrap_or(0)
    }

    /// Under strict mode, reading a variable that was never set is an error.
    /// `in_string`: the variable is expanded in a string (checked from version 2).
    pub(super) fn check_variable_set(&self, name: &str, in_string: bool) -> Flow<()> {
        let version = self.strict_version();
        if version == 0 || (in_string && version < 2) {
            return Ok(());
        }
        let lower = name.to_ascii_lowercase();
        let always = matches!(lower.as_str(), "true" | "false" | "null" | "?" | "_" | "psitem")
            // A drive-qualified name (`$env:PATH`, `$function:f`) is not checked.
            || lower
                .split_once(':')
                .is_some_and(|(scope, _)| !matches!(scope, "global" | "script" | "local" | "private"));
        if always || self.has_variable(name) {
            return Ok(());
        }
        Err(Interrupt::Error(Box::new(RuntimeError {
            kind: ErrorKind::StatementTerminating,
            thrown: None,
            error: CommandError::new(
                "",
                "InvalidOperation",
                "VariableIsUndefined",
                format!(
                    "The variable '${}' cannot be retrieved because it has not been set.",
                    name.rsplit(':').next().unwrap_or(name)
                ),
            ),
        })))
    }

    /// Under strict mode 2 and later, reading a property the object does not have.
    pub(super) fn check_property_exists(&self, target: &Value, name: &str) -> Flow<()> {
        if self.strict_version() < 2 {
            return Ok(());
        }
        let exists = match target {
            // A hashtable's missing key is $null, not an error.
            Value::Hashtable(_) => true,
            Value::Array(_) | Value::List(_) | Value::Enumerator(_) => true,
            Value::Null => false,
            other => {
                other.property(name).is_some()
                    || name.eq_ignore_ascii_case("Count")
                    || name.eq_ignore_ascii_case("Length")
                    || self.type_member(other, name).is_some()
            }
        };
        if exists {
            return Ok(());
        }
        Err(script_error(format!(
            "The property '{name}' cannot be found on this object. Verify that the property exists."
        )))
    }

    /// Under strict mode 3 (`Latest`), an index outside an array.
    pub(super) fn check_index_in_bounds(&self, target: &Value, index: &Value) -> Flow<()> {
        if self.strict_version() < 3 {
            return Ok(());
        }
        let length = match target {
            Value::Array(items) => items.len(),
            Value::List(l) => l.items.borrow().len(),
            _ => return Ok(()),
        };
        let Value::Int(i) = index else {
            return Ok(());
        };
        let at = if *i < 0 { length as i64 + i } else { *i };
        if at < 0 || at >= length as i64 {
            return Err(script_error("Index was outside the bounds of the array."));
        }
        Ok(())
    }
}
