//! Glue to DKLs23 (0xCarbon `dkls23` 0.6): its aborts as ours, and payload
//! (de)serialization. DKLs23 draws its own randomness from the thread-local,
//! OS-seeded CSPRNG; its API takes no caller RNG (a documented exception to
//! "randomness comes from the caller").

use dkls23::protocols::{AbortKind, AbortReason, PartyIndex};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Abort;
use crate::ids::{PartyId, Scheme};

/// The party a DKLs23 index stands for.
pub(crate) fn party(index: PartyIndex) -> Option<PartyId> {
    PartyId::new(index.as_u8().into())
}

/// The DKLs23 index of a party.
pub(crate) fn index(party: PartyId) -> Result<PartyIndex, Abort> {
    PartyIndex::new(party.get()).map_err(|_| Abort::Internal("party id 0".into()))
}

/// The party a DKLs23 abort reason blames, if any.
fn blamed(reason: &AbortReason) -> Option<PartyIndex> {
    use AbortReason as R;
    match reason {
        R::ProofVerificationFailed { counterparty }
        | R::CommitmentMismatch { counterparty }
        | R::TrivialInstancePoint { counterparty }
        | R::OtConsistencyCheckFailed { counterparty }
        | R::MultiplicationVerificationFailed { counterparty, .. }
        | R::GammaUInconsistency { counterparty }
        | R::ZeroShareDecommitFailed { counterparty } => Some(*counterparty),
        R::ChainCodeCommitmentFailed { party }
        | R::MissingCommittedPoint { party }
        | R::MissingMessageFromParty { party } => Some(*party),
        R::UnexpectedSender { sender } | R::DuplicateSender { sender } => Some(*sender),
        _ => None,
    }
}

/// A DKLs23 abort as ours: `BanCounterparty` stays a ban; a reason that
/// names a party blames it; anything else is unattributed.
pub(crate) fn abort(err: dkls23::protocols::Abort) -> Abort {
    let reason = err.reason.to_string();
    if let AbortKind::BanCounterparty(index) = err.kind
        && let Some(culprit) = party(index)
    {
        return Abort::Ban { culprit, reason };
    }
    // Another message, signer set or attempt: a disagreement, not cheating.
    if let AbortReason::SessionBindingMismatch { counterparty } = err.reason
        && let Some(party) = party(counterparty)
    {
        return Abort::RequestMismatch { party };
    }
    match blamed(&err.reason).and_then(party) {
        Some(culprit) => Abort::Misbehaved { culprit, reason },
        None => Abort::Unattributed {
            scheme: Scheme::Ecdsa,
            reason,
        },
    }
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Abort> {
    postcard::to_allocvec(value).map_err(|e| Abort::Internal(format!("encoding: {e}")))
}

/// Decodes a peer's payload; anything but exactly one value blames the sender.
pub(crate) fn decode<T: DeserializeOwned>(
    sender: PartyId,
    round: u8,
    bytes: &[u8],
) -> Result<T, Abort> {
    let malformed = |detail: String| Abort::Malformed {
        culprit: sender,
        round,
        detail,
    };
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(malformed(format!("{} trailing bytes", rest.len()))),
        Err(e) => Err(malformed(e.to_string())),
    }
}

/// A payload field that names the wrong party.
pub(crate) fn misrouted(sender: PartyId, what: &str) -> Abort {
    Abort::Misbehaved {
        culprit: sender,
        reason: format!("{what} names the wrong sender or receiver"),
    }
}
