//! ACME state: the challenges `certhost serve` answers while an ACME server validates an
//! order (written by whichever process runs the order, read by the server's catalog),
//! and the registrations of slots whose certificate an ACME server issued, which the
//! server renews. Account keys are kept sealed beside the appliance secrets.

use super::{Database, StoreError};
use rusqlite::{OptionalExtension, params};

/// A challenge answer: for `tls-alpn-01` the key authorization goes into the challenge
/// certificate, for `http-01` it is the body served at the token's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcmeChallenge {
    /// `tls-alpn-01` or `http-01`.
    pub kind: String,
    /// A DNS name (lowercase) or an IP address as text.
    pub identifier: String,
    pub token: String,
    pub key_authorization: String,
    /// Unix seconds after which the answer is no longer served.
    pub expires_at: i64,
}

/// A slot whose certificate an ACME server issued, with what renewing it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcmeRegistration {
    /// Canonical slot name.
    pub slot: String,
    /// The ACME directory URL.
    pub directory: String,
    /// `dns:name` or `ip:address`, in order.
    pub identifiers: Vec<String>,
    /// `TlsAlpn01`, `Http01` or `Dns01Script`.
    pub challenge: String,
    pub dns_script: Option<String>,
    /// The port the ACME server connects to for tls-alpn-01 or http-01 (checked before
    /// each renewal's challenge is announced).
    pub challenge_port: Option<u16>,
    /// `RSA2048`, `ECDSA_P256`, ...
    pub key_algorithm: String,
    /// PEM roots to trust for the directory's own TLS certificate (none: the system's).
    pub root_pem: Option<String>,
    pub thumbprint: String,
    pub not_before: i64,
    pub not_after: i64,
    pub issued_at: i64,
    pub last_attempt: Option<i64>,
    pub last_error: Option<String>,
    pub failures: i64,
    pub next_attempt: Option<i64>,
}

const REGISTRATION_COLUMNS: &str = "slot, directory, identifiers, challenge, dns_script, challenge_port, key_algorithm, root_pem, thumbprint, not_before, not_after, issued_at, last_attempt, last_error, failures, next_attempt";

fn registration(r: &rusqlite::Row<'_>) -> rusqlite::Result<AcmeRegistration> {
    let identifiers: String = r.get(2)?;
    Ok(AcmeRegistration {
        slot: r.get(0)?,
        directory: r.get(1)?,
        identifiers: identifiers
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        challenge: r.get(3)?,
        dns_script: r.get(4)?,
        challenge_port: r.get(5)?,
        key_algorithm: r.get(6)?,
        root_pem: r.get(7)?,
        thumbprint: r.get(8)?,
        not_before: r.get(9)?,
        not_after: r.get(10)?,
        issued_at: r.get(11)?,
        last_attempt: r.get(12)?,
        last_error: r.get(13)?,
        failures: r.get(14)?,
        next_attempt: r.get(15)?,
    })
}

/// The sealed-secret name of the account key for an ACME directory.
pub fn acme_account_secret(directory: &str) -> String {
    format!("acme-account {directory}")
}

impl Database {
    /// Publishes challenge answers (replacing an earlier answer for the same token).
    pub fn put_acme_challenges(&mut self, answers: &[AcmeChallenge]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for a in answers {
            tx.execute(
                "INSERT INTO acme_challenges (kind, identifier, token, key_authorization, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, identifier, token) DO UPDATE SET
                   key_authorization = excluded.key_authorization, expires_at = excluded.expires_at",
                params![a.kind, a.identifier, a.token, a.key_authorization, a.expires_at],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Withdraws the answers for these tokens, and every expired one.
    pub fn remove_acme_challenges(
        &mut self,
        tokens: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for token in tokens {
            tx.execute("DELETE FROM acme_challenges WHERE token = ?1", [token])?;
        }
        tx.execute("DELETE FROM acme_challenges WHERE expires_at < ?1", [now])?;
        tx.commit()?;
        Ok(())
    }

    /// The answers still valid at `now`.
    pub fn list_acme_challenges(&self, now: i64) -> Result<Vec<AcmeChallenge>, StoreError> {
        Ok(self
            .conn
            .prepare(
                "SELECT kind, identifier, token, key_authorization, expires_at FROM acme_challenges
                 WHERE expires_at >= ?1 ORDER BY kind, identifier, token",
            )?
            .query_map([now], |r| {
                Ok(AcmeChallenge {
                    kind: r.get(0)?,
                    identifier: r.get(1)?,
                    token: r.get(2)?,
                    key_authorization: r.get(3)?,
                    expires_at: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?)
    }

    /// Records (or replaces) the registration of a slot's ACME certificate.
    pub fn put_acme_registration(&mut self, r: &AcmeRegistration) -> Result<(), StoreError> {
        self.conn.execute(
            &format!(
                "INSERT OR REPLACE INTO acme_registrations ({REGISTRATION_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
            ),
            params![
                r.slot,
                r.directory,
                r.identifiers.join(" "),
                r.challenge,
                r.dns_script,
                r.challenge_port,
                r.key_algorithm,
                r.root_pem,
                r.thumbprint,
                r.not_before,
                r.not_after,
                r.issued_at,
                r.last_attempt,
                r.last_error,
                r.failures,
                r.next_attempt
            ],
        )?;
        Ok(())
    }

    pub fn list_acme_registrations(&self) -> Result<Vec<AcmeRegistration>, StoreError> {
        Ok(self
            .conn
            .prepare(&format!(
                "SELECT {REGISTRATION_COLUMNS} FROM acme_registrations ORDER BY slot"
            ))?
            .query_map([], registration)?
            .collect::<Result<_, _>>()?)
    }

    pub fn get_acme_registration(
        &self,
        slot: &str,
    ) -> Result<Option<AcmeRegistration>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {REGISTRATION_COLUMNS} FROM acme_registrations WHERE slot = ?1"),
                [slot],
                registration,
            )
            .optional()?)
    }

    /// Records a failed renewal attempt: the error, one more failure, when to try next.
    pub fn record_acme_failure(
        &mut self,
        slot: &str,
        at: i64,
        error: &str,
        next_attempt: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE acme_registrations SET last_attempt = ?2, last_error = ?3,
               failures = failures + 1, next_attempt = ?4 WHERE slot = ?1",
            params![slot, at, error, next_attempt],
        )?;
        Ok(())
    }

    /// Forgets a slot's registration (its certificate is no longer renewed).
    pub fn remove_acme_registration(&mut self, slot: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM acme_registrations WHERE slot = ?1", [slot])?
            > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(slot: &str) -> AcmeRegistration {
        AcmeRegistration {
            slot: slot.into(),
            directory: "https://127.0.0.1:14000/dir".into(),
            identifiers: vec!["ip:127.0.0.1".into(), "dns:backup01.tech.local".into()],
            challenge: "TlsAlpn01".into(),
            dns_script: None,
            challenge_port: Some(5001),
            key_algorithm: "ECDSA_P256".into(),
            root_pem: Some("-----BEGIN CERTIFICATE-----\n".into()),
            thumbprint: "AB".into(),
            not_before: 10,
            not_after: 100,
            issued_at: 11,
            last_attempt: None,
            last_error: None,
            failures: 0,
            next_attempt: None,
        }
    }

    #[test]
    fn registrations_round_trip_and_count_failures() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open(dir.path()).unwrap();
        db.put_acme_registration(&sample("BackupServer")).unwrap();
        assert_eq!(
            db.list_acme_registrations().unwrap(),
            vec![sample("BackupServer")]
        );
        db.record_acme_failure("backupserver", 50, "refused", 60)
            .unwrap();
        db.record_acme_failure("BackupServer", 61, "refused again", 80)
            .unwrap();
        let r = db.get_acme_registration("BackupServer").unwrap().unwrap();
        assert_eq!(r.failures, 2);
        assert_eq!(r.last_error.as_deref(), Some("refused again"));
        assert_eq!((r.last_attempt, r.next_attempt), (Some(61), Some(80)));
        // A renewal replaces the row and clears the failures.
        db.put_acme_registration(&sample("BackupServer")).unwrap();
        assert_eq!(
            db.get_acme_registration("BackupServer")
                .unwrap()
                .unwrap()
                .failures,
            0
        );
        assert!(db.remove_acme_registration("BackupServer").unwrap());
        assert!(db.list_acme_registrations().unwrap().is_empty());
    }

    #[test]
    fn challenges_expire_and_are_withdrawn_by_token() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open(dir.path()).unwrap();
        let answer = |token: &str, expires_at| AcmeChallenge {
            kind: "http-01".into(),
            identifier: "127.0.0.1".into(),
            token: token.into(),
            key_authorization: format!("{token}.thumb"),
            expires_at,
        };
        db.put_acme_challenges(&[answer("a", 100), answer("b", 200)])
            .unwrap();
        assert_eq!(
            db.list_acme_challenges(150).unwrap(),
            vec![answer("b", 200)]
        );
        db.remove_acme_challenges(&["b".into()], 150).unwrap();
        assert!(
            db.list_acme_challenges(0).unwrap().is_empty(),
            "a expired, b withdrawn"
        );
    }

    #[test]
    fn account_secrets_are_sealed_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open(dir.path()).unwrap();
        let name = acme_account_secret("https://acme.example/dir");
        assert!(db.sealed_secret(&name).unwrap().is_none());
        db.set_sealed_secret(&name, b"{\"id\":1}").unwrap();
        db.set_sealed_secret(&name, b"{\"id\":2}").unwrap();
        assert_eq!(
            &db.sealed_secret(&name).unwrap().unwrap()[..],
            b"{\"id\":2}"
        );
        let raw: Vec<u8> = db
            .conn
            .query_row(
                "SELECT blob FROM appliance_secrets WHERE name = ?1",
                [&name],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!raw.windows(6).any(|w| w == b"\"id\":2"), "sealed at rest");
    }
}
