//! Seed corpora: the sample files under tests/fixtures (pfx-samples from every producer,
//! with MANIFEST.tsv's passwords; the tech-local PKI) and tests/fuzz/seeds/<target>/.

use super::with_password;
use certhost_core::pem::pem_blocks;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files of tests/fuzz/seeds/<target>/, sorted.
fn extra(target: &str) -> Vec<Vec<u8>> {
    let dir = repo().join("tests/fuzz/seeds").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .iter()
        .filter(|p| p.is_file())
        .map(|p| read(p))
        .collect()
}

/// `(file, password)` of every PFX sample.
fn pfx_files() -> Vec<(PathBuf, String)> {
    let samples = fixtures().join("pfx-samples");
    let manifest = String::from_utf8(read(&samples.join("MANIFEST.tsv"))).unwrap();
    let unicode = String::from_utf8(read(&samples.join("openssl/unicode-pw.txt"))).unwrap();
    let mut files: Vec<(PathBuf, String)> = manifest
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let password = if cols[0].contains("unicode-pw") {
                unicode.trim().to_string()
            } else {
                cols[1].to_string()
            };
            (samples.join(cols[0]), password)
        })
        .collect();
    let local = fixtures().join("tech-local");
    files.push((local.join("backup01.pfx"), "Passw0rd!".into()));
    files.push((local.join("AMB_cert.pfx"), String::new()));
    files
}

/// `password\n` + PFX for every sample.
pub fn pfx_inputs() -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = pfx_files()
        .iter()
        .map(|(path, password)| with_password(password, &read(path)))
        .collect();
    inputs.extend(extra("pfx"));
    inputs
}

/// The PEM certificate and key files of the fixtures.
fn text_files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("pfx-samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.push(fixtures().join("tech-local"));
    dirs.sort();
    let mut files = Vec::new();
    for dir in dirs {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "crt" || x == "key"))
            .collect();
        paths.sort();
        files.extend(paths.into_iter().map(|p| {
            let data = read(&p);
            (p, data)
        }));
    }
    files
}

pub fn pem_inputs() -> Vec<Vec<u8>> {
    let mut inputs: Vec<Vec<u8>> = text_files().into_iter().map(|(_, d)| d).collect();
    inputs.extend(extra("pem"));
    inputs
}

/// Every distinct DER certificate of the fixtures' PEM files.
pub fn certificate_inputs() -> Vec<Vec<u8>> {
    let mut certs: Vec<Vec<u8>> = Vec::new();
    for (_, data) in text_files() {
        for block in pem_blocks(&data).unwrap_or_default() {
            if block.label == "CERTIFICATE" && !certs.contains(&block.der) {
                certs.push(block.der);
            }
        }
    }
    certs.extend(extra("inspect"));
    certs
}

fn der(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match body.len() {
        n @ 0..=0x7f => out.push(n as u8),
        n @ 0x80..=0xff => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(body);
    out
}

/// Degenerate SignedData bundles (as `openssl crl2pkcs7` writes them) of one, two and
/// three fixture certificates.
pub fn pkcs7_inputs() -> Vec<Vec<u8>> {
    const DATA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    const SIGNED_DATA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    let certs = certificate_inputs();
    let mut inputs: Vec<Vec<u8>> = (1..=3)
        .filter(|n| *n <= certs.len())
        .map(|n| {
            let set: Vec<u8> = certs.iter().take(n).flatten().copied().collect();
            let signed_data = [
                der(0x02, &[1]),
                der(0x31, &[]),
                der(0x30, &der(0x06, &DATA)),
                der(0xa0, &set),
                der(0x31, &[]),
            ]
            .concat();
            der(
                0x30,
                &[der(0x06, &SIGNED_DATA), der(0xa0, &der(0x30, &signed_data))].concat(),
            )
        })
        .collect();
    inputs.extend(extra("pkcs7"));
    inputs
}

/// `password\n` + key, for each key file as PEM and as the DER of its key block.
pub fn key_inputs() -> Vec<Vec<u8>> {
    let mut inputs = Vec::new();
    for (path, data) in text_files() {
        if path.extension().is_none_or(|x| x != "key") {
            continue;
        }
        let password = if path.ends_with("TechCompany-encrypted.key") {
            "KeyPassw0rd"
        } else {
            ""
        };
        for block in pem_blocks(&data).unwrap_or_default() {
            if block.label.ends_with("PRIVATE KEY") {
                inputs.push(with_password(password, &block.der));
            }
        }
        inputs.push(with_password(password, &data));
    }
    inputs.extend(extra("keys"));
    inputs
}

/// Request policy files: a server request with every section, and the same as UTF-16.
pub fn request_inf_inputs() -> Vec<Vec<u8>> {
    let server = "[Version]\nSignature=\"$Windows NT$\"\n[NewRequest]\nSubject = \"CN=backup01.tech.local, O=Tech\" ; name\nKeyLength = 2048\nKeyAlgorithm = RSA\nKeyUsage = 0xa0\nMachineKeySet = TRUE\nRequestType = PKCS10\n[Strings]\nszOID_SAN = \"2.5.29.17\"\n[EnhancedKeyUsageExtension]\nOID = 1.3.6.1.5.5.7.3.1\n[Extensions]\n%szOID_SAN% = \"{text}\"\n_continue_ = \"dns=backup01&\"\n_continue_ = \"ipaddress=10.0.0.5&\"\n2.5.29.19 = \"{text}ca=0\"\nCritical = 2.5.29.19\n[RequestAttributes]\nCertificateTemplate = WebServer\n";
    let mut utf16 = vec![0xff, 0xfe];
    for unit in server.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    vec![server.as_bytes().to_vec(), utf16]
}
