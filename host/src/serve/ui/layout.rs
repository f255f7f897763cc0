//! The frame every page shares (header, menu, sign-out), and small pieces the pages
//! repeat: expiry wording and colours, form errors, query strings.

use super::SignedIn;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// The menu's sections.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Certificates,
    Install,
    Bindings,
    Appliances,
    Expiry,
    None,
}

const MENU: &[(Section, &str, &str)] = &[
    (Section::Certificates, "/ui/certificates", "Certificates"),
    (Section::Install, "/ui/install", "Install"),
    (Section::Bindings, "/ui/bindings", "Bindings"),
    (Section::Appliances, "/ui/appliances", "Appliances"),
    (Section::Expiry, "/ui/expiry", "Expiry"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " – certhost" }
            link rel="stylesheet" href="/ui/assets/style.css";
            script src="/ui/assets/app.js" defer {}
        }
    }
}

/// A page of the signed-in pages.
pub fn page(signed: &SignedIn, section: Section, title: &str, body: Markup) -> Response {
    page_with_status(signed, StatusCode::OK, section, title, body)
}

/// A page with a status other than 200 (a form with errors: 422).
pub fn page_with_status(
    signed: &SignedIn,
    status: StatusCode,
    section: Section,
    title: &str,
    body: Markup,
) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                a.skip href="#main" { "Skip to the content" }
                header.top {
                    a.brand href="/ui/certificates" { "certhost" }
                    nav aria-label="Main" {
                        ul {
                            @for (s, href, label) in MENU {
                                li {
                                    @if *s == section {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    form.sign-out method="post" action="/ui/sign-out" {
                        input type="hidden" name="csrf" value=(signed.csrf);
                        span.user { (signed.user) }
                        button type="submit" { "Sign out" }
                    }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

/// A page with one message (a refusal, a missing item).
pub fn message_page(signed: &SignedIn, status: StatusCode, title: &str, text: &str) -> Response {
    page_with_status(
        signed,
        status,
        Section::None,
        title,
        html! { p.notice.error role="alert" { (text) } },
    )
}

/// A page outside the signed-in frame (sign-in, a refusal before any session).
pub fn bare_page(status: StatusCode, title: &str, text: &str) -> Response {
    bare(
        status,
        title,
        html! { p.notice.error role="alert" { (text) } },
    )
}

/// A page outside the signed-in frame with `body`.
pub fn bare(status: StatusCode, title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body.bare {
                main #main {
                    p.brand { "certhost" }
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    (status, Html(markup.into_string())).into_response()
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(signed: &SignedIn) -> Markup {
    html! { input type="hidden" name="csrf" value=(signed.csrf); }
}

/// An error shown under a field (`id` is the field's; the field names it with
/// `aria-describedby`).
pub fn field_error(id: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = error {
            p.field-error id=(format!("{id}-error")) role="alert" { (text) }
        }
    }
}

/// A notice at the top of a page (what just happened).
pub fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text {
            p.notice.done role="status" { (text) }
        }
    }
}

/// How a certificate's expiry reads and which colour it gets.
pub struct Expiry {
    pub text: String,
    /// `ok`, `expiring` (under 30 days) or `expired`.
    pub class: &'static str,
}

const DAY: i64 = 86_400;
/// Fewer days than this left: shown as expiring.
pub const EXPIRING_DAYS: i64 = 30;

/// "in 12 days", "expired 3 days ago", "today".
pub fn expiry(not_after: i64, now: i64) -> Expiry {
    let left = not_after - now;
    if left <= 0 {
        let days = (-left) / DAY;
        return Expiry {
            text: match days {
                0 => "expired today".into(),
                1 => "expired 1 day ago".into(),
                n => format!("expired {n} days ago"),
            },
            class: "expired",
        };
    }
    // To the nearest day: a certificate made for 365 days reads "in 365 days" a minute
    // later. The colour goes by the exact time left.
    let days = (left + DAY / 2) / DAY;
    Expiry {
        text: match days {
            0 => "expires today".into(),
            1 => "in 1 day".into(),
            n => format!("in {n} days"),
        },
        class: if left < EXPIRING_DAYS * DAY {
            "expiring"
        } else {
            "ok"
        },
    }
}

/// A date and time as the pages show it: `2027-01-01 12:00 UTC`.
pub fn when(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// `text` escaped for a URL's query string or path segment.
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_reads_in_days_with_its_colour() {
        let now = 1_800_000_000;
        let e = expiry(now + 45 * DAY + 10, now);
        assert_eq!((e.text.as_str(), e.class), ("in 45 days", "ok"));
        let e = expiry(now + 29 * DAY + 10, now);
        assert_eq!((e.text.as_str(), e.class), ("in 29 days", "expiring"));
        let e = expiry(now + 10, now);
        assert_eq!((e.text.as_str(), e.class), ("expires today", "expiring"));
        let e = expiry(now + 5 * DAY - 60, now);
        assert_eq!((e.text.as_str(), e.class), ("in 5 days", "expiring"));
        let e = expiry(now + 30 * DAY - 60, now);
        assert_eq!((e.text.as_str(), e.class), ("in 30 days", "expiring"));
        let e = expiry(now - 3 * DAY - 10, now);
        assert_eq!(
            (e.text.as_str(), e.class),
            ("expired 3 days ago", "expired")
        );
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(query_escape("/ui/x?a=b c"), "%2Fui%2Fx%3Fa%3Db%20c");
    }
}
