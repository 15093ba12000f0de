//! **Test node**: Bitcoin regtest behind the subset of the Esplora REST
//! API Accord uses (Blockstream's esplora `API.md`):
//!
//! - `GET /address/:a/utxo`, `GET /address/:a` (chain and mempool stats),
//!   `GET /fee-estimates`, `POST /tx` (hex), `GET /tx/:txid/status`,
//!   `GET /tx/:txid/hex`, `GET /blocks/tip/height`;
//! - test control, not Esplora: `POST /testnode/fund` with `ADDRESS SAT`
//!   mines a block whose coinbase-like transaction pays the address.
//!
//! `POST /tx` accepts a transaction only if every input spends an unspent
//! output of this node, once, it does not create money, and Bitcoin Core's
//! consensus library (`bitcoinconsensus`, all spent outputs, pre-Taproot
//! and Taproot rules: BIP341/BIP342) accepts every input's script; it is
//! then mined at once in its own block. Fees and relay policy are not
//! checked beyond that.
//!
//! [`Hostile`] makes it lie (UTXO amounts, fee estimates), for the tests of
//! what a wallet does with a hostile server.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use bitcoin::consensus::encode::{deserialize_hex, serialize, serialize_hex};
use bitcoin::hashes::Hash as _;
use bitcoin::{Address, Amount, Network, OutPoint, ScriptBuf, Transaction, TxIn, TxOut, Txid};
use serde_json::json;

use crate::http::{Handler, Request, Response};

/// How the node lies, for tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hostile {
    /// Honest.
    No,
    /// UTXO amounts reported twice what they are.
    DoubleAmounts,
    /// Every fee estimate this many sat/vB.
    FeeEstimate(f64),
}

/// Per script: what the address stats count.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    funded_count: u64,
    funded_sum: u64,
    spent_count: u64,
    spent_sum: u64,
    txs: u64,
}

#[derive(Default)]
struct State {
    height: u32,
    utxos: BTreeMap<OutPoint, (TxOut, u32)>,
    txs: HashMap<Txid, (Transaction, u32)>,
    stats: HashMap<ScriptBuf, Stats>,
    funded: u64,
}

/// The node.
pub struct Esplora {
    network: Network,
    fee_rate: f64,
    state: Mutex<State>,
    hostile: Mutex<Hostile>,
}

impl Esplora {
    /// A node for `network` (addresses are parsed for it) whose fee
    /// estimates are `fee_rate` sat/vB.
    pub fn new(network: Network, fee_rate: f64) -> Arc<Esplora> {
        Arc::new(Esplora {
            network,
            fee_rate,
            state: Mutex::new(State::default()),
            hostile: Mutex::new(Hostile::No),
        })
    }

    /// Makes it lie, or stop lying.
    pub fn set_hostile(&self, hostile: Hostile) {
        *self.hostile.lock().unwrap_or_else(|e| e.into_inner()) = hostile;
    }

    fn hostile(&self) -> Hostile {
        *self.hostile.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mines a block paying `sat` to `script`; the new coin.
    pub fn fund(&self, script: &ScriptBuf, sat: u64) -> OutPoint {
        let mut state = self.state();
        state.funded += 1;
        let marker = state.funded;
        let tx = Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: OutPoint::new(
                    Txid::from_byte_array(
                        bitcoin::hashes::sha256d::Hash::hash(&marker.to_le_bytes()).to_byte_array(),
                    ),
                    0,
                ),
                ..TxIn::default()
            }],
            output: vec![TxOut {
                value: Amount::from_sat(sat),
                script_pubkey: script.clone(),
            }],
        };
        let txid = tx.compute_txid();
        state.mine(tx, &[]);
        OutPoint::new(txid, 0)
    }

    /// The unspent outputs paying `script`.
    pub fn utxos(&self, script: &ScriptBuf) -> Vec<(OutPoint, TxOut)> {
        self.state()
            .utxos
            .iter()
            .filter(|(_, (o, _))| &o.script_pubkey == script)
            .map(|(p, (o, _))| (*p, o.clone()))
            .collect()
    }

    /// A mined transaction.
    pub fn tx(&self, txid: &Txid) -> Option<Transaction> {
        self.state().txs.get(txid).map(|(t, _)| t.clone())
    }

    /// The tip's height.
    pub fn height(&self) -> u32 {
        self.state().height
    }

    /// The HTTP handler.
    pub fn handler(self: &Arc<Self>) -> Handler {
        let node = self.clone();
        Arc::new(move |request: &Request| node.answer(request))
    }

    fn address(&self, text: &str) -> Option<ScriptBuf> {
        let address = Address::from_str(text)
            .ok()?
            .require_network(self.network)
            .ok()?;
        Some(address.script_pubkey())
    }

    fn answer(&self, request: &Request) -> Response {
        let path = request.path.split('?').next().unwrap_or_default();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (request.method.as_str(), parts.as_slice()) {
            ("GET", ["address", a, "utxo"]) => match self.address(a) {
                Some(script) => self.utxo_list(&script),
                None => Response::text(400, "Invalid Bitcoin address"),
            },
            ("GET", ["address", a]) => match self.address(a) {
                Some(script) => self.address_stats(&script),
                None => Response::text(400, "Invalid Bitcoin address"),
            },
            ("GET", ["fee-estimates"]) => {
                let rate = match self.hostile() {
                    Hostile::FeeEstimate(rate) => rate,
                    _ => self.fee_rate,
                };
                Response::json(&json!({"1": rate, "3": rate, "6": rate, "144": rate}))
            }
            ("GET", ["blocks", "tip", "height"]) => Response::text(200, self.height().to_string()),
            ("GET", ["tx", txid, "status"]) => {
                let state = self.state();
                match Txid::from_str(txid).ok().and_then(|t| state.txs.get(&t)) {
                    Some((_, h)) => Response::json(
                        &json!({"confirmed": true, "block_height": h, "block_hash": format!("{:064x}", h)}),
                    ),
                    None => Response::text(404, "Transaction not found"),
                }
            }
            ("GET", ["tx", txid, "hex"]) => {
                let state = self.state();
                match Txid::from_str(txid).ok().and_then(|t| state.txs.get(&t)) {
                    Some((tx, _)) => Response::text(200, serialize_hex(tx)),
                    None => Response::text(404, "Transaction not found"),
                }
            }
            ("POST", ["tx"]) => {
                let hex = String::from_utf8_lossy(&request.body).trim().to_owned();
                match deserialize_hex::<Transaction>(&hex) {
                    Ok(tx) => match self.state().accept(tx) {
                        Ok(txid) => Response::text(200, txid.to_string()),
                        Err(e) => Response::text(
                            400,
                            format!(
                                "sendrawtransaction RPC error: {{\"code\":-26,\"message\":\"{e}\"}}"
                            ),
                        ),
                    },
                    Err(e) => Response::text(400, format!("TX decode failed: {e}")),
                }
            }
            ("POST", ["testnode", "fund"]) => {
                let text = String::from_utf8_lossy(&request.body).to_string();
                let mut words = text.split_whitespace();
                let script = words.next().and_then(|a| self.address(a));
                let sat = words.next().and_then(|s| s.parse::<u64>().ok());
                match (script, sat) {
                    (Some(script), Some(sat)) => {
                        let coin = self.fund(&script, sat);
                        Response::text(200, coin.to_string())
                    }
                    _ => Response::text(400, "body: ADDRESS SAT"),
                }
            }
            _ => Response::text(404, "not found"),
        }
    }

    fn utxo_list(&self, script: &ScriptBuf) -> Response {
        let factor = if self.hostile() == Hostile::DoubleAmounts {
            2
        } else {
            1
        };
        let state = self.state();
        let list: Vec<_> = state
            .utxos
            .iter()
            .filter(|(_, (o, _))| &o.script_pubkey == script)
            .map(|(p, (o, h))| {
                json!({
                    "txid": p.txid.to_string(),
                    "vout": p.vout,
                    "value": o.value.to_sat() * factor,
                    "status": {"confirmed": true, "block_height": h},
                })
            })
            .collect();
        Response::json(&json!(list))
    }

    fn address_stats(&self, script: &ScriptBuf) -> Response {
        let s = self.state().stats.get(script).copied().unwrap_or_default();
        Response::json(&json!({
            "chain_stats": {
                "funded_txo_count": s.funded_count, "funded_txo_sum": s.funded_sum,
                "spent_txo_count": s.spent_count, "spent_txo_sum": s.spent_sum, "tx_count": s.txs,
            },
            "mempool_stats": {
                "funded_txo_count": 0, "funded_txo_sum": 0,
                "spent_txo_count": 0, "spent_txo_sum": 0, "tx_count": 0,
            },
        }))
    }
}

fn sum(mut amounts: impl Iterator<Item = Amount>) -> Option<Amount> {
    amounts.try_fold(Amount::ZERO, |a, b| a.checked_add(b))
}

impl State {
    /// Checks `tx` against the UTXO set and Bitcoin Core's script rules,
    /// and mines it.
    fn accept(&mut self, tx: Transaction) -> Result<Txid, String> {
        if tx.input.is_empty() {
            return Err("bad-txns-vin-empty".into());
        }
        if tx.output.is_empty() {
            return Err("bad-txns-vout-empty".into());
        }
        let txid = tx.compute_txid();
        if self.txs.contains_key(&txid) {
            return Err("txn-already-known".into());
        }
        let mut seen = HashSet::new();
        let mut spent = Vec::with_capacity(tx.input.len());
        for input in &tx.input {
            if !seen.insert(input.previous_output) {
                return Err("bad-txns-inputs-duplicate".into());
            }
            match self.utxos.get(&input.previous_output) {
                Some((out, _)) => spent.push(out.clone()),
                None => return Err("bad-txns-inputs-missingorspent".into()),
            }
        }
        let total_in =
            sum(spent.iter().map(|o| o.value)).ok_or("bad-txns-inputvalues-outofrange")?;
        let total_out =
            sum(tx.output.iter().map(|o| o.value)).ok_or("bad-txns-txouttotal-toolarge")?;
        if total_out > total_in {
            return Err(format!(
                "bad-txns-in-belowout, value in ({total_in}) < value out ({total_out})"
            ));
        }
        let raw = serialize(&tx);
        let utxos: Vec<bitcoinconsensus::Utxo> = spent
            .iter()
            .map(|o| bitcoinconsensus::Utxo {
                script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
                script_pubkey_len: o.script_pubkey.len() as u32,
                value: i64::try_from(o.value.to_sat()).unwrap_or(i64::MAX),
            })
            .collect();
        for (i, out) in spent.iter().enumerate() {
            bitcoinconsensus::verify_with_flags(
                out.script_pubkey.as_bytes(),
                out.value.to_sat(),
                &raw,
                Some(&utxos),
                i,
                bitcoinconsensus::VERIFY_ALL_PRE_TAPROOT | bitcoinconsensus::VERIFY_TAPROOT,
            )
            .map_err(|e| format!("mandatory-script-verify-flag-failed (input {i}: {e:?})"))?;
        }
        self.mine(tx, &spent);
        Ok(txid)
    }

    /// Puts `tx` in a new block: its inputs (spending `spent`) leave the
    /// UTXO set, its outputs join it.
    fn mine(&mut self, tx: Transaction, spent: &[TxOut]) {
        self.height += 1;
        let height = self.height;
        let txid = tx.compute_txid();
        let mut touched = HashSet::new();
        for (input, out) in tx.input.iter().zip(spent) {
            self.utxos.remove(&input.previous_output);
            let s = self.stats.entry(out.script_pubkey.clone()).or_default();
            s.spent_count += 1;
            s.spent_sum += out.value.to_sat();
            touched.insert(out.script_pubkey.clone());
        }
        for (vout, out) in tx.output.iter().enumerate() {
            let point = OutPoint::new(txid, u32::try_from(vout).unwrap_or(u32::MAX));
            self.utxos.insert(point, (out.clone(), height));
            let s = self.stats.entry(out.script_pubkey.clone()).or_default();
            s.funded_count += 1;
            s.funded_sum += out.value.to_sat();
            touched.insert(out.script_pubkey.clone());
        }
        for script in touched {
            self.stats.entry(script).or_default().txs += 1;
        }
        self.txs.insert(txid, (tx, height));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn spend(from: OutPoint, sat: u64, witness: Vec<Vec<u8>>) -> Transaction {
        Transaction {
            version: bitcoin::transaction::Version::TWO,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: from,
                witness: bitcoin::Witness::from_slice(&witness),
                ..TxIn::default()
            }],
            output: vec![TxOut {
                value: Amount::from_sat(sat),
                script_pubkey: ScriptBuf::new_op_return([1u8; 4]),
            }],
        }
    }

    #[test]
    fn scripts_inputs_and_amounts_are_checked() {
        let node = Esplora::new(Network::Regtest, 1.0);
        // A P2TR output of the secp256k1 generator's x coordinate.
        let key = bitcoin::key::XOnlyPublicKey::from_str(
            "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
        )
        .unwrap();
        let script = ScriptBuf::new_p2tr_tweaked(
            bitcoin::key::TweakedPublicKey::dangerous_assume_tweaked(key),
        );
        let coin = node.fund(&script, 10_000);
        let mut state = node.state();
        // A signature that is not one: Bitcoin Core's interpreter refuses it.
        let err = state
            .accept(spend(coin, 9_000, vec![vec![1; 64]]))
            .unwrap_err();
        assert!(
            err.starts_with("mandatory-script-verify-flag-failed"),
            "{err}"
        );
        let err = state
            .accept(spend(
                OutPoint::new(Txid::all_zeros(), 0),
                1,
                vec![vec![1; 64]],
            ))
            .unwrap_err();
        assert_eq!(err, "bad-txns-inputs-missingorspent");
        let err = state
            .accept(spend(coin, 10_001, vec![vec![1; 64]]))
            .unwrap_err();
        assert!(err.starts_with("bad-txns-in-belowout"), "{err}");
        assert_eq!(state.utxos.len(), 1, "nothing spent");
    }
}
