//! The `certhost` binary.

use certhost::builtins;
use certhost::cli::{self, Mode};
use certhost::engine::session::Outcome;
use certhost::engine::{Session, SessionOptions, Value};
use certhost::format::Formatter;
use certhost::services::Host;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::rc::Rc;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "certhost: internal error: {info}. Please report this; no stored state was changed by the failed step."
        );
    }));
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == "serve") {
        return serve(&args[1..]);
    }
    if args.first().is_some_and(|a| a == "component") {
        let words: Vec<String> = args[1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return certhost::component_command::run(&words);
    }
    let cli = match cli::parse(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 64 } else { 0 });
        }
    };
    // The interpreter recurses as scripts nest; a large stack lets the call-depth limit,
    // not the stack, decide how deep a script may go.
    let shell = std::thread::Builder::new()
        .name("certhost-shell".into())
        .stack_size(SHELL_STACK_BYTES)
        .spawn(move || run(&cli));
    match shell.map(|t| t.join()) {
        Ok(Ok(Ok(code))) => code,
        Ok(Ok(Err(message))) => {
            eprintln!("certhost: {message}");
            ExitCode::from(1)
        }
        // The panic hook has reported it.
        Ok(Err(_)) => ExitCode::from(70),
        Err(e) => {
            eprintln!("certhost: cannot start the shell: {e}");
            ExitCode::from(1)
        }
    }
}

/// The shell thread's stack (reserved, not committed, until used).
const SHELL_STACK_BYTES: usize = 512 << 20;

fn run(cli: &cli::Cli) -> Result<ExitCode, String> {
    let state_dir = certhost::paths::state_dir();
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    // The composition root: the services, the command table, then the shell.
    let host = Rc::new(Host::open(&state_dir, cwd)?);
    let stdin_is_terminal = std::io::stdin().is_terminal();
    let options = SessionOptions {
        non_interactive: cli.non_interactive || !stdin_is_terminal,
        color: std::io::stderr().is_terminal(),
    };
    let mut session = Session::new(
        host.clone(),
        builtins::all(),
        options,
        Box::new(std::io::stderr()),
    );
    builtins::register_builtin(&mut session).map_err(|e| e.to_string())?;
    // On a terminal, tables fit its width; piped output is never cut.
    let width = std::io::stdout()
        .is_terminal()
        .then(certhost::format::table::terminal_width)
        .flatten();
    let mut out = Formatter::new(Box::new(std::io::stdout())).with_width(width);

    let code = match cli.mode() {
        Mode::Command(text) => run_text(&mut session, &mut out, &text, true),
        Mode::CommandFromStdin => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read the command from stdin: {e}"))?;
            run_text(&mut session, &mut out, &text, true)
        }
        Mode::File { path, arguments } => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "cannot read the script '{}': {}",
                    path.display(),
                    certhost::plugin::io_reason(&e)
                )
            })?;
            let arguments: Vec<Value> = arguments.into_iter().map(Value::String).collect();
            session.set_script_location(&path);
            run_script(&mut session, &mut out, &text, arguments, false)
        }
        Mode::Interactive => interactive(&mut session, &mut out, stdin_is_terminal),
    };
    out.finish();
    Ok(code)
}

/// Runs a command's text (`-Command`, stdin).
fn run_text(
    session: &mut Session,
    out: &mut Formatter,
    text: &str,
    exit_on_last_status: bool,
) -> ExitCode {
    run_script(session, out, text, Vec::new(), exit_on_last_status)
}

/// Runs a script (its `param()` bound from `arguments`). `exit N` exits N; an uncaught
/// terminating error (`throw`, `-ErrorAction Stop`) or Ctrl+C exits 1; otherwise
/// `-Command` exits 1 when the last statement failed and `-File` exits 0, as `pwsh` does.
fn run_script(
    session: &mut Session,
    out: &mut Formatter,
    text: &str,
    arguments: Vec<Value>,
    exit_on_last_status: bool,
) -> ExitCode {
    match certhost::lang::parse_block(text) {
        Ok(block) => {
            certhost::cancel::install_handler();
            match session.run_block(&block, arguments, out) {
                Outcome::Exit(code) => ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)),
                Outcome::Terminated | Outcome::Stopped => ExitCode::from(1),
                Outcome::Completed if exit_on_last_status && !session.last_success => {
                    ExitCode::from(1)
                }
                Outcome::Completed => ExitCode::SUCCESS,
            }
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// The prompt: line editing, history and completion on a terminal; plain lines (one
/// statement each) when stdin is a pipe.
fn interactive(session: &mut Session, out: &mut Formatter, terminal: bool) -> ExitCode {
    if terminal {
        let history = certhost::paths::state_dir().join("history");
        let ok = certhost::repl::run(session, out, &history);
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let mut text = String::new();
    if std::io::stdin().read_to_string(&mut text).is_err() {
        return ExitCode::from(1);
    }
    run_text(session, out, &text, true)
}

const SERVE_HELP: &str = "Usage: certhost serve [options]

Serves the HTTPS REST API on every binding of the store (netsh http show sslcert,
Get-SslBinding), each with its certificate. Certificate and binding changes are picked up
without a restart. Stop with Ctrl+C or SIGTERM. State: $CERTHOST_HOME.

  --access-token-seconds N            lifetime of access tokens (default 900)
  --upload-limit-bytes N              largest certificate upload (default 1048576)
  --max-connections N                 open connections in all (default 4096; lowered
                                      to fit the open-file limit)
  --max-connections-per-address N     open connections from one address (default 256)
  --handshake-timeout SECONDS         to finish the TLS handshake (default 10)
  --header-timeout SECONDS            to send a request's headers after the handshake
                                      or the previous response; idle connections close
                                      after it too (default 20)
  --request-timeout SECONDS           to send a request's body and get the answer
                                      (default 60)
  --allow-connect RANGE               let connectionCertificate reach an address range
                                      refused by default (loopback, link-local...),
                                      such as 127.0.0.0/8 or fd00::/8; repeatable
  --acme-http ADDRESS                 answer ACME http-01 challenges on this address,
                                      such as 0.0.0.0:80 (default: none; tls-alpn-01
                                      is answered on every TLS binding)
  --acme-renewal-check SECONDS        how often ACME certificates are checked for
                                      renewal (default 60)";

/// `certhost serve [options]`.
fn serve(args: &[std::ffi::OsString]) -> ExitCode {
    let mut options = certhost::serve::ServeOptions {
        state_dir: certhost::paths::state_dir(),
        access_token_lifetime: std::time::Duration::from_secs(
            certhost::serve::auth::ACCESS_TOKEN_SECONDS,
        ),
        upload_limit: certhost::serve::DEFAULT_UPLOAD_LIMIT,
        limits: certhost::serve::limits::ConnectionLimits::default(),
        allow_connect: Vec::new(),
        acme_http: None,
        acme_renewal_check: std::time::Duration::from_secs(60),
    };
    let mut words = args.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(word) = words.next() {
        let mut value = |name: &str| -> Result<String, String> {
            words.next().ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |text: Result<String, String>| -> Result<u64, String> {
            let text = text?;
            text.parse()
                .map_err(|_| format!("{word} needs a whole number, not '{text}'"))
        };
        let positive = |n: Result<u64, String>| -> Result<u64, String> {
            n.and_then(|n| {
                if n == 0 {
                    Err(format!("{word} must be at least 1"))
                } else {
                    Ok(n)
                }
            })
        };
        // At most a day: a longer timeout is no timeout, and would overflow the clock.
        let seconds = |n: Result<u64, String>| {
            positive(n).and_then(|n| {
                if n > 86_400 {
                    Err(format!("{word} is at most 86400 seconds (a day), not {n}"))
                } else {
                    Ok(std::time::Duration::from_secs(n))
                }
            })
        };
        let count =
            |n: Result<u64, String>| positive(n).map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let limits = &mut options.limits;
        let parsed = match word.as_str() {
            "-h" | "--help" => {
                println!("{SERVE_HELP}");
                return ExitCode::SUCCESS;
            }
            "--access-token-seconds" => {
                seconds(number(value(&word))).map(|d| options.access_token_lifetime = d)
            }
            "--upload-limit-bytes" => positive(number(value(&word)))
                .map(|n| options.upload_limit = n.try_into().unwrap_or(usize::MAX)),
            "--max-connections" => count(number(value(&word))).map(|n| limits.max_connections = n),
            "--max-connections-per-address" => {
                count(number(value(&word))).map(|n| limits.max_per_address = n)
            }
            "--handshake-timeout" => {
                seconds(number(value(&word))).map(|d| limits.handshake_timeout = d)
            }
            "--header-timeout" => seconds(number(value(&word))).map(|d| limits.header_timeout = d),
            "--request-timeout" => {
                seconds(number(value(&word))).map(|d| limits.request_timeout = d)
            }
            "--allow-connect" => value(&word).and_then(|text| {
                text.parse::<ipnet::IpNet>()
                    .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map(|range| options.allow_connect.push(range))
                    .map_err(|_| {
                        format!(
                            "--allow-connect needs an address or range such as 127.0.0.0/8, 10.1.2.3 or fd00::/8, not '{text}'"
                        )
                    })
            }),
            "--acme-http" => value(&word).and_then(|text| {
                text.parse::<std::net::SocketAddr>()
                    .map(|address| options.acme_http = Some(address))
                    .map_err(|_| {
                        format!(
                            "--acme-http needs an address and port such as 0.0.0.0:80 or [::]:80, not '{text}'"
                        )
                    })
            }),
            "--acme-renewal-check" => {
                seconds(number(value(&word))).map(|d| options.acme_renewal_check = d)
            }
            other => Err(format!("unknown option '{other}'")),
        };
        if let Err(message) = parsed {
            eprintln!("certhost serve: {message}\n\n{SERVE_HELP}");
            return ExitCode::from(64);
        }
    }
    match certhost::serve::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("certhost serve: {message}");
            ExitCode::from(1)
        }
    }
}
