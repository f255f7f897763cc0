//! Windows' certificate request policy files (`certreq -new request.inf`): the sections
//! and keys admins write for a server certificate, read into what they ask for. The file
//! may be UTF-16 (as Notepad saves it) or UTF-8; `;` starts a comment outside quotes;
//! `[Strings]` names are substituted where `%name%` appears.
//!
//! What the request asks for is in [`InfRequest`]; keys that only tell Windows where to
//! keep the key (`MachineKeySet`, `ProviderName`, ...) are accepted and listed in
//! [`InfRequest::ignored`]; anything else is refused with its line number, never
//! skipped in silence.

use std::collections::HashMap;

/// What a request policy file asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InfRequest {
    /// `Subject` as written (`CN=backup01.tech.local, O=Tech`).
    pub subject: Option<String>,
    /// `KeyAlgorithm` (`RSA`, `ECDSA_P256`, `ECDSA_P384`).
    pub key_algorithm: Option<String>,
    /// `KeyLength` in bits.
    pub key_length: Option<u32>,
    /// `KeyUsage` as Windows' flag bits (`0xa0` is digital signature and key
    /// encipherment).
    pub key_usage: Option<u32>,
    /// `FriendlyName`.
    pub friendly_name: Option<String>,
    /// OIDs of `[EnhancedKeyUsageExtension]`.
    pub extended_key_usages: Vec<String>,
    /// `[Extensions]` entries as New-SelfSignedCertificate's `-TextExtension` takes
    /// them: `2.5.29.17={text}dns=a&dns=b`.
    pub text_extensions: Vec<String>,
    /// Keys accepted with no effect here, with why (shown to the user).
    pub ignored: Vec<String>,
}

/// Windows' key usage flag bits (`CERT_*_KEY_USAGE`).
pub mod key_usage_bits {
    pub const DIGITAL_SIGNATURE: u32 = 0x80;
    pub const NON_REPUDIATION: u32 = 0x40;
    pub const KEY_ENCIPHERMENT: u32 = 0x20;
    pub const DATA_ENCIPHERMENT: u32 = 0x10;
    pub const KEY_AGREEMENT: u32 = 0x08;
    pub const KEY_CERT_SIGN: u32 = 0x04;
    pub const CRL_SIGN: u32 = 0x02;
}

/// Why a request policy file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InfError {
    #[error("the file is not text (UTF-8 or UTF-16): {0}")]
    Encoding(String),
    #[error("line {line}: '{text}' is neither a [Section] nor key = value")]
    Syntax { line: usize, text: String },
    #[error(
        "line {line}: [{section}] is not a section certreq -new reads here (use [Version], [NewRequest], [Extensions], [EnhancedKeyUsageExtension], [RequestAttributes] or [Strings])"
    )]
    UnknownSection { line: usize, section: String },
    #[error("line {line}: {key} = ... is outside any [Section]")]
    OutsideSection { line: usize, key: String },
    #[error(
        "line {line}: {key} is not a key of [{section}] that certhost reads; remove it or write it as the documentation of certreq -new shows"
    )]
    UnknownKey {
        line: usize,
        section: String,
        key: String,
    },
    #[error("line {line}: {key} = {value}: {why}")]
    BadValue {
        line: usize,
        key: String,
        value: String,
        why: String,
    },
    #[error("line {line}: %{name}% is not defined in [Strings]")]
    UndefinedString { line: usize, name: String },
    #[error(
        "there is no [NewRequest] section; certreq -new needs one (with Subject = \"CN=...\" at least)"
    )]
    NoNewRequest,
}

/// Reads a request policy file.
pub fn parse(bytes: &[u8]) -> Result<InfRequest, InfError> {
    let text = decode(bytes)?;
    let lines = logical_lines(&text);
    let strings = strings_section(&lines);
    let mut request = InfRequest::default();
    let mut section: Option<String> = None;
    let mut saw_new_request = false;
    // The extension `_continue_` lines add to: its index in `text_extensions`.
    let mut continuing: Option<usize> = None;
    for (line, content) in &lines {
        let line = *line;
        if let Some(name) = content
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            let name = name.trim().to_ascii_lowercase();
            if ![
                "version",
                "newrequest",
                "extensions",
                "enhancedkeyusageextension",
                "requestattributes",
                "strings",
            ]
            .contains(&name.as_str())
            {
                return Err(InfError::UnknownSection {
                    line,
                    section: name,
                });
            }
            saw_new_request |= name == "newrequest";
            section = Some(name);
            continuing = None;
            continue;
        }
        let (key, value) = content.split_once('=').ok_or_else(|| InfError::Syntax {
            line,
            text: content.clone(),
        })?;
        let key = substitute(key.trim(), &strings, line)?;
        let value = substitute(&unquote(value.trim()), &strings, line)?;
        let Some(section) = section.as_deref() else {
            return Err(InfError::OutsideSection { line, key });
        };
        let entry = Entry {
            line,
            section,
            key: &key,
            value: &value,
        };
        match section {
            "version" | "strings" => {
                if section == "version" && !key.eq_ignore_ascii_case("signature") {
                    return Err(entry.unknown());
                }
            }
            "newrequest" => new_request(&entry, &mut request)?,
            "enhancedkeyusageextension" => {
                if !key.eq_ignore_ascii_case("oid") {
                    return Err(entry.unknown());
                }
                request.extended_key_usages.push(oid(&entry)?);
            }
            "requestattributes" => {
                if !key.eq_ignore_ascii_case("certificatetemplate") {
                    return Err(entry.unknown());
                }
                request.ignored.push(format!(
                    "CertificateTemplate = {value}: not written into the request; an Active Directory CA takes the template when the request is submitted to it"
                ));
            }
            "extensions" => extension(&entry, &mut request, &mut continuing)?,
            _ => return Err(entry.unknown()),
        }
    }
    if !saw_new_request {
        return Err(InfError::NoNewRequest);
    }
    Ok(request)
}

struct Entry<'a> {
    line: usize,
    section: &'a str,
    key: &'a str,
    value: &'a str,
}

impl Entry<'_> {
    fn unknown(&self) -> InfError {
        InfError::UnknownKey {
            line: self.line,
            section: self.section.to_string(),
            key: self.key.to_string(),
        }
    }

    fn bad(&self, why: impl Into<String>) -> InfError {
        InfError::BadValue {
            line: self.line,
            key: self.key.to_string(),
            value: self.value.to_string(),
            why: why.into(),
        }
    }
}

fn new_request(entry: &Entry, request: &mut InfRequest) -> Result<(), InfError> {
    let value = entry.value.trim();
    match entry.key.to_ascii_lowercase().as_str() {
        "subject" => request.subject = Some(value.to_string()),
        "keyalgorithm" => request.key_algorithm = Some(value.to_string()),
        "keylength" => {
            request.key_length = Some(
                number(value).ok_or_else(|| entry.bad("KeyLength must be a number of bits"))?,
            );
        }
        "keyusage" => request.key_usage = Some(key_usage(entry)?),
        "friendlyname" => request.friendly_name = Some(value.to_string()),
        "requesttype" => match value.to_ascii_lowercase().as_str() {
            "pkcs10" => {}
            "cmc" => request.ignored.push(
                "RequestType = CMC: the request is written as PKCS#10, which CMC wraps and every CA takes".into(),
            ),
            _ => {
                return Err(entry.bad(
                    "certhost writes PKCS#10 requests (RequestType = PKCS10); for a self-signed certificate use New-SelfSignedCertificate",
                ));
            }
        },
        "hashalgorithm" => {
            if !["sha256", "sha384", "sha512"].contains(&value.to_ascii_lowercase().as_str()) {
                return Err(entry.bad("use sha256, sha384 or sha512"));
            }
            request.ignored.push(format!(
                "HashAlgorithm = {value}: the request is signed with SHA-256 (SHA-384 for a P-384 key); the CA chooses the hash of the certificate"
            ));
        }
        "useexistingkeyset" => {
            if truth(value) != Some(false) {
                return Err(entry.bad(
                    "certhost makes a new key for every request; reusing a key is not supported (UseExistingKeySet = FALSE)",
                ));
            }
        }
        "exportable" | "exportableencrypted" | "machinekeyset" | "providername"
        | "providertype" | "keyspec" | "smime" | "silent" | "privatekeyarchive"
        | "userprotected" | "keyprotection" | "suppressdefaults" => {
            request.ignored.push(format!(
                "{} = {value}: Windows' key storage; certhost keeps the key sealed in its REQUEST store, exportable with the certificate",
                entry.key
            ));
        }
        _ => return Err(entry.unknown()),
    }
    Ok(())
}

/// `[Extensions]`: `<oid> = "{text}..."`, `_continue_ = "..."` lines added to the one
/// before, and `Critical = <oid>`.
fn extension(
    entry: &Entry,
    request: &mut InfRequest,
    continuing: &mut Option<usize>,
) -> Result<(), InfError> {
    if entry.key.eq_ignore_ascii_case("_continue_") {
        let index = continuing.ok_or_else(|| {
            entry.bad("_continue_ must follow an extension line such as 2.5.29.17 = \"{text}\"")
        })?;
        request.text_extensions[index].push_str(entry.value);
        return Ok(());
    }
    if entry.key.eq_ignore_ascii_case("critical") {
        for critical in entry.value.split(',').map(str::trim) {
            let prefix = format!("{critical}={{text}}");
            if let Some(text) = request
                .text_extensions
                .iter_mut()
                .find(|t| t.starts_with(&prefix))
            {
                *text = format!("{critical}={{critical}}{{text}}{}", &text[prefix.len()..]);
            }
        }
        return Ok(());
    }
    let oid = oid(&Entry {
        value: entry.key,
        ..*entry
    })?;
    let text = entry
        .value
        .strip_prefix("{text}")
        .or_else(|| entry.value.strip_prefix("{TEXT}"))
        .ok_or_else(|| {
            entry.bad("certhost reads extensions written as text: \"{text}dns=name&ipaddress=10.0.0.5\"; a Base64 or hex extension is not supported")
        })?;
    request
        .text_extensions
        .push(format!("{oid}={{text}}{text}"));
    *continuing = Some(request.text_extensions.len() - 1);
    Ok(())
}

fn oid(entry: &Entry) -> Result<String, InfError> {
    let value = entry.value.trim();
    let dotted = value.split('.').count() >= 2
        && value
            .split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()));
    if dotted {
        Ok(value.to_string())
    } else {
        Err(entry.bad("not an object identifier such as 1.3.6.1.5.5.7.3.1"))
    }
}

/// `0xa0`, `160`, or flag names joined with `|`.
fn key_usage(entry: &Entry) -> Result<u32, InfError> {
    use key_usage_bits::*;
    let mut bits = 0;
    for part in entry.value.split('|').map(str::trim) {
        bits |= match part.to_ascii_uppercase().as_str() {
            "CERT_DIGITAL_SIGNATURE_KEY_USAGE" => DIGITAL_SIGNATURE,
            "CERT_NON_REPUDIATION_KEY_USAGE" => NON_REPUDIATION,
            "CERT_KEY_ENCIPHERMENT_KEY_USAGE" => KEY_ENCIPHERMENT,
            "CERT_DATA_ENCIPHERMENT_KEY_USAGE" => DATA_ENCIPHERMENT,
            "CERT_KEY_AGREEMENT_KEY_USAGE" => KEY_AGREEMENT,
            "CERT_KEY_CERT_SIGN_KEY_USAGE" => KEY_CERT_SIGN,
            "CERT_CRL_SIGN_KEY_USAGE" | "CERT_OFFLINE_CRL_SIGN_KEY_USAGE" => CRL_SIGN,
            _ => number(part).ok_or_else(|| {
                entry.bad("write the key usage as flag bits (0xa0) or CERT_..._KEY_USAGE names joined with |")
            })?,
        };
    }
    let known = DIGITAL_SIGNATURE
        | NON_REPUDIATION
        | KEY_ENCIPHERMENT
        | DATA_ENCIPHERMENT
        | KEY_AGREEMENT
        | KEY_CERT_SIGN
        | CRL_SIGN;
    if bits & !known != 0 {
        return Err(entry.bad(format!(
            "the bits 0x{:x} (encipher/decipher only) are not supported",
            bits & !known
        )));
    }
    Ok(bits)
}

fn number(text: &str) -> Option<u32> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn truth(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn decode(bytes: &[u8]) -> Result<String, InfError> {
    let utf16 = |bytes: &[u8], little: bool| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| {
                if little {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|e| InfError::Encoding(e.to_string()))
    };
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        utf16(rest, true)
    } else if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        utf16(rest, false)
    } else {
        let rest = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
        String::from_utf8(rest.to_vec()).map_err(|e| InfError::Encoding(e.to_string()))
    }
}

/// The lines with content, comments and surrounding blanks removed, numbered from 1.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, strip_comment(l).trim().to_string()))
        .filter(|(_, l)| !l.is_empty())
        .collect()
}

fn strip_comment(line: &str) -> &str {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => return &line[..i],
            _ => {}
        }
    }
    line
}

/// `"text"` to `text`, with `""` inside standing for one quote.
fn unquote(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => value.to_string(),
    }
}

fn strings_section(lines: &[(usize, String)]) -> HashMap<String, String> {
    let mut strings = HashMap::new();
    let mut inside = false;
    for (_, content) in lines {
        if content.starts_with('[') {
            inside = content.eq_ignore_ascii_case("[strings]");
        } else if inside && let Some((key, value)) = content.split_once('=') {
            strings.insert(key.trim().to_ascii_lowercase(), unquote(value.trim()));
        }
    }
    strings
}

fn substitute(
    text: &str,
    strings: &HashMap<String, String>,
    line: usize,
) -> Result<String, InfError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        if name.is_empty() {
            out.push('%');
        } else {
            let value = strings.get(&name.to_ascii_lowercase()).ok_or_else(|| {
                InfError::UndefinedString {
                    line,
                    name: name.to_string(),
                }
            })?;
            out.push_str(value);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server request written as the certreq documentation lays it out: comments,
    /// `[Strings]` names, the SAN continued over lines, Windows' key storage keys.
    const SERVER: &str = r#"[Version]
Signature="$Windows NT$"

[NewRequest]
Subject = "CN=backup01.tech.local, O=Tech" ; the server's name
KeyLength = 2048
KeyAlgorithm = RSA
Exportable = TRUE
MachineKeySet = True
KeySpec = 1
KeyUsage = 0xA0   ; digital signature, key encipherment
ProviderName = "Microsoft RSA SChannel Cryptographic Provider"
ProviderType = 12
RequestType = PKCS10
HashAlgorithm = sha256
FriendlyName = "Backup server"

[Strings]
szOID_SUBJECT_ALT_NAME2 = "2.5.29.17"
szOID_PKIX_KP_SERVER_AUTH = "1.3.6.1.5.5.7.3.1"

[EnhancedKeyUsageExtension]
OID = %szOID_PKIX_KP_SERVER_AUTH%

[Extensions]
%szOID_SUBJECT_ALT_NAME2% = "{text}"
_continue_ = "dns=backup01.tech.local&"
_continue_ = "dns=backup01&"
_continue_ = "ipaddress=10.0.0.5&"
"#;

    #[test]
    fn reads_a_server_request() {
        let r = parse(SERVER.as_bytes()).unwrap();
        assert_eq!(r.subject.as_deref(), Some("CN=backup01.tech.local, O=Tech"));
        assert_eq!(r.key_length, Some(2048));
        assert_eq!(r.key_algorithm.as_deref(), Some("RSA"));
        assert_eq!(r.key_usage, Some(0xa0));
        assert_eq!(r.friendly_name.as_deref(), Some("Backup server"));
        assert_eq!(r.extended_key_usages, ["1.3.6.1.5.5.7.3.1"]);
        assert_eq!(
            r.text_extensions,
            ["2.5.29.17={text}dns=backup01.tech.local&dns=backup01&ipaddress=10.0.0.5&"]
        );
        assert!(r.ignored.iter().any(|i| i.starts_with("MachineKeySet")));
        assert!(r.ignored.iter().any(|i| i.starts_with("HashAlgorithm")));
    }

    #[test]
    fn reads_utf16_with_a_byte_order_mark_as_notepad_saves_it() {
        let mut bytes = vec![0xff, 0xfe];
        for unit in SERVER.replace('\n', "\r\n").encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(parse(&bytes).unwrap(), parse(SERVER.as_bytes()).unwrap());
    }

    #[test]
    fn flag_names_critical_and_basic_constraints() {
        let r = parse(
            br#"[NewRequest]
Subject = "CN=Tech Issuing CA"
KeyUsage = "CERT_KEY_CERT_SIGN_KEY_USAGE | CERT_CRL_SIGN_KEY_USAGE | CERT_DIGITAL_SIGNATURE_KEY_USAGE"
RequestType = CMC
[Extensions]
2.5.29.19 = "{text}ca=1&pathlength=0"
Critical = 2.5.29.19
[RequestAttributes]
CertificateTemplate = SubCA
"#,
        )
        .unwrap();
        assert_eq!(r.key_usage, Some(0x86));
        assert_eq!(
            r.text_extensions,
            ["2.5.29.19={critical}{text}ca=1&pathlength=0"]
        );
        assert_eq!(r.ignored.len(), 2, "{:?}", r.ignored);
    }

    #[test]
    fn refuses_what_it_would_otherwise_skip() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"[NewRequest]\nSubject = \"CN=a\"\nKeyLenght = 2048\n",
                "line 3: KeyLenght is not a key",
            ),
            (
                b"[NewRequest]\nSubject = CN=a\n[Policies]\nx = y\n",
                "line 3: [policies] is not a section",
            ),
            (b"Subject = \"CN=a\"\n", "outside any [Section]"),
            (b"[NewRequest]\nSubject\n", "line 2: 'Subject' is neither"),
            (
                b"[NewRequest]\nRequestType = Cert\n",
                "use New-SelfSignedCertificate",
            ),
            (
                b"[NewRequest]\nKeyLength = big\n",
                "KeyLength must be a number",
            ),
            (
                b"[NewRequest]\nKeyUsage = 0x8000\n",
                "encipher/decipher only",
            ),
            (
                b"[NewRequest]\nUseExistingKeySet = TRUE\n",
                "makes a new key",
            ),
            (
                b"[NewRequest]\n[Extensions]\n%szOID_X% = \"{text}a\"\n",
                "%szOID_X% is not defined",
            ),
            (
                b"[NewRequest]\n[Extensions]\n2.5.29.17 = \"MAA=\"\n",
                "Base64 or hex extension",
            ),
            (
                b"[NewRequest]\n[Extensions]\n_continue_ = \"dns=a&\"\n",
                "must follow an extension",
            ),
            (b"[Version]\nSignature = x\n", "there is no [NewRequest]"),
            (&[0xff, 0xfe, 0x00, 0xd8], "not text"),
        ];
        for (inf, expected) in cases {
            let error = parse(inf).unwrap_err().to_string();
            assert!(error.contains(expected), "{error} lacks {expected}");
        }
    }

    #[test]
    fn semicolons_and_doubled_quotes_inside_quotes_are_text() {
        let r = parse(b"[NewRequest]\nSubject = \"CN=a;b, O=\"\"Tech\"\"\" ; comment\n").unwrap();
        assert_eq!(r.subject.as_deref(), Some("CN=a;b, O=\"Tech\""));
    }
}
