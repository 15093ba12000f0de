//! Member devices' signatures on policy documents, and when a signed
//! document is in force.
//!
//! A device signs with its identity key (the Ed25519 key of its iroh
//! endpoint, RFC 8032) a statement about a document's hash: that it
//! approves the document, or that it cancels it while pending. The signed
//! message is a domain tag, the statement, the wallet id and the hash, so
//! no signature can be taken for another statement, wallet or document.
//!
//! When a version is in force ([`standing`]):
//! - version 1 — the policy agreed at creation — once every member signed
//!   it;
//! - a later version must name the hash of the one in force and be its
//!   successor; a [`Change::Tightening`](super::Change) is in force once
//!   any member signed it; a loosening once as many user-held member
//!   devices as the wallet's threshold signed it (the recovery server's
//!   signature never counts), and then the *current* policy's delay has
//!   passed since that quorum was seen — so the delay cannot be shortened
//!   in the same step as anything else is loosened;
//! - a member's cancel ends a version that is not yet in force.
//!
//! Any signature that does not verify, or that comes from a device that
//! is not a member, makes the whole set invalid: a document without valid
//! signatures is never enforced.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use iroh::{PublicKey, SecretKey, Signature};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::change::{Change, classify};
use super::document::PolicyDocument;

/// Domain separation of the signed statements.
const DOMAIN: &[u8] = b"accord policy statement v1\0";

/// What a device states about a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statement {
    /// It should be in force.
    Approve,
    /// It should never come into force.
    Cancel,
}

impl Statement {
    fn tag(self) -> &'static [u8] {
        match self {
            Statement::Approve => b"approve\0",
            Statement::Cancel => b"cancel\0",
        }
    }
}

/// A device's signed statement about a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    /// The device id (hex of its Ed25519 public key).
    pub device: String,
    /// What it states.
    pub statement: Statement,
    /// The signature (hex, 64 bytes).
    pub signature: String,
}

/// Why a set of signatures is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// Not a device id.
    #[error("{device:?} is not a device id")]
    BadDevice {
        /// As written.
        device: String,
    },
    /// The signature does not verify.
    #[error("the signature of {device} on the policy does not verify")]
    Invalid {
        /// The device.
        device: String,
    },
    /// A device that is not a member of the wallet.
    #[error("{device} is not a member of this wallet")]
    NotMember {
        /// The device.
        device: String,
    },
}

/// Why a version is not the successor of the one in force.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// For another wallet.
    #[error("the policy is for another wallet")]
    OtherWallet,
    /// Not the next version, or names another previous.
    #[error("version {version} does not follow version {current} (hash {hash})")]
    NotNext {
        /// Its version.
        version: u64,
        /// The version in force.
        current: u64,
        /// The hash of the version in force.
        hash: String,
    },
    /// A first version when one is in force, or a later one when none is.
    #[error("version {version} cannot be the wallet's first policy")]
    NotFirst {
        /// Its version.
        version: u64,
    },
}

/// The statement's bytes that are signed.
pub fn message(wallet_id: &str, hash: &[u8; 32], statement: Statement) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 8 + wallet_id.len() + 1 + 32);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(statement.tag());
    m.extend_from_slice(wallet_id.as_bytes());
    m.push(0);
    m.extend_from_slice(hash);
    m
}

/// `key`'s signed `statement` about `doc`.
pub fn endorse(key: &SecretKey, doc: &PolicyDocument, statement: Statement) -> Endorsement {
    let signature = key.sign(&message(&doc.wallet_id, &doc.hash(), statement));
    Endorsement {
        device: hex::encode(key.public().as_bytes()),
        statement,
        signature: hex::encode(signature.to_bytes()),
    }
}

/// `N` bytes written as hex.
fn hex_bytes<const N: usize>(text: &str) -> Option<[u8; N]> {
    hex::decode(text).ok()?.try_into().ok()
}

/// Statements whose signature was checked in this process (a digest of
/// the signed message, the device and the signature): a policy is resolved
/// for every proposal, and checking its signatures again each time was most
/// of that cost. A hit means exactly these bytes verified before.
static VERIFIED: Mutex<BTreeSet<[u8; 32]>> = Mutex::new(BTreeSet::new());

/// The most digests [`VERIFIED`] keeps (then it starts over).
const VERIFIED_MAX: usize = 4096;

/// Checks `e` is a valid signature of its device on `doc`.
pub fn verify(doc: &PolicyDocument, e: &Endorsement) -> Result<(), SignatureError> {
    let message = message(&doc.wallet_id, &doc.hash(), e.statement);
    let seen: [u8; 32] = {
        let mut h = Sha256::new();
        h.update(&message);
        h.update(e.device.as_bytes());
        h.update([0]);
        h.update(e.signature.as_bytes());
        h.finalize().into()
    };
    let verified = || VERIFIED.lock().unwrap_or_else(PoisonError::into_inner);
    if verified().contains(&seen) {
        return Ok(());
    }
    check(&message, e)?;
    let mut set = verified();
    if set.len() >= VERIFIED_MAX {
        set.clear();
    }
    set.insert(seen);
    Ok(())
}

/// The signature check itself (iroh's Ed25519, RFC 8032).
pub(crate) fn check(message: &[u8], e: &Endorsement) -> Result<(), SignatureError> {
    let device = || e.device.clone();
    let key = hex_bytes::<32>(&e.device)
        .and_then(|k| PublicKey::from_bytes(&k).ok())
        .ok_or_else(|| SignatureError::BadDevice { device: device() })?;
    let sig = hex_bytes::<64>(&e.signature)
        .ok_or_else(|| SignatureError::Invalid { device: device() })?;
    key.verify(message, &Signature::from_bytes(&sig))
        .map_err(|_| SignatureError::Invalid { device: device() })
}

/// Who may sign a wallet's policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signers {
    /// Device ids (hex) of the members a person holds (desktops, phones).
    pub user_devices: Vec<String>,
    /// Device ids of the other members (the recovery server).
    pub others: Vec<String>,
    /// The wallet's threshold.
    pub threshold: usize,
}

impl Signers {
    fn is_member(&self, device: &str) -> bool {
        self.user_devices
            .iter()
            .chain(&self.others)
            .any(|d| d == device)
    }

    /// How many user devices a loosening needs: the threshold, or every
    /// user device when there are fewer.
    pub fn loosening_quorum(&self) -> usize {
        self.threshold.min(self.user_devices.len()).max(1)
    }
}

/// Where a version stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// In force (once the version before it is replaced).
    Active,
    /// Waiting: for `needs` more signatures, then (a loosening) for the
    /// delay to pass; `effective_at` once the signatures are in.
    Pending {
        /// Signatures still needed.
        needs: usize,
        /// When it comes into force (seconds since the epoch), once known.
        effective_at: Option<u64>,
        /// What it loosens, in words (empty for a tightening or a first
        /// version).
        loosens: Vec<String>,
    },
    /// A member cancelled it.
    Cancelled {
        /// The device that did.
        by: String,
    },
}

/// Checks `new` follows `current` (the version in force, if any).
pub fn follows(current: Option<&PolicyDocument>, new: &PolicyDocument) -> Result<(), ChainError> {
    match current {
        None if new.version == 1 => Ok(()),
        None => Err(ChainError::NotFirst {
            version: new.version,
        }),
        Some(cur) => {
            if cur.wallet_id != new.wallet_id {
                return Err(ChainError::OtherWallet);
            }
            let hash = cur.hash_hex();
            if new.version != cur.version.saturating_add(1)
                || new.previous.as_deref() != Some(hash.as_str())
            {
                return Err(ChainError::NotNext {
                    version: new.version,
                    current: cur.version,
                    hash,
                });
            }
            Ok(())
        }
    }
}

/// Where `new` stands, given the version in force, the statements about
/// it, who may sign, when (seconds since the epoch) this device first saw
/// the signatures a loosening needs (`quorum_seen`, if it has), and now.
pub fn standing(
    current: Option<&PolicyDocument>,
    new: &PolicyDocument,
    statements: &[Endorsement],
    signers: &Signers,
    quorum_seen: Option<u64>,
    now: u64,
) -> Result<Standing, StandingError> {
    follows(current, new)?;
    for e in statements {
        verify(new, e)?;
        if !signers.is_member(&e.device) {
            return Err(SignatureError::NotMember {
                device: e.device.clone(),
            }
            .into());
        }
    }
    Ok(standing_verified(
        current,
        new,
        statements,
        signers,
        quorum_seen,
        now,
    ))
}

/// [`standing`] of statements already verified as members' signatures on
/// `new`, which follows `current`.
pub(super) fn standing_verified(
    current: Option<&PolicyDocument>,
    new: &PolicyDocument,
    statements: &[Endorsement],
    signers: &Signers,
    quorum_seen: Option<u64>,
    now: u64,
) -> Standing {
    let approved = |d: &String| {
        statements
            .iter()
            .any(|e| &e.device == d && e.statement == Statement::Approve)
    };
    let change = current.map(|cur| classify(cur, new));
    let standing = standing_without_cancels(
        current,
        change.as_ref(),
        signers,
        &approved,
        quorum_seen,
        now,
    );
    // A cancel counts only while the version is not in force.
    match statements.iter().find(|e| e.statement == Statement::Cancel) {
        Some(cancel) if standing != Standing::Active => Standing::Cancelled {
            by: cancel.device.clone(),
        },
        _ => standing,
    }
}

fn standing_without_cancels(
    current: Option<&PolicyDocument>,
    change: Option<&Change>,
    signers: &Signers,
    approved: &dyn Fn(&String) -> bool,
    quorum_seen: Option<u64>,
    now: u64,
) -> Standing {
    let everyone: Vec<&String> = signers.user_devices.iter().chain(&signers.others).collect();
    match (current, change) {
        (None, _) | (_, None) => {
            let missing = everyone.iter().filter(|d| !approved(d)).count();
            if missing == 0 {
                Standing::Active
            } else {
                Standing::Pending {
                    needs: missing,
                    effective_at: None,
                    loosens: Vec::new(),
                }
            }
        }
        (Some(_), Some(Change::Tightening)) => {
            if everyone.iter().any(|d| approved(d)) {
                Standing::Active
            } else {
                Standing::Pending {
                    needs: 1,
                    effective_at: None,
                    loosens: Vec::new(),
                }
            }
        }
        (Some(cur), Some(Change::Loosening(why))) => {
            let have = signers.user_devices.iter().filter(|d| approved(d)).count();
            let want = signers.loosening_quorum();
            if have < want {
                return Standing::Pending {
                    needs: want - have,
                    effective_at: None,
                    loosens: why.clone(),
                };
            }
            let seen = quorum_seen.unwrap_or(now);
            let effective_at = seen.saturating_add(cur.delay);
            if now >= effective_at {
                Standing::Active
            } else {
                Standing::Pending {
                    needs: 0,
                    effective_at: Some(effective_at),
                    loosens: why.clone(),
                }
            }
        }
    }
}

/// Why a version cannot stand.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StandingError {
    /// A signature is invalid or not a member's.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// Not the successor of the version in force.
    #[error(transparent)]
    Chain(#[from] ChainError),
}
