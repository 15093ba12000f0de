//! Where a proposal stands, from its votes, the wallet's members and the
//! time — computed by each member for itself, never taken from a peer.

use std::collections::BTreeSet;

use super::proposal::{Vote, VoteKind};

/// Where a proposal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Waiting for approvals.
    Open,
    /// A quorum approved: its signer signs when the approvers are online.
    Ready,
    /// Signed (the signed transaction is kept).
    Done,
    /// So many members rejected it that no quorum can approve it.
    Rejected,
    /// Past its expiry, unsigned: never signed.
    Expired,
    /// Another proposal spending the same nonce or inputs was signed.
    Superseded,
}

impl Status {
    /// `open`, `ready`, `done`, `rejected`, `expired`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Ready => "ready",
            Status::Done => "done",
            Status::Rejected => "rejected",
            Status::Expired => "expired",
            Status::Superseded => "superseded",
        }
    }

    /// Whether it can still be signed.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Open | Status::Ready)
    }
}

/// The count of a proposal's votes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    /// Where it stands.
    pub status: Status,
    /// The members (device ids) that approved, in party order.
    pub approvers: Vec<String>,
    /// The members that rejected.
    pub rejecters: Vec<String>,
    /// How many approvals it needs.
    pub needs: u16,
}

impl Tally {
    /// The same tally, closed as [`Status::Superseded`] if it was live and
    /// `superseded` says so.
    pub fn superseded_if(mut self, superseded: bool) -> Tally {
        if superseded && self.status.is_live() {
            self.status = Status::Superseded;
        }
        self
    }
}

/// Counts `votes` (already verified) among `members` (device ids in party
/// order, share-holding members only) of a `threshold`-of-n wallet.
pub fn tally(
    votes: &[Vote],
    members: &[String],
    threshold: u16,
    signed: bool,
    expires_at: i64,
    now: i64,
) -> Tally {
    let by = |kind: VoteKind| -> Vec<String> {
        let voted: BTreeSet<&str> = votes
            .iter()
            .filter(|v| v.kind == kind)
            .map(|v| v.device.as_str())
            .collect();
        members
            .iter()
            .filter(|m| voted.contains(m.as_str()))
            .cloned()
            .collect()
    };
    let approvers = by(VoteKind::Approve);
    let rejecters = by(VoteKind::Reject);
    let n = members.len();
    let t = usize::from(threshold);
    let status = if signed {
        Status::Done
    } else if now >= expires_at {
        Status::Expired
    } else if rejecters.len() > n.saturating_sub(t) {
        Status::Rejected
    } else if approvers.len() >= t {
        Status::Ready
    } else {
        Status::Open
    };
    Tally {
        status,
        approvers,
        rejecters,
        needs: threshold,
    }
}
