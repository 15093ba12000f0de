//! The preview of a PSBT (BIP174), from its bytes alone: recipients and
//! amounts from the unsigned transaction, the exact fee from the spent
//! outputs the PSBT carries, change recognised by the wallet's output key.
//! Its effects are the outputs paid to others, as transfers.

use std::collections::BTreeMap;

use bitcoin::{Address, Psbt};

use super::psbt::{PsbtError, parse, spent_outputs};
use super::{Network, WalletKeys};
use crate::amount::Amount;
use crate::chain::Chain;
use crate::effect::Effect;
use crate::preview::{Asset, FeeKind, Preview, Transfer, Warning, fee_warnings};

/// Fees above this (0.001 BTC) are flagged.
pub const FEE_CAP_SAT: u64 = 100_000;
const DECIMALS: u8 = 8;

/// Why a PSBT cannot be previewed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreviewError {
    /// Not a PSBT, or an input's amount is unknown.
    #[error(transparent)]
    Psbt(#[from] PsbtError),
    /// Outputs worth more than the inputs.
    #[error("outputs ({outputs} sat) exceed inputs ({inputs} sat)")]
    NegativeFee {
        /// Sum of inputs.
        inputs: u64,
        /// Sum of outputs.
        outputs: u64,
    },
    /// An output above 21 million BTC.
    #[error("output {index} is worth more than 21 million BTC")]
    Value {
        /// The output.
        index: usize,
    },
    /// The wallet given is of another network.
    #[error("the wallet is on {wallet}, the preview was asked for {asked}")]
    NetworkMismatch {
        /// The wallet's.
        wallet: Network,
        /// The one asked for.
        asked: Network,
    },
}

fn btc(to: String, sat: u64) -> Transfer {
    Transfer {
        to,
        amount: Amount::from_u64(sat, DECIMALS),
        asset: Asset::Native,
        symbol: Some("BTC".into()),
        decimals_known: true,
    }
}

/// Previews PSBT `bytes` (binary or base64) for `network`.
pub fn preview(
    bytes: &[u8],
    network: Network,
    wallet: Option<&WalletKeys>,
) -> Result<Preview, PreviewError> {
    let psbt = parse(bytes)?;
    preview_psbt(&psbt, network, wallet)
}

/// Previews a parsed PSBT.
pub fn preview_psbt(
    psbt: &Psbt,
    network: Network,
    wallet: Option<&WalletKeys>,
) -> Result<Preview, PreviewError> {
    if let Some(w) = wallet
        && w.network != network
    {
        return Err(PreviewError::NetworkMismatch {
            wallet: w.network,
            asked: network,
        });
    }
    let spent = spent_outputs(psbt)?;
    let inputs: u64 = spent
        .iter()
        .map(|o| o.value.to_sat())
        .fold(0, u64::saturating_add);
    let tx = &psbt.unsigned_tx;
    let outputs: u64 = tx
        .output
        .iter()
        .map(|o| o.value.to_sat())
        .fold(0, u64::saturating_add);
    let fee = inputs
        .checked_sub(outputs)
        .ok_or(PreviewError::NegativeFee { inputs, outputs })?;

    let own = wallet.map(WalletKeys::script_pubkey);
    let mut warnings = Vec::new();
    let mut transfers = Vec::new();
    let mut change = Vec::new();
    for (index, out) in tx.output.iter().enumerate() {
        if out.value > bitcoin::Amount::MAX_MONEY {
            return Err(PreviewError::Value { index });
        }
        let script = &out.script_pubkey;
        // Witness programs rust-bitcoin renders as addresses but that anyone
        // can spend (P2A, v1 of other lengths, v2–v16) are flagged.
        let standard = script.is_p2pkh()
            || script.is_p2sh()
            || script.is_p2wpkh()
            || script.is_p2wsh()
            || script.is_p2tr();
        if !standard && script.is_witness_program() {
            warnings.push(Warning::Unusual {
                detail: format!(
                    "output {index} pays a witness program that is not a standard address type ({}); anyone may be able to spend it",
                    script.to_hex_string()
                ),
            });
        }
        let to = match Address::from_script(script, network.to_bitcoin()) {
            Ok(a) => a.to_string(),
            Err(_) => {
                warnings.push(Warning::Unusual {
                    detail: if out.script_pubkey.is_op_return() {
                        format!(
                            "output {index} is OP_RETURN data ({} sat burned)",
                            out.value.to_sat()
                        )
                    } else {
                        format!(
                            "output {index} pays a non-standard script {}",
                            out.script_pubkey.to_hex_string()
                        )
                    },
                });
                format!("script:{}", out.script_pubkey.to_hex_string())
            }
        };
        let t = btc(to, out.value.to_sat());
        if own.as_ref() == Some(&out.script_pubkey) {
            change.push(t);
        } else {
            transfers.push(t);
        }
    }
    // Everything back to the wallet: a self-send (consolidation), not change.
    if transfers.is_empty() && !change.is_empty() {
        transfers = std::mem::take(&mut change);
        for t in &transfers {
            warnings.push(Warning::SendToSelf { to: t.to.clone() });
        }
    }
    let fee_amount = Amount::from_u64(fee, DECIMALS);
    let mut all_warnings = fee_warnings(
        fee_amount,
        &transfers,
        Amount::from_u64(FEE_CAP_SAT, DECIMALS),
    );
    all_warnings.extend(warnings);

    let wallet_inputs = own
        .as_ref()
        .map(|s| spent.iter().filter(|o| &o.script_pubkey == s).count());
    let key_path_weight = super::build::weight(
        tx.input.len(),
        &tx.output
            .iter()
            .map(|o| &o.script_pubkey)
            .collect::<Vec<_>>(),
    );
    let mut details = BTreeMap::from([
        ("txid".to_owned(), tx.compute_txid().to_string()),
        ("inputs".to_owned(), tx.input.len().to_string()),
        ("outputs".to_owned(), tx.output.len().to_string()),
        ("input_total_sat".to_owned(), inputs.to_string()),
        (
            "lock_time".to_owned(),
            tx.lock_time.to_consensus_u32().to_string(),
        ),
        (
            "vsize_if_key_path".to_owned(),
            key_path_weight.div_ceil(4).to_string(),
        ),
    ]);
    // The BIP341 key-path sighash of every input, for co-signers to compare.
    let prevouts = bitcoin::sighash::Prevouts::All(&spent);
    let mut cache = bitcoin::sighash::SighashCache::new(tx);
    for index in 0..tx.input.len() {
        if let Ok(kind) = super::sighash::sighash_type(psbt, index)
            && let Ok(hash) = cache.taproot_key_spend_signature_hash(index, &prevouts, kind)
        {
            details.insert(format!("sighash_{index}"), hash.to_string());
        }
    }
    if let Some(n) = wallet_inputs {
        details.insert("wallet_inputs".to_owned(), n.to_string());
        if n < tx.input.len() {
            all_warnings.push(Warning::Unusual {
                detail: format!(
                    "{} of {} inputs belong to somebody else",
                    tx.input.len() - n,
                    tx.input.len()
                ),
            });
        }
    }
    let effects = transfers.iter().cloned().map(Effect::Transfer).collect();
    Ok(Preview {
        chain: Chain::Bitcoin,
        network: network.name().to_owned(),
        transfers,
        change,
        fee: fee_amount,
        fee_kind: FeeKind::Exact,
        calls: Vec::new(),
        warnings: all_warnings,
        effects,
        details,
    })
}
