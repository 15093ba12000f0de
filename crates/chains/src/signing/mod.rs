//! One chain-agnostic entry for co-signing raw unsigned transactions.
//!
//! ```text
//! prepare(chain, wallet network, unsigned bytes, group keys)
//!     -> Prepared { preview, kind, messages }      the user reads the preview,
//!                                                   the threshold core signs the messages
//! Prepared::finish(signatures)
//!     -> Signed { raw, encoded, txid }              ready to broadcast
//! ```
//!
//! | chain | unsigned input | messages | signature | signed output |
//! |---|---|---|---|---|
//! | Bitcoin | PSBT (BIP174, binary or base64) | one BIP341 key-path sighash per wallet input, in input order | BIP340 under the output key `Q` | the extracted transaction, txid |
//! | Ethereum | EIP-2718 unsigned EIP-1559 payload | the EIP-1559 signing hash | ECDSA (low s, EIP-2) with recovery id | the EIP-2718 envelope, its Keccak-256 |
//! | Solana | message bytes or wire transaction | the serialized message | Ed25519 (RFC 8032, `verify_strict`) | the wire transaction, first signature |
//!
//! The messages are derived here from the very bytes that were previewed, and
//! [`Prepared::finish`] re-derives what it checks from the decoded
//! transaction it kept (never from the public `messages` field): every
//! signature is verified with the chain's own library (libsecp256k1 for
//! Bitcoin, k256 recovery for Ethereum, ed25519-dalek for Solana), not with
//! the threshold library that produced it.
//!
//! The wallet network is one of `mainnet`, `testnet`, `signet`, `regtest`.
//! Bitcoin uses it as is. Ethereum takes the network from the transaction's
//! chain id but refuses a known test chain for a `mainnet` wallet and a known
//! production chain for any other wallet (unknown chain ids — custom EVM
//! chains — are allowed for both). Solana names its preview's cluster after
//! it: `mainnet` → `mainnet`, `testnet` → `testnet`, `signet` → `devnet`,
//! `regtest` → `localnet`.

mod btc;
mod error;
mod evm;
mod sol;

use core::fmt;

pub use error::{FinishError, PrepareError};

use crate::bitcoin::Network as WalletNetwork;
use crate::chain::Chain;
use crate::preview::Preview;

/// The wallet's group public keys, as the threshold core produces them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletPublicKeys {
    /// BIP341 output key Q (x-only, 32 bytes) — what frost-taproot signs under.
    pub taproot_output: [u8; 32],
    /// BIP341 internal key P (x-only), if known.
    pub taproot_internal: Option<[u8; 32]>,
    /// secp256k1 ECDSA key, SEC1 compressed (33 bytes).
    pub ecdsa: [u8; 33],
    /// Ed25519 key (32 bytes).
    pub ed25519: [u8; 32],
}

impl WalletPublicKeys {
    /// The wallet's address on `chain` for wallet network `network`
    /// (bitcoin: bech32m P2TR for mainnet/testnet/signet/regtest; ethereum:
    /// EIP-55 checksummed; solana: base58). The network must be one of the
    /// four wallet networks even where the address does not depend on it.
    pub fn address(&self, chain: Chain, network: &str) -> Result<String, PrepareError> {
        let network = wallet_network(network)?;
        Ok(match chain {
            Chain::Bitcoin => btc::wallet_keys(self, network)?.address().to_string(),
            Chain::Ethereum => crate::ethereum::address::checksummed(&evm::wallet_address(self)?),
            Chain::Solana => sol::wallet_address(self)?.to_string(),
        })
    }

    /// The wallet's Bitcoin watch-only descriptor on `network`
    /// (`tr(<internal key>)#<checksum>`, BIP-386/380); `None` without the
    /// internal key.
    pub fn bitcoin_descriptor(&self, network: &str) -> Result<Option<String>, PrepareError> {
        Ok(btc::wallet_keys(self, wallet_network(network)?)?.descriptor())
    }
}

/// Which threshold signature the messages need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// BIP340 Schnorr under the Taproot output key (Bitcoin).
    Bip340,
    /// secp256k1 ECDSA with a recovery id (Ethereum).
    Ecdsa,
    /// Ed25519, RFC 8032 (Solana).
    Ed25519,
}

impl SignatureKind {
    /// The signature `chain` needs.
    const fn of(chain: Chain) -> Self {
        match chain {
            Chain::Bitcoin => SignatureKind::Bip340,
            Chain::Ethereum => SignatureKind::Ecdsa,
            Chain::Solana => SignatureKind::Ed25519,
        }
    }
}

impl fmt::Display for SignatureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureKind::Bip340 => "BIP340 Schnorr",
            SignatureKind::Ecdsa => "ECDSA",
            SignatureKind::Ed25519 => "Ed25519",
        })
    }
}

/// A transaction read, previewed and ready for the threshold signatures it
/// needs.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The chain.
    pub chain: Chain,
    /// What the user reads before signing.
    pub preview: Preview,
    /// The threshold signature every message needs.
    pub kind: SignatureKind,
    /// The messages to sign, in order: Bitcoin one 32-byte BIP341 sighash per
    /// wallet input; Ethereum one 32-byte EIP-1559 signing hash; Solana one
    /// message (the serialized message bytes).
    pub messages: Vec<Vec<u8>>,
    /// The decoded transaction and the wallet's key, to finish with.
    pending: Pending,
}

/// What [`Prepared::finish`] works from.
#[derive(Clone, Debug)]
enum Pending {
    Bitcoin(btc::Pending),
    Ethereum(evm::Pending),
    Solana(sol::Pending),
}

/// A signature from the threshold core: 64 bytes (BIP340 x(R)||s, Ed25519
/// R||S, ECDSA r||s) and, for ECDSA, the recovery id (bit 0 = y parity).
/// The recovery id of a BIP340 or Ed25519 signature is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThresholdSignature {
    /// The signature.
    pub bytes: [u8; 64],
    /// ECDSA only: 0..=3, bit 0 the y parity of R.
    pub recovery_id: Option<u8>,
}

/// A signed transaction ready to broadcast.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// Raw signed transaction bytes.
    pub raw: Vec<u8>,
    /// How `accord sign-tx` prints it: Bitcoin lowercase hex of the final
    /// transaction (no 0x); Ethereum "0x"+hex of the EIP-2718 envelope; Solana
    /// standard base64 of the wire transaction.
    pub encoded: String,
    /// Bitcoin txid (display hex); Ethereum 0x-hex tx hash (keccak of the
    /// envelope); Solana base58 of the first signature.
    pub txid: String,
    /// Bitcoin: the signed PSBT (BIP174 bytes) before finalizing: the
    /// input PSBT with each wallet input's `PSBT_IN_TAP_KEY_SIG`, for
    /// another wallet to combine or finalize (`accord sign-tx --psbt-out`).
    pub psbt: Option<Vec<u8>>,
}

/// Reads `unsigned` (a PSBT, an unsigned EIP-1559 payload, a Solana message
/// or wire transaction) for the wallet with group keys `wallet` on wallet
/// network `network`, previews it and derives the messages to sign (see the
/// module docs). Refuses a transaction the wallet has nothing to sign in.
pub fn prepare(
    chain: Chain,
    network: &str,
    unsigned: &[u8],
    wallet: &WalletPublicKeys,
) -> Result<Prepared, PrepareError> {
    let network = wallet_network(network)?;
    let (preview, messages, pending) = match chain {
        Chain::Bitcoin => {
            let (preview, messages, p) = btc::prepare(network, unsigned, wallet)?;
            (preview, messages, Pending::Bitcoin(p))
        }
        Chain::Ethereum => {
            let (preview, messages, p) = evm::prepare(network, unsigned, wallet)?;
            (preview, messages, Pending::Ethereum(p))
        }
        Chain::Solana => {
            let (preview, messages, p) = sol::prepare(network, unsigned, wallet)?;
            (preview, messages, Pending::Solana(p))
        }
    };
    Ok(Prepared {
        chain,
        preview,
        kind: SignatureKind::of(chain),
        messages,
        pending,
    })
}

impl Prepared {
    /// Verifies every signature (with the chain library, not the threshold
    /// library) under the wallet key and assembles. Wrong count, an invalid
    /// signature, missing other signers (Solana) → typed error.
    pub fn finish(&self, signatures: &[ThresholdSignature]) -> Result<Signed, FinishError> {
        let expected = match &self.pending {
            Pending::Bitcoin(p) => p.message_count(),
            Pending::Ethereum(_) | Pending::Solana(_) => 1,
        };
        if signatures.len() != expected {
            return Err(FinishError::SignatureCount {
                expected,
                got: signatures.len(),
            });
        }
        match &self.pending {
            Pending::Bitcoin(p) => p.finish(signatures),
            Pending::Ethereum(p) => p.finish(signatures),
            Pending::Solana(p) => p.finish(signatures),
        }
    }
}

/// The wallet network, by its exact name.
fn wallet_network(name: &str) -> Result<WalletNetwork, PrepareError> {
    WalletNetwork::ALL
        .into_iter()
        .find(|n| n.name() == name)
        .ok_or_else(|| PrepareError::UnknownNetwork(name.chars().take(40).collect()))
}
