//! The store's typed records: what a wallet, a member, a paired device and
//! a new wallet are, parsed at the store's edge (a row that does not parse
//! is [`StoreError::Corrupt`], never a half-typed value).

use std::sync::Arc;

use accord_mpc::{GroupKey, KeyShare, Scheme};
use iroh::{EndpointAddr, EndpointId};

use super::StoreError;
use crate::session::Role;
use crate::wallet::Network;
use crate::wire::SessionBytes;

/// A wallet as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletRecord {
    /// Its id (hex of 16 random bytes).
    pub id: String,
    /// Its unique name.
    pub name: String,
    /// `t`.
    pub threshold: u16,
    /// `n`.
    pub parties: u16,
    /// This device's party id.
    pub party: u8,
    /// Its network.
    pub network: Network,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// The key epoch of this device's shares (0 after key generation; each
    /// refresh or replacement adds one).
    pub epoch: u64,
}

/// A member of a wallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Its party id in the wallet (1..=n).
    pub party: u8,
    /// Its device (endpoint) id.
    pub device: EndpointId,
    /// Its name.
    pub name: String,
    /// How to reach it, as last learned.
    pub addr: EndpointAddr,
    /// What it is to the wallet.
    pub role: Role,
}

/// A device this one is paired with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairedDevice {
    /// Its device (endpoint) id.
    pub id: EndpointId,
    /// What it calls itself.
    pub name: String,
    /// How to reach it, as last learned.
    pub addr: EndpointAddr,
    /// Seconds since the epoch.
    pub paired_at: i64,
    /// When a message from it last arrived.
    pub last_seen: Option<i64>,
}

/// A wallet to store: this device's shares, the group keys (from them) and
/// every member.
#[derive(Debug)]
pub struct NewWalletOwned {
    /// The id every member uses for it (hex).
    pub id: String,
    /// Its unique name on this device.
    pub name: String,
    /// Its network.
    pub network: Network,
    /// This device's shares, one per scheme.
    pub shares: Vec<Arc<KeyShare>>,
    /// Every member, this device included.
    pub members: Vec<Member>,
    /// The key generation session that made it.
    pub session: SessionBytes,
    /// The key epoch of the shares (0 for a new wallet; a restored backup's).
    pub epoch: u64,
    /// The device that invited the members (it decides the commit).
    pub initiator: EndpointId,
    /// The wallet's first policy, agreed at creation (stored with it).
    pub policy: Option<crate::policy::PolicyDocument>,
    /// This device's signed approval of it (stored with it).
    pub policy_approval: Vec<crate::policy::Endorsement>,
}

/// A wallet whose creation is not committed yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingWallet {
    /// The wallet.
    pub record: WalletRecord,
    /// The key generation session.
    pub session: SessionBytes,
    /// Who decides whether it is created.
    pub initiator: EndpointId,
}

/// What this device knows of a key generation's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeygenOutcome {
    /// The wallet is committed here.
    Committed,
    /// Stored here, not committed.
    Pending,
    /// No wallet of that session here.
    Unknown,
}

/// The group key as stored: Taproot `Q ‖ P`, otherwise [`GroupKey::to_bytes`].
pub fn group_key_bytes(key: &GroupKey) -> Vec<u8> {
    match key {
        GroupKey::Taproot {
            output_key,
            internal_key,
        } => [output_key.as_slice(), internal_key.as_slice()].concat(),
        other => other.to_bytes(),
    }
}

/// The group key stored as `bytes` for `scheme`.
pub(crate) fn parse_group_key(scheme: Scheme, bytes: &[u8]) -> Option<GroupKey> {
    match scheme {
        Scheme::FrostTaproot => {
            let (q, p) = bytes.split_at_checked(32)?;
            Some(GroupKey::Taproot {
                output_key: q.try_into().ok()?,
                internal_key: p.try_into().ok()?,
            })
        }
        Scheme::FrostEd25519 => Some(GroupKey::Ed25519(bytes.try_into().ok()?)),
        Scheme::Ecdsa => Some(GroupKey::Secp256k1(bytes.try_into().ok()?)),
    }
}

/// Parses a stored device id.
pub(crate) fn device_id(text: &str) -> Result<EndpointId, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("device id {:?}", truncate(text))))
}

/// Parses a stored address (JSON of an iroh `EndpointAddr`); one whose id
/// is not `id` is corrupt.
pub(crate) fn addr(text: &str, id: EndpointId) -> Result<EndpointAddr, StoreError> {
    match serde_json::from_str::<EndpointAddr>(text) {
        Ok(a) if a.id == id => Ok(a),
        // Stored by an older build without an address: the id alone.
        _ if text.is_empty() => Ok(EndpointAddr::new(id)),
        _ => Err(StoreError::Corrupt(format!("the address of device {id}"))),
    }
}

/// An address as stored.
pub(crate) fn addr_text(addr: &EndpointAddr) -> String {
    serde_json::to_string(addr).unwrap_or_default()
}

/// Parses a stored role (older rows: by the device's name, else `member`).
pub(crate) fn role(text: &str, name: &str) -> Role {
    text.parse()
        .or_else(|_| name.parse())
        .unwrap_or(Role::Member)
}

/// Parses a stored network.
pub(crate) fn network(text: &str) -> Result<Network, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("network {:?}", truncate(text))))
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}
