//! Every failure of `accord-node` as the one [`ApiError`] the UI gets: a
//! stable code, a message (the node's own, which names what to do) and,
//! for a failed session, whom it blames.

use accord_desktop_api::{ApiError, ErrorCode};
use accord_node::facade::{KeygenError, PairingError, SendError, SignError};
use accord_node::rpc::SendError as ChainError;
use accord_node::store::StoreError;

use crate::views;

/// A store failure.
pub fn store(e: StoreError) -> ApiError {
    let code = match &e {
        StoreError::NotFound(_) => ErrorCode::NotFound,
        StoreError::WrongKey => ErrorCode::WrongKey,
        _ => ErrorCode::Storage,
    };
    ApiError::new(code, e.to_string())
}

/// A pairing failure.
pub fn pairing(e: PairingError) -> ApiError {
    ApiError::new(ErrorCode::Pairing, e.to_string())
}

/// A key generation failure.
pub fn keygen(e: KeygenError) -> ApiError {
    let code = match &e {
        KeygenError::Invalid(_) => ErrorCode::InvalidInput,
        KeygenError::Pairing(_) => ErrorCode::Pairing,
        KeygenError::Store(_) => ErrorCode::Storage,
        _ => ErrorCode::Keygen,
    };
    ApiError::new(code, e.to_string()).blaming(views::culprits(e.culprits()))
}

/// A signing failure.
pub fn sign(e: SignError) -> ApiError {
    let code = match &e {
        SignError::Prepare(_)
        | SignError::TooLarge { .. }
        | SignError::TooManySignatures { .. } => ErrorCode::InvalidInput,
        SignError::Store(StoreError::NotFound(_)) => ErrorCode::NotFound,
        SignError::Store(_) => ErrorCode::Storage,
        _ => ErrorCode::Signing,
    };
    ApiError::new(code, e.to_string()).blaming(views::culprits(e.culprits()))
}

/// A chain node's failure.
fn chain(e: ChainError) -> ApiError {
    use ChainError as E;
    let code = match &e {
        E::Url { .. }
        | E::Network(_)
        | E::Address { .. }
        | E::Amount(_)
        | E::ZeroAmount
        | E::AmountTooLarge { .. }
        | E::Input(_) => ErrorCode::InvalidInput,
        E::Unsupported(_) => ErrorCode::Unsupported,
        E::Rejected { .. } | E::Failed(_) | E::NotConfirmed { .. } => ErrorCode::Broadcast,
        _ => ErrorCode::Rpc,
    };
    ApiError::new(code, e.to_string())
}

/// A send failure: on the chain, in co-signing, or in the store.
pub fn send(e: SendError) -> ApiError {
    match e {
        SendError::Chain(e) => chain(e),
        SendError::Sign(e) => sign(e),
        SendError::Store(e) => store(e),
        other => ApiError::new(ErrorCode::Internal, other.to_string()),
    }
}

/// Bad user input.
pub fn input(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

/// The store is not open.
pub fn locked() -> ApiError {
    ApiError::new(
        ErrorCode::Locked,
        "the store is not unlocked yet; unlock it first",
    )
}
