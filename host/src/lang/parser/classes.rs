//! `class` definitions: properties, methods and constructors.

use super::*;

impl Parser<'_> {
    /// `class Name [: Base, Interface] { members }`, if one starts here.
    pub(super) fn class_definition(&mut self) -> Result<Option<Statement>, ParseError> {
        if !self.eat_keyword("class") {
            return Ok(None);
        }
        self.skip_inline()?;
        let name = self.type_word();
        if name.is_empty() {
            return Err(self.error("Missing the name of the class after 'class'."));
        }
        self.skip_newlines()?;
        let mut bases = Vec::new();
        if self.eat(':') {
            loop {
                self.skip_newlines()?;
                let base = self.type_word();
                if base.is_empty() {
                    return Err(self.error("Missing the base class or interface after ':'."));
                }
                bases.push(base);
                self.skip_newlines()?;
                if !self.eat(',') {
                    break;
                }
            }
        }
        if !self.eat('{') {
            return Err(self.error("Missing '{' to open the class's members."));
        }
        let mut class = ClassDefinition {
            name,
            bases,
            properties: Vec::new(),
            methods: Vec::new(),
            constructors: Vec::new(),
        };
        loop {
            self.skip_separators()?;
            if self.eat('}') {
                break;
            }
            if self.peek().is_none() {
                return Err(self.error("Missing closing '}' of the class."));
            }
            self.class_member(&mut class)?;
        }
        Ok(Some(Statement::Class(Rc::new(class))))
    }

    /// One member: a property or a method or constructor, with its attributes and the
    /// `static` and `hidden` keywords in any order.
    fn class_member(&mut self, class: &mut ClassDefinition) -> Result<(), ParseError> {
        let mut scratch = ParameterDeclaration::named("");
        let (mut is_static, mut hidden) = (false, false);
        loop {
            self.skip_newlines()?;
            if self.peek() == Some('[') {
                let start = self.pos + 1;
                let text = self.type_name()?;
                self.attribute(&mut scratch, &text, start)?;
                continue;
            }
            let save = self.pos;
            let word = self.type_word();
            match word.to_ascii_lowercase().as_str() {
                "static" => is_static = true,
                "hidden" => hidden = true,
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        if self.peek() == Some('$') {
            let name = self.variable_name()?;
            self.skip_inline()?;
            let default = if self.eat('=') {
                self.skip_newlines()?;
                Some(self.expression()?)
            } else {
                None
            };
            class.properties.push(PropertyDefinition {
                name,
                type_name: scratch.type_name,
                is_static,
                hidden,
                default,
                validations: scratch.validations,
            });
            return Ok(());
        }
        let name = self.type_word();
        if name.is_empty() {
            return Err(self.error(
                "A class member must be a property ([type] $Name) or a method ([type] Name() { }).",
            ));
        }
        self.skip_inline()?;
        if !self.eat('(') {
            return Err(self.error(format!("Missing '(' after the method name '{name}'.")));
        }
        let parameters = self.parameter_list(')')?;
        self.skip_newlines()?;
        let constructor = name.eq_ignore_ascii_case(&class.name);
        let mut base_arguments = None;
        if constructor && self.eat(':') {
            self.skip_newlines()?;
            if !self.type_word().eq_ignore_ascii_case("base") {
                return Err(self.error("Missing 'base(...)' after ':' in a constructor."));
            }
            self.skip_inline()?;
            if !self.eat('(') {
                return Err(self.error("Missing '(' after 'base'."));
            }
            base_arguments = Some(self.call_arguments()?);
            self.skip_newlines()?;
        }
        if self.peek() != Some('{') {
            return Err(self.error(format!("Missing '{{' to open the body of '{name}'.")));
        }
        let body = Rc::new(self.script_block()?);
        let method = MethodDefinition {
            name,
            return_type: scratch.type_name,
            is_static,
            hidden,
            parameters,
            base_arguments,
            body,
        };
        if constructor {
            class.constructors.push(method);
        } else {
            class.methods.push(method);
        }
        Ok(())
    }

    /// A name that may hold dots and a generic argument list (`System.IEquatable[Object]`).
    fn type_word(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_ident(c) || c == '.' {
                self.bump();
            } else if c == '[' && self.pos > start {
                if self.type_name().is_err() {
                    break;
                }
            } else {
                break;
            }
        }
        self.src[start..self.pos].to_string()
    }
}
