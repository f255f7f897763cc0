//! Statements and expressions: control flow, assignment, operators, members, indexing.

use super::*;

impl Session {
    pub(super) fn statement(&mut self, statement: &Statement, out: &mut Vec<Value>) -> Flow<()> {
        match statement {
            Statement::Pipeline(p) => {
                out.extend(self.pipeline(p)?);
                Ok(())
            }
            Statement::Assignment {
                target, op, value, ..
            } => {
                let mut values = Vec::new();
                self.statement(value, &mut values)?;
                let mut new = collapse(values);
                if *op != AssignOp::Set {
                    let current = self.expr(target)?;
                    let bop = match op {
                        AssignOp::Add => BinaryOp::Add,
                        AssignOp::Subtract => BinaryOp::Subtract,
                        AssignOp::Multiply => BinaryOp::Multiply,
                        _ => BinaryOp::Divide,
                    };
                    new = operators::binary(bop, current, new).map_err(script_error)?;
                }
                self.assign(target, new)
            }
            Statement::If { clauses, otherwise } => {
                for (condition, body) in clauses {
                    if self.condition(condition)? {
                        return self.block(body, out);
                    }
                }
                match otherwise {
                    Some(body) => self.block(body, out),
                    None => Ok(()),
                }
            }
            Statement::Foreach {
                variable,
                collection,
                body,
            } => {
                let items = self.pipeline(collection)?;
                for item in items {
                    self.set_variable(variable, item);
                    match self.block(body, out) {
                        Err(Interrupt::Break) => break,
                        Err(Interrupt::Continue) | Ok(()) => {}
                        Err(other) => return Err(other),
                    }
                }
                Ok(())
            }
            Statement::For {
                init,
                condition,
                step,
                body,
            } => {
                if let Some(init) = init {
                    self.statement(init, out)?;
                }
                loop {
                    if let Some(c) = condition
                        && !self.condition(c)?
                    {
                        break;
                    }
                    match self.block(body, out) {
                        Err(Interrupt::Break) => break,
                        Err(Interrupt::Continue) | Ok(()) => {}
                        Err(other) => return Err(other),
                    }
                    if let Some(step) = step {
                        self.statement(step, &mut Vec::new())?;
                    }
                }
                Ok(())
            }
            Statement::While { condition, body } => {
                while self.condition(condition)? {
                    match self.block(body, out) {
                        Err(Interrupt::Break) => break,
                        Err(Interrupt::Continue) | Ok(()) => {}
                        Err(other) => return Err(other),
                    }
                }
                Ok(())
            }
            Statement::DoLoop {
                body,
                condition,
                until,
            } => {
                loop {
                    match self.block(body, out) {
                        Err(Interrupt::Break) => break,
                        Err(Interrupt::Continue) | Ok(()) => {}
                        Err(other) => return Err(other),
                    }
                    if self.condition(condition)? == *until {
                        break;
                    }
                }
                Ok(())
            }
            Statement::Switch {
                subject,
                options,
                clauses,
            } => self.switch(subject, options, clauses, out),
            Statement::Function { name, block } => {
                self.register(Rc::new(FunctionCommand::new(name, block.clone())));
                Ok(())
            }
            Statement::Try {
                body,
                catches,
                finally,
            } => {
                let result = match self.block(body, out) {
                    Err(Interrupt::Error(e)) if !catches.is_empty() => {
                        self.record_error(&e);
                        let saved = self.variable("_");
                        self.set_variable("_", Self::error_record(&e));
                        let r = self.block(&catches[0], out);
                        self.set_variable("_", saved);
                        r
                    }
                    other => other,
                };
                if let Some(f) = finally {
                    self.block(f, out)?;
                }
                result
            }
            Statement::Throw { value, .. } => {
                let thrown = match value {
                    Some(p) => collapse(self.pipeline(p)?),
                    None => Value::Null,
                };
                let message = match &thrown {
                    Value::Null => "ScriptHalted".to_string(),
                    other => other.to_text(),
                };
                Err(Interrupt::Error(Box::new(RuntimeError {
                    error: CommandError::new("", "OperationStopped", &message, message.clone()),
                    kind: ErrorKind::ScriptTerminating,
                    thrown: Some(thrown),
                })))
            }
            Statement::Return(value) => {
                let values = match value {
                    Some(p) => self.pipeline(p)?,
                    None => Vec::new(),
                };
                Err(Interrupt::Return(values))
            }
            Statement::Break => Err(Interrupt::Break),
            Statement::Continue => Err(Interrupt::Continue),
            Statement::Exit(value) => {
                let code = match value {
                    Some(p) => {
                        operators::to_number(&collapse(self.pipeline(p)?)).map(|n| match n {
                            operators::Number::Int(i) => i as i32,
                            operators::Number::Float(f) => f as i32,
                        })
                    }
                    None => Some(0),
                };
                Err(Interrupt::Exit(code.unwrap_or(0)))
            }
        }
    }

    pub(super) fn block(&mut self, script: &Script, out: &mut Vec<Value>) -> Flow<()> {
        for s in &script.statements {
            self.statement(s, out)?;
        }
        Ok(())
    }

    pub(super) fn condition(&mut self, p: &Pipeline) -> Flow<bool> {
        Ok(collapse(self.pipeline(p)?).is_truthy())
    }

    pub(super) fn switch(
        &mut self,
        subject: &Pipeline,
        options: &SwitchOptions,
        clauses: &[SwitchClause],
        out: &mut Vec<Value>,
    ) -> Flow<()> {
        let values = self.pipeline(subject)?;
        let saved = self.variable("_");
        let result = (|| {
            'values: for value in values {
                self.set_variable("_", value.clone());
                let mut matched = false;
                for clause in clauses.iter().filter(|c| c.pattern.is_some()) {
                    let Some(pattern) = &clause.pattern else {
                        continue;
                    };
                    let hit = match pattern {
                        Expr::ScriptBlock(b) => collapse(self.invoke_block(
                            b,
                            Some(value.clone()),
                            Vec::new(),
                            false,
                        )?)
                        .is_truthy(),
                        other => {
                            let p = self.expr(other)?;
                            let text = value.to_text();
                            if options.regex {
                                operators::regex_match(&text, &p.to_text(), options.case_sensitive)
                                    .map_err(script_error)?
                                    .is_some()
                            } else if options.wildcard {
                                operators::wildcard_match(
                                    &p.to_text(),
                                    &text,
                                    options.case_sensitive,
                                )
                            } else {
                                operators::equals(&value, &p, options.case_sensitive)
                            }
                        }
                    };
                    if hit {
                        matched = true;
                        match self.block(&clause.body, out) {
                            Err(Interrupt::Break) => break 'values,
                            Err(Interrupt::Continue) => continue 'values,
                            other => other?,
                        }
                    }
                }
                if !matched && let Some(default) = clauses.iter().find(|c| c.pattern.is_none()) {
                    match self.block(&default.body, out) {
                        Err(Interrupt::Break) => break 'values,
                        Err(Interrupt::Continue) => continue 'values,
                        other => other?,
                    }
                }
            }
            Ok(())
        })();
        self.set_variable("_", saved);
        result
    }

    /// Assigns to `$var`, `$var.Property`, `$var[index]` (one level below a variable).
    pub(super) fn assign(&mut self, target: &Expr, value: Value) -> Flow<()> {
        match target {
            Expr::Variable(name) => {
                self.set_variable(name, value);
                Ok(())
            }
            Expr::Member { target: base, .. } | Expr::Index { target: base, .. }
                if matches!(**base, Expr::Variable(_)) =>
            {
                let Expr::Variable(var) = &**base else {
                    return Err(script_error("The assignment target is not valid."));
                };
                let key = match target {
                    Expr::Index { index, .. } => self.expr(index)?,
                    _ => Value::String(match target {
                        Expr::Member { name, .. } => name.clone(),
                        _ => String::new(),
                    }),
                };
                let updated = match (self.variable(var), key) {
                    (Value::Hashtable(mut entries), key) => {
                        let k = key.to_text();
                        match entries.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(&k)) {
                            Some(slot) => slot.1 = value,
                            None => entries.push((k, value)),
                        }
                        Value::Hashtable(entries)
                    }
                    (Value::Array(mut items), Value::Int(i)) => {
                        let len = items.len() as i64;
                        let at = if i < 0 { len + i } else { i };
                        match usize::try_from(at).ok().and_then(|a| items.get_mut(a)) {
                            Some(slot) => *slot = value,
                            None => {
                                return Err(script_error(format!(
                                    "Index was outside the bounds of the array: {i}."
                                )));
                            }
                        }
                        Value::Array(items)
                    }
                    (Value::Object(o), key) => {
                        let k = key.to_text();
                        let mut obj = (*o).clone();
                        match obj
                            .properties
                            .iter_mut()
                            .find(|(x, _)| x.eq_ignore_ascii_case(&k))
                        {
                            Some(slot) => slot.1 = value,
                            None => {
                                return Err(script_error(format!(
                                    "The property '{k}' cannot be found on this object. Verify that the property exists and can be set."
                                )));
                            }
                        }
                        Value::Object(Rc::new(obj))
                    }
                    (other, key) => {
                        return Err(script_error(format!(
                            "The property '{}' cannot be set on a value of type [{}].",
                            key.to_text(),
                            other.type_name()
                        )));
                    }
                };
                self.set_variable(var, updated);
                Ok(())
            }
            _ => Err(script_error(
                "The assignment expression is not valid. The input to an assignment operator must be an object that is able to accept assignments, such as a variable or a property.",
            )),
        }
    }

    pub fn expr(&mut self, expr: &Expr) -> Flow<Value> {
        Ok(match expr {
            Expr::String(s) => Value::String(s.clone()),
            Expr::Integer(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Variable(name) => self.variable(name),
            Expr::Expandable(parts) => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        StringPart::Literal(s) => text.push_str(s),
                        StringPart::Variable(name) => text.push_str(&self.variable(name).to_text()),
                        StringPart::SubExpression(script) => {
                            let mut values = Vec::new();
                            self.block(script, &mut values)?;
                            text.push_str(
                                &values
                                    .iter()
                                    .map(Value::to_text)
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            );
                        }
                    }
                }
                Value::String(text)
            }
            Expr::Array(items) => {
                Value::Array(items.iter().map(|e| self.expr(e)).collect::<Flow<_>>()?)
            }
            Expr::ArraySubExpression(script) => {
                let mut values = Vec::new();
                self.block(script, &mut values)?;
                Value::Array(values)
            }
            Expr::SubExpression(script) => {
                let mut values = Vec::new();
                self.block(script, &mut values)?;
                collapse(values)
            }
            Expr::Paren(p) => collapse(self.pipeline(p)?),
            Expr::Hashtable(entries) => {
                let mut out: Vec<(String, Value)> = Vec::new();
                for (k, e) in entries {
                    if out.iter().any(|(x, _)| x.eq_ignore_ascii_case(k)) {
                        return Err(script_error(format!(
                            "Duplicate keys '{k}' are not allowed in hash literals."
                        )));
                    }
                    out.push((k.clone(), self.expr(e)?));
                }
                Value::Hashtable(out)
            }
            Expr::Member { target, name } => match self.expr(target)? {
                Value::Array(items)
                    if !matches!(name.to_ascii_lowercase().as_str(), "count" | "length") =>
                {
                    collapse(items.iter().filter_map(|v| v.property(name)).collect())
                }
                other => other.property(name).unwrap_or(Value::Null),
            },
            Expr::Index { target, index } => {
                let target = self.expr(target)?;
                let index = self.expr(index)?;
                index_value(&target, &index)
            }
            Expr::MethodCall {
                target,
                name,
                arguments,
            } => {
                let target = self.expr(target)?;
                let args: Vec<Value> = arguments
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Flow<_>>()?;
                if let Value::ScriptBlock(b) = &target
                    && name.eq_ignore_ascii_case("Invoke")
                {
                    return Ok(collapse(self.invoke_block(b, None, args, true)?));
                }
                crate::engine::methods::call(&target, name, &args).map_err(script_error)?
            }
            Expr::StaticMember { type_name, name } => {
                crate::engine::methods::static_member(type_name, name, None)
                    .map_err(script_error)?
            }
            Expr::StaticCall {
                type_name,
                name,
                arguments,
            } => {
                let args: Vec<Value> = arguments
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Flow<_>>()?;
                crate::engine::methods::static_member(type_name, name, Some(&args))
                    .map_err(script_error)?
            }
            Expr::Binary {
                op: BinaryOp::And,
                left,
                right,
            } => Value::Bool(self.expr(left)?.is_truthy() && self.expr(right)?.is_truthy()),
            Expr::Binary {
                op: BinaryOp::Or,
                left,
                right,
            } => Value::Bool(self.expr(left)?.is_truthy() || self.expr(right)?.is_truthy()),
            Expr::Binary {
                op:
                    op @ BinaryOp::Compare {
                        op: Comparison::Match | Comparison::NotMatch,
                        case_sensitive,
                    },
                left,
                right,
            } => {
                let l = self.expr(left)?;
                let r = self.expr(right)?;
                let negate = matches!(
                    op,
                    BinaryOp::Compare {
                        op: Comparison::NotMatch,
                        ..
                    }
                );
                match &l {
                    Value::Array(_) => operators::binary(*op, l, r).map_err(script_error)?,
                    scalar => {
                        let captures = operators::regex_match(
                            &scalar.to_text(),
                            &r.to_text(),
                            *case_sensitive,
                        )
                        .map_err(script_error)?;
                        let hit = captures.is_some();
                        if let Some(groups) = captures {
                            self.set_variable("Matches", Value::Hashtable(groups));
                        }
                        Value::Bool(hit != negate)
                    }
                }
            }
            Expr::Binary { op, left, right } => {
                let l = self.expr(left)?;
                let r = self.expr(right)?;
                operators::binary(*op, l, r).map_err(script_error)?
            }
            Expr::Unary { op, operand } => {
                let v = self.expr(operand)?;
                match op {
                    UnaryOp::Not => Value::Bool(!v.is_truthy()),
                    UnaryOp::Negate => operators::binary(BinaryOp::Subtract, Value::Int(0), v)
                        .map_err(script_error)?,
                    UnaryOp::Plus => {
                        operators::binary(BinaryOp::Add, Value::Int(0), v).map_err(script_error)?
                    }
                    UnaryOp::Split => Value::Array(
                        v.to_text()
                            .split_whitespace()
                            .map(|s| Value::String(s.to_string()))
                            .collect(),
                    ),
                    UnaryOp::Join => {
                        Value::String(v.into_items_keep().iter().map(Value::to_text).collect())
                    }
                }
            }
            Expr::ScriptBlock(b) => Value::ScriptBlock(b.clone()),
            Expr::Cast { type_name, operand } => {
                let v = self.expr(operand)?;
                operators::cast(type_name, v).map_err(script_error)?
            }
            Expr::TypeLiteral(t) => Value::String(t.clone()),
        })
    }
}

/// `target[index]`: arrays (negative from the end, several indices), hashtables, strings.
pub(super) fn index_value(target: &Value, index: &Value) -> Value {
    match (target, index) {
        (Value::Array(_), Value::Array(indices)) => Value::Array(
            indices
                .iter()
                .map(|i| index_value(target, i))
                .filter(|v| !matches!(v, Value::Null))
                .collect(),
        ),
        (Value::Array(items), i) => match operators::to_number(i) {
            Some(n) => {
                let i = match n {
                    operators::Number::Int(i) => i,
                    operators::Number::Float(f) => f as i64,
                };
                let len = items.len() as i64;
                let at = if i < 0 { len + i } else { i };
                usize::try_from(at)
                    .ok()
                    .and_then(|a| items.get(a).cloned())
                    .unwrap_or(Value::Null)
            }
            None => Value::Null,
        },
        (Value::Hashtable(_), key) => target.property(&key.to_text()).unwrap_or(Value::Null),
        (Value::String(s), i) => match operators::to_number(i) {
            Some(operators::Number::Int(i)) => {
                let chars: Vec<char> = s.chars().collect();
                let at = if i < 0 { chars.len() as i64 + i } else { i };
                usize::try_from(at)
                    .ok()
                    .and_then(|a| chars.get(a))
                    .map(|c| Value::String(c.to_string()))
                    .unwrap_or(Value::Null)
            }
            _ => Value::Null,
        },
        (Value::Null, _) => Value::Null,
        (other, Value::Int(0)) => other.clone(),
        (other, key) => other.property(&key.to_text()).unwrap_or(Value::Null),
    }
}

/// A pipeline's output as one value: nothing → $null, one → itself, more → an array.
pub fn collapse(mut values: Vec<Value>) -> Value {
    match values.len() {
        0 => Value::Null,
        1 => values.remove(0),
        _ => Value::Array(values),
    }
}
