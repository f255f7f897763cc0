//! Distinguished names as Windows writes them: `CN=www.contoso.com, O=Contoso, C=US`.
//!
//! The string lists the most specific attribute first (RFC 4514 order); the encoded
//! `Name` holds the same attributes in the reverse order (the most general first), which
//! is how CAs and Windows encode them, so that display and input read the same.

use crate::error::{CertError, Result};
use x509_parser::x509::X509Name;

/// One attribute a subject string may use: the short names Windows prints and accepts.
struct Attribute {
    names: &'static [&'static str],
    oid: &'static [u64],
}

const ATTRIBUTES: &[Attribute] = &[
    Attribute {
        names: &["CN"],
        oid: &[2, 5, 4, 3],
    },
    Attribute {
        names: &["O"],
        oid: &[2, 5, 4, 10],
    },
    Attribute {
        names: &["OU"],
        oid: &[2, 5, 4, 11],
    },
    Attribute {
        names: &["C"],
        oid: &[2, 5, 4, 6],
    },
    Attribute {
        names: &["L"],
        oid: &[2, 5, 4, 7],
    },
    Attribute {
        names: &["S", "ST"],
        oid: &[2, 5, 4, 8],
    },
    Attribute {
        names: &["STREET"],
        oid: &[2, 5, 4, 9],
    },
    Attribute {
        names: &["SERIALNUMBER"],
        oid: &[2, 5, 4, 5],
    },
    Attribute {
        names: &["T", "TITLE"],
        oid: &[2, 5, 4, 12],
    },
    Attribute {
        names: &["G", "GIVENNAME"],
        oid: &[2, 5, 4, 42],
    },
    Attribute {
        names: &["SN"],
        oid: &[2, 5, 4, 4],
    },
    Attribute {
        names: &["E", "EMAIL"],
        oid: &[1, 2, 840, 113549, 1, 9, 1],
    },
    Attribute {
        names: &["DC"],
        oid: &[0, 9, 2342, 19200300, 100, 1, 25],
    },
];

/// A parsed subject: (attribute OID, value), most specific first, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectName {
    pub attributes: Vec<(Vec<u64>, String)>,
}

impl SubjectName {
    /// The value of the first CN attribute, if any.
    pub fn common_name(&self) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(oid, _)| oid.as_slice() == [2, 5, 4, 3])
            .map(|(_, v)| v.as_str())
    }

    /// The name for rcgen, encoded most general first.
    pub fn to_rcgen(&self) -> Result<rcgen::DistinguishedName> {
        let mut dn = rcgen::DistinguishedName::new();
        let mut seen: Vec<&[u64]> = Vec::new();
        for (oid, value) in self.attributes.iter().rev() {
            if seen.contains(&oid.as_slice()) {
                return Err(CertError::InvalidInput(format!(
                    "the subject repeats the attribute {}; give each attribute once",
                    short_name(oid)
                )));
            }
            seen.push(oid);
            let ty = match oid.as_slice() {
                [2, 5, 4, 3] => rcgen::DnType::CommonName,
                [2, 5, 4, 10] => rcgen::DnType::OrganizationName,
                [2, 5, 4, 11] => rcgen::DnType::OrganizationalUnitName,
                [2, 5, 4, 6] => rcgen::DnType::CountryName,
                [2, 5, 4, 7] => rcgen::DnType::LocalityName,
                [2, 5, 4, 8] => rcgen::DnType::StateOrProvinceName,
                other => rcgen::DnType::CustomDnType(other.to_vec()),
            };
            let value = match oid.as_slice() {
                [2, 5, 4, 6] | [2, 5, 4, 5] => {
                    rcgen::DnValue::PrintableString(value.clone().try_into().map_err(|_| {
                        CertError::InvalidInput(format!(
                            "{}={value} must use only letters, digits and basic punctuation",
                            short_name(oid)
                        ))
                    })?)
                }
                [1, 2, 840, 113549, 1, 9, 1] | [0, 9, 2342, 19200300, 100, 1, 25] => {
                    rcgen::DnValue::Ia5String(value.clone().try_into().map_err(|_| {
                        CertError::InvalidInput(format!(
                            "{}={value} must be ASCII",
                            short_name(oid)
                        ))
                    })?)
                }
                _ => rcgen::DnValue::Utf8String(value.clone()),
            };
            dn.push(ty, value);
        }
        Ok(dn)
    }
}

fn short_name(oid: &[u64]) -> String {
    ATTRIBUTES
        .iter()
        .find(|a| a.oid == oid)
        .map(|a| a.names[0].to_string())
        .unwrap_or_else(|| {
            let parts: Vec<String> = oid.iter().map(|n| n.to_string()).collect();
            format!("OID.{}", parts.join("."))
        })
}

/// Parses a subject as `New-SelfSignedCertificate -Subject` takes it: `CN=a, O=b`
/// (`,` or `;` between attributes, values optionally in double quotes with `""` for a
/// quote); a string without `=` is a common name.
pub fn parse_subject(text: &str) -> Result<SubjectName> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CertError::InvalidInput(
            "the subject is empty; give a name such as CN=server.example.com".into(),
        ));
    }
    if !text.contains('=') {
        return Ok(SubjectName {
            attributes: vec![(vec![2, 5, 4, 3], text.to_string())],
        });
    }
    let mut attributes = Vec::new();
    for part in split_unquoted(text)? {
        let (key, value) = part.split_once('=').ok_or_else(|| {
            CertError::InvalidInput(format!(
                "'{part}' in the subject is not KEY=value; write for example CN=server.example.com, O=Contoso"
            ))
        })?;
        let key = key.trim();
        let value = unquote(value.trim());
        if value.is_empty() {
            return Err(CertError::InvalidInput(format!(
                "the subject attribute {key} has no value"
            )));
        }
        attributes.push((attribute_oid(key)?, value));
    }
    Ok(SubjectName { attributes })
}

fn attribute_oid(key: &str) -> Result<Vec<u64>> {
    let upper = key.to_ascii_uppercase();
    if let Some(a) = ATTRIBUTES
        .iter()
        .find(|a| a.names.contains(&upper.as_str()))
    {
        return Ok(a.oid.to_vec());
    }
    if let Some(dotted) = upper.strip_prefix("OID.") {
        let arcs: std::result::Result<Vec<u64>, _> = dotted.split('.').map(str::parse).collect();
        if let Ok(arcs) = arcs
            && arcs.len() >= 2
        {
            return Ok(arcs);
        }
    }
    let known: Vec<&str> = ATTRIBUTES.iter().map(|a| a.names[0]).collect();
    Err(CertError::InvalidInput(format!(
        "unknown subject attribute '{key}'; use one of {} or OID.1.2.3=value",
        known.join(", ")
    )))
}

fn split_unquoted(text: &str) -> Result<Vec<String>> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_quotes && chars.peek() == Some(&'"') => {
                current.push_str("\"\"");
                chars.next();
            }
            '"' => {
                in_quotes = !in_quotes;
                current.push(c);
            }
            ',' | ';' if !in_quotes => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    if in_quotes {
        return Err(CertError::InvalidInput(
            "the subject has an unclosed double quote".into(),
        ));
    }
    parts.push(current);
    Ok(parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect())
}

fn unquote(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => value.to_string(),
    }
}

/// Formats a name as Windows does: most specific attribute first, `, ` between them,
/// values with separators or quotes in double quotes.
pub fn format_name(name: &X509Name<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter_rdn() {
        let attrs: Vec<String> = rdn
            .iter()
            .map(|atv| {
                let arcs: Vec<u64> = atv
                    .attr_type()
                    .iter()
                    .map(|it| it.collect())
                    .unwrap_or_default();
                let value = atv
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|_| hex_upper(atv.attr_value().data));
                format!("{}={}", short_name(&arcs), quote(&value))
            })
            .collect();
        parts.push(attrs.join(" + "));
    }
    parts.reverse();
    parts.join(", ")
}

fn quote(value: &str) -> String {
    let needs = value.is_empty()
        || value.starts_with(' ')
        || value.ends_with(' ')
        || value.contains([',', '+', '=', '"', '\n', '<', '>', '#', ';']);
    if needs {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_name_becomes_common_name() {
        let s = parse_subject("www.contoso.com").unwrap();
        assert_eq!(s.common_name(), Some("www.contoso.com"));
    }

    #[test]
    fn parses_several_attributes_and_quotes() {
        let s = parse_subject(r#"CN=Veeam Software, O="Tech, Inc", OU=IT; C=US"#).unwrap();
        assert_eq!(s.attributes.len(), 4);
        assert_eq!(s.attributes[1].1, "Tech, Inc");
        assert_eq!(s.attributes[3].0, vec![2, 5, 4, 6]);
    }

    #[test]
    fn rejects_unknown_attribute_and_empty_value() {
        assert!(
            matches!(parse_subject("XX=1"), Err(CertError::InvalidInput(m)) if m.contains("unknown subject attribute 'XX'"))
        );
        assert!(parse_subject("CN=").is_err());
        assert!(parse_subject("CN=\"open").is_err());
        assert!(parse_subject("  ").is_err());
    }

    #[test]
    fn repeated_attribute_is_refused_by_encoder() {
        let s = parse_subject("OU=a, OU=b").unwrap();
        assert!(s.to_rcgen().is_err());
    }

    #[test]
    fn quote_matches_windows_style() {
        assert_eq!(quote("Tech, Inc"), "\"Tech, Inc\"");
        assert_eq!(quote("plain"), "plain");
    }
}
