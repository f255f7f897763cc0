//! Commands and pipelines: finding a command, binding its arguments (prompting for
//! missing mandatory ones), -WhatIf/-Confirm, running it per pipeline object, and what a
//! failed command does under -ErrorAction.

use super::*;

impl Session {
    /// `-WhatIf` (describe the operation, do nothing) and `-Confirm` (ask first).
    pub(super) fn should_process(
        &mut self,
        info: &crate::engine::command::CmdletInfo,
        bound: &crate::engine::binder::BoundArguments,
        input: Option<&Value>,
        common: &CommonParameters,
    ) -> Flow<bool> {
        let flag = |name: &str| common.iter().any(|(n, v)| n == name && v.is_truthy());
        let target = ["FilePath", "Path", "Subject", "DnsName", "Name"]
            .iter()
            .find_map(|p| bound.get(p).map(Value::to_text))
            .or_else(|| match input {
                Some(Value::Certificate(c)) => {
                    Some(format!("{} ({})", c.info.subject, c.info.thumbprint))
                }
                Some(v) => Some(v.to_text()),
                None => None,
            })
            .unwrap_or_default();
        let operation = format!(
            "Performing the operation \"{}\" on target \"{target}\".",
            info.name
        );
        if flag("WhatIf") {
            let _ = writeln!(self.console, "What if: {operation}");
            return Ok(false);
        }
        if flag("Confirm") {
            if self.options.non_interactive {
                return Err(script_error(format!(
                    "{}: -Confirm needs an interactive session; run without -Confirm (or with -Confirm:$false) in scripts.",
                    info.name
                )));
            }
            use std::io::BufRead;
            let _ = write!(
                self.console,
                "\nConfirm\nAre you sure you want to perform this action?\n{operation}\n[Y] Yes  [N] No  (default is \"Y\"): "
            );
            let _ = self.console.flush();
            let mut answer = String::new();
            let _ = std::io::stdin().lock().read_line(&mut answer);
            return Ok(matches!(
                answer.trim().to_ascii_lowercase().as_str(),
                "" | "y" | "yes"
            ));
        }
        Ok(true)
    }

    /// Asks on the console for the values of missing mandatory parameters (passwords
    /// without echo), as PowerShell does in an interactive session.
    pub(super) fn prompt_for(
        &mut self,
        info: &crate::engine::command::CmdletInfo,
        missing: &[String],
    ) -> Flow<Vec<RawArgument>> {
        let _ = writeln!(
            self.console,
            "\ncmdlet {} at command pipeline position 1\nSupply values for the following parameters:",
            info.name
        );
        let mut raw = Vec::new();
        for name in missing {
            let secret = info.parameters.iter().any(|p| {
                &p.name == name && p.type_ == crate::engine::command::ParameterType::SecureText
            });
            let Ok(Some(line)) = self.read_console_line(&format!("{name}: "), secret) else {
                return Err(script_error(format!(
                    "No value was given for the mandatory parameter '{name}'."
                )));
            };
            raw.push(RawArgument::Named {
                name: name.clone(),
                value: Some(Value::String(line)),
            });
        }
        Ok(raw)
    }

    pub(super) fn lookup(&self, name: &str) -> Flow<Rc<dyn Command>> {
        self.find_command(name).ok_or_else(|| {
            Interrupt::Error(Box::new(RuntimeError {
                error: CommandError::new(
                    name,
                    "ObjectNotFound",
                    "CommandNotFoundException",
                    format!("The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program.\nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again."),
                ),
                kind: ErrorKind::StatementTerminating,
                thrown: None,
            }))
        })
    }

    /// The arguments as written, minus common parameters (returned separately).
    pub(super) fn raw_arguments(
        &mut self,
        call: &CommandCall,
        command: &dyn Command,
    ) -> Flow<(Vec<RawArgument>, CommonParameters)> {
        let mut raw = Vec::new();
        let mut common = Vec::new();
        let declared = |n: &str| {
            command.info().parameters.iter().any(|p| {
                p.name.eq_ignore_ascii_case(n)
                    || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(n))
            })
        };
        let mut args = call.arguments.iter().peekable();
        while let Some(arg) = args.next() {
            match arg {
                CommandArgument::Parameter { name, value, .. } => {
                    let should_process = command.info().changes_state
                        && ["whatif", "wi", "confirm", "cf"]
                            .contains(&name.to_ascii_lowercase().as_str());
                    let common_name = COMMON_PARAMETERS
                        .iter()
                        .chain(if should_process {
                            SHOULD_PROCESS_PARAMETERS
                        } else {
                            &[]
                        })
                        .find(|(n, aliases)| {
                            n.eq_ignore_ascii_case(name)
                                || aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
                        })
                        .map(|(n, _)| *n);
                    if let Some(common_name) = common_name.filter(|n| !declared(n)) {
                        let v = match value {
                            Some(e) => self.expr(e)?,
                            None if matches!(
                                common_name,
                                "Verbose" | "Debug" | "WhatIf" | "Confirm"
                            ) =>
                            {
                                Value::Bool(true)
                            }
                            None => match args.next() {
                                Some(CommandArgument::Value(e)) => self.expr(e)?,
                                _ => {
                                    return Err(script_error(format!(
                                        "Missing an argument for parameter '{common_name}'."
                                    )));
                                }
                            },
                        };
                        common.push((common_name.to_string(), v));
                        continue;
                    }
                    let value = match value {
                        Some(e) => Some(self.expr(e)?),
                        None => None,
                    };
                    raw.push(RawArgument::Named {
                        name: name.clone(),
                        value,
                    });
                }
                CommandArgument::Value(e) => raw.push(RawArgument::Positional(self.expr(e)?)),
                CommandArgument::Splat { variable, .. } => match self.variable(variable) {
                    Value::Hashtable(entries) => raw.extend(entries.into_iter().map(|(k, v)| {
                        let value = match v {
                            Value::Bool(true) => None,
                            other => Some(other),
                        };
                        RawArgument::Named { name: k, value }
                    })),
                    Value::Null => {}
                    other => {
                        raw.extend(other.into_items().into_iter().map(RawArgument::Positional))
                    }
                },
            }
        }
        Ok((raw, common))
    }

    pub(super) fn binding_failed(e: CommandError) -> Interrupt {
        Interrupt::Error(Box::new(RuntimeError {
            error: e,
            kind: ErrorKind::StatementTerminating,
            thrown: None,
        }))
    }

    /// Runs one command of a pipeline over its input (`None` when it comes first).
    pub(super) fn run_command(
        &mut self,
        call: &CommandCall,
        input: Option<Vec<Value>>,
    ) -> Flow<Vec<Value>> {
        let command = self.lookup(&call.name)?;
        let (raw, common) = self.raw_arguments(call, command.as_ref())?;
        let explicit_action = common
            .iter()
            .find(|(n, _)| n == "ErrorAction")
            .map(|(_, v)| v.to_text());
        let action = self.error_action(explicit_action.as_deref());
        let mut out = Vec::new();
        let one =
            |session: &mut Session, input: Option<&Value>, out: &mut Vec<Value>| -> Flow<()> {
                let piped = if command.collects_input() {
                    None
                } else {
                    input
                };
                let remaining = command.takes_remaining_arguments();
                let bound = match bind_with(command.info(), &raw, piped, remaining) {
                    // An interactive session asks for missing mandatory parameters.
                    Err(e)
                        if e.error_id == "MissingMandatoryParameter"
                            && !session.options.non_interactive =>
                    {
                        let missing: Vec<String> = e
                            .target
                            .clone()
                            .unwrap_or_default()
                            .split(' ')
                            .map(str::to_string)
                            .collect();
                        let mut raw = raw.clone();
                        raw.extend(session.prompt_for(command.info(), &missing)?);
                        bind_with(command.info(), &raw, piped, remaining)
                    }
                    other => other,
                }
                .map_err(Self::binding_failed)?;
                if command.info().changes_state
                    && !session.should_process(command.info(), &bound, input, &common)?
                {
                    return Ok(());
                }
                match command.invoke(session, &bound, input) {
                    Ok(values) => {
                        out.extend(values.into_iter().flat_map(Value::into_items));
                        Ok(())
                    }
                    Err(Interrupt::Error(e)) => session.command_failed(e, action),
                    Err(other) => Err(other),
                }
            };
        // -Verbose on one command sets $VerbosePreference for that command only.
        let saved_verbose = common.iter().find(|(n, _)| n == "Verbose").map(|(_, on)| {
            let saved = self.variable("VerbosePreference");
            let preference = if on.is_truthy() {
                "Continue"
            } else {
                "SilentlyContinue"
            };
            self.set_variable("VerbosePreference", Value::String(preference.into()));
            saved
        });
        // -WarningAction on one command sets $WarningPreference for that command only.
        let saved_warning = common
            .iter()
            .find(|(n, _)| n == "WarningAction")
            .map(|(_, action)| {
                let saved = self.variable("WarningPreference");
                self.set_variable("WarningPreference", Value::String(action.to_text()));
                saved
            });
        let result = match input {
            None => one(self, None, &mut out),
            Some(items) if command.collects_input() => {
                one(self, Some(&Value::Array(items)), &mut out)
            }
            Some(items) => items
                .iter()
                .try_for_each(|item| one(self, Some(item), &mut out)),
        };
        if let Some(saved) = saved_verbose {
            self.set_variable("VerbosePreference", saved);
        }
        if let Some(saved) = saved_warning {
            self.set_variable("WarningPreference", saved);
        }
        result.map(|()| out)
    }

    pub fn pipeline(&mut self, pipeline: &Pipeline) -> Flow<Vec<Value>> {
        let mut current: Option<Vec<Value>> = None;
        for (i, element) in pipeline.elements.iter().enumerate() {
            current = Some(match element {
                PipelineElement::Expression(e) if i == 0 => self.expr(e)?.into_items(),
                PipelineElement::Expression(_) => {
                    return Err(script_error(
                        "Expressions are only allowed as the first element of a pipeline.",
                    ));
                }
                PipelineElement::Command(call) => self.run_command(call, current.take())?,
            });
        }
        Ok(current.unwrap_or_default())
    }

    /// Runs a script block: `$_` is `input`, `$args` the arguments (or its `param()`s).
    /// `new_scope` false runs it in the caller's scope, as `ForEach-Object` does.
    pub fn invoke_block(
        &mut self,
        block: &ScriptBlock,
        input: Option<Value>,
        args: Vec<Value>,
        new_scope: bool,
    ) -> Flow<Vec<Value>> {
        let saved_input = if new_scope {
            None
        } else {
            Some(self.variable("_"))
        };
        if new_scope {
            self.push_scope();
        }
        if let Some(v) = input {
            self.set_variable("_", v);
        }
        let mut remaining = args.into_iter();
        for p in &block.parameters {
            let value = match remaining.next() {
                Some(v) => v,
                None => match &p.default {
                    Some(e) => self.expr(e)?,
                    None => Value::Null,
                },
            };
            self.set_variable(&p.name, value);
        }
        self.set_variable("args", Value::Array(remaining.collect()));
        let mut out = Vec::new();
        let result = match self.block(&block.body, &mut out) {
            Err(Interrupt::Return(values)) => {
                out.extend(values);
                Ok(())
            }
            other => other,
        };
        if new_scope {
            self.pop_scope();
        }
        if let Some(saved) = saved_input {
            self.set_variable("_", saved);
        }
        result.map(|()| out)
    }

    pub(super) fn error_record(e: &RuntimeError) -> Value {
        if let Some(v @ Value::Object(o)) = &e.thrown
            && o.type_name == "ErrorRecord"
        {
            return v.clone();
        }
        let exception = Value::object(
            "Exception",
            vec![("Message".into(), Value::String(e.error.message.clone()))],
        );
        Value::object(
            "ErrorRecord",
            vec![
                ("Message".into(), Value::String(e.error.message.clone())),
                ("Exception".into(), exception),
                (
                    "FullyQualifiedErrorId".into(),
                    Value::String(e.error.error_id.clone()),
                ),
                (
                    "CategoryInfo".into(),
                    Value::String(e.error.category.clone()),
                ),
                (
                    "TargetObject".into(),
                    e.thrown
                        .clone()
                        .or_else(|| e.error.target.clone().map(Value::String))
                        .unwrap_or(Value::Null),
                ),
                (
                    "InvocationInfo".into(),
                    Value::object(
                        "InvocationInfo",
                        vec![("MyCommand".into(), Value::String(e.error.command.clone()))],
                    ),
                ),
            ],
        )
    }

    pub(super) fn record_error(&mut self, e: &RuntimeError) {
        let mut list = self.variable("Error").into_items_keep();
        list.retain(|v| !matches!(v, Value::Null));
        list.insert(0, Self::error_record(e));
        list.truncate(256);
        self.scopes[0].insert("error".into(), Value::Array(list));
    }

    pub(super) fn error_action(&self, explicit: Option<&str>) -> ErrorAction {
        let text = explicit
            .map(str::to_string)
            .unwrap_or_else(|| self.variable("ErrorActionPreference").to_text());
        match text.to_ascii_lowercase().as_str() {
            "stop" => ErrorAction::Stop,
            "silentlycontinue" | "ignore" => ErrorAction::SilentlyContinue,
            _ => ErrorAction::Continue,
        }
    }

    /// A non-terminating error from a command, handled by the error action.
    pub(super) fn command_failed(
        &mut self,
        mut e: Box<RuntimeError>,
        action: ErrorAction,
    ) -> Flow<()> {
        self.statement_failed = true;
        if e.kind != ErrorKind::NonTerminating {
            return Err(Interrupt::Error(e));
        }
        match action {
            ErrorAction::Stop => {
                e.kind = ErrorKind::ScriptTerminating;
                Err(Interrupt::Error(e))
            }
            ErrorAction::SilentlyContinue => {
                self.record_error(&e);
                Ok(())
            }
            ErrorAction::Continue => {
                self.report(&e.error);
                self.record_error(&e);
                Ok(())
            }
        }
    }
}
