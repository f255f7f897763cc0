//! The calls one appliance makes to another: HTTP/1.1 over TLS 1.3 on one connection
//! (so the exchange's messages share one channel binding), with this server's
//! certificate as the client certificate. The server's certificate is not checked
//! against any CA: the caller checks its pin (or, during an exchange, binds the
//! password proof to the channel) before it relies on anything the server says.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// The port of an address given without one: the REST API's.
pub const DEFAULT_PORT: u16 = 9419;
/// The RFC 9266 exporter label.
const EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";
/// The largest response body read.
const MAX_BODY: usize = 1024 * 1024;

/// Why a call to a peer failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(
        "'{address}' is not an address ({reason}): write host:port or [IPv6]:port; the port defaults to 9419"
    )]
    Address { address: String, reason: String },
    #[error("cannot reach {address}: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("the TLS handshake with {address} failed: {reason}")]
    Tls { address: String, reason: String },
    #[error("{address} did not answer over HTTP as certhost does: {reason}")]
    Protocol { address: String, reason: String },
}

/// This server's certificate and key, presented as the client certificate.
pub struct ClientIdentity {
    pub certificate: Vec<u8>,
    pub chain: Vec<Vec<u8>>,
    pub private_key: zeroize::Zeroizing<Vec<u8>>,
}

/// `host`, `host:port`, `[v6]:port`, `https://host:port/` → (host, port).
pub fn split_address(address: &str) -> Result<(String, u16), CallError> {
    let bad = |reason: &str| CallError::Address {
        address: address.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = address.trim();
    let without_scheme = trimmed
        .strip_prefix("https://")
        .unwrap_or(trimmed)
        .trim_end_matches('/');
    if without_scheme.is_empty() {
        return Err(bad("it is empty"));
    }
    if without_scheme.contains(['/', ' ', '@', '?', '#']) {
        return Err(bad("spaces, paths, '@', '?' and '#' have no place in it"));
    }
    let port_of = |p: &str| match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad("the port must be a number from 1 to 65535")),
        Ok(port) => Ok(port),
    };
    let (host, port) = if let Some(rest) = without_scheme.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| bad("the '[' of an IPv6 address has no ']'"))?;
        host.parse::<std::net::Ipv6Addr>()
            .map_err(|_| bad("the part in brackets is not an IPv6 address"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => port_of(p)?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(bad("after ']' only ':<port>' may follow")),
        };
        (host.to_string(), port)
    } else {
        match without_scheme.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_string(), port_of(p)?),
            Some(_) => {
                return Err(bad(
                    "an IPv6 address goes in brackets, with the port after them: [2001:db8::5]:9419",
                ));
            }
            None => (without_scheme.to_string(), DEFAULT_PORT),
        }
    };
    if ServerName::try_from(host.clone()).is_err() {
        return Err(bad("the host is not a DNS name or an IP address"));
    }
    Ok((host, port))
}

/// The address as certhost keeps it: `host:port` (`[v6]:port`), without a scheme or a
/// trailing slash.
pub fn normalized_address(address: &str) -> Result<String, CallError> {
    let (host, port) = split_address(address)?;
    Ok(if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    })
}

/// Accepts any certificate whose handshake signature verifies (the key is held by the
/// server); whose certificate it is, the caller decides by its pin.
#[derive(Debug)]
struct PinnedLater(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for PinnedLater {
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
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // Only TLS 1.3 is offered.
        Err(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::Tls13RequiredForQuic,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
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

/// One TLS connection to a peer, on which calls are made in turn.
pub struct PeerConnection {
    address: String,
    host: String,
    timeout: Duration,
    stream: StreamOwned<ClientConnection, TcpStream>,
}

/// A response: the status and the JSON body (`Null` when empty or not JSON).
pub struct Response {
    pub status: u16,
    pub body: serde_json::Value,
}

impl PeerConnection {
    /// Connects and completes the TLS 1.3 handshake, presenting `identity` when asked.
    pub fn open(
        address: &str,
        identity: Option<&ClientIdentity>,
        timeout: Duration,
    ) -> Result<PeerConnection, CallError> {
        let (host, port) = split_address(address)?;
        let unreachable = |reason: String| CallError::Unreachable {
            address: address.to_string(),
            reason,
        };
        let targets: Vec<_> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .collect();
        let mut last = "the name has no address".to_string();
        let mut tcp = None;
        for target in targets {
            match TcpStream::connect_timeout(&target, timeout) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = e.to_string(),
            }
        }
        let tcp = tcp.ok_or_else(|| unreachable(last))?;
        let _ = tcp.set_nodelay(true);
        tcp.set_read_timeout(Some(timeout))
            .and_then(|()| tcp.set_write_timeout(Some(timeout)))
            .map_err(|e| unreachable(e.to_string()))?;
        let tls = |reason: String| CallError::Tls {
            address: address.to_string(),
            reason,
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| tls(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedLater(provider)));
        let mut config = match identity {
            Some(id) => {
                let certs = std::iter::once(&id.certificate)
                    .chain(&id.chain)
                    .map(|c| CertificateDer::from(c.clone()))
                    .collect();
                let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.private_key.to_vec()));
                builder.with_client_auth_cert(certs, key).map_err(|e| {
                    tls(format!(
                        "this server's certificate cannot be presented: {e}"
                    ))
                })?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let name = ServerName::try_from(host.clone()).map_err(|_| CallError::Address {
            address: address.to_string(),
            reason: "the host is not a DNS name or an IP address".into(),
        })?;
        let connection =
            ClientConnection::new(Arc::new(config), name).map_err(|e| tls(e.to_string()))?;
        let mut stream = StreamOwned::new(connection, tcp);
        while stream.conn.is_handshaking() {
            stream
                .conn
                .complete_io(&mut stream.sock)
                .map_err(|e| tls(io_reason(&e, timeout)))?;
        }
        Ok(PeerConnection {
            address: address.to_string(),
            host,
            timeout,
            stream,
        })
    }

    /// The certificate the server presented (DER).
    pub fn server_certificate(&self) -> Vec<u8> {
        self.stream
            .conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.to_vec())
            .unwrap_or_default()
    }

    /// The RFC 9266 tls-exporter channel binding of this connection.
    pub fn channel_binding(&self) -> Result<[u8; 32], CallError> {
        self.stream
            .conn
            .export_keying_material([0u8; 32], EXPORTER_LABEL, None)
            .map_err(|e| CallError::Tls {
                address: self.address.clone(),
                reason: e.to_string(),
            })
    }

    /// One request with an optional JSON body; the response.
    pub fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, CallError> {
        let protocol = |reason: String| CallError::Protocol {
            address: self.address.clone(),
            reason,
        };
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nx-api-version: 1.0-rev0\r\nAccept: application/json\r\nContent-Length: {}\r\n",
            self.host,
            payload.len()
        );
        if body.is_some() {
            request.push_str("Content-Type: application/json\r\n");
        }
        request.push_str("\r\n");
        request.push_str(&payload);
        let timeout = self.timeout;
        self.stream
            .write_all(request.as_bytes())
            .and_then(|()| self.stream.flush())
            .map_err(|e| protocol(io_reason(&e, timeout)))?;
        let (status, body) = read_response(&mut self.stream, timeout).map_err(protocol)?;
        Ok(Response {
            status,
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        })
    }
}

/// Why reading or writing failed, in words: a timeout says how long was waited.
fn io_reason(e: &std::io::Error, timeout: Duration) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => format!(
            "no answer within {} s (is it overloaded, or is something in between holding the connection?)",
            timeout.as_secs()
        ),
        _ => e.to_string(),
    }
}

/// Reads one HTTP/1.1 response with a Content-Length body.
fn read_response(stream: &mut impl Read, timeout: Duration) -> Result<(u16, Vec<u8>), String> {
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream
            .read(&mut chunk)
            .map_err(|e| io_reason(&e, timeout))?;
        if n == 0 {
            return Err("the connection closed before a response".into());
        }
        buffer.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buffer).map_err(|e| e.to_string())? {
            httparse::Status::Partial => {
                if buffer.len() > 64 * 1024 {
                    return Err("the response headers are too long".into());
                }
            }
            httparse::Status::Complete(head) => {
                let status = response.code.unwrap_or(0);
                let length = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                    .unwrap_or(0usize);
                if length > MAX_BODY {
                    return Err(format!("the response body is too large ({length} bytes)"));
                }
                let mut body = buffer[head..].to_vec();
                while body.len() < length {
                    let n = stream
                        .read(&mut chunk)
                        .map_err(|e| io_reason(&e, timeout))?;
                    if n == 0 {
                        return Err("the connection closed inside a response".into());
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
                body.truncate(length);
                return Ok((status, body));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_take_the_forms_admins_write() {
        assert_eq!(
            split_address("backup02:9419").unwrap(),
            ("backup02".into(), 9419)
        );
        assert_eq!(
            split_address("backup02").unwrap(),
            ("backup02".into(), 9419)
        );
        assert_eq!(
            split_address("https://10.0.0.2:443/").unwrap(),
            ("10.0.0.2".into(), 443)
        );
        assert_eq!(split_address("[::1]:8443").unwrap(), ("::1".into(), 8443));
        for bad in [
            "",
            "a b:1",
            "host:0",
            "host:99999",
            "::1:80",
            "[zz]:1",
            "host:x",
            "u@h:1",
            "h/p",
        ] {
            assert!(split_address(bad).is_err(), "{bad}");
        }
        // Each refusal says what is wrong.
        for (bad, says) in [
            ("host:99999", "from 1 to 65535"),
            ("host:0", "from 1 to 65535"),
            ("::1", "IPv6 address goes in brackets"),
            ("", "empty"),
        ] {
            let e = split_address(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
        assert_eq!(
            normalized_address("https://dr01.tech.local:9419/").unwrap(),
            "dr01.tech.local:9419"
        );
        assert_eq!(normalized_address("[::1]").unwrap(), "[::1]:9419");
        assert_eq!(normalized_address("backup02").unwrap(), "backup02:9419");
    }

    #[test]
    fn a_response_with_a_body_is_read_exactly() {
        let raw = b"HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n{\"a\":1}extra";
        let (status, body) = read_response(&mut &raw[..], Duration::from_secs(5)).unwrap();
        assert_eq!((status, body.as_slice()), (201, &b"{\"a\":1}"[..]));
        assert!(read_response(&mut &b"HTTP/1.1 200 OK\r\n"[..], Duration::from_secs(5)).is_err());
        // A peer that does not answer in time is named as such, not as a protocol error.
        struct Silent;
        impl Read for Silent {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::WouldBlock.into())
            }
        }
        let silent = read_response(&mut Silent, Duration::from_secs(15)).unwrap_err();
        assert!(silent.starts_with("no answer within 15 s"), "{silent}");
    }
}
