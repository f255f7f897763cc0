//! When an ACME certificate renews, and how its registration reads: two thirds into its
//! lifetime; after a failure, again after a delay that doubles with each failure (from
//! a twentieth of the lifetime, between 10 s and 1 h, at most 6 h).

use super::{AcmeError, AcmeIdentifier, ChallengeKind, OrderSpec};
use crate::store::AcmeRegistration;

/// When a certificate valid from `not_before` to `not_after` should be renewed.
pub fn renew_at(not_before: i64, not_after: i64) -> i64 {
    not_before + (not_after - not_before).max(0) * 2 / 3
}

/// Whether the registration's certificate should be renewed now.
pub fn due(r: &AcmeRegistration, now: i64) -> bool {
    now >= renew_at(r.not_before, r.not_after) && r.next_attempt.is_none_or(|next| now >= next)
}

/// Seconds to wait after the `failures`th failure in a row.
pub fn retry_delay(lifetime: i64, failures: i64) -> i64 {
    let base = (lifetime / 20).clamp(10, 3600);
    let doubled = base.saturating_mul(1 << failures.clamp(1, 10).saturating_sub(1));
    doubled.min(6 * 3600)
}

/// How a registration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenewalStatus {
    /// Not yet due.
    Valid,
    /// Due, and no attempt failed yet.
    RenewalDue,
    /// The last attempt failed; retries go on.
    Failing,
    /// The certificate expired.
    Expired,
}

impl RenewalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RenewalStatus::Valid => "Valid",
            RenewalStatus::RenewalDue => "RenewalDue",
            RenewalStatus::Failing => "Failing",
            RenewalStatus::Expired => "Expired",
        }
    }

    /// Whether monitoring should raise an alarm.
    pub fn is_healthy(self) -> bool {
        matches!(self, RenewalStatus::Valid | RenewalStatus::RenewalDue)
    }
}

pub fn status(r: &AcmeRegistration, now: i64) -> RenewalStatus {
    if now >= r.not_after {
        RenewalStatus::Expired
    } else if r.failures > 0 {
        RenewalStatus::Failing
    } else if now >= renew_at(r.not_before, r.not_after) {
        RenewalStatus::RenewalDue
    } else {
        RenewalStatus::Valid
    }
}

/// The order a registration renews with.
pub fn spec(r: &AcmeRegistration) -> Result<OrderSpec, AcmeError> {
    Ok(OrderSpec {
        directory: r.directory.clone(),
        identifiers: r
            .identifiers
            .iter()
            .map(|i| AcmeIdentifier::from_tagged(i))
            .collect::<Result<_, _>>()?,
        challenge: ChallengeKind::from_registration(r)?,
        root_pem: r.root_pem.clone(),
        self_check_port: r.challenge_port,
    })
}

/// What an issuance records for the slot's renewals.
pub struct Issued<'a> {
    pub slot: &'a str,
    pub spec: &'a OrderSpec,
    pub key_algorithm: &'a str,
    pub thumbprint: String,
    pub not_before: i64,
    pub not_after: i64,
}

pub fn registration(issued: Issued<'_>, now: i64) -> AcmeRegistration {
    let (challenge, dns_script) = match &issued.spec.challenge {
        ChallengeKind::Dns01Script(script) => ("Dns01Script", Some(script.clone())),
        other => (other.name(), None),
    };
    AcmeRegistration {
        slot: issued.slot.to_string(),
        directory: issued.spec.directory.clone(),
        identifiers: issued
            .spec
            .identifiers
            .iter()
            .map(AcmeIdentifier::tagged)
            .collect(),
        challenge: challenge.into(),
        dns_script,
        challenge_port: issued.spec.self_check_port,
        key_algorithm: issued.key_algorithm.to_string(),
        root_pem: issued.spec.root_pem.clone(),
        thumbprint: issued.thumbprint,
        not_before: issued.not_before,
        not_after: issued.not_after,
        issued_at: now,
        last_attempt: Some(now),
        last_error: None,
        failures: 0,
        next_attempt: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(not_before: i64, not_after: i64) -> AcmeRegistration {
        let spec = OrderSpec {
            directory: "https://127.0.0.1:14000/dir".into(),
            identifiers: vec![AcmeIdentifier::Ip("127.0.0.1".parse().unwrap())],
            challenge: ChallengeKind::Dns01Script("/usr/local/bin/dns-hook".into()),
            root_pem: None,
            self_check_port: None,
        };
        registration(
            Issued {
                slot: "BackupServer",
                spec: &spec,
                key_algorithm: "RSA2048",
                thumbprint: "AB".into(),
                not_before,
                not_after,
            },
            not_before,
        )
    }

    #[test]
    fn six_day_certificates_renew_on_day_four_and_retries_back_off() {
        let day = 86_400;
        let mut r = registered(0, 6 * day);
        assert!(!due(&r, 4 * day - 1));
        assert!(due(&r, 4 * day));
        assert_eq!(status(&r, day), RenewalStatus::Valid);
        assert_eq!(status(&r, 4 * day), RenewalStatus::RenewalDue);
        r.failures = 1;
        r.next_attempt = Some(4 * day + retry_delay(6 * day, 1));
        assert!(!due(&r, 4 * day + 1), "waits for the retry");
        assert!(due(&r, r.next_attempt.unwrap()));
        assert_eq!(status(&r, 4 * day), RenewalStatus::Failing);
        assert!(!status(&r, 4 * day).is_healthy());
        assert_eq!(status(&r, 6 * day), RenewalStatus::Expired);
        // Doubling, bounded.
        assert_eq!(retry_delay(6 * day, 1), 3600);
        assert_eq!(retry_delay(6 * day, 2), 7200);
        assert_eq!(retry_delay(6 * day, 30), 6 * 3600);
        assert_eq!(
            retry_delay(30, 1),
            10,
            "short-lived test certificates retry quickly"
        );
    }

    #[test]
    fn a_registration_gives_back_its_order() {
        let r = registered(0, 100);
        let spec = spec(&r).unwrap();
        assert_eq!(
            spec.challenge,
            ChallengeKind::Dns01Script("/usr/local/bin/dns-hook".into())
        );
        assert_eq!(
            spec.identifiers,
            vec![AcmeIdentifier::Ip("127.0.0.1".parse().unwrap())]
        );
    }
}
