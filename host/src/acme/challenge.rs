//! Answering ACME challenges: the tls-alpn-01 certificate (RFC 8737) `certhost serve`
//! presents to a client that asks for the `acme-tls/1` protocol, the http-01 body, the
//! names a validation connection carries (RFC 8738's reverse names for addresses), the
//! self-check made before the ACME server is told to look, and the dns-01 script.

use super::AcmeError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The ALPN protocol of tls-alpn-01.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";
/// The challenge table's kinds.
pub const TLS_ALPN_01: &str = "tls-alpn-01";
pub const HTTP_01: &str = "http-01";
/// The http-01 path prefix.
pub const HTTP_01_PREFIX: &str = "/.well-known/acme-challenge/";
/// How long a published answer is served at most.
pub const ANSWER_LIFETIME_SECONDS: i64 = 600;
/// How long the self-check waits for `certhost serve` to answer.
const SELF_CHECK_DEADLINE: Duration = Duration::from_secs(10);
/// How long a DNS script may run.
const DNS_SCRIPT_DEADLINE: Duration = Duration::from_secs(120);

/// SHA-256 of a key authorization, the value of the acmeIdentifier extension.
pub fn key_authorization_digest(key_authorization: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(key_authorization.as_bytes()).into()
}

/// The server configuration that answers tls-alpn-01 for `identifier` (a DNS name or
/// an address): a throwaway self-signed certificate naming it, with the digest of the
/// key authorization in a critical acmeIdentifier extension, offered only with
/// `acme-tls/1`.
pub fn tls_alpn_config(
    identifier: &str,
    key_authorization: &str,
) -> Result<Arc<rustls::ServerConfig>, String> {
    let mut params = rcgen::CertificateParams::default();
    params.subject_alt_names = vec![match identifier.parse::<IpAddr>() {
        Ok(ip) => rcgen::SanType::IpAddress(ip),
        Err(_) => rcgen::SanType::DnsName(
            identifier
                .to_string()
                .try_into()
                .map_err(|e| format!("'{identifier}' cannot be named in a certificate: {e}"))?,
        ),
    }];
    params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(
        &key_authorization_digest(key_authorization),
    )];
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("cannot make the challenge key: {e}"))?;
    let certificate = params
        .self_signed(&key)
        .map_err(|e| format!("cannot make the challenge certificate: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let signing_key = provider
        .key_provider
        .load_private_key(rustls::pki_types::PrivateKeyDer::Pkcs8(
            key.serialize_der().into(),
        ))
        .map_err(|e| format!("the challenge key cannot sign: {e}"))?;
    // Given as a resolver: rustls's own loading reads the certificate with webpki,
    // which refuses the critical acmeIdentifier extension it does not know.
    let answer = Arc::new(rustls::sign::CertifiedKey::new(
        vec![certificate.der().clone()],
        signing_key,
    ));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(ChallengeCertificate(answer)));
    config.alpn_protocols = vec![ACME_TLS_ALPN.to_vec()];
    Ok(Arc::new(config))
}

/// Presents the challenge certificate to every validation connection.
#[derive(Debug)]
struct ChallengeCertificate(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for ChallengeCertificate {
    fn resolve(
        &self,
        _client_hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// The identifier a tls-alpn-01 validation asks about: its server name, where an
/// address arrives as its reverse name (`1.0.0.127.in-addr.arpa`, RFC 8738 section 6);
/// with no server name, the address the connection reached.
pub fn validated_identifier(server_name: Option<&str>, local: IpAddr) -> String {
    let Some(name) = server_name else {
        return local.to_string();
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(v4) = name.strip_suffix(".in-addr.arpa") {
        let octets: Vec<&str> = v4.split('.').rev().collect();
        if let Ok(ip) = octets.join(".").parse::<std::net::Ipv4Addr>() {
            return ip.to_string();
        }
    }
    if let Some(v6) = name.strip_suffix(".ip6.arpa") {
        let nibbles: String = v6.split('.').rev().collect();
        if nibbles.len() == 32
            && let Ok(bits) = u128::from_str_radix(&nibbles, 16)
        {
            return std::net::Ipv6Addr::from(bits).to_string();
        }
    }
    name
}

/// The reverse name of an address (what a validation sends as its server name).
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let hex = format!("{:032x}", u128::from(v6));
            let mut parts: Vec<String> = hex.chars().rev().map(String::from).collect();
            parts.push("ip6.arpa".into());
            parts.join(".")
        }
    }
}

/// Where the self-check connects for an identifier: the address itself, or the name's
/// first address (this machine when it does not resolve here).
async fn target(identifier: &super::AcmeIdentifier, port: u16) -> SocketAddr {
    match identifier {
        super::AcmeIdentifier::Ip(ip) => SocketAddr::new(*ip, port),
        super::AcmeIdentifier::Dns(name) => tokio::net::lookup_host((name.as_str(), port))
            .await
            .ok()
            .and_then(|mut found| found.next())
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], port))),
    }
}

/// Accepts any server certificate and handshake signature: the self-check only reads
/// which certificate `certhost serve` presents and trusts nothing it learns. (rustls's
/// signature check would parse the certificate with webpki, which refuses the critical
/// acmeIdentifier extension.)
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &rustls::pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &rustls::pki_types::CertificateDer<'_>,
        _dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Whether a certificate carries the acmeIdentifier extension with `digest`.
fn carries_digest(certificate: &[u8], digest: &[u8; 32]) -> bool {
    use der::Decode;
    let Ok(cert) = x509_cert::Certificate::from_der(certificate) else {
        return false;
    };
    // The acmeIdentifier extension (RFC 8737 section 6.1).
    let oid = der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.1.31");
    cert.tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .filter(|e| e.extn_id == oid)
        .any(|e| {
            // The value is an OCTET STRING of the 32-byte digest.
            let value = e.extn_value.as_bytes();
            value.len() == 34 && value[..2] == [0x04, 0x20] && value[2..] == digest[..]
        })
}

/// One tls-alpn-01 look, as the ACME server will look.
async fn tls_alpn_answer(address: SocketAddr, server_name: &str) -> Result<Vec<u8>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    config.alpn_protocols = vec![ACME_TLS_ALPN.to_vec()];
    let name = rustls::pki_types::ServerName::try_from(server_name.to_string())
        .map_err(|e| e.to_string())?;
    let tcp = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("the TLS handshake with {address} failed: {e}"))?;
    let (_, connection) = tls.get_ref();
    if connection.alpn_protocol() != Some(ACME_TLS_ALPN) {
        return Err(format!("{address} did not accept the acme-tls/1 protocol"));
    }
    connection
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec())
        .ok_or_else(|| format!("{address} presented no certificate"))
}

/// One http-01 look.
async fn http_answer(address: SocketAddr, host: &str, token: &str) -> Result<String, String> {
    let mut tcp = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let request = format!(
        "GET {HTTP_01_PREFIX}{token} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    tcp.take(64 * 1024)
        .read_to_end(&mut answer)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if !head.starts_with("HTTP/1.1 200") {
        let status = head.lines().next().unwrap_or("no answer");
        return Err(format!("{address} answered '{status}'"));
    }
    Ok(body.trim().to_string())
}

/// Waits until `certhost serve` gives the published answer, as the ACME server will
/// ask for it, so a server that is not running (or not listening where the ACME
/// server connects) is reported here, before the order is spent.
pub async fn self_check(
    identifier: &super::AcmeIdentifier,
    kind: &super::ChallengeKind,
    port: u16,
    token: &str,
    key_authorization: &str,
) -> Result<(), AcmeError> {
    let address = target(identifier, port).await;
    let deadline = tokio::time::Instant::now() + SELF_CHECK_DEADLINE;
    let digest = key_authorization_digest(key_authorization);
    loop {
        let outcome = match kind {
            super::ChallengeKind::TlsAlpn01 => {
                let name = match identifier {
                    super::AcmeIdentifier::Ip(ip) => reverse_name(*ip),
                    super::AcmeIdentifier::Dns(name) => name.clone(),
                };
                tls_alpn_answer(address, &name).await.and_then(|cert| {
                    if carries_digest(&cert, &digest) {
                        Ok(())
                    } else {
                        Err(format!(
                            "{address} answered acme-tls/1 with another certificate (an older challenge?)"
                        ))
                    }
                })
            }
            super::ChallengeKind::Http01 => http_answer(address, &identifier.key(), token)
                .await
                .and_then(|body| {
                    if body == key_authorization {
                        Ok(())
                    } else {
                        Err(format!("{address} answered with another body"))
                    }
                }),
            super::ChallengeKind::Dns01Script(_) => return Ok(()),
        };
        match outcome {
            Ok(()) => return Ok(()),
            Err(reason) if tokio::time::Instant::now() >= deadline => {
                let how = match kind {
                    super::ChallengeKind::Http01 => format!(
                        "run  certhost serve --acme-http {address}  (the ACME server connects to port {port})"
                    ),
                    _ => format!(
                        "run  certhost serve  with a binding on port {port} (the port the ACME server connects to; -ChallengePort)"
                    ),
                };
                return Err(AcmeError::NotAnswering(format!(
                    "certhost serve is not answering the {} challenge for {} ({reason}); {how}. Nothing was changed",
                    match kind {
                        super::ChallengeKind::Http01 => HTTP_01,
                        _ => TLS_ALPN_01,
                    },
                    identifier.key()
                )));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Runs the admin's dns-01 command: `<command> add|remove <record name> <value>`. The
/// command is run directly (no shell); the value is public (it is published in DNS).
pub async fn run_dns_script(
    command: &str,
    action: &str,
    identifier: &str,
    value: &str,
) -> Result<(), AcmeError> {
    let record = format!("_acme-challenge.{}.", identifier.trim_start_matches("*."));
    let failed = |reason: String| AcmeError::DnsScript {
        identifier: identifier.to_string(),
        reason,
    };
    let run = tokio::process::Command::new(command)
        .args([action, &record, value])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(DNS_SCRIPT_DEADLINE, run)
        .await
        .map_err(|_| failed(format!("{command} {action} did not finish in 120 s")))?
        .map_err(|e| failed(format!("cannot run {command}: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(failed(format!(
            "{command} {action} exited with {}: {}",
            output.status,
            stderr.trim()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names_lead_back_to_the_address() {
        for text in ["127.0.0.1", "192.0.2.10", "::1", "2001:db8::5"] {
            let ip: IpAddr = text.parse().unwrap();
            let name = reverse_name(ip);
            assert_eq!(
                validated_identifier(Some(&name), "10.0.0.1".parse().unwrap()),
                text
            );
        }
        assert_eq!(
            reverse_name("127.0.0.1".parse().unwrap()),
            "1.0.0.127.in-addr.arpa"
        );
        assert_eq!(
            validated_identifier(Some("Backup01.Tech.Local."), "10.0.0.1".parse().unwrap()),
            "backup01.tech.local"
        );
        assert_eq!(
            validated_identifier(None, "10.0.0.1".parse().unwrap()),
            "10.0.0.1"
        );
    }

    #[test]
    fn the_challenge_certificate_carries_the_digest_and_names_the_identifier() {
        let config = tls_alpn_config("127.0.0.1", "token.thumbprint").unwrap();
        assert_eq!(config.alpn_protocols, vec![ACME_TLS_ALPN.to_vec()]);
        // The certificate itself, made the same way, carries the digest.
        let digest = key_authorization_digest("token.thumbprint");
        let mut params = rcgen::CertificateParams::default();
        params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(&digest)];
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = params.self_signed(&key).unwrap();
        assert!(carries_digest(cert.der(), &digest));
        assert!(!carries_digest(
            cert.der(),
            &key_authorization_digest("other")
        ));
    }
}
