//! EVM networks by EIP-155 chain id, from one table ([`KNOWN_CHAINS`]): the
//! name a preview shows, the coin's symbol, the fixed fee cap above which a
//! preview warns, whether the chain holds real funds (the signing entry
//! refuses a chain of the wrong kind for the wallet), and its public RPC
//! endpoints (the defaults of `accord send --chain-id`).

use alloy_primitives::U256;

use crate::amount::Amount;

/// Decimals of every EVM chain's coin (wei and its equivalents).
pub const NATIVE_DECIMALS: u8 = 18;

/// 0.05 ETH in wei: the fee cap on chains whose coin is ETH.
pub const ETH_FEE_CAP_WEI: u128 = 50_000_000_000_000_000;

/// 10 POL in its base units: the fee cap on Polygon PoS.
pub const POL_FEE_CAP_WEI: u128 = 10_000_000_000_000_000_000;

/// What a preview needs to know about a chain id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// The chain id.
    pub chain_id: u64,
    /// `mainnet`, `sepolia`, ..., or `chain-<id>`.
    pub name: String,
    /// The coin's symbol, when the chain is known.
    pub symbol: Option<&'static str>,
    /// A fee above this is a [`crate::Warning::FeeAboveCap`].
    pub fee_cap: Amount,
}

/// 0.05 of the coin in its base units: the fee cap on chains with no cap of
/// their own (BNB Smart Chain, Avalanche C-Chain, unknown chain ids).
pub const DEFAULT_FEE_CAP_WEI: u128 = ETH_FEE_CAP_WEI;

/// Whether a chain's coin is worth real money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainKind {
    /// A production chain, with real funds: refused for test wallets.
    Production,
    /// A test or development chain: refused for mainnet wallets.
    Test,
}

/// An EVM chain Accord knows, by EIP-155 chain id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownChain {
    /// The chain id.
    pub chain_id: u64,
    /// The name previews show as the network and refusals cite.
    pub name: &'static str,
    /// The coin's symbol.
    pub symbol: &'static str,
    /// Production or test.
    pub kind: ChainKind,
    /// A fee above this many base units is a [`crate::Warning::FeeAboveCap`].
    pub fee_cap: u128,
    /// Public JSON-RPC endpoints (the chain's own or a widely used free
    /// one), tried in order when the user set none; loopback for the
    /// development chains.
    pub rpc: &'static [&'static str],
}

const fn chain(
    chain_id: u64,
    name: &'static str,
    symbol: &'static str,
    kind: ChainKind,
    fee_cap: u128,
    rpc: &'static [&'static str],
) -> KnownChain {
    KnownChain {
        chain_id,
        name,
        symbol,
        kind,
        fee_cap,
        rpc,
    }
}

/// The one table of the EVM chains Accord knows: the preview's network
/// names ([`Network::from_chain_id`]) and the signing entry's refusal of a
/// chain of the wrong kind for the wallet (`crate::signing`) both read it.
#[rustfmt::skip]
pub const KNOWN_CHAINS: [KnownChain; 16] = {
    use ChainKind::{Production, Test};
    [
        chain(1, "mainnet", "ETH", Production, ETH_FEE_CAP_WEI, &["https://ethereum-rpc.publicnode.com", "https://eth.drpc.org"]),
        chain(10, "optimism", "ETH", Production, ETH_FEE_CAP_WEI, &["https://mainnet.optimism.io"]),
        chain(56, "bnb-smart-chain", "BNB", Production, DEFAULT_FEE_CAP_WEI, &["https://bsc-dataseed.bnbchain.org"]),
        chain(137, "polygon", "POL", Production, POL_FEE_CAP_WEI, &["https://polygon-rpc.com"]),
        chain(8_453, "base", "ETH", Production, ETH_FEE_CAP_WEI, &["https://mainnet.base.org"]),
        chain(42_161, "arbitrum", "ETH", Production, ETH_FEE_CAP_WEI, &["https://arb1.arbitrum.io/rpc"]),
        chain(43_114, "avalanche-c-chain", "AVAX", Production, DEFAULT_FEE_CAP_WEI, &["https://api.avax.network/ext/bc/C/rpc"]),
        // Geth's `--dev` mode and Ganache.
        chain(1_337, "localhost", "ETH", Test, ETH_FEE_CAP_WEI, &["http://127.0.0.1:8545"]),
        chain(31_337, "anvil", "ETH", Test, ETH_FEE_CAP_WEI, &["http://127.0.0.1:8545"]),
        chain(11_155_111, "sepolia", "ETH", Test, ETH_FEE_CAP_WEI, &["https://ethereum-sepolia-rpc.publicnode.com", "https://sepolia.drpc.org"]),
        chain(17_000, "holesky", "ETH", Test, ETH_FEE_CAP_WEI, &["https://ethereum-holesky-rpc.publicnode.com"]),
        chain(560_048, "hoodi", "ETH", Test, ETH_FEE_CAP_WEI, &["https://ethereum-hoodi-rpc.publicnode.com"]),
        chain(84_532, "base-sepolia", "ETH", Test, ETH_FEE_CAP_WEI, &["https://sepolia.base.org"]),
        chain(421_614, "arbitrum-sepolia", "ETH", Test, ETH_FEE_CAP_WEI, &["https://sepolia-rollup.arbitrum.io/rpc"]),
        chain(11_155_420, "optimism-sepolia", "ETH", Test, ETH_FEE_CAP_WEI, &["https://sepolia.optimism.io"]),
        chain(80_002, "polygon-amoy", "POL", Test, POL_FEE_CAP_WEI, &["https://rpc-amoy.polygon.technology"]),
    ]
};

/// The chain `chain_id` names, when Accord knows it.
pub fn known_chain(chain_id: u64) -> Option<&'static KnownChain> {
    KNOWN_CHAINS.iter().find(|c| c.chain_id == chain_id)
}

impl Network {
    /// The network of `chain_id`; an unknown id is `chain-<id>` with no
    /// symbol and the default fee cap.
    pub fn from_chain_id(chain_id: u64) -> Network {
        let (name, symbol, cap) = match known_chain(chain_id) {
            Some(c) => (c.name.to_owned(), Some(c.symbol), c.fee_cap),
            None => (format!("chain-{chain_id}"), None, DEFAULT_FEE_CAP_WEI),
        };
        Network {
            chain_id,
            name,
            symbol,
            fee_cap: Amount::from_units(U256::from(cap), NATIVE_DECIMALS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_symbols_and_caps() {
        let cases = [
            (1, "mainnet", Some("ETH")),
            (11_155_111, "sepolia", Some("ETH")),
            (17_000, "holesky", Some("ETH")),
            (31_337, "anvil", Some("ETH")),
            (10, "optimism", Some("ETH")),
            (8_453, "base", Some("ETH")),
            (42_161, "arbitrum", Some("ETH")),
            (137, "polygon", Some("POL")),
            (56, "bnb-smart-chain", Some("BNB")),
            (43_114, "avalanche-c-chain", Some("AVAX")),
            (80_002, "polygon-amoy", Some("POL")),
            (1_337, "localhost", Some("ETH")),
            (5, "chain-5", None),
            (0, "chain-0", None),
            (u64::MAX, "chain-18446744073709551615", None),
        ];
        for (id, name, symbol) in cases {
            let n = Network::from_chain_id(id);
            assert_eq!((n.name.as_str(), n.symbol), (name, symbol), "{id}");
        }
        assert_eq!(Network::from_chain_id(1).fee_cap.to_string(), "0.05");
        assert_eq!(Network::from_chain_id(137).fee_cap.to_string(), "10");
        assert_eq!(Network::from_chain_id(80_002).fee_cap.to_string(), "10");
        assert_eq!(Network::from_chain_id(56).fee_cap.to_string(), "0.05");
        assert_eq!(Network::from_chain_id(5).fee_cap.to_string(), "0.05");
    }

    #[test]
    fn one_entry_per_chain_id() {
        for (i, c) in KNOWN_CHAINS.iter().enumerate() {
            assert!(
                KNOWN_CHAINS
                    .iter()
                    .skip(i + 1)
                    .all(|d| d.chain_id != c.chain_id && d.name != c.name),
                "{c:?}"
            );
            assert!(!c.name.starts_with("chain-"), "{c:?}");
            assert!(!c.rpc.is_empty(), "{c:?}");
            let local = c.rpc.iter().all(|u| u.starts_with("http://127.0.0.1:"));
            assert_eq!(
                local,
                c.kind == ChainKind::Test && c.rpc[0].starts_with("http:"),
                "{c:?}"
            );
            assert!(
                local || c.rpc.iter().all(|u| u.starts_with("https://")),
                "{c:?}"
            );
        }
    }
}
