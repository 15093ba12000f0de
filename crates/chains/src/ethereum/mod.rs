//! Ethereum and EVM chains: threshold-ECDSA wallets that send ETH (or the
//! chain's coin) and ERC-20 tokens.
//!
//! | step | module | spec |
//! |---|---|---|
//! | address from the group key | [`address`] | EIP-55 mixed-case checksum (Keccak-256 of the uncompressed key) |
//! | unsigned transaction, signing hash, signed envelope | [`tx`] | EIP-1559 fields, EIP-2718 typed envelope `0x02 ‖ rlp(..)` |
//! | token calls | [`erc20`] | ERC-20 `transfer`, `approve`, `transferFrom`, `balanceOf` (ABI) |
//! | what the user reads before signing | [`mod@preview`] | from the EIP-2718 bytes alone |
//! | chain ids, coins and well-known tokens | [`network`], [`tokens`] | EIP-155 chain ids |
//! | JSON-RPC vocabulary, no IO | [`rpc`] | Ethereum JSON-RPC (`eth_*`) |
//!
//! The unsigned form is the EIP-2718 payload `0x02 ‖ rlp([chain_id, nonce,
//! max_priority_fee_per_gas, max_fee_per_gas, gas_limit, to, value, data,
//! access_list])` — what hardware wallets receive. Its Keccak-256 is the
//! digest every co-signer signs, each computing it itself from those bytes
//! ([`tx::UnsignedTx::decode`] then [`tx::UnsignedTx::signing_hash`]): no
//! code path takes a digest without the transaction it came from.
//!
//! ```text
//! UnsignedTx::eth_transfer(..) --encode--> bytes --decode--> UnsignedTx --signing_hash--> [u8; 32]
//!                                            \--preview(bytes, wallet)--> Preview
//! threshold ECDSA (r, s, y-parity) --UnsignedTx::assemble--> SignedTx { raw, hash } --eth_sendRawTransaction-->
//! ```

pub mod address;
pub mod erc20;
pub mod network;
pub mod preview;
pub mod rpc;
pub mod tokens;
pub mod tx;

pub use address::AddressError;
pub use alloy_primitives::{Address, U256};
pub use preview::{PreviewError, preview};
pub use tx::{AssembleError, DecodeError, Gas, SignedTx, UnsignedTx};
