//! Binding endpoints (`ip:port`, `hostname:port`) in one canonical spelling, so that
//! `0.0.0.0:08450` and `0.0.0.0:8450`, `::1:443` and `[::1]:443`, or `API.tech.local:443`
//! and `api.tech.local:443` name the same binding. netsh and the SslBinding cmdlets
//! read what the user wrote through these functions before they compare or store it.

use std::net::{IpAddr, SocketAddr};

/// An endpoint in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `0.0.0.0:9419`, `[::1]:443` or `api.tech.local:443`.
    pub text: String,
    /// A `hostname:port` (SNI) endpoint.
    pub sni: bool,
}

/// Why a text is not an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    #[error(
        "'{0}' has no port; write address:port, for example 0.0.0.0:9419, [::]:443 or api.tech.local:443"
    )]
    NoPort(String),
    #[error("the port of '{endpoint}' must be a number from 1 to 65535 (got '{port}')")]
    Port { endpoint: String, port: String },
    #[error(
        "'{host}' in '{endpoint}' is not an IPv4 or IPv6 address (for example 0.0.0.0:9419 or [::]:443); a host name makes an SNI binding (hostnameport=)"
    )]
    Address { endpoint: String, host: String },
    #[error(
        "'{host}' in '{endpoint}' is not a host name: use letters, digits and '-' in labels separated by '.' (for example api.tech.local:443)"
    )]
    Hostname { endpoint: String, host: String },
    #[error(
        "'{0}' is not ip:port or hostname:port (for example 0.0.0.0:9419, [::]:443 or api.tech.local:443)"
    )]
    Neither(String),
}

/// An `ip:port` endpoint: IPv4 in dotted form, IPv6 in brackets (`[::]:443`; brackets
/// may be left out on input), the port without leading zeros.
pub fn ip_endpoint(text: &str) -> Result<Endpoint, EndpointError> {
    let text = text.trim();
    let (host, port) = split_port(text)?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = bare.parse().map_err(|_| EndpointError::Address {
        endpoint: text.to_string(),
        host: host.to_string(),
    })?;
    Ok(Endpoint {
        text: SocketAddr::new(ip, port).to_string(),
        sni: false,
    })
}

/// A `hostname:port` (SNI) endpoint: the name in lower case, the port without leading
/// zeros.
pub fn hostname_endpoint(text: &str) -> Result<Endpoint, EndpointError> {
    let text = text.trim();
    let (host, port) = split_port(text)?;
    if !valid_hostname(host) {
        return Err(EndpointError::Hostname {
            endpoint: text.to_string(),
            host: host.to_string(),
        });
    }
    Ok(Endpoint {
        text: format!("{}:{port}", host.to_ascii_lowercase()),
        sni: true,
    })
}

/// An `ip:port` endpoint, else a `hostname:port` one (as the SslBinding cmdlets take it).
pub fn any_endpoint(text: &str) -> Result<Endpoint, EndpointError> {
    match ip_endpoint(text) {
        Err(EndpointError::Address { .. }) => hostname_endpoint(text).map_err(|e| match e {
            EndpointError::Hostname { endpoint, .. } => EndpointError::Neither(endpoint),
            other => other,
        }),
        result => result,
    }
}

/// `host` and the port number of `host:port`.
fn split_port(text: &str) -> Result<(&str, u16), EndpointError> {
    let no_port = || EndpointError::NoPort(text.to_string());
    if text.ends_with(']') {
        return Err(no_port());
    }
    let (host, port) = text.rsplit_once(':').ok_or_else(no_port)?;
    Ok((host, parse_port(text, port)?))
}

/// A port from 1 to 65535 in decimal digits; leading zeros are allowed (`08450` is 8450).
fn parse_port(endpoint: &str, port: &str) -> Result<u16, EndpointError> {
    let bad = || EndpointError::Port {
        endpoint: endpoint.to_string(),
        port: port.to_string(),
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    // An overflow (more than 65535) fails to parse; all zeros trim to "" and fail too.
    let significant = port.trim_start_matches('0');
    significant
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(bad)
}

/// Labels of letters, digits and `-` (1 to 63 each), separated by `.`.
fn valid_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> String {
        ip_endpoint(text)
            .map(|e| e.text)
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn leading_zeros_in_a_port_are_the_same_port() {
        assert_eq!(ip("0.0.0.0:08450"), "0.0.0.0:8450");
        assert_eq!(ip("0.0.0.0:8450"), "0.0.0.0:8450");
        assert_eq!(ip("0.0.0.0:0000443"), "0.0.0.0:443");
        assert_eq!(
            hostname_endpoint("api.tech.local:0443").map(|e| e.text),
            Ok("api.tech.local:443".into())
        );
    }

    #[test]
    fn ports_outside_1_to_65535_are_refused_with_the_range() {
        for (text, port) in [
            ("0.0.0.0:0", "0"),
            ("0.0.0.0:000", "000"),
            ("0.0.0.0:65536", "65536"),
            ("0.0.0.0:99999999999", "99999999999"),
            ("0.0.0.0:+443", "+443"),
            ("0.0.0.0:", ""),
            ("0.0.0.0:44x", "44x"),
        ] {
            assert_eq!(
                ip_endpoint(text),
                Err(EndpointError::Port {
                    endpoint: text.into(),
                    port: port.into()
                }),
                "{text}"
            );
        }
        assert_eq!(
            ip_endpoint("0.0.0.0:70000").unwrap_err().to_string(),
            "the port of '0.0.0.0:70000' must be a number from 1 to 65535 (got '70000')"
        );
        assert_eq!(ip("0.0.0.0:65535"), "0.0.0.0:65535");
    }

    #[test]
    fn ipv6_is_canonical_and_bracketed() {
        assert_eq!(ip("[::]:443"), "[::]:443");
        assert_eq!(ip("[0:0:0:0:0:0:0:0]:443"), "[::]:443");
        assert_eq!(ip("[FE80:0000::0001]:0443"), "[fe80::1]:443");
        assert_eq!(ip("::1:443"), "[::1]:443");
        assert_eq!(ip("[127.0.0.1]:443"), "127.0.0.1:443");
        assert!(!ip_endpoint("[::1]:443").unwrap().sni);
    }

    #[test]
    fn what_is_not_an_address_or_has_no_port_says_so() {
        assert!(matches!(
            ip_endpoint("[::1]"),
            Err(EndpointError::NoPort(_))
        ));
        assert!(matches!(
            ip_endpoint("0.0.0.0"),
            Err(EndpointError::NoPort(_))
        ));
        assert!(matches!(
            ip_endpoint("api.tech.local:443"),
            Err(EndpointError::Address { .. })
        ));
        assert!(matches!(
            ip_endpoint("010.0.0.1:443"),
            Err(EndpointError::Address { .. })
        ));
    }

    #[test]
    fn host_names_are_lower_case_and_checked() {
        let e = hostname_endpoint("API.Tech.Local:443").unwrap();
        assert_eq!(e.text, "api.tech.local:443");
        assert!(e.sni);
        for bad in [
            "a..b:443",
            "host.:443",
            "under_score:443",
            ":443",
            "[::]:443",
        ] {
            let refused = hostname_endpoint(bad);
            assert!(
                matches!(refused, Err(EndpointError::Hostname { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn any_endpoint_tries_an_address_then_a_name() {
        assert_eq!(
            any_endpoint(" 0.0.0.0:09419 "),
            Ok(Endpoint {
                text: "0.0.0.0:9419".into(),
                sni: false
            })
        );
        assert_eq!(
            any_endpoint("Backup01:443"),
            Ok(Endpoint {
                text: "backup01:443".into(),
                sni: true
            })
        );
        assert_eq!(
            any_endpoint("not a name:443"),
            Err(EndpointError::Neither("not a name:443".into()))
        );
        assert!(matches!(
            any_endpoint("backup01:0"),
            Err(EndpointError::Port { .. })
        ));
    }
}
