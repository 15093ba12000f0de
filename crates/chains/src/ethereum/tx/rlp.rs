//! Strict readers of the RLP a co-signer receives: a typed transaction's
//! fields after its EIP-2718 type byte, and a legacy transaction in its
//! EIP-155 signing form (six fields, chain id, two zeros).

use alloy_consensus::TxLegacy;
use alloy_consensus::transaction::RlpEcdsaDecodableTx;
use alloy_primitives::U256;
use alloy_rlp::{Decodable, Header};

use super::DecodeError;

/// The RLP list of a typed transaction (after its type byte); a signed
/// one is [`DecodeError::Signed`].
pub(super) fn typed<T: RlpEcdsaDecodableTx>(rlp: &[u8]) -> Result<T, DecodeError> {
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
pub(super) fn legacy(bytes: &[u8]) -> Result<TxLegacy, DecodeError> {
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
