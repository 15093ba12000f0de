//! The team's proposals as the Approvals and Send screens exchange them
//! (`accord_node::team`): a proposal with its preview, votes and result, a
//! vote, and a previewed send proposed to the team.

use serde::{Deserialize, Serialize};

use crate::PreviewView;

/// A member's vote on a team proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteCard {
    /// The member's name.
    pub name: String,
    /// `approve` or `reject`.
    pub vote: String,
    /// Why (a rejection).
    pub reason: String,
    /// When.
    pub at: i64,
}

/// A team proposal, as the Approvals screen shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalCard {
    /// Its id (hex).
    pub id: String,
    /// The wallet's name.
    pub wallet: String,
    /// The chain.
    pub chain: String,
    /// The proposer's note.
    pub note: String,
    /// Who proposed it.
    pub proposer: String,
    /// When.
    pub created_at: i64,
    /// When it closes unsigned.
    pub expires_at: i64,
    /// `open`, `ready`, `done`, `rejected` or `expired`.
    pub status: String,
    /// Approvals so far.
    pub approvals: u32,
    /// Approvals needed.
    pub needs: u16,
    /// Every vote, in the order it arrived here.
    pub votes: Vec<VoteCard>,
    /// What it does (computed here from its bytes).
    pub preview: Option<PreviewView>,
    /// Whether it waits for this device's user.
    pub waiting: bool,
    /// Whether this device only proposes to the wallet (no share: it
    /// cannot approve or reject).
    #[serde(default)]
    pub proposer_only: bool,
    /// The signed transaction, once done.
    pub signed: Option<String>,
    /// Its txid, once done.
    pub txid: Option<String>,
}

/// The user's answer to a team proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteProposal {
    /// The proposal's id.
    pub id: String,
    /// Approve or reject.
    pub approve: bool,
    /// Why not, when rejecting.
    pub reason: Option<String>,
}

/// A previewed send proposed to the team (`prepare_send`'s draft).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposeDraft {
    /// The draft.
    pub draft: String,
    /// What it is for, shown to every member.
    pub note: String,
}
