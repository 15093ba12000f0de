//! The facade's errors, one per operation (STYLE: bdk_wallet). Failures of
//! sessions carry whom they blame ([`Failure::culprits`]) up to the faces.

use crate::rpc::SendError as ChainError;
use crate::session::{Culprit, Failure};
use crate::store::StoreError;
use crate::transport::{BindError, PairError};

/// Why the device's data could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The store failed (the directory, the file, a wrong key).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the node could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
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
    /// The session failed: a member declined, is gone, misbehaved, or did
    /// not store its shares (nobody keeps the wallet then).
    #[error("the wallet was not created: {0}")]
    Failed(Failure),
    /// A refresh failed: every member stays on the shares it had.
    #[error("the shares were not refreshed (every member keeps its current ones): {0}")]
    NotRefreshed(Failure),
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
    /// The transaction is larger than a proposal carries.
    #[error("the transaction is {len} bytes, more than the {max} a proposal carries")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The transaction needs more signatures than one signing carries.
    #[error("the transaction needs {count} signatures, more than the {max} one signing carries")]
    TooManySignatures {
        /// How many it needs.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A member's user or policy refused: a veto.
    #[error("{} declined: {reason}", .who.name)]
    Declined {
        /// Who.
        who: Culprit,
        /// Why.
        reason: String,
    },
    /// No quorum could sign (every attempt's failure, or this device's own).
    #[error("{0}")]
    Failed(Failure),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SignError {
    /// Whom the failure is blamed on, if anyone.
    pub fn culprits(&self) -> Vec<Culprit> {
        match self {
            SignError::Declined { who, .. } => vec![who.clone()],
            SignError::Failed(f) => f.culprits(),
            _ => Vec::new(),
        }
    }
}

impl KeygenError {
    /// Whom the failure is blamed on, if anyone.
    pub fn culprits(&self) -> Vec<Culprit> {
        match self {
            KeygenError::Failed(f) | KeygenError::NotRefreshed(f) => f.culprits(),
            _ => Vec::new(),
        }
    }
}

/// Why a transfer was not sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Building, broadcasting or confirming on the chain failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Co-signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
