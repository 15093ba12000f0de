//! Teams (issue 14): proposals as durable, asynchronous objects. Any
//! member proposes a transaction (its raw unsigned bytes, chain, wallet, a
//! note, an expiry); every member stores it and previews it itself; each
//! member's person approves or rejects whenever they next look, with a
//! statement signed by the device's identity key (Ed25519, RFC 8032) over
//! the proposal's id, so any member can relay it and all verify it. Once
//! approvals from a quorum are in, the approving member with the lowest
//! party index signs with the other approvers — automatically, by its
//! running node — and every member keeps the result after checking its
//! signatures itself. Rejections that leave no quorum possible, and the
//! expiry, close a proposal; a closed proposal is never signed.
//!
//! Delivery (`crate::runner::team_sync`): pushed to every member that is
//! online when something changes, and kept by every member, so one that
//! comes online later pulls it from whichever member it reaches first.
//!
//! Proposer-only devices ([`Grant`]): paired with a member, no share; they
//! propose, never approve.

mod conflict;
mod proposal;
mod proposer;
mod status;

pub use conflict::conflicts;
pub use proposal::{MAX_NOTE, TeamProposal, Vote, VoteError, VoteKind, vote};
pub use proposer::{Grant, GrantError, MAX_NAME, WalletCard, grant};
pub use status::{Status, Tally, tally};

#[cfg(test)]
mod tests;
