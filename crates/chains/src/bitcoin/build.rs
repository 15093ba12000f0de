//! Building a PSBT (BIP174 v0, BIP371 Taproot fields) that spends the
//! wallet's UTXOs by BIP341 key path to the given recipients at a fee rate
//! in sat/vB, with change back to the wallet unless it would be dust.
//!
//! Sizes (BIP141 weight): a key-path input is 41 bytes + a 66-WU witness
//! (57.5 vB); an output is 8 + 1 + script bytes; the transaction adds
//! version, lock time, counts and the segwit marker. The fee is the vsize,
//! rounded up, times the rate; what a change output would receive below the
//! dust limit goes to the fee instead.

use bitcoin::absolute::LockTime;
use bitcoin::psbt::{Input, Output};
use bitcoin::transaction::Version;
use bitcoin::{
    Address, Amount, OutPoint, Psbt, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness,
};

use super::WalletKeys;

/// A coin of the wallet's: what to spend and how much it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utxo {
    /// The output.
    pub outpoint: OutPoint,
    /// Its value.
    pub amount: Amount,
}

/// Why a PSBT could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Nothing to spend.
    #[error("no UTXOs to spend")]
    NoInputs,
    /// Nobody to pay.
    #[error("no recipients")]
    NoRecipients,
    /// A recipient of another network.
    #[error("{address} is not an address on {network}")]
    WrongNetwork {
        /// The address.
        address: String,
        /// The wallet's network.
        network: super::Network,
    },
    /// A payment below the dust limit for its script.
    #[error("output {index} pays {amount} sat, below the {minimum}-sat dust limit for its script")]
    Dust {
        /// The output.
        index: usize,
        /// Its amount.
        amount: u64,
        /// The limit.
        minimum: u64,
    },
    /// A fee rate of 0 or above 10 000 sat/vB.
    #[error("fee rate {0} sat/vB is outside 1..=10000")]
    FeeRate(u64),
    /// The UTXOs do not cover payments and fee.
    #[error(
        "insufficient funds: {needed} sat needed (payments and fee), {available} sat available"
    )]
    Insufficient {
        /// Payments plus fee.
        needed: u64,
        /// Sum of the UTXOs.
        available: u64,
    },
    /// An amount sum beyond 21 million BTC.
    #[error("amounts overflow")]
    Overflow,
    /// The library refused the transaction.
    #[error("cannot build the PSBT: {0}")]
    Psbt(String),
}

/// Weight units of one P2TR key-path input (41 bytes × 4 + 66-WU witness).
pub const KEY_PATH_INPUT_WU: u64 = 41 * 4 + 66;

fn output_wu(script: &ScriptBuf) -> u64 {
    (8 + varint_len(script.len() as u64) + script.len() as u64) * 4
}

fn varint_len(n: u64) -> u64 {
    match n {
        0..=0xfc => 1,
        0xfd..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// The weight of a transaction with `inputs` key-path inputs and these outputs.
pub fn weight(inputs: usize, outputs: &[&ScriptBuf]) -> u64 {
    let counts = varint_len(inputs as u64) + varint_len(outputs.len() as u64);
    // version + lock time + counts, ×4; segwit marker and flag, 1 WU each.
    (4 + 4 + counts) * 4
        + 2
        + inputs as u64 * KEY_PATH_INPUT_WU
        + outputs.iter().map(|s| output_wu(s)).sum::<u64>()
}

/// `weight` in vbytes, rounded up, times `sat_per_vb`.
fn fee_for(weight: u64, sat_per_vb: u64) -> Option<u64> {
    weight.div_ceil(4).checked_mul(sat_per_vb)
}

fn total(mut amounts: impl Iterator<Item = Amount>) -> Result<Amount, BuildError> {
    amounts
        .try_fold(Amount::ZERO, |a, b| a.checked_add(b))
        .ok_or(BuildError::Overflow)
}

/// The coins to spend for `recipients` at `sat_per_vb`: largest first,
/// until they cover the payments and the fee of a transaction with change
/// (the fewest inputs for the fee; confirmed and unconfirmed alike). All of
/// them when even all do not cover it ([`build`] then says by how much).
pub fn select(
    wallet: &WalletKeys,
    utxos: &[Utxo],
    recipients: &[(Address, Amount)],
    sat_per_vb: u64,
) -> Vec<Utxo> {
    let mut sorted = utxos.to_vec();
    sorted.sort_by(|a, b| b.amount.cmp(&a.amount).then(a.outpoint.cmp(&b.outpoint)));
    let scripts: Vec<ScriptBuf> = recipients
        .iter()
        .map(|(a, _)| a.script_pubkey())
        .chain([wallet.script_pubkey()])
        .collect();
    let scripts: Vec<&ScriptBuf> = scripts.iter().collect();
    let paid = recipients
        .iter()
        .fold(0u64, |sum, (_, a)| sum.saturating_add(a.to_sat()));
    let mut have = 0u64;
    for (n, utxo) in sorted.iter().enumerate() {
        have = have.saturating_add(utxo.amount.to_sat());
        let fee = fee_for(weight(n + 1, &scripts), sat_per_vb).unwrap_or(u64::MAX);
        if have >= paid.saturating_add(fee) {
            sorted.truncate(n + 1);
            return sorted;
        }
    }
    sorted
}

/// Builds the PSBT: every UTXO spent, recipients in order, change (if any) last.
pub fn build(
    wallet: &WalletKeys,
    utxos: &[Utxo],
    recipients: &[(Address, Amount)],
    sat_per_vb: u64,
) -> Result<Psbt, BuildError> {
    if utxos.is_empty() {
        return Err(BuildError::NoInputs);
    }
    if recipients.is_empty() {
        return Err(BuildError::NoRecipients);
    }
    if !(1..=10_000).contains(&sat_per_vb) {
        return Err(BuildError::FeeRate(sat_per_vb));
    }
    let network = wallet.network;
    let mut outputs = Vec::with_capacity(recipients.len() + 1);
    for (index, (address, amount)) in recipients.iter().enumerate() {
        if !address
            .as_unchecked()
            .is_valid_for_network(network.to_bitcoin())
        {
            return Err(BuildError::WrongNetwork {
                address: address.to_string(),
                network,
            });
        }
        let script_pubkey = address.script_pubkey();
        let minimum = script_pubkey.minimal_non_dust();
        if *amount < minimum {
            return Err(BuildError::Dust {
                index,
                amount: amount.to_sat(),
                minimum: minimum.to_sat(),
            });
        }
        outputs.push(TxOut {
            value: *amount,
            script_pubkey,
        });
    }
    let available = total(utxos.iter().map(|u| u.amount))?;
    let paid = total(outputs.iter().map(|o| o.value))?;

    let change_script = wallet.script_pubkey();
    let scripts: Vec<&ScriptBuf> = outputs.iter().map(|o| &o.script_pubkey).collect();
    let fee_without =
        fee_for(weight(utxos.len(), &scripts), sat_per_vb).ok_or(BuildError::Overflow)?;
    let mut with_change = scripts.clone();
    with_change.push(&change_script);
    let fee_with =
        fee_for(weight(utxos.len(), &with_change), sat_per_vb).ok_or(BuildError::Overflow)?;

    let needed = paid
        .to_sat()
        .checked_add(fee_without)
        .ok_or(BuildError::Overflow)?;
    if available.to_sat() < needed {
        return Err(BuildError::Insufficient {
            needed,
            available: available.to_sat(),
        });
    }
    let change = available
        .to_sat()
        .checked_sub(paid.to_sat())
        .and_then(|rest| rest.checked_sub(fee_with));
    let mut change_index = None;
    if let Some(change) = change.filter(|c| *c >= change_script.minimal_non_dust().to_sat()) {
        change_index = Some(outputs.len());
        outputs.push(TxOut {
            value: Amount::from_sat(change),
            script_pubkey: change_script.clone(),
        });
    }

    let tx = Transaction {
        version: Version::TWO,
        lock_time: LockTime::ZERO,
        input: utxos
            .iter()
            .map(|u| TxIn {
                previous_output: u.outpoint,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::ENABLE_RBF_NO_LOCKTIME,
                witness: Witness::new(),
            })
            .collect(),
        output: outputs,
    };
    let mut psbt = Psbt::from_unsigned_tx(tx).map_err(|e| BuildError::Psbt(e.to_string()))?;
    psbt.inputs = utxos
        .iter()
        .map(|u| Input {
            witness_utxo: Some(TxOut {
                value: u.amount,
                script_pubkey: change_script.clone(),
            }),
            // BIP371: other wallets (Bitcoin Core, Sparrow) find their key.
            tap_internal_key: wallet.internal_key,
            tap_key_origins: wallet.key_origin().into_iter().collect(),
            ..Input::default()
        })
        .collect();
    psbt.outputs = (0..psbt.unsigned_tx.output.len())
        .map(|i| {
            if Some(i) == change_index {
                // BIP371: lets other wallets recognise the change as ours.
                Output {
                    tap_internal_key: wallet.internal_key,
                    tap_key_origins: wallet.key_origin().into_iter().collect(),
                    ..Output::default()
                }
            } else {
                Output::default()
            }
        })
        .collect();
    Ok(psbt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitcoin::Network;
    use bitcoin::hashes::Hash;
    use std::str::FromStr;

    fn wallet() -> WalletKeys {
        let key = hex::decode("a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c")
            .unwrap();
        WalletKeys::new(&key, None, Network::Regtest).unwrap()
    }

    fn utxo(n: u8, sat: u64) -> Utxo {
        Utxo {
            outpoint: OutPoint::new(bitcoin::Txid::from_byte_array([n; 32]), 0),
            amount: Amount::from_sat(sat),
        }
    }

    #[test]
    fn selection_takes_the_largest_coins_first_and_only_what_is_needed() {
        let w = wallet();
        let to = Address::from_str("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
            .unwrap()
            .assume_checked();
        let coins = [utxo(1, 10_000), utxo(2, 60_000), utxo(3, 30_000)];
        let pay = |sat| [(to.clone(), Amount::from_sat(sat))];
        let picked = |sat| -> Vec<u64> {
            select(&w, &coins, &pay(sat), 2)
                .iter()
                .map(|u| u.amount.to_sat())
                .collect()
        };
        assert_eq!(picked(20_000), [60_000]);
        // 60 000 cannot pay 59 900 and a fee: the next largest joins.
        assert_eq!(picked(59_900), [60_000, 30_000]);
        assert_eq!(picked(95_000), [60_000, 30_000, 10_000]);
        // Not enough at all: everything, and build says by how much.
        let all = select(&w, &coins, &pay(200_000), 2);
        assert_eq!(all.len(), 3);
        assert!(matches!(
            build(&w, &all, &pay(200_000), 2),
            Err(BuildError::Insufficient { .. })
        ));
        let psbt = build(&w, &select(&w, &coins, &pay(20_000), 2), &pay(20_000), 2).unwrap();
        assert_eq!(psbt.unsigned_tx.input.len(), 1);
        assert_eq!(psbt.unsigned_tx.output.len(), 2, "payment and change");
    }

    #[test]
    fn inputs_and_change_carry_the_bip371_key_fields() {
        let p = hex::decode("cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115")
            .unwrap();
        let q = hex::decode("a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c")
            .unwrap();
        let w = WalletKeys::new(&q, Some(&p), Network::Regtest).unwrap();
        let to = Address::from_script(&w.script_pubkey(), bitcoin::Network::Regtest).unwrap();
        let other = Address::p2tr_tweaked(
            bitcoin::key::TweakedPublicKey::dangerous_assume_tweaked(
                bitcoin::secp256k1::XOnlyPublicKey::from_slice(&p).unwrap(),
            ),
            bitcoin::Network::Regtest,
        );
        let psbt = build(
            &w,
            &[utxo(1, 100_000)],
            &[(other, Amount::from_sat(30_000))],
            2,
        )
        .unwrap();
        let (key, origin) = w.key_origin().unwrap();
        for input in &psbt.inputs {
            assert_eq!(input.tap_internal_key, Some(key));
            assert_eq!(input.tap_key_origins.get(&key), Some(&origin));
        }
        // The payment carries nothing; the change carries the wallet's key.
        assert!(psbt.outputs[0].tap_key_origins.is_empty());
        assert_eq!(psbt.outputs[1].tap_key_origins.get(&key), Some(&origin));
        assert_eq!(psbt.unsigned_tx.output[1].script_pubkey, to.script_pubkey());
    }

    #[test]
    fn weight_of_one_in_two_out_key_path() {
        let s = wallet().script_pubkey();
        // 10.5 + 57.5 + 2 × 43 = 154 vB, the well-known P2TR 1-in-2-out size.
        assert_eq!(weight(1, &[&s, &s]).div_ceil(4), 154);
    }

    #[test]
    fn fee_change_and_dust() {
        let w = wallet();
        let to = w.address();
        let psbt = build(
            &w,
            &[utxo(1, 100_000)],
            &[(to.clone(), Amount::from_sat(50_000))],
            2,
        )
        .unwrap();
        assert_eq!(psbt.unsigned_tx.output.len(), 2);
        let fee = psbt.fee().unwrap().to_sat();
        assert_eq!(fee, 154 * 2);
        // Change below dust goes to the fee.
        let psbt = build(
            &w,
            &[utxo(1, 50_300)],
            &[(to.clone(), Amount::from_sat(50_000))],
            1,
        )
        .unwrap();
        assert_eq!(psbt.unsigned_tx.output.len(), 1);
        assert_eq!(psbt.fee().unwrap().to_sat(), 300);
        assert!(matches!(
            build(
                &w,
                &[utxo(1, 50_000)],
                &[(to.clone(), Amount::from_sat(50_000))],
                1
            ),
            Err(BuildError::Insufficient { .. })
        ));
        assert!(matches!(
            build(
                &w,
                &[utxo(1, 50_000)],
                &[(to.clone(), Amount::from_sat(100))],
                1
            ),
            Err(BuildError::Dust { .. })
        ));
        assert!(matches!(
            build(&w, &[utxo(1, 50_000)], &[(to, Amount::from_sat(1000))], 0),
            Err(BuildError::FeeRate(0))
        ));
    }
}
