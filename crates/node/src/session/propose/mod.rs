//! Co-signing, the proposer's side, as a state machine. The proposer (who
//! coordinates and aggregates) has the preview and the messages from
//! `accord_chains::signing::prepare`; it picks a quorum (itself and `t − 1`
//! members, in the caller's order of preference, skipping banned ones),
//! journals its nonces, proposes the raw transaction to the quorum and signs
//! with it (RFC 9591 FROST rounds, or DKLs23 for ECDSA).
//!
//! If an attempt fails because a member is offline, silent or aborted (its
//! technical failures included), the next quorum is tried without user
//! action; messages whose signature is already known (from the store, or an
//! earlier attempt) are never asked for again. A member's explicit refusal
//! ([`Failure::Declined`]) ends the whole signing: a veto is not routed
//! around.

mod attempt;

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;

use accord_chains::Chain;
use accord_mpc::{KeyShare, PartyId, Scheme, SessionId, SignRequest, Signature, Signer};
use rand_core::CryptoRngCore;

use super::Session;
use super::clock::{Time, Timeouts, earliest};
use super::effect::{Effect, Effects, Input, Journal, Progress, ProgressState};
use super::failure::{Failure, truncate};
use super::parts::{Liveness, Parts, derive, sends};
use super::peer::{Culprit, Peer, by_id, names};
use crate::wire::{Control, Message, Proposal, SessionBytes};

/// What to sign, with whom: everything the proposer needs, loaded by the
/// runner from the store and `prepare`.
#[derive(Debug)]
pub struct SignPlan {
    /// The wallet's id.
    pub wallet: String,
    /// The wallet's `t`.
    pub threshold: u16,
    /// The key epoch of this device's shares.
    pub epoch: u64,
    /// This device's name (for progress).
    pub me: String,
    /// This device's share of the scheme the chain needs.
    pub share: Arc<KeyShare>,
    /// The other members, in order of preference.
    pub members: Vec<Peer>,
    /// Parties banned from this scheme's sessions.
    pub banned: BTreeSet<PartyId>,
    /// The chain.
    pub chain: Chain,
    /// The unsigned transaction, as proposed to members.
    pub unsigned: Vec<u8>,
    /// The messages to sign.
    pub messages: Vec<Vec<u8>>,
    /// Signatures already finished (from the store), by message.
    pub done: Vec<Option<Signature>>,
    /// Deadlines.
    pub timeouts: Timeouts,
}

/// A finished signing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignResult {
    /// One signature per message, in order.
    pub signatures: Vec<Signature>,
    /// The members that signed with this device in the last attempt.
    pub cosigners: Vec<Culprit>,
    /// Attempts made (0 if every signature was known already).
    pub attempts: u32,
}

/// One attempt with one quorum.
struct Attempt {
    base: SessionBytes,
    quorum: Vec<Peer>,
    signers: Vec<PartyId>,
    /// Message indexes signed in this attempt, one part each.
    todo: Vec<usize>,
    parts: Parts<Signer>,
    live: Liveness,
    joined: BTreeSet<PartyId>,
    pending_shown: BTreeSet<PartyId>,
    deadline: Time,
}

enum State {
    Idle,
    /// The nonces are being journaled.
    Journaling(Attempt),
    /// Proposed; the machines start once the proposal is out.
    Proposed(Attempt),
    Running(Attempt),
    /// The attempt's end is being recorded.
    Ending(Attempt, Result<(), Failure>),
    Over,
}

/// The proposer's side of a signing.
pub struct Proposer {
    plan: SignPlan,
    quorums: VecDeque<Vec<Peer>>,
    attempts: u32,
    failures: Vec<String>,
    state: State,
}

impl core::fmt::Debug for Proposer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Proposer")
            .field("wallet", &self.plan.wallet)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// Every `k`-subset of `items`, in order.
fn combinations(items: &[Peer], k: usize) -> Vec<Vec<Peer>> {
    fn go(items: &[Peer], k: usize, start: usize, cur: &mut Vec<Peer>, out: &mut Vec<Vec<Peer>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..items.len() {
            if let Some(p) = items.get(i) {
                cur.push(p.clone());
                go(items, k, i + 1, cur, out);
                cur.pop();
            }
        }
    }
    let mut out = Vec::new();
    go(items, k, 0, &mut Vec::new(), &mut out);
    out
}

impl Proposer {
    /// A signing of `plan`; feed it [`Input::Start`].
    pub fn new(plan: SignPlan) -> Proposer {
        let me = plan.share.party();
        let eligible: Vec<Peer> = plan
            .members
            .iter()
            .filter(|p| p.party != me && !plan.banned.contains(&p.party))
            .cloned()
            .collect();
        let need = usize::from(plan.threshold).saturating_sub(1);
        Proposer {
            quorums: combinations(&eligible, need).into(),
            plan,
            attempts: 0,
            failures: Vec::new(),
            state: State::Idle,
        }
    }

    fn scheme(&self) -> Scheme {
        self.plan.share.scheme()
    }

    fn all_done(&self) -> bool {
        self.plan.done.iter().all(Option::is_some)
    }

    fn finish(&mut self, out: &mut Effects<SignResult>, cosigners: Vec<Culprit>) {
        let signatures: Vec<Signature> = self.plan.done.iter().flatten().copied().collect();
        self.state = State::Over;
        out.push(Effect::Finished(SignResult {
            signatures,
            cosigners,
            attempts: self.attempts,
        }));
    }

    /// Starts the next attempt, or ends.
    fn next_attempt(
        &mut self,
        now: Time,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<SignResult>,
    ) {
        if self.all_done() {
            return self.finish(out, Vec::new());
        }
        let Some(quorum) = self.quorums.pop_front() else {
            self.state = State::Over;
            let reason = if self.failures.is_empty() {
                "not enough co-signers".to_owned()
            } else {
                self.failures.join("; ")
            };
            return out.push(Effect::Aborted(Failure::Invalid(format!(
                "no quorum could sign: {reason}"
            ))));
        };
        self.attempts += 1;
        if self.attempts > 1 {
            out.progress(Progress {
                party: self.plan.share.party().get(),
                name: self.plan.me.clone(),
                state: ProgressState::Retrying,
                detail: format!("with {}", names(&quorum)),
            });
        }
        let mut base = [0u8; 32];
        rng.fill_bytes(&mut base);
        let todo: Vec<usize> = (0..self.plan.messages.len())
            .filter(|i| self.plan.done.get(*i).is_some_and(Option::is_none))
            .collect();
        let mut ids = vec![base];
        ids.extend(todo.iter().map(|&i| derive(&base, index(i)).0));
        let mut signers: Vec<PartyId> = quorum
            .iter()
            .map(|p| p.party)
            .chain([self.plan.share.party()])
            .collect();
        signers.sort();
        let parts = todo
            .iter()
            .map(|&i| (derive(&base, index(i)), self.scheme()))
            .collect();
        out.push(Effect::Listen(ids));
        out.push(Effect::Journal(Journal::BeginSigning {
            session: SessionId(base),
            wallet: self.plan.wallet.clone(),
            parts,
            lasts: self.plan.timeouts.approval + self.plan.timeouts.session,
            spends: None,
            uses: None,
        }));
        self.state = State::Journaling(Attempt {
            base,
            live: Liveness::new(&quorum, now),
            quorum,
            signers,
            todo,
            parts: Parts::new(),
            joined: BTreeSet::new(),
            pending_shown: BTreeSet::new(),
            deadline: now.after(self.plan.timeouts.approval + self.plan.timeouts.session),
        });
    }

    /// The nonces are journaled: propose, and start the machines once the
    /// proposal is out (the co-signers decide, load their shares and
    /// journal while this device computes its first round).
    fn propose(&mut self, a: Attempt, out: &mut Effects<SignResult>) {
        let proposal = Proposal {
            session: a.base,
            wallet_id: self.plan.wallet.clone(),
            chain: self.plan.chain.to_string(),
            unsigned: self.plan.unsigned.clone(),
            signers: a.signers.iter().map(|p| p.get()).collect(),
            epoch: self.plan.epoch,
        };
        out.send_all(&a.quorum, &Message::Control(Control::Propose(proposal)));
        out.push(Effect::Continue);
        self.state = State::Proposed(a);
    }

    /// Starts one machine per message and sends their first round.
    fn start_parts(
        &mut self,
        mut a: Attempt,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<SignResult>,
    ) {
        for &i in &a.todo {
            let id = derive(&a.base, index(i));
            let Some(message) = self.plan.messages.get(i) else {
                continue;
            };
            let request = SignRequest {
                session: id,
                signers: &a.signers,
                coordinator: self.plan.share.party(),
                message,
            };
            match Signer::start(self.plan.share.clone(), &request, &mut &mut *rng) {
                Ok((signer, first)) => {
                    a.parts.push(id, signer);
                    sends(out, &a.quorum, first);
                }
                Err(e) => return self.fail(a, Failure::Invalid(e.to_string()), out),
            }
        }
        self.state = State::Running(a);
    }
}

fn index(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

impl Session for Proposer {
    type Output = SignResult;

    fn handle(
        &mut self,
        now: Time,
        input: Input,
        rng: &mut dyn CryptoRngCore,
    ) -> Vec<Effect<SignResult>> {
        let mut out = Effects::new();
        let state = std::mem::replace(&mut self.state, State::Over);
        match (state, input) {
            (State::Idle, Input::Start) => self.next_attempt(now, rng, &mut out),
            (State::Journaling(a), Input::Journaled(Ok(()))) => self.propose(a, &mut out),
            (State::Proposed(a), Input::Continue) => self.start_parts(a, rng, &mut out),
            // The proposal did not go out: no machine starts.
            (State::Proposed(a), Input::Unreachable { to, error }) => {
                match by_id(&a.quorum, &to).map(Culprit::from) {
                    Some(who) => self.fail(a, Failure::Unreachable { who, error }, &mut out),
                    None => self.state = State::Proposed(a),
                }
            }
            // Nothing comes before the continuation; if it did, the
            // machines start first.
            (State::Proposed(a), input) => {
                self.start_parts(a, rng, &mut out);
                let mut more = self.handle(now, input, rng);
                let mut first = out.into_vec();
                first.append(&mut more);
                return first;
            }
            (State::Journaling(_), Input::Journaled(Err(e))) => {
                out.push(Effect::Aborted(Failure::Storage(e.to_string())));
            }
            (State::Running(a), Input::Message { from, message }) => {
                self.on_message(a, now, from, message, &mut out);
            }
            (State::Running(a), Input::Unreachable { to, error }) => {
                match by_id(&a.quorum, &to).map(Culprit::from) {
                    Some(who) => self.fail(a, Failure::Unreachable { who, error }, &mut out),
                    None => self.state = State::Running(a),
                }
            }
            (State::Running(a), Input::Tick) => self.on_tick(a, now, &mut out),
            (State::Ending(a, result), Input::Journaled(_)) => {
                self.ended(a, result, now, rng, &mut out);
            }
            // A refusal that arrives while the attempt's end (for another
            // reason) is being recorded is still a veto.
            (
                State::Ending(a, Err(f)),
                Input::Message {
                    from,
                    message: Message::Control(Control::Decline { reason, .. }),
                },
            ) if !matches!(f, Failure::Declined { .. }) => {
                let failure = match by_id(&a.quorum, &from) {
                    Some(peer) => Failure::Declined {
                        who: Culprit::from(peer),
                        reason: truncate(&reason),
                    },
                    None => f,
                };
                self.state = State::Ending(a, Err(failure));
            }
            (state, _) => self.state = state,
        }
        out.into_vec()
    }

    fn deadline(&self) -> Option<Time> {
        match &self.state {
            State::Running(a) => {
                let round = self.plan.timeouts.sign_round;
                let (rounds, deciding) = Self::waiting(a);
                earliest([
                    Some(a.deadline),
                    a.live.next(&rounds, round),
                    a.live.next(&deciding, round * 3),
                ])
            }
            _ => None,
        }
    }

    fn heavy(&self, input: &Input) -> bool {
        // The first round runs on the continuation after the proposal.
        self.scheme() == Scheme::Ecdsa
            && (matches!(input, Input::Continue)
                || matches!(
                    input,
                    Input::Message {
                        message: Message::Mpc(_),
                        ..
                    }
                ))
    }
}
