//! Why a transaction cannot be prepared or finished: one error per
//! operation, wrapping the per-chain errors with the context a user needs.

use super::SignatureKind;
use crate::bitcoin::finalize::FinalizeError;
use crate::bitcoin::preview::PreviewError as BitcoinPreviewError;
use crate::bitcoin::psbt::PsbtError;
use crate::bitcoin::sighash::SighashError;
use crate::ethereum::preview::PreviewError as EthereumPreviewError;
use crate::ethereum::tx::DecodeError as EthereumDecodeError;
use crate::solana::preview::PreviewError as SolanaPreviewError;
use crate::solana::tx::AssembleError as SolanaAssembleError;
use crate::solana::wire::DecodeError as SolanaDecodeError;

/// Why [`prepare`](super::prepare) (or
/// [`WalletPublicKeys::address`](super::WalletPublicKeys::address)) refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The wallet network is not one of the four.
    #[error("unknown wallet network {0:?}: expected mainnet, testnet, signet or regtest")]
    UnknownNetwork(String),
    /// The wallet's Taproot key (output or internal) is not an x-only key.
    #[error("the wallet's Taproot key is not usable: {0}")]
    BitcoinKey(crate::bitcoin::address::AddressError),
    /// The wallet's ECDSA key is not a compressed secp256k1 point.
    #[error("the wallet's ECDSA key is not usable: {0}")]
    EthereumKey(crate::ethereum::AddressError),
    /// The wallet's Ed25519 key is not a curve point.
    #[error("the wallet's Ed25519 key is not usable: {0}")]
    SolanaKey(crate::solana::AddressError),

    /// Not a PSBT, or an input's spent output is unknown.
    #[error("cannot read the Bitcoin transaction: {0}")]
    Psbt(PsbtError),
    /// The PSBT could not be previewed (negative fee, absurd amounts).
    #[error("cannot preview the Bitcoin transaction: {0}")]
    BitcoinPreview(BitcoinPreviewError),
    /// No input of the PSBT pays to the wallet.
    #[error(
        "no input of this PSBT spends from the wallet {address}: there is nothing for it to sign"
    )]
    NotSpendingFromWallet {
        /// The wallet's address on the network.
        address: String,
    },
    /// The sighashes could not be computed (unsupported sighash type...).
    #[error("cannot compute what to sign for the Bitcoin transaction: {0}")]
    Sighash(SighashError),

    /// Not an unsigned EIP-1559 transaction.
    #[error("cannot read the Ethereum transaction: {0}")]
    EthereumDecode(EthereumDecodeError),
    /// The transaction could not be previewed.
    #[error("cannot preview the Ethereum transaction: {0}")]
    EthereumPreview(EthereumPreviewError),
    /// A known test or development chain for a mainnet wallet.
    #[error(
        "the transaction is for chain id {chain_id} ({name}), a test network, but this is a mainnet wallet: refusing to sign"
    )]
    TestChainForMainnetWallet {
        /// The transaction's chain id.
        chain_id: u64,
        /// Its name.
        name: String,
    },
    /// A known production chain for a test wallet.
    #[error(
        "the transaction is for chain id {chain_id} ({name}), a production network with real funds, but this is a {network} wallet: refusing to sign"
    )]
    ProductionChainForTestWallet {
        /// The transaction's chain id.
        chain_id: u64,
        /// Its name.
        name: String,
        /// The wallet's network.
        network: String,
    },

    /// Not a Solana message or transaction we can sign.
    #[error("cannot read the Solana transaction: {0}")]
    SolanaDecode(SolanaDecodeError),
    /// The transaction could not be previewed.
    #[error("cannot preview the Solana transaction: {0}")]
    SolanaPreview(SolanaPreviewError),
    /// The wallet's key is not a required signer.
    #[error(
        "the wallet {address} is not a signer of this Solana transaction (its signers: {}): there is nothing for it to sign",
        signers.join(", ")
    )]
    NotASigner {
        /// The wallet's address.
        address: String,
        /// The transaction's required signers, in slot order.
        signers: Vec<String>,
    },
}

/// Why [`Prepared::finish`](super::Prepared::finish) refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FinishError {
    /// Not one signature per message.
    #[error("expected {expected} signature(s), one per message, got {got}")]
    SignatureCount {
        /// The number of messages.
        expected: usize,
        /// The number of signatures given.
        got: usize,
    },
    /// An ECDSA signature without a recovery id in 0..=3.
    #[error(
        "the ECDSA signature needs a recovery id in 0..=3 (got {recovery_id:?}): without it the y parity is unknown"
    )]
    RecoveryId {
        /// What was given.
        recovery_id: Option<u8>,
    },
    /// A signature that the chain's library does not accept for the wallet's
    /// key over its message.
    #[error("signature {index} is not a valid {kind} signature by the wallet: {reason}")]
    InvalidSignature {
        /// The signature's position (= its message's).
        index: usize,
        /// The scheme.
        kind: SignatureKind,
        /// What the chain's library said.
        reason: String,
    },
    /// Solana: required signers other than the wallet have not signed yet.
    #[error(
        "the transaction still needs signatures from {}: the wallet's signature alone does not complete it",
        missing.join(", ")
    )]
    MissingSigners {
        /// The signers whose slots are empty (base58).
        missing: Vec<String>,
    },
    /// Bitcoin: the PSBT could not be finalized for a reason other than a
    /// bad signature (an input of another signer not finalized, an absurd
    /// fee rate).
    #[error("cannot finalize the Bitcoin transaction: {0}")]
    Bitcoin(FinalizeError),
    /// Solana: the signature could not be placed for a reason other than
    /// verification.
    #[error("cannot assemble the Solana transaction: {0}")]
    Solana(SolanaAssembleError),
}
