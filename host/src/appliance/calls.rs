//! Calls between trusted peers over mutual TLS: each side presents its backup server
//! certificate and checks the other's pin. A key change reaches peers as a signed
//! announcement before the switch; a peer that missed it catches up on its next
//! contact by following the chain of announcements from the last key it knew.

use super::announce::{self, Announcement, MAX_CHAIN};
use super::client::{ClientIdentity, PeerConnection};
use super::{ApplianceError, CALL_TIMEOUT, own_identity};
use crate::pin::Pin;
use crate::store::{BACKUP_SERVER_SLOT, Database, TrustedPeer};
use serde_json::json;

/// The route a peer answers to say it trusts the caller.
pub const HELLO_PATH: &str = "/api/v1/appliance/hello";
/// The route that takes a chain of announcements.
pub const ANNOUNCE_PATH: &str = "/api/v1/appliance/announce";
/// The route that gives this server's chain of announcements (public: they carry only
/// certificates and signatures).
pub const ANNOUNCEMENTS_PATH: &str = "/api/v1/appliance/announcements";
/// The errorCode of a refusal for a key the answering side does not know.
pub const UNKNOWN_KEY: &str = "UnknownPeerKey";

/// This server's chain, newest last, at most [`MAX_CHAIN`] long.
pub fn chain(db: &Database) -> Result<Vec<Announcement>, ApplianceError> {
    let all = db.list_announcements()?;
    let skip = all.len().saturating_sub(MAX_CHAIN);
    Ok(all[skip..].iter().map(Announcement::from).collect())
}

/// The answering side of a mutual-TLS call: the trusted peer that holds the client
/// certificate's key. A peer seen using its announced key has switched: that key
/// becomes its current one.
pub fn authenticate(
    db: &mut Database,
    client_certificate: &[u8],
) -> Result<Option<TrustedPeer>, ApplianceError> {
    let pin = Pin::of_certificate(client_certificate)?.to_string();
    let Some(peer) = db.peer_by_pin(&pin)? else {
        return Ok(None);
    };
    if peer.next_pin.as_deref() == Some(pin.as_str()) {
        db.promote_peer(&peer.name, client_certificate)?;
    } else {
        db.record_peer_contact(&peer.name, Ok(()))?;
    }
    Ok(db.get_peer(&peer.name)?)
}

/// The answering side of an announcement from the holder of `client_certificate`: the
/// chain must continue from a key this server trusts for the caller; its last key is
/// then accepted beside the current one. A caller whose key this server does not know
/// is recognised when the chain leads from a trusted peer's key to it.
pub fn receive(
    db: &mut Database,
    client_certificate: &[u8],
    chain: &[Announcement],
) -> Result<Option<(String, String)>, ApplianceError> {
    let presented = Pin::of_certificate(client_certificate)?.to_string();
    let peer = match authenticate(db, client_certificate)? {
        Some(peer) => peer,
        None => {
            // Catching up: which trusted peer's key leads to the presented one?
            let found = db.list_peers()?.into_iter().find_map(|p| {
                announce::follow(&p.certificate, chain, &presented)
                    .ok()
                    .map(|cert| (p, cert))
            });
            let Some((peer, current)) = found else {
                return Ok(None);
            };
            db.promote_peer(&peer.name, &current)?;
            db.get_peer(&peer.name)?.unwrap_or(peer)
        }
    };
    let Some(last) = chain.last() else {
        return Ok(Some((peer.name, peer.pin)));
    };
    if last.to_pin == peer.pin {
        return Ok(Some((peer.name, peer.pin)));
    }
    let next = announce::follow(&peer.certificate, chain, &last.to_pin)?;
    db.set_peer_next(&peer.name, &next)?;
    Ok(Some((peer.name, last.to_pin.clone())))
}

/// The outcome of one call to a peer.
pub struct Contact {
    pub peer: TrustedPeer,
    /// The name the peer knows this server by.
    pub known_as: String,
}

/// Opens a mutual-TLS connection to `peer` and checks its key: its current one, the
/// announced one (then promoted), or one its chain of announcements leads to.
fn connect(
    db: &mut Database,
    peer: &TrustedPeer,
    me: &ClientIdentity,
) -> Result<PeerConnection, ApplianceError> {
    let mut connection = PeerConnection::open(&peer.address, Some(me), CALL_TIMEOUT)?;
    let presented_certificate = connection.server_certificate();
    let presented = Pin::of_certificate(&presented_certificate)?.to_string();
    if peer.accepts(&presented) {
        if peer.next_pin.as_deref() == Some(presented.as_str()) {
            db.promote_peer(&peer.name, &presented_certificate)?;
        }
        return Ok(connection);
    }
    // Unknown key: catch up on the announcements this peer made while we were away.
    let answer = connection.call("GET", ANNOUNCEMENTS_PATH, None)?;
    let chain: Vec<Announcement> =
        serde_json::from_value(answer.body["announcements"].clone()).unwrap_or_default();
    let current = announce::follow(&peer.certificate, &chain, &presented)?;
    db.promote_peer(&peer.name, &current)?;
    Ok(connection)
}

/// One mutual-TLS call to the trusted peer `name`: checks both ends trust each other.
/// A peer that does not know this server's key gets the chain of announcements, then
/// the call is made once more. The outcome is recorded (Status, LastSeen).
pub fn hello(db: &mut Database, name: &str) -> Result<Contact, ApplianceError> {
    let peer = db
        .get_peer(name)?
        .ok_or_else(|| ApplianceError::UnknownPeer(name.to_string()))?;
    let me = own_identity(db)?;
    let outcome = (|| {
        let mut connection = connect(db, &peer, &me.client)?;
        let mut answer = connection.call("GET", HELLO_PATH, None)?;
        if answer.status == 403 && answer.body["errorCode"] == UNKNOWN_KEY {
            let chain = chain(db)?;
            connection.call(
                "POST",
                ANNOUNCE_PATH,
                Some(&json!({"announcements": chain})),
            )?;
            answer = connection.call("GET", HELLO_PATH, None)?;
        }
        if answer.status != 200 {
            return Err(ApplianceError::Refused {
                address: peer.address.clone(),
                message: answer.body["message"]
                    .as_str()
                    .unwrap_or("it does not trust this server")
                    .to_string(),
            });
        }
        Ok(answer.body["knownAs"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    })();
    match outcome {
        Ok(known_as) => {
            db.record_peer_contact(&peer.name, Ok(()))?;
            Ok(Contact {
                peer: db.get_peer(&peer.name)?.unwrap_or(peer),
                known_as,
            })
        }
        Err(e) => {
            db.record_peer_contact(&peer.name, Err(&e.to_string()))?;
            Err(e)
        }
    }
}

/// What announcing a key change to the peers did.
#[derive(Debug, Default)]
pub struct Notified {
    pub reached: Vec<String>,
    /// Peers that could not be reached, with why: they catch up on their next contact.
    pub missed: Vec<(String, String)>,
}

/// Before the backup server slot switches from `old` to `new_certificate`: signs the
/// switch with the old key, records it, and sends the chain to every trusted peer
/// (each in parallel, within [`CALL_TIMEOUT`]). Nothing is done when the key does not
/// change. A peer that cannot be reached is recorded as such; it catches up later.
pub fn announce_switch(
    db: &mut Database,
    new_certificate: &[u8],
) -> Result<Notified, ApplianceError> {
    let me = match own_identity(db) {
        Ok(me) => me,
        // No current certificate with a key: nothing was trusted, nothing to announce.
        Err(ApplianceError::NoCertificate | ApplianceError::NoPrivateKey(_)) => {
            return Ok(Notified::default());
        }
        Err(e) => return Err(e),
    };
    if Pin::of_certificate(new_certificate)?.to_string() == me.pin {
        return Ok(Notified::default());
    }
    let peers = db.list_peers()?;
    if peers.is_empty() {
        return Ok(Notified::default());
    }
    let signed = announce::sign(
        &me.client.certificate,
        &me.client.private_key,
        new_certificate,
        crate::clock::now(),
    )?;
    db.add_announcement(&signed)?;
    let chain = json!({"announcements": chain(db)?});
    let results: Vec<(String, Result<(), String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = peers
            .iter()
            .map(|peer| {
                let (client, chain) = (&me.client, &chain);
                scope.spawn(move || {
                    let sent = PeerConnection::open(&peer.address, Some(client), CALL_TIMEOUT)
                        .map_err(|e| e.to_string())
                        .and_then(|mut c| {
                            c.call("POST", ANNOUNCE_PATH, Some(chain))
                                .map_err(|e| e.to_string())
                        })
                        .and_then(|r| match r.status {
                            200 => Ok(()),
                            status => Err(format!(
                                "it refused the announcement ({status}): {}",
                                r.body["message"].as_str().unwrap_or("no reason given")
                            )),
                        });
                    (peer.name.clone(), sent)
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut notified = Notified::default();
    for (name, result) in results {
        match result {
            Ok(()) => {
                db.record_peer_contact(&name, Ok(()))?;
                notified.reached.push(name);
            }
            Err(reason) => {
                db.record_peer_contact(&name, Err(&reason))?;
                notified.missed.push((name, reason));
            }
        }
    }
    Ok(notified)
}

/// After the switch: one call to each peer with the new key, so each sees it in use
/// and stops accepting the old one (after the overlap). Failures are recorded only.
pub fn confirm_switch(db: &mut Database) {
    let Ok(peers) = db.list_peers() else { return };
    for peer in peers {
        let _ = hello(db, &peer.name);
    }
}

/// Whether `slot` is the one whose certificate identifies this server to peers.
pub fn identifies_server(slot: &str) -> bool {
    slot.eq_ignore_ascii_case(BACKUP_SERVER_SLOT)
}
