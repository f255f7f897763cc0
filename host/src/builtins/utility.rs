//! `Get-Date`, `Write-Host`, `Write-Error`, `Write-Warning`, `Write-Verbose`,
//! `Format-List`, `Format-Table`, `Out-String`, `Get-Command`.

use crate::engine::binder::BoundArguments;
use crate::engine::command::{
    CmdletExt, CmdletInfo, Command, CommandError, CommandResult, ParamExt, ParameterInfo,
    ParameterType as T, command_info, example, example_with_output, input_items, param,
};
use crate::engine::{Session, Value};
use crate::format::table::{render_list, render_table, resolve_properties};
use std::io::Write;

/// A built-in defined by its metadata and a function.
pub struct Builtin {
    info: CmdletInfo,
    collects: bool,
    /// Extra positional arguments are kept (ValueFromRemainingArguments).
    remaining: bool,
    run: fn(&mut Session, &BoundArguments, Option<&Value>) -> CommandResult,
    /// Work before the first and after the last input object.
    begin_end: Option<(BeginEnd, BeginEnd)>,
    /// The script block the command amounts to (see `Command::script_stage`).
    script_stage: Option<crate::engine::command::ScriptStage>,
    /// What a `-WhatIf` run checks first (see `Command::check_what_if`).
    what_if_check: Option<WhatIfCheck>,
}

/// A built-in's checks before it describes what it would do under `-WhatIf`.
pub type WhatIfCheck = fn(
    &mut Session,
    &BoundArguments,
    Option<&Value>,
) -> Result<(), crate::engine::session::Interrupt>;

/// A built-in's work before the first or after the last input object.
pub type BeginEnd = fn(&mut Session, &BoundArguments) -> CommandResult;

impl Command for Builtin {
    fn info(&self) -> &CmdletInfo {
        &self.info
    }
    fn collects_input(&self) -> bool {
        self.collects
    }
    fn takes_remaining_arguments(&self) -> bool {
        self.remaining
    }
    fn check_what_if(
        &self,
        session: &mut Session,
        args: &BoundArguments,
        input: Option<&Value>,
    ) -> Result<(), crate::engine::session::Interrupt> {
        match self.what_if_check {
            Some(check) => check(session, args, input),
            None => Ok(()),
        }
    }
    fn invoke(
        &self,
        session: &mut Session,
        args: &BoundArguments,
        input: Option<&Value>,
    ) -> CommandResult {
        (self.run)(session, args, input)
    }
    fn has_begin_end(&self) -> bool {
        self.begin_end.is_some()
    }
    fn script_stage(&self) -> Option<crate::engine::command::ScriptStage> {
        self.script_stage
    }
    fn begin(&self, session: &mut Session, args: &BoundArguments) -> CommandResult {
        match self.begin_end {
            Some((begin, _)) => begin(session, args),
            None => Ok(Vec::new()),
        }
    }
    fn end(&self, session: &mut Session, args: &BoundArguments) -> CommandResult {
        match self.begin_end {
            Some((_, end)) => end(session, args),
            None => Ok(Vec::new()),
        }
    }
}

impl Builtin {
    pub fn new(
        info: CmdletInfo,
        collects: bool,
        run: fn(&mut Session, &BoundArguments, Option<&Value>) -> CommandResult,
    ) -> Self {
        Builtin {
            info,
            collects,
            remaining: false,
            run,
            begin_end: None,
            script_stage: None,
            what_if_check: None,
        }
    }

    /// Checks its target with `check` before a `-WhatIf` run describes the operation.
    pub fn checking_what_if(mut self, check: WhatIfCheck) -> Self {
        self.what_if_check = Some(check);
        self
    }

    /// Runs as the script block `stage` builds from the arguments, when it builds one.
    pub fn as_script_stage(mut self, stage: crate::engine::command::ScriptStage) -> Self {
        self.script_stage = Some(stage);
        self
    }

    /// Runs `begin` before the first input object and `end` after the last.
    pub fn with_begin_end(mut self, begin: BeginEnd, end: BeginEnd) -> Self {
        self.begin_end = Some((begin, end));
        self
    }

    /// Keeps extra positional arguments in `BoundArguments::remaining` (as a native
    /// command receives its words).
    pub fn taking_remaining_arguments(mut self) -> Self {
        self.remaining = true;
        self
    }
}

/// `New-TimeSpan`: the time between two dates, or a span of days, hours, minutes and
/// seconds (how expiry scripts count the days a certificate has left).
pub fn new_time_span() -> Builtin {
    Builtin::new(
        command_info(
            "New-TimeSpan",
            &[],
            "Creates a TimeSpan.",
            "From -Start to -End (each a date; now when left out), or -Days, -Hours, -Minutes, -Seconds and -Milliseconds added up. A date that is not a date is an error.",
            vec![
                param("Start", T::Datetime, "Where the span begins (default now).")
                    .position(0)
                    .aliases(&["LastWriteTime"]),
                param("End", T::Datetime, "Where it ends (default now).").position(1),
                param("Days", T::Integer, "Days."),
                param("Hours", T::Integer, "Hours."),
                param("Minutes", T::Integer, "Minutes."),
                param("Seconds", T::Integer, "Seconds."),
                param("Milliseconds", T::Integer, "Milliseconds."),
            ],
            "TimeSpan",
        )
        .examples(vec![example_with_output(
            "Days from one date to another",
            "(New-TimeSpan -Start '2026-01-01' -End '2026-03-01').Days",
            "Certificate scripts use -End $cert.NotAfter to count the days left.",
            "59\n",
        )]),
        false,
        |_, args, _| {
            let date = |name: &str| match args.get(name) {
                Some(Value::DateTime(t)) => *t,
                _ => crate::engine::methods::now(),
            };
            if args.get("Start").is_some() || args.get("End").is_some() {
                return Ok(vec![Value::TimeSpan((date("End") - date("Start")) * 1000)]);
            }
            let part = |name: &str| match args.get(name) {
                Some(Value::Int(n)) => *n,
                _ => 0,
            };
            let ms = part("Days")
                .saturating_mul(86_400_000)
                .saturating_add(part("Hours").saturating_mul(3_600_000))
                .saturating_add(part("Minutes").saturating_mul(60_000))
                .saturating_add(part("Seconds").saturating_mul(1000))
                .saturating_add(part("Milliseconds"));
            Ok(vec![Value::TimeSpan(ms)])
        },
    )
}

pub fn get_date() -> Builtin {
    Builtin::new(
        command_info(
            "Get-Date",
            &[],
            "Gets the current date and time.",
            "Returns the current date and time (UTC), or -Date converted; -Format returns text in a .NET format ('yyyy-MM-dd', 'o', ...).",
            vec![
                param("Date", T::Datetime, "The date to return instead of now.").position(0),
                param("Format", T::Text, "Return text in this .NET format."),
            ],
            "DateTime",
        )
.examples(vec![example("A date 30 days ahead", "(Get-Date).AddDays(30)", "Dates are shown in UTC.")]),
        false,
        |_, args, _| {
            let t = match args.get("Date") {
                Some(Value::DateTime(t)) => *t,
                _ => crate::engine::methods::now(),
            };
            Ok(vec![match args.text("Format") {
                Some(f) => Value::String(crate::engine::methods::format_datetime(t, &f)),
                None => Value::DateTime(t),
            }])
        },
    )
}

/// `Start-Sleep`: waits, and stops at once on Ctrl+C.
pub fn start_sleep() -> Builtin {
    Builtin::new(
        command_info(
            "Start-Sleep",
            &["sleep"],
            "Suspends the script for a time.",
            "Waits -Seconds (fractions allowed) or -Milliseconds. Ctrl+C ends the wait and stops the script.",
            vec![
                param("Seconds", T::Any, "How long to wait, in seconds.").position(0),
                param("Milliseconds", T::Integer, "How long to wait, in milliseconds.")
                    .aliases(&["ms"]),
            ],
            "None",
        )
        .examples(vec![example(
            "Wait half a second",
            "Start-Sleep -Milliseconds 500",
            "Nothing is output.",
        )]),
        false,
        |_, args, _| {
            let seconds = match (args.get("Seconds"), args.get("Milliseconds")) {
                (Some(s), _) => crate::engine::operators::to_number(s)
                    .map(|n| n.as_float())
                    .ok_or_else(|| {
                        CommandError::new(
                            "Start-Sleep",
                            "InvalidArgument",
                            "InvalidSeconds",
                            format!("'{}' is not a number of seconds.", s.to_text()),
                        )
                    })?,
                (None, Some(ms)) => {
                    crate::engine::operators::to_number(ms).map_or(0.0, |n| n.as_float() / 1000.0)
                }
                (None, None) => 0.0,
            };
            let until = std::time::Instant::now()
                + std::time::Duration::from_secs_f64(seconds.clamp(0.0, 1.0e7));
            while std::time::Instant::now() < until {
                if crate::cancel::requested() {
                    return Err(crate::engine::session::Interrupt::Stopped);
                }
                let left = until.saturating_duration_since(std::time::Instant::now());
                std::thread::sleep(left.min(std::time::Duration::from_millis(20)));
            }
            Ok(Vec::new())
        },
    )
}

pub fn write_host() -> Builtin {
    let mut object = param("Object", T::Any, "What to write.").position(0);
    object.sets[0].from_pipeline = true;
    let mut command = Builtin::new(
        command_info(
            "Write-Host",
            &[],
            "Writes to the console (not the pipeline).",
            "Writes the objects, separated by spaces, to the console. -ForegroundColor and -BackgroundColor are accepted.",
            vec![
                object,
                param("NoNewline", T::Switch, "Do not end the line."),
                param(
                    "Separator",
                    T::Text,
                    "Text between objects (default a space).",
                ),
                param("ForegroundColor", T::Text, "Accepted for compatibility."),
                param("BackgroundColor", T::Text, "Accepted for compatibility."),
            ],
            "None",
        )
.examples(vec![example("A line to the console", "Write-Host 'Certificates checked'", "Not part of the output: it cannot be piped.")]),
        false,
        |session, args, input| {
            let mut items = args
                .get("Object")
                .cloned()
                .or_else(|| input.cloned())
                .map(Value::into_items)
                .unwrap_or_default();
            items.extend(args.remaining.iter().cloned());
            let separator = args.text("Separator").unwrap_or_else(|| " ".into());
            let text = items
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(&separator);
            if args.switch("NoNewline") {
                let _ = write!(session.console, "{text}");
            } else {
                session.information(&text);
            }
            let _ = session.console.flush();
            Ok(Vec::new())
        },
    );
    command.remaining = true;
    command
}

pub fn write_error() -> Builtin {
    Builtin::new(
        command_info(
            "Write-Error",
            &[],
            "Writes an error.",
            "Reports a non-terminating error (it stops the script with -ErrorAction Stop or $ErrorActionPreference = 'Stop').",
            vec![
                param("Message", T::Text, "The error message.").position(0),
                param("Category", T::Text, "Error category."),
                param("ErrorId", T::Text, "Error identifier."),
            ],
            "None",
        )
.examples(vec![example_with_output("A non-terminating error", "Write-Error 'The certificate expired' -ErrorAction SilentlyContinue\n'the script goes on'", "Without -ErrorAction the error is shown; with -ErrorAction Stop a try/catch catches it.", "the script goes on\n")]),
        false,
        |session, args, _| {
            let message = args.text("Message").unwrap_or_default();
            // Inside a function the error is the function's (`Test-Slot: ...`), as pwsh
            // shows it.
            let writer = session
                .local_variable("MyInvocation")
                .property("MyCommand")
                .map(|c| c.to_text())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "Write-Error".into());
            let mut error = CommandError::new(
                "Write-Error",
                &args
                    .text("Category")
                    .unwrap_or_else(|| "NotSpecified".into()),
                &args
                    .text("ErrorId")
                    .unwrap_or_else(|| "Microsoft.PowerShell.Commands.WriteErrorException".into()),
                message,
            );
            error.command = writer;
            // Returned as a non-terminating error, so -ErrorAction applies to it.
            Err(error.into())
        },
    )
}

pub fn write_warning() -> Builtin {
    Builtin::new(
        command_info(
            "Write-Warning",
            &[],
            "Writes a warning message.",
            "Writes WARNING: <message> to the error stream.",
            vec![param("Message", T::Text, "The warning.").position(0)],
            "None",
        )
        .examples(vec![example(
            "A warning that -WarningAction silences",
            "Write-Warning 'The certificate expires in 12 days' -WarningAction SilentlyContinue",
            "Without it the line WARNING: ... goes to the error stream.",
        )]),
        false,
        |session, args, _| {
            session.warning(&args.text("Message").unwrap_or_default());
            Ok(Vec::new())
        },
    )
}

pub fn write_verbose() -> Builtin {
    Builtin::new(
        command_info(
            "Write-Verbose",
            &[],
            "Writes a verbose message.",
            "Writes VERBOSE: <message> when $VerbosePreference is 'Continue'.",
            vec![param("Message", T::Text, "The message.").position(0)],
            "None",
        )
        .examples(vec![example(
            "A line shown with -Verbose",
            "Write-Verbose 'Checking the store'",
            "Shown when $VerbosePreference is Continue or the command is given -Verbose.",
        )]),
        false,
        |session, args, _| {
            session.verbose(&args.text("Message").unwrap_or_default());
            Ok(Vec::new())
        },
    )
}

fn format_params() -> Vec<ParameterInfo> {
    vec![
        param(
            "Property",
            T::TextList,
            "Properties to show (wildcards allowed; * for all).",
        )
        .position(0),
        param(
            "AutoSize",
            T::Switch,
            "Accepted for compatibility (columns always fit their content).",
        ),
        param("InputObject", T::Any, "The objects to format.").takes_pipeline_input(),
    ]
}

fn property_list(args: &BoundArguments) -> Vec<String> {
    args.get("Property")
        .map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
        .unwrap_or_default()
}

fn default_properties(item: &Value) -> Vec<String> {
    match item {
        Value::Certificate(_) => vec![
            "Subject".into(),
            "Issuer".into(),
            "Thumbprint".into(),
            "FriendlyName".into(),
            "NotBefore".into(),
            "NotAfter".into(),
            "Extensions".into(),
        ]
        .into_iter()
        .filter(|p| p != "Extensions")
        .collect(),
        other => other.property_names(),
    }
}

pub fn format_list() -> Builtin {
    Builtin::new(
        command_info(
            "Format-List",
            &["fl"],
            "Formats the output as a list of properties.",
            "Each object as 'Name : Value' lines; Format-List * shows every property.",
            format_params(),
            "String",
        )
        .examples(vec![example(
            "Every property of each certificate",
            "New-SelfSignedCertificate -DnsName www.contoso.com | Format-List *",
            "One property per line.",
        )]),
        true,
        |session, args, input| {
            let wanted = property_list(args);
            let mut out = String::new();
            for item in input_items(args, input, "InputObject") {
                session.refresh_for_display(&item);
                let props = if wanted.is_empty() {
                    default_properties(&item)
                } else {
                    resolve_properties(&item, &wanted)
                };
                if props.is_empty() {
                    out.push_str(&format!("\n{}\n", item.to_text()));
                } else {
                    out.push('\n');
                    out.push_str(&render_list(&item, &props));
                }
            }
            out.push('\n');
            Ok(vec![Value::String(
                out.trim_end_matches('\n').to_string() + "\n",
            )])
        },
    )
}

pub fn format_table() -> Builtin {
    Builtin::new(
        command_info(
            "Format-Table",
            &["ft"],
            "Formats the output as a table.",
            "The objects as a table with one column per property.",
            format_params(),
            "String",
        )
        .examples(vec![example(
            "Chosen columns",
            "Get-ChildItem Cert:\\LocalMachine\\My | Format-Table Thumbprint, NotAfter",
            "A table fitted to the terminal width.",
        )]),
        true,
        |session, args, input| {
            let items = input_items(args, input, "InputObject");
            for item in &items {
                session.refresh_for_display(item);
            }
            let Some(first) = items.first() else {
                return Ok(Vec::new());
            };
            let wanted = property_list(args);
            let columns = if wanted.is_empty() {
                first.default_columns()
            } else {
                resolve_properties(first, &wanted)
            };
            if columns.is_empty() {
                return Ok(items.iter().map(|i| Value::String(i.to_text())).collect());
            }
            Ok(vec![Value::String(format!(
                "\n{}",
                render_table(&items, &columns)
            ))])
        },
    )
}

pub fn out_string() -> Builtin {
    Builtin::new(
        command_info(
            "Out-String",
            &[],
            "Outputs input objects as a string.",
            "Renders the objects as the console would, as one string.",
            vec![param("InputObject", T::Any, "The objects.").takes_pipeline_input()],
            "String",
        )
        .examples(vec![example(
            "Output as text",
            "$text = Get-ChildItem Cert:\\LocalMachine\\My | Out-String",
            "The text the console would show.",
        )]),
        true,
        |session, args, input| {
            let items = input_items(args, input, "InputObject");
            for item in &items {
                session.refresh_for_display(item);
            }
            Ok(vec![Value::String(crate::format::render_to_string(&items))])
        },
    )
}

/// One CommandInfo row of Get-Command.
fn command_row(command_type: &str, name: &str, version: &str, source: &str) -> Value {
    Value::object(
        "CommandInfo",
        vec![
            ("CommandType".into(), Value::String(command_type.into())),
            ("Name".into(), Value::String(name.into())),
            ("Version".into(), Value::String(version.into())),
            ("Source".into(), Value::String(source.into())),
        ],
    )
}

fn get_command_run(
    session: &mut Session,
    args: &BoundArguments,
    _: Option<&Value>,
) -> CommandResult {
    use crate::engine::operators::wildcard_match;
    let patterns: Vec<String> = args
        .get("Name")
        .map(|v| v.clone().into_items().iter().map(Value::to_text).collect())
        .filter(|p: &Vec<String>| !p.is_empty())
        .unwrap_or_else(|| vec!["*".into()]);
    let verb = args.text("Verb").unwrap_or_else(|| "*".into());
    let noun = args.text("Noun").unwrap_or_else(|| "*".into());
    let kind = args.text("CommandType");
    let mut out = Vec::new();
    for pattern in &patterns {
        let before = out.len();
        for c in session.commands() {
            let info = c.info();
            let (v, n) = info.name.split_once('-').unwrap_or((&info.name, ""));
            let named = wildcard_match(pattern, &info.name, false)
                || info.aliases.iter().any(|a| a.eq_ignore_ascii_case(pattern));
            let command_type = if info.synopsis == "A function defined in the script." {
                "Function"
            } else {
                "Cmdlet"
            };
            if named
                && wildcard_match(&verb, v, false)
                && wildcard_match(&noun, n, false)
                && kind
                    .as_deref()
                    .is_none_or(|k| k.eq_ignore_ascii_case(command_type))
            {
                out.push(command_row(
                    command_type,
                    &info.name,
                    env!("CARGO_PKG_VERSION"),
                    c.module().unwrap_or("certhost"),
                ));
            }
        }
        // A program on PATH (or by path), as pwsh lists an Application.
        if out.len() == before
            && !pattern.contains(['*', '?'])
            && kind
                .as_deref()
                .is_none_or(|k| k.eq_ignore_ascii_case("Application"))
            && let Some(path) = crate::engine::native::find_executable(pattern)
        {
            let name = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| pattern.clone());
            out.push(command_row(
                "Application",
                &name,
                "0.0.0.0",
                &path.to_string_lossy(),
            ));
        }
        if out.len() == before && !pattern.contains(['*', '?']) {
            let error = CommandError {
                target: Some(pattern.clone()),
                ..CommandError::new(
                    "Get-Command",
                    "ObjectNotFound",
                    "CommandNotFoundException",
                    format!(
                        "The term '{pattern}' is not recognized as a name of a cmdlet, function, script file, or executable program."
                    ),
                )
            };
            // One name not found among several is reported, and the others are listed.
            if patterns.len() == 1 {
                return Err(error.into());
            }
            session.write_error(error)?;
        }
    }
    Ok(out)
}

pub fn get_command() -> Builtin {
    Builtin::new(
        command_info(
            "Get-Command",
            &["gcm"],
            "Gets all commands.",
            "Lists the cmdlets (from the host and its components), functions and programs on PATH, optionally filtered by -Name (one or more names, wildcards allowed), -Verb, -Noun and -CommandType (Cmdlet, Function, Application). A name that matches nothing is an error.",
            vec![
                param("Name", T::TextList, "Command names (wildcards allowed).").position(0),
                param("Verb", T::Text, "The verb (before the dash; wildcards allowed)."),
                param("Noun", T::Text, "The noun (after the dash; wildcards allowed)."),
                param("CommandType", T::Text, "Cmdlet, Function or Application.")
                    .aliases(&["Type"])
                    .values(&["Cmdlet", "Function", "Application"]),
            ],
            "CommandInfo",
        )
        .examples(vec![example(
            "One command",
            "Get-Command New-SelfSignedCertificate",
            "Without a name, every command of the session.",
        )]),
        false,
        get_command_run,
    )
}

pub fn out_null() -> Builtin {
    Builtin::new(
        command_info(
            "Out-Null",
            &[],
            "Hides the output instead of sending it down the pipeline.",
            "Discards its input.",
            vec![param("InputObject", T::Any, "The objects to discard.").takes_pipeline_input()],
            "None",
        )
        .examples(vec![example(
            "Discard output",
            "New-SelfSignedCertificate -DnsName www.contoso.com | Out-Null",
            "The certificate is made; nothing is shown.",
        )]),
        true,
        |_, _, _| Ok(Vec::new()),
    )
}
