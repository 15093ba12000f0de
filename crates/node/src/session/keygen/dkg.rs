//! The rounds of wallet creation, the same for the inviter and the members:
//! one DKG per scheme at once (FROST RFC 9591 DKG with the BIP341 tweak for
//! Taproot, FROST Ed25519, DKLs23 for ECDSA), each under its own session id
//! derived from the invitation's, then every member announces the group
//! keys it computed and compares them with everyone else's.

use std::collections::BTreeMap;

use accord_mpc::{KeyShare, Keygen, PartyId};
use rand_core::CryptoRngCore;

use super::super::clock::Time;
use super::super::effect::Effects;
use super::super::failure::Failure;
use super::super::parts::{Handled, Liveness, Parts, derive, sends};
use super::super::peer::{Culprit, Peer, by_party};
use super::KeygenPlan;
use crate::store::group_key_bytes;
use crate::wire::{Control, Message, SessionBytes};

/// The group keys a member reports: (scheme code, key bytes), sorted.
pub(crate) type Keys = Vec<(u8, Vec<u8>)>;

/// What one envelope or report did.
pub(crate) enum Progressed {
    /// Keep going.
    Running,
    /// Every DKG finished and every member reported the same keys.
    Agreed(Vec<KeyShare>),
}

/// The DKGs and the comparison.
pub(crate) struct Dkg {
    parts: Parts<Keygen>,
    pub(crate) live: Liveness,
    shares: Option<Vec<KeyShare>>,
    mine: Option<Keys>,
    reported: BTreeMap<PartyId, Keys>,
}

impl Dkg {
    /// Starts the DKG of every scheme in `schemes`; sends their first messages.
    pub(crate) fn start<O>(
        plan: &KeygenPlan,
        now: Time,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<O>,
    ) -> Result<Dkg, Failure> {
        let mut parts = Parts::new();
        let base = plan.invitation.session;
        for &scheme in &plan.schemes {
            let id = derive(&base, u16::from(scheme.code()));
            let started = if plan.invitation.refresh.is_some() {
                let share = plan
                    .current
                    .iter()
                    .find(|s| s.scheme() == scheme)
                    .ok_or_else(|| Failure::Invalid(format!("no {scheme} share to refresh")))?;
                Keygen::refresh(share.clone(), id, &mut &mut *rng)
            } else {
                Keygen::start(scheme, id, plan.params, plan.me, &mut &mut *rng)
            };
            let (machine, first) = started.map_err(|e| Failure::Invalid(e.to_string()))?;
            parts.push(id, machine);
            sends(out, &plan.peers, first);
        }
        Ok(Dkg {
            parts,
            live: Liveness::new(&plan.peers, now),
            shares: None,
            mine: None,
            reported: BTreeMap::new(),
        })
    }

    /// The parties a round waits for.
    pub(crate) fn waiting(&self, peers: &[Peer]) -> Vec<PartyId> {
        if self.shares.is_none() {
            return self.parts.waiting();
        }
        peers
            .iter()
            .map(|p| p.party)
            .filter(|p| !self.reported.contains_key(p))
            .collect()
    }

    /// A threshold message from `peer`.
    pub(crate) fn on_envelope<O>(
        &mut self,
        base: &SessionBytes,
        peer: &Peer,
        peers: &[Peer],
        envelope: accord_mpc::Envelope,
        out: &mut Effects<O>,
    ) -> Result<Progressed, Failure> {
        match self.parts.handle(peer.party, envelope) {
            Handled::Outgoing(envelopes) => sends(out, peers, envelopes),
            Handled::Rejected(_) => return Ok(Progressed::Running),
            Handled::Aborted(abort) => {
                let culprit = abort
                    .culprit()
                    .and_then(|c| by_party(peers, c))
                    .map(Culprit::from);
                return Err(Failure::Protocol {
                    abort: Box::new(abort),
                    culprit,
                });
            }
        }
        if self.parts.finished() && self.shares.is_none() {
            let shares = self.parts.take_outputs();
            let mine = reported_keys(&shares);
            out.send_all(
                peers,
                &Message::Control(Control::KeygenDone {
                    session: *base,
                    keys: mine.clone(),
                }),
            );
            self.mine = Some(mine);
            self.shares = Some(shares);
        }
        self.compare(peers)
    }

    /// `peer` reported its group keys.
    pub(crate) fn on_report(
        &mut self,
        peer: &Peer,
        peers: &[Peer],
        keys: Keys,
    ) -> Result<Progressed, Failure> {
        self.reported.entry(peer.party).or_insert(keys);
        self.compare(peers)
    }

    fn compare(&mut self, peers: &[Peer]) -> Result<Progressed, Failure> {
        let Some(mine) = &self.mine else {
            return Ok(Progressed::Running);
        };
        for peer in peers {
            match self.reported.get(&peer.party) {
                None => return Ok(Progressed::Running),
                Some(theirs) if theirs != mine => {
                    return Err(Failure::KeyMismatch {
                        who: Culprit::from(peer),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(Progressed::Agreed(self.shares.take().unwrap_or_default()))
    }

    /// Ends every machine.
    pub(crate) fn abort(&mut self) {
        self.parts.abort();
        self.shares = None;
    }
}

/// The group keys as members report them.
fn reported_keys(shares: &[KeyShare]) -> Keys {
    let mut keys: Keys = shares
        .iter()
        .map(|s| (s.scheme().code(), group_key_bytes(&s.group_key())))
        .collect();
    keys.sort();
    keys
}
