//! Automatic renewal of the certificates certhost made itself: a slot whose certificate
//! was generated automatically (the default certificate, a regenerate) gets a new one
//! once two thirds of its lifetime have passed, through the same atomic slot change as
//! every other (bindings re-pointed in one transaction). Certificates an admin chose
//! (imported, uploaded, picked from the store) are never replaced; they are the admin's.

use crate::services::worker::{SlotCall, Worker};
use crate::store::{Database, canonical_slot};
use std::time::{Duration, Instant};

/// How often slots are checked.
const CHECK_INTERVAL: Duration = Duration::from_secs(600);
/// Validity of a renewed certificate, in days: within the 366 days the Mozilla
/// intermediate profile allows.
pub const RENEWED_VALIDITY_DAYS: u32 = 365;

/// When the next check is due (the first at start).
#[derive(Default)]
pub struct Schedule {
    next: Option<Instant>,
}

impl Schedule {
    /// Whether a check is due now; if so, the next one is scheduled.
    pub fn due(&mut self, now: Instant) -> bool {
        if self.next.is_some_and(|next| now < next) {
            return false;
        }
        self.next = Some(now + CHECK_INTERVAL);
        true
    }
}

/// Whether a certificate valid from `not_before` to `not_after` (Unix seconds) should
/// be renewed at `now`: two thirds of its lifetime have passed.
pub fn renewal_due(not_before: i64, not_after: i64, now: i64) -> bool {
    let lifetime = (not_after - not_before).max(0);
    now >= not_before + lifetime * 2 / 3
}

/// An automatically generated slot certificate to check.
pub struct Candidate {
    slot: &'static str,
    thumbprint: String,
    friendly_name: String,
    certificate: Vec<u8>,
}

/// The slots whose certificate certhost generated, with their certificates.
pub fn candidates(db: &Database) -> Vec<Candidate> {
    let slots = match db.list_slots() {
        Ok(slots) => slots,
        Err(e) => {
            super::log(&format!("renewal check: cannot read the slots: {e}"));
            return Vec::new();
        }
    };
    slots
        .into_iter()
        .filter(|s| s.automatically_generated)
        .filter_map(|slot| {
            let name = canonical_slot(&slot.slot).ok()?;
            match db.get_certificate_without_key(&slot.store, &slot.thumbprint) {
                Ok(Some(stored)) => Some(Candidate {
                    slot: name,
                    thumbprint: slot.thumbprint,
                    friendly_name: stored.friendly_name,
                    certificate: stored.certificate,
                }),
                Ok(None) => None,
                Err(e) => {
                    super::log(&format!(
                        "renewal check of {name}: cannot read its certificate: {e}"
                    ));
                    None
                }
            }
        })
        .collect()
}

/// Renews each candidate that is due; each renewal is logged, and a failure is logged
/// loudly and leaves the slot as it was.
pub async fn renew_due(candidates: Vec<Candidate>, worker: &Worker) {
    for candidate in candidates {
        let name = candidate.slot;
        let info = match worker.inspect(candidate.certificate).await {
            Ok(Some(info)) => info,
            Ok(None) => continue,
            Err(e) => {
                super::log(&format!(
                    "renewal check of {name}: the component failed: {e}"
                ));
                continue;
            }
        };
        if !renewal_due(info.not_before, info.not_after, crate::clock::now()) {
            continue;
        }
        let call = SlotCall::Generate {
            friendly_name: candidate.friendly_name,
            days: RENEWED_VALIDITY_DAYS,
        };
        let expires = super::model::timestamp(info.not_after);
        let retry = CHECK_INTERVAL.as_secs() / 60;
        match worker.slot(name, call).await {
            Ok(Ok(_)) => super::log(&format!(
                "renewed the automatically generated {name} certificate {} (it expires {expires}); bindings now use the new one",
                candidate.thumbprint
            )),
            Ok(Err(e)) => super::log(&format!(
                "RENEWAL FAILED for the {name} certificate {} (expires {expires}): {}; the slot and its bindings are unchanged, next try in {retry} minutes",
                candidate.thumbprint, e.message
            )),
            Err(e) => super::log(&format!(
                "RENEWAL FAILED for the {name} certificate {} (expires {expires}): the component failed: {e}; next try in {retry} minutes",
                candidate.thumbprint
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_is_due_after_two_thirds_of_the_lifetime() {
        let day = 86_400;
        let start = 1_800_000_000;
        let end = start + 365 * day;
        assert!(!renewal_due(start, end, start));
        assert!(!renewal_due(start, end, start + 243 * day));
        assert!(renewal_due(start, end, start + 244 * day));
        assert!(renewal_due(start, end, end + day), "expired");
        // Six-day certificates renew on day four.
        assert!(!renewal_due(start, start + 6 * day, start + 3 * day));
        assert!(renewal_due(start, start + 6 * day, start + 4 * day));
    }

    #[test]
    fn checks_run_at_start_then_once_per_interval() {
        let mut schedule = Schedule::default();
        let t = Instant::now();
        assert!(schedule.due(t));
        assert!(!schedule.due(t + Duration::from_secs(1)));
        assert!(schedule.due(t + CHECK_INTERVAL));
    }
}
