//! **Test nodes** — not for real networks. Small chain nodes built on the
//! real execution engines, serving the subset of the chains' public APIs
//! that Accord uses, on loopback: for the cross-process tests and the local
//! demo (`./scripts/run`), on this machine where neither bitcoind/electrs
//! nor solana-test-validator can be installed.
//!
//! - [`esplora`]: Bitcoin regtest behind the Esplora REST API; every
//!   transaction's scripts are checked by Bitcoin Core's consensus library
//!   (`bitcoinconsensus`, all spent outputs, Taproot rules), its inputs
//!   must exist and be unspent, it must not create money; each accepted
//!   transaction is mined at once in its own block.
//! - [`solana`]: a one-node Solana cluster on LiteSVM (signature
//!   verification on) behind Solana's JSON-RPC.

pub mod esplora;
pub mod http;
pub mod solana;
