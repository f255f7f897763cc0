//! ACME (RFC 8555) issuance for certificate slots: an account kept sealed in the store,
//! an order for DNS names and IP addresses (RFC 8738), its challenges answered by
//! `certhost serve` (tls-alpn-01 on its TLS bindings, http-01 on its `--acme-http`
//! listener) or by an admin's DNS script (dns-01), and the certificate fetched. The key
//! and its request come from the certificate component; the certificate is assigned to
//! its slot by the caller, through the same validated, atomic slot change as every other.
//! See docs/acme.md.

pub mod account;
pub mod challenge;
pub mod order;
pub mod renewal;

use crate::store::{AcmeRegistration, StoreError};
use std::net::IpAddr;

/// How the ACME server checks that we control an identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChallengeKind {
    /// tls-alpn-01 (RFC 8737): `certhost serve` answers on its TLS bindings.
    TlsAlpn01,
    /// http-01: `certhost serve --acme-http` answers on port 80 (or the address given).
    Http01,
    /// dns-01 through an admin's command, run as `<command> add|remove <name> <value>`.
    Dns01Script(String),
}

impl ChallengeKind {
    /// The name the cmdlets and the registration use.
    pub fn name(&self) -> &'static str {
        match self {
            ChallengeKind::TlsAlpn01 => "TlsAlpn01",
            ChallengeKind::Http01 => "Http01",
            ChallengeKind::Dns01Script(_) => "Dns01Script",
        }
    }

    pub fn from_registration(r: &AcmeRegistration) -> Result<ChallengeKind, AcmeError> {
        match (r.challenge.as_str(), &r.dns_script) {
            ("TlsAlpn01", _) => Ok(ChallengeKind::TlsAlpn01),
            ("Http01", _) => Ok(ChallengeKind::Http01),
            ("Dns01Script", Some(script)) => Ok(ChallengeKind::Dns01Script(script.clone())),
            (other, _) => Err(AcmeError::InvalidArgument(format!(
                "the registration of {} names the challenge '{other}', which certhost does not know",
                r.slot
            ))),
        }
    }
}

/// An identifier to order: a DNS name or an IP address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AcmeIdentifier {
    Dns(String),
    Ip(IpAddr),
}

impl AcmeIdentifier {
    /// `dns:name` / `ip:address`, as registrations keep them.
    pub fn tagged(&self) -> String {
        match self {
            AcmeIdentifier::Dns(name) => format!("dns:{name}"),
            AcmeIdentifier::Ip(ip) => format!("ip:{ip}"),
        }
    }

    pub fn from_tagged(text: &str) -> Result<AcmeIdentifier, AcmeError> {
        match text.split_once(':') {
            Some(("dns", name)) => AcmeIdentifier::dns(name),
            Some(("ip", ip)) => AcmeIdentifier::ip(ip),
            _ => Err(AcmeError::InvalidArgument(format!(
                "'{text}' is not an identifier (dns:name or ip:address)"
            ))),
        }
    }

    /// A DNS name as ACME takes it: lowercase, no trailing dot, letters, digits,
    /// hyphens and dots (a leading `*.` for a wildcard, which needs dns-01).
    pub fn dns(name: &str) -> Result<AcmeIdentifier, AcmeError> {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let bare = name.strip_prefix("*.").unwrap_or(&name);
        let valid = !bare.is_empty()
            && bare.len() <= 253
            && bare.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !valid || bare.parse::<IpAddr>().is_ok() {
            return Err(AcmeError::InvalidArgument(format!(
                "'{name}' is not a DNS name an ACME server can issue for (use -IPAddress for addresses)"
            )));
        }
        Ok(AcmeIdentifier::Dns(name))
    }

    pub fn ip(text: &str) -> Result<AcmeIdentifier, AcmeError> {
        text.trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map(AcmeIdentifier::Ip)
            .map_err(|_| AcmeError::InvalidArgument(format!("'{text}' is not an IP address")))
    }

    pub fn to_acme(&self) -> instant_acme::Identifier {
        match self {
            AcmeIdentifier::Dns(name) => instant_acme::Identifier::Dns(name.clone()),
            AcmeIdentifier::Ip(ip) => instant_acme::Identifier::Ip(*ip),
        }
    }

    /// The identifier as the challenge table keys it (the name, or the address).
    pub fn key(&self) -> String {
        match self {
            AcmeIdentifier::Dns(name) => name.clone(),
            AcmeIdentifier::Ip(ip) => ip.to_string(),
        }
    }
}

/// Everything an order needs besides the request.
#[derive(Clone, Debug)]
pub struct OrderSpec {
    /// The directory URL.
    pub directory: String,
    pub identifiers: Vec<AcmeIdentifier>,
    pub challenge: ChallengeKind,
    /// PEM roots for the directory's TLS certificate (none: the system's roots).
    pub root_pem: Option<String>,
    /// Where to check our own answer before telling the server it is ready (the port the
    /// ACME server connects to); none skips the check.
    pub self_check_port: Option<u16>,
}

/// Why an ACME issuance failed. Nothing was stored or assigned when it did.
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("cannot use the ACME server {directory}: {reason}")]
    Directory { directory: String, reason: String },
    #[error("the ACME server refused the account: {0}")]
    Account(String),
    #[error(
        "the ACME server no longer accepts the account certhost keeps for {directory}: {detail}. Nothing was changed. If the account was deactivated or revoked, run  Remove-AcmeAccount -Server {directory}  and try again: a new account is registered on the next order"
    )]
    AccountNotValid { directory: String, detail: String },
    #[error("no ACME account is kept for {0}; Get-AcmeAccount lists the ones that are")]
    NoAccount(String),
    #[error("the ACME server refused the order: {0}")]
    Order(String),
    #[error(
        "the ACME server offers no {kind} challenge for {identifier}; choose another -Challenge"
    )]
    NoSuchChallenge { identifier: String, kind: String },
    #[error("{0}")]
    NotAnswering(String),
    #[error("the DNS script failed for {identifier}: {reason}")]
    DnsScript { identifier: String, reason: String },
    #[error("the ACME server could not validate {identifier}: {detail}")]
    Validation { identifier: String, detail: String },
    #[error(
        "the ACME server did not finish the order in time ({0}); nothing was changed, try again later"
    )]
    Timeout(String),
    #[error("the ACME server did not issue the certificate: {0}")]
    Finalize(String),
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
}

/// The ACME problem document of an instant-acme error, in words.
pub fn problem_text(e: &instant_acme::Error) -> String {
    match e {
        instant_acme::Error::Api(problem) => {
            let mut text = problem.detail.clone().unwrap_or_else(|| "no detail".into());
            if let Some(kind) = &problem.r#type {
                let short = kind.rsplit(':').next().unwrap_or(kind);
                text.push_str(&format!(" ({short})"));
            }
            for sub in &problem.subproblems {
                if let Some(detail) = &sub.detail {
                    text.push_str(&format!("; {detail}"));
                }
            }
            text
        }
        other => other.to_string(),
    }
}

/// The key algorithm names the cmdlet takes, as the component's request wants them.
pub fn key_algorithm(name: &str) -> Result<crate::plugin::KeyAlgorithm, AcmeError> {
    use crate::plugin::KeyAlgorithm as K;
    match name.to_ascii_uppercase().as_str() {
        "RSA2048" | "RSA" => Ok(K::Rsa(2048)),
        "RSA3072" => Ok(K::Rsa(3072)),
        "RSA4096" => Ok(K::Rsa(4096)),
        "ECDSA_P256" => Ok(K::EcdsaP256),
        "ECDSA_P384" => Ok(K::EcdsaP384),
        other => Err(AcmeError::InvalidArgument(format!(
            "the key algorithm '{other}' is not one of RSA2048, RSA3072, RSA4096, ECDSA_P256, ECDSA_P384"
        ))),
    }
}

/// The component request for a server certificate with these identifiers: subject CN
/// is the first DNS name (else the first address), server authentication.
pub fn generate_request(
    identifiers: &[AcmeIdentifier],
    key: crate::plugin::KeyAlgorithm,
) -> crate::plugin::GenerateRequest {
    use crate::plugin::{ExtendedKeyUsage, GenerateRequest, KeyUsage};
    let dns_names: Vec<String> = identifiers
        .iter()
        .filter_map(|i| match i {
            AcmeIdentifier::Dns(name) => Some(name.clone()),
            AcmeIdentifier::Ip(_) => None,
        })
        .collect();
    let ip_addresses: Vec<String> = identifiers
        .iter()
        .filter_map(|i| match i {
            AcmeIdentifier::Ip(ip) => Some(ip.to_string()),
            AcmeIdentifier::Dns(_) => None,
        })
        .collect();
    let subject = identifiers.first().map(|i| format!("CN={}", i.key()));
    let now = crate::clock::now();
    let key_usages = match key {
        crate::plugin::KeyAlgorithm::Rsa(_) => {
            vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
        }
        _ => vec![KeyUsage::DigitalSignature],
    };
    GenerateRequest {
        subject,
        dns_names,
        ip_addresses,
        // The request carries no validity; the CA decides it.
        not_before: now,
        not_after: now + 90 * 86_400,
        key,
        key_usages,
        extended_key_usages: vec![ExtendedKeyUsage::ServerAuth],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked_and_round_trip() {
        let name = AcmeIdentifier::dns("Backup01.Tech.Local.").unwrap();
        assert_eq!(name, AcmeIdentifier::Dns("backup01.tech.local".into()));
        assert_eq!(AcmeIdentifier::from_tagged(&name.tagged()).unwrap(), name);
        let ip = AcmeIdentifier::ip("[::1]").unwrap();
        assert_eq!(ip.tagged(), "ip:::1");
        assert_eq!(AcmeIdentifier::from_tagged("ip:::1").unwrap(), ip);
        for bad in ["", "bad name", "-x.example", "127.0.0.1", "a..b"] {
            assert!(AcmeIdentifier::dns(bad).is_err(), "{bad}");
        }
        assert!(AcmeIdentifier::ip("300.1.1.1").is_err());
        assert!(AcmeIdentifier::from_tagged("uri:x").is_err());
    }

    #[test]
    fn the_request_names_dns_names_first() {
        let ids = vec![
            AcmeIdentifier::Ip("127.0.0.1".parse().unwrap()),
            AcmeIdentifier::Dns("backup01.tech.local".into()),
        ];
        let r = generate_request(&ids, key_algorithm("ecdsa_p256").unwrap());
        assert_eq!(r.subject.as_deref(), Some("CN=127.0.0.1"));
        assert_eq!(r.dns_names, vec!["backup01.tech.local"]);
        assert_eq!(r.ip_addresses, vec!["127.0.0.1"]);
        assert!(key_algorithm("DSA").is_err());
    }
}
