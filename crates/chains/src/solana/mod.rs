//! Solana: base58 addresses of FROST-Ed25519 group keys, unsigned
//! transactions (System transfer, SPL Token `TransferChecked` with the
//! recipient's associated token account created when asked), the message
//! bytes the threshold key signs (RFC 8032 over the whole serialized
//! message), a [`Preview`](crate::Preview) computed from those bytes alone,
//! assembling the signed wire transaction, and the JSON-RPC vocabulary.
//!
//! Wire formats: legacy and v0 messages and transactions as documented at
//! <https://solana.com/docs/core/transactions> (compact-u16 lengths, header,
//! static account keys, recent blockhash, compiled instructions, v0 address
//! table lookups). Building uses `solana-message`; decoding untrusted bytes is
//! done here, strictly ([`wire`]), so that what is previewed is exactly what is
//! signed.
//!
//! | module | what |
//! |---|---|
//! | [`address`] | addresses from group keys and from text, associated token accounts |
//! | [`programs`] | program ids and the known-mint table |
//! | [`instruction`] | encoding and decoding of the instructions we build and preview |
//! | [`wire`] | the strict message / transaction decoder |
//! | [`tx`] | [`UnsignedTx`]: build, decode, message bytes, assemble |
//! | [`fee`] | the exact fee: signatures and compute-budget priority fee |
//! | [`mod@preview`] | the co-signer's preview |
//! | [`rpc`] | JSON-RPC requests and strict response parsers |

pub mod address;
pub mod fee;
pub mod instruction;
pub mod preview;
pub mod programs;
pub mod rpc;
pub mod tx;
pub mod wire;

pub use address::AddressError;
pub use fee::{ComputeBudget, FeeBreakdown};
pub use preview::{PreviewError, preview};
pub use solana_hash::Hash;
pub use solana_pubkey::Pubkey;
pub use tx::{AssembleError, BuildError, SplTransfer, UnsignedTx};
pub use wire::DecodeError;

/// SOL has 9 decimals: 1 SOL = 10^9 lamports.
pub const SOL_DECIMALS: u8 = 9;

/// Lamports charged per signature (the network's fixed base fee).
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;

/// The largest wire transaction the network accepts (IPv6 MTU minus
/// headers: `PACKET_DATA_SIZE`). Anything longer can never be sent, so the
/// decoder refuses it before reading further.
pub const MAX_TRANSACTION_BYTES: usize = 1_232;

/// Fees above this many lamports (0.01 SOL) are flagged
/// ([`Warning::FeeAboveCap`](crate::Warning::FeeAboveCap)): a plain transfer
/// costs 5 000, and a generous priority fee a few hundred thousand.
pub const FEE_CAP_LAMPORTS: u64 = 10_000_000;
