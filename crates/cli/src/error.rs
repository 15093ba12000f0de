//! The command line's one error type: every failure is one line.

use accord_node::facade::PolicyChangeError;
use accord_node::facade::{KeygenError, NodeError, OpenError, PairingError, SignError};
use accord_node::policy::DocumentError;
use accord_node::rpc::SendError;
use accord_node::session::Culprit;
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
    /// The device's data could not be opened.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// The node could not start.
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
    /// A policy change that was not made.
    #[error(transparent)]
    Policy(#[from] PolicyChangeError),
    /// A backup not made, checked or restored.
    #[error(transparent)]
    Backup(#[from] accord_node::backup::RestoreError),
    /// A policy document that is not valid.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// A team proposal or vote not made.
    #[error(transparent)]
    Team(#[from] accord_node::facade::TeamError),
    /// An exported audit log that does not verify.
    #[error("the audit log does not verify: {0}")]
    Audit(#[from] accord_node::audit::AuditError),
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
    /// Whom the failure is blamed on (a member that declined, went silent,
    /// misbehaved), if anyone.
    pub fn culprits(&self) -> Vec<Culprit> {
        match self {
            CliError::Sign(e) => e.culprits(),
            CliError::Keygen(e) => e.culprits(),
            _ => Vec::new(),
        }
    }

    /// A stable code for scripts (`--json`).
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Chain(_)
            | CliError::Network(_)
            | CliError::Input(_)
            | CliError::Ticket { .. } => "invalid_input",
            CliError::Address(_) => "address",
            CliError::Preview(_) => "preview",
            CliError::Setup(_) | CliError::Open(_) | CliError::Node(_) => "setup",
            CliError::Store(_) => "storage",
            CliError::Pairing(_) => "pairing",
            CliError::Keygen(KeygenError::Failed(_)) | CliError::Sign(SignError::Failed(_)) => {
                "session_failed"
            }
            CliError::Sign(SignError::Declined { .. }) => "declined",
            CliError::Keygen(_) | CliError::Sign(_) => "invalid_request",
            CliError::Policy(_) | CliError::Document(_) => "policy",
            CliError::Backup(_) => "backup",
            CliError::Audit(_) => "audit",
            CliError::Team(_) => "proposal",
            CliError::Refused(_) => "refused",
            CliError::Rpc(_) | CliError::Build(_) => "rpc",
            CliError::Confirm(_) => "broadcast",
            CliError::Unsupported(_) => "unsupported",
            CliError::Io(_) => "io",
        }
    }

    /// Wraps any error as one line.
    pub fn address(e: impl std::fmt::Display) -> Self {
        CliError::Address(one_line(e))
    }

    /// Wraps any error as one line.
    pub fn preview(e: impl std::fmt::Display) -> Self {
        CliError::Preview(one_line(e))
    }
}

/// A chain node's error in the command line's words: the same category
/// and message as before the chain IO moved to `accord_node::rpc`, with
/// the flags named (`--to`, `--amount`, `--rpc`, `--fee-rate`).
impl From<SendError> for CliError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Url { url } => {
                CliError::Input(format!("--rpc {url:?} is not an https:// or http:// URL"))
            }
            e @ (SendError::PlainHttp { .. } | SendError::CaFile { .. }) => {
                CliError::Input(one_line(e))
            }
            SendError::Network(e) => CliError::Network(e),
            SendError::Wallet(reason) => CliError::Address(reason),
            SendError::Address { field, reason } => {
                CliError::Address(format!("--{}: {reason}", field.name()))
            }
            SendError::Amount(e) => CliError::Input(format!("--amount: {e}")),
            SendError::ZeroAmount => CliError::Input("--amount is zero".into()),
            SendError::AmountTooLarge { amount } => {
                CliError::Input(format!("--amount {amount} is too large"))
            }
            SendError::Input(reason) => CliError::Input(reason),
            SendError::Rpc(reason) => CliError::Rpc(reason),
            SendError::NoFeeEstimate => {
                CliError::Rpc("the server has no fee estimate: pass --fee-rate SAT_PER_VB".into())
            }
            SendError::Build(reason) => CliError::Build(reason),
            e @ SendError::Rejected { .. } => CliError::Rpc(one_line(e)),
            SendError::Failed(reason) => CliError::Confirm(reason),
            e @ SendError::NotConfirmed { .. } => CliError::Confirm(one_line(e)),
            SendError::Unsupported(what) => CliError::Unsupported(what),
            e => CliError::Rpc(one_line(e)),
        }
    }
}

/// `e` on one line.
pub fn one_line(e: impl std::fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The node's send workflow failed: on the chain, in co-signing, or in the store.
impl From<accord_node::facade::SendError> for CliError {
    fn from(e: accord_node::facade::SendError) -> Self {
        match e {
            accord_node::facade::SendError::Chain(e) => e.into(),
            accord_node::facade::SendError::Sign(e) => CliError::Sign(e),
            accord_node::facade::SendError::Store(e) => CliError::Store(e),
            other => CliError::Io(one_line(other)),
        }
    }
}
