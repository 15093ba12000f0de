//! The Policy screen's requests and answers: the wallet's policy in force
//! and in words, its address book, pending versions with who signed and
//! when they come into force, the transfers it delays, and a change
//! proposed, approved or cancelled on this device. Amounts in a change are
//! decimal strings in the chain's native coin (`0.5` ETH).

use serde::{Deserialize, Serialize};

/// A wallet's policy as this device holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyScreen {
    /// The wallet's id.
    pub wallet_id: String,
    /// The version in force, if any.
    pub active: Option<PolicyVersionView>,
    /// Versions not in force: pending or cancelled.
    pub pending: Vec<PolicyVersionView>,
    /// The address book of the version in force.
    pub book: Vec<BookEntryView>,
    /// Transfers the policy delays.
    pub delayed: Vec<DelayedTransferView>,
    /// The EVM chain ids the version in force has rules for.
    #[serde(default)]
    pub evm_chain_ids: Vec<u64>,
    /// This device's clock when it answered (seconds since the epoch).
    pub now: u64,
}

/// One version of a policy and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyVersionView {
    /// Its number.
    pub version: u64,
    /// Its hash (hex).
    pub hash: String,
    /// `active`, `pending` or `cancelled`.
    pub status: String,
    /// Its rules, in words.
    pub rules: Vec<String>,
    /// The names of the devices that approved it.
    pub approved_by: Vec<String>,
    /// Signatures still needed.
    pub needs: usize,
    /// When it comes into force, once its signatures are in.
    pub effective_at: Option<u64>,
    /// What it loosens, in words.
    pub loosens: Vec<String>,
    /// Whether this device signed it.
    pub signed_here: bool,
    /// Who cancelled it.
    pub cancelled_by: Option<String>,
}

/// An address book entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookEntryView {
    /// The chain.
    pub chain: String,
    /// The address.
    pub address: String,
    /// Its name.
    pub name: String,
}

/// A transfer the policy delays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayedTransferView {
    /// Its id (12 hex digits).
    pub id: String,
    /// What it moves, in words.
    pub summary: String,
    /// When the last member's delay is over.
    pub eligible_at: u64,
    /// The members that cancelled it.
    pub cancelled_by: Vec<String>,
}

/// A change of the wallet's policy, proposed on this device; `None` (or
/// empty) leaves a rule as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyChange {
    /// The wallet.
    pub wallet_id: String,
    /// The chain whose rules change.
    pub chain: String,
    /// The EVM chain id (Ethereum).
    #[serde(default)]
    pub chain_id: Option<u64>,
    /// The most one transfer may move, in the native coin.
    #[serde(default)]
    pub max_per_tx: Option<String>,
    /// The most all transfers may move in `window_secs`, in the native coin.
    #[serde(default)]
    pub max_per_window: Option<String>,
    /// The window, in seconds.
    #[serde(default)]
    pub window_secs: Option<u64>,
    /// Transfers over this wait the delay, in the native coin.
    #[serde(default)]
    pub delay_over: Option<String>,
    /// `book-only`, `book-or-delay` or `anyone`.
    #[serde(default)]
    pub recipients: Option<String>,
    /// An address to add to the book, and its name.
    #[serde(default)]
    pub allow: Option<(String, String)>,
    /// The wallet's delay, in seconds.
    #[serde(default)]
    pub delay_secs: Option<u64>,
}

/// A statement about a pending version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyStatement {
    /// The wallet.
    pub wallet_id: String,
    /// The version.
    pub version: u64,
    /// Its hash.
    pub hash: String,
    /// `approve` or `cancel`.
    pub statement: String,
}

/// A delayed transfer, by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRef {
    /// The wallet.
    pub wallet_id: String,
    /// The transfer's id.
    pub id: String,
}
