//! Bitcoin networks by the names Accord uses.

use core::fmt;
use core::str::FromStr;

/// A Bitcoin network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Network {
    /// Bitcoin mainnet (`bc1p…`).
    Mainnet,
    /// Testnet 3 (`tb1p…`).
    Testnet,
    /// Signet (`tb1p…`).
    Signet,
    /// Regtest (`bcrt1p…`).
    Regtest,
}

impl Network {
    /// All networks.
    pub const ALL: [Network; 4] = [
        Network::Mainnet,
        Network::Testnet,
        Network::Signet,
        Network::Regtest,
    ];

    /// The name used on the command line and in previews.
    pub const fn name(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Signet => "signet",
            Network::Regtest => "regtest",
        }
    }

    /// The `bitcoin` crate's network.
    pub const fn to_bitcoin(self) -> bitcoin::Network {
        match self {
            Network::Mainnet => bitcoin::Network::Bitcoin,
            Network::Testnet => bitcoin::Network::Testnet,
            Network::Signet => bitcoin::Network::Signet,
            Network::Regtest => bitcoin::Network::Regtest,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A network name that is not one of Bitcoin's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Bitcoin network {0:?}: expected mainnet, testnet, signet or regtest")]
pub struct UnknownNetwork(pub String);

impl FromStr for Network {
    type Err = UnknownNetwork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mainnet" | "bitcoin" | "main" => Ok(Network::Mainnet),
            "testnet" | "testnet3" | "test" => Ok(Network::Testnet),
            "signet" => Ok(Network::Signet),
            "regtest" => Ok(Network::Regtest),
            other => Err(UnknownNetwork(other.to_owned())),
        }
    }
}
