//! Bitcoin: the BIP341 key-path sighashes of a PSBT's wallet inputs
//! (BIP174 + BIP371), and BIP340 signatures into their witnesses (BIP174
//! finalizer and extractor), each verified with libsecp256k1 first.

use bitcoin::Psbt;
use bitcoin::consensus::encode::{serialize, serialize_hex};

use super::{
    FinishError, PrepareError, SignatureKind, Signed, ThresholdSignature, WalletPublicKeys,
};
use crate::bitcoin::finalize::{FinalizeError, finalize};
use crate::bitcoin::preview::preview_psbt;
use crate::bitcoin::psbt::parse;
use crate::bitcoin::sighash::{SighashError, sighashes};
use crate::bitcoin::{Network, WalletKeys};
use crate::preview::Preview;

/// The wallet's Taproot keys on `network`.
pub(super) fn wallet_keys(
    wallet: &WalletPublicKeys,
    network: Network,
) -> Result<WalletKeys, PrepareError> {
    WalletKeys::new(
        &wallet.taproot_output,
        wallet.taproot_internal.as_ref().map(|k| k.as_slice()),
        network,
    )
    .map_err(PrepareError::BitcoinKey)
}

/// The parsed PSBT and the wallet inputs the messages belong to.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    psbt: Psbt,
    wallet: WalletKeys,
    /// The input index of each message, in order.
    inputs: Vec<usize>,
}

/// Parses and previews the PSBT; one sighash per wallet input.
pub(super) fn prepare(
    network: Network,
    unsigned: &[u8],
    wallet: &WalletPublicKeys,
) -> Result<(Preview, Vec<Vec<u8>>, Pending), PrepareError> {
    let keys = wallet_keys(wallet, network)?;
    let psbt = parse(unsigned).map_err(PrepareError::Psbt)?;
    let preview =
        preview_psbt(&psbt, network, Some(&keys)).map_err(PrepareError::BitcoinPreview)?;
    let digests = sighashes(&psbt, &keys).map_err(|e| match e {
        SighashError::NothingToSign => PrepareError::NotSpendingFromWallet {
            address: keys.address().to_string(),
        },
        other => PrepareError::Sighash(other),
    })?;
    let messages = digests.iter().map(|d| d.digest.to_vec()).collect();
    let inputs = digests.iter().map(|d| d.index).collect();
    Ok((
        preview,
        messages,
        Pending {
            psbt,
            wallet: keys,
            inputs,
        },
    ))
}

impl Pending {
    /// One message per wallet input.
    pub(super) fn message_count(&self) -> usize {
        self.inputs.len()
    }

    /// Finalizes with one BIP340 signature per wallet input, in message
    /// order (the caller checked the count).
    pub(super) fn finish(&self, signatures: &[ThresholdSignature]) -> Result<Signed, FinishError> {
        let pairs: Vec<(usize, [u8; 64])> = self
            .inputs
            .iter()
            .copied()
            .zip(signatures.iter().map(|s| s.bytes))
            .collect();
        let (tx, psbt) =
            finalize(self.psbt.clone(), &self.wallet, &pairs).map_err(|e| match e {
                FinalizeError::Invalid { index } => FinishError::InvalidSignature {
                    index: self
                        .inputs
                        .iter()
                        .position(|i| *i == index)
                        .unwrap_or(index),
                    kind: SignatureKind::Bip340,
                    reason: e.to_string(),
                },
                other => FinishError::Bitcoin(other),
            })?;
        Ok(Signed {
            raw: serialize(&tx),
            encoded: serialize_hex(&tx),
            txid: tx.compute_txid().to_string(),
            psbt: Some(psbt.serialize()),
        })
    }
}
