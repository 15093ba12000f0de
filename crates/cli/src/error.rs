//! The command line's one error type: every failure is one line.

use accord_node::approve::PolicyError;
use accord_node::runtime::{KeygenError, NodeError, PairingError, SignError};
use accord_node::store::StoreError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A chain name that is not known.
    #[error(transparent)]
    Chain(#[from] accord_chains::UnknownChain),
    /// A Bitcoin network name that is not known.
    #[error(transparent)]
    Network(#[from] accord_chains::bitcoin::UnknownNetwork),
    /// Bad input text or file.
    #[error("{0}")]
    Input(String),
    /// A key or address the chain refuses.
    #[error("{0}")]
    Address(String),
    /// A transaction that cannot be previewed.
    #[error("cannot preview: {0}")]
    Preview(String),
    /// No data directory, or no wrapping key to open the store with.
    #[error("{0}")]
    Setup(String),
    /// The node could not open its store or start.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// The store failed (a wrong key, a missing wallet, a database error).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Pairing failed.
    #[error(transparent)]
    Pairing(#[from] PairingError),
    /// A `--peer` that is not a pairing ticket.
    #[error("--peer number {index} is not a valid pairing ticket: {reason}")]
    Ticket {
        /// Which `--peer`, from 1.
        index: usize,
        /// Why.
        reason: String,
    },
    /// The wallet was not created.
    #[error(transparent)]
    Keygen(#[from] KeygenError),
    /// The transaction was not signed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A policy that is not valid.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The user did not confirm.
    #[error("{0}")]
    Refused(String),
    /// The chain's node or API failed or answered something unusable.
    #[error("{0}")]
    Rpc(String),
    /// A transaction that could not be built.
    #[error("cannot build the transaction: {0}")]
    Build(String),
    /// Broadcast, but not confirmed as it should be.
    #[error("{0}")]
    Confirm(String),
    /// Something this build does not do yet.
    #[error("not supported yet: {0}")]
    Unsupported(String),
    /// The runtime or the terminal failed.
    #[error("{0}")]
    Io(String),
}

impl CliError {
    /// Wraps any error as one line.
    pub fn address(e: impl std::fmt::Display) -> Self {
        CliError::Address(one_line(e))
    }

    /// Wraps any error as one line.
    pub fn preview(e: impl std::fmt::Display) -> Self {
        CliError::Preview(one_line(e))
    }

    /// Wraps any error as one line.
    pub fn rpc(e: impl std::fmt::Display) -> Self {
        CliError::Rpc(one_line(e))
    }

    /// Wraps any error as one line.
    pub fn build(e: impl std::fmt::Display) -> Self {
        CliError::Build(one_line(e))
    }
}

/// `e` on one line.
pub fn one_line(e: impl std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
