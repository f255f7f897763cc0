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

/// The DER end-entity certificate `host:port` presents, within `timeout`.
pub async fn fetch_certificate(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(RecordOnly(provider)))
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| format!("'{host}' is not a host name or address"))?;
    let work = async {
        let address = vetted_address(host, port).await?;
        // The vetted address itself, not the name again: a second lookup could answer
        // differently (DNS rebinding).
        let tcp = TcpStream::connect(address)
            .await
            .map_err(|_| format!("no TLS server answered at {host}:{port}"))?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake failed: {e}"))?;
        let (_, connection) = tls.get_ref();
        connection
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.to_vec())
            .ok_or_else(|| "the server sent no certificate".to_string())
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
}

/// The address `host:port` resolves to, unless it is one a request must not reach
/// through this server: link-local addresses (the cloud metadata service at
/// 169.254.169.254 among them), the unspecified, multicast and broadcast addresses.
async fn vetted_address(host: &str, port: u16) -> Result<std::net::SocketAddr, String> {
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| format!("'{host}' does not resolve to an address"))?
        .collect();
    if let Some(refused) = addresses.iter().find(|a| forbidden(a.ip())) {
        return Err(format!(
            "{host} is {}, an address certhost does not connect to for a request (link-local, such as a cloud metadata service, unspecified, multicast or broadcast)",
            refused.ip()
        ));
    }
    addresses
        .first()
        .copied()
        .ok_or_else(|| format!("'{host}' does not resolve to an address"))
}

/// Whether a request may not make this server connect to `ip`.
fn forbidden(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            v4.is_link_local() || v4.is_unspecified() || v4.is_multicast() || v4.is_broadcast()
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden(IpAddr::V4(v4)),
            None => {
                v6.is_unspecified()
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
    fn metadata_and_link_local_addresses_are_refused() {
        for ip in [
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
            assert!(forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "10.0.0.5",
            "192.168.1.10",
            "::1",
            "2001:db8::1",
        ] {
            assert!(!forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn the_metadata_service_is_not_fetched() {
        let err = fetch_certificate("169.254.169.254", 443, Duration::from_secs(2))
            .await
            .unwrap_err();
        assert!(err.contains("link-local"), "{err}");
    }
}
