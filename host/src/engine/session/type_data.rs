//! Members added to a type with `Update-TypeData`: script properties (a getter and
//! an optional setter), alias properties and script methods, on a script's classes and
//! enums. A class instance keeps its script properties' values as properties, re-read
//! after every change made through the instance, so it prints with them.

use super::*;
use crate::engine::class::{ClassType, TypeMember};

impl Session {
    /// Adds (or replaces) a member of the type `type_name`.
    pub fn add_type_member(&mut self, type_name: &str, member: TypeMember) {
        let members = self
            .type_data
            .entry(type_name.trim_matches(['[', ']']).to_ascii_lowercase())
            .or_default();
        members.retain(|m| !m.name().eq_ignore_ascii_case(member.name()));
        members.push(member);
    }

    /// The members added to the value (by Add-Member) and to its type (a class's and
    /// its bases', or an enum's, by Update-TypeData).
    fn type_members_of(&self, value: &Value) -> Vec<TypeMember> {
        // The members Add-Member gave this object come first.
        let own: Vec<TypeMember> = match value {
            Value::Object(o) => o.members.borrow().clone(),
            _ => Vec::new(),
        };
        let names: Vec<String> = match value {
            Value::Object(o) => match &o.instance {
                Some(i) => i
                    .class
                    .chain()
                    .iter()
                    .map(|c| c.name().to_string())
                    .collect(),
                None => return own,
            },
            Value::Enum(ty, _) => vec![ty.name.clone()],
            _ => return own,
        };
        own.into_iter()
            .chain(
                names
                    .iter()
                    .filter_map(|n| self.type_data.get(&n.to_ascii_lowercase()))
                    .flatten()
                    .cloned(),
            )
            .collect()
    }

    pub(super) fn type_member(&self, value: &Value, name: &str) -> Option<TypeMember> {
        self.type_members_of(value)
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }

    /// The names of a class's script properties, which its instances show first.
    pub(super) fn computed_properties(&self, class: &Rc<ClassType>) -> Vec<String> {
        class
            .chain()
            .iter()
            .filter_map(|c| self.type_data.get(&c.name().to_ascii_lowercase()))
            .flatten()
            .filter_map(|m| match m {
                TypeMember::Script { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    /// Runs a member's script block with `$this` (and `$args`); its output is the result.
    fn run_member_script(
        &mut self,
        block: &ScriptBlock,
        this: &Value,
        args: Vec<Value>,
    ) -> Flow<Value> {
        self.enter_call()?;
        self.push_scope();
        self.set_variable("this", this.clone());
        // `param($x)` takes the arguments by position; the rest stay in $args.
        let mut rest = args.into_iter();
        for p in &block.parameters {
            let value = match rest.next() {
                Some(v) => v,
                None => match &p.default {
                    Some(e) => self.expr(e).unwrap_or(Value::Null),
                    None => Value::Null,
                },
            };
            self.set_variable(&p.name, value);
        }
        self.set_variable("args", Value::Array(rest.collect()));
        let mut out = Vec::new();
        let result = match self.block(&block.body, &mut out) {
            Ok(()) => Ok(collapse(out)),
            Err(Interrupt::Return(values)) => {
                out.extend(values);
                Ok(collapse(out))
            }
            Err(other) => Err(other),
        };
        self.pop_scope();
        self.depth -= 1;
        result
    }

    /// `value.Name` when `Name` is an added member: an alias's property, or (for a
    /// value that does not keep it) a script property's getter.
    pub(super) fn type_member_value(&mut self, value: &Value, name: &str) -> Flow<Option<Value>> {
        match self.type_member(value, name) {
            Some(TypeMember::Alias { target, .. }) => Ok(Some(eval::member(value, &target))),
            // (Computed on every read: an instance's copy is only for showing it.)
            Some(TypeMember::Script { getter, .. }) => {
                self.run_member_script(&getter, value, Vec::new()).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// `value.Name = x` when `Name` is an added member: the alias's property, or the
    /// script property's setter. False when it is not one.
    pub(super) fn set_type_member(
        &mut self,
        holder: &Value,
        name: &str,
        value: Value,
    ) -> Flow<bool> {
        match self.type_member(holder, name) {
            Some(TypeMember::Alias { target, .. }) => {
                if self.set_instance_property(holder, &target, value.clone())? {
                    return Ok(true);
                }
                match holder {
                    Value::Object(o) if o.set(&target, value) => Ok(true),
                    _ => Err(script_error(format!(
                        "The property '{target}' that '{name}' stands for cannot be found on this object."
                    ))),
                }
            }
            Some(TypeMember::Script { setter, .. }) => match setter {
                Some(setter) => {
                    self.run_member_script(&setter, holder, vec![value])?;
                    Ok(true)
                }
                None => Err(script_error(format!(
                    "Set accessor for property \"{name}\" is unavailable."
                ))),
            },
            _ => Ok(false),
        }
    }

    /// `value.Name(args)` when `Name` is an added script method.
    pub(super) fn call_type_method(
        &mut self,
        value: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> Flow<Option<Value>> {
        match self.type_member(value, name) {
            Some(TypeMember::Method { body, .. }) => {
                self.run_member_script(&body, value, args).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Writes the current values of the script and alias properties Add-Member gave
    /// objects into their properties, so that what shows them and the cmdlets that read
    /// properties (Select-Object, ConvertTo-Json, ...) see them as pwsh's do.
    pub(crate) fn materialize_added_members(&mut self, value: &Value) {
        match value {
            Value::Array(items) => {
                for item in items {
                    self.materialize_added_members(item);
                }
            }
            Value::Object(object) if object.instance.is_none() => {
                let members = object.members.borrow().clone();
                for member in members {
                    let (name, value) = match member {
                        TypeMember::Script { name, getter, .. } => {
                            // A getter that fails leaves the property empty, as pwsh shows it.
                            let v = self
                                .run_member_script(&getter, value, Vec::new())
                                .unwrap_or(Value::Null);
                            (name, v)
                        }
                        TypeMember::Alias { name, target } => {
                            (name, object.get(&target).unwrap_or(Value::Null))
                        }
                        TypeMember::Method { .. } => continue,
                    };
                    if !object.set(&name, value.clone()) {
                        object.properties.borrow_mut().push((name, value));
                    }
                }
            }
            _ => {}
        }
    }

    /// Re-reads an instance's script properties into the object (how it shows).
    pub(super) fn refresh_computed(&mut self, this: &Value) {
        let Value::Object(object) = this else {
            return;
        };
        for member in self.type_members_of(this) {
            if let TypeMember::Script { name, getter, .. } = member {
                // A getter that fails leaves the property empty, as pwsh shows it.
                let value = self
                    .run_member_script(&getter, this, Vec::new())
                    .unwrap_or(Value::Null);
                if !object.set(&name, value.clone()) {
                    object.properties.borrow_mut().insert(0, (name, value));
                }
            }
        }
    }
}
