//! The rounds of wallet creation, the same for the inviter and the members:
//! one DKG per scheme at once (FROST RFC 9591 DKG with the BIP341 tweak for
//! Taproot, FROST Ed25519, DKLs23 for ECDSA), each under its own session id
//! derived from the invitation's, then every member announces the group
//! keys it computed and compares them with everyone else's.
//!
//! A refresh runs each scheme's refresh instead. A replacement first
//! repairs the new device's shares ([`accord_mpc::Repair`], under ids
//! derived with [`REPAIR`] added): every other member helps; the new device
//! starts its refreshes once its shares are repaired (the others' refresh
//! messages wait for it meanwhile).

use std::collections::BTreeMap;

use std::sync::Arc;

use accord_mpc::{Envelope, KeyShare, Keygen, PartyId, Repair, RepairOutput, Scheme};
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

/// Added to a scheme's code for the id of its repair.
pub(crate) const REPAIR: u16 = 0x100;

/// The most refresh messages a new device keeps before its repair is done.
const EARLY: usize = 256;

/// The DKGs and the comparison.
pub(crate) struct Dkg {
    parts: Parts<Keygen>,
    /// A replacement's repairs (none otherwise).
    repairs: Parts<Repair>,
    /// The new device: refresh messages that came before its repair ended.
    early: Vec<(PartyId, Envelope)>,
    /// The new device: waiting for its repaired shares.
    repairing: bool,
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
        let mut repairs = Parts::new();
        let base = plan.invitation.session;
        let mut repairing = false;
        if let Some(rep) = &plan.invitation.replace {
            let helpers: Vec<PartyId> = rep
                .helpers
                .iter()
                .filter_map(|p| PartyId::new(u16::from(*p)))
                .collect();
            let target = PartyId::new(u16::from(rep.party))
                .ok_or_else(|| Failure::Invalid("party 0".into()))?;
            for &scheme in &plan.schemes {
                let id = derive(&base, REPAIR + u16::from(scheme.code()));
                if plan.me == target {
                    let machine = Repair::target(scheme, plan.params, id, &helpers, target)
                        .map_err(|e| Failure::Invalid(e.to_string()))?;
                    repairs.push(id, machine);
                } else {
                    let share = own_share(plan, scheme)?;
                    let (machine, first) =
                        Repair::helper(share, id, &helpers, target, &mut &mut *rng)
                            .map_err(|e| Failure::Invalid(e.to_string()))?;
                    repairs.push(id, machine);
                    sends(out, &plan.peers, first);
                }
            }
            repairing = plan.me == target;
        }
        if !repairing {
            start_refreshes(plan, &plan.current, &mut parts, rng, out)?;
        }
        Ok(Dkg {
            parts,
            repairs,
            early: Vec::new(),
            repairing,
            live: Liveness::new(&plan.peers, now),
            shares: None,
            mine: None,
            reported: BTreeMap::new(),
        })
    }

    /// The parties a round waits for.
    pub(crate) fn waiting(&self, peers: &[Peer]) -> Vec<PartyId> {
        if self.repairing {
            return self.repairs.waiting();
        }
        if self.shares.is_none() {
            return self.parts.waiting();
        }
        peers
            .iter()
            .map(|p| p.party)
            .filter(|p| !self.reported.contains_key(p))
            .collect()
    }
}

/// This device's `scheme` share a refresh or repair starts from.
fn own_share(plan: &KeygenPlan, scheme: Scheme) -> Result<Arc<KeyShare>, Failure> {
    plan.current
        .iter()
        .find(|s| s.scheme() == scheme)
        .cloned()
        .ok_or_else(|| Failure::Invalid(format!("no {scheme} share to refresh")))
}

/// Starts each scheme's key generation (a new wallet) or refresh (from
/// `current`, one share per scheme); sends their first messages.
fn start_refreshes<O>(
    plan: &KeygenPlan,
    current: &[Arc<KeyShare>],
    parts: &mut Parts<Keygen>,
    rng: &mut dyn CryptoRngCore,
    out: &mut Effects<O>,
) -> Result<(), Failure> {
    let base = plan.invitation.session;
    {
        for &scheme in &plan.schemes {
            let id = derive(&base, u16::from(scheme.code()));
            let started = if plan.invitation.refresh.is_some() {
                let share = current
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
    }
    Ok(())
}

impl Dkg {
    /// A threshold message from `peer`.
    pub(crate) fn on_envelope<O>(
        &mut self,
        plan: &KeygenPlan,
        peer: &Peer,
        envelope: Envelope,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<O>,
    ) -> Result<Progressed, Failure> {
        let peers = &plan.peers;
        if self.repairs.knows(&envelope.session) {
            Self::handled(self.repairs.handle(peer.party, envelope), peers, out)?;
            if self.repairing && self.repairs.finished() {
                self.repaired(plan, rng, out)?;
            }
            return self.compare(peers);
        }
        if self.repairing {
            if self.early.len() < EARLY {
                self.early.push((peer.party, envelope));
            }
            return Ok(Progressed::Running);
        }
        Self::handled(self.parts.handle(peer.party, envelope), peers, out)?;
        self.maybe_done(&plan.invitation.session, peers, out);
        self.compare(peers)
    }

    /// Sends what a machine put out, or fails naming its culprit.
    fn handled<O>(handled: Handled, peers: &[Peer], out: &mut Effects<O>) -> Result<(), Failure> {
        match handled {
            Handled::Outgoing(envelopes) => {
                sends(out, peers, envelopes);
                Ok(())
            }
            Handled::Rejected(_) => Ok(()),
            Handled::Aborted(abort) => {
                let culprit = abort
                    .culprit()
                    .and_then(|c| by_party(peers, c))
                    .map(Culprit::from);
                Err(Failure::Protocol {
                    abort: Box::new(abort),
                    culprit,
                })
            }
        }
    }

    /// The new device has its repaired shares: its refreshes start, and
    /// the messages that waited for them are taken.
    fn repaired<O>(
        &mut self,
        plan: &KeygenPlan,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<O>,
    ) -> Result<(), Failure> {
        self.repairing = false;
        let expected: BTreeMap<u8, Vec<u8>> = plan
            .invitation
            .replace
            .as_ref()
            .map(|r| r.keys.iter().cloned().collect())
            .unwrap_or_default();
        let mut shares = Vec::new();
        for output in self.repairs.take_outputs() {
            let RepairOutput::Repaired(share) = output else {
                continue;
            };
            let key = group_key_bytes(&share.group_key());
            if expected.get(&share.scheme().code()) != Some(&key) {
                return Err(Failure::Invalid(format!(
                    "the repaired {} share is not of the wallet's key",
                    share.scheme()
                )));
            }
            shares.push(Arc::new(*share));
        }
        start_refreshes(plan, &shares, &mut self.parts, rng, out)?;
        for (party, envelope) in std::mem::take(&mut self.early) {
            Self::handled(self.parts.handle(party, envelope), &plan.peers, out)?;
        }
        self.maybe_done(&plan.invitation.session, &plan.peers, out);
        Ok(())
    }

    /// Every machine finished: report the keys once.
    fn maybe_done<O>(&mut self, base: &SessionBytes, peers: &[Peer], out: &mut Effects<O>) {
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
        self.repairs.abort();
        self.early.clear();
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
