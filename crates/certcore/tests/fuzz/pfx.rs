//! Target `pfx`: `read_pfx` on `password\n` + file. Accepted files go to
//! `openssl pkcs12`, their certificates to `openssl x509` (and Python), their keys to
//! `openssl pkey -check`. Mutations behind the MAC would only ever test the MAC check,
//! so most mutated inputs get their MAC recomputed ([`Pfx::repair`]).

use super::capped::{Capped, MAX_FUZZ_ITERATIONS};
use super::{replay_command, split_password};
use certhost_core::pkcs12::read_pfx;
use certhost_fuzz::tlv::{self, Header};
use certhost_fuzz::{Claim, Observation, Target};
use certhost_primitives::{Digest, Pkcs12Purpose, Primitives, Software, bmp_password};
use hmac::{KeyInit, Mac};

pub struct Pfx;

impl Target for Pfx {
    fn name(&self) -> &'static str {
        "pfx"
    }

    fn execute(&self, input: &[u8]) -> Observation {
        let (password, data) = split_password(input);
        let entries = match read_pfx(data, &password, &Capped) {
            Ok(e) => e,
            Err(e) => return Observation::rejected(e),
        };
        let mut claims = vec![Claim::pfx(data.to_vec(), password, "the PFX file")];
        let mut keys = 0;
        for (i, entry) in entries.iter().enumerate() {
            claims.push(Claim::certificate(
                entry.certificate.clone(),
                format!("the certificate of entry {i}"),
            ));
            for (j, c) in entry.chain.iter().enumerate() {
                claims.push(Claim::certificate(
                    c.clone(),
                    format!("chain certificate {j} of entry {i}"),
                ));
            }
            if let Some(key) = &entry.private_key {
                keys += 1;
                claims.push(Claim::private_key(
                    key.clone(),
                    None,
                    true,
                    format!("the private key of entry {i}"),
                ));
            }
        }
        let chain = entries.first().map(|e| e.chain.len()).unwrap_or(0);
        Observation::accepted(
            format!("{} entries, {keys} keys, chain of {chain}", entries.len()),
            claims,
        )
    }

    fn test_command(&self) -> String {
        replay_command("pfx")
    }

    fn repair(&self, input: &mut Vec<u8>) {
        let Some(nl) = input.iter().position(|b| *b == b'\n') else {
            return;
        };
        let password = String::from_utf8_lossy(&input[..nl]).into_owned();
        let base = nl + 1;
        if let Some((at, mac)) = mac_fix(&input[base..], &password) {
            input[base + at..base + at + mac.len()].copy_from_slice(&mac);
        }
    }
}

fn content<'a>(data: &'a [u8], h: &Header) -> Option<&'a [u8]> {
    h.content(data).map(|r| &data[r])
}

fn kids(data: &[u8], h: &Header) -> Vec<Header> {
    h.content(data)
        .map(|r| tlv::children(data, r))
        .unwrap_or_default()
}

/// Where the MAC value of a DER PFX is and what it should be for `password`; `None`
/// when the structure is not there to repair or the MAC is right already.
fn mac_fix(data: &[u8], password: &str) -> Option<(usize, Vec<u8>)> {
    let pfx = tlv::read(data, 0)?;
    let fields = kids(data, &pfx);
    let [_, auth_safe, mac_data, ..] = fields.as_slice() else {
        return None;
    };
    let wrapper = *kids(data, auth_safe).get(1)?;
    let octets = *kids(data, &wrapper).first()?;
    if octets.tag != 0x04 {
        return None;
    }
    let signed = content(data, &octets)?;
    let mac_fields = kids(data, mac_data);
    let digest_info = kids(data, mac_fields.first()?);
    let salt = content(data, mac_fields.get(1)?)?;
    let iterations = match mac_fields.get(2) {
        Some(h) => content(data, h)?
            .iter()
            .try_fold(0u32, |n, b| n.checked_mul(256)?.checked_add(u32::from(*b)))?,
        None => 1,
    };
    if !(1..=MAX_FUZZ_ITERATIONS).contains(&iterations) {
        return None;
    }
    let algorithm = kids(data, digest_info.first()?);
    let digest = digest_of(content(data, algorithm.first()?)?)?;
    let value = digest_info.get(1)?.content(data)?;
    let passwords: Vec<Vec<u8>> = if password.is_empty() {
        // OpenSSL's empty password (zero-length) first, then the BMP `00 00`.
        vec![Vec::new(), bmp_password("")]
    } else {
        vec![bmp_password(password)]
    };
    let mut first = None;
    for p in passwords {
        let key = Software
            .pkcs12_kdf(
                digest,
                &p,
                salt,
                Pkcs12Purpose::Mac,
                iterations,
                key_len(digest),
            )
            .ok()?;
        let mac = hmac_of(digest, &key, signed)?;
        if mac.len() != value.len() {
            return None;
        }
        if mac == data[value.clone()] {
            return None;
        }
        first.get_or_insert(mac);
    }
    first.map(|mac| (value.start, mac))
}

/// The MAC digest of an algorithm OID's content bytes (SHA-1, SHA-2).
fn digest_of(oid: &[u8]) -> Option<Digest> {
    const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
    const NIST: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
    if oid == SHA1 {
        return Some(Digest::Sha1);
    }
    match oid.strip_prefix(NIST)? {
        [1] => Some(Digest::Sha256),
        [2] => Some(Digest::Sha384),
        [3] => Some(Digest::Sha512),
        [4] => Some(Digest::Sha224),
        _ => None,
    }
}

fn key_len(digest: Digest) -> usize {
    match digest {
        Digest::Sha1 => 20,
        Digest::Sha224 => 28,
        Digest::Sha256 => 32,
        Digest::Sha384 => 48,
        Digest::Sha512 => 64,
    }
}

fn hmac_of(digest: Digest, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    macro_rules! mac {
        ($d:ty) => {{
            let mut m = hmac::Hmac::<$d>::new_from_slice(key).ok()?;
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }};
    }
    Some(match digest {
        Digest::Sha1 => mac!(sha1::Sha1),
        Digest::Sha224 => mac!(sha2::Sha224),
        Digest::Sha256 => mac!(sha2::Sha256),
        Digest::Sha384 => mac!(sha2::Sha384),
        Digest::Sha512 => mac!(sha2::Sha512),
    })
}

#[test]
fn repair_leaves_every_sample_unchanged_and_restores_a_broken_mac() {
    let mut repaired = 0;
    for seed in super::seeds::pfx_inputs() {
        let mut copy = seed.clone();
        Pfx.repair(&mut copy);
        assert_eq!(copy, seed, "repair changed a sample whose MAC is right");
        let (password, data) = split_password(&seed);
        let Some(mac) = mac_value_range(data) else {
            continue;
        };
        let offset = seed.len() - data.len();
        let mut broken = seed.clone();
        broken[offset + mac.start] ^= 1;
        if mac_fix(&broken[offset..], &password).is_none() {
            continue; // BER, or more iterations than the fuzz targets compute
        }
        Pfx.repair(&mut broken);
        assert_eq!(
            Pfx.execute(&broken).label,
            Pfx.execute(&seed).label,
            "a repaired MAC opens the file again"
        );
        repaired += 1;
    }
    assert!(
        repaired >= 10,
        "only {repaired} samples had a repairable MAC"
    );
}

#[cfg(test)]
fn mac_value_range(data: &[u8]) -> Option<std::ops::Range<usize>> {
    let pfx = tlv::read(data, 0)?;
    let fields = kids(data, &pfx);
    let mac_fields = kids(data, fields.get(2)?);
    kids(data, mac_fields.first()?).get(1)?.content(data)
}
