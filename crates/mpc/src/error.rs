//! Errors, one type per operation (STYLE: bdk_wallet, frost-core).
//!
//! A message that is refused ([`Rejected`]) leaves the session exactly as it
//! was: the caller drops it and carries on. An [`Abort`] ends the session for
//! good; variants that blame a peer carry the culprit, and "a peer misbehaved"
//! is never mixed with "this code has a bug" ([`Abort::Internal`]).

use crate::ids::{PartyId, Scheme, SessionId};

/// Invalid `t`-of-`n` parameters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// Outside `2 ≤ t ≤ n ≤ 16`.
    #[error("threshold {threshold} of {parties} parties is outside 2 ≤ t ≤ n ≤ 16")]
    OutOfRange {
        /// The requested `t`.
        threshold: u16,
        /// The requested `n`.
        parties: u16,
    },
}

/// Why a key generation or signing session could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Invalid group parameters.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// Our own id is not a member of the group or of the signer set.
    #[error("{me} is not among the session's parties")]
    NotAMember {
        /// Our id.
        me: PartyId,
    },
    /// A signer id outside the group.
    #[error("{party} is not a member of this {parties}-party group")]
    UnknownSigner {
        /// The id.
        party: PartyId,
        /// The group size.
        parties: u16,
    },
    /// A signer listed twice.
    #[error("{party} is listed twice among the signers")]
    DuplicateSigner {
        /// The id.
        party: PartyId,
    },
    /// Too few (FROST) or not exactly `t` (DKLs23) signers.
    #[error("{scheme} needs {required} signers, {requested} were given")]
    WrongSignerCount {
        /// The scheme.
        scheme: Scheme,
        /// Signers given.
        requested: usize,
        /// Signers needed (`t`; at least `t` for FROST).
        required: u16,
    },
    /// The coordinator is not one of the signers.
    #[error("coordinator {coordinator} is not one of the signers")]
    CoordinatorNotSigning {
        /// The coordinator.
        coordinator: PartyId,
    },
    /// The message has the wrong length for the scheme.
    #[error(
        "{scheme} cannot sign a {len}-byte message (frost-taproot and ecdsa sign 32-byte digests, frost-ed25519 1 to 65536 bytes)"
    )]
    MessageLength {
        /// The scheme.
        scheme: Scheme,
        /// The length given.
        len: usize,
    },
    /// The threshold library refused to start (a bug here, or a corrupt share).
    #[error("{scheme} could not start: {reason}")]
    Library {
        /// The scheme.
        scheme: Scheme,
        /// What the library said.
        reason: String,
    },
}

/// A message refused without touching the session's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejected {
    /// The envelope belongs to another session.
    #[error("message for session {got:?}, this is session {expected:?}")]
    WrongSession {
        /// This session.
        expected: SessionId,
        /// The envelope's.
        got: SessionId,
    },
    /// The envelope belongs to another scheme.
    #[error("message for {got}, this session runs {expected}")]
    WrongScheme {
        /// This session's scheme.
        expected: Scheme,
        /// The envelope's.
        got: Scheme,
    },
    /// The envelope names a sender other than the authenticated peer.
    #[error("message claims to be from {claimed} but arrived from {authenticated}")]
    Spoofed {
        /// The envelope's sender field.
        claimed: PartyId,
        /// Who the transport authenticated.
        authenticated: PartyId,
    },
    /// A payload longer than the round allows.
    #[error("message from {sender} for round {round} is {len} bytes, the round allows {max}")]
    TooLarge {
        /// The sender.
        sender: PartyId,
        /// The round.
        round: u8,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The sender is not a party of this session (or is us).
    #[error("message from {sender}, who is not a peer in this session")]
    UnexpectedSender {
        /// The claimed sender.
        sender: PartyId,
    },
    /// Addressed to somebody else.
    #[error("message from {sender} addressed to {recipient}, not to us")]
    NotForUs {
        /// The sender.
        sender: PartyId,
        /// The addressee.
        recipient: PartyId,
    },
    /// A round this session has already finished (a replay or a late copy).
    #[error("message from {sender} for round {round}, already finished (now in round {current})")]
    StaleRound {
        /// The sender.
        sender: PartyId,
        /// The envelope's round.
        round: u8,
        /// The round this session waits for.
        current: u8,
    },
    /// A round this protocol does not have.
    #[error("message from {sender} for round {round}, which this protocol does not have")]
    UnknownRound {
        /// The sender.
        sender: PartyId,
        /// The envelope's round.
        round: u8,
    },
    /// Broadcast where point-to-point is expected, or the reverse, or a
    /// message in a round where this party expects none from that sender.
    #[error("message from {sender} for round {round} has the wrong delivery")]
    WrongDelivery {
        /// The sender.
        sender: PartyId,
        /// The envelope's round.
        round: u8,
    },
    /// A second message from the same sender for the same round.
    #[error("duplicate message from {sender} for round {round}")]
    Duplicate {
        /// The sender.
        sender: PartyId,
        /// The round.
        round: u8,
    },
    /// The session already ended (finished or aborted).
    #[error("the session has already ended")]
    Ended,
}

/// Why a session ended without a result. Nothing secret is kept after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Abort {
    /// A peer's payload could not be parsed.
    #[error("{culprit} sent a malformed round-{round} message: {detail}")]
    Malformed {
        /// Who sent it.
        culprit: PartyId,
        /// The round.
        round: u8,
        /// What was wrong.
        detail: String,
    },
    /// A peer sent an invalid commitment, proof, share or signature share.
    #[error("{culprit} misbehaved: {reason}")]
    Misbehaved {
        /// Who.
        culprit: PartyId,
        /// What the check found.
        reason: String,
    },
    /// DKLs23 `BanCounterparty`: this party must be excluded from every future
    /// session with this key, or repeated attempts can leak the key.
    #[error("{culprit} must be banned for good: {reason}")]
    Ban {
        /// Who.
        culprit: PartyId,
        /// What the check found.
        reason: String,
    },
    /// The echo round found that a peer saw different broadcast messages.
    #[error("{reported_by} saw different round-{round} broadcasts than we did")]
    BroadcastMismatch {
        /// The peer whose echo disagreed.
        reported_by: PartyId,
        /// The broadcast round being echoed.
        round: u8,
    },
    /// A signer was asked to sign something else (another message, key,
    /// signer set or coordinator) or joined another attempt: nobody is blamed.
    #[error("{party} was given a different signing request")]
    RequestMismatch {
        /// The signer whose request differs from ours.
        party: PartyId,
    },
    /// Key generation ended with a different group key at another party.
    #[error("{party} computed a different group key or did not finish key generation")]
    KeyMismatch {
        /// The party whose confirmation differs.
        party: PartyId,
    },
    /// The protocol failed in a way the library cannot attribute to one party.
    #[error("{scheme} protocol failed: {reason}")]
    Unattributed {
        /// The scheme.
        scheme: Scheme,
        /// What the library said.
        reason: String,
    },
    /// A bug in this crate or a library: not a peer's fault.
    #[error("internal error (a bug, not a peer's fault): {0}")]
    Internal(String),
}

impl Abort {
    /// The party blamed, if any.
    pub fn culprit(&self) -> Option<PartyId> {
        match self {
            Abort::Malformed { culprit, .. }
            | Abort::Misbehaved { culprit, .. }
            | Abort::Ban { culprit, .. } => Some(*culprit),
            Abort::BroadcastMismatch { .. }
            | Abort::RequestMismatch { .. }
            | Abort::KeyMismatch { .. }
            | Abort::Unattributed { .. }
            | Abort::Internal(_) => None,
        }
    }

    /// The party to exclude from this key's sessions for good, if any.
    pub fn ban(&self) -> Option<PartyId> {
        match self {
            Abort::Ban { culprit, .. } => Some(*culprit),
            _ => None,
        }
    }
}

/// What handling one incoming envelope can go wrong with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// The message was refused; the session goes on unchanged.
    #[error("message rejected: {0}")]
    Rejected(#[from] Rejected),
    /// The session is over.
    #[error("session aborted: {0}")]
    Aborted(#[from] Abort),
}

impl HandleError {
    /// The abort, if the session ended.
    pub fn abort(&self) -> Option<&Abort> {
        match self {
            HandleError::Aborted(abort) => Some(abort),
            HandleError::Rejected(_) => None,
        }
    }
}
