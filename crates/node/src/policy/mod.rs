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
//! - [`defaults`]: the cautious first policy of a new wallet.

pub mod change;
pub mod defaults;
pub mod document;
pub mod ledger;
pub mod rules;
pub mod signed;

pub use change::{Change, classify};
pub use document::{AssetLimits, BookEntry, ChainRules, DocumentError, PolicyDocument, Recipients};
pub use ledger::{LedgerEntry, Spend};
pub use rules::{Context, Verdict, Violation, evaluate};
pub use signed::{Endorsement, Signers, Standing, StandingError, Statement, standing};
