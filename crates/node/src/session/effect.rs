//! What goes into a session ([`Input`]) and what comes out ([`Effect`]).
//!
//! STYLE (frostsnap, quinn-proto): a session returns effects as plain data
//! and the runner carries them out in order. A [`Effect::Journal`] must be
//! durable before anything after it happens: a session that emits one
//! emits nothing after it in the same batch and waits for
//! [`Input::Journaled`] (the runner's acknowledgement) before its next send.

use std::sync::Arc;
use std::time::Duration;

use accord_mpc::{KeyShare, Scheme, SessionId, Signature};
use iroh::EndpointId;
use serde::{Deserialize, Serialize};

use super::failure::Failure;
use super::peer::Peer;
use crate::approve::{Decision, KeygenRequest, SignRequest};
use crate::event::EventKind;
use crate::policy::{PolicyCheck, Spend};
use crate::store::NewWalletOwned;
use crate::wire::{Message, SessionBytes};

/// What a session is given.
#[derive(Debug)]
pub enum Input {
    /// Begin (the first input of every session).
    Start,
    /// A message from `from`, the device id its connection proved.
    Message {
        /// The authenticated sender.
        from: EndpointId,
        /// The message.
        message: Message,
    },
    /// This device's approver decided.
    Decision(Decision),
    /// The share asked for with [`Effect::LoadShare`].
    Share(Result<Arc<KeyShare>, String>),
    /// The acknowledgement of the last [`Effect::Journal`].
    Journaled(Result<(), JournalError>),
    /// A message to `to` could not be handed to the network.
    Unreachable {
        /// The peer.
        to: EndpointId,
        /// What the transport said.
        error: String,
    },
    /// The session asked to go on once what it sent is out
    /// ([`Effect::Continue`]).
    Continue,
    /// The time the session asked to be woken at has come.
    Tick,
}

/// Why a journal write failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// The session's nonces were journaled before: it was seen already.
    #[error("this session was seen before (replayed)")]
    Replayed,
    /// The store failed.
    #[error("{0}")]
    Failed(String),
}

/// A durable write a session needs before it goes on.
#[derive(Debug)]
#[non_exhaustive]
pub enum Journal {
    /// A signing session starts: record it as running and journal the nonces
    /// of every part as consumed, in one transaction — before any signature
    /// share leaves the device. Fails with [`JournalError::Replayed`] if the
    /// session or a part was seen before.
    BeginSigning {
        /// The session.
        session: SessionId,
        /// The wallet's id.
        wallet: String,
        /// Each part (one signature) and its scheme.
        parts: Vec<(SessionId, Scheme)>,
        /// How long it may run.
        lasts: Duration,
        /// The transaction (a digest of its unsigned bytes) and what it
        /// spends by the policy in force: recorded in the spend ledger in
        /// the same write.
        spends: Option<([u8; 32], Vec<Spend>)>,
        /// The delayed transfer this signature uses up (its intent), marked
        /// used in the same write.
        uses: Option<crate::policy::Intent>,
    },
    /// The policy delays a transfer: queue it on this device (its delay
    /// counts from now), replacing an entry used or forgotten.
    QueueDelayed {
        /// The wallet's id.
        wallet: String,
        /// The entry.
        transfer: crate::policy::DelayedTransfer,
    },
    /// A signing session ended: its outcome, the signatures it finished,
    /// and a party the protocol says must be banned.
    EndSigning {
        /// The session.
        session: SessionId,
        /// The wallet's id.
        wallet: String,
        /// With a result or not, and why.
        outcome: Result<String, String>,
        /// Finished signatures (the proposer's), by message.
        signatures: Vec<(Scheme, Vec<u8>, Signature)>,
        /// A party to exclude from `scheme` sessions for good.
        ban: Option<(Scheme, u8, String)>,
        /// An event to log in the same write (one fsync, not two).
        event: Option<(EventKind, String)>,
    },
    /// A new wallet's shares, keys and members, stored but not usable until
    /// [`Journal::CommitWallet`].
    StoreWallet(Box<NewWalletOwned>),
    /// Every member stored its shares: the wallet is usable.
    CommitWallet {
        /// The wallet's id.
        wallet: String,
    },
    /// The creation did not complete everywhere: forget the wallet.
    DropWallet {
        /// The wallet's id.
        wallet: String,
        /// Why.
        reason: String,
    },
    /// A refresh's shares, stored beside the ones in use, not usable until
    /// [`Journal::CommitEpoch`].
    StoreEpoch(Box<crate::store::NewEpoch>),
    /// Every member stored its refreshed shares: switch to them (the old
    /// ones erased).
    CommitEpoch {
        /// The wallet's id.
        wallet: String,
        /// The refresh.
        session: crate::wire::SessionBytes,
    },
    /// The refresh did not complete everywhere: forget its shares.
    DropEpoch {
        /// The wallet's id.
        wallet: String,
        /// The refresh.
        session: crate::wire::SessionBytes,
        /// Why.
        reason: String,
    },
}

/// A request for this device's approver.
#[derive(Clone, Debug)]
pub enum Approval {
    /// Join a new wallet's key generation?
    Keygen(KeygenRequest),
    /// Co-sign this transaction? (With the verdict of the wallet's policy
    /// in force, if any.)
    Sign(Box<SignRequest>, Option<PolicyCheck>),
}

/// A named step of a session, for fault injection in tests and for the
/// record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Milestone {
    /// A co-signer received a proposal it will ask about.
    ProposalReceived,
    /// The co-signer's approver said yes.
    Approved,
    /// The co-signer's nonces are journaled.
    Journaled,
    /// The co-signer's first round is sent.
    Round1Sent,
    /// The co-signer's part is done.
    ShareSent,
    /// Key generation's rounds started here.
    KeygenStarted,
    /// A new wallet's shares are stored here (not committed).
    KeygenStored,
}

impl Milestone {
    /// The step's name (`ACCORD_FAULT_CRASH_AT` takes it).
    pub const fn name(self) -> &'static str {
        match self {
            Milestone::ProposalReceived => "proposal-received",
            Milestone::Approved => "approved",
            Milestone::Journaled => "journaled",
            Milestone::Round1Sent => "round1-sent",
            Milestone::ShareSent => "share-sent",
            Milestone::KeygenStarted => "keygen-started",
            Milestone::KeygenStored => "keygen-stored",
        }
    }
}

/// Where a member stands in a session, for the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressState {
    /// Paired with this device.
    Paired,
    /// Asked to join.
    Invited,
    /// Deciding (its user or policy).
    Pending,
    /// Approved; its protocol messages follow.
    Joined,
    /// Refused.
    Declined,
    /// Finished its part.
    Done,
    /// Stored the new wallet's shares.
    Stored,
    /// The attempt failed.
    Failed,
    /// Trying again with other members.
    Retrying,
    /// The transaction was sent to the chain's node.
    Broadcast,
    /// The transaction is in a block.
    Confirmed,
}

impl ProgressState {
    /// The state's name.
    pub const fn name(self) -> &'static str {
        match self {
            ProgressState::Paired => "paired",
            ProgressState::Invited => "invited",
            ProgressState::Pending => "pending",
            ProgressState::Joined => "joined",
            ProgressState::Declined => "declined",
            ProgressState::Done => "done",
            ProgressState::Stored => "stored",
            ProgressState::Failed => "failed",
            ProgressState::Retrying => "retrying",
            ProgressState::Broadcast => "broadcast",
            ProgressState::Confirmed => "confirmed",
        }
    }
}

impl core::fmt::Display for ProgressState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Progress of a session, for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The member's party id (0: not a member, e.g. the chain's node).
    pub party: u8,
    /// The member's name.
    pub name: String,
    /// Where it stands.
    pub state: ProgressState,
    /// Free text.
    pub detail: String,
}

impl Progress {
    /// `peer` is at `state`.
    pub(crate) fn of(peer: &Peer, state: ProgressState, detail: impl Into<String>) -> Progress {
        Progress {
            party: peer.party.get(),
            name: peer.name.clone(),
            state,
            detail: detail.into(),
        }
    }
}

/// What a session asks the runner to do, in order.
#[derive(Debug)]
#[must_use = "effects must be carried out"]
pub enum Effect<O> {
    /// Send `message` to `to`; a failure comes back as [`Input::Unreachable`].
    Send {
        /// The peer.
        to: Box<Peer>,
        /// The message.
        message: Message,
    },
    /// Route messages carrying these session ids to this session (replaces
    /// the ids routed before).
    Listen(Vec<SessionBytes>),
    /// Make this durable, then answer with [`Input::Journaled`].
    Journal(Journal),
    /// Send what came before, then hand the session [`Input::Continue`]
    /// (after an [`Input::Unreachable`] those sends found): a message goes out before a long computation
    /// (the proposal before the proposer's first threshold round, so the
    /// co-signers decide and journal meanwhile).
    Continue,
    /// Load and validate this device's share; answer with [`Input::Share`].
    LoadShare {
        /// The wallet's id.
        wallet: String,
        /// The scheme.
        scheme: Scheme,
    },
    /// Ask this device's approver; answer with [`Input::Decision`].
    Ask(Box<Approval>),
    /// The answer asked for is no longer wanted.
    CancelAsk,
    /// Let these devices in (members of a wallet being created).
    Pin(Vec<EndpointId>),
    /// No longer let these in (pinned by [`Effect::Pin`], the wallet not created).
    Unpin(Vec<EndpointId>),
    /// These peers went silent: the connection to them may be dead (a
    /// device that crashed and restarted is not on it any more), so the
    /// next message to them dials afresh.
    Redial(Vec<EndpointId>),
    /// Tell the user.
    Progress(Progress),
    /// Append to the event log (best effort).
    Log {
        /// The wallet's id, if the event is about one.
        wallet: Option<String>,
        /// What happened.
        kind: EventKind,
        /// In words.
        detail: String,
    },
    /// A named step was reached.
    Milestone(Milestone),
    /// The session is over with its result.
    Finished(O),
    /// The session is over without one.
    Aborted(Failure),
}

impl<O> Effect<O> {
    /// The same effect for a session with another output type (`None` for
    /// [`Effect::Finished`]).
    pub fn map_output<P>(self, f: impl FnOnce(O) -> P) -> Effect<P> {
        match self {
            Effect::Send { to, message } => Effect::Send { to, message },
            Effect::Listen(ids) => Effect::Listen(ids),
            Effect::Journal(j) => Effect::Journal(j),
            Effect::Continue => Effect::Continue,
            Effect::LoadShare { wallet, scheme } => Effect::LoadShare { wallet, scheme },
            Effect::Ask(a) => Effect::Ask(a),
            Effect::CancelAsk => Effect::CancelAsk,
            Effect::Pin(ids) => Effect::Pin(ids),
            Effect::Unpin(ids) => Effect::Unpin(ids),
            Effect::Redial(ids) => Effect::Redial(ids),
            Effect::Progress(p) => Effect::Progress(p),
            Effect::Log {
                wallet,
                kind,
                detail,
            } => Effect::Log {
                wallet,
                kind,
                detail,
            },
            Effect::Milestone(m) => Effect::Milestone(m),
            Effect::Finished(o) => Effect::Finished(f(o)),
            Effect::Aborted(e) => Effect::Aborted(e),
        }
    }
}

/// A batch of effects being built.
pub(crate) struct Effects<O>(pub Vec<Effect<O>>);

impl<O> Effects<O> {
    pub(crate) fn new() -> Self {
        Effects(Vec::new())
    }

    pub(crate) fn push(&mut self, e: Effect<O>) {
        self.0.push(e);
    }

    pub(crate) fn send(&mut self, to: &Peer, message: Message) {
        self.0.push(Effect::Send {
            to: Box::new(to.clone()),
            message,
        });
    }

    pub(crate) fn send_all(&mut self, to: &[Peer], message: &Message) {
        for peer in to {
            self.send(peer, message.clone());
        }
    }

    pub(crate) fn progress(&mut self, p: Progress) {
        self.0.push(Effect::Progress(p));
    }

    pub(crate) fn log(&mut self, wallet: Option<&str>, kind: EventKind, detail: String) {
        self.0.push(Effect::Log {
            wallet: wallet.map(str::to_owned),
            kind,
            detail,
        });
    }

    pub(crate) fn into_vec(self) -> Vec<Effect<O>> {
        self.0
    }
}
