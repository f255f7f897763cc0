//! A ceiling on the key-derivation work one PFX may cause. Each derivation is bounded
//! by `MAX_ITERATIONS`, but a small file can hold many encrypted bags: 150 key bags at
//! the maximum would keep a worker busy for minutes. The reader first adds up the work
//! the file's visible structure announces and refuses it at once if it is over the
//! limit; every derivation is also charged as it runs, for bags found inside encrypted
//! parts.

use super::oids::{DATA, ENCRYPTED_DATA, SHROUDED_KEY_BAG};
use super::pbe::derivation_work;
use super::tlv::Tlv;
use certhost_primitives::{Digest, MAX_ITERATIONS, Pkcs12Purpose, PrimitiveError, Primitives};
use std::cell::Cell;

/// Most key-derivation work (iterations × hash blocks, summed over every derivation)
/// one PFX may ask for: a single-key file at the highest iteration count fits.
pub(crate) const MAX_WORK: u64 = 6 * MAX_ITERATIONS as u64;

/// Primitives that refuse to go on once `MAX_WORK` is spent.
pub(crate) struct Budgeted<'p> {
    inner: &'p dyn Primitives,
    spent: Cell<u64>,
}

impl<'p> Budgeted<'p> {
    pub fn new(inner: &'p dyn Primitives) -> Self {
        Budgeted {
            inner,
            spent: Cell::new(0),
        }
    }

    fn charge(&self, digest: Digest, iterations: u32, length: usize) -> Result<(), PrimitiveError> {
        let block = match digest {
            Digest::Sha1 => 20,
            Digest::Sha224 => 28,
            Digest::Sha256 => 32,
            Digest::Sha384 => 48,
            Digest::Sha512 => 64,
        };
        let blocks = length.div_ceil(block).max(1) as u64;
        let spent = self.spent.get() + u64::from(iterations) * blocks;
        if spent > MAX_WORK {
            return Err(PrimitiveError::WorkLimit { limit: MAX_WORK });
        }
        self.spent.set(spent);
        Ok(())
    }
}

impl Primitives for Budgeted<'_> {
    fn pbkdf2_hmac(
        &self,
        digest: Digest,
        password: &[u8],
        salt: &[u8],
        iterations: u32,
        length: usize,
    ) -> Result<Vec<u8>, PrimitiveError> {
        self.charge(digest, iterations, length)?;
        self.inner
            .pbkdf2_hmac(digest, password, salt, iterations, length)
    }

    fn pkcs12_kdf(
        &self,
        digest: Digest,
        password: &[u8],
        salt: &[u8],
        purpose: Pkcs12Purpose,
        iterations: u32,
        length: usize,
    ) -> Result<Vec<u8>, PrimitiveError> {
        self.charge(digest, iterations, length)?;
        self.inner
            .pkcs12_kdf(digest, password, salt, purpose, iterations, length)
    }

    fn generate_rsa_key(&self, bits: u32) -> Result<Vec<u8>, PrimitiveError> {
        self.inner.generate_rsa_key(bits)
    }
}

/// The work the file announces before anything is decrypted: its MAC, each encrypted
/// safe, and each shrouded key bag in its unencrypted safes. Unreadable parts count as
/// nothing here; reading them fails later with its own error.
pub(crate) fn announced_work(mac_iterations: u64, safes: &Tlv<'_>) -> u64 {
    let mut work = mac_iterations;
    let Ok(infos) = safes.children() else {
        return work;
    };
    for info in infos {
        let Ok(kind) = info.child(0, "content type").and_then(|t| t.oid()) else {
            continue;
        };
        if kind == ENCRYPTED_DATA {
            let alg = info
                .child(1, "encrypted data")
                .and_then(|t| t.child(0, "encrypted data"))
                .and_then(|t| t.child(1, "encrypted content info"))
                .and_then(|t| t.child(1, "algorithm"));
            work = work.saturating_add(alg.map(|a| derivation_work(a)).unwrap_or(0));
        } else if kind == DATA {
            work = work.saturating_add(shrouded_bags_work(info));
        }
    }
    work
}

fn shrouded_bags_work(info: &Tlv<'_>) -> u64 {
    let Ok(octets) = super::read::explicit_octets(info) else {
        return 0;
    };
    let Ok(bags) = Tlv::parse_whole(&octets) else {
        return 0;
    };
    let Ok(bags) = bags.children() else {
        return 0;
    };
    bags.iter()
        .filter(|bag| {
            bag.child(0, "bag type")
                .and_then(|t| t.oid())
                .is_ok_and(|oid| oid == SHROUDED_KEY_BAG)
        })
        .filter_map(|bag| {
            let alg = bag
                .child(1, "bag value")
                .and_then(|t| t.child(0, "bag value"))
                .and_then(|t| t.child(0, "key encryption algorithm"))
                .ok()?;
            Some(derivation_work(alg))
        })
        .fold(0u64, u64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::super::der_write::{algorithm, explicit, octet_string, oid, sequence, uint};
    use super::super::oids;
    use super::*;
    use crate::CertError;

    /// Primitives that count their calls and derive nothing.
    #[derive(Default)]
    struct Counting(Cell<u32>);

    impl Primitives for Counting {
        fn pbkdf2_hmac(
            &self,
            _: Digest,
            _: &[u8],
            _: &[u8],
            _: u32,
            len: usize,
        ) -> Result<Vec<u8>, PrimitiveError> {
            self.0.set(self.0.get() + 1);
            Ok(vec![0; len])
        }
        fn pkcs12_kdf(
            &self,
            _: Digest,
            _: &[u8],
            _: &[u8],
            _: Pkcs12Purpose,
            _: u32,
            len: usize,
        ) -> Result<Vec<u8>, PrimitiveError> {
            self.0.set(self.0.get() + 1);
            Ok(vec![0; len])
        }
        fn generate_rsa_key(&self, _: u32) -> Result<Vec<u8>, PrimitiveError> {
            unreachable!("no key generation while reading")
        }
    }

    fn pbes2(iterations: u64) -> Vec<u8> {
        let kdf = algorithm(
            oids::PBKDF2,
            &sequence(&[
                &octet_string(&[1; 16]),
                &uint(iterations),
                &algorithm(oids::HMAC_SHA256, &[5, 0]),
            ]),
        );
        let cipher = algorithm(oids::AES256_CBC, &octet_string(&[2; 16]));
        algorithm(oids::PBES2, &sequence(&[&kdf, &cipher]))
    }

    /// A PFX of `bags` shrouded key bags at `iterations` each, with a MAC at the same
    /// count: about 40 KB for 150 bags.
    fn costly_pfx(bags: usize, iterations: u64) -> Vec<u8> {
        let bag = sequence(&[
            &oid(oids::SHROUDED_KEY_BAG),
            &explicit(
                0,
                &sequence(&[&pbes2(iterations), &octet_string(&[3; 160])]),
            ),
        ]);
        let safe = sequence(&vec![bag.as_slice(); bags]);
        let data = sequence(&[&oid(oids::DATA), &explicit(0, &octet_string(&safe))]);
        let auth_safe = sequence(&[&data]);
        let mac = sequence(&[
            &sequence(&[&algorithm(oids::SHA256, &[5, 0]), &octet_string(&[4; 32])]),
            &octet_string(&[5; 8]),
            &uint(iterations),
        ]);
        sequence(&[
            &uint(3),
            &sequence(&[&oid(oids::DATA), &explicit(0, &octet_string(&auth_safe))]),
            &mac,
        ])
    }

    #[test]
    fn a_pfx_announcing_too_much_work_is_refused_before_any_derivation() {
        let file = costly_pfx(150, u64::from(MAX_ITERATIONS));
        assert!(file.len() > 35_000, "{} bytes", file.len());
        let counting = Counting::default();
        let err = super::super::read_pfx(&file, "x", &counting).unwrap_err();
        assert!(matches!(err, CertError::Unsupported(_)), "{err}");
        assert!(
            err.to_string().contains("key-derivation iterations"),
            "{err}"
        );
        assert!(err.to_string().contains("-iter 600000"), "{err}");
        assert_eq!(counting.0.get(), 0, "no key was derived");
    }

    #[test]
    fn work_found_inside_is_charged_as_it_runs() {
        let counting = Counting::default();
        let budgeted = Budgeted::new(&counting);
        let per_call = MAX_ITERATIONS;
        for _ in 0..6 {
            budgeted
                .pbkdf2_hmac(Digest::Sha256, b"", b"", per_call, 32)
                .unwrap();
        }
        let err = budgeted
            .pbkdf2_hmac(Digest::Sha256, b"", b"", per_call, 32)
            .unwrap_err();
        assert!(matches!(err, PrimitiveError::WorkLimit { .. }));
        assert_eq!(counting.0.get(), 6);
    }

    #[test]
    fn an_ordinary_file_announces_what_it_costs() {
        let file = costly_pfx(1, 600_000);
        let pfx = Tlv::parse_whole(&file).unwrap();
        let auth = super::super::read::explicit_octets(pfx.child(1, "").unwrap()).unwrap();
        let safes = Tlv::parse_whole(&auth).unwrap();
        assert_eq!(announced_work(600_000, &safes), 1_200_000);
    }
}
