//! Echo rounds: every party confirms, by hash, that it received the same
//! broadcast messages as every other party before anything secret that depends
//! on them is released (echo broadcast, Goldwasser–Lindell "broadcast with abort").
//!
//! The digest covers the scheme, the session id, the echoed round and every
//! party's broadcast payload (ours included), in party order with lengths, so
//! two different views can never hash alike.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::error::Abort;
use crate::ids::{PartyId, Scheme, SessionId};

const DOMAIN: &[u8] = b"accord/mpc/echo/v1";

/// The digest of one broadcast round as this party saw it.
pub(crate) fn digest<B: AsRef<[u8]>>(
    scheme: Scheme,
    session: &SessionId,
    round: u8,
    payloads: &BTreeMap<PartyId, B>,
) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(DOMAIN);
    hash.update([scheme.code()]);
    hash.update(session.0);
    hash.update([round]);
    for (party, payload) in payloads {
        let payload = payload.as_ref();
        hash.update([party.get()]);
        hash.update((payload.len() as u64).to_be_bytes());
        hash.update(payload);
    }
    hash.finalize().into()
}

/// Checks every peer's echo against our own digest of `round`.
pub(crate) fn check<B: AsRef<[u8]>>(
    own: &[u8; 32],
    round: u8,
    echoes: &BTreeMap<PartyId, B>,
) -> Result<(), Abort> {
    for (party, echo) in echoes {
        if echo.as_ref() != own.as_slice() {
            return Err(Abort::BroadcastMismatch {
                reported_by: *party,
                round,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(i: u16) -> PartyId {
        PartyId::new(i).unwrap()
    }

    #[test]
    fn digest_binds_every_field() {
        let session = SessionId([7; 32]);
        let mut view = BTreeMap::from([(party(1), vec![1, 2]), (party(2), vec![3])]);
        let base = digest(Scheme::Ecdsa, &session, 2, &view);
        assert_ne!(base, digest(Scheme::FrostTaproot, &session, 2, &view));
        assert_ne!(base, digest(Scheme::Ecdsa, &SessionId([8; 32]), 2, &view));
        assert_ne!(base, digest(Scheme::Ecdsa, &session, 3, &view));
        // Moving a byte across a boundary changes the digest (lengths are hashed).
        view.insert(party(1), vec![1]);
        view.insert(party(2), vec![2, 3]);
        assert_ne!(base, digest(Scheme::Ecdsa, &session, 2, &view));
    }

    #[test]
    fn mismatch_names_the_reporter() {
        let own = [1u8; 32];
        let echoes = BTreeMap::from([(party(2), own.to_vec()), (party(3), vec![0u8; 32])]);
        assert_eq!(
            check(&own, 1, &echoes),
            Err(Abort::BroadcastMismatch {
                reported_by: party(3),
                round: 1
            })
        );
    }
}
