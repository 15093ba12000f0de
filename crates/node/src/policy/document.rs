//! The policy document: what a wallet's co-signers sign, per chain (per EVM
//! chain id) and per asset, written as JSON and identified by the SHA-256
//! of its canonical form.
//!
//! ```json
//! {
//!   "wallet_id": "9f2c…",
//!   "version": 2,
//!   "previous": "5be1…",
//!   "chains": [
//!     {"chain": "ethereum", "chain_id": 1, "recipients": "book_or_delay", "tokens": true,
//!      "assets": [
//!        {"asset": "native", "max_per_tx": "500000000000000000",
//!         "max_per_window": "1000000000000000000", "window": 86400,
//!         "delay_over": "100000000000000000"},
//!        {"asset": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "max_per_tx": "1000000000"}]}
//!   ],
//!   "address_book": [
//!     {"chain": "ethereum", "address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "name": "savings"}
//!   ],
//!   "delay": 172800,
//!   "replace_delay": 259200,
//!   "required_approvers": []
//! }
//! ```
//!
//! Amounts are base units (satoshi, wei, lamports, a token's smallest
//! unit) as decimal integers without leading zeros; durations are seconds.
//! Unknown fields are refused, so a misspelt `max_per_tx` cannot silently
//! remove a cap, and every asset that may move has a cap: there is no
//! "no limit".

use accord_chains::Chain;
use accord_chains::ethereum::U256;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The longest delay or window a document may state: a year.
pub const MAX_SECONDS: u64 = 366 * 24 * 3600;

/// The most address book entries, chains and assets a document holds:
/// a bound on what a peer can make a device store and check.
pub const MAX_ENTRIES: usize = 1024;

/// The longest name in the address book, in characters.
pub const MAX_NAME: usize = 64;

/// Domain separation of the document hash.
const HASH_DOMAIN: &[u8] = b"accord policy document v1\0";

/// One version of a wallet's policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDocument {
    /// The wallet it governs (hex): a document cannot be replayed on
    /// another wallet.
    pub wallet_id: String,
    /// 1 for the policy agreed at creation, then one more per change.
    pub version: u64,
    /// The hash ([`PolicyDocument::hash`], hex) of the version this one
    /// replaces; `None` only for version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// At most one entry per chain (per chain id on EVM chains); a chain
    /// without one is refused.
    pub chains: Vec<ChainRules>,
    /// Named destinations.
    #[serde(default)]
    pub address_book: Vec<BookEntry>,
    /// How long, in seconds, a delayed transfer waits before the recovery
    /// server co-signs it, and a loosening of this policy waits before it
    /// takes effect.
    pub delay: u64,
    /// How long, in seconds, the recovery server waits before it helps
    /// replace a member's device.
    pub replace_delay: u64,
    /// Device ids (hex) that must be among the signers of every
    /// transaction.
    #[serde(default)]
    pub required_approvers: Vec<String>,
}

/// What may be signed on one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainRules {
    /// The chain (`"bitcoin"`, `"ethereum"`, `"solana"`).
    pub chain: Chain,
    /// The EVM chain id (EIP-155) the rules are for; required for
    /// `ethereum`, absent for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// Who may receive.
    pub recipients: Recipients,
    /// Whether tokens may move at all (each still needs its own
    /// [`AssetLimits`]).
    pub tokens: bool,
    /// The limits per asset; an asset without limits does not move.
    pub assets: Vec<AssetLimits>,
}

/// Who may receive a transfer, an allowance or a closed account's balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipients {
    /// Only addresses in the address book.
    BookOnly,
    /// Addresses in the book at once; others after the policy's delay.
    BookOrDelay,
    /// Anyone.
    Anyone,
}

/// The limits of one asset on one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetLimits {
    /// `"native"` (BTC, ETH or the EVM chain's coin, SOL) or the token's
    /// contract (EVM) or mint (Solana).
    pub asset: String,
    /// The most one transaction may move, in base units.
    pub max_per_tx: String,
    /// The most all transactions within `window` seconds may move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_window: Option<String>,
    /// The rolling window of `max_per_window`, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<u64>,
    /// Transfers moving more than this wait the policy's delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_over: Option<String>,
}

/// A named destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookEntry {
    /// The chain of the address.
    pub chain: Chain,
    /// The address, in the chain's text form.
    pub address: String,
    /// What people call it.
    pub name: String,
}

/// Why a text is not a valid policy document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// Not JSON of a document's shape.
    #[error("not a policy document: {detail}")]
    Json {
        /// The JSON parser's message.
        detail: String,
    },
    /// A field breaks a rule the type cannot express.
    #[error("invalid policy document: {detail}")]
    Invalid {
        /// What and where.
        detail: String,
    },
}

fn invalid(detail: impl Into<String>) -> DocumentError {
    DocumentError::Invalid {
        detail: detail.into(),
    }
}

/// An amount of base units as written in a document: digits, no leading
/// zero (so one amount has one spelling, and one document one hash), at
/// most 256 bits.
pub fn parse_units(text: &str) -> Option<U256> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    U256::from_str_radix(text, 10).ok()
}

/// `true` when `a` and `b` are the same address on `chain` (EVM addresses
/// ignore case; others compare exactly).
pub fn same_address(chain: Chain, a: &str, b: &str) -> bool {
    match chain {
        Chain::Ethereum => a.eq_ignore_ascii_case(b),
        Chain::Bitcoin | Chain::Solana => a == b,
    }
}

fn is_hex_id(text: &str) -> bool {
    text.len() == 64 && is_lower_hex(text)
}

fn is_lower_hex(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl PolicyDocument {
    /// Parses and checks a document.
    pub fn from_json(text: &str) -> Result<PolicyDocument, DocumentError> {
        let doc: PolicyDocument = serde_json::from_str(text).map_err(|e| DocumentError::Json {
            detail: e.to_string(),
        })?;
        doc.check()?;
        Ok(doc)
    }

    /// The document as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Cannot fail: strings, integers, booleans, options, sequences and
        // unit-variant enums.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The canonical bytes: compact JSON, fields in declaration order.
    pub fn canonical(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The document's identity: SHA-256 of a domain tag and its canonical
    /// bytes. What members sign, and what the next version names.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(HASH_DOMAIN);
        h.update(self.canonical());
        h.finalize().into()
    }

    /// [`PolicyDocument::hash`] as lower-case hex.
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash())
    }

    /// The rules for `chain` (and, on EVM chains, `chain_id`).
    pub fn rules(&self, chain: Chain, chain_id: Option<u64>) -> Option<&ChainRules> {
        self.chains
            .iter()
            .find(|c| c.chain == chain && c.chain_id == chain_id)
    }

    /// The book's name for `address` on `chain`.
    pub fn name_of(&self, chain: Chain, address: &str) -> Option<&str> {
        self.address_book
            .iter()
            .find(|e| e.chain == chain && same_address(chain, &e.address, address))
            .map(|e| e.name.as_str())
    }

    /// Checks what the type does not: one entry per chain, per asset and
    /// per address; chain ids exactly on EVM chains; amounts in canonical
    /// form; windows with their maximum; bounded durations and sizes.
    pub fn check(&self) -> Result<(), DocumentError> {
        if self.wallet_id.is_empty() || self.wallet_id.len() > 64 || !is_lower_hex(&self.wallet_id)
        {
            return Err(invalid("wallet_id is not 1 to 64 lower-case hex digits"));
        }
        match (self.version, &self.previous) {
            (0, _) => return Err(invalid("version starts at 1")),
            (1, Some(_)) => return Err(invalid("version 1 replaces nothing: no previous")),
            (1, None) => {}
            (_, None) => return Err(invalid("a version after 1 names its previous")),
            (_, Some(p)) if !is_hex_id(p) => {
                return Err(invalid("previous is not a hash (64 lower-case hex digits)"));
            }
            _ => {}
        }
        if self.chains.len() > MAX_ENTRIES || self.address_book.len() > MAX_ENTRIES {
            return Err(invalid(format!("more than {MAX_ENTRIES} entries")));
        }
        if self.delay > MAX_SECONDS || self.replace_delay > MAX_SECONDS {
            return Err(invalid("a delay is longer than a year"));
        }
        for (i, c) in self.chains.iter().enumerate() {
            check_chain(c)?;
            if self.chains[..i]
                .iter()
                .any(|o| o.chain == c.chain && o.chain_id == c.chain_id)
            {
                return Err(invalid(format!("two entries for {}", c.chain)));
            }
        }
        for (i, e) in self.address_book.iter().enumerate() {
            if e.address.trim().is_empty() || e.address.trim() != e.address {
                return Err(invalid("an address book entry has no address"));
            }
            let name_ok = !e.name.trim().is_empty()
                && e.name.chars().count() <= MAX_NAME
                && !e.name.chars().any(char::is_control);
            if !name_ok {
                return Err(invalid(format!(
                    "the name of {} must be 1 to {MAX_NAME} printable characters",
                    e.address
                )));
            }
            if self.address_book[..i]
                .iter()
                .any(|o| o.chain == e.chain && same_address(e.chain, &o.address, &e.address))
            {
                return Err(invalid(format!(
                    "{} is in the address book twice",
                    e.address
                )));
            }
        }
        for (i, a) in self.required_approvers.iter().enumerate() {
            if !is_hex_id(a) || self.required_approvers[..i].contains(a) {
                return Err(invalid("required_approvers must be distinct device ids"));
            }
        }
        Ok(())
    }
}

fn check_chain(c: &ChainRules) -> Result<(), DocumentError> {
    match (c.chain, c.chain_id) {
        (Chain::Ethereum, None) => {
            return Err(invalid("ethereum rules need a chain_id"));
        }
        (Chain::Bitcoin | Chain::Solana, Some(_)) => {
            return Err(invalid(format!("{} rules take no chain_id", c.chain)));
        }
        _ => {}
    }
    if c.assets.len() > MAX_ENTRIES {
        return Err(invalid(format!("more than {MAX_ENTRIES} assets")));
    }
    for (i, a) in c.assets.iter().enumerate() {
        let what = format!("{} {}", c.chain, a.asset);
        if a.asset.trim().is_empty() || a.asset.trim() != a.asset {
            return Err(invalid(format!("{}: an asset without a name", c.chain)));
        }
        if c.chain == Chain::Bitcoin && a.asset != "native" {
            return Err(invalid("bitcoin has no tokens"));
        }
        if c.assets[..i]
            .iter()
            .any(|o| same_address(c.chain, &o.asset, &a.asset))
        {
            return Err(invalid(format!("two limits for {what}")));
        }
        let amount = |field: &str, v: &str| {
            parse_units(v).map(|_| ()).ok_or_else(|| {
                invalid(format!(
                    "{what}: {field} {v:?} is not a whole number of base units"
                ))
            })
        };
        amount("max_per_tx", &a.max_per_tx)?;
        if let Some(v) = &a.delay_over {
            amount("delay_over", v)?;
        }
        match (&a.max_per_window, a.window) {
            (None, None) => {}
            (Some(v), Some(w)) => {
                amount("max_per_window", v)?;
                if w == 0 || w > MAX_SECONDS {
                    return Err(invalid(format!("{what}: window must be 1 s to a year")));
                }
            }
            _ => {
                return Err(invalid(format!(
                    "{what}: max_per_window and window come together"
                )));
            }
        }
    }
    Ok(())
}
