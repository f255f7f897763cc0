//! Commands and pipelines: finding a command, binding its arguments (prompting for
//! missing mandatory ones), -WhatIf/-Confirm, running it per pipeline object, and what a
//! failed command does under -ErrorAction.

use super::*;
use crate::engine::binder::bind_before_input;

/// Nested function and script-block calls allowed (pwsh's limit is of this order).
const MAX_DEPTH: usize = 1000;

/// A value written out in the command line: a quoted string, a bareword or a number
/// (not a variable, a command's result or an expression that reads one).
fn written_out(e: &Expr) -> bool {
    match e {
        Expr::String(_) | Expr::Integer(_) | Expr::Float(_) => true,
        Expr::Expandable(parts) => parts
            .iter()
            .any(|p| matches!(p, StringPart::Literal(s) if !s.is_empty())),
        _ => false,
    }
}

/// What to say about a password written into the command line, and what to do instead.
fn plain_text_warning(parameter: &str) -> String {
    format!(
        "-{parameter} was given as plain text; it can be seen in history files, logs and process listings. Read it with  $pw = Read-Host -AsSecureString  (or Get-Credential) and pass -{parameter} $pw."
    )
}

/// Where a stream goes (`2>&1`, `3>$null`, `> file`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum StreamTarget {
    /// Where it goes without redirection.
    #[default]
    Default,
    /// Into the output stream.
    Output,
    Discard,
    File {
        path: String,
        append: bool,
    },
}

/// The redirections in force, by stream.
#[derive(Debug, Clone, Default)]
pub struct Redirect {
    pub output: StreamTarget,
    pub error: StreamTarget,
    pub warning: StreamTarget,
    pub verbose: StreamTarget,
    pub debug: StreamTarget,
    pub information: StreamTarget,
}

impl Redirect {
    fn set(&mut self, stream: Stream, target: StreamTarget) {
        match stream {
            Stream::All => {
                if target != StreamTarget::Output {
                    self.output = target.clone();
                }
                self.error = target.clone();
                self.warning = target.clone();
                self.verbose = target.clone();
                self.debug = target.clone();
                self.information = target;
            }
            Stream::Output => self.output = target,
            Stream::Error => self.error = target,
            Stream::Warning => self.warning = target,
            Stream::Verbose => self.verbose = target,
            Stream::Debug => self.debug = target,
            Stream::Information => self.information = target,
        }
    }

    /// Whether records of the warning, verbose, debug or information stream are merged
    /// into the output (`3>&1`): the command with this redirection emits them.
    fn merges_records(&self) -> bool {
        [&self.warning, &self.verbose, &self.debug, &self.information]
            .iter()
            .any(|t| **t == StreamTarget::Output)
    }

    /// The redirections of an inner command over those of the command around it.
    fn overlay(&mut self, inner: &Redirect) {
        let pick = |outer: &mut StreamTarget, inner: &StreamTarget| {
            if *inner != StreamTarget::Default {
                *outer = inner.clone();
            }
        };
        pick(&mut self.error, &inner.error);
        pick(&mut self.warning, &inner.warning);
        pick(&mut self.verbose, &inner.verbose);
        pick(&mut self.debug, &inner.debug);
        pick(&mut self.information, &inner.information);
    }
}

/// A function or script block running as a pipeline stage.
struct ScriptState {
    block: Rc<ScriptBlock>,
    /// Its scope between `begin`, `process` and `end`.
    scope: Option<Scope>,
    dot_sourced: bool,
    bound: Option<crate::engine::binder::BoundArguments>,
}

/// One command of a running pipeline.
struct Stage {
    command: Rc<dyn Command>,
    raw: Vec<RawArgument>,
    common: CommonParameters,
    action: ErrorAction,
    /// Input kept for a command that takes all of it at once, or for `$input`.
    collected: Vec<Value>,
    script: Option<ScriptState>,
    redirect: Redirect,
    /// Output redirected to a file, written when the stage ends.
    file_output: Vec<Value>,
    /// `-PipelineVariable name`: holds each object the stage sends on.
    pipeline_variable: Option<String>,
    /// `-OutBuffer n`: objects are sent on in groups of n + 1.
    out_buffer: usize,
    /// Objects held back by -OutBuffer.
    buffered: Vec<Value>,
    /// Where its `-ErrorVariable`, `-OutVariable`, ... are kept (in `Session::captures`).
    captures: std::ops::Range<usize>,
    /// Its `-OutVariable`, if it has one.
    out_capture: Option<usize>,
}

/// Where a script stage's output goes: on to the next stage, object by object. The next
/// stages run outside the stage's own scope (its variables are its own).
struct StageSink<'r, 'a> {
    run: &'r mut Run<'a>,
    stage: usize,
    own_scope: bool,
}

impl Sink for StageSink<'_, '_> {
    /// One object a script wrote (already enumerated where it was written: an array
    /// written as one object, `return ,$array`, goes on as one).
    fn put(&mut self, session: &mut Session, value: Value) -> Flow<()> {
        if !self.own_scope {
            return session.emit_object(self.run, self.stage, value);
        }
        let scope = session.leave_scope();
        let redirect = std::mem::take(&mut session.redirect);
        let result = session.emit_object(self.run, self.stage, value);
        session.redirect = redirect;
        session.enter_scope(scope);
        result
    }
}

/// A running pipeline: its stages and where its output goes.
struct Run<'a> {
    stages: Vec<Stage>,
    out: &'a mut dyn Sink,
    /// Whether an expression comes before the first stage (so every stage gets input).
    has_source: bool,
}

impl Run<'_> {
    /// Whether stage `i` gets pipeline input (else it runs once, without).
    fn receives_input(&self, i: usize) -> bool {
        i > 0 || self.has_source
    }
}

impl Session {
    /// `-WhatIf` given to the command, else `$WhatIfPreference` (set by an advanced
    /// function's -WhatIf for everything it calls).
    fn what_if_requested(&self, common: &CommonParameters) -> bool {
        common
            .iter()
            .find(|(n, _)| n == "WhatIf")
            .map(|(_, v)| v.is_truthy())
            .unwrap_or_else(|| self.variable("WhatIfPreference").is_truthy())
    }

    /// `-WhatIf` (describe the operation, do nothing) and `-Confirm` (ask first).
    pub(super) fn should_process(
        &mut self,
        info: &crate::engine::command::CmdletInfo,
        bound: &crate::engine::binder::BoundArguments,
        input: Option<&Value>,
        common: &CommonParameters,
    ) -> Flow<bool> {
        let explicit = |name: &str| {
            common
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.is_truthy())
        };
        let what_if = self.what_if_requested(common);
        let flag = |name: &str| {
            if name == "WhatIf" {
                what_if
            } else {
                explicit(name).unwrap_or(false)
            }
        };
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

    /// A command by name: an alias, function or cmdlet; else a `.ps1` script file; else
    /// an executable (by path, or on `PATH`).
    pub(super) fn lookup(&self, name: &str) -> Flow<Rc<dyn Command>> {
        if let Some(command) = self.find_command(name) {
            return Ok(command);
        }
        let not_found = |message: String| {
            Interrupt::Error(Box::new(RuntimeError {
                error: CommandError::new(
                    name,
                    "ObjectNotFound",
                    "CommandNotFoundException",
                    message,
                ),
                kind: ErrorKind::StatementTerminating,
                thrown: None,
            }))
        };
        if name.to_ascii_lowercase().ends_with(".ps1") {
            let path = self.resolve_path(name);
            if path.is_file() {
                return crate::engine::native::ScriptFileCommand::load(name, &path)
                    .map(|c| Rc::new(c) as Rc<dyn Command>)
                    .map_err(not_found);
            }
        }
        if let Some(path) = crate::engine::native::find_executable(name) {
            return Ok(Rc::new(crate::engine::native::NativeCommand::new(
                name, path,
            )));
        }
        let mut message = format!(
            "The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program.\nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again."
        );
        let similar = self.similar_commands(name);
        if !similar.is_empty() {
            message.push_str(&format!(
                "\n\nThe most similar commands are: {}.",
                similar.join(", ")
            ));
        }
        Err(not_found(message))
    }

    /// Commands whose names are close to a mistyped one (edit distance, closest first).
    fn similar_commands(&self, name: &str) -> Vec<String> {
        let wanted = name.to_ascii_lowercase();
        let limit = (wanted.chars().count() / 4).clamp(1, 3);
        let mut scored: Vec<(usize, String)> = self
            .commands()
            .iter()
            .map(|c| c.info().name.clone())
            .filter_map(|n| {
                let d = crate::engine::binder::edit_distance(&wanted, &n.to_ascii_lowercase());
                (d <= limit).then_some((d, n))
            })
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, n)| n).collect()
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
        // An executable gets its arguments as words: `-in`, `-noout` are not parameters.
        if command.is_native() {
            for arg in args {
                match arg {
                    CommandArgument::Parameter { name, value, .. } => {
                        let word = match value {
                            Some(e) => format!("-{name}:{}", self.expr(e)?.to_text()),
                            None => format!("-{name}"),
                        };
                        raw.push(RawArgument::Positional(Value::String(word)));
                    }
                    CommandArgument::Value(e) => {
                        raw.push(RawArgument::Positional(self.expr(e)?));
                    }
                    CommandArgument::Splat { variable, .. } => {
                        for v in self.variable(variable).into_items() {
                            raw.push(RawArgument::Positional(v));
                        }
                    }
                    CommandArgument::EndOfParameters => {
                        raw.push(RawArgument::Positional(Value::String("--".into())));
                    }
                }
            }
            return Ok((raw, common));
        }
        while let Some(arg) = args.next() {
            match arg {
                CommandArgument::Parameter { name, value, .. } => {
                    let should_process = (command.info().changes_state
                        || command.script_block().is_some_and(|b| b.cmdlet_binding))
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
                    // `-Credential` for a command that takes `-Password`: its password.
                    if "credential".starts_with(&name.to_ascii_lowercase())
                        && name.len() >= 4
                        && !declared("Credential")
                        && declared("Password")
                    {
                        let credential = match value {
                            Some(v) => v,
                            None => match args.next() {
                                Some(CommandArgument::Value(e)) => self.expr(e)?,
                                _ => Value::Null,
                            },
                        };
                        let Some(password) = credential.property("Password") else {
                            return Err(Self::binding_failed(CommandError::new(
                                &command.info().name,
                                "InvalidArgument",
                                "CredentialNotPSCredential",
                                format!(
                                    "-Credential needs a PSCredential (Get-Credential, or [pscredential]::new('user', $secureString)), not '{}'.",
                                    credential.to_text()
                                ),
                            )));
                        };
                        raw.push(RawArgument::Named {
                            name: "Password".into(),
                            value: Some(password),
                        });
                        continue;
                    }
                    raw.push(RawArgument::Named {
                        name: name.clone(),
                        value,
                    });
                }
                CommandArgument::Value(e) => raw.push(RawArgument::Positional(self.expr(e)?)),
                CommandArgument::EndOfParameters => {}
                CommandArgument::Splat { variable, .. } => match self.variable(variable) {
                    Value::Hashtable(table) => {
                        raw.extend(table.borrow().clone().into_iter().map(|(k, v)| {
                            let value = match v {
                                Value::Bool(true) => None,
                                other => Some(other),
                            };
                            RawArgument::Named { name: k, value }
                        }))
                    }
                    Value::Null => {}
                    other => {
                        raw.extend(other.into_items().into_iter().map(RawArgument::Positional))
                    }
                },
            }
        }
        Ok((raw, common))
    }

    /// Warns when a SecureString parameter (`-Password`, `-CertificatePassword`) gets
    /// text written out in the command line: the text stays in history files, logs and
    /// process listings. A value from a variable, a command or a prompt is not written
    /// out, and gets no warning.
    fn warn_written_out_secrets(
        &mut self,
        call: &CommandCall,
        command: &dyn Command,
        common: &CommonParameters,
        redirect: &Redirect,
    ) {
        if command.is_native() {
            return;
        }
        let mut warnings = Vec::new();
        for (i, arg) in call.arguments.iter().enumerate() {
            let CommandArgument::Parameter { name, value, .. } = arg else {
                continue;
            };
            // `-Name:value`, or the value after `-Name`.
            let given = match value {
                Some(e) => Some(e),
                None => match call.arguments.get(i + 1) {
                    Some(CommandArgument::Value(e)) => Some(e),
                    _ => None,
                },
            };
            if given.is_some_and(written_out)
                && let Some(p) = crate::engine::binder::parameter_named(command.info(), name)
                && p.type_ == crate::engine::command::ParameterType::SecureText
            {
                warnings.push(plain_text_warning(&p.name));
            }
        }
        if warnings.is_empty() {
            return;
        }
        // The command's -WarningAction and `3>` apply, as to its own warnings.
        let saved = self.apply_common(common);
        let redirect_saved = self.redirect.clone();
        self.redirect.overlay(redirect);
        for warning in &warnings {
            self.warning(warning);
        }
        self.redirect = redirect_saved;
        self.restore_common(saved);
    }

    pub(super) fn binding_failed(e: CommandError) -> Interrupt {
        Interrupt::Error(Box::new(RuntimeError {
            error: e,
            kind: ErrorKind::StatementTerminating,
            thrown: None,
        }))
    }

    /// Enters one more level of function or script-block calls; refuses past
    /// [`MAX_DEPTH`] (runaway recursion) with pwsh's error instead of a crash.
    pub(crate) fn enter_call(&mut self) -> Flow<()> {
        if self.depth >= MAX_DEPTH {
            return Err(Interrupt::Error(Box::new(RuntimeError {
                error: CommandError::new(
                    "",
                    "InvalidOperation",
                    "CallDepthOverflow",
                    format!(
                        "The script failed due to call depth overflow (more than {MAX_DEPTH} nested calls)."
                    ),
                ),
                kind: ErrorKind::ScriptTerminating,
                thrown: None,
            })));
        }
        self.depth += 1;
        Ok(())
    }

    /// Prepares one command of a pipeline: finds it, evaluates its arguments.
    fn stage(&mut self, call: &CommandCall) -> Flow<Stage> {
        let command: Rc<dyn Command> = match &call.invoked {
            Some(expr) => match self.expr(expr)? {
                Value::ScriptBlock(block) => Rc::new(FunctionCommand::new("", block)),
                Value::Null => {
                    return Err(script_error(
                        "The expression after '&' in a pipeline element produced an object that was not valid. It must result in a command name, a script block, or a CommandInfo object.",
                    ));
                }
                other => self.lookup(&other.to_text())?,
            },
            None => self.lookup(&call.name)?,
        };
        let (raw, common) = self.raw_arguments(call, command.as_ref())?;
        let explicit_action = common
            .iter()
            .find(|(n, _)| n == "ErrorAction")
            .map(|(_, v)| v.clone());
        for (name, value) in &common {
            if matches!(
                name.as_str(),
                "ErrorAction" | "WarningAction" | "InformationAction"
            ) {
                check_action(name, value)?;
            }
        }
        let action = self.error_action(explicit_action.as_ref());
        let mut script = command.script_block().map(|block| ScriptState {
            block,
            scope: None,
            dot_sourced: call.dot_sourced,
            bound: None,
        });
        // A command that is a script block run in the caller's scope (`ForEach-Object {}`)
        // runs as one, so its output streams.
        if script.is_none()
            && let Some(as_script) = command.script_stage()
            && let Ok(bound) = bind_before_input(command.info(), &raw, false)
            && let Some(block) = as_script(&bound)
        {
            script = Some(ScriptState {
                block: Rc::new(block),
                scope: None,
                dot_sourced: true,
                bound: None,
            });
        }
        let mut redirect = Redirect::default();
        for r in &call.redirections {
            match r {
                Redirection::Merge(stream) => redirect.set(*stream, StreamTarget::Output),
                Redirection::File {
                    stream,
                    target,
                    append,
                } => {
                    let target = match target {
                        Expr::Variable(v) if v.eq_ignore_ascii_case("null") => {
                            StreamTarget::Discard
                        }
                        other => {
                            // `> file` empties the file once, here: every stream the
                            // command redirects to it (`*>`) is then added in turn.
                            let path = self.expr(other)?.to_text();
                            if !*append {
                                std::fs::File::create(self.resolve_path(&path)).map_err(|e| {
                                    script_error(format!(
                                        "Cannot write to '{path}': {}.",
                                        crate::paths::io_reason(&e)
                                    ))
                                })?;
                            }
                            StreamTarget::File { path, append: true }
                        }
                    };
                    redirect.set(*stream, target);
                }
            }
        }
        self.warn_written_out_secrets(call, command.as_ref(), &common, &redirect);
        let common_value = |name: &str| {
            common
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let pipeline_variable = common_value("PipelineVariable").map(|v| v.to_text());
        let out_buffer = match common_value("OutBuffer") {
            Some(v) => operators::to_number(&v)
                .and_then(|n| usize::try_from(n.as_int()).ok())
                .ok_or_else(|| {
                    script_error(format!(
                        "-OutBuffer must be a number of objects (0 or more), not '{}'.",
                        v.to_text()
                    ))
                })?,
            None => 0,
        };
        let captures = self.open_captures(&common)?;
        let out_capture = self.output_capture(&captures);
        Ok(Stage {
            command,
            raw,
            common,
            action,
            collected: Vec::new(),
            script,
            redirect,
            file_output: Vec::new(),
            pipeline_variable,
            out_buffer,
            buffered: Vec::new(),
            captures,
            out_capture,
        })
    }

    /// Runs a pipeline; its output goes to `out` object by object, as it is produced.
    pub(super) fn pipeline_to(&mut self, pipeline: &Pipeline, out: &mut dyn Sink) -> Flow<()> {
        let mut stages = Vec::new();
        let first_capture = self.captures.len();
        for (i, element) in pipeline.elements.iter().enumerate() {
            match element {
                PipelineElement::Command(call) => match self.stage(call) {
                    Ok(stage) => stages.push(stage),
                    Err(e) => {
                        self.close_captures(first_capture);
                        return Err(e);
                    }
                },
                PipelineElement::Expression(_) if i == 0 => {}
                PipelineElement::Expression(_) => {
                    self.close_captures(first_capture);
                    return Err(script_error(
                        "Expressions are only allowed as the first element of a pipeline.",
                    ));
                }
            }
        }
        let calls = stages.iter().any(|s| s.script.is_some());
        if calls && let Err(e) = self.enter_call() {
            self.close_captures(first_capture);
            return Err(e);
        }
        let has_source = matches!(pipeline.elements[0], PipelineElement::Expression(_));
        let mut run = Run {
            stages,
            out,
            has_source,
        };
        // -PipelineVariable variables start empty.
        let pipeline_variables: Vec<String> = run
            .stages
            .iter()
            .filter_map(|s| s.pipeline_variable.clone())
            .collect();
        for name in &pipeline_variables {
            self.set_variable(name, Value::Null);
        }
        let result = (|| {
            for i in 0..run.stages.len() {
                let paused = self.pause_upstream_captures(&run, i);
                let begun = self.begin_stage(&mut run, i);
                if let Some(paused) = paused {
                    self.resume_captures(paused);
                }
                begun?;
            }
            match &pipeline.elements[0] {
                PipelineElement::Expression(e) => {
                    self.each_value(e, &mut |s, v| s.feed(&mut run, 0, v))?
                }
                PipelineElement::Command(_) => self.process_stage(&mut run, 0, None)?,
            }
            for i in 0..run.stages.len() {
                let paused = self.pause_upstream_captures(&run, i);
                let ended = self
                    .end_stage(&mut run, i)
                    .and_then(|()| self.flush_buffered(&mut run, i));
                if let Some(paused) = paused {
                    self.resume_captures(paused);
                }
                ended?;
            }
            Ok(())
        })();
        // ... and are empty again when the pipeline ends.
        for name in &pipeline_variables {
            self.set_variable(name, Value::Null);
        }
        if let Err(Interrupt::Error(e)) = &result
            && self.captures.len() > first_capture
        {
            self.capture_terminating(first_capture, &Self::error_record(e));
        }
        self.close_captures(first_capture);
        // A function stage stopped early leaves its scope: nothing of it stays entered.
        for stage in &mut run.stages {
            if let Some(script) = &mut stage.script {
                script.scope = None;
            }
        }
        if calls {
            self.depth -= 1;
        }
        result
    }

    /// The values of a pipeline's first expression, one by one (a range is not built
    /// whole first).
    fn each_value(
        &mut self,
        e: &Expr,
        f: &mut dyn FnMut(&mut Session, Value) -> Flow<()>,
    ) -> Flow<()> {
        if let Expr::Binary {
            op: BinaryOp::Range,
            left,
            right,
        } = e
        {
            let l = self.expr(left)?;
            let r = self.expr(right)?;
            if let (Some(a), Some(b)) = (operators::to_number(&l), operators::to_number(&r))
                && !matches!(l, Value::String(_))
            {
                let (a, b) = (a.as_int(), b.as_int());
                let step = if a <= b { 1 } else { -1 };
                let mut i = a;
                loop {
                    if crate::cancel::requested() {
                        return Err(Interrupt::Stopped);
                    }
                    f(self, Value::Int(i))?;
                    if i == b {
                        return Ok(());
                    }
                    i += step;
                }
            }
            let all = operators::binary(BinaryOp::Range, l, r).map_err(script_error)?;
            for v in all.into_items() {
                f(self, v)?;
            }
            return Ok(());
        }
        let items = match self.expr(e)?.unlisted() {
            Value::Array(items) => items,
            // A method that returns nothing (`$h.Add(k, v)`, a `[void]` method) writes
            // nothing, not $null.
            Value::Null if matches!(e, Expr::MethodCall { .. }) => Vec::new(),
            // `$null | ...` sends $null once, as PowerShell does.
            other => vec![other],
        };
        for v in items {
            if crate::cancel::requested() {
                return Err(Interrupt::Stopped);
            }
            f(self, v)?;
        }
        Ok(())
    }

    /// Hands one object to stage `i` (or to the pipeline's output after the last stage).
    fn feed(&mut self, run: &mut Run, i: usize, value: Value) -> Flow<()> {
        if i == run.stages.len() {
            return run.out.put(self, value);
        }
        let Some(paused) = self.pause_upstream_captures(run, i) else {
            return self.process_stage(run, i, Some(value));
        };
        let result = self.process_stage(run, i, Some(value));
        self.resume_captures(paused);
        result
    }

    /// What stage `i` writes is not the earlier stages' to capture, nor that of the
    /// pipelines running inside them: pauses those captures (None when there are none).
    fn pause_upstream_captures(
        &mut self,
        run: &Run,
        i: usize,
    ) -> Option<[std::ops::Range<usize>; 2]> {
        let first = run.stages.first().map_or(0, |s| s.captures.start);
        let end = run.stages.last().map_or(first, |s| s.captures.end);
        let upstream = first..run.stages[i].captures.start;
        let nested = end..self.captures.len();
        if upstream.is_empty() && nested.is_empty() {
            return None;
        }
        self.suspend_captures(upstream.clone(), true);
        self.suspend_captures(nested.clone(), true);
        Some([upstream, nested])
    }

    fn resume_captures(&mut self, paused: [std::ops::Range<usize>; 2]) {
        for range in paused {
            self.suspend_captures(range, false);
        }
    }

    /// An object stage `i` sends on: held while -OutBuffer says to, then given to the
    /// next stage with -PipelineVariable set to it.
    fn pass_on(&mut self, run: &mut Run, i: usize, value: Value) -> Flow<()> {
        if run.stages[i].out_buffer > 0 {
            run.stages[i].buffered.push(value);
            if run.stages[i].buffered.len() > run.stages[i].out_buffer {
                self.flush_buffered(run, i)?;
            }
            return Ok(());
        }
        if let Some(name) = run.stages[i].pipeline_variable.clone() {
            self.set_variable(&name, value.clone());
        }
        self.feed(run, i + 1, value)
    }

    /// Sends on what -OutBuffer held back.
    fn flush_buffered(&mut self, run: &mut Run, i: usize) -> Flow<()> {
        for value in std::mem::take(&mut run.stages[i].buffered) {
            if let Some(name) = run.stages[i].pipeline_variable.clone() {
                self.set_variable(&name, value.clone());
            }
            self.feed(run, i + 1, value)?;
        }
        Ok(())
    }

    /// Sends a stage's output on, applying its output redirection.
    /// Stage `i`'s output object, as it is, to the next stage.
    fn emit_object(&mut self, run: &mut Run, i: usize, value: Value) -> Flow<()> {
        self.emit_merged_records(run, i)?;
        // -OutVariable keeps the output also when it is redirected.
        if let Some(capture) = run.stages[i].out_capture {
            self.capture_output(capture, &value);
        }
        match run.stages[i].redirect.output {
            StreamTarget::File { .. } => {
                run.stages[i].file_output.push(value);
                Ok(())
            }
            StreamTarget::Discard => Ok(()),
            _ => self.pass_on(run, i, value),
        }
    }

    fn emit(&mut self, run: &mut Run, i: usize, values: Vec<Value>) -> Flow<()> {
        if let Some(capture) = run.stages[i].out_capture {
            for v in &values {
                match v {
                    Value::Array(items) => {
                        for item in items {
                            self.capture_output(capture, item);
                        }
                    }
                    other => self.capture_output(capture, other),
                }
            }
        }
        if let StreamTarget::File { .. } | StreamTarget::Discard = run.stages[i].redirect.output {
            if let StreamTarget::File { .. } = run.stages[i].redirect.output {
                run.stages[i].file_output.extend(values);
            }
            return Ok(());
        }
        for v in values {
            // A collection is sent on element by element; `$null` is sent as itself.
            // (A command writes a list as one object: New-Object's ArrayList stays one.)
            match v {
                Value::Array(items) => {
                    for item in items {
                        self.pass_on(run, i, item)?;
                    }
                }
                other => self.pass_on(run, i, other)?,
            }
        }
        Ok(())
    }

    /// The records a function stage with `3>&1` (or `4>&1`, ...) merged into its output
    /// so far, sent on before its next object.
    fn emit_merged_records(&mut self, run: &mut Run, i: usize) -> Flow<()> {
        if self.pending.is_empty() || !run.stages[i].redirect.merges_records() {
            return Ok(());
        }
        let records = std::mem::take(&mut self.pending);
        for record in records {
            self.pass_on(run, i, record)?;
        }
        Ok(())
    }

    /// A function stage's `begin` block (its parameters bound from the arguments).
    fn begin_stage(&mut self, run: &mut Run, i: usize) -> Flow<()> {
        let receives_input = run.receives_input(i);
        let stage = &mut run.stages[i];
        if stage.script.is_none() && stage.command.has_begin_end() {
            let bound = bind_before_input(stage.command.info(), &stage.raw, false)
                .map_err(Self::binding_failed)?;
            let command = stage.command.clone();
            let values = command.begin(self, &bound)?;
            return self.emit(run, i, values);
        }
        let Some(script) = &mut stage.script else {
            return Ok(());
        };
        let bound = if !receives_input {
            None
        } else {
            Some(
                bind_before_input(stage.command.info(), &stage.raw, true)
                    .map_err(Self::binding_failed)?,
            )
        };
        let block = script.block.clone();
        let dot = script.dot_sourced;
        let bound_now = match bound {
            Some(b) => b,
            None => {
                let command = stage.command.clone();
                self.bind_prompting(command.as_ref(), &mut stage.raw, None, true)?
            }
        };
        let common = stage.common.clone();
        let name = stage.command.info().name.clone();
        if !dot {
            self.push_scope();
        }
        let setup = self.bind_script_parameters(&block, &bound_now, &common, &name);
        if !dot {
            // `$MyInvocation`: the command and whether it gets pipeline input.
            self.set_variable(
                "MyInvocation",
                Value::object(
                    "InvocationInfo",
                    vec![
                        ("MyCommand".into(), Value::String(name.clone())),
                        ("InvocationName".into(), Value::String(name.clone())),
                        ("ExpectingInput".into(), Value::Bool(receives_input)),
                        ("PipelinePosition".into(), Value::Int(i as i64 + 1)),
                        ("PipelineLength".into(), Value::Int(run.stages.len() as i64)),
                    ],
                ),
            );
        }
        if let Some(path) = run.stages[i].command.script_path() {
            self.set_script_location(path);
        }
        let redirect = self.enter_redirect(&run.stages[i].redirect);
        let result = setup.and_then(|()| match &block.begin {
            Some(begin) => self.script_part(
                begin,
                &mut StageSink {
                    run,
                    stage: i,
                    own_scope: !dot,
                },
            ),
            None => Ok(()),
        });
        self.redirect = redirect;
        let scope = if dot { None } else { Some(self.leave_scope()) };
        if let Some(script) = &mut run.stages[i].script {
            script.scope = scope;
            script.bound = Some(bound_now);
        }
        self.script_exit(run, i, result)
    }

    /// `exit N` in a script file ends that script (`$LASTEXITCODE` is N), not the caller.
    fn script_exit(&mut self, run: &Run, i: usize, result: Flow<()>) -> Flow<()> {
        match result {
            Err(Interrupt::Exit(code)) if run.stages[i].command.script_path().is_some() => {
                self.set_native_exit_code(code);
                Ok(())
            }
            other => other,
        }
    }

    /// `$PSScriptRoot` and `$PSCommandPath` for a script file.
    pub fn set_script_location(&mut self, path: &std::path::Path) {
        let full = self.resolve_path(&path.to_string_lossy());
        let root = full
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        self.set_variable("PSScriptRoot", Value::String(root));
        self.set_variable("PSCommandPath", Value::String(full.display().to_string()));
    }

    /// Runs stage `i` for one input object (or once, without input, when it is first).
    fn process_stage(&mut self, run: &mut Run, i: usize, input: Option<Value>) -> Flow<()> {
        if crate::cancel::requested() {
            return Err(Interrupt::Stopped);
        }
        if run.stages[i].script.is_some() {
            return self.process_script(run, i, input);
        }
        let stage = &mut run.stages[i];
        if stage.command.collects_input() {
            if let Some(v) = input {
                stage.collected.push(v);
            }
            return Ok(());
        }
        let values = self.invoke_cmdlet(&mut run.stages[i], input.as_ref())?;
        self.emit(run, i, values)
    }

    /// A function or script block stage for one input object: its `process` block, or
    /// (without one) the object kept for `$input` in its `end` block.
    fn process_script(&mut self, run: &mut Run, i: usize, input: Option<Value>) -> Flow<()> {
        let stage = &mut run.stages[i];
        let Some(script) = &mut stage.script else {
            return Ok(());
        };
        let block = script.block.clone();
        let Some(process) = &block.process else {
            if let Some(v) = input {
                stage.collected.push(v);
            }
            return Ok(());
        };
        let dot = script.dot_sourced;
        let name = stage.command.info().name.clone();
        let action = stage.action;
        // A pipeline parameter takes the object; an object that does not bind is a
        // non-terminating error, and the stage goes on with the next one.
        let bound = match &input {
            Some(v) => match bind_with(stage.command.info(), &stage.raw, Some(v), true) {
                Ok(b) => Some(b),
                Err(e) => return self.skip_object(run, i, e, action),
            },
            None => None,
        };
        let scope = match &mut run.stages[i].script {
            Some(script) => script.scope.take(),
            None => None,
        };
        if let Some(scope) = scope {
            self.enter_scope(scope);
        }
        let redirect = self.enter_redirect(&run.stages[i].redirect);
        let parameters = match &bound {
            Some(b) => self.pipeline_parameters(&block, b, &name),
            None => Ok(Vec::new()),
        };
        let result = match parameters {
            Err(Interrupt::Error(e)) => self.skip_object(run, i, e.error, action),
            Err(other) => Err(other),
            // Output goes on to the next stage as it is produced.
            Ok(parameters) => self.process_body(
                process,
                parameters,
                input,
                &mut StageSink {
                    run,
                    stage: i,
                    own_scope: !dot,
                },
            ),
        };
        self.redirect = redirect;
        let scope = if dot { None } else { Some(self.leave_scope()) };
        if let Some(script) = &mut run.stages[i].script {
            script.scope = scope;
        }
        self.script_exit(run, i, result)
    }

    /// An input object that does not bind to a function: reported (by the error
    /// action), and the pipeline goes on.
    fn skip_object(
        &mut self,
        run: &mut Run,
        i: usize,
        e: CommandError,
        action: ErrorAction,
    ) -> Flow<()> {
        let Interrupt::Error(e) = Interrupt::from(e) else {
            return Ok(());
        };
        let redirect = run.stages[i].redirect.clone();
        match self.command_failed_in(e, action, &redirect)? {
            Some(record) => self.emit(run, i, vec![record]),
            None => Ok(()),
        }
    }

    /// The redirections of a stage in force while it runs; returns what to restore.
    fn enter_redirect(&mut self, stage: &Redirect) -> Redirect {
        let saved = self.redirect.clone();
        self.redirect.overlay(stage);
        saved
    }

    /// The pipeline parameters of a function for one object: converted to their types
    /// and validated; those the object does not bind get their defaults again.
    fn pipeline_parameters(
        &mut self,
        block: &ScriptBlock,
        bound: &crate::engine::binder::BoundArguments,
        name: &str,
    ) -> Flow<Vec<(String, Value)>> {
        let mut values = Vec::new();
        for p in &block.parameters {
            if !(p.from_pipeline || p.from_pipeline_by_property_name) {
                continue;
            }
            let value = match bound.get(&p.name) {
                Some(v) => {
                    let v = match p.type_name.as_deref() {
                        Some(t) if !t.contains("switch") => {
                            self.convert(t, v.clone()).map_err(|e| match e {
                                Interrupt::Error(mut e) => {
                                    e.error.command = name.to_string();
                                    e.error.message = format!(
                                        "The input object cannot be bound to the parameter '{}': {}",
                                        p.name, e.error.message
                                    );
                                    Interrupt::Error(e)
                                }
                                other => other,
                            })?
                        }
                        _ => v.clone(),
                    };
                    self.validate_parameter(p, &v, name)?;
                    // Bound from the pipeline object: in $PSBoundParameters too.
                    if let Value::Hashtable(bound_table) = self.variable("PSBoundParameters") {
                        bound_table.insert(p.name.clone(), v.clone());
                    }
                    v
                }
                None => match &p.default {
                    Some(e) => self.expr(e)?,
                    None => Value::Null,
                },
            };
            values.push((p.name.clone(), value));
        }
        Ok(values)
    }

    /// A `process` block for one input object: pipeline parameters take it, and `$_`
    /// and `$input` are it.
    fn process_body(
        &mut self,
        process: &Script,
        parameters: Vec<(String, Value)>,
        input: Option<Value>,
        values: &mut dyn Sink,
    ) -> Flow<()> {
        for (name, value) in parameters {
            self.set_variable(&name, value);
        }
        if let Some(v) = input {
            self.set_variable(
                "input",
                Value::Enumerator(crate::engine::value::Enumerator::new(vec![v.clone()])),
            );
            self.set_variable("_", v);
        }
        self.script_part(process, values)
    }

    /// The end of the input for stage `i`: a collecting command runs on all of it, a
    /// function's `end` block runs (with `$input`); then redirected output is written.
    fn end_stage(&mut self, run: &mut Run, i: usize) -> Flow<()> {
        if crate::cancel::requested() {
            return Err(Interrupt::Stopped);
        }
        let collected = std::mem::take(&mut run.stages[i].collected);
        if let Some(script) = &mut run.stages[i].script {
            let block = script.block.clone();
            let dot = script.dot_sourced;
            if let Some(scope) = script.scope.take() {
                self.enter_scope(scope);
            } else if !dot {
                self.push_scope();
            }
            if block.process.is_none() {
                if let Some(last) = collected.last() {
                    self.set_variable("_", last.clone());
                    // With no process block, the pipeline parameters hold what the
                    // last object bound (each object is bound as it arrives).
                    let name = run.stages[i].command.info().name.clone();
                    if let Ok(bound) = bind_with(
                        run.stages[i].command.info(),
                        &run.stages[i].raw,
                        Some(last),
                        true,
                    ) && let Ok(parameters) = self.pipeline_parameters(&block, &bound, &name)
                    {
                        for (name, value) in parameters {
                            self.set_variable(&name, value);
                        }
                    }
                }
                self.set_variable(
                    "input",
                    Value::Enumerator(crate::engine::value::Enumerator::new(collected)),
                );
            } else {
                self.set_variable("input", Value::Array(Vec::new()));
                self.set_variable("_", Value::Null);
            }
            let redirect = self.enter_redirect(&run.stages[i].redirect);
            let result = self.script_part(
                &block.body,
                &mut StageSink {
                    run,
                    stage: i,
                    own_scope: !dot,
                },
            );
            self.redirect = redirect;
            if !dot {
                self.pop_scope();
            }
            self.script_exit(run, i, result)?;
        } else if run.stages[i].command.collects_input() {
            let all = run.receives_input(i).then_some(Value::Array(collected));
            let values = self.invoke_cmdlet(&mut run.stages[i], all.as_ref())?;
            self.emit(run, i, values)?;
        } else if run.stages[i].command.has_begin_end() {
            let stage = &run.stages[i];
            let bound = bind_before_input(stage.command.info(), &stage.raw, false)
                .map_err(Self::binding_failed)?;
            let command = stage.command.clone();
            let values = command.end(self, &bound)?;
            self.emit(run, i, values)?;
        }
        self.emit_merged_records(run, i)?;
        self.write_redirected_output(run, i)
    }

    /// `> file` / `>> file`: the stage's output, formatted as the console shows it.
    fn write_redirected_output(&mut self, run: &mut Run, i: usize) -> Flow<()> {
        let StreamTarget::File { path, append } = run.stages[i].redirect.output.clone() else {
            return Ok(());
        };
        let values = std::mem::take(&mut run.stages[i].file_output);
        let out_file = self.lookup("Out-File")?;
        let mut raw = vec![
            RawArgument::Named {
                name: "FilePath".into(),
                value: Some(Value::String(path)),
            },
            RawArgument::Named {
                name: "InputObject".into(),
                value: Some(Value::Array(values)),
            },
        ];
        if append {
            raw.push(RawArgument::Named {
                name: "Append".into(),
                value: None,
            });
        }
        let bound = bind_with(out_file.info(), &raw, None, false).map_err(Self::binding_failed)?;
        out_file.invoke(self, &bound, None)?;
        Ok(())
    }

    /// A block's `begin`, `process` (once) and `end`, in order.
    fn all_parts(&mut self, block: &ScriptBlock, out: &mut dyn Sink) -> Flow<()> {
        if let Some(begin) = &block.begin {
            self.script_part(begin, out)?;
        }
        if let Some(process) = &block.process {
            self.script_part(process, out)?;
        }
        self.script_part(&block.body, out)
    }

    /// A part of a script (`begin`, `process`, `end`): `return` ends it with its values.
    fn script_part(&mut self, script: &Script, values: &mut dyn Sink) -> Flow<()> {
        match self.block(script, values) {
            Err(Interrupt::Return(returned)) => {
                for v in returned {
                    values.put(self, v)?;
                }
                Ok(())
            }
            other => other,
        }
    }

    /// Sets a script's parameters from bound arguments (defaults for the rest, checked
    /// by their validation attributes), `$args`, `$PSBoundParameters` and `$PSCmdlet`.
    pub(crate) fn bind_script_parameters(
        &mut self,
        block: &ScriptBlock,
        bound: &crate::engine::binder::BoundArguments,
        common: &CommonParameters,
        name: &str,
    ) -> Flow<()> {
        let mut given = Vec::new();
        let mut remaining = bound.remaining.clone();
        for p in &block.parameters {
            if p.from_remaining && bound.get(&p.name).is_none() {
                let rest = Value::Array(std::mem::take(&mut remaining));
                given.push((p.name.clone(), rest.clone()));
                self.set_variable(&p.name, rest);
                continue;
            }
            let value = match bound.get(&p.name) {
                // A remaining-arguments parameter bound by position also takes every
                // argument after it.
                Some(v) if p.from_remaining && !remaining.is_empty() => {
                    let mut all = vec![v.clone()];
                    all.append(&mut remaining);
                    let all = Value::Array(all);
                    given.push((p.name.clone(), all.clone()));
                    all
                }
                Some(v) => {
                    given.push((p.name.clone(), v.clone()));
                    v.clone()
                }
                None => match &p.default {
                    Some(e) => self.expr(e)?,
                    None if p.type_name.as_deref().is_some_and(|t| t.contains("switch")) => {
                        Value::Bool(false)
                    }
                    None => Value::Null,
                },
            };
            let value = match p.type_name.as_deref() {
                Some(t) if bound.get(&p.name).is_some() && !t.contains("switch") => {
                    // (A script's enum or class is a parameter type too.)
                    self.convert(t, value).map_err(|e| match e {
                        Interrupt::Error(e) => Self::binding_failed(CommandError::new(
                            name,
                            "InvalidArgument",
                            "ParameterArgumentTransformationError",
                            format!(
                                "Cannot process argument transformation on parameter '{}'. {}",
                                p.name, e.error.message
                            ),
                        )),
                        other => other,
                    })?
                }
                _ => value,
            };
            if bound.get(&p.name).is_some() {
                self.validate_parameter(p, &value, name)?;
            }
            self.set_variable(&p.name, value);
        }
        self.set_variable("args", Value::Array(remaining));
        // An advanced function's common parameters are bound parameters too
        // (`$PSBoundParameters['Verbose']`).
        if block.cmdlet_binding {
            for (common_name, value) in common {
                given.push((common_name.clone(), value.clone()));
            }
        }
        self.set_variable(
            "PSBoundParameters",
            Value::table(crate::engine::value::TableKind::BoundParameters, given),
        );
        if block.cmdlet_binding {
            // An advanced function's `-ErrorAction`, `-Verbose`, ... are its preference
            // variables, in its own scope (so the commands it runs follow them).
            for (common_name, value) in common {
                if let Some((variable, preference)) = preference_for(common_name, value) {
                    self.set_variable(variable, preference);
                }
            }
            let what_if = common.iter().any(|(n, v)| n == "WhatIf" && v.is_truthy());
            if what_if {
                self.set_variable("WhatIfPreference", Value::Bool(true));
            }
            self.set_variable(
                "PSCmdlet",
                Value::object(
                    "PSCmdlet",
                    vec![
                        ("CommandName".into(), Value::String(name.to_string())),
                        (
                            "ParameterSetName".into(),
                            Value::String(bound.parameter_set.clone()),
                        ),
                    ],
                ),
            );
        }
        Ok(())
    }

    /// The `[Validate...]` attributes of a parameter, checked against the value given.
    pub(super) fn validate_parameter(
        &mut self,
        p: &ParameterDeclaration,
        value: &Value,
        name: &str,
    ) -> Flow<()> {
        let fail = |reason: String| {
            Self::binding_failed(CommandError::new(
                name,
                "InvalidData",
                "ParameterArgumentValidationError",
                format!(
                    "Cannot validate argument on parameter '{}'. {reason}",
                    p.name
                ),
            ))
        };
        for v in &p.validations {
            match v {
                Validation::NotNullOrEmpty => {
                    let empty = match value {
                        Value::Null => true,
                        Value::String(s) => s.is_empty(),
                        Value::Array(a) => a.is_empty(),
                        _ => false,
                    };
                    if empty {
                        return Err(fail(
                            "The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.".into(),
                        ));
                    }
                }
                Validation::Range(min, max) => {
                    let (min, max) = (self.expr(min)?, self.expr(max)?);
                    for item in value.clone().into_items() {
                        if operators::order(&item, &min, false) == Some(std::cmp::Ordering::Less) {
                            return Err(fail(format!(
                                "The {} argument is less than the minimum allowed range of {}. Supply an argument that is greater than or equal to {} and then try the command again.",
                                item.to_text(),
                                min.to_text(),
                                min.to_text()
                            )));
                        }
                        if operators::order(&item, &max, false) == Some(std::cmp::Ordering::Greater)
                        {
                            return Err(fail(format!(
                                "The {} argument is greater than the maximum allowed range of {}. Supply an argument that is less than or equal to {} and then try the command again.",
                                item.to_text(),
                                max.to_text(),
                                max.to_text()
                            )));
                        }
                    }
                }
                Validation::Length(min, max) => {
                    for item in value.clone().into_items() {
                        let len = item.to_text().chars().count();
                        if len < *min {
                            return Err(fail(format!(
                                "The number of characters ({len}) in the argument is too small. Specify an argument whose length is greater than or equal to \"{min}\" and then try the command again."
                            )));
                        }
                        if len > *max {
                            return Err(fail(format!(
                                "The character length of the {len} argument is too long. Shorten the character length of the argument so it is fewer than or equal to \"{max}\" characters, and then try the command again."
                            )));
                        }
                    }
                }
                Validation::Count(min, max) => {
                    let n = value.clone().into_items().len();
                    if n < *min || n > *max {
                        return Err(fail(format!(
                            "The parameter requires at least {min} value(s) and no more than {max} value(s) - {n} value(s) were provided."
                        )));
                    }
                }
                Validation::Pattern(pattern) => {
                    for item in value.clone().into_items() {
                        let text = item.to_text();
                        let hit = operators::regex_match(&text, pattern, false)
                            .map_err(script_error)?
                            .is_some();
                        if !hit {
                            return Err(fail(format!(
                                "The argument \"{text}\" does not match the \"{pattern}\" pattern. Supply an argument that matches \"{pattern}\" and try the command again."
                            )));
                        }
                    }
                }
                Validation::Script(check) => {
                    for item in value.clone().into_items() {
                        let ok = collapse(self.invoke_block(
                            check,
                            Some(item.clone()),
                            Vec::new(),
                            true,
                        )?)
                        .is_truthy();
                        if !ok {
                            return Err(fail(format!(
                                "The \"{}\" validation script for the argument with value \"{}\" did not return a result of True. Determine why the validation script failed, and then try the command again.",
                                check.text.trim(),
                                item.to_text()
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Binds and runs a cmdlet for one input object (or none), with its common
    /// parameters in force, handling a failure by its error action.
    fn invoke_cmdlet(&mut self, stage: &mut Stage, input: Option<&Value>) -> Flow<Vec<Value>> {
        let command = stage.command.clone();
        let piped = if command.collects_input() {
            None
        } else {
            input
        };
        let remaining = command.takes_remaining_arguments();
        let bound = self.bind_prompting(command.as_ref(), &mut stage.raw, piped, remaining)?;
        // A dry run checks its target first, as the real run would.
        if command.info().changes_state && self.what_if_requested(&stage.common) {
            let saved = self.apply_common(&stage.common);
            let checked = command.check_what_if(self, &bound, input);
            self.restore_common(saved);
            match checked {
                Ok(()) => {}
                Err(Interrupt::Error(e)) => {
                    return Ok(self
                        .command_failed_in(e, stage.action, &stage.redirect)?
                        .into_iter()
                        .collect());
                }
                Err(other) => return Err(other),
            }
        }
        if command.info().changes_state
            && !self.should_process(command.info(), &bound, input, &stage.common)?
        {
            return Ok(Vec::new());
        }
        // A cmdlet works on a list's items (a script function gets the list itself).
        let bound = if command.script_block().is_some() {
            bound
        } else {
            bound.without_lists()
        };
        // Cmdlets read properties: added script and alias properties get their values.
        if let Some(v) = input {
            self.materialize_added_members(v);
        }
        for (_, v) in bound.iter() {
            self.materialize_added_members(v);
        }
        let saved = self.apply_common(&stage.common);
        let redirect_saved = self.redirect.clone();
        self.redirect.overlay(&stage.redirect);
        let mut result = command.invoke(self, &bound, input);
        self.redirect = redirect_saved;
        self.restore_common(saved);
        // A warning under -WarningAction Stop (or $WarningPreference = 'Stop') ends it.
        if let Some(message) = self.stopped_by_preference.take()
            && result.is_ok()
        {
            result = Err(Interrupt::Error(Box::new(RuntimeError {
                error: CommandError::new(
                    &command.info().name,
                    "OperationStopped",
                    "ActionPreferenceStop",
                    message,
                ),
                kind: ErrorKind::ScriptTerminating,
                thrown: None,
            })));
        }
        // Records of other streams merged into the output (`3>&1`) by this command come
        // first: they were written while it ran, before it returned its objects.
        let mut output = if stage.redirect.merges_records() {
            std::mem::take(&mut self.pending)
        } else {
            Vec::new()
        };
        match result {
            Ok(values) => {
                output.extend(values);
                Ok(output)
            }
            // A command that failed because Ctrl+C stopped it: the pipeline stops, quietly.
            Err(Interrupt::Error(_)) if crate::cancel::requested() => Err(Interrupt::Stopped),
            Err(Interrupt::Error(e)) => {
                let record = self.command_failed_in(e, stage.action, &stage.redirect)?;
                output.extend(record);
                Ok(output)
            }
            Err(other) => Err(other),
        }
    }

    /// Binds a command's arguments; an interactive session first asks for missing
    /// mandatory parameters (and keeps the answers in `raw`).
    fn bind_prompting(
        &mut self,
        command: &dyn Command,
        raw: &mut Vec<RawArgument>,
        piped: Option<&Value>,
        remaining: bool,
    ) -> Flow<crate::engine::binder::BoundArguments> {
        match bind_with(command.info(), raw, piped, remaining) {
            Err(e)
                if e.error_id == "MissingMandatoryParameter" && !self.options.non_interactive =>
            {
                let missing: Vec<String> = e
                    .target
                    .clone()
                    .unwrap_or_default()
                    .split(' ')
                    .map(str::to_string)
                    .collect();
                raw.extend(self.prompt_for(command.info(), &missing)?);
                bind_with(command.info(), raw, piped, remaining)
            }
            other => other,
        }
        .map_err(Self::binding_failed)
    }

    /// `-Verbose`, `-WarningAction`, `-InformationAction` on one command set the
    /// preference for that command only; returns what to restore.
    fn apply_common(&mut self, common: &CommonParameters) -> Vec<(&'static str, Value)> {
        let mut saved = Vec::new();
        for (name, value) in common {
            let Some((variable, preference)) = preference_for(name, value) else {
                continue;
            };
            saved.push((variable, self.variable(variable)));
            self.set_variable(variable, preference);
        }
        saved
    }

    fn restore_common(&mut self, saved: Vec<(&'static str, Value)>) {
        for (variable, value) in saved.into_iter().rev() {
            self.set_variable(variable, value);
        }
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
        self.enter_call()?;
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
        let mut out = Vec::new();
        let result = (|| {
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
            self.all_parts(block, &mut out)
        })();
        if new_scope {
            self.pop_scope();
        }
        if let Some(saved) = saved_input {
            self.set_variable("_", saved);
        }
        self.depth -= 1;
        result.map(|()| out)
    }

    /// Runs a script file's block with arguments, in a new scope (or the caller's when
    /// dot-sourced), its output to `out`.
    pub(crate) fn invoke_script(
        &mut self,
        block: &ScriptBlock,
        args: Vec<Value>,
        new_scope: bool,
        out: &mut dyn Sink,
    ) -> Flow<()> {
        let command = FunctionCommand::new("", Rc::new(block.clone()));
        // `-Name value` among a script's arguments names a parameter, as in pwsh -File.
        let raw: Vec<RawArgument> = args
            .into_iter()
            .map(|a| match &a {
                Value::String(s)
                    if s.len() > 1
                        && s.starts_with('-')
                        && s[1..].chars().all(|c| c.is_alphanumeric() || c == '_')
                        && block.parameters.iter().any(|p| {
                            p.name
                                .to_ascii_lowercase()
                                .starts_with(&s[1..].to_ascii_lowercase())
                        }) =>
                {
                    RawArgument::Named {
                        name: s[1..].to_string(),
                        value: None,
                    }
                }
                _ => RawArgument::Positional(a),
            })
            .collect();
        let bound = bind_with(command.info(), &raw, None, true).map_err(Self::binding_failed)?;
        let saved_script_scope = self.script_scope;
        if new_scope {
            self.push_scope();
            // `$script:x` inside is this script's.
            self.script_scope = self.scopes.len() - 1;
        }
        let mut values = Vec::new();
        let result = (|| {
            self.bind_script_parameters(block, &bound, &Vec::new(), "")?;
            self.set_variable("input", Value::Array(Vec::new()));
            self.all_parts(block, &mut values)
        })();
        if new_scope {
            self.pop_scope();
            self.script_scope = saved_script_scope;
        }
        for v in values {
            out.put(self, v)?;
        }
        result
    }

    /// Runs a pipeline and returns its output.
    pub fn pipeline(&mut self, pipeline: &Pipeline) -> Flow<Vec<Value>> {
        let mut out = Vec::new();
        self.pipeline_to(pipeline, &mut out)?;
        Ok(out)
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
        let record = Self::error_record(e);
        self.capture(super::captures::CapturedStream::Error, &record);
        self.record_in_error_list(record);
    }

    /// An error a `catch` handled: in `$Error`, but not an error the command wrote (so
    /// not in its `-ErrorVariable`).
    pub(super) fn record_handled_error(&mut self, e: &RuntimeError) {
        self.record_in_error_list(Self::error_record(e));
    }

    fn record_in_error_list(&mut self, record: Value) {
        let mut list = self.variable("Error").into_items_keep();
        list.retain(|v| !matches!(v, Value::Null));
        list.insert(0, record);
        list.truncate(256);
        self.scopes[0]
            .vars
            .insert("error".into(), Value::Array(list));
    }

    pub(super) fn error_action(&self, explicit: Option<&Value>) -> ErrorAction {
        let text = action_name(
            &explicit
                .cloned()
                .unwrap_or_else(|| self.variable("ErrorActionPreference")),
        );
        match text.to_ascii_lowercase().as_str() {
            "stop" => ErrorAction::Stop,
            "silentlycontinue" => ErrorAction::SilentlyContinue,
            "ignore" => ErrorAction::Ignore,
            _ => ErrorAction::Continue,
        }
    }

    /// A non-terminating error from a command, handled by its redirection (`2>&1` makes
    /// it output, `2>$null` drops it, `2> file` writes it) and its error action.
    fn command_failed_in(
        &mut self,
        e: Box<RuntimeError>,
        action: ErrorAction,
        redirect: &Redirect,
    ) -> Flow<Option<Value>> {
        let mut effective = self.redirect.clone();
        effective.overlay(redirect);
        if e.kind != ErrorKind::NonTerminating || action == ErrorAction::Stop {
            self.command_failed(e, action)?;
            return Ok(None);
        }
        match effective.error {
            StreamTarget::Default => {
                self.command_failed(e, action)?;
                Ok(None)
            }
            target => {
                self.statement_failed = true;
                self.record_error(&e);
                if action == ErrorAction::Ignore {
                    return Ok(None);
                }
                match target {
                    StreamTarget::Output if action != ErrorAction::SilentlyContinue => {
                        Ok(Some(Self::error_record(&e)))
                    }
                    StreamTarget::File { path, append } => {
                        self.write_stream_file(&path, append, &e.error.to_string());
                        Ok(None)
                    }
                    _ => Ok(None),
                }
            }
        }
    }

    /// Writes one line of a redirected stream to its file (a failure is reported).
    pub(crate) fn write_stream_file(&mut self, path: &str, append: bool, line: &str) {
        use std::io::Write as _;
        let resolved = self.resolve_path(path);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(&resolved);
        match file {
            Ok(mut f) => {
                let _ = writeln!(f, "{line}");
            }
            Err(e) => {
                let _ = writeln!(
                    self.errors,
                    "Could not write to '{path}': {}.",
                    crate::paths::io_reason(&e)
                );
            }
        }
    }

    /// A path relative to the session's working directory.
    pub(crate) fn resolve_path(&self, path: &str) -> std::path::PathBuf {
        let p = std::path::Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        }
    }

    /// A non-terminating error a command writes while it goes on (one name of several
    /// not found): shown, kept in `$Error` and `-ErrorVariable`, as its `-ErrorAction`
    /// (or `$ErrorActionPreference`) says; `Stop` makes it end the command.
    pub fn write_error(&mut self, error: CommandError) -> Flow<()> {
        let action = self.error_action(None);
        self.command_failed(
            Box::new(RuntimeError {
                error,
                kind: ErrorKind::NonTerminating,
                thrown: None,
            }),
            action,
        )
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
            // Ignore: not even recorded in $Error.
            ErrorAction::Ignore => Ok(()),
            ErrorAction::Continue => {
                self.report(&e.error);
                self.record_error(&e);
                Ok(())
            }
        }
    }
}

/// The preference variable a common parameter sets for the command it is given to.
fn preference_for(name: &str, value: &Value) -> Option<(&'static str, Value)> {
    let switch = |on: bool| Value::String(if on { "Continue" } else { "SilentlyContinue" }.into());
    match name {
        "Verbose" => Some(("VerbosePreference", switch(value.is_truthy()))),
        "Debug" => Some(("DebugPreference", switch(value.is_truthy()))),
        "WarningAction" => Some(("WarningPreference", Value::String(action_name(value)))),
        "InformationAction" => Some(("InformationPreference", Value::String(action_name(value)))),
        "ErrorAction" => Some(("ErrorActionPreference", Value::String(action_name(value)))),
        _ => None,
    }
}

/// The names of PowerShell's ActionPreference values.
const ACTIONS: &[&str] = &[
    "SilentlyContinue",
    "Stop",
    "Continue",
    "Inquire",
    "Ignore",
    "Suspend",
    "Break",
];

/// `-ErrorAction Stpo`: refused, with the values there are.
fn check_action(parameter: &str, value: &Value) -> Flow<()> {
    let name = action_name(value);
    if ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(&name)) {
        return Ok(());
    }
    Err(Session::binding_failed(CommandError::new(
        "",
        "InvalidArgument",
        "ParameterArgumentTransformationError",
        format!(
            "Cannot bind parameter '{parameter}'. Cannot convert value \"{}\" to type \"System.Management.Automation.ActionPreference\". Use one of: {}.",
            value.to_text(),
            ACTIONS.join(", ")
        ),
    )))
}

/// An ActionPreference by name, or by its number (`-ErrorAction 0` is SilentlyContinue).
fn action_name(value: &Value) -> String {
    let value = match value {
        Value::String(s) if s.trim().parse::<i64>().is_ok() => {
            Value::Int(s.trim().parse::<i64>().unwrap_or_default())
        }
        other => other.clone(),
    };
    if let Value::Int(n) = &value {
        let name = match n {
            0 => "SilentlyContinue",
            1 => "Stop",
            2 => "Continue",
            3 => "Inquire",
            4 => "Ignore",
            5 => "Suspend",
            6 => "Break",
            _ => return n.to_string(),
        };
        return name.to_string();
    }
    value.to_text()
}

#[cfg(test)]
mod tests {
    use crate::engine::{Output, Session, SessionOptions, Value};
    use std::cell::RefCell;
    use std::io::Write;
    use std::rc::Rc;

    /// A console (and error stream) kept in memory.
    #[derive(Clone, Default)]
    struct Console(Rc<RefCell<Vec<u8>>>);

    impl Write for Console {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Values(Vec<Value>);

    impl Output for Values {
        fn write(&mut self, value: &Value) {
            self.0.push(value.clone());
        }
        fn flush_table(&mut self) {}
    }

    /// A function with SecureString parameters, as a cmdlet's -Password.
    const PROTECT: &str = "function Protect-File { param([string]$Path, [securestring]$Password, [securestring]$CertificatePassword) }\nfunction Get-Pw { 'from-a-command' }\n";

    /// What `script` writes to the console and the error stream (after PROTECT).
    fn console_of(script: &str) -> String {
        let console = Console::default();
        let mut session = Session::new(
            Rc::new(()),
            Vec::new(),
            SessionOptions {
                non_interactive: true,
                color: false,
            },
            Box::new(console.clone()),
        );
        session.console = Box::new(console.clone());
        let parsed = crate::lang::parse(&format!("{PROTECT}{script}")).unwrap();
        let mut out = Values(Vec::new());
        let _ = session.run(&parsed, &mut out);
        String::from_utf8(console.0.borrow().clone()).unwrap()
    }

    #[test]
    fn a_password_written_out_in_the_command_line_is_warned_about() {
        assert_eq!(
            console_of("Protect-File -Path a.pfx -Password 'P@ssw0rd!'"),
            "WARNING: -Password was given as plain text; it can be seen in history files, logs and process listings. Read it with  $pw = Read-Host -AsSecureString  (or Get-Credential) and pass -Password $pw.\n"
        );
        for (line, parameter) in [
            ("Protect-File a.pfx -Password:\"P@ss\"", "-Password"),
            ("Protect-File -Pass bareword", "-Password"),
            (
                "Protect-File -CertificatePassword 'x'",
                "-CertificatePassword",
            ),
        ] {
            let console = console_of(line);
            assert!(
                console.starts_with(&format!("WARNING: {parameter} was given as plain text")),
                "{line}: {console}"
            );
        }
    }

    #[test]
    fn a_password_from_a_variable_or_a_command_is_not_warned_about() {
        for line in [
            "$pw = 'x'\nProtect-File -Password $pw",
            "Protect-File -Password (Get-Pw)",
            "Protect-File -Path 'P@ssw0rd!'",
            "$WarningPreference = 'SilentlyContinue'\nProtect-File -Password 'x'",
            "Protect-File -Password 'x' 3>$null",
        ] {
            assert_eq!(console_of(line), "", "{line}");
        }
    }
}
