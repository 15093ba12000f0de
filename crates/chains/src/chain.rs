//! The chains Accord signs for.

use core::fmt;
use core::str::FromStr;

/// A chain family.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Chain {
    /// Bitcoin (Taproot key-path spends).
    Bitcoin,
    /// Ethereum and EVM chains (EIP-1559).
    Ethereum,
    /// Solana.
    Solana,
}

impl Chain {
    /// All chains.
    pub const ALL: [Chain; 3] = [Chain::Bitcoin, Chain::Ethereum, Chain::Solana];

    /// The lowercase name used on the command line and in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Chain::Bitcoin => "bitcoin",
            Chain::Ethereum => "ethereum",
            Chain::Solana => "solana",
        }
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A chain name that is not `bitcoin`, `ethereum` or `solana`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown chain {0:?}: expected bitcoin, ethereum or solana")]
pub struct UnknownChain(pub String);

impl FromStr for Chain {
    type Err = UnknownChain;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Chain::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownChain(s.to_owned()))
    }
}
