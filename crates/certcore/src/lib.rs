//! Certificate logic of certhost, pure Rust with no I/O: it runs inside the WebAssembly
//! component (and natively in tests and the benchmark).
//!
//! - [`generate`]: self-signed certificates (RSA 2048/3072/4096, ECDSA P-256/P-384)
//! - [`csr`]: certificate requests (PKCS#10) whose key stays here
//! - [`inspect`]: the X509Certificate2-style view of a DER certificate
//! - [`issue`]: certificates signed by a CA certificate and its key
//! - [`pkcs12`]: PFX import (every common producer's dialect) and export
//! - [`pkcs7`]: the certificates of a `.p7b` bundle
//! - [`request_inf`]: Windows' request policy files (`certreq -new request.inf`)
//! - [`pem`]: PEM/DER certificates and private keys in every usual wrapping
//! - [`keys`]: private keys, signing, and the key/certificate match check
//!
//! ```
//! use certhost_core::{generate::{GenerateRequest, generate_self_signed}, inspect::inspect};
//! use certhost_primitives::Software;
//! let mut req = GenerateRequest::server_default(1_700_000_000);
//! req.dns_names = vec!["www.contoso.com".into()];
//! req.key = certhost_core::keys::KeyAlgorithm::EcdsaP256;
//! let made = generate_self_signed(&req, &Software).unwrap();
//! let info = inspect(&made.certificate).unwrap();
//! assert_eq!(info.subject, "CN=www.contoso.com");
//! assert_eq!(info.thumbprint.len(), 40);
//! ```

pub mod bundle;
pub mod csr;
pub mod dn;
pub mod error;
pub mod file_kind;
pub mod generate;
pub mod inspect;
pub mod issue;
pub mod keys;
pub mod pem;
pub mod pkcs12;
pub mod pkcs7;
mod public_key;
pub mod request_inf;
pub mod validate;
pub mod verify;

pub use error::{CertError, Result};
