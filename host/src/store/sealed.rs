//! The sealed form of a private key in the store (envelope encryption).
//!
//! Each private key gets a fresh random 256-bit data key, which encrypts the PKCS#8 bytes
//! with AES-256-GCM; the data key is itself encrypted (wrapped) with AES-256-GCM under a
//! versioned root key (`super::root_key`). Both layers authenticate associated data that
//! names the certificate's store and thumbprint and the blob's header, so a blob copied
//! to another row or store, or with any byte changed, does not open.
//!
//! Layout of a sealed blob (format 1), 94 bytes longer than the key it holds:
//!
//! | offset | length | field |
//! |---|---|---|
//! | 0 | 1 | magic `0xC5` (PKCS#8 DER starts with `0x30`, so the two never mix) |
//! | 1 | 1 | format version, `1` |
//! | 2 | 4 | root key version, big-endian |
//! | 6 | 12 | nonce of the wrapped data key |
//! | 18 | 48 | wrapped data key: 32 bytes encrypted, 16 bytes GCM tag |
//! | 66 | 12 | nonce of the key |
//! | 78 | n + 16 | the PKCS#8 key encrypted with the data key, then its GCM tag |
//!
//! Associated data of the wrapped data key: `"certhost data key v1\0" STORE "\0"
//! THUMBPRINT "\0" header`; of the key: `"certhost private key v1\0" STORE "\0"
//! THUMBPRINT "\0" header`, where STORE is the store's name in upper case, THUMBPRINT
//! the certificate's SHA-1 in upper-case hex and header the first 6 bytes above.
//!
//! These are pure functions of their inputs (and the system's random numbers); finding
//! the root key is `super::root_key`'s work.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

/// The first byte of every sealed blob.
pub const MAGIC: u8 = 0xC5;
/// The blob format this code writes.
pub const FORMAT: u8 = 1;
/// Length of a root key and of a data key.
pub const KEY_LEN: usize = 32;

const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 6;
const WRAPPED_LEN: usize = KEY_LEN + TAG_LEN;
const KEY_NONCE_AT: usize = HEADER_LEN + NONCE_LEN + WRAPPED_LEN;
const BODY_AT: usize = KEY_NONCE_AT + NONCE_LEN;
/// How many bytes sealing adds to a key.
pub const OVERHEAD: usize = BODY_AT + TAG_LEN;

const DATA_KEY_LABEL: &[u8] = b"certhost data key v1\0";
const PRIVATE_KEY_LABEL: &[u8] = b"certhost private key v1\0";
const CHECK_LABEL: &[u8] = b"certhost root key check v1\0";
const CHECK_TEXT: &[u8] = b"certhost root key";

/// A root key: 32 secret bytes and the version the database knows it by. The bytes are
/// zeroed when it is dropped and never printed.
pub struct RootKey {
    version: u32,
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl RootKey {
    pub fn new(version: u32, bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        RootKey { version, bytes }
    }

    /// A new random root key.
    pub fn generate(version: u32) -> Result<Self, SealError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        random(&mut bytes[..])?;
        Ok(RootKey::new(version, bytes))
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// The secret bytes, for a root key provider to store.
    pub fn expose(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    fn aead(&self) -> LessSafeKey {
        aead_key(&self.bytes[..])
    }
}

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RootKey(version {})", self.version)
    }
}

/// Why sealing failed (neither names any secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    #[error("the system gave no random bytes")]
    Random,
    #[error("AES-256-GCM encryption failed")]
    Encrypt,
}

/// Why a sealed blob did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    #[error("the stored key is not in certhost's sealed format")]
    NotSealed,
    #[error(
        "the stored key is in sealed format {0}, which this certhost does not know (upgrade certhost)"
    )]
    UnknownFormat(u8),
    #[error("the stored key is truncated")]
    Truncated,
    #[error(
        "the stored key does not open with root key version {0}: the root key is not the one it was sealed with, or the stored key was altered or copied from another certificate or store"
    )]
    Authentication(u32),
}

/// Whether `blob` is a sealed key (as opposed to a plaintext PKCS#8 key of an older
/// database).
pub fn is_sealed(blob: &[u8]) -> bool {
    blob.first() == Some(&MAGIC)
}

/// The root key version a sealed blob needs.
pub fn root_key_version(blob: &[u8]) -> Result<u32, OpenError> {
    header(blob).map(|(_, version)| version)
}

/// Seals `private_key` (PKCS#8 DER) for the certificate `thumbprint` of `store`.
pub fn seal(
    root: &RootKey,
    store: &str,
    thumbprint: &str,
    private_key: &[u8],
) -> Result<Vec<u8>, SealError> {
    let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
    random(&mut data_key[..])?;
    let mut wrap_nonce = [0u8; NONCE_LEN];
    random(&mut wrap_nonce)?;
    let mut key_nonce = [0u8; NONCE_LEN];
    random(&mut key_nonce)?;

    let mut blob = Vec::with_capacity(OVERHEAD + private_key.len());
    blob.push(MAGIC);
    blob.push(FORMAT);
    blob.extend_from_slice(&root.version.to_be_bytes());
    let header: [u8; HEADER_LEN] = blob[..HEADER_LEN]
        .try_into()
        .map_err(|_| SealError::Encrypt)?;

    // The wrapped data key.
    blob.extend_from_slice(&wrap_nonce);
    let wrapped_at = blob.len();
    blob.extend_from_slice(&data_key[..]);
    let tag = root
        .aead()
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(wrap_nonce),
            Aad::from(aad(DATA_KEY_LABEL, store, thumbprint, &header)),
            &mut blob[wrapped_at..],
        )
        .map_err(|_| SealError::Encrypt)?;
    blob.extend_from_slice(tag.as_ref());

    // The key, encrypted in place inside the blob (no other copy of it is made).
    blob.extend_from_slice(&key_nonce);
    let body_at = blob.len();
    blob.extend_from_slice(private_key);
    let tag = aead_key(&data_key[..])
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(key_nonce),
            Aad::from(aad(PRIVATE_KEY_LABEL, store, thumbprint, &header)),
            &mut blob[body_at..],
        )
        .map_err(|_| SealError::Encrypt)?;
    blob.extend_from_slice(tag.as_ref());
    Ok(blob)
}

/// Opens a blob [`seal`] made for the certificate `thumbprint` of `store`: the PKCS#8
/// key. The caller owns the plaintext and should drop it as soon as it is used.
pub fn open(
    root: &RootKey,
    store: &str,
    thumbprint: &str,
    blob: &[u8],
) -> Result<Vec<u8>, OpenError> {
    let (header, version) = header(blob)?;
    if blob.len() < OVERHEAD {
        return Err(OpenError::Truncated);
    }
    if version != root.version {
        return Err(OpenError::Authentication(root.version));
    }
    let failed = |_| OpenError::Authentication(version);

    let mut data_key = Zeroizing::new([0u8; WRAPPED_LEN]);
    data_key.copy_from_slice(&blob[HEADER_LEN + NONCE_LEN..KEY_NONCE_AT]);
    let unwrapped = root
        .aead()
        .open_in_place(
            nonce(&blob[HEADER_LEN..HEADER_LEN + NONCE_LEN]),
            Aad::from(aad(DATA_KEY_LABEL, store, thumbprint, &header)),
            &mut data_key[..],
        )
        .map_err(failed)?;
    let data_key = aead_key(unwrapped);

    let mut body = Zeroizing::new(blob[BODY_AT..].to_vec());
    let len = data_key
        .open_in_place(
            nonce(&blob[KEY_NONCE_AT..BODY_AT]),
            Aad::from(aad(PRIVATE_KEY_LABEL, store, thumbprint, &header)),
            &mut body[..],
        )
        .map_err(failed)?
        .len();
    // Hand the buffer over without copying the key again; the tag behind it is public.
    let mut key = std::mem::take(&mut *body);
    key.truncate(len);
    Ok(key)
}

/// A short value sealed with `root` that shows, before any key is touched, whether a
/// root key found later is the same one.
pub fn check_value(root: &RootKey) -> Result<Vec<u8>, SealError> {
    let mut nonce_bytes = [0u8; NONCE_LEN];
    random(&mut nonce_bytes)?;
    let mut value = Vec::with_capacity(NONCE_LEN + CHECK_TEXT.len() + TAG_LEN);
    value.extend_from_slice(&nonce_bytes);
    value.extend_from_slice(CHECK_TEXT);
    let tag = root
        .aead()
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(check_aad(root.version)),
            &mut value[NONCE_LEN..],
        )
        .map_err(|_| SealError::Encrypt)?;
    value.extend_from_slice(tag.as_ref());
    Ok(value)
}

/// Whether `value` ([`check_value`]) was made with this root key.
pub fn matches_check_value(root: &RootKey, value: &[u8]) -> bool {
    if value.len() < NONCE_LEN + TAG_LEN {
        return false;
    }
    let mut body = value[NONCE_LEN..].to_vec();
    root.aead()
        .open_in_place(
            nonce(&value[..NONCE_LEN]),
            Aad::from(check_aad(root.version)),
            &mut body,
        )
        .is_ok_and(|plain| plain == CHECK_TEXT)
}

fn header(blob: &[u8]) -> Result<([u8; HEADER_LEN], u32), OpenError> {
    match blob {
        [] => Err(OpenError::Truncated),
        [first, ..] if *first != MAGIC => Err(OpenError::NotSealed),
        [_, format, ..] if *format != FORMAT => Err(OpenError::UnknownFormat(*format)),
        _ if blob.len() < HEADER_LEN => Err(OpenError::Truncated),
        _ => {
            let mut header = [0u8; HEADER_LEN];
            header.copy_from_slice(&blob[..HEADER_LEN]);
            let version = u32::from_be_bytes([header[2], header[3], header[4], header[5]]);
            Ok((header, version))
        }
    }
}

fn aad(label: &[u8], store: &str, thumbprint: &str, header: &[u8; HEADER_LEN]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(label.len() + store.len() + thumbprint.len() + 2 + 6);
    aad.extend_from_slice(label);
    aad.extend_from_slice(store.trim().to_ascii_uppercase().as_bytes());
    aad.push(0);
    aad.extend_from_slice(thumbprint.trim().to_ascii_uppercase().as_bytes());
    aad.push(0);
    aad.extend_from_slice(header);
    aad
}

fn check_aad(version: u32) -> Vec<u8> {
    let mut aad = CHECK_LABEL.to_vec();
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

fn aead_key(bytes: &[u8]) -> LessSafeKey {
    // Every caller passes KEY_LEN bytes, the one length AES-256 accepts.
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).expect("a 32-byte AES-256 key"))
}

fn nonce(bytes: &[u8]) -> Nonce {
    let mut n = [0u8; NONCE_LEN];
    n.copy_from_slice(bytes);
    Nonce::assume_unique_for_key(n)
}

fn random(out: &mut [u8]) -> Result<(), SealError> {
    getrandom::fill(out).map_err(|_| SealError::Random)
}

#[cfg(test)]
mod tests {
    use super::*;

    const THUMB: &str = "283AA3CE6E2DC5AD1DC6FBA0505356BDEC135E42";
    const OTHER: &str = "0123456789ABCDEF0123456789ABCDEF01234567";
    const KEY: &[u8] = b"0\x82\x01\x02 a PKCS#8 key, as far as sealing cares";

    fn root(version: u32) -> RootKey {
        RootKey::generate(version).unwrap()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_sealed_key_opens_with_its_root_key_store_and_thumbprint() {
        let root = root(1);
        let blob = seal(&root, "My", THUMB, KEY).unwrap();
        assert_eq!(blob.len(), KEY.len() + OVERHEAD);
        assert!(is_sealed(&blob));
        assert!(!is_sealed(KEY));
        assert_eq!(root_key_version(&blob), Ok(1));
        assert!(!contains(&blob, &KEY[4..]));
        assert_eq!(open(&root, "My", THUMB, &blob).unwrap(), KEY);
        // The store's case and the thumbprint's case do not matter.
        assert_eq!(
            open(&root, "MY", &THUMB.to_ascii_lowercase(), &blob).unwrap(),
            KEY
        );
    }

    #[test]
    fn every_seal_is_different() {
        let root = root(1);
        let a = seal(&root, "My", THUMB, KEY).unwrap();
        let b = seal(&root, "My", THUMB, KEY).unwrap();
        assert_ne!(a, b);
        assert_ne!(a[6..18], b[6..18], "nonces repeat");
    }

    #[test]
    fn a_blob_moved_to_another_certificate_or_store_does_not_open() {
        let root = root(1);
        let blob = seal(&root, "My", THUMB, KEY).unwrap();
        assert_eq!(
            open(&root, "My", OTHER, &blob),
            Err(OpenError::Authentication(1))
        );
        assert_eq!(
            open(&root, "WebHosting", THUMB, &blob),
            Err(OpenError::Authentication(1))
        );
    }

    #[test]
    fn another_root_key_does_not_open_it() {
        let blob = seal(&root(1), "My", THUMB, KEY).unwrap();
        assert_eq!(
            open(&root(1), "My", THUMB, &blob),
            Err(OpenError::Authentication(1))
        );
        // Same bytes, another version: the header names version 1.
        let first = root(1);
        let blob = seal(&first, "My", THUMB, KEY).unwrap();
        let renamed = RootKey::new(2, Zeroizing::new(*first.expose()));
        assert_eq!(
            open(&renamed, "My", THUMB, &blob),
            Err(OpenError::Authentication(2))
        );
    }

    #[test]
    fn any_changed_byte_is_refused() {
        let root = root(7);
        let blob = seal(&root, "My", THUMB, KEY).unwrap();
        for i in 0..blob.len() {
            let mut tampered = blob.clone();
            tampered[i] ^= 0x01;
            assert!(
                open(&root, "My", THUMB, &tampered).is_err(),
                "byte {i} changed and the blob still opened"
            );
        }
        assert_eq!(
            open(&root, "My", THUMB, &blob[..blob.len() - 1]),
            Err(OpenError::Authentication(7))
        );
        assert_eq!(
            open(&root, "My", THUMB, &blob[..OVERHEAD - 1]),
            Err(OpenError::Truncated)
        );
        assert_eq!(open(&root, "My", THUMB, &[]), Err(OpenError::Truncated));
        assert_eq!(open(&root, "My", THUMB, KEY), Err(OpenError::NotSealed));
        let mut future = blob.clone();
        future[1] = 2;
        assert_eq!(
            open(&root, "My", THUMB, &future),
            Err(OpenError::UnknownFormat(2))
        );
    }

    #[test]
    fn an_empty_key_seals_too() {
        let root = root(1);
        let blob = seal(&root, "My", THUMB, b"").unwrap();
        assert_eq!(blob.len(), OVERHEAD);
        assert_eq!(open(&root, "My", THUMB, &blob).unwrap(), b"");
    }

    #[test]
    fn the_check_value_tells_root_keys_apart() {
        let root = root(3);
        let check = check_value(&root).unwrap();
        assert!(matches_check_value(&root, &check));
        assert!(!matches_check_value(&super::tests::root(3), &check));
        let same_bytes_other_version = RootKey::new(4, Zeroizing::new(*root.expose()));
        assert!(!matches_check_value(&same_bytes_other_version, &check));
        let mut tampered = check.clone();
        tampered[0] ^= 1;
        assert!(!matches_check_value(&root, &tampered));
        assert!(!matches_check_value(&root, &check[..10]));
    }

    #[test]
    fn a_root_key_never_prints_its_bytes() {
        let root = root(1);
        assert_eq!(format!("{root:?}"), "RootKey(version 1)");
    }
}
