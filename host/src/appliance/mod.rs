//! Appliance trust (docs/appliance-trust.md): the peers this server trusts, pinned by
//! public-key hash; the certificate exchange with an address and an admin password
//! (OPAQUE bound to the TLS channel); the mutual-TLS calls between peers; and the
//! signed announcements that let a key change reach every peer before the switch.
//! The shell's cmdlets and the REST handlers both call these functions.

pub mod announce;
pub mod calls;
pub mod client;
pub mod exchange;
pub mod opaque;

use crate::pin::Pin;
use crate::store::{BACKUP_SERVER_SLOT, Database, StoreError, TrustedPeer};
use der::Decode;
use std::time::Duration;

/// How long one call to a peer may take (connect, handshake, or a response).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// The same for the exchange, which an admin starts by hand and waits for: a peer far
/// away or busy gets more time than a routine call.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(15);
/// A peer whose certificate expires within this many days is shown as Expiring.
pub const EXPIRING_DAYS: i64 = 30;
/// The server-auth extended key usage.
const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
/// The extended key usage extension.
const EXTENDED_KEY_USAGE: &str = "2.5.29.37";

/// Why an appliance-trust operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplianceError {
    #[error(
        "this server has no backup server certificate yet: run Get-BackupServerCertificate (or start certhost serve once) to make one"
    )]
    NoCertificate,
    #[error(
        "the backup server certificate {0} has no private key in the store, so it cannot identify this server to peers: assign one with a key (Add-BackupServerCertificate)"
    )]
    NoPrivateKey(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Call(#[from] client::CallError),
    #[error(transparent)]
    Announce(#[from] announce::AnnounceError),
    #[error(transparent)]
    Pin(#[from] crate::pin::PinError),
    #[error("{0}")]
    Exchange(String),
    #[error("{address} refused: {message}")]
    Refused { address: String, message: String },
    #[error(
        "that certificate is this server's own ({0}): a server does not trust itself as a peer; give the other appliance's certificate"
    )]
    OwnCertificate(String),
    #[error(
        "the certificate {thumbprint} is not for server authentication (its extended key usage lacks 1.3.6.1.5.5.7.3.1): an appliance's certificate must be one it serves TLS with"
    )]
    NotServerAuth { thumbprint: String },
    #[error(
        "{address} presented a key with pin {presented}, not the pin {expected} you gave: nothing was trusted (check the pin on the other appliance's console: Export-ApplianceCertificate shows it)"
    )]
    PinMismatch {
        address: String,
        expected: String,
        presented: String,
    },
    #[error("no trusted peer is named '{0}'; Get-TrustedPeer lists them")]
    UnknownPeer(String),
    #[error(
        "that key is trusted already, as peer '{0}': one appliance is one peer (Remove-TrustedPeer -Name {0} first to rename it)"
    )]
    KeyAlreadyTrusted(String),
    #[error("'{0}' is not a usable peer name: give 1 to 253 letters, digits, '.', '-' or '_'")]
    InvalidName(String),
}

/// This server as its peers see it: its certificate and key (the backup server slot's),
/// its name and the address it gives peers.
pub struct OwnIdentity {
    pub name: String,
    pub address: String,
    pub client: client::ClientIdentity,
    pub pin: String,
    pub thumbprint: String,
}

/// This server's identity for peers.
pub fn own_identity(db: &Database) -> Result<OwnIdentity, ApplianceError> {
    let slot = db
        .get_slot(BACKUP_SERVER_SLOT)
        .map_err(|e| ApplianceError::Exchange(e.to_string()))?
        .ok_or(ApplianceError::NoCertificate)?;
    let stored = db
        .get_certificate(&slot.store, &slot.thumbprint)?
        .ok_or(ApplianceError::NoCertificate)?;
    let private_key = stored
        .private_key
        .ok_or_else(|| ApplianceError::NoPrivateKey(slot.thumbprint.clone()))?;
    let identity = crate::identity::server_identity(db)?;
    Ok(OwnIdentity {
        address: advertised_address(db, &slot.thumbprint, &identity.fqdn)?,
        name: identity.fqdn,
        pin: Pin::of_certificate(&stored.certificate)?.to_string(),
        thumbprint: slot.thumbprint,
        client: client::ClientIdentity {
            certificate: stored.certificate,
            chain: stored.chain,
            private_key: zeroize::Zeroizing::new(private_key),
        },
    })
}

/// The address peers reach this server at: its REST binding (the FQDN in place of a
/// wildcard address), else the FQDN on the default port.
fn advertised_address(db: &Database, thumbprint: &str, fqdn: &str) -> Result<String, StoreError> {
    let binding = db
        .list_bindings()?
        .into_iter()
        .filter(|b| !b.sni)
        .find(|b| b.certificate_hash.eq_ignore_ascii_case(thumbprint));
    Ok(
        match binding.and_then(|b| b.endpoint.parse::<std::net::SocketAddr>().ok()) {
            Some(addr) if addr.ip().is_unspecified() => format!("{fqdn}:{}", addr.port()),
            Some(addr) => addr.to_string(),
            None => format!("{fqdn}:{}", client::DEFAULT_PORT),
        },
    )
}

/// A certificate as PEM (RFC 7468: base64 in lines of 64).
pub fn certificate_pem(der: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// A peer's state as Get-TrustedPeer shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerStatus {
    Trusted,
    Expiring,
    Expired,
    Unreachable,
    RotationPending,
}

impl PeerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PeerStatus::Trusted => "Trusted",
            PeerStatus::Expiring => "Expiring",
            PeerStatus::Expired => "Expired",
            PeerStatus::Unreachable => "Unreachable",
            PeerStatus::RotationPending => "RotationPending",
        }
    }
}

/// What a certificate says that the trust list shows.
pub struct CertificateFacts {
    pub subject: String,
    /// Unix seconds.
    pub not_after: i64,
    /// Whether its extended key usage allows server authentication (or it has none,
    /// which allows every use).
    pub server_auth: bool,
}

/// Reads what the trust list shows from a certificate (DER).
pub fn certificate_facts(der: &[u8]) -> Result<CertificateFacts, crate::pin::PinError> {
    let bad = |e: der::Error| crate::pin::PinError::Certificate(e.to_string());
    let cert = x509_cert::Certificate::from_der(der).map_err(bad)?;
    let tbs = cert.tbs_certificate();
    let not_after = tbs.validity().not_after.to_unix_duration().as_secs() as i64;
    let mut server_auth = true;
    for ext in tbs.extensions().into_iter().flatten() {
        if ext.extn_id.to_string() == EXTENDED_KEY_USAGE {
            let usages =
                x509_cert::ext::pkix::ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                    .map_err(bad)?;
            server_auth = usages.0.iter().any(|oid| oid.to_string() == SERVER_AUTH);
        }
    }
    Ok(CertificateFacts {
        subject: tbs.subject().to_string(),
        not_after,
        server_auth,
    })
}

/// The status of `peer` at `now` (Unix seconds): a pending rotation first, then a
/// failed last call, then expiry.
pub fn peer_status(peer: &TrustedPeer, not_after: i64, now: i64) -> PeerStatus {
    if peer.next_pin.is_some() {
        PeerStatus::RotationPending
    } else if peer.last_error.is_some() {
        PeerStatus::Unreachable
    } else if not_after <= now {
        PeerStatus::Expired
    } else if not_after - now < EXPIRING_DAYS * 86_400 {
        PeerStatus::Expiring
    } else {
        PeerStatus::Trusted
    }
}

/// A peer name: what an admin or a peer's identity gives, kept to a host-name shape.
pub fn check_name(name: &str) -> Result<String, ApplianceError> {
    let trimmed = name.trim();
    let ok = !trimmed.is_empty()
        && trimmed.len() <= 253
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    ok.then(|| trimmed.to_string())
        .ok_or_else(|| ApplianceError::InvalidName(name.to_string()))
}

/// The name a peer gets when the admin gives none: its certificate's common name when
/// that is a usable name, else the host of its address.
pub fn default_peer_name(certificate: &[u8], address: &str) -> Result<String, ApplianceError> {
    let (host, _) = client::split_address(address)?;
    let common_name = certificate_facts(certificate).ok().and_then(|f| {
        f.subject
            .split(',')
            .find_map(|part| part.trim().strip_prefix("CN=").map(str::to_string))
    });
    Ok(common_name
        .and_then(|cn| check_name(&cn).ok())
        .unwrap_or(host))
}

/// Checks a certificate offered as a peer's: readable, for server authentication, and
/// not this server's own. Its pin.
pub fn check_peer_certificate(db: &Database, der: &[u8]) -> Result<String, ApplianceError> {
    let pin = Pin::of_certificate(der)?.to_string();
    let facts = certificate_facts(der)?;
    let thumbprint = crate::store::thumbprint(der);
    if !facts.server_auth {
        return Err(ApplianceError::NotServerAuth { thumbprint });
    }
    if let Ok(me) = own_identity(db)
        && me.pin == pin
    {
        return Err(ApplianceError::OwnCertificate(thumbprint));
    }
    Ok(pin)
}

/// Trusts `certificate` (DER) as the peer `name` at `address` (the manual path). A key
/// trusted already under another name is refused: one appliance is one peer.
pub fn add_peer(
    db: &mut Database,
    name: &str,
    address: &str,
    certificate: &[u8],
) -> Result<TrustedPeer, ApplianceError> {
    let name = check_name(name)?;
    let pin = check_peer_certificate(db, certificate)?;
    if let Some(existing) = db.peer_by_pin(&pin)?
        && existing.name != name
    {
        return Err(ApplianceError::KeyAlreadyTrusted(existing.name));
    }
    store_peer(db, &name, address, certificate)
}

/// Trusts the other side of an exchange: under the name it already has here when its
/// key is trusted already (an admin's name is kept), else under `name`.
pub fn trust_exchanged(
    db: &mut Database,
    name: &str,
    address: &str,
    certificate: &[u8],
) -> Result<TrustedPeer, ApplianceError> {
    let pin = check_peer_certificate(db, certificate)?;
    let name = match db.peer_by_pin(&pin)? {
        Some(existing) => existing.name,
        None => check_name(name)?,
    };
    store_peer(db, &name, address, certificate)
}

fn store_peer(
    db: &mut Database,
    name: &str,
    address: &str,
    certificate: &[u8],
) -> Result<TrustedPeer, ApplianceError> {
    let address = client::normalized_address(address)?;
    db.put_peer(name, &address, certificate)?;
    db.get_peer(name)?
        .ok_or_else(|| ApplianceError::UnknownPeer(name.to_string()))
}

/// Trusts the peer at `address` whose key has `pin` (read off its console): connects,
/// checks the key it presents, and records its certificate.
pub fn add_peer_by_pin(
    db: &mut Database,
    name: Option<&str>,
    address: &str,
    pin: &str,
) -> Result<TrustedPeer, ApplianceError> {
    let expected = Pin::parse(pin)?.to_string();
    let (host, _) = client::split_address(address)?;
    let connection = client::PeerConnection::open(address, None, CALL_TIMEOUT)?;
    let presented_certificate = connection.server_certificate();
    let presented = Pin::of_certificate(&presented_certificate)?.to_string();
    if presented != expected {
        return Err(ApplianceError::PinMismatch {
            address: address.to_string(),
            expected,
            presented,
        });
    }
    let name = match name {
        Some(n) => n.to_string(),
        None => default_peer_name(&presented_certificate, address).unwrap_or(host),
    };
    add_peer(db, &name, address, &presented_certificate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(next: Option<&str>, error: Option<&str>) -> TrustedPeer {
        TrustedPeer {
            name: "b".into(),
            address: "b:1".into(),
            certificate: vec![],
            thumbprint: String::new(),
            pin: "sha256:aa".into(),
            next_certificate: None,
            next_pin: next.map(str::to_string),
            last_seen: None,
            last_error: error.map(str::to_string),
            previous_pin: None,
            previous_until: None,
            added_at: 0,
        }
    }

    #[test]
    fn status_puts_a_pending_rotation_first_then_reachability_then_expiry() {
        let now = 1_000_000_000;
        let later = now + 400 * 86_400;
        assert_eq!(
            peer_status(&peer(None, None), later, now),
            PeerStatus::Trusted
        );
        assert_eq!(
            peer_status(&peer(None, None), now + 86_400, now),
            PeerStatus::Expiring
        );
        assert_eq!(
            peer_status(&peer(None, None), now, now),
            PeerStatus::Expired
        );
        assert_eq!(
            peer_status(&peer(None, Some("x")), later, now),
            PeerStatus::Unreachable
        );
        assert_eq!(
            peer_status(&peer(Some("sha256:bb"), Some("x")), later, now),
            PeerStatus::RotationPending
        );
    }

    #[test]
    fn peer_names_are_host_name_shaped() {
        assert_eq!(
            check_name(" backup02.tech.local ").unwrap(),
            "backup02.tech.local"
        );
        for bad in ["", "a b", "x\ny", "a/b", &"a".repeat(254)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
