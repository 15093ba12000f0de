//! The threshold machines of one session (one DKG per scheme, or one signer
//! per message), each under its own derived session id, and who has been
//! heard from when — the part of a session that is the same for key
//! generation and signing.

use std::collections::BTreeMap;
use std::time::Duration;

use accord_mpc::{Abort, Envelope, HandleError, PartyId, Recipient, Session as Machine, SessionId};
use sha2::{Digest, Sha256};

use super::clock::Time;
use super::effect::Effects;
use super::peer::{Peer, by_party};
use crate::wire::{Message, SessionBytes};

/// The id of part `index` of session `base` (one DKG per scheme, one
/// signature per message): SHA-256 of a label, the base and the index, so
/// parts of different sessions never collide.
pub fn derive(base: &SessionBytes, index: u16) -> SessionId {
    let mut h = Sha256::new();
    h.update(b"accord/session-part/v1");
    h.update(base);
    h.update(index.to_be_bytes());
    SessionId(h.finalize().into())
}

/// What an envelope did to the machines.
pub(crate) enum Handled {
    /// Accepted; these go out.
    Outgoing(Vec<Envelope>),
    /// Refused without changing anything (a duplicate, a stale round, ...).
    Rejected(String),
    /// The protocol aborted.
    Aborted(Abort),
}

struct Part<M: Machine> {
    id: SessionId,
    machine: M,
    output: Option<M::Output>,
}

/// A session's machines.
pub(crate) struct Parts<M: Machine> {
    parts: Vec<Part<M>>,
}

impl<M: Machine> Parts<M> {
    pub(crate) fn new() -> Self {
        Parts { parts: Vec::new() }
    }

    pub(crate) fn push(&mut self, id: SessionId, machine: M) {
        self.parts.push(Part {
            id,
            machine,
            output: None,
        });
    }

    /// Whether a part has id `id`.
    pub(crate) fn knows(&self, id: &SessionId) -> bool {
        self.parts.iter().any(|p| p.id == *id)
    }

    /// Feeds `envelope` from `party` to the part it names.
    pub(crate) fn handle(&mut self, party: PartyId, envelope: Envelope) -> Handled {
        let Some(part) = self.parts.iter_mut().find(|p| p.id == envelope.session) else {
            return Handled::Rejected("a message for no part of this session".into());
        };
        match part.machine.handle(party, envelope) {
            Ok(step) => {
                if let Some(output) = step.output {
                    part.output = Some(output);
                }
                Handled::Outgoing(step.outgoing)
            }
            Err(HandleError::Rejected(r)) => Handled::Rejected(r.to_string()),
            Err(HandleError::Aborted(abort)) => Handled::Aborted(abort),
        }
    }

    /// The parties some machine waits for.
    pub(crate) fn waiting(&self) -> Vec<PartyId> {
        let mut w: Vec<PartyId> = self
            .parts
            .iter()
            .filter(|p| p.output.is_none())
            .flat_map(|p| p.machine.waiting_for())
            .collect();
        w.sort();
        w.dedup();
        w
    }

    /// Whether every machine has its output.
    pub(crate) fn finished(&self) -> bool {
        !self.parts.is_empty() && self.parts.iter().all(|p| p.output.is_some())
    }

    /// The outputs, in the order the parts were pushed.
    pub(crate) fn take_outputs(&mut self) -> Vec<M::Output> {
        self.parts
            .iter_mut()
            .filter_map(|p| p.output.take())
            .collect()
    }

    /// Ends every machine (their secrets are dropped).
    pub(crate) fn abort(&mut self) {
        for p in &mut self.parts {
            p.machine.abort();
        }
    }
}

/// Sends for `envelopes`: to every peer, or to the one each names.
pub(crate) fn sends<O>(effects: &mut Effects<O>, peers: &[Peer], envelopes: Vec<Envelope>) {
    for envelope in envelopes {
        match envelope.recipient {
            Recipient::All => effects.send_all(peers, &Message::Mpc(envelope)),
            Recipient::Party(p) => {
                if let Some(peer) = by_party(peers, p) {
                    effects.send(peer, Message::Mpc(envelope));
                }
            }
        }
    }
}

/// When each member was last heard from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Liveness {
    heard: BTreeMap<PartyId, Time>,
}

impl Liveness {
    /// Everyone in `peers` counts as heard from at `now`.
    pub(crate) fn new(peers: &[Peer], now: Time) -> Self {
        Liveness {
            heard: peers.iter().map(|p| (p.party, now)).collect(),
        }
    }

    pub(crate) fn heard(&mut self, party: PartyId, now: Time) {
        self.heard.insert(party, now);
    }

    /// The earliest silence deadline among `waiting`.
    pub(crate) fn next(&self, waiting: &[PartyId], timeout: Duration) -> Option<Time> {
        waiting
            .iter()
            .filter_map(|p| self.heard.get(p).map(|h| h.after(timeout)))
            .min()
    }

    /// Those of `waiting` silent for `timeout` at `now`.
    pub(crate) fn silent(&self, waiting: &[PartyId], now: Time, timeout: Duration) -> Vec<PartyId> {
        waiting
            .iter()
            .copied()
            .filter(|p| self.heard.get(p).is_some_and(|h| now >= h.after(timeout)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_differ_by_base_and_index() {
        let a = derive(&[1; 32], 0);
        assert_ne!(a, derive(&[1; 32], 1));
        assert_ne!(a, derive(&[2; 32], 0));
        assert_eq!(a, derive(&[1; 32], 0));
    }

    #[test]
    fn silence_is_measured_from_the_last_message() {
        let p1 = PartyId::new(1).unwrap_or_else(|| unreachable!());
        let mut live = Liveness::default();
        live.heard(p1, Time::from_millis(100));
        let d = Duration::from_millis(50);
        assert_eq!(live.next(&[p1], d), Some(Time::from_millis(150)));
        assert!(live.silent(&[p1], Time::from_millis(149), d).is_empty());
        assert_eq!(live.silent(&[p1], Time::from_millis(150), d), vec![p1]);
    }
}
