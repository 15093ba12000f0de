//! Finalizing (BIP174 finalizer/extractor) a key-path PSBT with BIP340
//! signatures: each signature is checked with libsecp256k1 against the
//! wallet's output key and the input's BIP341 sighash (recomputed here from
//! the PSBT) before it goes into the witness.

use bitcoin::secp256k1::{Message, Secp256k1, schnorr};
use bitcoin::sighash::TapSighashType;
use bitcoin::{Psbt, Transaction, Witness, taproot};

use super::WalletKeys;
use super::sighash::{SighashError, sighashes};

/// Why a PSBT could not be finalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FinalizeError {
    /// The sighashes could not be computed.
    #[error(transparent)]
    Sighash(#[from] SighashError),
    /// A signature for an input that is not the wallet's, or twice.
    #[error("no signature is expected for input {index}")]
    Unexpected {
        /// The input.
        index: usize,
    },
    /// An input of the wallet has no signature.
    #[error("input {index} has no signature")]
    Missing {
        /// The input.
        index: usize,
    },
    /// A signature that does not verify.
    #[error("the signature for input {index} is not valid for the wallet's output key")]
    Invalid {
        /// The input.
        index: usize,
    },
    /// Inputs of other signers are not final yet.
    #[error("input {index} belongs to another signer and is not finalized")]
    Foreign {
        /// The input.
        index: usize,
    },
    /// The fee rate is absurd (the extractor's safety limit).
    #[error("refusing to extract: {0}")]
    Extract(String),
}

/// Puts `signatures` (input index, 64-byte BIP340) into the PSBT's inputs
/// as BIP371 `PSBT_IN_TAP_KEY_SIG` (0x13), each checked first: the signed
/// PSBT another wallet can combine, finalize and extract. Every other field
/// stays.
pub fn sign(
    mut psbt: Psbt,
    wallet: &WalletKeys,
    signatures: &[(usize, [u8; 64])],
) -> Result<Psbt, FinalizeError> {
    let digests = sighashes(&psbt, wallet)?;
    let secp = Secp256k1::verification_only();
    let key = wallet.output_key.to_x_only_public_key();
    for (index, sig) in signatures {
        let Some(d) = digests.iter().find(|d| d.index == *index) else {
            return Err(FinalizeError::Unexpected { index: *index });
        };
        let signature = schnorr::Signature::from_slice(sig)
            .map_err(|_| FinalizeError::Invalid { index: *index })?;
        secp.verify_schnorr(&signature, &Message::from_digest(d.digest), &key)
            .map_err(|_| FinalizeError::Invalid { index: *index })?;
        let sighash_type = super::sighash::sighash_type(&psbt, *index)?;
        let input = psbt
            .inputs
            .get_mut(*index)
            .ok_or(FinalizeError::Unexpected { index: *index })?;
        if input.final_script_witness.is_some() || input.tap_key_sig.is_some() {
            return Err(FinalizeError::Unexpected { index: *index });
        }
        input.tap_key_sig = Some(taproot::Signature {
            signature,
            sighash_type,
        });
    }
    Ok(psbt)
}

/// Puts `signatures` (input index, 64-byte BIP340) into the PSBT's inputs
/// ([`sign`]), finalizes them (BIP174 finalizer: the key-path witness, the
/// other fields cleared) and extracts the signed transaction; also the
/// signed PSBT before finalizing.
pub fn finalize(
    psbt: Psbt,
    wallet: &WalletKeys,
    signatures: &[(usize, [u8; 64])],
) -> Result<(Transaction, Psbt), FinalizeError> {
    let signed = sign(psbt, wallet, signatures)?;
    let mut psbt = signed.clone();
    let digests = sighashes(&psbt, wallet)?;
    for (index, _) in signatures {
        let input = &mut psbt.inputs[*index];
        let Some(tap_sig) = input.tap_key_sig.take() else {
            return Err(FinalizeError::Missing { index: *index });
        };
        // DEFAULT signatures are 64 bytes; ALL appends the sighash byte.
        let bytes = match tap_sig.sighash_type {
            TapSighashType::Default => tap_sig.signature.as_ref().to_vec(),
            _ => tap_sig.to_vec(),
        };
        input.final_script_witness = Some(Witness::from_slice(&[bytes]));
        // BIP174 finalizer: only the UTXOs (and unknowns) stay.
        input.tap_internal_key = None;
        input.tap_merkle_root = None;
        input.tap_key_origins.clear();
        input.sighash_type = None;
        input.partial_sigs.clear();
    }
    for (index, input) in psbt.inputs.iter().enumerate() {
        if input.final_script_witness.is_none() && input.final_script_sig.is_none() {
            return Err(if digests.iter().any(|d| d.index == index) {
                FinalizeError::Missing { index }
            } else {
                FinalizeError::Foreign { index }
            });
        }
    }
    let tx = psbt
        .extract_tx_fee_rate_limit()
        .map_err(|e| FinalizeError::Extract(e.to_string()))?;
    Ok((tx, signed))
}
