//! A certificate object as it flows through the shell's pipeline (X509Certificate2 and
//! the Cert: provider's view), as plain data for every layer. The component's WIT
//! records convert to and from it at the component adapter.

/// One extended key usage: Windows' friendly name and its OID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eku {
    pub friendly_name: String,
    pub oid: String,
}

/// What a certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// SHA-1 of the DER, uppercase hex.
    pub thumbprint: String,
    /// SHA-256 of the DER, uppercase hex.
    pub sha256_fingerprint: String,
    pub subject: String,
    pub issuer: String,
    /// Uppercase hex.
    pub serial_number: String,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
    pub dns_names: Vec<String>,
    pub ip_addresses: Vec<String>,
    pub key_algorithm: String,
    pub key_size: u32,
    pub extended_key_usages: Vec<Eku>,
    pub key_usages: Vec<String>,
    pub self_signed: bool,
    pub signature_algorithm: String,
    pub version: u32,
    pub is_ca: Option<bool>,
}

/// The private key a certificate object carries while it is in no store (read from a
/// file with its key), so that a command that installs it can. Never a property; its
/// `Debug` shows sizes, not bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyMaterial {
    /// Unencrypted PKCS#8 DER.
    pub private_key: Vec<u8>,
    /// Further certificates (DER) that came with it: intermediates and roots.
    pub chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterial")
            .field(
                "private_key",
                &format_args!("<{} bytes>", self.private_key.len()),
            )
            .field(
                "chain",
                &format_args!("<{} certificates>", self.chain.len()),
            )
            .finish()
    }
}

/// A certificate object: what it says, its DER, and where it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateObject {
    pub info: CertificateInfo,
    pub der: Vec<u8>,
    /// The store holding it (`My`, `Root`, ...), when it is in one.
    pub store: Option<String>,
    /// `LocalMachine` or `CurrentUser`, when it is in a store.
    pub location: Option<String>,
    pub has_private_key: bool,
    pub friendly_name: String,
    /// The key of a certificate in no store; `None` for a stored one (its store keeps it).
    pub key_material: Option<KeyMaterial>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_key() {
        let material = KeyMaterial {
            private_key: vec![0x30, 0x82, 0xAB, 0xCD],
            chain: vec![vec![1, 2, 3]],
        };
        let shown = format!("{material:?}");
        assert_eq!(
            shown,
            "KeyMaterial { private_key: <4 bytes>, chain: <1 certificates> }"
        );
    }
}
