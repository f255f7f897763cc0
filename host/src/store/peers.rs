//! The trust list: remote appliances whose keys this server trusts (pinned by public-key
//! hash), the key a peer announced it will switch to, when each was last reached; and
//! this server's own announcements of its key changes, which peers verify as a chain.

use super::certificates::thumbprint;
use super::{Database, StoreError, now};
use crate::pin::Pin;
use rusqlite::{OptionalExtension, params};

/// A trusted peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPeer {
    pub name: String,
    /// `host:port`, as given or as the peer advertised it.
    pub address: String,
    /// The peer's current certificate, DER.
    pub certificate: Vec<u8>,
    /// SHA-1 of `certificate`, uppercase hex.
    pub thumbprint: String,
    /// The pin of `certificate`'s key.
    pub pin: String,
    /// The certificate the peer announced it switches to (accepted beside the current
    /// one until the peer is seen using it).
    pub next_certificate: Option<Vec<u8>>,
    /// The pin of `next_certificate`.
    pub next_pin: Option<String>,
    /// Unix seconds of the last successful contact either way.
    pub last_seen: Option<i64>,
    /// Why the last call to the peer failed (cleared by a success).
    pub last_error: Option<String>,
    /// The key the peer used before its last switch, still accepted until
    /// `previous_until` (connections and other processes catching up on the switch).
    pub previous_pin: Option<String>,
    /// Unix seconds.
    pub previous_until: Option<i64>,
    /// Unix seconds.
    pub added_at: i64,
}

impl TrustedPeer {
    /// Whether `pin` is one this peer may present: its current key, the announced one,
    /// or the one it left within the overlap after a switch.
    pub fn accepts(&self, pin: &str) -> bool {
        self.pin == pin
            || self.next_pin.as_deref() == Some(pin)
            || (self.previous_pin.as_deref() == Some(pin)
                && self.previous_until.is_some_and(|until| now() < until))
    }
}

/// One announcement of this server's key change, signed by the key it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnnouncement {
    pub sequence: i64,
    pub from_pin: String,
    pub to_pin: String,
    /// The new certificate, DER.
    pub certificate: Vec<u8>,
    /// The TLS SignatureScheme code of `signature`.
    pub scheme: u16,
    pub signature: Vec<u8>,
    /// Unix seconds.
    pub issued_at: i64,
}

const PEER_COLUMNS: &str = "name, address, der, thumbprint, pin, next_der, last_seen, last_error, added_at, previous_pin, previous_until";

/// How long a peer's previous key is still accepted after it was seen using its new one.
pub const PREVIOUS_KEY_OVERLAP_SECONDS: i64 = 60;

fn read_peer(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrustedPeer> {
    let next_certificate: Option<Vec<u8>> = r.get(5)?;
    Ok(TrustedPeer {
        name: r.get(0)?,
        address: r.get(1)?,
        certificate: r.get(2)?,
        thumbprint: r.get(3)?,
        pin: r.get(4)?,
        next_pin: next_certificate
            .as_deref()
            .and_then(|c| Pin::of_certificate(c).ok())
            .map(|p| p.to_string()),
        next_certificate,
        last_seen: r.get(6)?,
        last_error: r.get(7)?,
        added_at: r.get(8)?,
        previous_pin: r.get(9)?,
        previous_until: r.get(10)?,
    })
}

/// The pin of a certificate the store already holds as a peer's (checked when added).
fn pin_of(certificate: &[u8]) -> Result<String, StoreError> {
    Pin::of_certificate(certificate)
        .map(|p| p.to_string())
        .map_err(|e| StoreError::InvalidPeer(e.to_string()))
}

/// Fills the pin of peers recorded before pins existed (schema 6 and older), inside the
/// caller's transaction. A row whose certificate cannot be read is dropped: it could
/// never have been checked.
pub(super) fn fill_missing_pins(conn: &rusqlite::Connection) -> Result<(), StoreError> {
    let rows: Vec<(String, Vec<u8>)> = conn
        .prepare("SELECT name, der FROM trusted_peers WHERE pin = ''")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, der) in rows {
        match Pin::of_certificate(&der) {
            Ok(pin) => conn.execute(
                "UPDATE trusted_peers SET pin = ?2 WHERE name = ?1",
                params![name, pin.to_string()],
            )?,
            Err(_) => conn.execute("DELETE FROM trusted_peers WHERE name = ?1", [name])?,
        };
    }
    Ok(())
}

impl Database {
    /// Every trusted peer, by name.
    pub fn list_peers(&self) -> Result<Vec<TrustedPeer>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PEER_COLUMNS} FROM trusted_peers ORDER BY name"
        ))?;
        let peers = stmt.query_map([], read_peer)?.collect::<Result<_, _>>()?;
        Ok(peers)
    }

    /// The peer of `name` (any case).
    pub fn get_peer(&self, name: &str) -> Result<Option<TrustedPeer>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {PEER_COLUMNS} FROM trusted_peers WHERE name = ?1"),
                [name],
                read_peer,
            )
            .optional()?)
    }

    /// The peer that may present `pin` (its current or announced key).
    pub fn peer_by_pin(&self, pin: &str) -> Result<Option<TrustedPeer>, StoreError> {
        Ok(self.list_peers()?.into_iter().find(|p| p.accepts(pin)))
    }

    /// Adds a peer, or replaces the one of the same name (a new certificate or address);
    /// an announced key it had is forgotten.
    pub fn put_peer(
        &mut self,
        name: &str,
        address: &str,
        certificate: &[u8],
    ) -> Result<(), StoreError> {
        let pin = pin_of(certificate)?;
        self.conn.execute(
            "INSERT INTO trusted_peers (name, address, der, thumbprint, pinned_thumbprint, pin, added_at, last_seen)
             VALUES (?1, ?2, ?3, ?4, '', ?5, ?6, NULL)
             ON CONFLICT (name) DO UPDATE SET address = excluded.address, der = excluded.der,
               thumbprint = excluded.thumbprint, pin = excluded.pin, next_der = NULL, last_error = NULL,
               previous_pin = NULL, previous_until = NULL",
            params![name, address, certificate, thumbprint(certificate), pin, now()],
        )?;
        Ok(())
    }

    /// Records the certificate a peer announced (its key after its next switch).
    pub fn set_peer_next(&mut self, name: &str, certificate: &[u8]) -> Result<(), StoreError> {
        pin_of(certificate)?;
        self.conn.execute(
            "UPDATE trusted_peers SET next_der = ?2 WHERE name = ?1",
            params![name, certificate],
        )?;
        Ok(())
    }

    /// The peer now uses `certificate` (the announced one, or one reached through a
    /// verified chain): it becomes the current one; the old key is accepted for
    /// [`PREVIOUS_KEY_OVERLAP_SECONDS`] more, then no longer.
    pub fn promote_peer(&mut self, name: &str, certificate: &[u8]) -> Result<(), StoreError> {
        let pin = pin_of(certificate)?;
        let at = now();
        self.conn.execute(
            "UPDATE trusted_peers SET previous_pin = pin, previous_until = ?6, der = ?2, thumbprint = ?3,
               pin = ?4, next_der = NULL, last_seen = ?5, last_error = NULL WHERE name = ?1 AND pin <> ?4",
            params![name, certificate, thumbprint(certificate), pin, at, at + PREVIOUS_KEY_OVERLAP_SECONDS],
        )?;
        Ok(())
    }

    /// Records a contact with the peer: `Ok` a success (now), `Err` why a call failed.
    pub fn record_peer_contact(
        &mut self,
        name: &str,
        outcome: Result<(), &str>,
    ) -> Result<(), StoreError> {
        match outcome {
            Ok(()) => self.conn.execute(
                "UPDATE trusted_peers SET last_seen = ?2, last_error = NULL WHERE name = ?1",
                params![name, now()],
            )?,
            Err(reason) => self.conn.execute(
                "UPDATE trusted_peers SET last_error = ?2 WHERE name = ?1",
                params![name, reason],
            )?,
        };
        Ok(())
    }

    /// Removes a peer; returns whether it existed.
    pub fn remove_peer(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM trusted_peers WHERE name = ?1", [name])?
            > 0)
    }

    /// Records an announcement of this server's key change; returns its sequence number.
    pub fn add_announcement(&mut self, a: &StoredAnnouncement) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO pin_announcements (from_pin, to_pin, der, scheme, signature, issued_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                a.from_pin,
                a.to_pin,
                a.certificate,
                a.scheme,
                a.signature,
                a.issued_at
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// This server's announcements, oldest first.
    pub fn list_announcements(&self) -> Result<Vec<StoredAnnouncement>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sequence, from_pin, to_pin, der, scheme, signature, issued_at
             FROM pin_announcements ORDER BY sequence",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(StoredAnnouncement {
                    sequence: r.get(0)?,
                    from_pin: r.get(1)?,
                    to_pin: r.get(2)?,
                    certificate: r.get(3)?,
                    scheme: r.get(4)?,
                    signature: r.get(5)?,
                    issued_at: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }
}
