//! The server's identity: the names and addresses clients reach it by. Each part is
//! detected from the machine unless an admin set it (`Set-ServerIdentity`), which is
//! stored in the database so every process agrees.

use crate::store::{Database, StoreError};

/// Setting names of the explicit values.
const FQDN: &str = "identity.fqdn";
const SHORT_NAME: &str = "identity.short-name";
const IP_ADDRESSES: &str = "identity.ip-addresses";

/// The names and addresses of this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerIdentity {
    pub fqdn: String,
    pub short_name: String,
    pub ip_addresses: Vec<String>,
    /// Which parts an admin set (the others were detected).
    pub explicit: Vec<&'static str>,
}

/// The kernel's host name (`/proc/sys/kernel/hostname`), `localhost` when unreadable.
fn kernel_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The fully qualified name of `host`: itself when it has a dot, else the first dotted
/// name beginning with `host.` on an `/etc/hosts` line that names it (as `hostname -f`
/// finds it on a machine without DNS).
fn qualify(host: &str) -> String {
    if host.contains('.') {
        return host.to_string();
    }
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let prefix = format!("{host}.");
    hosts
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .filter_map(|l| {
            let names: Vec<&str> = l.split_whitespace().skip(1).collect();
            names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(host) || n.starts_with(&prefix))
                .then(|| {
                    names
                        .iter()
                        .find(|n| n.to_ascii_lowercase().starts_with(&prefix))
                        .map(|n| n.to_ascii_lowercase())
                })
                .flatten()
        })
        .next()
        .unwrap_or_else(|| host.to_string())
}

/// The machine's addresses, loopback and link-local excluded, IPv4 first.
fn detected_addresses() -> Vec<String> {
    let mut addresses: Vec<std::net::IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip())
        .filter(|ip| !ip.is_loopback())
        .filter(|ip| match ip {
            std::net::IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
            std::net::IpAddr::V4(v4) => !v4.is_link_local(),
        })
        .collect();
    addresses.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    addresses.dedup();
    addresses.iter().map(ToString::to_string).collect()
}

/// The identity: explicit values where set, detected ones elsewhere.
pub fn server_identity(db: &Database) -> Result<ServerIdentity, StoreError> {
    let mut explicit = Vec::new();
    let fqdn = match db.setting(FQDN)? {
        Some(v) => {
            explicit.push("Fqdn");
            v
        }
        None => qualify(&kernel_hostname()),
    };
    let short_name = match db.setting(SHORT_NAME)? {
        Some(v) => {
            explicit.push("ShortName");
            v
        }
        None => fqdn.split('.').next().unwrap_or(&fqdn).to_string(),
    };
    let ip_addresses = match db.setting(IP_ADDRESSES)? {
        Some(v) => {
            explicit.push("IPAddress");
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }
        None => detected_addresses(),
    };
    Ok(ServerIdentity {
        fqdn,
        short_name,
        ip_addresses,
        explicit,
    })
}

/// A change to the identity: `Some` sets a part, `None` leaves it; `reset` parts go back
/// to detection.
#[derive(Default)]
pub struct IdentityChange {
    pub fqdn: Option<String>,
    pub short_name: Option<String>,
    pub ip_addresses: Option<Vec<String>>,
    pub reset: bool,
}

/// Why an identity change was refused.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "'{0}' is not a host name: use letters, digits, '-' and '.' (for example backup01.tech.local)"
    )]
    BadName(String),
    #[error("'{0}' is not an IP address")]
    BadAddress(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn valid_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Applies a change (validated first; nothing is stored when any part is bad).
pub fn set_server_identity(db: &mut Database, change: IdentityChange) -> Result<(), IdentityError> {
    let mut values: Vec<(&str, Option<String>)> = Vec::new();
    if change.reset {
        values.extend([(FQDN, None), (SHORT_NAME, None), (IP_ADDRESSES, None)]);
    }
    for (setting, name) in [(FQDN, change.fqdn), (SHORT_NAME, change.short_name)] {
        if let Some(name) = name {
            let name = name.trim().to_ascii_lowercase();
            if !valid_host_name(&name) {
                return Err(IdentityError::BadName(name));
            }
            values.push((setting, Some(name)));
        }
    }
    if let Some(addresses) = change.ip_addresses {
        let mut parsed = Vec::new();
        for a in &addresses {
            let ip: std::net::IpAddr = a
                .trim()
                .parse()
                .map_err(|_| IdentityError::BadAddress(a.clone()))?;
            parsed.push(ip.to_string());
        }
        values.push((IP_ADDRESSES, Some(parsed.join(","))));
    }
    db.set_settings(&values)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_are_checked() {
        assert!(valid_host_name("backup01.tech.local"));
        assert!(valid_host_name("b-1"));
        assert!(!valid_host_name("bad_name"));
        assert!(!valid_host_name("-x.local"));
        assert!(!valid_host_name("a..b"));
        assert!(!valid_host_name(""));
    }

    #[test]
    fn explicit_values_win_and_reset_restores_detection() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Database::open(dir.path()).unwrap();
        let detected = server_identity(&db).unwrap();
        assert!(detected.explicit.is_empty());
        set_server_identity(
            &mut db,
            IdentityChange {
                fqdn: Some("Backup01.Tech.Local".into()),
                ip_addresses: Some(vec!["10.0.0.5".into()]),
                ..Default::default()
            },
        )
        .unwrap();
        let set = server_identity(&db).unwrap();
        assert_eq!(set.fqdn, "backup01.tech.local");
        assert_eq!(set.short_name, "backup01");
        assert_eq!(set.ip_addresses, vec!["10.0.0.5"]);
        let bad = set_server_identity(
            &mut db,
            IdentityChange {
                fqdn: Some("ok.local".into()),
                ip_addresses: Some(vec!["10.0.0.300".into()]),
                ..Default::default()
            },
        );
        assert!(matches!(bad, Err(IdentityError::BadAddress(_))));
        assert_eq!(server_identity(&db).unwrap().fqdn, "backup01.tech.local");
        set_server_identity(
            &mut db,
            IdentityChange {
                reset: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(server_identity(&db).unwrap(), detected);
    }
}
