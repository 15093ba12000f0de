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
//! - [`signed`]: member devices' signatures and when a version is in force;
//! - [`rules`]: the verdict on one transaction's preview;
//! - [`ledger`]: what was spent when, for windows;
//! - [`resolve`]: which version is in force;
//! - [`defaults`]: the cautious first policy of a new wallet;
//! - [`describe`]: a document in words.

pub mod change;
pub mod defaults;
pub mod describe;
pub mod document;
pub mod ledger;
pub mod resolve;
pub mod rules;
pub mod signed;

pub use change::{Change, classify};
pub use document::{AssetLimits, BookEntry, ChainRules, DocumentError, PolicyDocument, Recipients};
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
        PolicyCheck {
            version: self.document.version,
            hash: self.document.hash_hex(),
            verdict: evaluate(
                &self.document,
                preview,
                Context {
                    chain,
                    now: self.now,
                    signers,
                    ledger: &self.ledger,
                    tx: Some(tx),
                },
            ),
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
            } => format!(
                "policy v{}: DELAYS this transaction by {}: {}",
                self.version,
                duration(*seconds),
                reasons.join("; ")
            ),
            Verdict::Refuse(v) => {
                format!("policy v{}: REFUSES this transaction: {v}", self.version)
            }
        }
    }

    /// Whether the policy lets it be signed now.
    pub fn allows(&self) -> bool {
        matches!(self.verdict, Verdict::Allow { .. })
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
