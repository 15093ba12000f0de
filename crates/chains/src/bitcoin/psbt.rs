//! PSBT bytes (BIP174): binary (`psbt\xff…`) or its base64 text, both parsed
//! strictly; and the spent outputs of every input, from `witness_utxo` or a
//! `non_witness_utxo` whose txid matches the prevout.

use base64::Engine;
use bitcoin::{Psbt, TxOut};

/// Why bytes are not a usable PSBT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PsbtError {
    /// Not BIP174.
    #[error("not a valid PSBT: {0}")]
    Parse(String),
    /// An input's spent output (amount and script) is not in the PSBT.
    #[error(
        "input {index} does not say what it spends (no witness_utxo or non_witness_utxo): its amount is unknown, so it cannot be previewed or signed"
    )]
    UnknownSpentOutput {
        /// The input.
        index: usize,
    },
    /// A `non_witness_utxo` that is not the transaction the input spends.
    #[error("input {index}: non_witness_utxo is not the transaction its prevout names")]
    PrevTxMismatch {
        /// The input.
        index: usize,
    },
    /// `witness_utxo` and `non_witness_utxo` disagree.
    #[error("input {index}: witness_utxo and non_witness_utxo disagree")]
    Inconsistent {
        /// The input.
        index: usize,
    },
}

const MAGIC: &[u8] = b"psbt\xff";

/// The largest PSBT accepted (binary; base64 text may be 4/3 of it).
pub const MAX_PSBT_BYTES: usize = 4 * 1024 * 1024;

/// Parses binary PSBT bytes, or base64 text of them.
pub fn parse(bytes: &[u8]) -> Result<Psbt, PsbtError> {
    if bytes.len() > MAX_PSBT_BYTES * 4 / 3 + 4 {
        return Err(PsbtError::Parse(format!(
            "{} bytes is larger than any PSBT Accord signs ({MAX_PSBT_BYTES})",
            bytes.len()
        )));
    }
    if bytes.starts_with(MAGIC) {
        return Psbt::deserialize(bytes).map_err(|e| PsbtError::Parse(e.to_string()));
    }
    let text = core::str::from_utf8(bytes)
        .map_err(|_| PsbtError::Parse("neither binary nor base64".into()))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| PsbtError::Parse(format!("bad base64: {e}")))?;
    if !decoded.starts_with(MAGIC) {
        return Err(PsbtError::Parse("missing the psbt magic bytes".into()));
    }
    Psbt::deserialize(&decoded).map_err(|e| PsbtError::Parse(e.to_string()))
}

/// The base64 text of a PSBT.
pub fn to_base64(psbt: &Psbt) -> String {
    base64::engine::general_purpose::STANDARD.encode(psbt.serialize())
}

/// What input `index` spends.
pub fn spent_output(psbt: &Psbt, index: usize) -> Result<TxOut, PsbtError> {
    let input = psbt
        .inputs
        .get(index)
        .ok_or(PsbtError::UnknownSpentOutput { index })?;
    let prevout = psbt
        .unsigned_tx
        .input
        .get(index)
        .ok_or(PsbtError::UnknownSpentOutput { index })?
        .previous_output;
    let from_tx = match &input.non_witness_utxo {
        Some(tx) => {
            if tx.compute_txid() != prevout.txid {
                return Err(PsbtError::PrevTxMismatch { index });
            }
            let out = usize::try_from(prevout.vout)
                .ok()
                .and_then(|v| tx.output.get(v))
                .ok_or(PsbtError::PrevTxMismatch { index })?;
            Some(out.clone())
        }
        None => None,
    };
    match (&input.witness_utxo, from_tx) {
        (Some(w), Some(t)) if *w != t => Err(PsbtError::Inconsistent { index }),
        (Some(w), _) => Ok(w.clone()),
        (None, Some(t)) => Ok(t),
        (None, None) => Err(PsbtError::UnknownSpentOutput { index }),
    }
}

/// Every input's spent output, in order.
pub fn spent_outputs(psbt: &Psbt) -> Result<Vec<TxOut>, PsbtError> {
    (0..psbt.unsigned_tx.input.len())
        .map(|i| spent_output(psbt, i))
        .collect()
}
