//! A change of a few rules — one chain's (per EVM chain id) recipients,
//! tokens and one asset's limits, the address book, the delay — applied to
//! a draft of the next version. The `accord policy propose` options and
//! the desktop's Policy screen both describe a change this way.

use accord_chains::{Chain, bitcoin, ethereum, solana};

use super::document::{
    AssetLimits, BookEntry, ChainRules, DocumentError, PolicyDocument, Recipients,
};
use crate::wallet::Network;

/// What to change; `None` leaves a rule as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyEdit {
    /// The chain whose rules change.
    pub chain: Option<Chain>,
    /// Its EVM chain id (EIP-155; Ethereum only, and needed there).
    pub chain_id: Option<u64>,
    /// The asset whose limits change: `native`, or a token contract or mint.
    pub asset: String,
    /// The most one transaction may move, in base units.
    pub max_per_tx: Option<String>,
    /// The most all transactions may move in `window` seconds.
    pub max_per_window: Option<(String, u64)>,
    /// Transfers over this many base units wait the delay.
    pub delay_over: Option<String>,
    /// Addresses to add to the book, with their names (`None`: its start).
    pub allow: Vec<(String, Option<String>)>,
    /// Who may receive.
    pub recipients: Option<Recipients>,
    /// Whether tokens may move on the chain.
    pub tokens: Option<bool>,
    /// The wallet's delay, in seconds.
    pub delay: Option<u64>,
}

/// Why an edit cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// No chain named though its rules change.
    #[error("name the chain whose rules change")]
    NoChain,
    /// Ethereum without a chain id, or a chain id elsewhere.
    #[error("{0}")]
    ChainId(&'static str),
    /// An address that does not parse for its chain.
    #[error("{address}: {detail}")]
    Address {
        /// As given.
        address: String,
        /// Why.
        detail: String,
    },
    /// A new asset without its per-transaction maximum.
    #[error("{0} has no limits yet: give its maximum per transaction")]
    NoMaximum(String),
    /// The result is not a valid document.
    #[error(transparent)]
    Document(#[from] DocumentError),
}

/// `recipients` as the CLI and the desktop name it: `book-only`,
/// `book-or-delay`, `anyone`.
pub fn parse_recipients(text: &str) -> Option<Recipients> {
    match text {
        "book-only" => Some(Recipients::BookOnly),
        "book-or-delay" => Some(Recipients::BookOrDelay),
        "anyone" => Some(Recipients::Anyone),
        _ => None,
    }
}

impl PolicyEdit {
    /// Applies the change to `doc` (a wallet of `network`), then checks it.
    pub fn apply(&self, doc: &mut PolicyDocument, network: Network) -> Result<(), EditError> {
        if let Some(delay) = self.delay {
            doc.delay = delay;
        }
        let touches_chain = !self.allow.is_empty()
            || self.recipients.is_some()
            || self.tokens.is_some()
            || self.touches_asset();
        if !touches_chain {
            doc.check()?;
            return Ok(());
        }
        let chain = self.chain.ok_or(EditError::NoChain)?;
        let chain_id = match (chain, self.chain_id) {
            (Chain::Ethereum, Some(id)) => Some(id),
            (Chain::Ethereum, None) => {
                return Err(EditError::ChainId(
                    "Ethereum rules need a chain id (1 mainnet, 11155111 Sepolia, 31337 Anvil, …)",
                ));
            }
            (_, Some(_)) => return Err(EditError::ChainId("a chain id is for Ethereum only")),
            (_, None) => None,
        };
        for (address, name) in &self.allow {
            let address = canonical(chain, address.trim(), network)?;
            let name = name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map_or_else(|| short(&address), str::to_owned);
            if doc.name_of(chain, &address).is_none() {
                doc.address_book.push(BookEntry {
                    chain,
                    address,
                    name,
                });
            }
        }
        let at = match doc
            .chains
            .iter()
            .position(|c| c.chain == chain && c.chain_id == chain_id)
        {
            Some(i) => i,
            None => {
                doc.chains.push(ChainRules {
                    chain,
                    chain_id,
                    recipients: Recipients::BookOrDelay,
                    tokens: false,
                    assets: Vec::new(),
                });
                doc.chains.len() - 1
            }
        };
        let rules = &mut doc.chains[at];
        if let Some(r) = self.recipients {
            rules.recipients = r;
        }
        if let Some(t) = self.tokens {
            rules.tokens = t;
        }
        if self.touches_asset() {
            let asset = match self.asset.trim() {
                "" | "native" => "native".to_owned(),
                token => canonical(chain, token, network)?,
            };
            let limits = match rules.assets.iter().position(|a| a.asset == asset) {
                Some(i) => &mut rules.assets[i],
                None => {
                    let max = self
                        .max_per_tx
                        .clone()
                        .ok_or_else(|| EditError::NoMaximum(asset.clone()))?;
                    rules.assets.push(AssetLimits {
                        asset,
                        max_per_tx: max,
                        max_per_window: None,
                        window: None,
                        delay_over: None,
                    });
                    let last = rules.assets.len() - 1;
                    &mut rules.assets[last]
                }
            };
            if let Some(m) = &self.max_per_tx {
                limits.max_per_tx = m.trim().to_owned();
            }
            if let Some((m, w)) = &self.max_per_window {
                limits.max_per_window = Some(m.trim().to_owned());
                limits.window = Some(*w);
            }
            if let Some(d) = &self.delay_over {
                limits.delay_over = Some(d.trim().to_owned());
            }
        }
        doc.check()?;
        Ok(())
    }

    fn touches_asset(&self) -> bool {
        self.max_per_tx.is_some() || self.max_per_window.is_some() || self.delay_over.is_some()
    }
}

fn short(address: &str) -> String {
    let head: String = address.chars().take(10).collect();
    format!("{head}…")
}

/// An address, checked and in the form the policy compares.
pub fn canonical(chain: Chain, address: &str, network: Network) -> Result<String, EditError> {
    let bad = |e: &dyn std::fmt::Display| EditError::Address {
        address: address.to_owned(),
        detail: e.to_string(),
    };
    match chain {
        Chain::Bitcoin => bitcoin::address::parse(address, network)
            .map(|a| a.to_string())
            .map_err(|e| bad(&e)),
        Chain::Ethereum => ethereum::address::parse(address)
            .map(|a| ethereum::address::checksummed(&a))
            .map_err(|e| bad(&e)),
        Chain::Solana => solana::address::parse(address)
            .map(|a| a.to_string())
            .map_err(|e| bad(&e)),
    }
}
