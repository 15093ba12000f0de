//! The node's messages on Accord's peer protocol (ALPN `accord/1`): every
//! frame is one [`Message`] — a tag byte, then either an `accord_mpc`
//! [`Envelope`] (tag `0`) or a postcard-encoded [`Control`] message (tag
//! `1`). Control messages carry everything around the threshold rounds:
//! invitations, proposals, joins, heartbeats, aborts and results. Decoding
//! never panics and refuses oversized or malformed input with a
//! [`WireError`]; every field a peer sends is checked again by the session
//! that receives it.

use accord_mpc::{DecodeError, Envelope};
use iroh::{EndpointAddr, EndpointId};
use serde::{Deserialize, Serialize};

use crate::session::Role;

const TAG_MPC: u8 = 0;
const TAG_CONTROL: u8 = 1;
/// The largest unsigned transaction a proposal carries: what the chains
/// crate accepts (a PSBT of up to 4 MiB).
pub const MAX_UNSIGNED: usize = 4 * 1024 * 1024;
/// The largest control message: a proposal with the largest transaction,
/// and room for the rest of it.
pub const MAX_CONTROL: usize = MAX_UNSIGNED + 64 * 1024;
/// The longest wallet or device name.
pub const MAX_NAME: usize = 64;

/// One frame's content.
#[derive(Clone, Debug)]
pub enum Message {
    /// A threshold-protocol message.
    Mpc(Envelope),
    /// Everything else.
    Control(Control),
}

/// A session id on the wire.
pub type SessionBytes = [u8; 32];

/// A member of a wallet being created, as the invitation lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitedMember {
    /// Its party id.
    pub party: u8,
    /// How to reach it (its id is its device id).
    pub addr: EndpointAddr,
    /// Its name.
    pub name: String,
    /// What it is to the wallet.
    pub role: Role,
}

/// An invitation to create a wallet: all a member's user must see before
/// round 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The session; the DKG of each scheme runs under an id derived from it.
    pub session: SessionBytes,
    /// The wallet's id on every device.
    pub wallet_id: String,
    /// Its name.
    pub name: String,
    /// `t`.
    pub threshold: u16,
    /// `mainnet`, `testnet`, `signet` or `regtest`.
    pub network: String,
    /// Every member, the inviter included.
    pub members: Vec<InvitedMember>,
    /// The wallet's first policy (a JSON document, version 1, for this
    /// wallet id); `None`: the default one ([`crate::policy::defaults`]).
    pub policy: Option<String>,
    /// `Some(epoch)`: not a new wallet but a refresh of this existing one,
    /// whose shares are of key epoch `epoch` on every member (the new
    /// shares are of `epoch + 1`; same group keys).
    pub refresh: Option<u64>,
    /// With `refresh`: the refresh replaces a lost member — `members`
    /// lists the new device at the lost one's party, which gets its shares
    /// repaired by the others first.
    pub replace: Option<Box<Replacement>>,
}

/// A lost member's replacement, as a refresh invitation carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    /// The party being replaced.
    pub party: u8,
    /// The lost device's id (removed from the wallet and banned).
    pub lost: EndpointId,
    /// The members repairing the new device's shares (every other member).
    pub helpers: Vec<u8>,
    /// The wallet's group keys (scheme code, key bytes), for the new device
    /// to check its repaired shares against.
    pub keys: Vec<(u8, Vec<u8>)>,
}

/// A signing proposal: raw unsigned transaction + wallet + chain. Each
/// co-signer computes the preview and the digests itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The session; message `i` is signed under an id derived from it.
    pub session: SessionBytes,
    /// The wallet.
    pub wallet_id: String,
    /// `bitcoin`, `ethereum` or `solana`.
    pub chain: String,
    /// The unsigned transaction, raw.
    pub unsigned: Vec<u8>,
    /// The signing parties (the proposer, who coordinates, included).
    pub signers: Vec<u8>,
    /// The key epoch of the proposer's shares: shares of different epochs
    /// cannot sign together.
    pub epoch: u64,
}

/// Control messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Control {
    /// Create a wallet with me.
    Invite(Invitation),
    /// Sign this with me.
    Propose(Proposal),
    /// Received; my user (or policy) is deciding. Sent again every
    /// heartbeat while the decision is pending, so silence means gone.
    Pending {
        /// The session.
        session: SessionBytes,
    },
    /// Approved: my threshold messages follow.
    Join {
        /// The session.
        session: SessionBytes,
    },
    /// Everyone joined: start the rounds (key generation, once every
    /// member has pinned every other).
    Start {
        /// The session.
        session: SessionBytes,
    },
    /// Not approved.
    Decline {
        /// The session.
        session: SessionBytes,
        /// Why, for the proposer's user.
        reason: String,
    },
    /// The session is over for everyone: release everything.
    Abort {
        /// The session.
        session: SessionBytes,
        /// Why.
        reason: String,
    },
    /// Key generation finished here with these group keys (scheme code →
    /// key bytes), for every member to compare.
    KeygenDone {
        /// The session.
        session: SessionBytes,
        /// The keys.
        keys: Vec<(u8, Vec<u8>)>,
    },
    /// Are you there?
    Ping {
        /// Echoed back.
        nonce: u64,
    },
    /// Here.
    Pong {
        /// The ping's nonce.
        nonce: u64,
    },
    /// Key generation: this member stored its shares durably (not usable
    /// until the inviter commits).
    Stored {
        /// The session.
        session: SessionBytes,
    },
    /// Key generation: every member stored; make the wallet usable.
    Commit {
        /// The session.
        session: SessionBytes,
    },
    /// Key generation: a member that stored and heard no decision asks the
    /// inviter for it (answered with `Commit` or `Abort`).
    Outcome {
        /// The session.
        session: SessionBytes,
    },
    /// One version of a wallet's policy and the statements about it that
    /// the sender holds (pushed to every member; each checks every
    /// signature before it keeps anything).
    Policy(PolicySync),
    /// Send me what you hold of this wallet's policy: answered with
    /// `Policy` messages, then `PolicyPulled`.
    PolicyPull {
        /// The wallet.
        wallet_id: String,
        /// Echoed in the `PolicyPulled`.
        nonce: u64,
    },
    /// Every `Policy` message answering `PolicyPull { nonce }` was sent.
    PolicyPulled {
        /// The pull's nonce.
        nonce: u64,
    },
    /// A transfer a wallet's policy delays: the sender's queue entry, and
    /// the members' cancels of it the sender holds.
    Delayed(DelayedSync),
    /// A member cancels the replacement of a device of this wallet that is
    /// waiting for its delay.
    CancelReplacement {
        /// The wallet.
        wallet_id: String,
    },
    /// A member asks to replace a device of this wallet (told to every
    /// member, the device being replaced included, so any can cancel).
    ReplacementAsked {
        /// The wallet.
        wallet_id: String,
        /// The party being replaced.
        party: u8,
        /// The new device.
        new_device: EndpointId,
        /// Its name.
        new_name: String,
    },
    /// A team proposal with the votes and result the sender holds
    /// ([`crate::team`]).
    Team(TeamItem),
    /// Send me what you hold of this wallet's team proposals (empty: of
    /// every wallet I am a member of or may propose to, with the cards of
    /// the latter).
    TeamPull {
        /// The wallet.
        wallet_id: String,
    },
    /// A member's grant of a proposer-only device, relayed to members.
    TeamGrant(Box<GrantRelay>),
    /// A wallet the receiving device may propose to (to a proposer-only
    /// device, from a member).
    TeamCard(Box<crate::team::WalletCard>),
}

/// A team proposal as members relay it: the proposal, every vote the
/// sender holds (each signed by its device) and, once signed, the
/// signatures (each receiver assembles and checks the transaction itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamItem {
    /// The proposal.
    pub proposal: crate::team::TeamProposal,
    /// The votes.
    pub votes: Vec<crate::team::Vote>,
    /// The signatures (64 bytes, ECDSA recovery id), once signed.
    pub signatures: Option<Vec<(Vec<u8>, Option<u8>)>>,
}

/// A member's grant of a proposer-only device as members relay it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRelay {
    /// The signed grant.
    pub grant: crate::team::Grant,
    /// How to reach the device.
    pub addr: EndpointAddr,
}

/// A delayed transfer as members exchange it
/// ([`crate::policy::delayed`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayedSync {
    /// The wallet.
    pub wallet_id: String,
    /// The transfer's intent.
    pub intent: [u8; 32],
    /// The sender's own queue entry of it, if it holds one.
    pub queued: Option<DelayedReport>,
    /// Members' signed cancels of it.
    pub cancels: Vec<crate::policy::Endorsement>,
}

/// A member's queue entry of a delayed transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayedReport {
    /// What it moves, in words.
    pub summary: String,
    /// When the member first saw it (its clock).
    pub first_seen: u64,
    /// When its delay is over there.
    pub eligible_at: u64,
}

/// A wallet's policy version as members exchange it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySync {
    /// The wallet.
    pub wallet_id: String,
    /// The document, as JSON.
    pub document: String,
    /// Member devices' signed statements about it.
    pub statements: Vec<crate::policy::Endorsement>,
}

impl Control {
    /// The session this message belongs to, if any.
    pub fn session(&self) -> Option<SessionBytes> {
        match self {
            Control::Invite(i) => Some(i.session),
            Control::Propose(p) => Some(p.session),
            Control::Pending { session }
            | Control::Join { session }
            | Control::Start { session }
            | Control::Decline { session, .. }
            | Control::Abort { session, .. }
            | Control::KeygenDone { session, .. }
            | Control::Stored { session }
            | Control::Commit { session }
            | Control::Outcome { session } => Some(*session),
            Control::Ping { .. }
            | Control::Pong { .. }
            | Control::Policy(_)
            | Control::PolicyPull { .. }
            | Control::PolicyPulled { .. }
            | Control::Delayed(_)
            | Control::CancelReplacement { .. }
            | Control::ReplacementAsked { .. }
            | Control::Team(_)
            | Control::TeamPull { .. }
            | Control::TeamGrant(_)
            | Control::TeamCard(_) => None,
        }
    }
}

/// Why a frame is not a message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Empty frame.
    #[error("empty message")]
    Empty,
    /// Unknown tag.
    #[error("unknown message type {0}")]
    UnknownTag(u8),
    /// A bad envelope.
    #[error("bad threshold message: {0}")]
    Envelope(#[from] DecodeError),
    /// A control message too large.
    #[error("control message too large ({0} bytes)")]
    TooLarge(usize),
    /// A control message that does not decode.
    #[error("bad control message: {0}")]
    Control(String),
}

impl Message {
    /// The frame body.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Message::Mpc(envelope) => {
                let body = envelope.encode();
                let mut out = Vec::with_capacity(1 + body.len());
                out.push(TAG_MPC);
                out.extend_from_slice(&body);
                out
            }
            Message::Control(control) => encode_control(control),
        }
    }

    /// Parses a frame body.
    pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
        let (&tag, body) = bytes.split_first().ok_or(WireError::Empty)?;
        match tag {
            TAG_MPC => Ok(Message::Mpc(Envelope::decode(body)?)),
            TAG_CONTROL => {
                if body.len() > MAX_CONTROL {
                    return Err(WireError::TooLarge(body.len()));
                }
                let control: Control =
                    postcard::from_bytes(body).map_err(|e| WireError::Control(e.to_string()))?;
                Ok(Message::Control(control))
            }
            other => Err(WireError::UnknownTag(other)),
        }
    }
}

/// A control message's frame body.
pub fn encode_control(control: &Control) -> Vec<u8> {
    let mut out = vec![TAG_CONTROL];
    // Serializing plain data into a Vec cannot fail.
    out.extend(postcard::to_allocvec(control).unwrap_or_default());
    out
}

/// Whether `name` is acceptable as a wallet or device name: 1 to
/// [`MAX_NAME`] bytes, no control characters.
pub fn valid_name(name: &str) -> bool {
    !name.trim().is_empty() && name.len() <= MAX_NAME && !name.chars().any(char::is_control)
}
