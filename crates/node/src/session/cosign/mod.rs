//! Co-signing, a member's side, as a state machine. A proposal is admitted
//! ([`Cosigner::admit`]) against what this device stores: a known wallet,
//! the proposer a member and the coordinator, the signer set a quorum with
//! this device in it and nobody banned from the transaction's scheme, a
//! session never seen. The preview and the messages are computed here from
//! the raw transaction (`accord_chains::signing::prepare`: BIP341, EIP-1559,
//! Solana messages), never taken from the proposer.
//!
//! Then: the approver decides (with the wallet's policy), heartbeats telling
//! the proposer meanwhile that this device is still there; this device's
//! share is loaded; only then are the nonces journaled as consumed —
//! committed before any signature share leaves — and the rounds run.
//!
//! An explicit refusal (the user, the policy, an invalid or replayed
//! proposal) is sent as a `Decline`: a veto. A technical failure here (no
//! decision in time, a storage error, this device's own share unusable) is
//! sent as an `Abort`, so the proposer tries another quorum.

mod admit;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use accord_chains::Chain;
use accord_chains::signing::WalletPublicKeys;
use accord_mpc::{KeyShare, PartyId, Scheme, SessionId, SignRequest, Signer};
use iroh::EndpointId;
use rand_core::CryptoRngCore;

use super::Session;
use super::clock::{Time, Timeouts, earliest};
use super::effect::{Approval, Effect, Effects, Input, Journal, JournalError, Milestone};
use super::failure::{Failure, truncate};
use super::parts::{Handled, Liveness, Parts, derive, sends};
use super::peer::{Culprit, Peer, by_id};
use crate::approve;
use crate::event::EventKind;
use crate::policy::{ActivePolicy, Spend};
use crate::store::{Member, WalletRecord};
use crate::wire::{Control, Message, SessionBytes};

/// Messages kept per part while this device decides (members that joined
/// first start their rounds early): each signer's first two rounds.
const BACKLOG_PER_PART: usize = 2 * accord_mpc::MAX_PARTIES as usize;

/// What the store knows of the wallet a proposal names.
#[derive(Clone, Debug)]
pub struct WalletView {
    /// The wallet.
    pub record: WalletRecord,
    /// Its members.
    pub members: Vec<Member>,
    /// Its group keys.
    pub keys: WalletPublicKeys,
    /// Parties banned, per scheme.
    pub banned: BTreeMap<Scheme, BTreeSet<u8>>,
    /// The policy in force, if any, with the spend ledger.
    pub policy: Option<ActivePolicy>,
    /// Whether the proposal's session was seen here before.
    pub seen: bool,
    /// A live team proposal of exactly this transaction that this device's
    /// person approved (its id): then nobody is asked again.
    pub team_approved: Option<String>,
}

/// Why a proposal (or an invitation) is refused before anything is asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refusal {
    /// Why, for the requester's user.
    pub reason: String,
    /// Whether it is a decision about the request itself (sent as a
    /// `Decline`: a veto) rather than something about this device (its
    /// records, its bans, what it can parse: sent as an `Abort`, and the
    /// proposer tries another quorum).
    pub veto: bool,
}

impl Refusal {
    /// The request itself is refused.
    pub fn veto(reason: impl Into<String>) -> Refusal {
        Refusal {
            reason: reason.into(),
            veto: true,
        }
    }

    /// This device cannot take part.
    pub fn cannot(reason: impl Into<String>) -> Refusal {
        Refusal {
            reason: reason.into(),
            veto: false,
        }
    }
}

/// The most parts (messages to sign) one proposal may have: one per
/// Bitcoin input of the wallet's.
pub const MAX_PARTS: usize = 1024;

enum State {
    Idle,
    Asking {
        deadline: Time,
        beat: Time,
        backlog: Vec<(EndpointId, Message)>,
    },
    Loading {
        backlog: Vec<(EndpointId, Message)>,
    },
    Journaling {
        share: Arc<KeyShare>,
        backlog: Vec<(EndpointId, Message)>,
    },
    Running {
        parts: Parts<Signer>,
        live: Liveness,
        deadline: Time,
    },
    Ending(Result<(), Failure>),
    Over,
}

/// A member's side of a signing.
pub struct Cosigner {
    wallet: String,
    me: PartyId,
    proposer: Peer,
    /// The other signers (the proposer included).
    peers: Vec<Peer>,
    signers: Vec<PartyId>,
    scheme: Scheme,
    chain: Chain,
    base: SessionBytes,
    messages: Vec<Vec<u8>>,
    approval: Option<Approval>,
    /// The transaction's digest and what it spends by the policy in force.
    spends: Option<([u8; 32], Vec<Spend>)>,
    /// The delayed transfer the signature uses up.
    uses: Option<crate::policy::Intent>,
    /// A delayed transfer to queue here before anything is asked.
    queue: Option<crate::policy::DelayedTransfer>,
    timeouts: Timeouts,
    state: State,
}

impl core::fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cosigner")
            .field("wallet", &self.wallet)
            .field("chain", &self.chain)
            .finish_non_exhaustive()
    }
}

impl Cosigner {
    /// Queues nothing here: this device's approver is a person, who
    /// decides on a delayed transfer now ([`approve::Approver::follows_policy`]).
    pub fn without_queue(mut self) -> Self {
        self.queue = None;
        self
    }

    /// The session ids this signing's messages carry.
    pub fn routes(&self) -> Vec<SessionBytes> {
        let mut ids = vec![self.base];
        ids.extend((0..self.messages.len()).map(|i| derive(&self.base, index(i)).0));
        ids
    }

    /// "Still deciding", to every other signer: the proposer, and the
    /// co-signers that approved first and wait for this one's rounds.
    fn heartbeat(&self, out: &mut Effects<()>) {
        let session = self.base;
        out.send_all(&self.peers, &Message::Control(Control::Pending { session }));
    }

    fn to_proposer(&self, out: &mut Effects<()>, control: Control) {
        out.send(&self.proposer, Message::Control(control));
    }

    /// Ends before anything was journaled.
    fn refuse(&mut self, out: &mut Effects<()>, failure: Failure, veto: bool) {
        let session = self.base;
        let reason = failure.notice();
        let control = if veto {
            Control::Decline { session, reason }
        } else {
            Control::Abort { session, reason }
        };
        self.to_proposer(out, control);
        out.log(
            Some(&self.wallet),
            if veto {
                EventKind::Rejected
            } else {
                EventKind::Failed
            },
            format!(
                "{} proposal from {}: {failure}",
                self.chain, self.proposer.name
            ),
        );
        self.state = State::Over;
        out.push(Effect::Aborted(failure));
    }

    fn start_rounds(
        &mut self,
        now: Time,
        share: Arc<KeyShare>,
        backlog: Vec<(EndpointId, Message)>,
        rng: &mut dyn CryptoRngCore,
        out: &mut Effects<()>,
    ) {
        out.push(Effect::Milestone(Milestone::Journaled));
        self.to_proposer(out, Control::Join { session: self.base });
        let mut parts = Parts::new();
        for (i, message) in self.messages.iter().enumerate() {
            let id = derive(&self.base, index(i));
            let request = SignRequest {
                session: id,
                signers: &self.signers,
                coordinator: self.proposer.party,
                message,
            };
            match Signer::start(share.clone(), &request, &mut &mut *rng) {
                Ok((signer, first)) => {
                    parts.push(id, signer);
                    sends(out, &self.peers, first);
                }
                Err(e) => {
                    parts.abort();
                    return self.fail(Failure::Invalid(e.to_string()), out);
                }
            }
        }
        out.push(Effect::Milestone(Milestone::Round1Sent));
        self.state = State::Running {
            parts,
            live: Liveness::new(&self.peers, now),
            deadline: now.after(self.timeouts.session),
        };
        for (from, message) in backlog {
            self.on_message(now, from, message, out);
        }
    }

    /// Fails after the nonces were journaled: record the end, then notify.
    fn fail(&mut self, failure: Failure, out: &mut Effects<()>) {
        let ban = failure
            .ban()
            .map(|party| (self.scheme, party, failure.to_string()));
        out.push(Effect::Journal(Journal::EndSigning {
            session: SessionId(self.base),
            wallet: self.wallet.clone(),
            outcome: Err(failure.to_string()),
            signatures: Vec::new(),
            ban,
            event: None,
        }));
        self.state = State::Ending(Err(failure));
    }

    fn on_message(&mut self, now: Time, from: EndpointId, message: Message, out: &mut Effects<()>) {
        let state = std::mem::replace(&mut self.state, State::Over);
        match state {
            State::Asking { .. } | State::Loading { .. } | State::Journaling { .. } => {
                if let Message::Control(Control::Abort { reason, .. }) = &message
                    && from == self.proposer.id
                {
                    if matches!(state, State::Asking { .. }) {
                        out.push(Effect::CancelAsk);
                    }
                    let failure = Failure::PeerAborted {
                        who: Culprit::from(&self.proposer),
                        reason: truncate(reason),
                    };
                    self.state = State::Over;
                    return out.push(Effect::Aborted(failure));
                }
                self.state = state;
                if let State::Asking { backlog, .. }
                | State::Loading { backlog }
                | State::Journaling { backlog, .. } = &mut self.state
                    && backlog.len() < BACKLOG_PER_PART * self.messages.len()
                    && matches!(message, Message::Mpc(_))
                {
                    backlog.push((from, message));
                }
            }
            State::Running {
                mut parts,
                mut live,
                deadline,
            } => {
                let Some(peer) = by_id(&self.peers, &from).cloned() else {
                    self.state = State::Running {
                        parts,
                        live,
                        deadline,
                    };
                    return;
                };
                live.heard(peer.party, now);
                match message {
                    Message::Mpc(envelope) => match parts.handle(peer.party, envelope) {
                        Handled::Outgoing(envelopes) => {
                            sends(out, &self.peers, envelopes);
                            if parts.finished() {
                                // The last share is out (the runner sends it
                                // before anything else): then the end is recorded.
                                out.push(Effect::Milestone(Milestone::ShareSent));
                                out.push(Effect::Journal(Journal::EndSigning {
                                    session: SessionId(self.base),
                                    wallet: self.wallet.clone(),
                                    outcome: Ok("co-signed".into()),
                                    signatures: Vec::new(),
                                    ban: None,
                                    event: Some((
                                        EventKind::Cosigned,
                                        format!(
                                            "{} transaction proposed by {}",
                                            self.chain, self.proposer.name
                                        ),
                                    )),
                                }));
                                self.state = State::Ending(Ok(()));
                                return;
                            }
                        }
                        Handled::Rejected(why) => out.log(
                            Some(&self.wallet),
                            EventKind::Rejected,
                            format!("message from {}: {why}", peer.name),
                        ),
                        Handled::Aborted(abort) => {
                            parts.abort();
                            let culprit = abort
                                .culprit()
                                .and_then(|c| self.peers.iter().find(|p| p.party == c))
                                .map(Culprit::from);
                            return self.fail(
                                Failure::Protocol {
                                    abort: Box::new(abort),
                                    culprit,
                                },
                                out,
                            );
                        }
                    },
                    Message::Control(Control::Abort { reason, .. }) => {
                        parts.abort();
                        let failure = Failure::PeerAborted {
                            who: Culprit::from(&peer),
                            reason: truncate(&reason),
                        };
                        return self.fail(failure, out);
                    }
                    Message::Control(_) => {}
                }
                self.state = State::Running {
                    parts,
                    live,
                    deadline,
                };
            }
            other => self.state = other,
        }
    }

    fn on_tick(&mut self, now: Time, out: &mut Effects<()>) {
        match &mut self.state {
            State::Asking { deadline, beat, .. } => {
                if now >= *deadline {
                    out.push(Effect::CancelAsk);
                    return self.refuse(out, Failure::NoDecision, false);
                }
                if now >= *beat {
                    *beat = now.after(self.timeouts.heartbeat);
                    self.heartbeat(out);
                }
            }
            State::Running {
                parts,
                live,
                deadline,
            } => {
                let failure = if now >= *deadline {
                    Some(Failure::Deadline)
                } else {
                    let silent = live.silent(&parts.waiting(), now, self.timeouts.sign_round);
                    (!silent.is_empty()).then(|| Failure::Silent {
                        who: self
                            .peers
                            .iter()
                            .filter(|p| silent.contains(&p.party))
                            .map(Culprit::from)
                            .collect(),
                    })
                };
                if let Some(failure) = failure {
                    parts.abort();
                    self.fail(failure, out);
                }
            }
            _ => {}
        }
    }
}

fn index(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

impl Session for Cosigner {
    type Output = ();

    fn handle(&mut self, now: Time, input: Input, rng: &mut dyn CryptoRngCore) -> Vec<Effect<()>> {
        let mut out = Effects::new();
        match input {
            Input::Start => {
                if let (State::Idle, Some(approval)) = (&self.state, self.approval.take()) {
                    out.push(Effect::Milestone(Milestone::ProposalReceived));
                    out.push(Effect::Listen(self.routes()));
                    if let Some(transfer) = self.queue.take() {
                        out.push(Effect::Journal(Journal::QueueDelayed {
                            wallet: self.wallet.clone(),
                            transfer,
                        }));
                    }
                    out.push(Effect::Ask(Box::new(approval)));
                    self.heartbeat(&mut out);
                    self.state = State::Asking {
                        deadline: now.after(self.timeouts.approval),
                        beat: now.after(self.timeouts.heartbeat),
                        backlog: Vec::new(),
                    };
                }
            }
            Input::Decision(decision) => {
                if let State::Asking { backlog, .. } =
                    std::mem::replace(&mut self.state, State::Over)
                {
                    match decision {
                        approve::Decision::Approve => {
                            out.push(Effect::Milestone(Milestone::Approved));
                            out.push(Effect::LoadShare {
                                wallet: self.wallet.clone(),
                                scheme: self.scheme,
                            });
                            self.state = State::Loading { backlog };
                        }
                        approve::Decision::Reject(reason) => {
                            let who = Culprit {
                                party: self.me.get(),
                                device_id: String::new(),
                                name: "this device".into(),
                            };
                            let failure = Failure::Declined {
                                who,
                                reason: truncate(&reason),
                            };
                            let session = self.base;
                            self.to_proposer(
                                &mut out,
                                Control::Decline {
                                    session,
                                    reason: truncate(&reason),
                                },
                            );
                            out.log(
                                Some(&self.wallet),
                                EventKind::Rejected,
                                format!(
                                    "{} proposal from {}: {}",
                                    self.chain,
                                    self.proposer.name,
                                    truncate(&reason)
                                ),
                            );
                            self.state = State::Over;
                            out.push(Effect::Aborted(failure));
                        }
                    }
                }
            }
            Input::Share(loaded) => {
                if let State::Loading { backlog } = std::mem::replace(&mut self.state, State::Over)
                {
                    match loaded {
                        Ok(share) if share.scheme() == self.scheme && share.party() == self.me => {
                            out.push(Effect::Journal(Journal::BeginSigning {
                                session: SessionId(self.base),
                                wallet: self.wallet.clone(),
                                parts: (0..self.messages.len())
                                    .map(|i| (derive(&self.base, index(i)), self.scheme))
                                    .collect(),
                                lasts: self.timeouts.session,
                                spends: self.spends.clone(),
                                uses: self.uses,
                            }));
                            self.state = State::Journaling { share, backlog };
                        }
                        Ok(_) => self.refuse(
                            &mut out,
                            Failure::Share("it belongs to another party or scheme".into()),
                            false,
                        ),
                        Err(e) => self.refuse(&mut out, Failure::Share(e), false),
                    }
                }
            }
            Input::Journaled(result) => match std::mem::replace(&mut self.state, State::Over) {
                State::Journaling { share, backlog } => match result {
                    Ok(()) => self.start_rounds(now, share, backlog, rng, &mut out),
                    Err(JournalError::Replayed) => self.refuse(
                        &mut out,
                        Failure::Invalid("this session was seen before (replayed proposal)".into()),
                        true,
                    ),
                    Err(JournalError::Failed(e)) => {
                        self.refuse(&mut out, Failure::Storage(e), false);
                    }
                },
                State::Ending(result) => match result {
                    // The `cosigned` event was written with the end.
                    Ok(()) => out.push(Effect::Finished(())),
                    Err(failure) => {
                        let notice = Control::Abort {
                            session: self.base,
                            reason: failure.notice(),
                        };
                        out.send_all(&self.peers, &Message::Control(notice));
                        out.push(Effect::Aborted(failure));
                    }
                },
                other => self.state = other,
            },
            Input::Message { from, message } => self.on_message(now, from, message, &mut out),
            Input::Unreachable { to, error } => {
                if let State::Running { parts, .. } = &mut self.state
                    && let Some(who) = by_id(&self.peers, &to).map(Culprit::from)
                {
                    parts.abort();
                    self.fail(Failure::Unreachable { who, error }, &mut out);
                }
            }
            Input::Tick => self.on_tick(now, &mut out),
            // Never asked for here.
            Input::Continue => {}
        }
        out.into_vec()
    }

    fn deadline(&self) -> Option<Time> {
        match &self.state {
            State::Asking { deadline, beat, .. } => earliest([Some(*deadline), Some(*beat)]),
            State::Running {
                parts,
                live,
                deadline,
            } => earliest([
                Some(*deadline),
                live.next(&parts.waiting(), self.timeouts.sign_round),
            ]),
            _ => None,
        }
    }

    fn heavy(&self, input: &Input) -> bool {
        // The first round runs once the nonces are journaled.
        self.scheme == Scheme::Ecdsa
            && (matches!(
                (&self.state, input),
                (State::Journaling { .. }, Input::Journaled(_))
            ) || matches!(
                input,
                Input::Message {
                    message: Message::Mpc(_),
                    ..
                }
            ))
    }
}
