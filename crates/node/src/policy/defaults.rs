//! The first policy of a new wallet when its creator names none: cautious.
//!
//! Per chain of the wallet's network (Ethereum: the network's usual chain
//! ids — mainnet 1; testnet, signet Sepolia 11155111; regtest Anvil 31337
//! and Geth's 1337):
//!
//! | chain | per transaction | per 24 h | waits 48 h over |
//! |---|---|---|---|
//! | Bitcoin | 0.01 BTC | 0.02 BTC | 0.005 BTC |
//! | Ethereum | 0.1 ETH | 0.2 ETH | 0.05 ETH |
//! | Solana | 1 SOL | 2 SOL | 0.5 SOL |
//!
//! Recipients outside the (empty) address book wait the delay of 48 hours;
//! no tokens; no required approver; the recovery server helps replace a
//! device after 72 hours.

use accord_chains::Chain;

use super::document::{AssetLimits, ChainRules, PolicyDocument, Recipients};
use crate::wallet::Network;

/// The delay of the default policy: 48 hours.
pub const DELAY: u64 = 48 * 3600;

/// The device replacement delay of the default policy: 72 hours.
pub const REPLACE_DELAY: u64 = 72 * 3600;

/// A day.
const DAY: u64 = 24 * 3600;

/// The EVM chain ids a wallet of `network` is usually used on.
pub fn evm_chain_ids(network: Network) -> &'static [u64] {
    match network {
        Network::Mainnet => &[1],
        Network::Testnet | Network::Signet => &[11_155_111],
        Network::Regtest => &[31_337, 1_337],
    }
}

fn native(per_tx: &str, per_day: &str, delay_over: &str) -> AssetLimits {
    AssetLimits {
        asset: "native".into(),
        max_per_tx: per_tx.into(),
        max_per_window: Some(per_day.into()),
        window: Some(DAY),
        delay_over: Some(delay_over.into()),
    }
}

fn rules(chain: Chain, chain_id: Option<u64>, limits: AssetLimits) -> ChainRules {
    ChainRules {
        chain,
        chain_id,
        recipients: Recipients::BookOrDelay,
        tokens: false,
        assets: vec![limits],
    }
}

/// The default first policy of wallet `wallet_id` on `network`.
pub fn first_policy(wallet_id: &str, network: Network) -> PolicyDocument {
    let mut chains = vec![rules(
        Chain::Bitcoin,
        None,
        native("1000000", "2000000", "500000"),
    )];
    for id in evm_chain_ids(network) {
        chains.push(rules(
            Chain::Ethereum,
            Some(*id),
            native(
                "100000000000000000",
                "200000000000000000",
                "50000000000000000",
            ),
        ));
    }
    chains.push(rules(
        Chain::Solana,
        None,
        native("1000000000", "2000000000", "500000000"),
    ));
    PolicyDocument {
        wallet_id: wallet_id.to_owned(),
        version: 1,
        previous: None,
        chains,
        address_book: Vec::new(),
        delay: DELAY,
        replace_delay: REPLACE_DELAY,
        required_approvers: Vec::new(),
    }
}
