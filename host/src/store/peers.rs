//! The trust list: remote appliances whose certificates this server trusts, and which of
//! this server's certificates each of them pinned when trust was exchanged.

use super::certificates::thumbprint;
use super::{Database, StoreError, now};
use rusqlite::params;

/// A trusted peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPeer {
    pub name: String,
    /// `host:port` or a URL, as given.
    pub address: String,
    /// The peer's certificate, DER.
    pub certificate: Vec<u8>,
    /// SHA-1 of `certificate`, uppercase hex.
    pub thumbprint: String,
    /// The thumbprint of this server's certificate that the peer trusts.
    pub pinned_thumbprint: String,
    /// Unix seconds.
    pub added_at: i64,
}

impl Database {
    /// Every trusted peer, by name.
    pub fn list_peers(&self) -> Result<Vec<TrustedPeer>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT name, address, der, thumbprint, pinned_thumbprint, added_at FROM trusted_peers ORDER BY name",
        )?;
        let peers = stmt
            .query_map([], |r| {
                Ok(TrustedPeer {
                    name: r.get(0)?,
                    address: r.get(1)?,
                    certificate: r.get(2)?,
                    thumbprint: r.get(3)?,
                    pinned_thumbprint: r.get(4)?,
                    added_at: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(peers)
    }

    /// Adds a peer, or replaces the one of the same name (a new certificate or pin).
    pub fn put_peer(
        &mut self,
        name: &str,
        address: &str,
        certificate: &[u8],
        pinned_thumbprint: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO trusted_peers (name, address, der, thumbprint, pinned_thumbprint, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (name) DO UPDATE SET address = excluded.address, der = excluded.der,
               thumbprint = excluded.thumbprint, pinned_thumbprint = excluded.pinned_thumbprint",
            params![
                name,
                address,
                certificate,
                thumbprint(certificate),
                pinned_thumbprint.to_ascii_uppercase(),
                now()
            ],
        )?;
        Ok(())
    }

    /// Removes a peer; returns whether it existed.
    pub fn remove_peer(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM trusted_peers WHERE name = ?1", [name])?
            > 0)
    }
}
