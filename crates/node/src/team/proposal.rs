//! A team proposal and the members' signed votes on it. A proposal's id is
//! SHA-256 over a domain tag and every field (length-prefixed); a vote
//! signs a domain tag, the proposal's id, its wallet, approve or reject,
//! the reason and the time — so a vote cannot be moved to another
//! proposal, wallet or meaning.

use iroh::{PublicKey, SecretKey, Signature};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The longest note a proposal carries, in bytes.
pub const MAX_NOTE: usize = 1024;
/// The longest reason a rejection carries, in bytes.
const MAX_REASON: usize = 1024;

const ID_DOMAIN: &[u8] = b"accord team proposal v1\0";
const VOTE_DOMAIN: &[u8] = b"accord team vote v1\0";

/// Appends `bytes` with its length (8 bytes, big-endian) before it.
pub(super) fn field(h: &mut Vec<u8>, bytes: &[u8]) {
    h.extend_from_slice(&u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_be_bytes());
    h.extend_from_slice(bytes);
}

/// A transaction a member proposes to the team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamProposal {
    /// The wallet.
    pub wallet_id: String,
    /// `bitcoin`, `ethereum` or `solana`.
    pub chain: String,
    /// The unsigned transaction, raw.
    pub unsigned: Vec<u8>,
    /// What it is for, in the proposer's words.
    pub note: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// When it closes unsigned, seconds since the epoch.
    pub expires_at: i64,
    /// The proposing device (hex of its Ed25519 public key).
    pub proposer: String,
}

impl TeamProposal {
    /// Its id: SHA-256 over every field.
    pub fn id(&self) -> [u8; 32] {
        let mut m = ID_DOMAIN.to_vec();
        field(&mut m, self.wallet_id.as_bytes());
        field(&mut m, self.chain.as_bytes());
        field(&mut m, &self.unsigned);
        field(&mut m, self.note.as_bytes());
        m.extend_from_slice(&self.created_at.to_be_bytes());
        m.extend_from_slice(&self.expires_at.to_be_bytes());
        field(&mut m, self.proposer.as_bytes());
        Sha256::digest(&m).into()
    }

    /// Its id as lowercase hex.
    pub fn id_hex(&self) -> String {
        hex::encode(self.id())
    }
}

/// A member's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteKind {
    /// Sign it.
    Approve,
    /// Do not.
    Reject,
}

impl VoteKind {
    /// `approve` or `reject`.
    pub fn name(self) -> &'static str {
        match self {
            VoteKind::Approve => "approve",
            VoteKind::Reject => "reject",
        }
    }
}

/// A member device's signed answer to a proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// The proposal's id (hex).
    pub proposal: String,
    /// The device (hex of its Ed25519 public key).
    pub device: String,
    /// Approve or reject.
    pub kind: VoteKind,
    /// Why (a rejection's reason; may be empty).
    pub reason: String,
    /// Seconds since the epoch.
    pub at: i64,
    /// Ed25519 over the statement (hex, 64 bytes).
    pub signature: String,
}

/// Why a vote is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VoteError {
    /// For another proposal than the one it came with.
    #[error("a vote for another proposal")]
    OtherProposal,
    /// Not a device id.
    #[error("{0:?} is not a device id")]
    BadDevice(String),
    /// The signature does not verify.
    #[error("the vote of {0} does not verify")]
    Invalid(String),
    /// A reason longer than allowed.
    #[error("a reason of {0} bytes (at most {MAX_REASON})")]
    TooLong(usize),
}

fn message(p: &TeamProposal, kind: VoteKind, reason: &str, at: i64) -> Vec<u8> {
    message_for(&p.id(), &p.wallet_id, kind, reason, at)
}

fn message_for(id: &[u8; 32], wallet_id: &str, kind: VoteKind, reason: &str, at: i64) -> Vec<u8> {
    let mut m = VOTE_DOMAIN.to_vec();
    m.extend_from_slice(id);
    field(&mut m, wallet_id.as_bytes());
    field(&mut m, kind.name().as_bytes());
    field(&mut m, reason.as_bytes());
    m.extend_from_slice(&at.to_be_bytes());
    m
}

/// This device's vote on `p`, signed with its identity `key`.
pub fn vote(key: &SecretKey, p: &TeamProposal, kind: VoteKind, reason: &str, at: i64) -> Vote {
    let signature = key.sign(&message(p, kind, reason, at));
    Vote {
        proposal: p.id_hex(),
        device: hex::encode(key.public().as_bytes()),
        kind,
        reason: reason.to_owned(),
        at,
        signature: hex::encode(signature.to_bytes()),
    }
}

impl Vote {
    /// Checks that this vote is about `p` and signed by its device.
    pub fn verify(&self, p: &TeamProposal) -> Result<(), VoteError> {
        if self.proposal != p.id_hex() {
            return Err(VoteError::OtherProposal);
        }
        self.verify_in(&p.wallet_id)
    }

    /// Checks the device's signature over this vote on the proposal it
    /// names, of wallet `wallet_id` (without the proposal itself: the
    /// audit log keeps votes, not transactions).
    pub fn verify_in(&self, wallet_id: &str) -> Result<(), VoteError> {
        let id: [u8; 32] = hex::decode(&self.proposal)
            .ok()
            .and_then(|i| i.try_into().ok())
            .ok_or(VoteError::OtherProposal)?;
        if self.reason.len() > MAX_REASON {
            return Err(VoteError::TooLong(self.reason.len()));
        }
        let key = hex::decode(&self.device)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .and_then(|k| PublicKey::from_bytes(&k).ok())
            .ok_or_else(|| VoteError::BadDevice(self.device.clone()))?;
        let sig: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| VoteError::Invalid(self.device.clone()))?;
        key.verify(
            &message_for(&id, wallet_id, self.kind, &self.reason, self.at),
            &Signature::from_bytes(&sig),
        )
        .map_err(|_| VoteError::Invalid(self.device.clone()))
    }
}
