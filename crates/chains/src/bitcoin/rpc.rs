//! The Esplora REST vocabulary (Blockstream/mempool.space API): UTXOs and
//! balance of an address, fee estimates, broadcast and confirmation, as
//! requests to build and answers to parse. Fee rates arrive as JSON decimals; they are parsed
//! exactly from their text, never through floating point.

use std::collections::BTreeMap;
use std::str::FromStr;

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::{Address, Amount, OutPoint, Transaction, Txid};
use serde_json::Value;

use super::build::Utxo;
use crate::amount::Amount as Exact;
use crate::rpc::{HttpMethod, HttpRequest, RpcError};

/// An Esplora server, reached however the caller likes (crates/node: HTTP).
pub trait Esplora {
    /// Performs `request`, returning the response body of a 2xx answer.
    fn request(
        &self,
        request: HttpRequest,
    ) -> impl core::future::Future<Output = Result<String, RpcError>> + Send;
}

fn get(path: String) -> HttpRequest {
    HttpRequest {
        method: HttpMethod::Get,
        path,
        body: None,
    }
}

/// `GET /address/:address/utxo`.
pub fn utxos_request(address: &Address) -> HttpRequest {
    get(format!("/address/{address}/utxo"))
}

/// A UTXO as Esplora reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EsploraUtxo {
    /// The coin.
    pub utxo: Utxo,
    /// Whether it is in a block.
    pub confirmed: bool,
}

const UTXOS: &str = "GET /address/:address/utxo";

/// Parses the answer to [`utxos_request`].
pub fn parse_utxos(body: &str) -> Result<Vec<EsploraUtxo>, RpcError> {
    let bad = |d: &str| RpcError::malformed(UTXOS, d);
    let value: Value = serde_json::from_str(body).map_err(|e| bad(&e.to_string()))?;
    let items = value.as_array().ok_or_else(|| bad("not an array"))?;
    items
        .iter()
        .map(|item| {
            let txid = item
                .get("txid")
                .and_then(Value::as_str)
                .and_then(|t| Txid::from_str(t).ok())
                .ok_or_else(|| bad("missing or invalid txid"))?;
            let vout = item
                .get("vout")
                .and_then(Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| bad("missing or invalid vout"))?;
            let sat = item
                .get("value")
                .and_then(Value::as_u64)
                .filter(|v| *v <= Amount::MAX_MONEY.to_sat())
                .ok_or_else(|| bad("missing or invalid value"))?;
            let confirmed = item
                .get("status")
                .and_then(|s| s.get("confirmed"))
                .and_then(Value::as_bool)
                .ok_or_else(|| bad("missing status.confirmed"))?;
            Ok(EsploraUtxo {
                utxo: Utxo {
                    outpoint: OutPoint::new(txid, vout),
                    amount: Amount::from_sat(sat),
                },
                confirmed,
            })
        })
        .collect()
}

/// `GET /address/:address`: the address's funded and spent totals.
pub fn address_request(address: &Address) -> HttpRequest {
    get(format!("/address/{address}"))
}

/// Parses the answer to [`address_request`]: the balance, confirmed and
/// unconfirmed — `chain_stats` plus `mempool_stats`, funded minus spent.
/// The mempool's spent sum may exceed its funded sum (it spends confirmed
/// coins); the total may not go below zero or above 21 million BTC. The
/// lifetime sums themselves may exceed 21 million BTC (coins that come and go).
pub fn parse_address_balance(body: &str) -> Result<Amount, RpcError> {
    const M: &str = "GET /address/:address";
    let value: Value =
        serde_json::from_str(body).map_err(|e| RpcError::malformed(M, e.to_string()))?;
    let sum = |stats: &str, field: &str| {
        value
            .get(stats)
            .and_then(|s| s.get(field))
            .and_then(Value::as_u64)
            .ok_or_else(|| RpcError::malformed(M, format!("missing or invalid {stats}.{field}")))
    };
    // Lifetime totals of a busy address may each pass u64 while their
    // difference is a real balance: the arithmetic is done in u128.
    let total = |field: &str| -> Result<u128, RpcError> {
        Ok(u128::from(sum("chain_stats", field)?) + u128::from(sum("mempool_stats", field)?))
    };
    let (funded, spent) = (total("funded_txo_sum")?, total("spent_txo_sum")?);
    funded
        .checked_sub(spent)
        .filter(|sat| *sat <= u128::from(Amount::MAX_MONEY.to_sat()))
        .and_then(|sat| u64::try_from(sat).ok())
        .map(Amount::from_sat)
        .ok_or_else(|| RpcError::malformed(M, "funded and spent sums do not add up"))
}

/// `GET /fee-estimates`.
pub fn fee_estimates_request() -> HttpRequest {
    get("/fee-estimates".into())
}

/// Fee rates by confirmation target (blocks), in millisatoshi per vbyte.
pub fn parse_fee_estimates(body: &str) -> Result<BTreeMap<u16, u64>, RpcError> {
    const M: &str = "GET /fee-estimates";
    let value: Value =
        serde_json::from_str(body).map_err(|e| RpcError::malformed(M, e.to_string()))?;
    let map = value
        .as_object()
        .ok_or_else(|| RpcError::malformed(M, "not an object"))?;
    map.iter()
        .map(|(target, rate)| {
            let target: u16 = target
                .parse()
                .map_err(|_| RpcError::malformed(M, format!("bad target {target:?}")))?;
            let text = match rate {
                Value::Number(n) => n.to_string(),
                _ => return Err(RpcError::malformed(M, "rate is not a number")),
            };
            let msat = msat_per_vb(&text)
                .filter(|m| *m <= 10_000_000)
                .ok_or_else(|| RpcError::malformed(M, format!("bad rate {text}")))?;
            Ok((target, msat))
        })
        .collect()
}

/// Millisatoshi per vbyte from a JSON decimal like `199.99599999999998`:
/// digits past the third decimal round up (electrs prints `f64`s).
fn msat_per_vb(text: &str) -> Option<u64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let (kept, rest) = frac.split_at(frac.len().min(3));
    let round_up = rest.bytes().any(|b| b != b'0');
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let exact = Exact::parse(&format!("{whole}.{kept}0"), 3).ok()?;
    let msat = u64::try_from(exact.units()).ok()?;
    msat.checked_add(u64::from(round_up))
}

/// The rate (sat/vB, rounded up) for confirmation within `target` blocks:
/// the estimate for the largest target not above it.
pub fn fee_rate_for(estimates: &BTreeMap<u16, u64>, target: u16) -> Option<u64> {
    estimates
        .range(..=target)
        .next_back()
        .map(|(_, msat)| msat.div_ceil(1000).max(1))
}

/// `POST /tx` with the transaction's hex.
pub fn broadcast_request(tx: &Transaction) -> HttpRequest {
    HttpRequest {
        method: HttpMethod::Post,
        path: "/tx".into(),
        body: Some(serialize_hex(tx)),
    }
}

/// Parses the answer to [`broadcast_request`]: it must be `tx`'s txid.
pub fn parse_broadcast(body: &str, tx: &Transaction) -> Result<Txid, RpcError> {
    const M: &str = "POST /tx";
    let txid = Txid::from_str(body.trim()).map_err(|_| RpcError::malformed(M, "not a txid"))?;
    if txid != tx.compute_txid() {
        return Err(RpcError::malformed(M, "the server answered another txid"));
    }
    Ok(txid)
}

/// `GET /tx/:txid/status`.
pub fn status_request(txid: &Txid) -> HttpRequest {
    get(format!("/tx/{txid}/status"))
}

/// Parses the answer to [`status_request`]: the block height once confirmed.
pub fn parse_status(body: &str) -> Result<Option<u32>, RpcError> {
    const M: &str = "GET /tx/:txid/status";
    let value: Value =
        serde_json::from_str(body).map_err(|e| RpcError::malformed(M, e.to_string()))?;
    match value.get("confirmed").and_then(Value::as_bool) {
        Some(false) => Ok(None),
        Some(true) => value
            .get("block_height")
            .and_then(Value::as_u64)
            .and_then(|h| u32::try_from(h).ok())
            .map(Some)
            .ok_or_else(|| RpcError::malformed(M, "confirmed without block_height")),
        None => Err(RpcError::malformed(M, "missing confirmed")),
    }
}

/// The wallet's UTXOs.
pub async fn utxos<E: Esplora>(api: &E, address: &Address) -> Result<Vec<EsploraUtxo>, RpcError> {
    parse_utxos(&api.request(utxos_request(address)).await?)
}

/// The balance of `address`, confirmed and unconfirmed.
pub async fn balance<E: Esplora>(api: &E, address: &Address) -> Result<Amount, RpcError> {
    parse_address_balance(&api.request(address_request(address)).await?)
}

/// Fee estimates by target.
pub async fn fee_estimates<E: Esplora>(api: &E) -> Result<BTreeMap<u16, u64>, RpcError> {
    parse_fee_estimates(&api.request(fee_estimates_request()).await?)
}

/// Broadcasts `tx`.
pub async fn broadcast<E: Esplora>(api: &E, tx: &Transaction) -> Result<Txid, RpcError> {
    parse_broadcast(&api.request(broadcast_request(tx)).await?, tx)
}

/// The confirmation height of `txid`, if confirmed.
pub async fn status<E: Esplora>(api: &E, txid: &Txid) -> Result<Option<u32>, RpcError> {
    parse_status(&api.request(status_request(txid)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_esplora_answers() {
        let body = r#"[{"txid":"6b9d2bd4e0e6a8b5e1fd2b0c4f0b6c6b8f6b1e3c2a1d0e9f8a7b6c5d4e3f2a1b","vout":1,"status":{"confirmed":true,"block_height":800000,"block_hash":"00","block_time":1},"value":12345}]"#;
        let u = parse_utxos(body).unwrap();
        assert_eq!(u[0].utxo.amount.to_sat(), 12345);
        assert_eq!(u[0].utxo.outpoint.vout, 1);
        assert!(u[0].confirmed);
        for bad in [
            "{}",
            "[{}]",
            r#"[{"txid":"zz","vout":0,"value":1,"status":{"confirmed":true}}]"#,
            "null",
            "[1]",
        ] {
            assert!(parse_utxos(bad).is_err(), "{bad}");
        }
        let fees = parse_fee_estimates(r#"{"1": 87.882, "6": 20.1, "144": 1.027}"#).unwrap();
        assert_eq!(fees[&1], 87_882);
        assert_eq!(fee_rate_for(&fees, 3), Some(88));
        assert_eq!(fee_rate_for(&fees, 200), Some(2));
        // electrs prints f64 products: round the extra digits up, exactly.
        let fees = parse_fee_estimates(r#"{"2": 199.99599999999998, "3": 5}"#).unwrap();
        assert_eq!(fees[&2], 199_996);
        assert_eq!(fees[&3], 5_000);
        assert!(parse_fee_estimates(r#"{"1": -5}"#).is_err());
        assert!(parse_fee_estimates(r#"{"1": 1e400}"#).is_err());
        assert!(parse_fee_estimates(r#"{"x": 1}"#).is_err());
        assert_eq!(parse_status(r#"{"confirmed":false}"#), Ok(None));
        assert_eq!(
            parse_status(r#"{"confirmed":true,"block_height":5}"#),
            Ok(Some(5))
        );
        assert!(parse_status(r#"{"confirmed":true}"#).is_err());
    }

    fn stats(chain: (u64, u64), mempool: (u64, u64)) -> String {
        serde_json::json!({
            "address": "bcrt1p...",
            "chain_stats": {"funded_txo_count": 2, "funded_txo_sum": chain.0,
                            "spent_txo_count": 1, "spent_txo_sum": chain.1, "tx_count": 3},
            "mempool_stats": {"funded_txo_count": 1, "funded_txo_sum": mempool.0,
                              "spent_txo_count": 1, "spent_txo_sum": mempool.1, "tx_count": 1},
        })
        .to_string()
    }

    #[test]
    fn parses_an_address_balance() {
        assert_eq!(
            address_request(
                &"bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
                    .parse::<Address<_>>()
                    .unwrap()
                    .assume_checked()
            )
            .path,
            "/address/bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr"
        );
        // A mempool transaction spends a confirmed coin and pays change back.
        let body = stats((150_000, 50_000), (30_000, 100_000));
        assert_eq!(parse_address_balance(&body), Ok(Amount::from_sat(30_000)));
        assert_eq!(
            parse_address_balance(&stats((0, 0), (0, 0))),
            Ok(Amount::ZERO)
        );
        // Lifetime sums past u64 whose difference is a balance (found by the
        // property test below in CI).
        assert_eq!(
            parse_address_balance(&stats((u64::MAX, u64::MAX - 7), (10, 3))),
            Ok(Amount::from_sat(14))
        );
        for bad in [
            stats((1, 2), (0, 0)),
            stats((u64::MAX, 0), (1, 0)),
            stats((Amount::MAX_MONEY.to_sat() + 1, 0), (0, 0)),
            r#"{"chain_stats":{"funded_txo_sum":1,"spent_txo_sum":0}}"#.into(),
            r#"{"chain_stats":{"funded_txo_sum":-1,"spent_txo_sum":0},"mempool_stats":{"funded_txo_sum":0,"spent_txo_sum":0}}"#.into(),
            r#"{"chain_stats":{"funded_txo_sum":1.5,"spent_txo_sum":0},"mempool_stats":{"funded_txo_sum":0,"spent_txo_sum":0}}"#.into(),
            "[]".into(),
            "<html>".into(),
        ] {
            assert!(parse_address_balance(&bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// Any four sums: the balance is funded − spent when that is a
        /// possible amount, else an error; never a panic or a wrap.
        #[test]
        fn address_balance_is_funded_minus_spent(
            cf in 0u64..=u64::MAX, cs in 0u64..=u64::MAX,
            mf in 0u64..=u64::MAX, ms in 0u64..=u64::MAX,
            small in any::<bool>(),
        ) {
            // Half the cases in the realistic range, where most are valid.
            let (cf, cs, mf, ms) = if small {
                (cf % 4_000_000_000_000_000, cs % 2_000_000_000_000_000,
                 mf % 1_000_000_000, ms % 1_000_000_000)
            } else {
                (cf, cs, mf, ms)
            };
            let expected = u128::from(cf) + u128::from(mf);
            let spent = u128::from(cs) + u128::from(ms);
            let expected = expected
                .checked_sub(spent)
                .filter(|sat| *sat <= u128::from(Amount::MAX_MONEY.to_sat()))
                .and_then(|sat| u64::try_from(sat).ok());
            let parsed = parse_address_balance(&stats((cf, cs), (mf, ms)));
            match expected {
                Some(sat) => prop_assert_eq!(parsed, Ok(Amount::from_sat(sat))),
                None => prop_assert!(parsed.is_err()),
            }
        }

        /// Arbitrary text is an answer or an error, never a panic.
        #[test]
        fn address_balance_parser_survives_garbage(body in ".{0,200}") {
            let _ = parse_address_balance(&body);
        }
    }
}
