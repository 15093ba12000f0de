//! EIP-1559 transactions in their EIP-2718 typed envelope.
//!
//! - Unsigned form (what co-signers and hardware wallets receive, and what
//!   [`UnsignedTx::encode`] / [`UnsignedTx::decode`] read and write):
//!   `0x02 ‖ rlp([chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas,
//!   gas_limit, to, value, data, access_list])`.
//! - Signing hash (EIP-1559): `keccak256` of exactly those bytes.
//! - Signed envelope (EIP-2718): `0x02 ‖ rlp([..same fields.., y_parity, r, s])`;
//!   the transaction hash is its `keccak256`.
//!
//! [`UnsignedTx::decode`] is strict — type byte `0x02`, canonical RLP that
//! re-encodes to the same bytes, nothing after it — so the bytes a co-signer
//! previews are exactly the bytes whose hash it signs.
//! [`UnsignedTx::assemble`] refuses a high-`s` signature (EIP-2) and one that
//! does not recover to the wallet's address.

use alloy_consensus::transaction::RlpEcdsaDecodableTx;
use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256, keccak256};
use k256::ecdsa::{RecoveryId, VerifyingKey};

use crate::ethereum::{address, erc20};

/// The EIP-2718 type byte of EIP-1559 transactions.
pub const EIP1559_TYPE: u8 = 0x02;

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

/// An unsigned EIP-1559 transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedTx {
    tx: TxEip1559,
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
    /// A legacy (pre-EIP-2718) transaction: an RLP list, no type byte.
    #[error("legacy (untyped) transactions are not supported: send EIP-1559 (type 2)")]
    Legacy,
    /// Another EIP-2718 type.
    #[error("transaction type {0:#04x} is not supported: only EIP-1559 (type 0x02)")]
    UnsupportedType(u8),
    /// A first byte that is neither an EIP-2718 type (0x00–0x7f) nor an RLP list.
    #[error("first byte {0:#04x} is not an EIP-2718 transaction type")]
    NotATransaction(u8),
    /// Already signed: a co-signer signs unsigned transactions only.
    #[error("this is a signed transaction; expected the unsigned EIP-1559 payload")]
    Signed,
    /// The RLP after the type byte is not the nine EIP-1559 fields.
    #[error("invalid EIP-1559 RLP: {0}")]
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
            tx: TxEip1559 {
                chain_id,
                nonce,
                gas_limit: gas.gas_limit,
                max_fee_per_gas: gas.max_fee_per_gas,
                max_priority_fee_per_gas: gas.max_priority_fee_per_gas,
                to: TxKind::Call(to),
                value,
                access_list: Default::default(),
                input: Bytes::from(data),
            },
        }
    }

    /// The EIP-2718 unsigned payload `0x02 ‖ rlp(fields)`.
    pub fn encode(&self) -> Vec<u8> {
        self.tx.encoded_for_signing()
    }

    /// Reads an unsigned EIP-1559 payload, strictly (see the module docs).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        if bytes.len() > MAX_TX_BYTES {
            return Err(DecodeError::TooLarge {
                len: bytes.len(),
                max: MAX_TX_BYTES,
            });
        }
        let (&ty, rlp) = bytes.split_first().ok_or(DecodeError::Empty)?;
        match ty {
            EIP1559_TYPE => {}
            0xc0..=0xff => return Err(DecodeError::Legacy),
            0x00..=0x7f => return Err(DecodeError::UnsupportedType(ty)),
            _ => return Err(DecodeError::NotATransaction(ty)),
        }
        let mut buf = rlp;
        let tx = match TxEip1559::rlp_decode(&mut buf) {
            Ok(tx) => tx,
            Err(e) => {
                let mut again = rlp;
                return Err(match TxEip1559::rlp_decode_signed(&mut again) {
                    Ok(_) => DecodeError::Signed,
                    Err(_) => DecodeError::Rlp(e.to_string()),
                });
            }
        };
        if !buf.is_empty() {
            return Err(DecodeError::TrailingBytes(buf.len()));
        }
        let this = UnsignedTx { tx };
        if this.encode() != bytes {
            return Err(DecodeError::NonCanonical);
        }
        Ok(this)
    }

    /// The EIP-1559 signing hash: `keccak256(0x02 ‖ rlp(fields))`.
    pub fn signing_hash(&self) -> [u8; 32] {
        self.tx.signature_hash().0
    }

    /// The transaction's fields.
    pub fn fields(&self) -> &TxEip1559 {
        &self.tx
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
        let envelope = TxEnvelope::from(self.tx.clone().into_signed(signature));
        let raw = envelope.encoded_2718();
        let hash = keccak256(&raw).0;
        Ok(SignedTx { raw, hash })
    }
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

    #[test]
    fn decode_refuses_other_shapes() {
        let bytes = sample().encode();
        assert_eq!(UnsignedTx::decode(&[]), Err(DecodeError::Empty));
        let mut legacy = bytes.clone();
        legacy.remove(0);
        assert_eq!(UnsignedTx::decode(&legacy), Err(DecodeError::Legacy));
        for ty in [0x00, 0x01, 0x03, 0x04, 0x7f] {
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
