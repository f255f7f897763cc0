//! The Expiry page: what expires in the next 90 days (and what has expired), week by
//! week: stored certificates with what uses them, and trusted appliances' certificates.

use super::SignedIn;
use super::certificates::{self, title_of};
use super::layout::{self, Section};
use crate::appliance;
use crate::serve::api::App;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use maud::html;
use std::sync::Arc;

/// How far ahead the timeline looks.
pub const HORIZON_DAYS: i64 = 90;
const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;

pub fn routes() -> Router<Arc<App>> {
    Router::new().route("/ui/expiry", get(timeline))
}

/// One thing that expires.
struct Item {
    not_after: i64,
    title: String,
    href: Option<String>,
    what: String,
}

/// The week an expiry falls in: `None` for what has expired, else 0 for the coming
/// seven days, 1 for the seven after, and so on.
fn week_of(not_after: i64, now: i64) -> Option<i64> {
    (not_after > now).then(|| (not_after - now) / WEEK)
}

fn week_title(week: i64) -> String {
    match week {
        0 => "Within 7 days".into(),
        1 => "In 8 to 14 days".into(),
        n => format!("In {} to {} days", n * 7 + 1, (n + 1) * 7),
    }
}

/// `GET /ui/expiry`.
async fn timeline(State(app): State<Arc<App>>, signed: SignedIn) -> Response {
    let rows = match certificates::rows(&app).await {
        Ok(rows) => rows,
        Err(e) => return certificates::unavailable(&signed, &e),
    };
    let now = crate::clock::now();
    let horizon = now + HORIZON_DAYS * DAY;
    let mut items: Vec<Item> = rows
        .iter()
        .filter_map(|r| {
            let info = r.info.as_ref()?;
            (info.not_after <= horizon).then(|| Item {
                not_after: info.not_after,
                title: title_of(r),
                href: Some(certificates::detail_href(&r.store, &r.thumbprint)),
                what: if r.uses.is_empty() {
                    format!("store {}, not in use", r.store)
                } else {
                    format!("store {}; used by {}", r.store, r.uses.join(", "))
                },
            })
        })
        .collect();
    for peer in app.db().list_peers().unwrap_or_default() {
        if let Ok(facts) = appliance::certificate_facts(&peer.certificate)
            && facts.not_after <= horizon
        {
            items.push(Item {
                not_after: facts.not_after,
                title: facts.subject,
                href: None,
                what: format!("trusted appliance {} ({})", peer.name, peer.address),
            });
        }
    }
    items.sort_by_key(|i| i.not_after);
    let expired: Vec<&Item> = items
        .iter()
        .filter(|i| week_of(i.not_after, now).is_none())
        .collect();
    let weeks = (HORIZON_DAYS * DAY + WEEK - 1) / WEEK;
    let body = html! {
        p { "What expires in the next " (HORIZON_DAYS) " days, nearest first. Certificates with under 30 days left are marked." }
        @if items.is_empty() {
            p.notice.done { "Nothing expires in the next " (HORIZON_DAYS) " days." }
        }
        @if !expired.is_empty() {
            section.week aria-labelledby="expired" {
                h2 #expired { "Expired" }
                ol.timeline { @for i in &expired { (item(i, now)) } }
            }
        }
        @for week in 0..weeks {
            @let these: Vec<&Item> = items.iter().filter(|i| week_of(i.not_after, now) == Some(week)).collect();
            @if !these.is_empty() {
                section.week aria-labelledby=(format!("week-{week}")) {
                    h2 id=(format!("week-{week}")) { (week_title(week)) }
                    ol.timeline { @for i in &these { (item(i, now)) } }
                }
            }
        }
    };
    layout::page(&signed, Section::Expiry, "Expiry", body)
}

fn item(i: &Item, now: i64) -> maud::Markup {
    let e = layout::expiry(i.not_after, now);
    let days_left = ((i.not_after - now).max(0) / DAY).min(HORIZON_DAYS);
    html! {
        li class=(e.class) {
            meter min="0" max=(HORIZON_DAYS) low="30" optimum=(HORIZON_DAYS) value=(days_left)
                aria-label=(format!("{} days left of {}", days_left, HORIZON_DAYS)) {}
            span.when { (e.text) " · " (layout::when(i.not_after)) }
            @match &i.href {
                Some(href) => a href=(href) { (i.title) },
                None => strong { (i.title) },
            }
            span.what { (i.what) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiries_fall_in_weeks_from_now() {
        let now = 1_800_000_000;
        assert_eq!(week_of(now - 1, now), None);
        assert_eq!(week_of(now + 1, now), Some(0));
        assert_eq!(week_of(now + 7 * DAY, now), Some(1));
        assert_eq!(week_of(now + 89 * DAY, now), Some(12));
        assert_eq!(week_title(2), "In 15 to 21 days");
    }
}
