//! Bitcoin: Taproot key-path spends by a FROST group key.
//!
//! - [`address`]: P2TR addresses (BIP341 output key, BIP350 bech32m) for
//!   mainnet, testnet, signet and regtest; parsing checks the network.
//! - [`build`]: a PSBT (BIP174, with BIP371 Taproot fields) spending given
//!   UTXOs at a fee rate in sat/vB, change back to the wallet, dust respected.
//! - [`sighash`]: BIP341 key-path sighashes per input, from the PSBT alone;
//!   an input whose spent amount is unknown is refused.
//! - [`finalize`]: BIP340 signatures into the witnesses, each verified with
//!   libsecp256k1 first, then the raw transaction.
//! - [`preview`]: what a co-signer shows, from PSBT bytes (ours or another
//!   wallet's).
//! - [`rpc`]: the Esplora vocabulary.

pub mod address;
pub mod build;
pub mod finalize;
pub mod network;
pub mod preview;
pub mod psbt;
pub mod rpc;
pub mod sighash;
mod wallet;

pub use network::{Network, UnknownNetwork};
pub use wallet::WalletKeys;
