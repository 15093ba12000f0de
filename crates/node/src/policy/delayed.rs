//! Delayed transfers: what a policy delays (more than `delay_over`, or to
//! a recipient outside the address book under `book_or_delay`) is queued
//! by each co-signer that delays it, and co-signed by the recovery server
//! only when proposed again once the delay has passed — unless a member
//! cancelled it meanwhile (the delays of Casa and Nunchuk).
//!
//! A transfer is known by its *intent* ([`intent`]): the wallet, the chain
//! (and EVM chain id) and what moves to whom — not the transaction's bytes,
//! which change with the fee, the nonce or (Solana) the recent blockhash
//! between the first proposal and the one after the delay. An intent is
//! co-signed once: its entry is marked used by the transaction signed, in
//! the same durable write as the nonces and the spend ledger, so the same
//! transfer again waits again. A queued entry not used within
//! [`READY_FOR`] of its end is forgotten (proposing it then starts a new
//! delay). A cancel is for good: the same intent stays refused (a
//! different amount or recipient is a new transfer, with its own delay).
//!
//! A member cancels with a statement its identity key signs (Ed25519, RFC
//! 8032) over a domain tag, the wallet id and the intent; every co-signer
//! checks it came from a member before it keeps it.

use accord_chains::{Asset, Chain, Effect, Preview};
use iroh::SecretKey;
use sha2::{Digest as _, Sha256};

use super::signed::{self, Endorsement, SignatureError, Statement};

/// How long after its delay a queued transfer may still be co-signed.
pub const READY_FOR: u64 = 7 * 24 * 3600;

/// Domain separation of intents.
const INTENT_DOMAIN: &[u8] = b"accord delayed transfer intent v1\0";

/// Domain separation of cancel statements.
const CANCEL_DOMAIN: &[u8] = b"accord delayed transfer cancel v1\0";

/// A transfer's intent: SHA-256 of what it moves to whom.
pub type Intent = [u8; 32];

/// A transfer as this device queued it (or as a member reported it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelayedTransfer {
    /// Its intent.
    pub intent: Intent,
    /// What it moves, in words.
    pub summary: String,
    /// When it was first proposed here (seconds since the epoch).
    pub first_seen: u64,
    /// When the delay is over.
    pub eligible_at: u64,
    /// The transaction (digest of its unsigned bytes) it was co-signed as.
    pub used_by: Option<[u8; 32]>,
    /// The member devices (hex) that cancelled it.
    pub cancelled_by: Vec<String>,
}

/// Where a delayed transfer stands on the device that delays it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Queue {
    /// Not queued yet (or its entry was used or forgotten): it is queued
    /// now, co-signed from `eligible_at`.
    New {
        /// When the delay will be over.
        eligible_at: u64,
    },
    /// Queued; the delay is not over.
    Waiting {
        /// When it will be.
        eligible_at: u64,
    },
    /// The delay is over and nobody cancelled: co-sign.
    Ready {
        /// When it was over.
        eligible_at: u64,
    },
    /// A member cancelled it.
    Cancelled {
        /// The device that did (hex).
        by: String,
    },
}

impl Queue {
    /// Where the transfer `tx` (digest) of intent `entry` stands at `now`,
    /// with a delay of `seconds`.
    pub fn of(entry: Option<&DelayedTransfer>, now: u64, seconds: u64, tx: &[u8; 32]) -> Queue {
        let fresh = Queue::New {
            eligible_at: now.saturating_add(seconds),
        };
        let Some(e) = entry else { return fresh };
        // A cancel is for good: the same transfer again stays refused.
        if let Some(by) = e.cancelled_by.first() {
            return Queue::Cancelled { by: by.clone() };
        }
        if now > e.eligible_at.saturating_add(READY_FOR)
            || e.used_by.as_ref().is_some_and(|used| used != tx)
        {
            return fresh;
        }
        if now >= e.eligible_at {
            Queue::Ready {
                eligible_at: e.eligible_at,
            }
        } else {
            Queue::Waiting {
                eligible_at: e.eligible_at,
            }
        }
    }
}

/// The intent of the transfer `preview` shows, for wallet `wallet_id`:
/// the chain, the EVM chain id, and every transfer (asset, recipient,
/// amount) and allowance (token, spender, amount), in a canonical order.
pub fn intent(wallet_id: &str, preview: &Preview) -> Intent {
    let chain = preview.chain;
    // EVM addresses are case-insensitive (EIP-55 only adds a checksum).
    let addr = |a: &str| match chain {
        Chain::Ethereum => a.to_ascii_lowercase(),
        Chain::Bitcoin | Chain::Solana => a.to_owned(),
    };
    let mut lines: Vec<String> = preview
        .transfers
        .iter()
        .map(|t| {
            let asset = match &t.asset {
                Asset::Native => "native".to_owned(),
                Asset::Token { address, .. } => addr(address),
            };
            format!("transfer {asset} {} {}", addr(&t.to), t.amount.units())
        })
        .collect();
    for (token, spender, amount) in allowances(preview) {
        lines.push(format!(
            "approve {} {} {amount}",
            addr(token),
            addr(spender)
        ));
    }
    lines.sort();
    let mut h = Sha256::new();
    h.update(INTENT_DOMAIN);
    h.update(wallet_id.as_bytes());
    h.update([0]);
    h.update(chain.to_string().as_bytes());
    h.update([0]);
    h.update(
        preview
            .details
            .get("chain_id")
            .map(String::as_str)
            .unwrap_or("")
            .as_bytes(),
    );
    for line in lines {
        h.update([0]);
        h.update(line.as_bytes());
    }
    h.finalize().into()
}

/// The allowances `preview` grants: (token, spender, amount).
fn allowances(
    preview: &Preview,
) -> impl Iterator<Item = (&String, &String, &accord_chains::ethereum::U256)> {
    preview.effects.iter().filter_map(|e| match e {
        Effect::Approval {
            token,
            spender,
            amount,
            ..
        } => Some((token, spender, amount)),
        _ => None,
    })
}

/// What `preview` moves, in words: `0.07 ETH to 0xab…`, one per transfer.
pub fn summary(preview: &Preview) -> String {
    let mut parts: Vec<String> = preview
        .transfers
        .iter()
        .map(|t| format!("{} to {}", t.display(), t.to))
        .collect();
    for (token, spender, amount) in allowances(preview) {
        parts.push(format!(
            "an allowance of {amount} base units of {token} to {spender}"
        ));
    }
    if parts.is_empty() {
        parts.push("nothing".into());
    }
    format!("{} on {}", parts.join(", "), preview.chain)
}

/// The bytes a cancel of `intent` in wallet `wallet_id` signs.
pub fn cancel_message(wallet_id: &str, intent: &Intent) -> Vec<u8> {
    let mut m = Vec::with_capacity(CANCEL_DOMAIN.len() + wallet_id.len() + 33);
    m.extend_from_slice(CANCEL_DOMAIN);
    m.extend_from_slice(wallet_id.as_bytes());
    m.push(0);
    m.extend_from_slice(intent);
    m
}

/// `key`'s signed cancel of `intent`.
pub fn sign_cancel(key: &SecretKey, wallet_id: &str, intent: &Intent) -> Endorsement {
    let signature = key.sign(&cancel_message(wallet_id, intent));
    Endorsement {
        device: hex::encode(key.public().as_bytes()),
        statement: Statement::Cancel,
        signature: hex::encode(signature.to_bytes()),
    }
}

/// Checks `cancel` is its device's signed cancel of `intent`.
pub fn verify_cancel(
    wallet_id: &str,
    intent: &Intent,
    cancel: &Endorsement,
) -> Result<(), SignatureError> {
    if cancel.statement != Statement::Cancel {
        return Err(SignatureError::Invalid {
            device: cancel.device.clone(),
        });
    }
    signed::check(&cancel_message(wallet_id, intent), cancel)
}

/// An intent as people read it: its first 12 hex digits.
pub fn short(intent: &Intent) -> String {
    hex::encode(&intent[..6])
}
