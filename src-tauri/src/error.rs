//! Every failure of `accord-node` as the one [`ApiError`] the UI gets: a
//! stable code and a message (the node's own, which names what to do).

use accord_desktop_api::{ApiError, ErrorCode};
use accord_node::runtime::{KeygenError, PairingError, SignError};
use accord_node::store::StoreError;

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
    ApiError::new(code, e.to_string())
}

/// A signing failure.
pub fn sign(e: SignError) -> ApiError {
    let code = match &e {
        SignError::Prepare(_) => ErrorCode::InvalidInput,
        SignError::Store(StoreError::NotFound(_)) => ErrorCode::NotFound,
        SignError::Store(_) => ErrorCode::Storage,
        _ => ErrorCode::Signing,
    };
    ApiError::new(code, e.to_string())
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
