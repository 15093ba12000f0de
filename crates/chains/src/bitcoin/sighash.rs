//! BIP341 key-path signature hashes, computed from the PSBT itself: the
//! digests a co-signer signs are derived from the same bytes it previewed.
//! Every input's spent output must be known (the Taproot sighash commits to
//! all of them); only inputs paying to the wallet's output key are signed.

use bitcoin::Psbt;
use bitcoin::sighash::{Prevouts, SighashCache, TapSighashType};

use super::WalletKeys;
use super::psbt::{PsbtError, spent_outputs};

/// The digest one of the wallet's inputs needs signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputDigest {
    /// The input.
    pub index: usize,
    /// The BIP341 sighash (BIP340 message).
    pub digest: [u8; 32],
}

/// Why the PSBT cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SighashError {
    /// A spent output is unknown or inconsistent.
    #[error(transparent)]
    Psbt(#[from] PsbtError),
    /// No input pays to this wallet.
    #[error("no input of this PSBT spends from the wallet")]
    NothingToSign,
    /// A sighash type other than DEFAULT or ALL.
    #[error("input {index} asks for sighash type {kind}; only DEFAULT and ALL are signed")]
    UnsupportedSighash {
        /// The input.
        index: usize,
        /// What it asks for.
        kind: String,
    },
    /// The library could not compute it.
    #[error("input {index}: {reason}")]
    Compute {
        /// The input.
        index: usize,
        /// Why.
        reason: String,
    },
}

/// The sighash type input `index` asks for, if we sign it.
pub(crate) fn sighash_type(psbt: &Psbt, index: usize) -> Result<TapSighashType, SighashError> {
    let requested = psbt.inputs.get(index).and_then(|i| i.sighash_type);
    match requested.map(|t| t.taproot_hash_ty()) {
        None => Ok(TapSighashType::Default),
        Some(Ok(t @ (TapSighashType::Default | TapSighashType::All))) => Ok(t),
        Some(other) => Err(SighashError::UnsupportedSighash {
            index,
            kind: match other {
                Ok(t) => t.to_string(),
                Err(e) => e.to_string(),
            },
        }),
    }
}

/// The digests of every input that spends from `wallet`.
pub fn sighashes(psbt: &Psbt, wallet: &WalletKeys) -> Result<Vec<InputDigest>, SighashError> {
    let spent = spent_outputs(psbt)?;
    let ours = wallet.script_pubkey();
    let prevouts = Prevouts::All(&spent);
    let mut cache = SighashCache::new(&psbt.unsigned_tx);
    let mut out = Vec::new();
    for (index, txout) in spent.iter().enumerate() {
        if txout.script_pubkey != ours {
            continue;
        }
        let kind = sighash_type(psbt, index)?;
        let hash = cache
            .taproot_key_spend_signature_hash(index, &prevouts, kind)
            .map_err(|e| SighashError::Compute {
                index,
                reason: e.to_string(),
            })?;
        out.push(InputDigest {
            index,
            digest: hash.to_raw_hash().to_byte_array(),
        });
    }
    if out.is_empty() {
        return Err(SighashError::NothingToSign);
    }
    Ok(out)
}

use bitcoin::hashes::Hash as _;
