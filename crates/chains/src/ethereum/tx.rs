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

use alloy_consensus::transaction::RlpEcdsaDecodableTx;
use alloy_consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEnvelope, TxLegacy};
use alloy_eips::eip2718::Encodable2718;
use alloy_eips::eip2930::AccessList;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256, keccak256};
use alloy_rlp::{Decodable, Header};
use k256::ecdsa::{RecoveryId, VerifyingKey};

use crate::ethereum::{address, erc20};

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

/// The RLP list of a typed transaction (after its type byte); a signed
/// one is [`DecodeError::Signed`].
fn typed<T: RlpEcdsaDecodableTx>(rlp: &[u8]) -> Result<T, DecodeError> {
    let mut buf = rlp;
    let tx = match T::rlp_decode(&mut buf) {
        Ok(tx) => tx,
        Err(e) => {
            let mut again = rlp;
            return Err(match T::rlp_decode_signed(&mut again) {
                Ok(_) => DecodeError::Signed,
                Err(_) => DecodeError::Rlp(e.to_string()),
            });
        }
    };
    if !buf.is_empty() {
        return Err(DecodeError::TrailingBytes(buf.len()));
    }
    Ok(tx)
}

/// A legacy transaction in its EIP-155 signing form: six fields, then the
/// chain id and two zeros.
fn legacy(bytes: &[u8]) -> Result<TxLegacy, DecodeError> {
    let rlp = |e: alloy_rlp::Error| DecodeError::Rlp(e.to_string());
    let mut buf = bytes;
    let header = Header::decode(&mut buf).map_err(rlp)?;
    if !header.list {
        return Err(DecodeError::Rlp("not a list".into()));
    }
    if buf.len() < header.payload_length {
        return Err(DecodeError::Rlp("the list is longer than the input".into()));
    }
    let (mut payload, rest) = buf.split_at(header.payload_length);
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    let mut tx = TxLegacy::rlp_decode_fields(&mut payload).map_err(rlp)?;
    if payload.is_empty() {
        return Err(DecodeError::NoChainId);
    }
    let v = u64::decode(&mut payload).map_err(rlp)?;
    let r = U256::decode(&mut payload).map_err(rlp)?;
    let s = U256::decode(&mut payload).map_err(rlp)?;
    if !payload.is_empty() {
        return Err(DecodeError::Rlp("more than nine fields".into()));
    }
    if !r.is_zero() || !s.is_zero() {
        return Err(DecodeError::Signed);
    }
    if v == 0 {
        return Err(DecodeError::NoChainId);
    }
    tx.chain_id = Some(v);
    Ok(tx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;
    use k256::ecdsa::SigningKey;
    use proptest::prelude::*;

    fn gas() -> Gas {
        Gas {
            gas_limit: 21_000,
            max_fee_per_gas: 30_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        }
    }

    fn sample() -> UnsignedTx {
        UnsignedTx::eth_transfer(
            1,
            7,
            address!("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            U256::from(10u64).pow(U256::from(17u8)),
            gas(),
        )
    }

    #[test]
    fn encoding_is_type_2_rlp_and_round_trips() {
        let tx = sample();
        let bytes = tx.encode();
        assert_eq!(bytes[0], 0x02);
        assert!(bytes[1] >= 0xc0, "an RLP list follows the type byte");
        assert_eq!(UnsignedTx::decode(&bytes).unwrap(), tx);
        assert_eq!(tx.signing_hash(), keccak256(&bytes).0);
        assert_eq!(tx.fields().nonce, 7);
        assert_eq!(gas().max_fee(), U256::from(630_000_000_000_000u64));
    }

    /// EIP-155's example: its signing data, hash and signed transaction.
    #[test]
    fn legacy_eip155_example() {
        let signing = hex::decode(
            "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080",
        )
        .unwrap();
        let tx = UnsignedTx::decode(&signing).unwrap();
        let f = tx.fields();
        assert_eq!(f.tx_type, TxType::Legacy);
        assert_eq!((f.chain_id, f.nonce, f.gas_limit), (1, 9, 21_000));
        assert_eq!(f.max_fee_per_gas, 20_000_000_000);
        assert_eq!(
            hex::encode(tx.signing_hash()),
            "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
        );
        let key = SigningKey::from_slice(&[0x46; 32]).unwrap();
        let (sig, id) = key.sign_prehash_recoverable(&tx.signing_hash());
        let from = address::from_verifying_key(key.verifying_key());
        let (r, s) = sig.split_bytes();
        let signed = tx
            .assemble(r.into(), s.into(), id.is_y_odd(), from)
            .unwrap();
        assert_eq!(
            hex::encode(&signed.raw),
            "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
        );
        // Without the chain id (pre-EIP-155): refused; signed: refused.
        let bare = alloy_rlp::Header {
            list: true,
            payload_length: signing.len() - 1 - 3,
        };
        let mut pre155 = Vec::new();
        bare.encode(&mut pre155);
        pre155.extend_from_slice(&signing[1..signing.len() - 3]);
        assert_eq!(UnsignedTx::decode(&pre155), Err(DecodeError::NoChainId));
        assert_eq!(UnsignedTx::decode(&signed.raw), Err(DecodeError::Signed));
        let mut zero_chain = signing.clone();
        zero_chain[signing.len() - 3] = 0x80;
        assert_eq!(UnsignedTx::decode(&zero_chain), Err(DecodeError::NoChainId));
    }

    #[test]
    fn eip2930_round_trips_and_signs() {
        let inner = TxEip2930 {
            chain_id: 31_337,
            nonce: 3,
            gas_price: 2_000_000_000,
            gas_limit: 30_000,
            to: TxKind::Call(address!("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")),
            value: U256::from(5u8),
            input: Bytes::new(),
            access_list: AccessList(vec![alloy_eips::eip2930::AccessListItem {
                address: address!("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
                storage_keys: vec![B256::ZERO],
            }]),
        };
        let bytes = inner.encoded_for_signing();
        assert_eq!(bytes[0], 0x01);
        let tx = UnsignedTx::decode(&bytes).unwrap();
        let f = tx.fields();
        assert_eq!(f.tx_type, TxType::Eip2930);
        assert_eq!((f.chain_id, f.max_fee_per_gas), (31_337, 2_000_000_000));
        assert_eq!(f.access_list.0.len(), 1);
        assert_eq!(tx.signing_hash(), inner.signature_hash().0);
        let key = SigningKey::from_slice(&[0x11; 32]).unwrap();
        let (sig, id) = key.sign_prehash_recoverable(&tx.signing_hash());
        let from = address::from_verifying_key(key.verifying_key());
        let (r, s) = sig.split_bytes();
        let signed = tx
            .assemble(r.into(), s.into(), id.is_y_odd(), from)
            .unwrap();
        assert_eq!(signed.raw[0], 0x01);
        let mut raw = signed.raw.as_slice();
        let envelope =
            <TxEnvelope as alloy_eips::eip2718::Decodable2718>::decode_2718(&mut raw).unwrap();
        assert!(envelope.is_eip2930());
        assert_eq!(envelope.tx_hash().0, signed.hash);
        assert_eq!(UnsignedTx::decode(&signed.raw), Err(DecodeError::Signed));
    }

    #[test]
    fn decode_refuses_other_shapes() {
        let bytes = sample().encode();
        assert_eq!(UnsignedTx::decode(&[]), Err(DecodeError::Empty));
        for ty in [0x00, 0x03, 0x04, 0x7f] {
            let mut other = bytes.clone();
            other[0] = ty;
            assert_eq!(
                UnsignedTx::decode(&other),
                Err(DecodeError::UnsupportedType(ty))
            );
        }
        let mut odd = bytes.clone();
        odd[0] = 0x80;
        assert_eq!(
            UnsignedTx::decode(&odd),
            Err(DecodeError::NotATransaction(0x80))
        );
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert_eq!(
            UnsignedTx::decode(&trailing),
            Err(DecodeError::TrailingBytes(1))
        );
        assert!(matches!(
            UnsignedTx::decode(&bytes[..bytes.len() - 1]),
            Err(DecodeError::Rlp(_))
        ));
        assert!(matches!(
            UnsignedTx::decode(&vec![0x02; MAX_TX_BYTES + 1]),
            Err(DecodeError::TooLarge { .. })
        ));
    }

    #[test]
    fn decode_refuses_a_signed_transaction() {
        let key = SigningKey::from_slice(&[0x42; 32]).unwrap();
        let from = address::from_verifying_key(key.verifying_key());
        let signed = signed_by(&key, &sample(), from);
        assert_eq!(UnsignedTx::decode(&signed.raw), Err(DecodeError::Signed));
    }

    /// The secp256k1 group order n.
    fn n() -> U256 {
        U256::from_be_bytes(alloy_primitives::hex!(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        ))
    }

    /// `(r, s)` of a low-s signature by a local key.
    fn sign(key: &SigningKey, tx: &UnsignedTx) -> ([u8; 32], [u8; 32]) {
        let (sig, _) = key.sign_prehash_recoverable(&tx.signing_hash());
        let bytes = sig.normalize_s().to_bytes();
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        s.copy_from_slice(&bytes[32..]);
        (r, s)
    }

    /// Signs with a local key, trying both parities.
    fn signed_by(key: &SigningKey, tx: &UnsignedTx, from: Address) -> SignedTx {
        let (r, s) = sign(key, tx);
        tx.assemble(r, s, false, from)
            .or_else(|_| tx.assemble(r, s, true, from))
            .unwrap()
    }

    #[test]
    fn decode_refuses_non_canonical_rlp() {
        // The sample is a short list (0xc0 + len): 0x02, header, then the
        // fields, starting with chain id 1 (0x01) and nonce 7 (0x07).
        let bytes = sample().encode();
        assert!((0xc0..=0xf7).contains(&bytes[1]));
        assert_eq!(&bytes[2..4], &[0x01, 0x07]);
        // Rewrite nonce 7 as the one-byte string 0x81 0x07: same value, not canonical.
        let mut bad = vec![0x02, bytes[1] + 1, 0x01, 0x81];
        bad.extend_from_slice(&bytes[3..]);
        assert!(matches!(UnsignedTx::decode(&bad), Err(DecodeError::Rlp(_))));
        // A list header in long form for a short payload.
        let mut long = vec![0x02, 0xf8, bytes[1] - 0xc0];
        long.extend_from_slice(&bytes[2..]);
        assert!(UnsignedTx::decode(&long).is_err());
    }

    #[test]
    fn assemble_checks_low_s_and_signer() {
        let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let from = address::from_verifying_key(key.verifying_key());
        let tx = sample();
        let signed = signed_by(&key, &tx, from);
        assert_eq!(signed.raw[0], 0x02);
        assert_eq!(signed.hash, keccak256(&signed.raw).0);

        let (r, s) = sign(&key, &tx);
        // The wrong parity recovers another key.
        let wrong = [false, true]
            .into_iter()
            .map(|p| tx.assemble(r, s, p, from))
            .filter(|res| matches!(res, Err(AssembleError::WrongSigner { .. })))
            .count();
        assert_eq!(wrong, 1);
        // Another wallet.
        let other = Address::repeat_byte(9);
        assert!(matches!(
            tx.assemble(r, s, false, other),
            Err(AssembleError::WrongSigner { .. })
        ));
        // High s: n - s.
        let high: [u8; 32] = (n() - U256::from_be_bytes(s)).to_be_bytes();
        assert_eq!(tx.assemble(r, high, false, from), Err(AssembleError::HighS));
        assert_eq!(tx.assemble(r, high, true, from), Err(AssembleError::HighS));
        // Zero and out-of-range scalars.
        assert_eq!(
            tx.assemble([0; 32], s, false, from),
            Err(AssembleError::InvalidScalars)
        );
        assert_eq!(
            tx.assemble(r, [0xff; 32], false, from),
            Err(AssembleError::InvalidScalars)
        );
    }

    proptest! {
        #[test]
        fn round_trips(
            chain_id in any::<u64>(), nonce in any::<u64>(), gas_limit in any::<u64>(),
            max_fee in any::<u128>(), tip in any::<u128>(), to in any::<[u8; 20]>(),
            value in any::<[u8; 32]>(), data in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let gas = Gas { gas_limit, max_fee_per_gas: max_fee, max_priority_fee_per_gas: tip };
            let tx = UnsignedTx::contract_call(
                chain_id, nonce, Address::from(to), U256::from_be_bytes(value), data, gas);
            let bytes = tx.encode();
            prop_assert_eq!(UnsignedTx::decode(&bytes).unwrap(), tx);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = UnsignedTx::decode(&bytes);
            let mut typed = vec![0x02];
            typed.extend(&bytes);
            let _ = UnsignedTx::decode(&typed);
        }

        #[test]
        fn decode_never_panics_on_mutations(
            data in proptest::collection::vec(any::<u8>(), 0..100),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6),
        ) {
            let gas = Gas { gas_limit: 60_000, max_fee_per_gas: 1 << 40, max_priority_fee_per_gas: 1 << 30 };
            let mut bytes = UnsignedTx::contract_call(
                10, 3, Address::repeat_byte(1), U256::from(5u8), data, gas).encode();
            for (at, byte, op) in edits {
                let i = at % (bytes.len() + 1);
                match op {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 => bytes.insert(i, byte),
                    _ if i < bytes.len() => { bytes.remove(i); }
                    _ => {}
                }
            }
            if let Ok(tx) = UnsignedTx::decode(&bytes) {
                // Whatever decodes re-encodes to exactly the bytes given.
                prop_assert_eq!(tx.encode(), bytes);
            }
        }
    }
}
