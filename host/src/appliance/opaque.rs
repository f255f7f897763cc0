//! OPAQUE (RFC 9807) as the appliance exchange uses it: the ristretto255 suite with
//! Argon2id as the key stretching function, each message's context bound to the TLS
//! channel (RFC 9266 tls-exporter), so the password check succeeds only when both ends
//! are on the same TLS connection. The server keeps only a registration record per
//! account and one server setup; the password itself never leaves the client.

use generic_array_014::{ArrayLength, GenericArray};
use opaque_ke::errors::InternalError;
use opaque_ke::{
    ClientLogin, ClientLoginFinishParameters, ClientRegistration,
    ClientRegistrationFinishParameters, CredentialFinalization, CredentialRequest,
    CredentialResponse, ServerLogin, ServerLoginParameters, ServerRegistration, ServerSetup,
};
use rand_core_06::OsRng;
use zeroize::Zeroizing;

/// The cipher suite: ristretto255 for the OPRF and the 3DH key exchange, SHA-512,
/// Argon2id (19 MiB, 2 passes, the same as the API's password hashes) for stretching.
pub struct Suite;

impl opaque_ke::CipherSuite for Suite {
    type OprfCs = opaque_ke::Ristretto255;
    type KeyExchange = opaque_ke::TripleDh<opaque_ke::Ristretto255, sha2_digest010::Sha512>;
    type Ksf = Argon2Ksf;
}

/// Argon2id with the crate's defaults, a fixed zero salt as RFC 9807 §3.2 has it (the
/// OPRF output is already unique per user and server).
#[derive(Default)]
pub struct Argon2Ksf;

impl opaque_ke::ksf::Ksf for Argon2Ksf {
    fn hash<L: ArrayLength<u8>>(
        &self,
        input: GenericArray<u8, L>,
    ) -> Result<GenericArray<u8, L>, InternalError> {
        let mut output = GenericArray::default();
        argon2::Argon2::default()
            .hash_password_into(&input, &[0u8; 16], &mut output)
            .map_err(|_| InternalError::KsfError)?;
        Ok(output)
    }
}

/// Why an OPAQUE step failed. Deliberately vague toward the other side: a wrong
/// password and a channel that is not end to end look the same.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpaqueError {
    #[error("a protocol message is malformed")]
    Malformed,
    #[error(
        "the password check failed: the user name or password is wrong, or something between the two servers terminates TLS"
    )]
    Rejected,
    #[error("the stored exchange setup cannot be read")]
    Setup,
}

/// The context every message is bound to: a label and the channel's tls-exporter value.
fn context(channel_binding: &[u8]) -> Vec<u8> {
    let mut c = b"certhost appliance exchange v1 ".to_vec();
    c.extend_from_slice(channel_binding);
    c
}

/// A new server setup (OPRF seed and AKE key pair), serialized for sealing.
pub fn new_server_setup() -> Zeroizing<Vec<u8>> {
    Zeroizing::new(ServerSetup::<Suite>::new(&mut OsRng).serialize().to_vec())
}

fn setup(bytes: &[u8]) -> Result<ServerSetup<Suite>, OpaqueError> {
    ServerSetup::<Suite>::deserialize(bytes).map_err(|_| OpaqueError::Setup)
}

/// Registers `password` for `user` in one process (the account is made on the server
/// itself): the registration record to store with the account.
pub fn register(setup_bytes: &[u8], user: &str, password: &str) -> Result<Vec<u8>, OpaqueError> {
    let setup = setup(setup_bytes)?;
    let start = ClientRegistration::<Suite>::start(&mut OsRng, password.as_bytes())
        .map_err(|_| OpaqueError::Malformed)?;
    let response = ServerRegistration::<Suite>::start(&setup, start.message, &credential_id(user))
        .map_err(|_| OpaqueError::Malformed)?;
    let finish = start
        .state
        .finish(
            &mut OsRng,
            password.as_bytes(),
            response.message,
            ClientRegistrationFinishParameters::default(),
        )
        .map_err(|_| OpaqueError::Malformed)?;
    Ok(ServerRegistration::<Suite>::finish(finish.message)
        .serialize()
        .to_vec())
}

/// Account names are case-insensitive; the credential identifier is the lowercase name.
fn credential_id(user: &str) -> Vec<u8> {
    user.trim().to_lowercase().into_bytes()
}

/// The client's first step: the message to send (KE1) and the state to keep.
pub fn client_start(password: &str) -> Result<(Vec<u8>, ClientLogin<Suite>), OpaqueError> {
    let start = ClientLogin::<Suite>::start(&mut OsRng, password.as_bytes())
        .map_err(|_| OpaqueError::Malformed)?;
    Ok((start.message.serialize().to_vec(), start.state))
}

/// The client's second step, given the server's answer (KE2): the message to send
/// (KE3) and the session key. Fails when the password is wrong or the server's
/// channel binding differs from ours.
pub fn client_finish(
    state: ClientLogin<Suite>,
    password: &str,
    response: &[u8],
    channel_binding: &[u8],
) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), OpaqueError> {
    let response =
        CredentialResponse::<Suite>::deserialize(response).map_err(|_| OpaqueError::Malformed)?;
    let context = context(channel_binding);
    let finish = state
        .finish(
            &mut OsRng,
            password.as_bytes(),
            response,
            ClientLoginFinishParameters::new(Some(&context), Default::default(), None),
        )
        .map_err(|_| OpaqueError::Rejected)?;
    Ok((
        finish.message.serialize().to_vec(),
        Zeroizing::new(finish.session_key.to_vec()),
    ))
}

/// The server's first step for `user` (whose record is `None` when there is no such
/// account or it has none: the answer then looks the same and the check fails):
/// the answer (KE2) and the state to keep until the client's last message.
pub fn server_start(
    setup_bytes: &[u8],
    user: &str,
    record: Option<&[u8]>,
    request: &[u8],
    channel_binding: &[u8],
) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), OpaqueError> {
    let setup = setup(setup_bytes)?;
    let record = record
        .map(ServerRegistration::<Suite>::deserialize)
        .transpose()
        .map_err(|_| OpaqueError::Setup)?;
    let request =
        CredentialRequest::<Suite>::deserialize(request).map_err(|_| OpaqueError::Malformed)?;
    let context = context(channel_binding);
    let start = ServerLogin::start(
        &mut OsRng,
        &setup,
        record,
        request,
        &credential_id(user),
        ServerLoginParameters {
            context: Some(&context),
            identifiers: Default::default(),
        },
    )
    .map_err(|_| OpaqueError::Malformed)?;
    Ok((
        start.message.serialize().to_vec(),
        Zeroizing::new(start.state.serialize().to_vec()),
    ))
}

/// The server's last step: the session key when the client proved the password on this
/// same channel.
pub fn server_finish(
    state: &[u8],
    finalization: &[u8],
    channel_binding: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OpaqueError> {
    let state = ServerLogin::<Suite>::deserialize(state).map_err(|_| OpaqueError::Malformed)?;
    let finalization = CredentialFinalization::<Suite>::deserialize(finalization)
        .map_err(|_| OpaqueError::Malformed)?;
    let context = context(channel_binding);
    let finish = state
        .finish(
            finalization,
            ServerLoginParameters {
                context: Some(&context),
                identifiers: Default::default(),
            },
        )
        .map_err(|_| OpaqueError::Rejected)?;
    Ok(Zeroizing::new(finish.session_key.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client's and the server's session keys.
    type SessionKeys = (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>);

    fn login(
        setup: &[u8],
        record: Option<&[u8]>,
        password: &str,
        client_channel: &[u8],
        server_channel: &[u8],
    ) -> Result<SessionKeys, OpaqueError> {
        let (ke1, state) = client_start(password)?;
        let (ke2, server_state) = server_start(setup, "Admin", record, &ke1, server_channel)?;
        let (ke3, client_key) = client_finish(state, password, &ke2, client_channel)?;
        let server_key = server_finish(&server_state, &ke3, server_channel)?;
        Ok((client_key, server_key))
    }

    #[test]
    fn the_right_password_on_one_channel_gives_both_ends_the_same_key() {
        let setup = new_server_setup();
        let record = register(&setup, "admin", "correct horse").unwrap();
        let (client, server) =
            login(&setup, Some(&record), "correct horse", b"chan", b"chan").unwrap();
        assert_eq!(client, server);
        assert_eq!(client.len(), 64);
    }

    #[test]
    fn a_wrong_password_a_different_channel_or_no_account_is_rejected() {
        let setup = new_server_setup();
        let record = register(&setup, "admin", "correct horse").unwrap();
        assert_eq!(
            login(&setup, Some(&record), "wrong", b"chan", b"chan").unwrap_err(),
            OpaqueError::Rejected
        );
        assert_eq!(
            login(
                &setup,
                Some(&record),
                "correct horse",
                b"relay-a",
                b"relay-b"
            )
            .unwrap_err(),
            OpaqueError::Rejected
        );
        assert_eq!(
            login(&setup, None, "correct horse", b"chan", b"chan").unwrap_err(),
            OpaqueError::Rejected
        );
    }

    #[test]
    fn the_record_does_not_contain_the_password() {
        let setup = new_server_setup();
        let record = register(&setup, "admin", "correct horse").unwrap();
        assert!(!record.windows(13).any(|w| w == b"correct horse"));
    }
}
