//! Checks a server certificate against the rules the originals apply (domain reference
//! §6), as structured findings: each check passes, warns or fails with a reason a person
//! can act on.

use crate::inspect::CertificateInfo;

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pass,
    Warning,
    Fail,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "Pass",
            Status::Warning => "Warning",
            Status::Fail => "Fail",
        }
    }
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// `PrivateKey`, `ValidityPeriod`, `KeyAlgorithm`, `ServerIdentity`,
    /// `ExtendedKeyUsage`, `BasicConstraints`.
    pub check: &'static str,
    pub status: Status,
    pub reason: String,
    /// A failure an admin may accept with `-Force` (ECC key, identity, EKU); the others
    /// (no key, expired, weak key) make the certificate unusable.
    pub overridable: bool,
}

/// The server the certificate is for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub fqdn: String,
    pub short_name: String,
    pub ip_addresses: Vec<String>,
}

/// Which certificate slot: the server slots take RSA only, as in the originals; the Web
/// UI also takes ECDSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    RsaOnly,
    AnyKey,
}

/// How many days before expiry a certificate gets a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;
/// Smallest RSA key accepted.
pub const MIN_RSA_BITS: u32 = 2048;

const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const ANY_PURPOSE: &str = "2.5.29.37.0";
const DAY: i64 = 86_400;

fn finding(check: &'static str, status: Status, reason: String, overridable: bool) -> Finding {
    Finding {
        check,
        status,
        reason,
        overridable,
    }
}

/// `2031-03-17` for unix seconds.
fn date(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(|d| d.date().to_string())
        .unwrap_or_else(|_| t.to_string())
}

/// The CN of a subject string (`CN=host, O=Org`).
fn common_name(subject: &str) -> Option<&str> {
    subject
        .split(", ")
        .find_map(|part| part.strip_prefix("CN="))
}

/// A DNS name matches `host` (case-insensitive; `*.example.com` covers one label).
pub fn name_matches(pattern: &str, host: &str) -> bool {
    let (pattern, host) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => pattern == host,
    }
}

fn check_validity(info: &CertificateInfo, now: i64) -> Finding {
    if now < info.not_before {
        return finding(
            "ValidityPeriod",
            Status::Fail,
            format!(
                "not valid until {}; check the clock, or use a certificate valid now",
                date(info.not_before)
            ),
            false,
        );
    }
    if now > info.not_after {
        return finding(
            "ValidityPeriod",
            Status::Fail,
            format!(
                "expired on {}; renew it (Generate-BackupServerCertificate, or a new one from your CA)",
                date(info.not_after)
            ),
            false,
        );
    }
    let days = (info.not_after - now) / DAY;
    if days < EXPIRY_WARNING_DAYS {
        return finding(
            "ValidityPeriod",
            Status::Warning,
            format!(
                "expires on {} (in {days} days); plan its renewal",
                date(info.not_after)
            ),
            false,
        );
    }
    finding(
        "ValidityPeriod",
        Status::Pass,
        format!("valid until {} ({days} days)", date(info.not_after)),
        false,
    )
}

fn check_key(info: &CertificateInfo, role: Role) -> Finding {
    let alg = info.key_algorithm.as_str();
    if alg == "RSA" {
        return if info.key_size >= MIN_RSA_BITS {
            finding(
                "KeyAlgorithm",
                Status::Pass,
                format!("RSA {} bits", info.key_size),
                false,
            )
        } else {
            finding(
                "KeyAlgorithm",
                Status::Fail,
                format!(
                    "RSA {} bits is too weak; use at least {MIN_RSA_BITS} bits",
                    info.key_size
                ),
                false,
            )
        };
    }
    if alg.starts_with("ECDSA") {
        return match role {
            Role::AnyKey => finding("KeyAlgorithm", Status::Pass, alg.to_string(), false),
            Role::RsaOnly => finding(
                "KeyAlgorithm",
                Status::Fail,
                format!(
                    "{alg}: ECC keys are not supported for this certificate, as in the originals; use RSA {MIN_RSA_BITS} or larger"
                ),
                true,
            ),
        };
    }
    finding(
        "KeyAlgorithm",
        Status::Fail,
        format!("key algorithm {alg} is not supported; use RSA {MIN_RSA_BITS} or larger"),
        false,
    )
}

fn check_identity(info: &CertificateInfo, id: &Identity) -> Finding {
    let cn = common_name(&info.subject);
    let names: Vec<&str> = info
        .dns_names
        .iter()
        .map(String::as_str)
        .chain(cn)
        .collect();
    let has_name = |host: &str| !host.is_empty() && names.iter().any(|n| name_matches(n, host));
    let has_ip = id
        .ip_addresses
        .iter()
        .any(|ip| info.ip_addresses.contains(ip) || cn == Some(ip.as_str()));
    let fqdn_ok = has_name(&id.fqdn);
    let short_ok = id.short_name == id.fqdn || has_name(&id.short_name);
    match (fqdn_ok, short_ok) {
        (true, true) if id.short_name == id.fqdn => finding(
            "ServerIdentity",
            Status::Pass,
            format!("names {}", id.fqdn),
            true,
        ),
        (true, true) => finding(
            "ServerIdentity",
            Status::Pass,
            format!("names {} and {}", id.fqdn, id.short_name),
            true,
        ),
        (true, false) => finding(
            "ServerIdentity",
            Status::Warning,
            format!(
                "names {} but not the short name {}; clients that use the short name will refuse it (add it to the subject alternative names)",
                id.fqdn, id.short_name
            ),
            true,
        ),
        (false, _) if has_ip => finding(
            "ServerIdentity",
            Status::Warning,
            format!(
                "names the server only by IP address, not {}; clients that use the name will refuse it",
                id.fqdn
            ),
            true,
        ),
        (false, _) => finding(
            "ServerIdentity",
            Status::Fail,
            format!(
                "neither the subject nor the subject alternative names contain {} or an address of this server; clients will refuse it. If the server's name is wrong, set it with Set-ServerIdentity",
                id.fqdn
            ),
            true,
        ),
    }
}

fn check_eku(info: &CertificateInfo) -> Finding {
    if info.extended_key_usages.is_empty() {
        return finding(
            "ExtendedKeyUsage",
            Status::Pass,
            "no extended key usage extension: any purpose".into(),
            true,
        );
    }
    if info
        .extended_key_usages
        .iter()
        .any(|e| e.oid == SERVER_AUTH || e.oid == ANY_PURPOSE)
    {
        return finding(
            "ExtendedKeyUsage",
            Status::Pass,
            "Server Authentication".into(),
            true,
        );
    }
    let have: Vec<&str> = info
        .extended_key_usages
        .iter()
        .map(|e| {
            if e.friendly_name.is_empty() {
                e.oid.as_str()
            } else {
                e.friendly_name.as_str()
            }
        })
        .collect();
    finding(
        "ExtendedKeyUsage",
        Status::Fail,
        format!(
            "allows {} but not Server Authentication (1.3.6.1.5.5.7.3.1); TLS clients will refuse it",
            have.join(", ")
        ),
        true,
    )
}

fn check_basic_constraints(info: &CertificateInfo) -> Finding {
    match info.is_ca {
        Some(true) => finding(
            "BasicConstraints",
            Status::Fail,
            "it is a CA certificate (CA:TRUE); a server needs an end-entity certificate".into(),
            true,
        ),
        Some(false) => finding(
            "BasicConstraints",
            Status::Pass,
            "end entity (CA:FALSE)".into(),
            true,
        ),
        None => finding(
            "BasicConstraints",
            Status::Pass,
            "no basic constraints extension: end entity".into(),
            true,
        ),
    }
}

/// Every check of a server certificate at time `now` (unix seconds).
pub fn check_server_certificate(
    info: &CertificateInfo,
    has_private_key: bool,
    now: i64,
    identity: &Identity,
    role: Role,
) -> Vec<Finding> {
    let key = if has_private_key {
        finding(
            "PrivateKey",
            Status::Pass,
            "the private key is present".into(),
            false,
        )
    } else {
        finding(
            "PrivateKey",
            Status::Fail,
            "no private key: a server certificate needs its key; import a PFX (or a .key file) that includes it".into(),
            false,
        )
    };
    vec![
        key,
        check_validity(info, now),
        check_key(info, role),
        check_identity(info, identity),
        check_eku(info),
        check_basic_constraints(info),
    ]
}

/// The failures that block using the certificate: all of them, or with `force` only
/// those that cannot be overridden.
pub fn blocking(findings: &[Finding], force: bool) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.status == Status::Fail && !(force && f.overridable))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateRequest, generate_self_signed};
    use crate::keys::KeyAlgorithm;
    use certhost_primitives::Software;

    const NOW: i64 = 1_800_000_000;

    fn identity() -> Identity {
        Identity {
            fqdn: "backup01.tech.local".into(),
            short_name: "backup01".into(),
            ip_addresses: vec!["10.0.0.5".into()],
        }
    }

    fn make(f: impl FnOnce(&mut GenerateRequest)) -> CertificateInfo {
        let mut r = GenerateRequest::server_default(NOW);
        r.dns_names = vec!["backup01.tech.local".into(), "backup01".into()];
        r.key = KeyAlgorithm::EcdsaP256;
        f(&mut r);
        let made = generate_self_signed(&r, &Software).unwrap();
        crate::inspect::inspect(&made.certificate).unwrap()
    }

    fn status(findings: &[Finding], check: &str) -> Status {
        findings.iter().find(|f| f.check == check).unwrap().status
    }

    #[test]
    fn a_good_certificate_passes_every_check() {
        let info = make(|_| {});
        let f = check_server_certificate(&info, true, NOW, &identity(), Role::AnyKey);
        assert!(f.iter().all(|f| f.status == Status::Pass), "{f:#?}");
        assert!(blocking(&f, false).is_empty());
    }

    #[test]
    fn ecc_fails_for_rsa_only_slots_unless_forced() {
        let info = make(|_| {});
        let f = check_server_certificate(&info, true, NOW, &identity(), Role::RsaOnly);
        assert_eq!(status(&f, "KeyAlgorithm"), Status::Fail);
        assert_eq!(blocking(&f, false).len(), 1);
        assert!(blocking(&f, true).is_empty());
    }

    #[test]
    fn expiry_and_missing_key_cannot_be_forced() {
        let info = make(|_| {});
        let later = info.not_after + 1;
        let f = check_server_certificate(&info, false, later, &identity(), Role::AnyKey);
        assert_eq!(status(&f, "ValidityPeriod"), Status::Fail);
        assert_eq!(status(&f, "PrivateKey"), Status::Fail);
        assert_eq!(blocking(&f, true).len(), 2);
        let soon = info.not_after - 5 * DAY;
        let f = check_server_certificate(&info, true, soon, &identity(), Role::AnyKey);
        assert_eq!(status(&f, "ValidityPeriod"), Status::Warning);
        let early = info.not_before - 1;
        let f = check_server_certificate(&info, true, early, &identity(), Role::AnyKey);
        assert!(f[1].reason.starts_with("not valid until"));
    }

    #[test]
    fn identity_checks_fqdn_short_name_and_wildcards() {
        let info = make(|r| r.dns_names = vec!["backup01.tech.local".into()]);
        let f = check_server_certificate(&info, true, NOW, &identity(), Role::AnyKey);
        assert_eq!(status(&f, "ServerIdentity"), Status::Warning);
        let info = make(|r| r.dns_names = vec!["other.example.com".into()]);
        let f = check_server_certificate(&info, true, NOW, &identity(), Role::AnyKey);
        assert_eq!(status(&f, "ServerIdentity"), Status::Fail);
        assert!(f[3].reason.contains("backup01.tech.local"));
        assert!(name_matches("*.tech.local", "backup01.tech.local"));
        assert!(!name_matches("*.tech.local", "a.b.tech.local"));
        assert!(!name_matches("*.tech.local", "tech.local"));
    }

    #[test]
    fn eku_without_server_auth_fails() {
        let info = make(|r| {
            r.extended_key_usages = vec![crate::generate::ExtendedKeyUsage::ClientAuth];
        });
        let f = check_server_certificate(&info, true, NOW, &identity(), Role::AnyKey);
        assert_eq!(status(&f, "ExtendedKeyUsage"), Status::Fail);
        assert!(f[4].reason.contains("Client Authentication"));
    }
}
