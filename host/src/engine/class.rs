//! A script's classes at run time: the definition, its base class, and the static
//! properties all instances share.

use crate::engine::Value;
use crate::lang::ast::{ClassDefinition, MethodDefinition, PropertyDefinition};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A class defined by a script.
#[derive(Debug)]
pub struct ClassType {
    pub definition: Rc<ClassDefinition>,
    /// The base class, when the first name after `:` is a script's class.
    pub base: Option<Rc<ClassType>>,
    /// Static property values of this class (not of its bases).
    pub statics: RefCell<Vec<(String, Value)>>,
    /// Whether the static initializers and static constructor have run.
    pub initialized: Cell<bool>,
}

impl ClassType {
    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// This class and its bases, most derived first.
    pub fn chain(self: &Rc<Self>) -> Vec<Rc<ClassType>> {
        let mut chain = vec![self.clone()];
        while let Some(base) = chain.last().and_then(|c| c.base.clone()) {
            chain.push(base);
        }
        chain
    }

    /// Whether an instance of this class is also a `name` (itself or a base class).
    pub fn is_a(self: &Rc<Self>, name: &str) -> bool {
        self.chain().iter().any(|c| {
            c.name().eq_ignore_ascii_case(name)
                || c.definition.bases.iter().any(|b| {
                    let b = b.split('[').next().unwrap_or(b);
                    b.eq_ignore_ascii_case(name)
                        || b.rsplit('.')
                            .next()
                            .is_some_and(|s| s.eq_ignore_ascii_case(name))
                })
        })
    }

    /// The instance properties in the order .NET lists them: this class's first, then
    /// each base's.
    pub fn instance_properties(self: &Rc<Self>) -> Vec<(Rc<ClassType>, PropertyDefinition)> {
        let mut list: Vec<(Rc<ClassType>, PropertyDefinition)> = Vec::new();
        for class in self.chain() {
            for p in class.definition.properties.iter().filter(|p| !p.is_static) {
                if !list
                    .iter()
                    .any(|(_, q)| q.name.eq_ignore_ascii_case(&p.name))
                {
                    list.push((class.clone(), p.clone()));
                }
            }
        }
        list
    }

    /// An instance property's declaration (searching the bases).
    pub fn property(self: &Rc<Self>, name: &str) -> Option<PropertyDefinition> {
        self.chain().iter().find_map(|c| {
            c.definition
                .properties
                .iter()
                .find(|p| !p.is_static && p.name.eq_ignore_ascii_case(name))
                .cloned()
        })
    }

    /// The class (this or a base) that declares static property `name`.
    pub fn static_owner(
        self: &Rc<Self>,
        name: &str,
    ) -> Option<(Rc<ClassType>, PropertyDefinition)> {
        self.chain().into_iter().find_map(|c| {
            let p = c
                .definition
                .properties
                .iter()
                .find(|p| p.is_static && p.name.eq_ignore_ascii_case(name))
                .cloned();
            p.map(|p| (c, p))
        })
    }

    /// The methods named `name` with `arity` parameters, most derived first (a derived
    /// method hides a base one of the same parameter types).
    pub fn methods(
        self: &Rc<Self>,
        name: &str,
        arity: usize,
        is_static: bool,
    ) -> Vec<MethodDefinition> {
        let mut found: Vec<MethodDefinition> = Vec::new();
        for class in self.chain() {
            for m in &class.definition.methods {
                if m.is_static == is_static
                    && m.name.eq_ignore_ascii_case(name)
                    && m.parameters.len() == arity
                    && !found.iter().any(|f| same_signature(f, m))
                {
                    found.push(m.clone());
                }
            }
        }
        found
    }

    /// Whether the class (or a base) has an instance method of this name.
    pub fn has_method(self: &Rc<Self>, name: &str) -> bool {
        self.chain().iter().any(|c| {
            c.definition
                .methods
                .iter()
                .any(|m| !m.is_static && m.name.eq_ignore_ascii_case(name))
        })
    }
}

fn same_signature(a: &MethodDefinition, b: &MethodDefinition) -> bool {
    a.parameters.len() == b.parameters.len()
        && a.parameters
            .iter()
            .zip(&b.parameters)
            .all(|(x, y)| x.type_name == y.type_name)
}

/// What makes an object an instance of a script's class.
#[derive(Debug)]
pub struct Instance {
    pub class: Rc<ClassType>,
    /// What the class's `ToString()` returned after the object last changed (how the
    /// object prints); `None` when the class does not override it.
    pub text: RefCell<Option<String>>,
}

/// A member `Update-TypeData` added to a type.
#[derive(Debug, Clone)]
pub enum TypeMember {
    /// A computed property: a getter, and a setter that gets the value as `$args[0]`.
    Script {
        name: String,
        getter: Rc<crate::lang::ast::ScriptBlock>,
        setter: Option<Rc<crate::lang::ast::ScriptBlock>>,
    },
    /// Another name for a property.
    Alias { name: String, target: String },
    /// A method whose body sees the object as `$this`.
    Method {
        name: String,
        body: Rc<crate::lang::ast::ScriptBlock>,
    },
}

impl TypeMember {
    pub fn name(&self) -> &str {
        match self {
            TypeMember::Script { name, .. }
            | TypeMember::Alias { name, .. }
            | TypeMember::Method { name, .. } => name,
        }
    }
}
