//! Proposer-only devices: a device paired with a member, holding no share,
//! that may propose transactions to a wallet's team but not approve them.
//!
//! A member grants a device (or withdraws the grant) with a [`Grant`]: a
//! statement signed by the member's identity key (Ed25519, RFC 8032) over
//! a domain tag, the wallet, the device, its name, granted or withdrawn,
//! and the time. Members relay grants and keep the latest per device; a
//! proposal counts as made by a proposer only while a member's grant of it
//! stands, and its signed approval is then proof of who proposed it — it is
//! never counted towards the quorum. Members send the proposer the wallet's
//! public description ([`WalletCard`]: members, threshold, network, group
//! public keys) so that it can preview what it proposes and check results.

use iroh::{PublicKey, SecretKey, Signature};
use serde::{Deserialize, Serialize};

use super::proposal::field;
use crate::wire::InvitedMember;

const GRANT_DOMAIN: &[u8] = b"accord team proposer v1\0";
/// The longest name a grant carries, in bytes.
pub const MAX_NAME: usize = 128;

/// A member's signed statement that a device may (or may no longer)
/// propose to a wallet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The wallet.
    pub wallet_id: String,
    /// The proposer-only device (hex of its Ed25519 public key).
    pub device: String,
    /// Its person's name.
    pub name: String,
    /// `true`: it may propose; `false`: the grant is withdrawn.
    pub active: bool,
    /// The granting member's device (hex).
    pub by: String,
    /// Seconds since the epoch; the latest statement about a device counts.
    pub at: i64,
    /// Ed25519 over the statement (hex, 64 bytes).
    pub signature: String,
}

/// Why a grant is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// Not a device id.
    #[error("{0:?} is not a device id")]
    BadDevice(String),
    /// The signature does not verify.
    #[error("the grant signed by {0} does not verify")]
    Invalid(String),
    /// A name longer than allowed, or empty.
    #[error("a proposer's name must be 1 to {MAX_NAME} bytes")]
    BadName,
}

fn message(g: &Grant) -> Vec<u8> {
    let mut m = GRANT_DOMAIN.to_vec();
    field(&mut m, g.wallet_id.as_bytes());
    field(&mut m, g.device.as_bytes());
    field(&mut m, g.name.as_bytes());
    m.push(u8::from(g.active));
    m.extend_from_slice(&g.at.to_be_bytes());
    m
}

fn key_of(hex_id: &str) -> Result<PublicKey, GrantError> {
    hex::decode(hex_id)
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .and_then(|k| PublicKey::from_bytes(&k).ok())
        .ok_or_else(|| GrantError::BadDevice(hex_id.to_owned()))
}

/// A grant by the member holding `key`.
pub fn grant(
    key: &SecretKey,
    wallet_id: &str,
    device: &str,
    name: &str,
    active: bool,
    at: i64,
) -> Grant {
    let mut g = Grant {
        wallet_id: wallet_id.to_owned(),
        device: device.to_owned(),
        name: name.to_owned(),
        active,
        by: hex::encode(key.public().as_bytes()),
        at,
        signature: String::new(),
    };
    g.signature = hex::encode(key.sign(&message(&g)).to_bytes());
    g
}

impl Grant {
    /// Checks the granting device's signature and the fields (whether
    /// `by` is a member is the caller's to check).
    pub fn verify(&self) -> Result<(), GrantError> {
        if self.name.is_empty() || self.name.len() > MAX_NAME {
            return Err(GrantError::BadName);
        }
        key_of(&self.device)?;
        let key = key_of(&self.by)?;
        let sig: [u8; 64] = hex::decode(&self.signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| GrantError::Invalid(self.by.clone()))?;
        key.verify(&message(self), &Signature::from_bytes(&sig))
            .map_err(|_| GrantError::Invalid(self.by.clone()))
    }
}

/// A wallet as a proposer-only device holds it: all public.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletCard {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `t`.
    pub threshold: u16,
    /// `mainnet`, `testnet`, `signet`, `regtest`.
    pub network: String,
    /// When it was created.
    pub created_at: i64,
    /// The group public keys: scheme code and key bytes.
    pub keys: Vec<(u8, Vec<u8>)>,
    /// Its members (who approve and sign).
    pub members: Vec<InvitedMember>,
    /// The grant that lets the receiving device propose.
    pub grant: Grant,
}
