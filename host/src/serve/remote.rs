//! Fetching the certificate a remote TLS server presents, whoever signed it: the admin
//! decides on trust afterwards (the originals' certificate-acceptance step, without a
//! prompt that hangs unattended scripts).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// Accepts any certificate, but still checks the handshake signatures, so the
/// certificate returned is the one whose key the server holds.
#[derive(Debug)]
struct RecordOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for RecordOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Where `connectionCertificate` may connect: anywhere but loopback, link-local
/// (the cloud metadata service at 169.254.169.254 among them), unspecified, multicast
/// and broadcast addresses, unless an admin allowed a range (`--allow-connect`).
#[derive(Clone, Debug, Default)]
pub struct ConnectPolicy {
    allowed: Vec<ipnet::IpNet>,
}

/// Why no certificate was fetched. The caller sees one message for all of them (so the
/// route cannot be used to scan ports or probe addresses); the server log gets this.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("'{0}' is not a host name or address")]
    BadName(String),
    #[error("'{0}' does not resolve to an address")]
    Unresolved(String),
    #[error(
        "{0} is a loopback, link-local (cloud metadata), unspecified, multicast or broadcast address, which certhost serve does not connect to unless --allow-connect allows it"
    )]
    Refused(std::net::IpAddr),
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("the TLS handshake failed: {0}")]
    Handshake(std::io::Error),
    #[error("the server sent no certificate")]
    NoCertificate,
    #[error("no answer within {0} s")]
    TimedOut(u64),
    #[error("the TLS client cannot be set up: {0}")]
    Setup(String),
}

impl ConnectPolicy {
    pub fn new(allowed: Vec<ipnet::IpNet>) -> Self {
        ConnectPolicy { allowed }
    }

    /// Whether a request may make this server connect to `ip`.
    pub fn permits(&self, ip: std::net::IpAddr) -> bool {
        let ip = match ip {
            std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map(std::net::IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        !forbidden(ip) || self.allowed.iter().any(|range| range.contains(&ip))
    }

    /// The DER end-entity certificate `host:port` presents, within `timeout`.
    pub async fn fetch_certificate(
        &self,
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(|e| FetchError::Setup(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(RecordOnly(provider)))
            .with_no_client_auth();
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| FetchError::BadName(host.to_string()))?;
        let work = async {
            let address = self.vetted_address(host, port).await?;
            // The vetted address itself, not the name again: a second lookup could
            // answer differently (DNS rebinding).
            let tcp = TcpStream::connect(address)
                .await
                .map_err(FetchError::Connect)?;
            let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(FetchError::Handshake)?;
            let (_, connection) = tls.get_ref();
            connection
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.to_vec())
                .ok_or(FetchError::NoCertificate)
        };
        tokio::time::timeout(timeout, work)
            .await
            .map_err(|_| FetchError::TimedOut(timeout.as_secs()))?
    }

    /// The address `host:port` resolves to, unless one of its addresses is not
    /// permitted.
    async fn vetted_address(
        &self,
        host: &str,
        port: u16,
    ) -> Result<std::net::SocketAddr, FetchError> {
        let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| FetchError::Unresolved(host.to_string()))?
            .collect();
        if let Some(refused) = addresses.iter().find(|a| !self.permits(a.ip())) {
            return Err(FetchError::Refused(refused.ip()));
        }
        addresses
            .first()
            .copied()
            .ok_or_else(|| FetchError::Unresolved(host.to_string()))
    }
}

/// Whether `ip` is, by default, not one a request may make this server connect to.
fn forbidden(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden(IpAddr::V4(v4)),
            None => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unicast_link_local()
                    // The cloud metadata service's IPv6 address (fd00:ec2::254).
                    || v6 == std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_metadata_and_link_local_addresses_are_refused_by_default() {
        let policy = ConnectPolicy::default();
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "::ffff:127.0.0.1",
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "fe80::1",
            "::ffff:169.254.169.254",
            "fd00:ec2::254",
            "::",
        ] {
            assert!(!policy.permits(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["10.0.0.5", "192.168.1.10", "172.16.0.1", "2001:db8::1"] {
            assert!(policy.permits(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn an_admin_can_allow_a_range() {
        let policy = ConnectPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert!(policy.permits("127.0.0.1".parse().unwrap()));
        assert!(policy.permits("::ffff:127.0.0.2".parse().unwrap()));
        assert!(!policy.permits("::1".parse().unwrap()));
        assert!(!policy.permits("169.254.169.254".parse().unwrap()));
    }

    #[tokio::test]
    async fn a_refused_address_is_never_connected_to() {
        // A listener on loopback that would see any connection attempt.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let err = ConnectPolicy::default()
            .fetch_certificate("127.0.0.1", port, Duration::from_secs(2))
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Refused(_)), "{err}");
        assert!(
            listener.accept().is_err(),
            "the refused address was connected to"
        );
    }
}
