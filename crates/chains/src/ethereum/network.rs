//! EVM networks by EIP-155 chain id: the name a preview shows, the coin's
//! symbol, and the fixed fee cap above which a preview warns.

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

/// `(chain id, name, symbol, fee cap in base units)` of the chains Accord knows.
const KNOWN: [(u64, &str, &str, u128); 9] = [
    (1, "mainnet", "ETH", ETH_FEE_CAP_WEI),
    (11_155_111, "sepolia", "ETH", ETH_FEE_CAP_WEI),
    (17_000, "holesky", "ETH", ETH_FEE_CAP_WEI),
    (31_337, "anvil", "ETH", ETH_FEE_CAP_WEI),
    (10, "optimism", "ETH", ETH_FEE_CAP_WEI),
    (8_453, "base", "ETH", ETH_FEE_CAP_WEI),
    (42_161, "arbitrum", "ETH", ETH_FEE_CAP_WEI),
    (137, "polygon", "POL", POL_FEE_CAP_WEI),
    (560_048, "hoodi", "ETH", ETH_FEE_CAP_WEI),
];

impl Network {
    /// The network of `chain_id`; an unknown id is `chain-<id>` with no
    /// symbol and the ETH fee cap.
    pub fn from_chain_id(chain_id: u64) -> Network {
        let (name, symbol, cap) = KNOWN
            .iter()
            .find(|(id, ..)| *id == chain_id)
            .map(|&(_, name, symbol, cap)| (name.to_owned(), Some(symbol), cap))
            .unwrap_or_else(|| (format!("chain-{chain_id}"), None, ETH_FEE_CAP_WEI));
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
            (56, "chain-56", None),
            (0, "chain-0", None),
            (u64::MAX, "chain-18446744073709551615", None),
        ];
        for (id, name, symbol) in cases {
            let n = Network::from_chain_id(id);
            assert_eq!((n.name.as_str(), n.symbol), (name, symbol), "{id}");
        }
        assert_eq!(Network::from_chain_id(1).fee_cap.to_string(), "0.05");
        assert_eq!(Network::from_chain_id(137).fee_cap.to_string(), "10");
    }
}
