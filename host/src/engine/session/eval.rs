//! Statements and expressions: control flow, assignment, operators, members, indexing.

use super::*;
use crate::engine::value::EnumType;

/// What a loop does after its body ran once.
enum Step {
    Next,
    Stop,
}

/// How a loop labelled `label` (or unlabelled) takes the body's result: `break` and
/// `continue` without a label, or with its label, are its own; others go further up.
fn loop_step(result: Flow<()>, label: Option<&str>) -> Flow<Step> {
    let mine = |l: &Option<String>| is_mine(l, label);
    match result {
        Ok(()) => Ok(Step::Next),
        Err(Interrupt::Break(l)) if mine(&l) => Ok(Step::Stop),
        Err(Interrupt::Continue(l)) if mine(&l) => Ok(Step::Next),
        Err(other) => Err(other),
    }
}

/// What a `switch` does after a clause ran.
enum SwitchStep {
    NextClause,
    /// `continue`: the next value.
    NextValue,
    /// `break`.
    Stop,
}

fn switch_step(result: Flow<()>, label: Option<&str>) -> Flow<SwitchStep> {
    if let Err(Interrupt::Continue(l)) = &result
        && is_mine(l, label)
    {
        return Ok(SwitchStep::NextValue);
    }
    Ok(match loop_step(result, label)? {
        Step::Next => SwitchStep::NextClause,
        Step::Stop => SwitchStep::Stop,
    })
}

/// Whether a `break`/`continue` with label `l` is for the loop labelled `label`.
fn is_mine(l: &Option<String>, label: Option<&str>) -> bool {
    match l {
        None => true,
        Some(l) => label.is_some_and(|x| x.eq_ignore_ascii_case(l)),
    }
}

/// The `trap` blocks of a script (they apply wherever they stand in it).
pub(crate) fn traps_of(script: &Script) -> Vec<&Script> {
    script
        .statements
        .iter()
        .filter_map(|s| match s {
            Statement::Trap(body) => Some(body),
            _ => None,
        })
        .collect()
}

/// Whether a `catch [Type]` takes this error.
fn catches(types: &[String], e: &RuntimeError) -> bool {
    if types.is_empty() {
        return true;
    }
    let thrown_type = match &e.thrown {
        Some(Value::Object(o)) if o.type_name.ends_with("Exception") => {
            o.type_name.to_ascii_lowercase()
        }
        _ => format!(
            "system.management.automation.{}",
            e.error.error_id.to_ascii_lowercase()
        ),
    };
    let short = |t: &str| t.rsplit('.').next().unwrap_or(t).to_string();
    // The .NET exception a cmdlet error stands for, by its category.
    let by_category = match e.error.category.as_str() {
        "ObjectNotFound" => &["itemnotfoundexception", "commandnotfoundexception"][..],
        "InvalidArgument" | "InvalidData" => &[
            "argumentexception",
            "parameterbindingexception",
            "parameterbindingvalidationexception",
        ][..],
        "PermissionDenied" => &["unauthorizedaccessexception"][..],
        "ConnectionError" => &["httprequestexception"][..],
        "InvalidOperation" if e.error.error_id == "WebCmdletWebResponseException" => {
            &["httpresponseexception", "webexception"][..]
        }
        "InvalidOperation" => &["invalidoperationexception"][..],
        _ => &[][..],
    };
    types.iter().any(|t| {
        let t = short(&t.to_ascii_lowercase());
        matches!(t.as_str(), "exception" | "systemexception")
            || t == short(&thrown_type)
            || (t == "runtimeexception" && !thrown_type.contains("exception"))
            || by_category.contains(&t.as_str())
    })
}

impl Session {
    pub(super) fn statement(&mut self, statement: &Statement, out: &mut dyn Sink) -> Flow<()> {
        self.labeled_statement(statement, None, out)
    }

    fn labeled_statement(
        &mut self,
        statement: &Statement,
        label: Option<&str>,
        out: &mut dyn Sink,
    ) -> Flow<()> {
        if crate::cancel::requested() {
            return Err(Interrupt::Stopped);
        }
        // `$?` is about the last statement that ran (inside a block, the block's last).
        self.statement_failed = false;
        match statement {
            Statement::Pipeline(p) => {
                // `$i++` as a statement has no output.
                if let [PipelineElement::Expression(e @ Expr::IncDec { .. })] = &p.elements[..] {
                    self.expr(e)?;
                    return Ok(());
                }
                self.pipeline_to(p, out)
            }
            Statement::Assignment {
                target, op, value, ..
            } => {
                self.assignment(target, *op, value)?;
                Ok(())
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
                // `foreach ($c in $null)` runs no time (a command that wrote `$null`
                // still gives one item, as in pwsh).
                let items = match &collection.elements[..] {
                    [PipelineElement::Expression(e)] => self.expr(e)?.into_items(),
                    _ => self.pipeline(collection)?,
                };
                // `$foreach` is the loop's enumerator: MoveNext() skips an item,
                // Reset() starts over.
                let enumerator = crate::engine::value::Enumerator::new(items);
                let saved = self.local_variable("foreach");
                self.set_variable("foreach", Value::Enumerator(enumerator.clone()));
                let result = (|| {
                    while enumerator.move_next() {
                        self.set_variable(variable, enumerator.current());
                        if let Step::Stop = loop_step(self.block(body, out), label)? {
                            break;
                        }
                    }
                    Ok(())
                })();
                self.set_variable("foreach", saved);
                result
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
                    if let Step::Stop = loop_step(self.block(body, out), label)? {
                        break;
                    }
                    if let Some(step) = step {
                        self.statement(step, &mut Vec::new())?;
                    }
                }
                Ok(())
            }
            Statement::While { condition, body } => {
                while self.condition(condition)? {
                    if let Step::Stop = loop_step(self.block(body, out), label)? {
                        break;
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
                    if let Step::Stop = loop_step(self.block(body, out), label)? {
                        break;
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
            } => self.switch(subject, options, clauses, label, out),
            Statement::Chain { first, rest } => {
                let mut succeeded = self.pipeline_succeeds(first, out)?;
                for (op, next) in rest {
                    let run = match op {
                        ChainOp::And => succeeded,
                        ChainOp::Or => !succeeded,
                    };
                    if run {
                        succeeded = self.pipeline_succeeds(next, out)?;
                    }
                }
                Ok(())
            }
            Statement::Enum(definition) => self.define_enum(definition),
            Statement::Class(definition) => self.define_class(definition),
            Statement::Labeled { label, statement } => {
                self.labeled_statement(statement, Some(label), out)
            }
            Statement::Function { name, block } => {
                self.register(Rc::new(FunctionCommand::new(name, block.clone())));
                Ok(())
            }
            Statement::Trap(_) => Ok(()),
            Statement::Try {
                body,
                catches: clauses,
                finally,
            } => {
                let result = match self.block(body, out) {
                    Err(Interrupt::Error(e)) => {
                        match clauses.iter().find(|(types, _)| catches(types, &e)) {
                            Some((_, handler)) => {
                                self.record_handled_error(&e);
                                // Handled: the try statement did not fail.
                                self.statement_failed = false;
                                let saved = self.variable("_");
                                self.set_variable("_", Self::error_record(&e));
                                let r = self.block(handler, out);
                                self.set_variable("_", saved);
                                r
                            }
                            None => Err(Interrupt::Error(e)),
                        }
                    }
                    other => other,
                };
                if let Some(f) = finally {
                    // `finally` runs even after Ctrl+C.
                    let stopped = crate::cancel::requested();
                    if stopped {
                        crate::cancel::clear();
                    }
                    let ran = self.block(f, out);
                    if stopped {
                        crate::cancel::request();
                    }
                    ran?;
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
                    Value::Object(o) if o.type_name.ends_with("Exception") => {
                        o.get("Message").map(|v| v.to_text()).unwrap_or_default()
                    }
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
            Statement::Break(label) => Err(Interrupt::Break(label.clone())),
            Statement::Continue(label) => Err(Interrupt::Continue(label.clone())),
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

    /// Runs a pipeline of a `&&`/`||` chain; whether it succeeded (`$?`: no error, and an
    /// executable's exit code 0). A statement-terminating error is reported and counts
    /// as failure, as in pwsh.
    fn pipeline_succeeds(&mut self, p: &Pipeline, out: &mut dyn Sink) -> Flow<bool> {
        let failed_before = std::mem::replace(&mut self.statement_failed, false);
        let result = self.pipeline_to(p, out);
        let failed = self.statement_failed;
        self.statement_failed = failed_before || failed;
        match result {
            Ok(()) => {
                self.last_success = !failed;
                Ok(!failed)
            }
            Err(Interrupt::Error(e)) if e.kind == ErrorKind::StatementTerminating => {
                self.report(&e.error);
                self.record_error(&e);
                self.statement_failed = true;
                self.last_success = false;
                Ok(false)
            }
            Err(other) => Err(other),
        }
    }

    /// Runs an assignment statement; returns the value assigned.
    fn assignment(&mut self, target: &Expr, op: AssignOp, value: &Statement) -> Flow<Value> {
        let mut new = self.statement_value(value)?;
        match op {
            AssignOp::Set => {}
            AssignOp::Coalesce => {
                let current = self.expr(target)?;
                if !matches!(current, Value::Null) {
                    return Ok(current);
                }
            }
            _ => {
                // `$x += 1` reads $x from the current scope only, as PowerShell does.
                let current = match target {
                    Expr::Variable(name) if !name.contains(':') => self.local_variable(name),
                    other => self.expr(other)?,
                };
                let bop = match op {
                    AssignOp::Add => BinaryOp::Add,
                    AssignOp::Subtract => BinaryOp::Subtract,
                    AssignOp::Multiply => BinaryOp::Multiply,
                    AssignOp::Remainder => BinaryOp::Remainder,
                    _ => BinaryOp::Divide,
                };
                new = operators::binary(bop, current, new).map_err(script_error)?;
            }
        }
        self.assign(target, new.clone())?;
        Ok(new)
    }

    /// The value of the right side of an assignment: an expression as it is (`@(1)`
    /// stays an array), a pipeline's output collapsed, a nested assignment's value.
    fn statement_value(&mut self, value: &Statement) -> Flow<Value> {
        match value {
            Statement::Pipeline(p) => match &p.elements[..] {
                [PipelineElement::Expression(e)] => self.expr(e),
                _ => Ok(collapse(self.pipeline(p)?)),
            },
            Statement::Assignment {
                target, op, value, ..
            } => self.assignment(target, *op, value),
            other => {
                let mut values = Vec::new();
                self.statement(other, &mut values)?;
                Ok(collapse(values))
            }
        }
    }

    pub(super) fn block(&mut self, script: &Script, out: &mut dyn Sink) -> Flow<()> {
        let traps = traps_of(script);
        if traps.is_empty() {
            for s in &script.statements {
                self.statement(s, out)?;
                self.last_success = !self.statement_failed;
            }
            return Ok(());
        }
        for s in &script.statements {
            match self.statement(s, out) {
                Err(Interrupt::Error(e)) => self.run_trap(&traps, e, out)?,
                other => other?,
            }
        }
        Ok(())
    }

    /// A terminating error reached a block with `trap`: the trap runs with the error as
    /// `$_`; then `continue` goes on silently, `break` stops, and by default the error is
    /// reported and the block goes on.
    pub(super) fn run_trap(
        &mut self,
        traps: &[&Script],
        e: Box<RuntimeError>,
        out: &mut dyn Sink,
    ) -> Flow<()> {
        self.record_error(&e);
        let saved = self.variable("_");
        self.set_variable("_", Self::error_record(&e));
        let result = self.block(traps[0], out);
        self.set_variable("_", saved);
        match result {
            Ok(()) => {
                self.report(&e.error);
                Ok(())
            }
            Err(Interrupt::Continue(None)) => Ok(()),
            Err(Interrupt::Break(None)) => Err(Interrupt::Error(e)),
            Err(other) => Err(other),
        }
    }

    pub(super) fn condition(&mut self, p: &Pipeline) -> Flow<bool> {
        Ok(collapse(self.pipeline(p)?).is_truthy())
    }

    pub(super) fn switch(
        &mut self,
        subject: &Pipeline,
        options: &SwitchOptions,
        clauses: &[SwitchClause],
        label: Option<&str>,
        out: &mut dyn Sink,
    ) -> Flow<()> {
        let values = self.pipeline(subject)?;
        let saved = self.variable("_");
        // `$switch` is the enumerator over the values (MoveNext() skips one).
        let enumerator = crate::engine::value::Enumerator::new(values);
        let saved_switch = self.local_variable("switch");
        self.set_variable("switch", Value::Enumerator(enumerator.clone()));
        let result = (|| {
            'values: while enumerator.move_next() {
                let value = enumerator.current();
                self.set_variable("_", value.clone());
                let mut matched = false;
                for clause in clauses.iter().filter(|c| c.pattern.is_some()) {
                    let Some(pattern) = &clause.pattern else {
                        continue;
                    };
                    // A clause that set `$_` changes what the next clauses test.
                    let value = self.variable("_");
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
                                let captures = operators::regex_match(
                                    &text,
                                    &p.to_text(),
                                    options.case_sensitive,
                                )
                                .map_err(script_error)?;
                                let hit = captures.is_some();
                                if let Some(groups) = captures {
                                    self.set_variable("Matches", Value::hashtable(groups));
                                }
                                hit
                            } else if options.wildcard {
                                operators::wildcard_match(
                                    &p.to_text(),
                                    &text,
                                    options.case_sensitive,
                                )
                            } else if let Value::Enum(..) = &value {
                                // An enum value is compared by its name, as text.
                                operators::equals(
                                    &Value::String(value.to_text()),
                                    &Value::String(p.to_text()),
                                    options.case_sensitive,
                                )
                            } else {
                                operators::equals(&value, &p, options.case_sensitive)
                            }
                        }
                    };
                    if hit {
                        matched = true;
                        match switch_step(self.block(&clause.body, out), label)? {
                            SwitchStep::NextClause => {}
                            SwitchStep::NextValue => continue 'values,
                            SwitchStep::Stop => break 'values,
                        }
                    }
                }
                if !matched && let Some(default) = clauses.iter().find(|c| c.pattern.is_none()) {
                    match switch_step(self.block(&default.body, out), label)? {
                        SwitchStep::NextClause | SwitchStep::NextValue => continue 'values,
                        SwitchStep::Stop => break 'values,
                    }
                }
            }
            Ok(())
        })();
        self.set_variable("_", saved);
        self.set_variable("switch", saved_switch);
        result
    }

    /// Assigns to `$var`, `[type]$var`, `$a, $b`, `target.Property`, `target[index]`.
    pub(super) fn assign(&mut self, target: &Expr, value: Value) -> Flow<()> {
        match target {
            Expr::Variable(name) => self.assign_variable(name, value, None),
            Expr::Cast { type_name, operand } => match &**operand {
                Expr::Variable(name) => self.assign_variable(name, value, Some(type_name)),
                _ => Err(script_error(
                    "A type constraint applies to a variable only.",
                )),
            },
            Expr::Array(targets) => {
                // `$a, $b = 1, 2, 3`: $a is 1, the last target takes the rest.
                let mut items = match value {
                    Value::Array(items) => items,
                    other => vec![other],
                }
                .into_iter();
                for (i, t) in targets.iter().enumerate() {
                    let v = if i + 1 == targets.len() {
                        let rest: Vec<Value> = items.by_ref().collect();
                        if rest.len() > 1 {
                            Value::Array(rest)
                        } else {
                            collapse(rest)
                        }
                    } else {
                        items.next().unwrap_or(Value::Null)
                    };
                    self.assign(t, v)?;
                }
                Ok(())
            }
            Expr::Member { target: base, name } => {
                let holder = self.expr(base)?;
                // An added script or alias property's setter (Add-Member, Update-TypeData).
                if self.set_type_member(&holder, name, value.clone())? {
                    return Ok(());
                }
                if self.set_instance_property(&holder, name, value.clone())? {
                    return Ok(());
                }
                let value = self.write_through_reference(&holder, name, value)?;
                set_member(&holder, name, value)
            }
            Expr::StaticMember { type_name, name } => match self.class_type(type_name) {
                Some(class) => self.set_static_property(&class, name, value),
                None if is_culture_property(type_name, name) => self.set_culture(&value),
                None => Err(script_error(format!(
                    "Cannot set [{type_name}]::{name}: only the static properties of a script's class can be set."
                ))),
            },
            Expr::Index {
                target: base,
                index,
            } => {
                let holder = self.expr(base)?;
                let key = self.expr(index)?;
                match holder {
                    Value::Array(mut items) => {
                        let Some(i) = operators::to_number(&key).map(|n| n.as_int()) else {
                            return Err(script_error(format!(
                                "Cannot index an array with '{}'.",
                                key.to_text()
                            )));
                        };
                        let len = items.len() as i64;
                        let at = if i < 0 { len + i } else { i };
                        match usize::try_from(at).ok().and_then(|a| items.get_mut(a)) {
                            Some(slot) => *slot = value,
                            None => {
                                return Err(script_error(
                                    "Index was outside the bounds of the array.",
                                ));
                            }
                        }
                        // Arrays are values here: the changed array goes back where it came from.
                        self.assign(base, Value::Array(items))
                    }
                    Value::List(list) => {
                        let mut items = list.items.borrow_mut();
                        let len = items.len() as i64;
                        let i = operators::to_number(&key)
                            .map(|n| n.as_int())
                            .unwrap_or(len);
                        let at = if i < 0 { len + i } else { i };
                        match usize::try_from(at).ok().and_then(|a| items.get_mut(a)) {
                            Some(slot) => *slot = value,
                            None => {
                                return Err(script_error(format!(
                                    "Index {i} is out of range: the list has {len} items."
                                )));
                            }
                        }
                        Ok(())
                    }
                    Value::Null => Err(script_error("Cannot index into a null array.")),
                    // `$ordered[0] = x` sets the first entry (as reading `$ordered[0]` gets it).
                    Value::Hashtable(table)
                        if table.kind == crate::engine::value::TableKind::Ordered
                            && matches!(key, Value::Int(_))
                            && !matches!(**index, Expr::Cast { .. }) =>
                    {
                        let at = operators::to_number(&key).map_or(-1, |n| n.as_int());
                        let mut entries = table.borrow_mut();
                        match usize::try_from(at).ok().and_then(|a| entries.get_mut(a)) {
                            Some(slot) => {
                                slot.1 = value;
                                Ok(())
                            }
                            None => Err(script_error(format!(
                                "Index {at} is out of range: the dictionary has {} entries.",
                                entries.len()
                            ))),
                        }
                    }
                    other => set_member(&other, &key.to_text(), value),
                }
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
            Expr::Variable(name) => {
                self.check_variable_set(name, false)?;
                self.variable(name)
            }
            Expr::Expandable(parts) => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        StringPart::Literal(s) => text.push_str(s),
                        StringPart::Variable(name) => {
                            self.check_variable_set(name, true)?;
                            let value = self.variable(name);
                            text.push_str(&self.string_of(&value));
                        }
                        StringPart::SubExpression(script) => {
                            let mut values = Vec::new();
                            self.block(script, &mut values)?;
                            text.push_str(&self.string_of(&collapse(values)));
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
            // `(expression)` is the expression's value as it is (`(,$a)` stays an array
            // holding $a); a pipeline's output is collapsed.
            Expr::Paren(p) => match &p.elements[..] {
                [PipelineElement::Expression(e)] => self.expr(e)?,
                _ => collapse(self.pipeline(p)?),
            },
            Expr::Hashtable(entries) => {
                let mut out: Vec<(String, Value)> = Vec::new();
                for (k, e) in entries {
                    if out.iter().any(|(x, _)| x.eq_ignore_ascii_case(k)) {
                        return Err(script_error(format!(
                            "Duplicate keys '{k}' are not allowed in hash literals."
                        )));
                    }
                    let value = match e {
                        // A statement value (`@{ a = if ($x) { 1 } }`) is parsed as a pipeline.
                        Expr::Paren(p) => collapse(self.pipeline(p)?),
                        other => self.expr(other)?,
                    };
                    out.push((k.clone(), value));
                }
                Value::hashtable(out)
            }
            Expr::Member { target, name } => {
                let target = self.expr(target)?;
                if let Some(v) = self.reference_value(&target, name) {
                    return Ok(v);
                }
                self.member_value(&target, name)?
            }
            Expr::Ternary {
                condition,
                then,
                otherwise,
            } => {
                if self.expr(condition)?.is_truthy() {
                    self.expr(then)?
                } else {
                    self.expr(otherwise)?
                }
            }
            Expr::Coalesce(left, right) => match self.expr(left)? {
                Value::Null => self.expr(right)?,
                other => other,
            },
            Expr::IncDec {
                target,
                delta,
                prefix,
            } => {
                let old = self.expr(target)?;
                let new = operators::binary(BinaryOp::Add, old.clone(), Value::Int(*delta))
                    .map_err(script_error)?;
                self.assign(target, new.clone())?;
                if *prefix { new } else { old }
            }
            Expr::Assign(statement) => match &**statement {
                Statement::Assignment {
                    target, op, value, ..
                } => self.assignment(target, *op, value)?,
                other => {
                    let mut values = Vec::new();
                    self.statement(other, &mut values)?;
                    collapse(values)
                }
            },
            Expr::Index {
                target,
                index: index_expr,
            } => {
                let target = self.expr(target)?;
                let index = self.expr(index_expr)?;
                // An ordered dictionary's integer index is a position (.NET picks the
                // `[int]` indexer), unless the index was cast to another type:
                // `$d[[object]1]` looks up the key 1.
                if let (Value::Hashtable(table), Value::Int(i)) = (&target, &index)
                    && table.kind == crate::engine::value::TableKind::Ordered
                    && !matches!(**index_expr, Expr::Cast { .. })
                {
                    let entries = table.borrow();
                    return Ok(usize::try_from(*i)
                        .ok()
                        .and_then(|at| entries.get(at))
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Value::Null));
                }
                self.check_index_in_bounds(&target, &index)?;
                index_value(&target, &index)
            }
            Expr::MethodCall {
                target: target_expr,
                name,
                arguments,
            } => {
                let target = self.expr(target_expr)?;
                let args: Vec<Value> = arguments
                    .iter()
                    .map(|a| self.expr(a))
                    .collect::<Flow<_>>()?;
                if let Value::ScriptBlock(b) = &target
                    && name.eq_ignore_ascii_case("Invoke")
                {
                    return Ok(collapse(self.invoke_block(b, None, args, true)?));
                }
                // `([Base]$this).Method()`: the base class's method, not the override.
                if let Some(class) = self.cast_class(target_expr)
                    && let Some(v) = self.call_method_as(&class, &target, name, args.clone())?
                {
                    return Ok(v);
                }
                if let Some(v) = self.call_instance_method(&target, name, args.clone())? {
                    return Ok(v);
                }
                // `$a.Clear()`: every element of the variable's array becomes $null (an
                // array is a value here, so the cleared array is stored back).
                if let Value::Array(items) = &target
                    && name.eq_ignore_ascii_case("Clear")
                    && args.is_empty()
                    && matches!(
                        **target_expr,
                        Expr::Variable(_) | Expr::Member { .. } | Expr::Index { .. }
                    )
                {
                    // A typed array's elements take their type's default (`[int[]]`: 0).
                    let element = match &**target_expr {
                        Expr::Variable(v) => self
                            .variable_type(v)
                            .and_then(|t| t.strip_suffix("[]").map(str::to_string)),
                        _ => None,
                    };
                    let cleared =
                        Value::Array(vec![self.default_of(element.as_deref()); items.len()]);
                    self.assign(target_expr, cleared)?;
                    return Ok(Value::Null);
                }
                if let Some(v) = self.call_type_method(&target, name, args.clone())? {
                    return Ok(v);
                }
                // A value Add-Member wrapped has the value's methods.
                let target = target.unwrapped();
                // `$objects.Method()`: the method of each instance (member-access enumeration).
                // (An array's own methods, such as ToString, are the array's.)
                const ARRAY_METHODS: &[&str] = &[
                    "tostring",
                    "gettype",
                    "equals",
                    "gethashcode",
                    "clone",
                    "contains",
                    "indexof",
                    "copyto",
                    "foreach",
                    "where",
                    "getenumerator",
                ];
                if let Value::Array(items) = &target
                    && !items.is_empty()
                    && !ARRAY_METHODS.contains(&name.to_ascii_lowercase().as_str())
                    && items.iter().all(|i| {
                        matches!(i, Value::Object(o) if o.instance.as_ref().is_some_and(|c| c.class.has_method(name)))
                    })
                {
                    let mut results = Vec::new();
                    for item in items {
                        if let Some(v) = self.call_instance_method(item, name, args.clone())?
                            && !matches!(v, Value::Null)
                        {
                            results.push(v);
                        }
                    }
                    return Ok(collapse(results));
                }
                if let Some(v) = self.intrinsic_method(&target, name, &args)? {
                    return Ok(v);
                }
                // `[MyEnum].GetEnumNames()`, `$type.GetEnumValues()` and the like (an
                // enum's type literal is its type object).
                if let Value::Object(o) = &target
                    && o.type_name == "RuntimeType"
                    && let Some(ty) = o.get("FullName").and_then(|n| self.enum_type(&n.to_text()))
                {
                    return enum_method(&ty, name, &args);
                }
                // `$value.ToString('D')`: G and F the name(s), D the number, X hexadecimal.
                if let Value::Enum(ty, v) = &target
                    && name.eq_ignore_ascii_case("ToString")
                {
                    let format = args.first().map(Value::to_text).unwrap_or_default();
                    return enum_format(ty, *v, &format);
                }
                if let Value::Enum(ty, v) = &target
                    && name.eq_ignore_ascii_case("HasFlag")
                {
                    let flag = match args.first() {
                        Some(Value::Enum(_, f)) => *f,
                        Some(other) => ty.parse(&other.to_text()).unwrap_or(0),
                        None => 0,
                    };
                    return Ok(Value::Bool(v & flag == flag));
                }
                let args = self.list_arguments(&target, name, args)?;
                match crate::engine::methods::call(&target, name, &args) {
                    Ok(v) => v,
                    // A method the collection lacks is called on each element
                    // (member-access enumeration: `$names.ToUpper()`).
                    Err(e) if matches!(target, Value::Array(_) | Value::List(_)) => {
                        if target.clone().into_items().is_empty() {
                            return Err(script_error(e));
                        }
                        // (When the elements lack it too, the collection's error says so.)
                        collapse(call_on_each(&target, name, &args).map_err(|_| script_error(e))?)
                    }
                    Err(e) => return Err(script_error(e)),
                }
            }
            Expr::DynamicStaticMember { type_name, name } => {
                let name = self.expr(name)?.to_text();
                self.expr(&Expr::StaticMember {
                    type_name: type_name.clone(),
                    name,
                })?
            }
            Expr::StaticMember { type_name, name } => {
                match (self.class_type(type_name), self.enum_type(type_name)) {
                    (Some(class), _) => self.static_property(&class, name)?,
                    (None, Some(ty)) => {
                        let value = ty
                            .members
                            .iter()
                            .find(|(m, _)| m.eq_ignore_ascii_case(name))
                            .map(|(_, v)| *v)
                            .ok_or_else(|| {
                                script_error(format!(
                                    "The enum [{}] has no member '{name}'; its members are {}.",
                                    ty.name,
                                    ty.member_list()
                                ))
                            })?;
                        Value::Enum(ty, value)
                    }
                    (None, None) if is_culture_property(type_name, name) => match &self.culture {
                        Some(culture) => culture_info(culture),
                        None => crate::engine::methods::static_member(type_name, name, None)
                            .map_err(script_error)?,
                    },
                    (None, None) => crate::engine::methods::static_member(type_name, name, None)
                        .map_err(script_error)?,
                }
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
                if let Some(class) = self.class_type(type_name) {
                    return self.call_static_method(&class, name, args);
                }
                // [enum]::GetNames([T]), [enum]::GetValues([T]), [enum]::Parse([T], 'A')
                let enum_class = matches!(
                    type_name.to_ascii_lowercase().as_str(),
                    "enum" | "system.enum"
                );
                match args
                    .first()
                    .map(Value::to_text)
                    .and_then(|t| self.enum_type(&t))
                {
                    Some(ty) if enum_class => enum_method(&ty, name, &args[1..])?,
                    // `[Season]::IsDefined([Season], 3)`: System.Enum's methods through
                    // the enum itself.
                    Some(ty) if self.enum_type(type_name).is_some() => {
                        enum_method(&ty, name, &args[1..])?
                    }
                    _ => crate::engine::methods::static_member(type_name, name, Some(&args))
                        .map_err(script_error)?,
                }
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
                            self.set_variable("Matches", Value::hashtable(groups));
                        }
                        Value::Bool(hit != negate)
                    }
                }
            }
            Expr::Binary { op, left, right } => {
                let l = self.expr(left)?;
                let r = self.expr(right)?;
                if let Some(v) = self.class_operator(*op, &l, &r)? {
                    return Ok(v);
                }
                if matches!(op, BinaryOp::Split { .. })
                    && let Some(v) = self.split_by_block(&l, &r)?
                {
                    return Ok(v);
                }
                if let BinaryOp::Replace { case_sensitive } = op
                    && let Some(v) = self.replace_by_block(&l, &r, *case_sensitive)?
                {
                    return Ok(v);
                }
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
                    UnaryOp::BitNot => operators::bit_not(&v).map_err(script_error)?,
                }
            }
            Expr::ScriptBlock(b) => Value::ScriptBlock(b.clone()),
            Expr::Cast { type_name, operand } if references::is_reference_type(type_name) => {
                self.make_reference(type_name, operand)?
            }
            Expr::Cast { type_name, operand } => {
                let v = self.expr(operand)?;
                // `[psobject]1` wraps a plain value: it is then a PSObject as well as
                // an Int32 (`-is [psobject]`), and works as the value everywhere else.
                let t = type_name.to_ascii_lowercase();
                let t = t.trim_start_matches("system.management.automation.");
                if t == "psobject"
                    && matches!(
                        v,
                        Value::Int(_)
                            | Value::Float(_)
                            | Value::String(_)
                            | Value::Bool(_)
                            | Value::DateTime(_)
                            | Value::TimeSpan(_)
                    )
                {
                    Value::Object(Rc::new(crate::engine::value::PsObject {
                        base: Some(v.clone()),
                        ..crate::engine::value::PsObject::new(v.type_name(), Vec::new())
                    }))
                } else {
                    self.convert(type_name, v)?
                }
            }
            // A script's class or enum: its type object (Name as defined).
            Expr::TypeLiteral(t) => match (self.class_type(t), self.enum_type(t)) {
                (Some(class), _) => crate::engine::value::type_object_named(class.name()),
                (None, Some(ty)) => crate::engine::value::type_object_named(&ty.name),
                (None, None) => Value::String(t.clone()),
            },
        })
    }
}

/// `target[index]`: arrays (negative from the end, several indices), hashtables, strings.
pub(super) fn index_value(target: &Value, index: &Value) -> Value {
    if let Value::List(_) = target {
        return index_value(&target.clone().unlisted(), index);
    }
    // A tuple indexes its items (`$tuple[0]` is Item1), as PowerShell indexes an ITuple.
    if let Value::Object(o) = target
        && o.type_name.starts_with("System.Tuple`")
    {
        let items: Vec<Value> = o
            .entries()
            .into_iter()
            .filter(|(k, _)| k.starts_with("Item"))
            .map(|(_, v)| v)
            .collect();
        return index_value(&Value::Array(items), index);
    }
    match (target, index) {
        (Value::Array(_), Value::Array(indices)) => Value::Array(
            indices
                .iter()
                .map(|i| index_value(target, i))
                .filter(|v| !matches!(v, Value::Null))
                .collect(),
        ),
        // A regex match's groups by name: `$m.Groups['year']`.
        (Value::Array(items), Value::String(name))
            if operators::to_number(index).is_none()
                && items
                    .iter()
                    .any(|g| matches!(g, Value::Object(o) if o.type_name == "Group")) =>
        {
            items
                .iter()
                .find(|g| {
                    g.property("Name")
                        .is_some_and(|n| n.to_text().eq_ignore_ascii_case(name))
                })
                .cloned()
                .unwrap_or(Value::Null)
        }
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
        // A scalar is a collection of one: `$x[0]` and `$x[-1]` are itself.
        (
            other @ (Value::Int(_)
            | Value::Float(_)
            | Value::Bool(_)
            | Value::DateTime(_)
            | Value::Certificate(_)
            | Value::TimeSpan(_)),
            Value::Int(0 | -1),
        ) => other.clone(),
        (other, Value::Int(0)) => other.clone(),
        (other, key) => other.property(&key.to_text()).unwrap_or(Value::Null),
    }
}

impl Session {
    /// The intrinsic `.ForEach()` and `.Where()` of every value, and `$PSCmdlet`'s
    /// `ShouldProcess`; `None` for other methods.
    fn intrinsic_method(
        &mut self,
        target: &Value,
        name: &str,
        args: &[Value],
    ) -> Flow<Option<Value>> {
        let lower = name.to_ascii_lowercase();
        let items = || match target {
            Value::Array(items) => items.clone(),
            Value::List(l) => l.items.borrow().clone(),
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        };
        match (lower.as_str(), args.first()) {
            ("foreach", Some(Value::ScriptBlock(b))) => {
                let mut out = Vec::new();
                for item in items() {
                    out.extend(self.invoke_block(b, Some(item), args[1..].to_vec(), false)?);
                }
                Ok(Some(collection(out)))
            }
            ("foreach", Some(member)) => {
                let member = member.to_text();
                let mut out = Vec::new();
                for item in items() {
                    if args.len() > 1 {
                        out.push(
                            crate::engine::methods::call(&item, &member, &args[1..])
                                .map_err(script_error)?,
                        );
                    } else if let Some(v) = item.property(&member) {
                        out.push(v);
                    } else if let Ok(v) = crate::engine::methods::call(&item, &member, &[]) {
                        // `.ForEach('ToUpper')`: a method without arguments.
                        if !matches!(v, Value::Null) {
                            out.push(v);
                        }
                    } else if let Ok(v) = self.convert(&member, item.clone()) {
                        // `.ForEach([datetime])`: each item converted.
                        out.push(v);
                    }
                }
                Ok(Some(collection(out)))
            }
            ("where", Some(Value::ScriptBlock(b))) => {
                let mode = args
                    .get(1)
                    .map(Value::to_text)
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let count = args
                    .get(2)
                    .and_then(operators::to_number)
                    .map(|n| n.as_int())
                    .unwrap_or(0);
                let mut matched = Vec::new();
                let mut rest = Vec::new();
                let mut all = items().into_iter();
                for item in all.by_ref() {
                    let hit =
                        collapse(self.invoke_block(b, Some(item.clone()), Vec::new(), false)?)
                            .is_truthy();
                    match (mode.as_str(), hit) {
                        ("until", true) => {
                            rest.push(item);
                            break;
                        }
                        ("until", false) => matched.push(item),
                        ("skipuntil", true) => {
                            matched.push(item);
                            break;
                        }
                        ("skipuntil", false) => {}
                        (_, true) => matched.push(item),
                        (_, false) => rest.push(item),
                    }
                    let limited = matches!(mode.as_str(), "" | "default" | "first");
                    if limited && count > 0 && matched.len() as i64 >= count {
                        break;
                    }
                }
                if mode == "skipuntil" && !matched.is_empty() {
                    matched.extend(all);
                }
                let result = match mode.as_str() {
                    "first" if count <= 1 => matched.into_iter().take(1).collect(),
                    "last" => {
                        let n = if count <= 0 { 1 } else { count as usize };
                        let skip = matched.len().saturating_sub(n);
                        matched.into_iter().skip(skip).collect()
                    }
                    "split" => vec![collection(matched), collection(rest)],
                    _ => matched,
                };
                Ok(Some(collection(result)))
            }
            ("shouldprocess", _) if matches!(target, Value::Object(o) if o.type_name == "PSCmdlet") =>
            {
                if self.variable("WhatIfPreference").is_truthy() {
                    let command = target
                        .property("CommandName")
                        .map(|v| v.to_text())
                        .unwrap_or_default();
                    let target_text = args.first().map(Value::to_text).unwrap_or_default();
                    let action = args.get(1).map(Value::to_text).unwrap_or(command);
                    self.what_if(&format!(
                        "Performing the operation \"{action}\" on target \"{target_text}\"."
                    ));
                    return Ok(Some(Value::Bool(false)));
                }
                Ok(Some(Value::Bool(true)))
            }
            ("shouldcontinue", _) if matches!(target, Value::Object(o) if o.type_name == "PSCmdlet") => {
                Ok(Some(Value::Bool(true)))
            }
            _ => Ok(None),
        }
    }
}

/// The methods of an enum type: `GetEnumNames`/`GetNames`, `GetEnumValues`/`GetValues`,
/// `GetEnumName`/`GetName`, `Parse`, `IsDefined`.
fn enum_method(ty: &Rc<EnumType>, name: &str, args: &[Value]) -> Flow<Value> {
    let value_of = |v: &Value| match v {
        Value::Enum(_, n) => Some(*n),
        other => ty.parse(&other.to_text()),
    };
    Ok(match name.to_ascii_lowercase().as_str() {
        "getenumnames" | "getnames" => Value::Array(
            ty.ordered()
                .into_iter()
                .map(|(m, _)| Value::String(m))
                .collect(),
        ),
        "getenumvalues" | "getvalues" => Value::Array(
            ty.ordered()
                .into_iter()
                .map(|(_, v)| Value::Enum(ty.clone(), v))
                .collect(),
        ),
        "getenumname" | "getname" => args
            .first()
            .and_then(value_of)
            .and_then(|v| ty.ordered().into_iter().find(|(_, x)| *x == v))
            .map(|(m, _)| Value::String(m))
            .unwrap_or(Value::Null),
        "isdefined" => Value::Bool(
            args.first()
                .and_then(value_of)
                .is_some_and(|v| ty.members.iter().any(|(_, x)| *x == v)),
        ),
        "getenumunderlyingtype" | "getunderlyingtype" => {
            crate::engine::value::type_object_named(&ty.underlying)
        }
        // `[System.Enum]::Format([T], value, 'D')`
        "format" => {
            let value = args.first().and_then(value_of).unwrap_or(0);
            let format = args.get(1).map(Value::to_text).unwrap_or_default();
            enum_format(ty, value, &format)?
        }
        "parse" => {
            let text = args.first().map(Value::to_text).unwrap_or_default();
            let v = ty.parse(&text).ok_or_else(|| {
                script_error(format!(
                    "Requested value '{text}' was not found in the enum [{}].",
                    ty.name
                ))
            })?;
            Value::Enum(ty.clone(), v)
        }
        _ => {
            return Err(script_error(format!(
                "Method invocation failed because [{}] does not contain a method named '{name}'.",
                ty.name
            )));
        }
    })
}

/// An enum value in a .NET format: `G`/`F` (or none) its name(s), `D` its number, `X`
/// eight hexadecimal digits.
fn enum_format(ty: &EnumType, value: i64, format: &str) -> Flow<Value> {
    Ok(Value::String(match format.to_ascii_uppercase().as_str() {
        "" | "G" | "F" => ty.text(value),
        "D" => value.to_string(),
        "X" => format!("{:08X}", value),
        other => {
            return Err(script_error(format!(
                "'{other}' is not an enum format; use G, D, X or F."
            )));
        }
    }))
}

impl Session {
    /// Registers a script's enum: members numbered from 0 (or after the previous one),
    /// or as given.
    pub(super) fn define_enum(&mut self, definition: &EnumDefinition) -> Flow<()> {
        let mut members = Vec::new();
        let mut next = 0i64;
        for (name, value) in &definition.members {
            let v =
                match value {
                    Some(e) => {
                        let v = self.expr(e)?;
                        operators::to_number(&v).map(|n| n.as_int()).ok_or_else(|| {
                        script_error(format!(
                            "The value of the enum member '{name}' must be a number, not '{}'.",
                            v.to_text()
                        ))
                    })?
                    }
                    None => next,
                };
            next = v + 1;
            members.push((name.clone(), v));
        }
        self.define_type(Rc::new(EnumType {
            name: definition.name.clone(),
            flags: definition.flags,
            underlying: operators::dotnet_type_name(
                definition.underlying.as_deref().unwrap_or("int"),
            ),
            members,
        }));
        Ok(())
    }

    /// A value as a string: a collection's items joined by `$OFS` (a space when unset).
    pub(crate) fn string_of(&mut self, value: &Value) -> String {
        self.refresh_for_display(value);
        match value {
            Value::Array(_) | Value::List(_) => {
                let separator = match self.variable("OFS") {
                    Value::Null => " ".to_string(),
                    other => other.to_text(),
                };
                value
                    .clone()
                    .into_items()
                    .iter()
                    .map(Value::item_text)
                    .collect::<Vec<_>>()
                    .join(&separator)
            }
            other => other.to_text(),
        }
    }

    /// Arguments of a list's method converted to its element type when that is a
    /// script's class or enum (the list itself converts to .NET types).
    fn list_arguments(&mut self, target: &Value, name: &str, args: Vec<Value>) -> Flow<Vec<Value>> {
        let Value::List(list) = target else {
            return Ok(args);
        };
        let Some(element) = list
            .element
            .clone()
            .filter(|e| self.class_type(e).is_some() || self.enum_type(e).is_some())
        else {
            return Ok(args);
        };
        let position = match name.to_ascii_lowercase().as_str() {
            "add" | "contains" | "indexof" | "remove" | "addrange" => 0,
            "insert" => 1,
            _ => return Ok(args),
        };
        let mut args = args;
        if let Some(arg) = args.get_mut(position) {
            let value = std::mem::replace(arg, Value::Null);
            *arg = if name.eq_ignore_ascii_case("addrange") {
                Value::Array(
                    value
                        .into_items()
                        .into_iter()
                        .map(|v| self.convert(&element, v))
                        .collect::<Flow<Vec<_>>>()?,
                )
            } else {
                self.convert(&element, value)?
            };
        }
        Ok(args)
    }

    /// A value as the type `type_name`: a script's class or enum, a list of them, a
    /// reference, or a .NET type certhost knows.
    pub(crate) fn convert(&mut self, type_name: &str, value: Value) -> Flow<Value> {
        // A list of a script's class or enum: its items converted by the session.
        if let Some((array_list, Some(element))) =
            operators::generic_list_type(&type_name.to_ascii_lowercase())
            && (self.class_type(&element).is_some() || self.enum_type(&element).is_some())
            && !matches!(value, Value::List(_))
        {
            let items = value
                .into_items_keep()
                .into_iter()
                .map(|v| self.convert(&element, v))
                .collect::<Flow<Vec<_>>>()?;
            return operators::new_list(array_list, Some(&element), Value::Array(items))
                .map_err(script_error);
        }
        if matches!(value, Value::Array(_) | Value::List(_))
            && matches!(
                type_name.to_ascii_lowercase().as_str(),
                "string" | "system.string"
            )
        {
            return Ok(Value::String(self.string_of(&value)));
        }
        if references::is_reference_type(type_name) {
            return Ok(Self::as_reference(value));
        }
        if let Some(class) = self.class_type(type_name) {
            return self.class_from(&class, value);
        }
        if let Some(element) = type_name.strip_suffix("[]")
            && (self.enum_type(element).is_some() || self.class_type(element).is_some())
        {
            return Ok(Value::Array(
                value
                    .into_items_keep()
                    .into_iter()
                    .map(|v| self.convert(element, v))
                    .collect::<Flow<Vec<_>>>()?,
            ));
        }
        let Some(ty) = self.enum_type(type_name) else {
            return operators::cast(type_name, value).map_err(script_error);
        };
        let number = match &value {
            Value::Enum(_, v) => Some(*v),
            Value::Int(_) | Value::Float(_) => operators::to_number(&value).map(|n| n.as_int()),
            other => ty.parse(&other.to_text()),
        };
        match number {
            Some(v) if ty.flags || ty.members.iter().any(|(_, x)| *x == v) => {
                Ok(Value::Enum(ty, v))
            }
            _ => Err(script_error(format!(
                "Cannot convert value \"{}\" to type \"{}\". Specify one of the enumeration values: {}.",
                value.to_text(),
                ty.name,
                ty.member_list()
            ))),
        }
    }
}

/// `target.name`: a property; on a collection, each element's (member-access
/// enumeration); `Count` and `Length` on any value (0 for `$null`, 1 for a scalar).
pub(super) fn member(target: &Value, name: &str) -> Value {
    let count_like = name.eq_ignore_ascii_case("count") || name.eq_ignore_ascii_case("length");
    // An enumerator's members are its items' (`$a.GetEnumerator().Length`).
    if let Value::Enumerator(e) = target
        && !name.eq_ignore_ascii_case("Current")
    {
        let items = e.take_rest();
        return collapse(items.iter().map(|item| member(item, name)).collect());
    }
    if let Value::List(l) = target {
        if let Some(v) = target.property(name) {
            return v;
        }
        // A list has Count but no Length: `$list.Length` is each item's.
        let items = l.items.borrow().clone();
        return collapse(items.iter().map(|item| member(item, name)).collect());
    }
    match target {
        Value::Array(items) if !count_like => {
            let mut out = Vec::new();
            for item in items {
                match member(item, name) {
                    Value::Array(inner) => out.extend(inner),
                    Value::Null => {}
                    v => out.push(v),
                }
            }
            collapse(out)
        }
        Value::Null if count_like => Value::Int(0),
        other => match other.property(name) {
            Some(v) => v,
            None if count_like => Value::Int(1),
            None => Value::Null,
        },
    }
}

/// `holder.name = value` for a hashtable (adds the key) or an object (the property must exist).
fn set_member(holder: &Value, name: &str, value: Value) -> Flow<()> {
    match holder {
        Value::Hashtable(table) => {
            let value = table.converted(value).map_err(script_error)?;
            table.insert(name.to_string(), value);
            Ok(())
        }
        Value::Object(o) => {
            if o.set(name, value) {
                Ok(())
            } else {
                Err(script_error(format!(
                    "The property '{name}' cannot be found on this object. Verify that the property exists and can be set."
                )))
            }
        }
        Value::Null => Err(script_error(format!(
            "The property '{name}' cannot be found on this object. Verify that the property exists and can be set."
        ))),
        other => Err(script_error(format!(
            "'{name}' is a ReadOnly property of [{}].",
            other.type_name()
        ))),
    }
}

/// `name(args)` on each element of a collection, and of collections inside it
/// (`@(, ('bar', 'baz'), 'foo').ToUpper()` is BAR, BAZ, FOO).
fn call_on_each(target: &Value, name: &str, args: &[Value]) -> Result<Vec<Value>, String> {
    let mut results = Vec::new();
    for item in target.clone().into_items() {
        match crate::engine::methods::call(&item, name, args) {
            Ok(Value::Null) => {}
            Ok(v) => results.push(v),
            Err(_) if matches!(item, Value::Array(_) | Value::List(_)) => {
                results.extend(call_on_each(&item, name, args)?);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(results)
}

/// A pipeline's output as one value: nothing → $null, one → itself, more → an array.
pub fn collapse(mut values: Vec<Value>) -> Value {
    match values.len() {
        0 => Value::Null,
        1 => values.remove(0),
        _ => Value::Array(values),
    }
}

/// `[cultureinfo]::CurrentCulture` and `CurrentUICulture`, which a script may set.
fn is_culture_property(type_name: &str, name: &str) -> bool {
    let t = type_name.to_ascii_lowercase();
    matches!(
        t.strip_prefix("system.").unwrap_or(&t),
        "cultureinfo" | "globalization.cultureinfo"
    ) && (name.eq_ignore_ascii_case("CurrentCulture")
        || name.eq_ignore_ascii_case("CurrentUICulture"))
}

/// A CultureInfo object for a culture name.
fn culture_info(name: &str) -> Value {
    Value::object(
        "CultureInfo",
        vec![
            ("Name".into(), Value::String(name.to_string())),
            ("DisplayName".into(), Value::String(name.to_string())),
        ],
    )
}

impl Session {
    /// `[cultureinfo]::CurrentCulture = 'fr'`: kept, and reported back. certhost's
    /// formatting does not follow it (dates are en-US, numbers invariant).
    fn set_culture(&mut self, value: &Value) -> Flow<()> {
        let name = value
            .property("Name")
            .unwrap_or_else(|| value.clone())
            .to_text();
        let valid = !name.is_empty()
            && name.len() <= 16
            && name
                .split('-')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
        if !valid {
            return Err(script_error(format!(
                "Cannot convert '{name}' to a culture: give a culture name such as 'en-US' or 'fr'."
            )));
        }
        self.culture = Some(name);
        Ok(())
    }
}

impl Session {
    /// `target.name`: an added member (Add-Member, Update-TypeData), a property, or,
    /// for a collection, each item's (whose own added members count too).
    fn member_value(&mut self, target: &Value, name: &str) -> Flow<Value> {
        if let Some(v) = self.type_member_value(target, name)? {
            return Ok(v);
        }
        // `$o.PSObject`: the object's view of itself (`.Properties` to go through them).
        if name.eq_ignore_ascii_case("PSObject") && target.property(name).is_none() {
            self.materialize_added_members(target);
            return Ok(psobject_view(target));
        }
        self.check_property_exists(target, name)?;
        let count_like = name.eq_ignore_ascii_case("count") || name.eq_ignore_ascii_case("length");
        // Only a collection holding an object with added members needs the session.
        let with_members = |items: &[Value]| {
            items.iter().any(|i| {
                matches!(i, Value::Object(o)
                    if !o.members.borrow().is_empty() || o.instance.is_some())
                    && self.type_member(i, name).is_some()
            })
        };
        let items = match target {
            Value::Array(items) if !count_like && with_members(items) => items.clone(),
            Value::List(l)
                if !count_like
                    && target.property(name).is_none()
                    && with_members(&l.items.borrow()) =>
            {
                l.items.borrow().clone()
            }
            _ => return Ok(member(target, name)),
        };
        let mut out = Vec::new();
        for item in &items {
            match self.member_value(item, name)? {
                Value::Array(inner) => out.extend(inner),
                Value::Null => {}
                v => out.push(v),
            }
        }
        Ok(collapse(out))
    }
}

/// What `$value.PSObject` gives: its properties (Name, Value, MemberType, ...), its type
/// names and the object itself.
fn psobject_view(value: &Value) -> Value {
    let full_name = |v: &Value| {
        crate::engine::value::type_object(v)
            .property("FullName")
            .map(|t| t.to_text())
            .unwrap_or_else(|| "System.Object".into())
    };
    let note = matches!(value, Value::Object(o) if o.instance.is_none() && o.base.is_none());
    let properties: Vec<Value> = value
        .property_names()
        .into_iter()
        .map(|name| {
            let v = value.property(&name).unwrap_or(Value::Null);
            Value::object(
                "PSPropertyInfo",
                vec![
                    ("Value".into(), v.clone()),
                    (
                        "MemberType".into(),
                        Value::String(if note { "NoteProperty" } else { "Property" }.into()),
                    ),
                    ("IsSettable".into(), Value::Bool(true)),
                    ("IsGettable".into(), Value::Bool(true)),
                    ("TypeNameOfValue".into(), Value::String(full_name(&v))),
                    ("Name".into(), Value::String(name)),
                    ("IsInstance".into(), Value::Bool(true)),
                ],
            )
        })
        .collect();
    let mut type_names = vec![Value::String(full_name(value))];
    if type_names[0].to_text() != "System.Object" {
        type_names.push(Value::String("System.Object".into()));
    }
    Value::object(
        "PSObject",
        vec![
            ("Properties".into(), Value::Array(properties)),
            ("TypeNames".into(), Value::Array(type_names)),
            ("BaseObject".into(), value.clone()),
            ("ImmediateBaseObject".into(), value.clone()),
        ],
    )
}

/// What `.ForEach()` and `.Where()` return: a Collection`1 of their results.
fn collection(items: Vec<Value>) -> Value {
    Value::List(Rc::new(crate::engine::value::ListObject {
        full_name:
            "System.Collections.ObjectModel.Collection`1[System.Management.Automation.PSObject]"
                .into(),
        element: None,
        items: std::cell::RefCell::new(items),
    }))
}
