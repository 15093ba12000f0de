//! The spend ledger: what a co-signer has co-signed, per chain, chain id and
//! asset, with when — the memory behind a maximum per rolling window.
//!
//! A co-signer writes a signing's spends in the same durable step as its
//! nonce journal (before its signature share leaves), so neither a crash
//! nor a retry of the same transaction can spend a window twice: a retry
//! of a transaction already recorded (same session) adds nothing.

use super::document::same_address;
use accord_chains::Chain;
use accord_chains::ethereum::U256;

/// What one signature moves of one asset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spend {
    /// The chain.
    pub chain: Chain,
    /// The EVM chain id.
    pub chain_id: Option<u64>,
    /// `"native"` or the token's contract or mint.
    pub asset: String,
    /// Base units.
    pub amount: U256,
}

/// A spend as recorded, with when and for which transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    /// What.
    pub spend: Spend,
    /// Seconds since the Unix epoch when it was recorded.
    pub at: u64,
    /// The transaction (SHA-256 of its unsigned bytes).
    pub tx: [u8; 32],
}

/// The sum of the ledger's spends of `asset` on `chain` (and `chain_id`)
/// recorded after `since`, but those of transaction `tx` itself (a retry
/// of a transaction is not counted against itself) — saturating: a sum
/// past 2^256 counts as the largest amount.
pub fn spent_since(
    ledger: &[LedgerEntry],
    key: (Chain, Option<u64>, &str),
    since: u64,
    tx: Option<&[u8; 32]>,
) -> U256 {
    let (chain, chain_id, asset) = key;
    ledger
        .iter()
        .filter(|e| {
            e.at > since
                && tx != Some(&e.tx)
                && e.spend.chain == chain
                && e.spend.chain_id == chain_id
                && same_address(chain, &e.spend.asset, asset)
        })
        .fold(U256::ZERO, |acc, e| acc.saturating_add(e.spend.amount))
}
