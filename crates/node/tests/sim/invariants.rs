//! The invariants checked after every step of a simulation:
//! - no nonce used twice: a signing message for a part leaves a device
//!   only once that part's nonces are journaled there, and no part's round
//!   is sent by two sessions (a restart must not sign with the same nonce
//!   again) or with two payloads;
//! - no share lost: every wallet a device ever had stays, and its shares
//!   open and validate;
//! - a finished signature is never asked for again;
//! - a proposal leaves before the proposer computes its first round (so
//!   the co-signers decide and journal meanwhile);
//! - every signature verifies (with a library other than the one that made
//!   it);
//! - at quiet: every session ended everywhere, no wallet left half-created,
//!   and a created wallet exists on every member.

use std::collections::{BTreeSet, HashMap};

use accord_mpc::{Recipient, Scheme, SessionId};
use accord_node::session::{AnyOutput, Effect, Failure, Journal, derive};
use accord_node::store::{EpochStore, SessionJournal, WalletStore};
use accord_node::wire::{Control, Message};
use sha2::{Digest, Sha256};

use super::Sim;

/// A signing message: (device, part, round, recipient party).
type Sent = (usize, [u8; 32], u8, u8);

/// What the checks remember.
#[derive(Default)]
pub struct Checks {
    /// (device, part, round, recipient) → (instance, payload digest).
    sent: HashMap<Sent, (u64, [u8; 32])>,
    /// (device, wallet id) ever seen created.
    wallets: BTreeSet<(usize, String)>,
    /// Signatures verified.
    pub verified: usize,
    /// (device, instance) that sent a proposal and did not continue yet.
    proposing: BTreeSet<(usize, u64)>,
}

impl Checks {
    /// Before `effect` of instance `inst` on `dev` is carried out.
    pub fn effect(&mut self, sim: &Sim, dev: usize, inst: u64, effect: &Effect<AnyOutput>) {
        let store = &sim.devs[dev].store;
        match effect {
            Effect::Send {
                message: Message::Control(Control::Propose(_)),
                ..
            } => {
                self.proposing.insert((dev, inst));
            }
            Effect::Continue => {
                self.proposing.remove(&(dev, inst));
            }
            _ => {}
        }
        match effect {
            Effect::Send {
                to,
                message: Message::Mpc(env),
            } if sim.signing_session(dev, inst) => {
                assert!(
                    !self.proposing.contains(&(dev, inst)),
                    "device {dev} computed its first round before its proposal was out"
                );
                assert!(
                    store.seen(env.session).unwrap(),
                    "device {dev} sent round {} of part {:?} before journaling its nonces",
                    env.round,
                    env.session
                );
                let recipient = match env.recipient {
                    Recipient::All => to.party.get(),
                    Recipient::Party(p) => p.get(),
                };
                let digest: [u8; 32] = Sha256::digest(&env.payload).into();
                let key = (dev, env.session.0, env.round, recipient);
                match self.sent.get(&key) {
                    None => {
                        self.sent.insert(key, (inst, digest));
                    }
                    Some((i, _)) if *i != inst => panic!(
                        "device {dev}: part {:?} round {} sent by two sessions ({i} and {inst}): a nonce used twice",
                        env.session, env.round
                    ),
                    Some((_, d)) => assert_eq!(
                        *d, digest,
                        "device {dev} sent two payloads for one round of one part"
                    ),
                }
            }
            Effect::Journal(Journal::BeginSigning { session, parts, .. }) => {
                if let Some(s) = sim.signings.get(&inst) {
                    let record = store.wallet_by_id(&s.wallet).unwrap();
                    for (i, m) in s.messages.iter().enumerate() {
                        let part = derive(&session.0, u16::try_from(i).unwrap());
                        if parts.iter().any(|(p, _)| *p == part) {
                            assert!(
                                store
                                    .finished_signature(&record, s.scheme, m)
                                    .unwrap()
                                    .is_none(),
                                "a finished signature was asked for again (message {i})"
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Instance `inst` of `dev` ended with `result`.
    pub fn ended(
        &mut self,
        sim: &Sim,
        _dev: usize,
        inst: u64,
        result: &Result<AnyOutput, Failure>,
    ) {
        if let (Ok(AnyOutput::Signed(r)), Some(s)) = (result, sim.signings.get(&inst)) {
            assert_eq!(
                r.signatures.len(),
                s.messages.len(),
                "one signature per message"
            );
            for (m, sig) in s.messages.iter().zip(&r.signatures) {
                crate::support::verify(&s.keys, m, sig);
                self.verified += 1;
            }
        }
    }

    /// After every step; `dirty`: the devices whose store was written in
    /// it (a store nothing wrote to cannot have lost anything). A wallet
    /// once there stays, with its group keys; its shares are opened and
    /// validated after a restart and at quiet ([`Checks::shares`]).
    pub fn after_step(&mut self, sim: &Sim, dirty: &[usize]) {
        for &i in dirty {
            for w in sim.devs[i].store.wallets().unwrap() {
                self.wallets.insert((i, w.id.clone()));
            }
        }
        for (i, id) in self.wallets.iter().filter(|(i, _)| dirty.contains(i)) {
            let store = &sim.devs[*i].store;
            let w = store
                .wallet_by_id(id)
                .unwrap_or_else(|e| panic!("device {i} lost wallet {id}: {e}"));
            store.members(&w).unwrap();
        }
    }

    /// Every wallet device `i` ever had: there, and its FROST shares open
    /// and validate.
    pub fn shares(&self, sim: &Sim, i: usize) {
        for (_, id) in self.wallets.iter().filter(|(d, _)| *d == i) {
            let store = &sim.devs[i].store;
            let w = store
                .wallet_by_id(id)
                .unwrap_or_else(|e| panic!("device {i} lost wallet {id}: {e}"));
            for scheme in [Scheme::FrostTaproot, Scheme::FrostEd25519] {
                store
                    .share(&w, scheme)
                    .unwrap_or_else(|e| panic!("device {i} lost its {scheme} share: {e}"));
            }
        }
    }

    /// When nothing is left to happen.
    pub fn at_quiet(&mut self, sim: &Sim) {
        for i in 0..sim.devs.len() {
            self.shares(sim, i);
        }
        for (i, d) in sim.devs.iter().enumerate() {
            assert!(d.up(), "device {i} is still down");
            assert!(!sim.busy(i), "device {i} has a session that never ended");
            let pending = d.store.pending_wallets().unwrap();
            assert!(
                pending.is_empty(),
                "device {i} has a wallet half-created: {:?}",
                pending.iter().map(|p| &p.record.name).collect::<Vec<_>>()
            );
            let epochs = d.store.pending_epochs().unwrap();
            assert!(
                epochs.is_empty(),
                "device {i} has a refresh undecided: {:?}",
                epochs.iter().map(|p| p.epoch).collect::<Vec<_>>()
            );
        }
        // Everywhere or nowhere.
        for (i, id) in &self.wallets {
            let w = sim.devs[*i].store.wallet_by_id(id).unwrap();
            for m in sim.devs[*i].store.members(&w).unwrap() {
                let j = sim.devs.iter().position(|d| d.id == m.device).unwrap();
                let theirs = sim.devs[j].store.wallet_by_id(id);
                assert!(
                    theirs.is_ok(),
                    "wallet {id} exists on device {i} but not on member {j}"
                );
                // A device replaced (lost) is no member there any more, and
                // stays behind on its old epoch.
                let still = theirs
                    .as_ref()
                    .ok()
                    .and_then(|t| sim.devs[j].store.members(t).ok())
                    .is_some_and(|ms| ms.iter().any(|x| x.device == sim.devs[*i].id));
                let behind = theirs.as_ref().is_ok_and(|t| w.epoch < t.epoch);
                if !still && behind {
                    continue;
                }
                // One epoch everywhere: never a mix.
                let epoch = theirs.map(|t| t.epoch).unwrap_or_default();
                assert_eq!(
                    epoch, w.epoch,
                    "wallet {id}: device {i} is on key epoch {}, member {j} on {epoch}",
                    w.epoch
                );
            }
            let _ = SessionId([0; 32]);
        }
    }
}
