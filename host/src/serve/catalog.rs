//! What the server serves: for each binding, a TLS configuration with its certificate,
//! rebuilt from the database whenever it changes. Configurations are cached by
//! thumbprint, so an unchanged certificate keeps its session-resumption state; a new
//! OCSP staple rebuilds them.

use crate::store::{BACKUP_SERVER_SLOT, Binding, Database, SlotAssignment};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// One binding made servable.
struct Served {
    config: Arc<ServerConfig>,
}

/// The bindings and their TLS configurations at one moment.
#[derive(Default)]
pub struct Catalog {
    /// ip:port bindings.
    by_address: HashMap<SocketAddr, Served>,
    /// hostname:port (SNI) bindings, hostname lowercase.
    by_name: HashMap<(String, u16), Served>,
    /// Thumbprint per endpoint, for logs.
    pub serving: Vec<(String, String)>,
    /// Bindings that could not be loaded, with the reason.
    pub broken: Vec<(String, String)>,
    /// What the backup server slot holds, for the REST routes (no database read per
    /// request).
    pub backup_server: Option<SlotAssignment>,
    /// The served certificates with their chains, for OCSP stapling.
    pub ocsp_targets: Vec<super::ocsp::Target>,
    /// tls-alpn-01 answers by identifier (a lowercase name or an address).
    acme_tls: HashMap<String, Arc<ServerConfig>>,
    /// http-01 answers: the key authorization by token.
    acme_http: HashMap<String, String>,
}

/// A served certificate's TLS configuration, with what stapling needs.
pub struct Prepared {
    config: Arc<ServerConfig>,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

fn unspecified(ip: IpAddr) -> bool {
    ip.is_unspecified()
}

/// `0.0.0.0:9419`, `[::]:443`.
pub fn parse_ip_endpoint(endpoint: &str) -> Option<SocketAddr> {
    endpoint.parse().ok()
}

/// `host.example.com:443` → (`host.example.com`, 443).
fn parse_name_endpoint(endpoint: &str) -> Option<(String, u16)> {
    let (host, port) = endpoint.rsplit_once(':')?;
    Some((host.to_ascii_lowercase(), port.parse().ok()?))
}

/// A TLS 1.2/1.3 server configuration for a certificate, its chain and key, with an
/// OCSP response to staple when there is one.
pub fn server_config(
    certificate: &[u8],
    chain: &[Vec<u8>],
    private_key: &[u8],
    ocsp: Option<Vec<u8>>,
) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = std::iter::once(certificate)
        .chain(chain.iter().map(Vec::as_slice))
        .map(|c| CertificateDer::from(c.to_vec()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(private_key.to_vec()));
    let mut config = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?
        .with_client_cert_verifier(Arc::new(PeerCertificates(provider)))
        .with_single_cert_with_ocsp(certs, key, ocsp.unwrap_or_default())
        .map_err(|e| format!("the certificate and key cannot serve TLS: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Asks for a client certificate without requiring one: trusted peers present theirs
/// (docs/appliance-trust.md), other clients none. A presented certificate is accepted
/// here when its handshake signature verifies; which peer it is (if any) the appliance
/// routes decide by its pin, on every request, so removing a peer takes effect at once.
#[derive(Debug)]
struct PeerCertificates(Arc<rustls::crypto::CryptoProvider>);

impl rustls::server::danger::ClientCertVerifier for PeerCertificates {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
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
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl Catalog {
    /// Reads every binding and its certificate. `cache` keeps configurations by
    /// thumbprint across reloads.
    pub fn load(
        db: &Database,
        cache: &mut HashMap<String, Prepared>,
        stapler: &super::ocsp::Stapler,
    ) -> Result<Catalog, String> {
        let mut catalog = Catalog::default();
        let mut used = BTreeSet::new();
        for b in db.list_bindings().map_err(|e| e.to_string())? {
            match Self::config_for(db, &b, cache, stapler) {
                Ok(config) => {
                    used.insert(b.certificate_hash.clone());
                    let served = Served { config };
                    if b.sni {
                        if let Some(key) = parse_name_endpoint(&b.endpoint) {
                            catalog.by_name.insert(key, served);
                        }
                    } else if let Some(addr) = parse_ip_endpoint(&b.endpoint) {
                        catalog.by_address.insert(addr, served);
                    }
                    catalog
                        .serving
                        .push((b.endpoint.clone(), b.certificate_hash.clone()));
                }
                Err(reason) => catalog.broken.push((b.endpoint.clone(), reason)),
            }
        }
        cache.retain(|thumbprint, _| used.contains(thumbprint));
        catalog.ocsp_targets = cache
            .iter()
            .map(|(thumbprint, p)| super::ocsp::Target {
                thumbprint: thumbprint.clone(),
                certificate: p.certificate.clone(),
                chain: p.chain.clone(),
            })
            .collect();
        catalog.backup_server = db
            .get_slot(BACKUP_SERVER_SLOT)
            .map_err(|e| format!("the backup server slot cannot be read: {e}"))?;
        catalog.load_acme_answers(db);
        Ok(catalog)
    }

    /// The ACME challenge answers published now (a challenge that cannot be answered
    /// is logged; the order then fails at its self-check).
    fn load_acme_answers(&mut self, db: &Database) {
        use crate::acme::challenge::{HTTP_01, TLS_ALPN_01, tls_alpn_config};
        let answers = match db.list_acme_challenges(crate::clock::now()) {
            Ok(answers) => answers,
            Err(e) => {
                super::log(&format!("cannot read the ACME challenges: {e}"));
                return;
            }
        };
        for answer in answers {
            match answer.kind.as_str() {
                TLS_ALPN_01 => match tls_alpn_config(&answer.identifier, &answer.key_authorization)
                {
                    Ok(config) => {
                        self.acme_tls
                            .insert(answer.identifier.to_ascii_lowercase(), config);
                    }
                    Err(e) => super::log(&format!(
                        "cannot answer the tls-alpn-01 challenge for {}: {e}",
                        answer.identifier
                    )),
                },
                HTTP_01 => {
                    self.acme_http
                        .insert(answer.token, answer.key_authorization);
                }
                _ => {}
            }
        }
    }

    /// The tls-alpn-01 answer for a validation connection, if one is published.
    pub fn acme_tls_answer(&self, identifier: &str) -> Option<Arc<ServerConfig>> {
        self.acme_tls.get(&identifier.to_ascii_lowercase()).cloned()
    }

    /// The http-01 answer for a token, if one is published.
    pub fn acme_http_answer(&self, token: &str) -> Option<String> {
        self.acme_http.get(token).cloned()
    }

    fn config_for(
        db: &Database,
        b: &Binding,
        cache: &mut HashMap<String, Prepared>,
        stapler: &super::ocsp::Stapler,
    ) -> Result<Arc<ServerConfig>, String> {
        if let Some(prepared) = cache.get(&b.certificate_hash) {
            return Ok(prepared.config.clone());
        }
        let stored = db
            .get_certificate(&b.store_name, &b.certificate_hash)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| {
                format!(
                    "certificate {} is not in store {}",
                    b.certificate_hash, b.store_name
                )
            })?;
        let key = stored
            .private_key
            .as_deref()
            .ok_or_else(|| format!("certificate {} has no private key", b.certificate_hash))?;
        let staple = stapler.staple(&b.certificate_hash, crate::clock::now());
        let config = server_config(&stored.certificate, &stored.chain, key, staple)?;
        cache.insert(
            b.certificate_hash.clone(),
            Prepared {
                config: config.clone(),
                certificate: stored.certificate.clone(),
                chain: stored.chain.clone(),
            },
        );
        Ok(config)
    }

    /// The addresses to listen on: every ip:port binding, and 0.0.0.0:port for SNI
    /// bindings. A specific address is dropped when a wildcard covers its port.
    pub fn listen_addresses(&self) -> BTreeSet<SocketAddr> {
        let mut all: BTreeSet<SocketAddr> = self.by_address.keys().copied().collect();
        for (_, port) in self.by_name.keys() {
            all.insert(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), *port));
        }
        let wildcard_v4: BTreeSet<u16> = all
            .iter()
            .filter(|a| a.is_ipv4() && unspecified(a.ip()))
            .map(|a| a.port())
            .collect();
        all.into_iter()
            .filter(|a| unspecified(a.ip()) || !(a.is_ipv4() && wildcard_v4.contains(&a.port())))
            .collect()
    }

    /// The configuration for a connection to `local` that asked for `server_name`:
    /// the SNI binding, else the exact ip:port binding, else the wildcard one.
    pub fn lookup(
        &self,
        local: SocketAddr,
        server_name: Option<&str>,
    ) -> Option<Arc<ServerConfig>> {
        let port = local.port();
        if let Some(name) = server_name
            && let Some(s) = self.by_name.get(&(name.to_ascii_lowercase(), port))
        {
            return Some(s.config.clone());
        }
        let ip = match local.ip() {
            IpAddr::V6(v6) => v6
                .to_ipv4_mapped()
                .map(IpAddr::V4)
                .unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        let candidates = [
            SocketAddr::new(ip, port),
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
        ];
        candidates
            .iter()
            .find_map(|a| self.by_address.get(a))
            .map(|s| s.config.clone())
    }
}
