//! The other output streams and the console: `Write-Debug`, `Write-Information`,
//! `Write-Progress`, `Clear-Host`.

use super::utility::Builtin;
use crate::engine::command::{
    CmdletExt, ParamExt, ParameterType as T, command_info, example, param,
};
use std::io::{IsTerminal, Write};

pub fn write_debug() -> Builtin {
    Builtin::new(
        command_info(
            "Write-Debug",
            &[],
            "Writes a debug message.",
            "Writes DEBUG: <message> when $DebugPreference is Continue (or the command is given -Debug); 5> redirects it.",
            vec![param("Message", T::Text, "The message.").position(0)],
            "None",
        )
        .examples(vec![example(
            "A line shown with -Debug",
            "Write-Debug 'Store opened' -Debug",
            "Without -Debug (and with $DebugPreference SilentlyContinue) nothing is written.",
        )]),
        false,
        |session, args, _| {
            session.debug(&args.text("Message").unwrap_or_default());
            Ok(Vec::new())
        },
    )
}

pub fn write_information() -> Builtin {
    Builtin::new(
        command_info(
            "Write-Information",
            &[],
            "Writes to the information stream.",
            "Writes the message when $InformationPreference (or -InformationAction) is Continue; 6> redirects it, as it does Write-Host.",
            vec![
                param("MessageData", T::Any, "The message.")
                    .position(0)
                    .aliases(&["Message", "Msg"]),
                param("Tags", T::TextList, "Tags (accepted; not shown)."),
            ],
            "None",
        )
        .examples(vec![example(
            "A line shown with -InformationAction Continue",
            "Write-Information 'Renewal scheduled' -InformationAction Continue",
            "By default ($InformationPreference SilentlyContinue) nothing is shown.",
        )]),
        false,
        |session, args, _| {
            let preference = session.variable("InformationPreference").to_text();
            let text = args.get("MessageData").map(|v| v.to_text()).unwrap_or_default();
            // Shown when the preference says so; redirected (`6>&1`, `6> file`) also when
            // it is not shown, as pwsh does.
            let redirected = session.redirect.information != crate::engine::session::StreamTarget::Default;
            if preference.eq_ignore_ascii_case("Continue") || (redirected && !preference.eq_ignore_ascii_case("Ignore")) {
                session.information(&text);
            } else if !preference.eq_ignore_ascii_case("Ignore") {
                // Not shown, but kept by -InformationVariable.
                session.information_unshown(&text);
            }
            Ok(Vec::new())
        },
    )
}

/// One line of a progress bar: `Activity [=====     ] 50% Status`.
fn progress_line(activity: &str, status: &str, percent: Option<i64>, width: usize) -> String {
    match percent {
        Some(p) => {
            let p = p.clamp(0, 100) as usize;
            let filled = width * p / 100;
            format!(
                "{activity} [{}{}] {p}% {status}",
                "=".repeat(filled),
                " ".repeat(width - filled)
            )
        }
        None => format!("{activity} {status}"),
    }
}

pub fn write_progress() -> Builtin {
    Builtin::new(
        command_info(
            "Write-Progress",
            &[],
            "Shows a progress bar.",
            "On a terminal, draws `Activity [====    ] N% Status` on one line of the error stream, redrawn in place; -Completed clears it. When output is not a terminal (scripts, CI) nothing is written.",
            vec![
                param("Activity", T::Text, "What is in progress.").position(0),
                param("Status", T::Text, "The current step.").position(1),
                param("PercentComplete", T::Integer, "How far along, 0-100."),
                param("Id", T::Integer, "The bar's id (accepted)."),
                param("CurrentOperation", T::Text, "Shown after the status."),
                param("Completed", T::Switch, "Removes the bar."),
            ],
            "None",
        )
        .examples(vec![example(
            "Progress through a loop",
            "1..3 | ForEach-Object { Write-Progress -Activity 'Importing' -Status \"$_ of 3\" -PercentComplete ($_ * 33) }\nWrite-Progress -Activity 'Importing' -Completed",
            "Drawn only on a terminal.",
        )]),
        false,
        |session, args, _| {
            if !std::io::stderr().is_terminal()
                || session
                    .variable("ProgressPreference")
                    .to_text()
                    .eq_ignore_ascii_case("SilentlyContinue")
            {
                return Ok(Vec::new());
            }
            let mut err = std::io::stderr();
            if args.switch("Completed") {
                let _ = write!(err, "\r\x1b[2K");
            } else {
                let status = [args.text("Status"), args.text("CurrentOperation")]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let percent = args
                    .get("PercentComplete")
                    .and_then(crate::engine::operators::to_number)
                    .map(|n| n.as_int());
                let activity = args.text("Activity").unwrap_or_default();
                let line = progress_line(&activity, &status, percent, 30);
                let _ = write!(err, "\r\x1b[2K\x1b[36m{line}\x1b[0m");
            }
            let _ = err.flush();
            Ok(Vec::new())
        },
    )
}

pub fn clear_host() -> Builtin {
    Builtin::new(
        command_info(
            "Clear-Host",
            &["cls", "clear"],
            "Clears the terminal.",
            "Clears the screen and moves the cursor home, on a terminal; does nothing otherwise.",
            Vec::new(),
            "None",
        )
        .examples(vec![example(
            "A clean screen",
            "Clear-Host",
            "Nothing is written when output is not a terminal.",
        )]),
        false,
        |_, _, _| {
            if std::io::stdout().is_terminal() {
                let mut out = std::io::stdout();
                let _ = write!(out, "\x1b[2J\x1b[3J\x1b[H");
                let _ = out.flush();
            }
            Ok(Vec::new())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_bars_fill_in_proportion() {
        assert_eq!(
            progress_line("Import", "2 of 4", Some(50), 10),
            "Import [=====     ] 50% 2 of 4"
        );
        assert_eq!(
            progress_line("Import", "", Some(150), 4),
            "Import [====] 100% "
        );
        assert_eq!(progress_line("Scan", "busy", None, 4), "Scan busy");
    }
}
