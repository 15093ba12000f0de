//! Ethereum transactions as co-signers receive them, unsigned.
//!
//! - EIP-1559 (what Accord builds), EIP-2718 type 2:
//!   `0x02 ‖ rlp([chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas,
//!   gas_limit, to, value, data, access_list])`.
//! - EIP-2930, type 1 (from other wallets):
//!   `0x01 ‖ rlp([chain_id, nonce, gas_price, gas_limit, to, value, data, access_list])`.
//! - Legacy (from other wallets), in its EIP-155 signing form — what
//!   ethers and viem serialize for an unsigned legacy transaction with a
//!   chain id: `rlp([nonce, gas_price, gas_limit, to, value, data, chain_id,
//!   0, 0])`. A legacy transaction without a chain id (replayable on every
//!   chain) is refused.
//! - Signing hash: `keccak256` of exactly those bytes. Signed envelope
//!   (EIP-2718): the typed forms with `y_parity, r, s`; legacy with EIP-155
//!   `v = 35 + 2·chain_id + parity`. The transaction hash is its `keccak256`.
//!
//! [`UnsignedTx::decode`] is strict — a known type, canonical RLP that
//! re-encodes to the same bytes, nothing after it — so the bytes a co-signer
//! previews are exactly the bytes whose hash it signs.
//! [`UnsignedTx::assemble`] refuses a high-`s` signature (EIP-2) and one that
//! does not recover to the wallet's address.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::AccessList;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256, keccak256};
use k256::ecdsa::{RecoveryId, VerifyingKey};

use crate::ethereum::{address, erc20};

mod rlp;
use rlp::{legacy, typed};

/// The EIP-2718 type byte of EIP-1559 transactions.
pub const EIP1559_TYPE: u8 = 0x02;
/// The EIP-2718 type byte of EIP-2930 transactions.
pub const EIP2930_TYPE: u8 = 0x01;

/// The largest unsigned transaction [`UnsignedTx::decode`] reads: 128 KiB,
/// the transaction size limit of geth's pool.
pub const MAX_TX_BYTES: usize = 128 * 1024;

/// Gas settings of an EIP-1559 transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gas {
    /// The most gas the transaction may use.
    pub gas_limit: u64,
    /// The most wei per gas paid in total (base fee + tip).
    pub max_fee_per_gas: u128,
    /// The most wei per gas paid to the block producer.
    pub max_priority_fee_per_gas: u128,
}

impl Gas {
    /// The most the transaction can cost in fees: `gas_limit × max_fee_per_gas` wei.
    pub fn max_fee(&self) -> U256 {
        U256::from(self.gas_limit) * U256::from(self.max_fee_per_gas)
    }
}

/// An unsigned transaction: EIP-1559, EIP-2930 or legacy with EIP-155.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedTx {
    tx: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Eip1559(TxEip1559),
    Eip2930(TxEip2930),
    /// `chain_id` is always `Some`.
    Legacy(TxLegacy),
}

/// Which form a transaction has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxType {
    /// Pre-EIP-2718, signed with EIP-155 replay protection.
    Legacy,
    /// EIP-2930 (type 1): a gas price and an access list.
    Eip2930,
    /// EIP-1559 (type 2): a base fee cap and a priority fee.
    Eip1559,
}

impl TxType {
    /// `legacy`, `eip2930`, `eip1559`.
    pub const fn name(self) -> &'static str {
        match self {
            TxType::Legacy => "legacy",
            TxType::Eip2930 => "eip2930",
            TxType::Eip1559 => "eip1559",
        }
    }
}

/// The fields of any of the three forms, in EIP-1559's terms: for legacy
/// and EIP-2930 transactions both fee fields are the gas price (what such a
/// transaction pays per gas, at most).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields {
    /// The form.
    pub tx_type: TxType,
    /// The EIP-155 chain id.
    pub chain_id: u64,
    /// The sender's nonce.
    pub nonce: u64,
    /// The most gas the transaction may use.
    pub gas_limit: u64,
    /// The most wei per gas paid in total.
    pub max_fee_per_gas: u128,
    /// The most wei per gas paid to the block producer.
    pub max_priority_fee_per_gas: u128,
    /// The callee, or a contract creation.
    pub to: TxKind,
    /// Wei sent.
    pub value: U256,
    /// Call data.
    pub input: Bytes,
    /// The EIP-2930 access list (empty for legacy).
    pub access_list: AccessList,
}

/// A transaction ready for `eth_sendRawTransaction`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    /// The EIP-2718 envelope `0x02 ‖ rlp(fields ‖ y_parity, r, s)`.
    pub raw: Vec<u8>,
    /// The transaction hash, `keccak256(raw)`.
    pub hash: [u8; 32],
}

/// Why bytes are not an unsigned EIP-1559 transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// No bytes.
    #[error("empty transaction")]
    Empty,
    /// More than [`MAX_TX_BYTES`].
    #[error("transaction of {len} bytes is larger than the {max}-byte limit")]
    TooLarge {
        /// The length given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Another EIP-2718 type (blob and set-code transactions).
    #[error(
        "transaction type {0:#04x} is not supported: only legacy, EIP-2930 (type 0x01) and \
         EIP-1559 (type 0x02)"
    )]
    UnsupportedType(u8),
    /// A first byte that is neither an EIP-2718 type (0x00–0x7f) nor an RLP list.
    #[error("first byte {0:#04x} is not an EIP-2718 transaction type")]
    NotATransaction(u8),
    /// Already signed: a co-signer signs unsigned transactions only.
    #[error("this is a signed transaction; expected the unsigned payload")]
    Signed,
    /// A legacy transaction without an EIP-155 chain id: valid on every
    /// chain, so a signature could be replayed on any of them.
    #[error(
        "legacy transaction without an EIP-155 chain id: it could be replayed on every chain; \
         refusing to sign (give the chain id)"
    )]
    NoChainId,
    /// The RLP is not the fields of its type.
    #[error("invalid transaction RLP: {0}")]
    Rlp(String),
    /// Bytes after the RLP list.
    #[error("{0} unexpected bytes after the transaction")]
    TrailingBytes(usize),
    /// Decodes, but does not re-encode to the same bytes.
    #[error("the RLP is not in canonical form")]
    NonCanonical,
}

/// Why a signature cannot be attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssembleError {
    /// `r` or `s` is zero or not below the curve order.
    #[error("r or s is not a valid secp256k1 scalar")]
    InvalidScalars,
    /// `s` is above n/2: Ethereum (EIP-2) rejects it.
    #[error("s is above n/2 (EIP-2 requires low s)")]
    HighS,
    /// No public key recovers from this signature, hash and parity.
    #[error("no public key recovers from this signature")]
    Unrecoverable,
    /// The signature is valid for another key.
    #[error("the signature recovers to {recovered}, not the wallet {expected}")]
    WrongSigner {
        /// The wallet's address.
        expected: String,
        /// The address the signature recovers to.
        recovered: String,
    },
}

impl UnsignedTx {
    /// Sends `value_wei` of the chain's coin to `to`.
    pub fn eth_transfer(chain_id: u64, nonce: u64, to: Address, value_wei: U256, gas: Gas) -> Self {
        Self::contract_call(chain_id, nonce, to, value_wei, Vec::new(), gas)
    }

    /// Calls `token`'s ERC-20 `transfer(to, amount)` (no ETH sent).
    pub fn erc20_transfer(
        chain_id: u64,
        nonce: u64,
        token: Address,
        to: Address,
        amount: U256,
        gas: Gas,
    ) -> Self {
        let data = erc20::transfer(to, amount);
        Self::contract_call(chain_id, nonce, token, U256::ZERO, data, gas)
    }

    /// A call of `to` with `data` and `value` wei (an empty access list).
    pub fn contract_call(
        chain_id: u64,
        nonce: u64,
        to: Address,
        value: U256,
        data: Vec<u8>,
        gas: Gas,
    ) -> Self {
        UnsignedTx {
            tx: Kind::Eip1559(TxEip1559 {
                chain_id,
                nonce,
                gas_limit: gas.gas_limit,
                max_fee_per_gas: gas.max_fee_per_gas,
                max_priority_fee_per_gas: gas.max_priority_fee_per_gas,
                to: TxKind::Call(to),
                value,
                access_list: Default::default(),
                input: Bytes::from(data),
            }),
        }
    }

    /// The unsigned payload: `0x02 ‖ rlp(fields)`, `0x01 ‖ rlp(fields)`, or
    /// the legacy EIP-155 signing form.
    pub fn encode(&self) -> Vec<u8> {
        match &self.tx {
            Kind::Eip1559(tx) => tx.encoded_for_signing(),
            Kind::Eip2930(tx) => tx.encoded_for_signing(),
            Kind::Legacy(tx) => tx.encoded_for_signing(),
        }
    }

    /// Reads an unsigned payload, strictly (see the module docs).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() > MAX_TX_BYTES {
            return Err(DecodeError::TooLarge {
                len: bytes.len(),
                max: MAX_TX_BYTES,
            });
        }
        let (&ty, rlp) = bytes.split_first().ok_or(DecodeError::Empty)?;
        let tx = match ty {
            EIP1559_TYPE => Kind::Eip1559(typed::<TxEip1559>(rlp)?),
            EIP2930_TYPE => Kind::Eip2930(typed::<TxEip2930>(rlp)?),
            0xc0..=0xff => Kind::Legacy(legacy(bytes)?),
            0x00..=0x7f => return Err(DecodeError::UnsupportedType(ty)),
            _ => return Err(DecodeError::NotATransaction(ty)),
        };
        let this = UnsignedTx { tx };
        if this.encode() != bytes {
            return Err(DecodeError::NonCanonical);
        }
        Ok(this)
    }

    /// The signing hash: `keccak256` of [`encode`](Self::encode).
    pub fn signing_hash(&self) -> [u8; 32] {
        match &self.tx {
            Kind::Eip1559(tx) => tx.signature_hash().0,
            Kind::Eip2930(tx) => tx.signature_hash().0,
            Kind::Legacy(tx) => tx.signature_hash().0,
        }
    }

    /// The transaction's fields, in EIP-1559's terms (see [`Fields`]).
    pub fn fields(&self) -> Fields {
        match &self.tx {
            Kind::Eip1559(t) => Fields {
                tx_type: TxType::Eip1559,
                chain_id: t.chain_id,
                nonce: t.nonce,
                gas_limit: t.gas_limit,
                max_fee_per_gas: t.max_fee_per_gas,
                max_priority_fee_per_gas: t.max_priority_fee_per_gas,
                to: t.to,
                value: t.value,
                input: t.input.clone(),
                access_list: t.access_list.clone(),
            },
            Kind::Eip2930(t) => Fields {
                tx_type: TxType::Eip2930,
                chain_id: t.chain_id,
                nonce: t.nonce,
                gas_limit: t.gas_limit,
                max_fee_per_gas: t.gas_price,
                max_priority_fee_per_gas: t.gas_price,
                to: t.to,
                value: t.value,
                input: t.input.clone(),
                access_list: t.access_list.clone(),
            },
            Kind::Legacy(t) => Fields {
                tx_type: TxType::Legacy,
                chain_id: t.chain_id.unwrap_or_default(),
                nonce: t.nonce,
                gas_limit: t.gas_limit,
                max_fee_per_gas: t.gas_price,
                max_priority_fee_per_gas: t.gas_price,
                to: t.to,
                value: t.value,
                input: t.input.clone(),
                access_list: AccessList::default(),
            },
        }
    }

    /// Attaches an ECDSA signature `(r, s, y_parity)` over
    /// [`signing_hash`](Self::signing_hash), after checking that `s` is low
    /// and that the signature recovers to `expected_from`.
    pub fn assemble(
        &self,
        r: [u8; 32],
        s: [u8; 32],
        y_parity: bool,
        expected_from: Address,
    ) -> Result<SignedTx, AssembleError> {
        let sig = k256::ecdsa::Signature::from_scalars(r, s)
            .map_err(|_| AssembleError::InvalidScalars)?;
        if sig.normalize_s() != sig {
            return Err(AssembleError::HighS);
        }
        let hash = self.signing_hash();
        let key = VerifyingKey::recover_from_prehash(&hash, &sig, RecoveryId::new(y_parity, false))
            .map_err(|_| AssembleError::Unrecoverable)?;
        let recovered = address::from_verifying_key(&key);
        if recovered != expected_from {
            return Err(AssembleError::WrongSigner {
                expected: address::checksummed(&expected_from),
                recovered: address::checksummed(&recovered),
            });
        }
        let signature = Signature::from_scalars_and_parity(B256::from(r), B256::from(s), y_parity);
        let envelope = match &self.tx {
            Kind::Eip1559(tx) => TxEnvelope::from(tx.clone().into_signed(signature)),
            Kind::Eip2930(tx) => TxEnvelope::from(tx.clone().into_signed(signature)),
            Kind::Legacy(tx) => TxEnvelope::from(tx.clone().into_signed(signature)),
        };
        let raw = envelope.encoded_2718();
        let hash = keccak256(&raw).0;
        Ok(SignedTx { raw, hash })
    }
}

#[cfg(test)]
mod tests;
