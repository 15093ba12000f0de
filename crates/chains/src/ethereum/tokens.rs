//! Well-known ERC-20 tokens, so a preview can show `12.5 USDC` instead of
//! `12500000 base units`. Only contracts whose address and decimals are
//! certain are listed; any other token is shown in base units with its
//! decimals unknown (a token's own `decimals()` answer is not asked: the
//! preview is computed from the transaction bytes alone).

use alloy_primitives::{Address, address};

/// Symbol and decimals of a known token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// The chain id the contract lives on.
    pub chain_id: u64,
    /// The contract.
    pub address: Address,
    /// Its symbol.
    pub symbol: &'static str,
    /// Its decimals.
    pub decimals: u8,
}

/// The tokens Accord knows (Ethereum mainnet).
pub const KNOWN: [TokenInfo; 4] = [
    TokenInfo {
        chain_id: 1,
        address: address!("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
        symbol: "USDC",
        decimals: 6,
    },
    TokenInfo {
        chain_id: 1,
        address: address!("0xdAC17F958D2ee523a2206206994597C13D831ec7"),
        symbol: "USDT",
        decimals: 6,
    },
    TokenInfo {
        chain_id: 1,
        address: address!("0x6B175474E89094C44Da98b954EedeAC495271d0F"),
        symbol: "DAI",
        decimals: 18,
    },
    TokenInfo {
        chain_id: 1,
        address: address!("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
        symbol: "WETH",
        decimals: 18,
    },
];

/// The known token at `address` on `chain_id`, if any.
pub fn lookup(chain_id: u64, address: &Address) -> Option<&'static TokenInfo> {
    KNOWN
        .iter()
        .find(|t| t.chain_id == chain_id && t.address == *address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ethereum::address::{checksummed, parse};

    #[test]
    fn known_tokens_are_checksummed_and_found() {
        // As published (Circle, Tether, MakerDAO, WETH9), EIP-55 text.
        let published = [
            "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
            "0xdAC17F958D2ee523a2206206994597C13D831ec7",
            "0x6B175474E89094C44Da98b954EedeAC495271d0F",
            "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        ];
        for (t, text) in KNOWN.iter().zip(published) {
            assert_eq!(checksummed(&t.address), text);
            assert_eq!(parse(text).unwrap(), t.address);
            assert_eq!(lookup(1, &t.address), Some(t));
            assert_eq!(lookup(11_155_111, &t.address), None);
        }
        assert_eq!(lookup(1, &Address::ZERO), None);
        let usdc = parse("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48").unwrap();
        assert_eq!(
            lookup(1, &usdc).map(|t| (t.symbol, t.decimals)),
            Some(("USDC", 6))
        );
    }
}
