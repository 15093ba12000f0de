//! Wallet policies that a stolen device cannot get around: signed,
//! versioned, hash-chained documents; spending windows kept in a ledger;
//! delays; address books — enforced by every co-signer.
//!
//! The threat: with a 2-of-3 wallet (desktop, phone, recovery server), a
//! thief holding one user device can co-sign with the recovery server
//! alone. The recovery server is the wallet's guard: it signs only what
//! the policy in force allows, and the policy can be loosened only by a
//! quorum of the devices people hold, after a delay during which any
//! member can cancel (a thief who also changes the policy waits, and is
//! seen). Designs studied: Safe's transaction guards and allowance module
//! (per-token amounts that refill per period), Fireblocks' transaction
//! authorization policy (rules by asset, destination and amount, changes
//! approved by a quorum of admins), the delays of Casa and Nunchuk, and
//! the Term Finance incident (a timelock lowered to zero and a drain in
//! one step: here a loosening always waits out the *current* delay).
//!
//! - [`document`]: the JSON document and its hash;
//! - [`change`]: whether a new version only tightens;
//! - [`edit`]: a change of a few rules applied to a draft;
//! - [`signed`]: member devices' signatures and when a version is in force;
//! - [`rules`]: the verdict on one transaction's preview;
//! - [`ledger`]: what was spent when, for windows;
//! - [`delayed`]: delayed transfers, queued until their delay is over;
//! - [`resolve`]: which version is in force;
//! - [`defaults`]: the cautious first policy of a new wallet;
//! - [`describe`]: a document in words.

pub mod change;
pub mod defaults;
pub mod delayed;
pub mod describe;
pub mod document;
pub mod edit;
pub mod ledger;
pub mod resolve;
pub mod rules;
pub mod signed;

pub use change::{Change, classify};
pub use delayed::{DelayedTransfer, Intent, Queue};
pub use document::{AssetLimits, BookEntry, ChainRules, DocumentError, PolicyDocument, Recipients};
pub use edit::{EditError, PolicyEdit};
pub use ledger::{LedgerEntry, Spend};
pub use resolve::{Resolved, StoredVersion, resolve};
pub use rules::{Context, Verdict, Violation, evaluate};
pub use signed::{Endorsement, Signers, Standing, StandingError, Statement, standing};

use accord_chains::Preview;

use crate::session::Role;
use crate::store::Member;

/// The device id of `id` as policies write it: lower-case hex.
pub fn device_hex(id: &iroh::EndpointId) -> String {
    hex::encode(id.as_bytes())
}

/// Who signs a wallet's policies: its members, the recovery server apart.
pub fn signers_of(members: &[Member], threshold: u16) -> Signers {
    let (others, users): (Vec<&Member>, Vec<&Member>) =
        members.iter().partition(|m| m.role == Role::Recovery);
    Signers {
        user_devices: users.iter().map(|m| device_hex(&m.device)).collect(),
        others: others.iter().map(|m| device_hex(&m.device)).collect(),
        threshold: usize::from(threshold),
    }
}

/// The policy in force on this device for one wallet, with what the
/// verdict on a transaction needs besides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivePolicy {
    /// The version in force.
    pub document: PolicyDocument,
    /// The spend ledger (the longest window's worth).
    pub ledger: Vec<LedgerEntry>,
    /// The transfers this device queued for their delay.
    pub delayed: Vec<DelayedTransfer>,
    /// Seconds since the epoch.
    pub now: u64,
}

/// A policy's verdict on one transaction, as shown and followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyCheck {
    /// The version that decided.
    pub version: u64,
    /// Its hash (hex).
    pub hash: String,
    /// The verdict.
    pub verdict: Verdict,
    /// A delayed verdict's place in this device's queue.
    pub queued: Option<Queued>,
}

/// A delayed transfer's place in the queue of the device that checked it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Queued {
    /// Its intent ([`delayed::intent`]).
    pub intent: Intent,
    /// What it moves, in words.
    pub summary: String,
    /// Where it stands.
    pub queue: Queue,
    /// When it was checked (seconds since the epoch).
    pub now: u64,
}

impl ActivePolicy {
    /// The verdict on `preview` (for `chain`) signed by `signers` (device
    /// ids, hex); `tx` is the transaction's digest.
    pub fn check(
        &self,
        chain: accord_chains::Chain,
        preview: &Preview,
        signers: &[String],
        tx: &[u8; 32],
    ) -> PolicyCheck {
        let verdict = evaluate(
            &self.document,
            preview,
            Context {
                chain,
                now: self.now,
                signers,
                ledger: &self.ledger,
                tx: Some(tx),
            },
        );
        let queued = match &verdict {
            Verdict::Delay { seconds, .. } => {
                let intent = delayed::intent(&self.document.wallet_id, preview);
                let entry = self.delayed.iter().find(|e| e.intent == intent);
                Some(Queued {
                    intent,
                    summary: delayed::summary(preview),
                    queue: Queue::of(entry, self.now, *seconds, tx),
                    now: self.now,
                })
            }
            Verdict::Allow { .. } | Verdict::Refuse(_) => None,
        };
        PolicyCheck {
            version: self.document.version,
            hash: self.document.hash_hex(),
            verdict,
            queued,
        }
    }
}

impl PolicyCheck {
    /// One line for people: the verdict and why.
    pub fn describe(&self) -> String {
        match &self.verdict {
            Verdict::Allow { .. } => format!("policy v{}: allows this transaction", self.version),
            Verdict::Delay {
                seconds, reasons, ..
            } => {
                let delays = format!(
                    "policy v{}: DELAYS this transaction by {}: {}",
                    self.version,
                    duration(*seconds),
                    reasons.join("; ")
                );
                match &self.queued {
                    None => delays,
                    Some(q) => format!("{delays}; {}", q.describe()),
                }
            }
            Verdict::Refuse(v) => {
                format!("policy v{}: REFUSES this transaction: {v}", self.version)
            }
        }
    }

    /// Whether the policy lets it be signed now: allowed, or delayed and
    /// its delay over (uncancelled) in this device's queue.
    pub fn allows(&self) -> bool {
        match &self.verdict {
            Verdict::Allow { .. } => true,
            Verdict::Delay { .. } => self
                .queued
                .as_ref()
                .is_some_and(|q| matches!(q.queue, Queue::Ready { .. })),
            Verdict::Refuse(_) => false,
        }
    }

    /// The intent whose queued entry a signature now uses up.
    pub fn uses(&self) -> Option<Intent> {
        self.queued
            .as_ref()
            .filter(|_| self.allows())
            .map(|q| q.intent)
    }
}

impl Queued {
    /// Where it stands, in words.
    pub fn describe(&self) -> String {
        let id = delayed::short(&self.intent);
        let left = |at: u64| duration(at.saturating_sub(self.now));
        match &self.queue {
            Queue::New { eligible_at } => format!(
                "queued as transfer {id}: co-signed when proposed again after the delay (in {}, at {eligible_at} Unix time) unless a member cancels it",
                left(*eligible_at)
            ),
            Queue::Waiting { eligible_at } => format!(
                "transfer {id} is queued: co-signed when proposed again in {} (at {eligible_at} Unix time) unless a member cancels it",
                left(*eligible_at)
            ),
            Queue::Ready { .. } => {
                format!("transfer {id} waited out its delay: co-signed now")
            }
            Queue::Cancelled { by } => format!(
                "transfer {id} was CANCELLED by member {}",
                &by[..by.len().min(16)]
            ),
        }
    }
}

/// `seconds` in words: `48 h`, `90 min`, `20 s`.
pub fn duration(seconds: u64) -> String {
    if seconds >= 3600 && seconds.is_multiple_of(3600) {
        format!("{} h", seconds / 3600)
    } else if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}
