//! `[ref]`: a PSReference object whose `Value` is a variable (`[ref]$var`: setting
//! `.Value` sets the variable where it lives, in the caller's scope) or a value of its
//! own (`[ref]0`, `[PSReference]$x`).

use super::*;
use crate::engine::PsObject;

/// Whether a type name is `[ref]` / `[PSReference]`.
pub(super) fn is_reference_type(type_name: &str) -> bool {
    matches!(
        type_name.to_ascii_lowercase().as_str(),
        "ref" | "psreference" | "system.management.automation.psreference"
    )
}

fn reference(value: Value) -> Value {
    Value::object("PSReference", vec![("Value".into(), value)])
}

fn is_reference(value: &Value) -> bool {
    matches!(value, Value::Object(o) if o.type_name == "PSReference")
}

impl Session {
    /// `[ref]operand`: to the variable when the operand is one (and the type is
    /// `[ref]`), else to a value of its own; a reference stays itself.
    pub(super) fn make_reference(&mut self, type_name: &str, operand: &Expr) -> Flow<Value> {
        let value = self.expr(operand)?;
        if is_reference(&value) {
            return Ok(value);
        }
        if let Expr::Variable(name) = operand
            && type_name.eq_ignore_ascii_case("ref")
        {
            let key = Self::key(name);
            let at = self
                .scopes
                .iter()
                .rposition(|s| s.vars.contains_key(&key))
                .unwrap_or(self.scopes.len() - 1);
            let scope = self.scopes[at].id;
            let object = reference(value);
            if let Value::Object(o) = &object {
                self.references.retain(|(r, _, _)| r.strong_count() > 0);
                self.references.push((Rc::downgrade(o), scope, key));
            }
            return Ok(object);
        }
        Ok(reference(value))
    }

    /// A value as a `[ref]` parameter or variable takes it.
    pub(super) fn as_reference(value: Value) -> Value {
        if is_reference(&value) {
            value
        } else {
            reference(value)
        }
    }

    /// The variable a reference stands for (the index of its scope, still running,
    /// and its name), if it stands for one.
    fn referenced_variable(&self, object: &Rc<PsObject>) -> Option<(usize, String)> {
        let (scope_id, name) = self
            .references
            .iter()
            .find(|(r, _, _)| r.upgrade().is_some_and(|o| Rc::ptr_eq(&o, object)))
            .map(|(_, scope, name)| (*scope, name.clone()))?;
        let at = self.scopes.iter().rposition(|s| s.id == scope_id)?;
        Some((at, name))
    }

    /// `$ref.Value` of a reference to a variable: the variable's value now.
    pub(super) fn reference_value(&self, target: &Value, name: &str) -> Option<Value> {
        let Value::Object(o) = target else {
            return None;
        };
        if o.type_name != "PSReference" || !name.eq_ignore_ascii_case("Value") {
            return None;
        }
        let (scope, key) = self.referenced_variable(o)?;
        Some(
            self.scopes[scope]
                .vars
                .get(&key)
                .cloned()
                .unwrap_or(Value::Null),
        )
    }

    /// `$ref.Value = x` for a reference to a variable: the variable takes the value
    /// (converted to its declared type); returns the value the reference keeps.
    pub(super) fn write_through_reference(
        &mut self,
        holder: &Value,
        name: &str,
        value: Value,
    ) -> Flow<Value> {
        let Value::Object(o) = holder else {
            return Ok(value);
        };
        if o.type_name != "PSReference" || !name.eq_ignore_ascii_case("Value") {
            return Ok(value);
        }
        let Some((scope, key)) = self.referenced_variable(o) else {
            return Ok(value);
        };
        let value = match self.scopes[scope].types.get(&key).cloned() {
            Some(type_name) => self.convert(&type_name, value)?,
            None => value,
        };
        self.scopes[scope].vars.insert(key, value.clone());
        Ok(value)
    }
}
