//! Why a session ended without its result, and whom that is blamed on.
//!
//! STYLE (cggmp21): "a peer misbehaved", "a peer refused", "a peer is gone"
//! and "something here failed" are different variants. Only a refusal by a
//! person or a policy ([`Failure::Declined`]) is a veto the proposer does
//! not route around; a member's technical failure (no decision in time, a
//! storage error, its own share unusable) reaches the proposer as an abort
//! notice and another quorum is tried.

use accord_mpc::Abort;

use super::peer::Culprit;

/// Why a session failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// A member's user or policy said no: a veto.
    #[error("{} declined: {reason}", .who.name)]
    Declined {
        /// Who.
        who: Culprit,
        /// Why, as it said.
        reason: String,
    },
    /// A member ended the session (its own failure, or the proposer gave up).
    #[error("{} aborted: {reason}", .who.name)]
    PeerAborted {
        /// Who.
        who: Culprit,
        /// Why, as it said.
        reason: String,
    },
    /// Members we waited for were silent for a round's timeout.
    #[error("no answer in time from {}", names(.who))]
    Silent {
        /// Who.
        who: Vec<Culprit>,
    },
    /// The session's absolute deadline passed.
    #[error("the session's deadline passed")]
    Deadline,
    /// The threshold protocol aborted.
    #[error("{abort}")]
    Protocol {
        /// What the protocol said.
        abort: Box<Abort>,
        /// Whom it blames, if anyone.
        culprit: Option<Culprit>,
    },
    /// Members computed different group keys.
    #[error("{} computed different group keys: the wallet is not created", .who.name)]
    KeyMismatch {
        /// Who disagreed with us.
        who: Culprit,
    },
    /// A member could not be reached.
    #[error("cannot reach {}: {error}", .who.name)]
    Unreachable {
        /// Who.
        who: Culprit,
        /// What the transport said.
        error: String,
    },
    /// Our own approver gave no answer in time.
    #[error("no decision in time")]
    NoDecision,
    /// This device's share could not be used.
    #[error("this device's share is unusable: {0}")]
    Share(String),
    /// This device's store failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// The request itself cannot be carried out here.
    #[error("{0}")]
    Invalid(String),
    /// This device stored a new wallet's shares, but the inviter never said
    /// whether every member did: the wallet stays pending (unusable) until
    /// the inviter answers.
    #[error("the inviter has not confirmed that every member stored the wallet; it stays pending")]
    Undecided,
    /// The node is stopping.
    #[error("the node is shutting down")]
    ShuttingDown,
}

fn names(who: &[Culprit]) -> String {
    who.iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Failure {
    /// Whether another quorum may succeed where this one failed: not after
    /// a veto, and not when this device itself cannot sign.
    pub fn retryable(&self) -> bool {
        match self {
            Failure::PeerAborted { .. }
            | Failure::Silent { .. }
            | Failure::Deadline
            | Failure::Protocol { .. }
            | Failure::Unreachable { .. } => true,
            Failure::Declined { .. }
            | Failure::KeyMismatch { .. }
            | Failure::NoDecision
            | Failure::Share(_)
            | Failure::Storage(_)
            | Failure::Invalid(_)
            | Failure::Undecided
            | Failure::ShuttingDown => false,
        }
    }

    /// Whom the failure is blamed on (or who ended the session).
    pub fn culprits(&self) -> Vec<Culprit> {
        match self {
            Failure::Declined { who, .. }
            | Failure::PeerAborted { who, .. }
            | Failure::KeyMismatch { who }
            | Failure::Unreachable { who, .. } => vec![who.clone()],
            Failure::Silent { who } => who.clone(),
            Failure::Protocol { culprit, .. } => culprit.iter().cloned().collect(),
            Failure::Deadline
            | Failure::NoDecision
            | Failure::Share(_)
            | Failure::Storage(_)
            | Failure::Invalid(_)
            | Failure::Undecided
            | Failure::ShuttingDown => Vec::new(),
        }
    }

    /// The party the protocol says must be excluded for good (DKLs23's
    /// `BanCounterparty`), if any.
    pub fn ban(&self) -> Option<u8> {
        match self {
            Failure::Protocol {
                abort,
                culprit: Some(c),
            } if abort.ban().is_some() => Some(c.party),
            _ => None,
        }
    }

    /// The text of the abort notice sent to members (at most 300 characters).
    pub fn notice(&self) -> String {
        truncate(&self.to_string())
    }
}

/// `s`, at most 300 characters (texts from peers are bounded before they
/// are shown or stored).
pub(crate) fn truncate(s: &str) -> String {
    s.chars().take(300).collect()
}
