//! Accord's chains: from a group public key to an address, from an intent to
//! an unsigned transaction, from raw unsigned bytes (ours or another
//! wallet's) to a [`Preview`] and the digests to sign, and from signatures to
//! a transaction the chain accepts. No IO: no async runtime, socket, clock or
//! file. RPC is a vocabulary of requests and response parsers ([`rpc`]);
//! the node carries it over HTTP.
//!
//! | chain | module | specs |
//! |---|---|---|
//! | Bitcoin | [`bitcoin`] | BIP341/BIP340 key-path spends, BIP174 + BIP371 PSBTs, BIP350 addresses |
//! | Ethereum / EVM | [`ethereum`] | EIP-1559 / EIP-2718 typed transactions, EIP-55 addresses, ERC-20 |
//! | Solana | [`solana`] | legacy and v0 messages, System transfer, SPL Token `TransferChecked` |
//! | any of them | [`signing`] | raw unsigned bytes → preview + messages to sign → signed raw transaction and txid |

pub mod amount;
pub mod bitcoin;
pub mod chain;
pub mod effect;
pub mod ethereum;
pub mod preview;
pub mod rpc;
pub mod signing;
pub mod solana;

pub use amount::{Amount, AmountError};
pub use chain::{Chain, UnknownChain};
pub use effect::{Effect, TokenFunction};
pub use preview::{Asset, FeeKind, Preview, Transfer, Warning};
