//! The certificates of a PKCS#7 / CMS SignedData (`.p7b`, `.p7c`): what a CA returns for
//! a certificate request, and Windows' "Cryptographic Message Syntax Standard" export.
//! DER and BER (indefinite lengths, as some CAs write) are read with the lenient reader
//! the PFX code uses; each certificate is re-encoded as DER.

use crate::error::{CertError, Result};
use crate::pkcs12::{SIGNED_DATA, Tlv};

/// The identifier octet of a certificate (a SEQUENCE) among the CertificateChoices.
const CERTIFICATE: u8 = 0x30;
/// `[0] IMPLICIT CertificateSet` in SignedData.
const CERTIFICATES: u8 = 0xa0;

fn bad(detail: &str) -> CertError {
    CertError::Corrupt(format!("not a valid PKCS#7 (.p7b) file: {detail}"))
}

/// The reader's errors speak of PKCS#12; say PKCS#7 instead.
fn reworded(e: CertError) -> CertError {
    match e {
        CertError::Corrupt(m) => bad(m
            .strip_prefix("not a valid PKCS#12 (PFX) file: ")
            .unwrap_or(&m)),
        other => other,
    }
}

/// The certificates (DER) of the SignedData `data`, each checked as a certificate
/// file's are, the end-entity certificate first and then each issuer in turn;
/// certificates outside that chain follow in file order. Attribute certificates and
/// other choices are skipped.
pub fn certificates(data: &[u8]) -> Result<Vec<Vec<u8>>> {
    let top = Tlv::parse_whole(data).map_err(reworded)?;
    let content_type = top.child(0, "the content type").map_err(reworded)?;
    if content_type.oid().ok().as_deref() != Some(SIGNED_DATA) {
        return Err(bad(
            "it is not SignedData (the kind that carries certificates)",
        ));
    }
    let signed_data = top
        .child_tagged(1, CERTIFICATES, "the content")
        .and_then(|c| c.child(0, "SignedData"))
        .map_err(reworded)?;
    let fields = signed_data.children().map_err(reworded)?;
    let certificates: Vec<Vec<u8>> = fields
        .iter()
        .skip(3) // version, digest algorithms, encapsulated content
        .find(|f| f.tag == CERTIFICATES)
        .map(|set| set.children().map_err(reworded))
        .transpose()?
        .unwrap_or_default()
        .iter()
        .filter(|c| c.tag == CERTIFICATE)
        .map(Tlv::to_der)
        .collect();
    if certificates.is_empty() {
        return Err(bad(
            "it holds no certificates; ask the CA for the issued certificate as .cer or .p7b with the chain",
        ));
    }
    for (index, certificate) in certificates.iter().enumerate() {
        // A certificate is signed over its DER: one written otherwise (BER) in the bundle
        // is not the certificate its issuer signed.
        if !contains(data, certificate) {
            return Err(bad(&format!(
                "certificate {} of the bundle is not DER-encoded; get the bundle again from its source",
                index + 1
            )));
        }
        crate::inspect::inspect(certificate)?;
    }
    Ok(leaf_first(certificates))
}

/// Whether `needle` occurs in `haystack` as it is.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Subject and issuer names (raw DER) of a certificate, when it parses.
fn names(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, c) = x509_parser::parse_x509_certificate(der).ok()?;
    Some((c.subject().as_raw().to_vec(), c.issuer().as_raw().to_vec()))
}

/// Orders `certificates` as a chain: the one that issued none of the others first, then
/// its issuer, and so on; the rest after, as they came.
fn leaf_first(certificates: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let named: Vec<Option<(Vec<u8>, Vec<u8>)>> = certificates.iter().map(|c| names(c)).collect();
    let issued_another = |i: usize| {
        let Some((subject, _)) = &named[i] else {
            return false;
        };
        named.iter().enumerate().any(|(j, n)| {
            j != i
                && n.as_ref()
                    .is_some_and(|(s, issuer)| issuer == subject && s != subject)
        })
    };
    let Some(leaf) = (0..certificates.len()).find(|&i| !issued_another(i)) else {
        return certificates;
    };
    let mut order = vec![leaf];
    while let Some((subject, issuer)) = named[*order.last().unwrap_or(&leaf)].as_ref() {
        if subject == issuer {
            break;
        }
        let next = (0..certificates.len())
            .find(|j| !order.contains(j) && named[*j].as_ref().is_some_and(|(s, _)| s == issuer));
        match next {
            Some(j) => order.push(j),
            None => break,
        }
    }
    let rest: Vec<usize> = (0..certificates.len())
        .filter(|i| !order.contains(i))
        .collect();
    order.extend(rest);
    let mut slots: Vec<Option<Vec<u8>>> = certificates.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{BasicConstraints, GenerateRequest, KeyUsage, generate_self_signed};
    use crate::issue::issue;
    use crate::keys::KeyAlgorithm;
    use certhost_primitives::Software;

    const NOW: i64 = 1_760_000_000;

    fn der_length(len: usize) -> Vec<u8> {
        match len {
            0..=0x7f => vec![len as u8],
            0x80..=0xff => vec![0x81, len as u8],
            _ => vec![0x82, (len >> 8) as u8, len as u8],
        }
    }

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        [vec![tag], der_length(body.len()), body.to_vec()].concat()
    }

    /// A degenerate SignedData (no signers) holding `certs`, as `openssl crl2pkcs7` and
    /// CAs write it.
    fn p7b(certs: &[&[u8]]) -> Vec<u8> {
        let oid = |der: &[u8]| tlv(0x06, der);
        let signed_data = [
            tlv(0x02, &[1]),
            tlv(0x31, &[]),
            tlv(
                0x30,
                &oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]),
            ),
            tlv(0xa0, &certs.concat()),
            tlv(0x31, &[]),
        ]
        .concat();
        tlv(
            0x30,
            &[
                oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]),
                tlv(0xa0, &tlv(0x30, &signed_data)),
            ]
            .concat(),
        )
    }

    fn chain() -> (Vec<u8>, Vec<u8>) {
        let mut root = GenerateRequest::server_default(NOW);
        root.subject = Some("CN=P7 Root".into());
        root.key = KeyAlgorithm::EcdsaP256;
        root.key_usages = vec![KeyUsage::KeyCertSign];
        root.basic_constraints = BasicConstraints::Ca { path_length: None };
        let root = generate_self_signed(&root, &Software).unwrap();
        let mut leaf = GenerateRequest::server_default(NOW);
        leaf.dns_names = vec!["leaf.p7.test".into()];
        leaf.key = KeyAlgorithm::EcdsaP256;
        let leaf = issue(&leaf, &root.certificate, &root.private_key, &Software).unwrap();
        (root.certificate, leaf.certificate)
    }

    #[test]
    fn certificates_come_out_leaf_first_whatever_the_file_order() {
        let (root, leaf) = chain();
        for order in [[&root[..], &leaf[..]], [&leaf[..], &root[..]]] {
            assert_eq!(
                certificates(&p7b(&order)).unwrap(),
                vec![leaf.clone(), root.clone()]
            );
        }
    }

    #[test]
    fn ber_with_indefinite_lengths_is_read() {
        let (_, leaf) = chain();
        let der = p7b(&[&leaf]);
        // Re-wrap the outer SEQUENCE with an indefinite length.
        let header = 1 + der_length(der.len() - 1 - der_length(der.len()).len()).len();
        let body = &der[header..];
        let ber = [&[0x30, 0x80][..], body, &[0, 0]].concat();
        assert_eq!(certificates(&ber).unwrap(), vec![leaf]);
    }

    #[test]
    fn malformed_and_empty_bundles_say_pkcs7() {
        let empty = certificates(&p7b(&[])).unwrap_err();
        assert!(
            matches!(&empty, CertError::Corrupt(m) if m.contains("PKCS#7") && m.contains("no certificates")),
            "{empty}"
        );
        let truncated = p7b(&[&chain().1]);
        let cut = certificates(&truncated[..truncated.len() - 10]).unwrap_err();
        assert!(
            matches!(&cut, CertError::Corrupt(m) if m.starts_with("not a valid PKCS#7")),
            "{cut}"
        );
        let data = tlv(
            0x30,
            &[
                tlv(
                    0x06,
                    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
                ),
                tlv(0xa0, &[]),
            ]
            .concat(),
        );
        let not_signed = certificates(&data).unwrap_err();
        assert!(
            matches!(&not_signed, CertError::Corrupt(m) if m.contains("not SignedData")),
            "{not_signed}"
        );
    }
}
