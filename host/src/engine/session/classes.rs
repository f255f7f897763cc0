//! A script's classes: defining them, constructing instances, calling methods, and
//! typed, validated properties (instance and static).

use super::*;
use crate::engine::PsObject;
use crate::engine::class::{ClassType, Instance};
use crate::lang::ast::{ClassDefinition, MethodDefinition, ParameterDeclaration};
use std::cell::{Cell, RefCell};

/// `1/1/0001 12:00:00 AM`, DateTime's default, in Unix seconds.
const DATETIME_MIN: i64 = -62_135_596_800;

impl Session {
    /// Registers a class (again only when its definition changed, so static
    /// properties survive the statement running a second time).
    pub(super) fn define_class(&mut self, definition: &Rc<ClassDefinition>) -> Flow<()> {
        if let Some(existing) = self.class_type(&definition.name)
            && Rc::ptr_eq(&existing.definition, definition)
        {
            return Ok(());
        }
        let base = definition
            .bases
            .first()
            .and_then(|name| self.class_type(name));
        self.classes.insert(
            definition.name.to_ascii_lowercase(),
            Rc::new(ClassType {
                definition: definition.clone(),
                base,
                statics: RefCell::new(Vec::new()),
                initialized: Cell::new(false),
            }),
        );
        Ok(())
    }

    /// A script's class by name (`Device`, `[Device]`).
    pub fn class_type(&self, name: &str) -> Option<Rc<ClassType>> {
        let name = name.trim().trim_start_matches('[').trim_end_matches(']');
        self.classes.get(&name.to_ascii_lowercase()).cloned()
    }

    /// The value a property or variable of type `type_name` has before it is set.
    pub(super) fn default_of(&self, type_name: Option<&str>) -> Value {
        let Some(t) = type_name else {
            return Value::Null;
        };
        if let Some(ty) = self.enum_type(t) {
            return Value::Enum(ty, 0);
        }
        let t = t.to_ascii_lowercase();
        match t.strip_prefix("system.").unwrap_or(&t) {
            "int" | "int32" | "int64" | "long" | "byte" | "sbyte" | "int16" | "short"
            | "uint16" | "ushort" | "uint32" | "uint" | "uint64" | "ulong" => Value::Int(0),
            "double" | "float" | "single" | "decimal" => Value::Float(0.0),
            "bool" | "boolean" => Value::Bool(false),
            "datetime" => Value::DateTime(DATETIME_MIN),
            "timespan" => Value::TimeSpan(0),
            _ => Value::Null,
        }
    }

    /// Runs the static property initializers and static constructor once, bases first.
    fn initialize_statics(&mut self, ty: &Rc<ClassType>) -> Flow<()> {
        if ty.initialized.replace(true) {
            return Ok(());
        }
        if let Some(base) = &ty.base {
            self.initialize_statics(base)?;
        }
        for p in ty.definition.properties.iter().filter(|p| p.is_static) {
            let value = match &p.default {
                Some(e) => {
                    let v = self.expr(e)?;
                    self.typed(p.type_name.as_deref(), v)?
                }
                None => self.default_of(p.type_name.as_deref()),
            };
            ty.statics.borrow_mut().push((p.name.clone(), value));
        }
        let constructor = ty
            .definition
            .constructors
            .iter()
            .find(|c| c.is_static)
            .cloned();
        if let Some(c) = constructor {
            self.run_method(&c, None, Vec::new())?;
        }
        Ok(())
    }

    fn typed(&mut self, type_name: Option<&str>, value: Value) -> Flow<Value> {
        match type_name {
            Some(t) => self.convert(t, value),
            None => Ok(value),
        }
    }

    /// `[Class]::new(args)`: every property at its type's default, then the
    /// constructors from the base class down.
    pub(super) fn construct(&mut self, ty: &Rc<ClassType>, args: Vec<Value>) -> Flow<Value> {
        self.initialize_statics(ty)?;
        let properties = self
            .computed_properties(ty)
            .into_iter()
            .map(|name| (name, Value::Null))
            .chain(
                ty.instance_properties()
                    .into_iter()
                    .map(|(_, p)| (p.name.clone(), self.default_of(p.type_name.as_deref()))),
            )
            .collect();
        let this = Value::Object(Rc::new(PsObject {
            instance: Some(Instance {
                class: ty.clone(),
                text: RefCell::new(None),
            }),
            ..PsObject::new(ty.name(), properties)
        }));
        self.run_constructor(ty, &this, args)?;
        self.refresh_text(&this);
        Ok(this)
    }

    /// One class's part of construction: its property initializers, the base class's
    /// constructor (with `: base(...)`'s arguments), then its own constructor's body.
    fn run_constructor(&mut self, ty: &Rc<ClassType>, this: &Value, args: Vec<Value>) -> Flow<()> {
        let Value::Object(object) = this else {
            return Ok(());
        };
        // A property a derived class declares again hides this class's.
        let hidden = |name: &str| {
            object.instance.as_ref().is_some_and(|i| {
                i.class
                    .chain()
                    .iter()
                    .take_while(|c| !Rc::ptr_eq(c, ty))
                    .any(|c| {
                        c.definition
                            .properties
                            .iter()
                            .any(|p| !p.is_static && p.name.eq_ignore_ascii_case(name))
                    })
            })
        };
        for p in ty.definition.properties.iter().filter(|p| !p.is_static) {
            if hidden(&p.name) {
                continue;
            }
            if let Some(e) = &p.default {
                let v = self.expr(e)?;
                let v = self.typed(p.type_name.as_deref(), v)?;
                object.set(&p.name, v);
            }
        }
        let constructors: Vec<&MethodDefinition> = ty
            .definition
            .constructors
            .iter()
            .filter(|c| !c.is_static)
            .collect();
        if constructors.is_empty() {
            if !args.is_empty() {
                return Err(no_overload("new", args.len()));
            }
            if let Some(base) = &ty.base {
                self.run_constructor(base, this, Vec::new())?;
            }
            return Ok(());
        }
        let candidates: Vec<MethodDefinition> = constructors
            .into_iter()
            .filter(|c| c.parameters.len() == args.len())
            .cloned()
            .collect();
        let constructor = self
            .pick_overload(&candidates, &args)
            .ok_or_else(|| no_overload("new", args.len()))?;
        self.enter_call()?;
        self.push_scope();
        let result = (|| {
            self.set_variable("this", this.clone());
            self.bind_method_parameters(&constructor.parameters, args)?;
            if let Some(base) = &ty.base {
                let base_args = match &constructor.base_arguments {
                    Some(exprs) => exprs.iter().map(|e| self.expr(e)).collect::<Flow<_>>()?,
                    None => Vec::new(),
                };
                self.run_constructor(base, this, base_args)?;
            }
            self.method_body(&constructor).map(|_| ())
        })();
        self.pop_scope();
        self.depth -= 1;
        result
    }

    /// The overload whose parameter types fit the arguments best: an argument of the
    /// parameter's own type counts more than one that converts.
    fn pick_overload(
        &mut self,
        candidates: &[MethodDefinition],
        args: &[Value],
    ) -> Option<MethodDefinition> {
        let mut best: Option<(usize, &MethodDefinition)> = None;
        'candidates: for c in candidates {
            let mut score = 0;
            for (p, a) in c.parameters.iter().zip(args) {
                score += match p.type_name.as_deref() {
                    None => 1,
                    Some(_) if matches!(a, Value::Null) => 1,
                    Some(t) if operators::is_type(a, t) => 3,
                    Some(t) if self.converts(t, a) => 1,
                    Some(_) => continue 'candidates,
                };
            }
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, c));
            }
        }
        best.map(|(_, c)| c.clone())
    }

    /// Whether `value` converts to `type_name` (without running a class's constructor).
    fn converts(&mut self, type_name: &str, value: &Value) -> bool {
        match self.class_type(type_name) {
            Some(class) => match value {
                Value::Hashtable(_) => true,
                Value::Object(o) => o
                    .instance
                    .as_ref()
                    .is_none_or(|i| i.class.is_a(class.name())),
                _ => false,
            },
            None => self.convert(type_name, value.clone()).is_ok(),
        }
    }

    /// Binds a method's or constructor's parameters (converted to their types, which
    /// stay on the variables).
    fn bind_method_parameters(
        &mut self,
        parameters: &[ParameterDeclaration],
        args: Vec<Value>,
    ) -> Flow<()> {
        for (p, arg) in parameters.iter().zip(args) {
            self.assign_variable(&p.name, arg, p.type_name.as_deref())?;
        }
        Ok(())
    }

    /// A method's body: what it writes is discarded, as in a .NET method; `return`
    /// gives the result.
    fn method_body(&mut self, method: &MethodDefinition) -> Flow<Value> {
        let mut discarded = Vec::new();
        match self.block(&method.body.body, &mut discarded) {
            Ok(()) => Ok(Value::Null),
            Err(Interrupt::Return(values)) => Ok(collapse(values)),
            Err(other) => Err(other),
        }
    }

    /// Runs a method with `$this` (none for a static one); the result is converted to
    /// the return type (`[void]`: nothing).
    fn run_method(
        &mut self,
        method: &MethodDefinition,
        this: Option<&Value>,
        args: Vec<Value>,
    ) -> Flow<Value> {
        self.enter_call()?;
        self.push_scope();
        let result = (|| {
            if let Some(this) = this {
                self.set_variable("this", this.clone());
            }
            self.bind_method_parameters(&method.parameters, args)?;
            self.method_body(method)
        })();
        self.pop_scope();
        self.depth -= 1;
        let value = result?;
        match method.return_type.as_deref() {
            None | Some("void") => Ok(Value::Null),
            Some(t) => self.convert(t, value),
        }
    }

    /// `$object.Name(args)` on an instance of a script's class; `None` when the class
    /// has no such method (an intrinsic one such as `GetType()` may still apply).
    pub(super) fn call_instance_method(
        &mut self,
        this: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> Flow<Option<Value>> {
        let class = match this {
            Value::Object(object) => match &object.instance {
                Some(instance) => instance.class.clone(),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        self.call_method_as(&class, this, name, args)
    }

    /// The script class `$this` is cast to (`[Base]$this`, also in parentheses): inside a
    /// class, the way to call a base class's method that the class overrides. (Another
    /// cast changes no dispatch, as in .NET.)
    pub(super) fn cast_class(&self, expr: &Expr) -> Option<Rc<ClassType>> {
        match expr {
            Expr::Cast { type_name, operand } if matches!(&**operand, Expr::Variable(v) if v.eq_ignore_ascii_case("this")) => {
                self.class_type(type_name)
            }
            Expr::Paren(p) => match &p.elements[..] {
                [PipelineElement::Expression(inner)] => self.cast_class(inner),
                _ => None,
            },
            _ => None,
        }
    }

    /// An instance's method as `class` (one of its classes) defines it: how
    /// `([Base]$this).Method()` reaches an overridden method of a base class.
    pub(super) fn call_method_as(
        &mut self,
        class: &Rc<ClassType>,
        this: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> Flow<Option<Value>> {
        let Value::Object(object) = this else {
            return Ok(None);
        };
        let is_instance = object
            .instance
            .as_ref()
            .is_some_and(|i| i.class.is_a(class.name()));
        if !is_instance || !class.has_method(name) {
            return Ok(None);
        }
        let candidates = class.methods(name, args.len(), false);
        let method = self
            .pick_overload(&candidates, &args)
            .ok_or_else(|| no_overload(name, args.len()))?;
        Ok(Some(self.run_method(&method, Some(this), args)?))
    }

    /// `[Class]::Name(args)`: `new`, or a static method (the class's or a base's).
    pub(super) fn call_static_method(
        &mut self,
        ty: &Rc<ClassType>,
        name: &str,
        args: Vec<Value>,
    ) -> Flow<Value> {
        if name.eq_ignore_ascii_case("new") {
            return self.construct(ty, args);
        }
        self.initialize_statics(ty)?;
        let candidates = ty.methods(name, args.len(), true);
        if candidates.is_empty() {
            return Err(script_error(format!(
                "Method invocation failed because [{}] does not contain a static method named '{name}' that takes {} argument(s).",
                ty.name(),
                args.len()
            )));
        }
        let method = self
            .pick_overload(&candidates, &args)
            .ok_or_else(|| no_overload(name, args.len()))?;
        self.run_method(&method, None, args)
    }

    /// `[Class]::Property`.
    pub(super) fn static_property(&mut self, ty: &Rc<ClassType>, name: &str) -> Flow<Value> {
        self.initialize_statics(ty)?;
        let (owner, _) = ty.static_owner(name).ok_or_else(|| {
            script_error(format!(
                "The class [{}] has no static property '{name}'.",
                ty.name()
            ))
        })?;
        Ok(owner
            .statics
            .borrow()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null))
    }

    /// `[Class]::Property = value`, converted to the property's type and validated.
    pub(super) fn set_static_property(
        &mut self,
        ty: &Rc<ClassType>,
        name: &str,
        value: Value,
    ) -> Flow<()> {
        self.initialize_statics(ty)?;
        let (owner, declaration) = ty.static_owner(name).ok_or_else(|| {
            script_error(format!(
                "The class [{}] has no static property '{name}' to set.",
                ty.name()
            ))
        })?;
        let value = self.checked_property_value(&declaration, value)?;
        let mut statics = owner.statics.borrow_mut();
        match statics
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => statics.push((declaration.name.clone(), value)),
        }
        Ok(())
    }

    /// `$object.Property = value` on an instance: converted to the declared type and
    /// validated; `false` when the object is not an instance of a script's class.
    pub(super) fn set_instance_property(
        &mut self,
        holder: &Value,
        name: &str,
        value: Value,
    ) -> Flow<bool> {
        let Value::Object(object) = holder else {
            return Ok(false);
        };
        let Some(instance) = &object.instance else {
            return Ok(false);
        };
        if self.set_type_member(holder, name, value.clone())? {
            return Ok(true);
        }
        let declaration = instance.class.property(name).ok_or_else(|| {
            script_error(format!(
                "The property '{name}' cannot be found on this object. Verify that the property exists and can be set."
            ))
        })?;
        let value = self.checked_property_value(&declaration, value)?;
        object.set(&declaration.name, value);
        Ok(true)
    }

    fn checked_property_value(
        &mut self,
        declaration: &crate::lang::ast::PropertyDefinition,
        value: Value,
    ) -> Flow<Value> {
        let value = self.typed(declaration.type_name.as_deref(), value)?;
        if !declaration.validations.is_empty() {
            let mut as_parameter = ParameterDeclaration::named(&declaration.name);
            as_parameter.validations = declaration.validations.clone();
            self.validate_parameter(&as_parameter, &value, "")
                .map_err(|e| match e {
                    Interrupt::Error(mut e) => {
                        e.error.message = e.error.message.replacen(
                            "Cannot validate argument on parameter",
                            "The value is not valid for property",
                            1,
                        );
                        Interrupt::Error(e)
                    }
                    other => other,
                })?;
        }
        Ok(value)
    }

    /// A value as an instance of `ty`: itself if it is one; from a hashtable (the
    /// default constructor, then each key set as a property); else through a
    /// one-argument constructor.
    pub(super) fn class_from(&mut self, ty: &Rc<ClassType>, value: Value) -> Flow<Value> {
        if let Value::Object(o) = &value
            && o.instance.as_ref().is_some_and(|i| i.class.is_a(ty.name()))
        {
            return Ok(value);
        }
        let entries = match &value {
            Value::Hashtable(_) => Some(value.entries()),
            Value::Object(o) if o.instance.is_none() => Some(o.entries()),
            _ => None,
        };
        if let Some(entries) = entries {
            let object = self.construct(ty, Vec::new())?;
            for (key, v) in entries {
                let Value::Object(o) = &object else {
                    break;
                };
                if o.instance
                    .as_ref()
                    .and_then(|i| i.class.property(&key))
                    .is_none()
                    && self.type_member(&object, &key).is_none()
                {
                    return Err(script_error(format!(
                        "Cannot create object of type \"{}\". The {key} property was not found for the {} object. The available properties are: {}.",
                        ty.name(),
                        ty.name(),
                        ty.instance_properties()
                            .iter()
                            .map(|(_, p)| p.name.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                self.set_instance_property(&object, &key, v)?;
            }
            return Ok(object);
        }
        let one_argument: Vec<MethodDefinition> = ty
            .definition
            .constructors
            .iter()
            .filter(|c| !c.is_static && c.parameters.len() == 1)
            .cloned()
            .collect();
        if self
            .pick_overload(&one_argument, std::slice::from_ref(&value))
            .is_some()
        {
            return self.construct(ty, vec![value]);
        }
        Err(script_error(format!(
            "Cannot convert value \"{}\" to type \"{}\".",
            value.to_text(),
            ty.name()
        )))
    }

    /// Reads the values a class instance (and the instances in its properties, and
    /// the items of a collection) print with now: script properties and `ToString()`.
    /// Called where a value becomes text or is shown, so what prints is never stale.
    pub fn refresh_for_display(&mut self, value: &Value) {
        match value {
            Value::Array(items) => {
                for item in items {
                    self.refresh_instance_display(item);
                }
            }
            Value::List(list) => {
                let items = list.items.borrow().clone();
                for item in &items {
                    self.refresh_instance_display(item);
                }
            }
            other => self.refresh_instance_display(other),
        }
    }

    /// An instance and the instances its properties hold (one level deep).
    fn refresh_instance_display(&mut self, value: &Value) {
        let Value::Object(object) = value else {
            return;
        };
        if object.instance.is_none() {
            // An object with script properties from Add-Member shows their values now.
            if !object.members.borrow().is_empty() {
                self.materialize_added_members(value);
            }
            return;
        }
        self.refresh_text(value);
        for (_, property) in object.entries() {
            self.refresh_text(&property);
        }
    }

    /// Re-reads the instance's computed properties and what the class's `ToString()`
    /// gives (how it prints).
    fn refresh_text(&mut self, this: &Value) {
        let Value::Object(object) = this else {
            return;
        };
        let Some(instance) = &object.instance else {
            return;
        };
        if self.refreshing_text {
            return;
        }
        self.refreshing_text = true;
        self.refresh_computed(this);
        if let Some(method) = instance
            .class
            .methods("ToString", 0, false)
            .into_iter()
            .next()
        {
            let text = self.run_method(&method, Some(this), Vec::new());
            *instance.text.borrow_mut() = text.ok().map(|t| t.to_text());
        }
        self.refreshing_text = false;
    }
}

fn no_overload(name: &str, count: usize) -> Interrupt {
    script_error(format!(
        "Cannot find an overload for \"{name}\" and the argument count: \"{count}\"."
    ))
}

impl Session {
    /// Defines the enums and classes of a script before it runs, as PowerShell does
    /// when it parses a script: a type can be used above its definition.
    pub(super) fn define_types_of(&mut self, script: &Script) -> Flow<()> {
        for statement in &script.statements {
            if let Statement::Enum(definition) = statement {
                self.define_enum(definition)?;
            }
        }
        // A class is defined after its base when the base is one of the script's
        // classes, wherever it stands in the script.
        let mut pending: Vec<&Rc<ClassDefinition>> = script
            .statements
            .iter()
            .filter_map(|s| match s {
                Statement::Class(definition) => Some(definition),
                _ => None,
            })
            .collect();
        while !pending.is_empty() {
            let ready = |d: &Rc<ClassDefinition>, pending: &[&Rc<ClassDefinition>]| {
                d.bases.first().is_none_or(|base| {
                    !pending
                        .iter()
                        .any(|p| p.name.eq_ignore_ascii_case(base) && !Rc::ptr_eq(p, d))
                })
            };
            let Some(at) = pending.iter().position(|d| ready(d, &pending)) else {
                return Err(script_error(format!(
                    "The classes {} derive from each other in a circle.",
                    pending
                        .iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let definition = pending.remove(at);
            self.define_class(definition)?;
        }
        Ok(())
    }
}

impl Session {
    /// Operators a script's class changes: `-as [Class]` (also for a script's enum),
    /// `-eq`/`-ne` through the class's `Equals`, and `-lt`/`-le`/`-gt`/`-ge` through
    /// its `CompareTo`. `None`: the operator works as usual.
    pub(super) fn class_operator(
        &mut self,
        op: BinaryOp,
        left: &Value,
        right: &Value,
    ) -> Flow<Option<Value>> {
        if op == BinaryOp::As {
            let t = right.to_text();
            if self.class_type(&t).is_some() || self.enum_type(&t).is_some() {
                return Ok(Some(self.convert(&t, left.clone()).unwrap_or(Value::Null)));
            }
            return Ok(None);
        }
        let BinaryOp::Compare { op: comparison, .. } = op else {
            return Ok(None);
        };
        let Value::Object(object) = left else {
            return Ok(None);
        };
        let Some(instance) = &object.instance else {
            return Ok(None);
        };
        let class = instance.class.clone();
        let result = match comparison {
            Comparison::Eq | Comparison::Ne if class.has_method("Equals") => {
                let equal = self
                    .call_instance_method(left, "Equals", vec![right.clone()])?
                    .is_some_and(|v| v.is_truthy());
                equal == (comparison == Comparison::Eq)
            }
            Comparison::Lt | Comparison::Le | Comparison::Gt | Comparison::Ge
                if class.has_method("CompareTo") =>
            {
                let order = self
                    .call_instance_method(left, "CompareTo", vec![right.clone()])?
                    .and_then(|v| operators::to_number(&v))
                    .map(|n| n.as_int())
                    .unwrap_or(0);
                match comparison {
                    Comparison::Lt => order < 0,
                    Comparison::Le => order <= 0,
                    Comparison::Gt => order > 0,
                    _ => order >= 0,
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(Value::Bool(result)))
    }
}
