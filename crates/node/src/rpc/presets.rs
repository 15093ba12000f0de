//! The endpoints a wallet's network uses when the user set none: public
//! Esplora (Blockstream, mempool.space), Solana's public clusters
//! (mainnet-beta, testnet, devnet), and for Ethereum the public RPCs of
//! the EVM chain table (`accord_chains::ethereum::network::KNOWN_CHAINS`)
//! by EIP-155 chain id. `regtest` is the local development nodes of the
//! demo (`./scripts/run`).
//!
//! The wallet's network decides: Bitcoin's own four; Ethereum mainnet
//! (chain 1) for `mainnet`, Sepolia for `testnet` and `signet`, Anvil
//! (31337) for `regtest`; Solana mainnet-beta, testnet, devnet and a local
//! validator.

use accord_chains::Chain;
use accord_chains::ethereum::network::known_chain;

use crate::wallet::Network;

/// The EIP-155 chain id a wallet on `network` uses on Ethereum unless told
/// otherwise.
pub const fn evm_chain_id(network: Network) -> u64 {
    match network {
        Network::Mainnet => 1,
        Network::Testnet | Network::Signet => 11_155_111,
        Network::Regtest => 31_337,
    }
}

/// The Solana cluster a wallet on `network` uses.
pub const fn solana_cluster(network: Network) -> &'static str {
    match network {
        Network::Mainnet => "mainnet-beta",
        Network::Testnet => "testnet",
        Network::Signet => "devnet",
        Network::Regtest => "localnet",
    }
}

/// The preset endpoints of `chain` on `network`, in the order tried.
pub fn endpoints(chain: Chain, network: Network) -> &'static [&'static str] {
    match (chain, network) {
        (Chain::Bitcoin, Network::Mainnet) => {
            &["https://blockstream.info/api", "https://mempool.space/api"]
        }
        (Chain::Bitcoin, Network::Testnet) => &[
            "https://blockstream.info/testnet/api",
            "https://mempool.space/testnet/api",
        ],
        (Chain::Bitcoin, Network::Signet) => &[
            "https://mempool.space/signet/api",
            "https://blockstream.info/signet/api",
        ],
        (Chain::Bitcoin, Network::Regtest) => &["http://127.0.0.1:3002"],
        (Chain::Ethereum, network) => evm(evm_chain_id(network)),
        (Chain::Solana, Network::Mainnet) => &["https://api.mainnet-beta.solana.com"],
        (Chain::Solana, Network::Testnet) => &["https://api.testnet.solana.com"],
        (Chain::Solana, Network::Signet) => &["https://api.devnet.solana.com"],
        (Chain::Solana, Network::Regtest) => &["http://127.0.0.1:8899"],
    }
}

/// The public endpoints of the EVM chain `chain_id`, if Accord knows it.
pub fn evm(chain_id: u64) -> &'static [&'static str] {
    known_chain(chain_id).map_or(&[], |c| c.rpc)
}

/// [`endpoints`] as one setting: the URLs separated by `", "`.
pub fn joined(chain: Chain, network: Network) -> String {
    endpoints(chain, network).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpc::endpoint::parse_list;

    #[test]
    fn every_network_of_every_chain_has_usable_endpoints() {
        for network in Network::ALL {
            for chain in Chain::ALL {
                let list = parse_list(&joined(chain, network), false).unwrap();
                assert!(!list.is_empty());
                // Real networks over TLS; regtest on this machine.
                let tls = network != Network::Regtest;
                assert!(list.iter().all(|e| e.tls == tls), "{chain:?} {network:?}");
            }
        }
        assert_eq!(evm(1)[0], "https://ethereum-rpc.publicnode.com");
        assert!(evm(5).is_empty());
        assert_eq!(solana_cluster(Network::Signet), "devnet");
    }
}
