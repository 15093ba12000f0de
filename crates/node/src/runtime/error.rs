//! The node's errors, one per operation.

use crate::store::StoreError;
use crate::transport::{BindError, PairError};

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The data directory cannot be created.
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, #[source] std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The endpoint could not be bound.
    #[error(transparent)]
    Bind(#[from] BindError),
}

/// Why pairing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PairingError {
    /// The ticket has expired.
    #[error("the pairing ticket has expired; ask the other device for a new one")]
    Expired,
    /// That is this device's own ticket.
    #[error("that is this device's own pairing ticket")]
    OwnTicket,
    /// The device could not be reached or did not answer.
    #[error("could not pair: {0}")]
    Exchange(#[from] PairError),
    /// The device refused the ticket.
    #[error("the device refused the ticket: {0}")]
    Refused(String),
    /// The answer does not parse.
    #[error("the device's answer is malformed: {0}")]
    BadAnswer(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a wallet was not created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeygenError {
    /// The request itself is wrong (threshold, name, members).
    #[error("{0}")]
    Invalid(String),
    /// Pairing with a member failed.
    #[error(transparent)]
    Pairing(#[from] PairingError),
    /// A member declined.
    #[error("{member} declined: {reason}")]
    Declined {
        /// Who.
        member: String,
        /// Why.
        reason: String,
    },
    /// The session failed (a member gone, a protocol abort, a deadline).
    #[error("key generation failed: {0}")]
    Failed(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a transaction was not signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The transaction cannot be signed by this wallet.
    #[error(transparent)]
    Prepare(#[from] accord_chains::signing::PrepareError),
    /// The signatures did not make a valid transaction.
    #[error(transparent)]
    Finish(#[from] accord_chains::signing::FinishError),
    /// A co-signer declined.
    #[error("{member} declined: {reason}")]
    Declined {
        /// Who.
        member: String,
        /// Why.
        reason: String,
    },
    /// Every quorum was tried.
    #[error("no quorum could sign: {0}")]
    NoQuorum(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
