#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `accord_node::rpc` over real HTTP: balances and a Bitcoin build against a
//! tiny fake Esplora / Solana JSON-RPC server (a thread on a loopback port
//! answering from a script), and an Ethereum balance against a real Anvil.
//!
//! Anvil is `$ACCORD_ANVIL` (set by scripts/test), else `anvil` on `PATH`,
//! else where scripts/test installs it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use accord_chains::bitcoin::Network;
use accord_chains::bitcoin::address::p2tr;
use accord_chains::rpc::JsonRpcRequest;
use accord_chains::signing::WalletPublicKeys;
use accord_chains::{Amount, Chain};
use accord_node::rpc::{self, Field, Http, SendError, Transfer};
use serde_json::{Value, json};

#[path = "../../../tests/support/anvil.rs"]
mod anvil;
use anvil::Anvil;

/// The secp256k1 generator's x coordinate: a valid x-only and SEC1 key.
const G_X: [u8; 32] = [
    0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07,
    0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98,
];

/// A wallet's public keys (the curves' generators: valid points whose
/// secret nobody here uses).
fn keys() -> WalletPublicKeys {
    let mut ecdsa = [2; 33];
    ecdsa[1..].copy_from_slice(&G_X);
    // The Ed25519 base point.
    let mut ed25519 = [0x66; 32];
    ed25519[0] = 0x58;
    WalletPublicKeys {
        taproot_output: G_X,
        taproot_internal: None,
        ecdsa,
        ed25519,
    }
}

/// One request the fake server received.
#[derive(Clone, Debug)]
struct Request {
    method: String,
    path: String,
    body: String,
}

/// A fake HTTP server on a loopback port: each request is answered by the
/// script with a status and a body, then the connection is closed.
struct Fake {
    url: String,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Fake {
    fn serve(script: impl Fn(&Request) -> (u16, String) + Send + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if let Some(request) = read_request(&stream) {
                    let (status, body) = script(&request);
                    log.lock().unwrap().push(request);
                    let _ = write!(
                        &stream,
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
            }
        });
        Fake { url, seen }
    }

    /// A JSON-RPC 2.0 server: `script` maps a method and its params to a result.
    fn json_rpc(script: impl Fn(&str, &Value) -> Value + Send + 'static) -> Fake {
        Fake::serve(move |request| {
            let call: Value = serde_json::from_str(&request.body).unwrap();
            let result = script(call["method"].as_str().unwrap(), &call["params"]);
            let answer = json!({"jsonrpc": "2.0", "id": call["id"], "result": result});
            (200, answer.to_string())
        })
    }

    fn http(&self) -> Http {
        Http::new(&self.url).unwrap()
    }

    fn seen(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    let (method, path) = (words.next()?.to_owned(), words.next()?.to_owned());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        body: String::from_utf8(body).ok()?,
    })
}

/// Esplora's `GET /address/:a` answer.
fn address_stats(chain: (u64, u64), mempool: (u64, u64)) -> String {
    json!({
        "chain_stats": {"funded_txo_count": 2, "funded_txo_sum": chain.0,
                        "spent_txo_count": 1, "spent_txo_sum": chain.1, "tx_count": 2},
        "mempool_stats": {"funded_txo_count": 1, "funded_txo_sum": mempool.0,
                          "spent_txo_count": 0, "spent_txo_sum": mempool.1, "tx_count": 1},
    })
    .to_string()
}

#[tokio::test]
async fn bitcoin_balance_from_esplora() {
    let address = p2tr(&G_X, Network::Regtest).unwrap();
    let fake = Fake::serve(|_| {
        (
            200,
            address_stats((200_000_000, 100_000_000), (50_000_000, 0)),
        )
    });
    let balance = rpc::balance(&fake.http(), Chain::Bitcoin, "regtest", &keys())
        .await
        .unwrap();
    assert_eq!(balance, Amount::from_u64(150_000_000, 8));
    assert_eq!(
        format!("{balance} {}", rpc::native_symbol(Chain::Bitcoin)),
        "1.5 BTC"
    );
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.clone()),
        ("GET", format!("/address/{address}"))
    );

    // Sums that do not add up, an error status, a wrong network name.
    let lying = Fake::serve(|_| (200, address_stats((1, 2), (0, 0))));
    let err = rpc::balance(&lying.http(), Chain::Bitcoin, "regtest", &keys())
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Rpc(_)), "{err}");
    let down = Fake::serve(|_| (503, "busy\n\n".into()));
    let err = rpc::balance(&down.http(), Chain::Bitcoin, "regtest", &keys())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SendError::Rpc("RPC transport failed: HTTP 503: busy".into())
    );
    let err = rpc::balance(&down.http(), Chain::Bitcoin, "moon", &keys())
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Network(_)), "{err}");
}

#[tokio::test]
async fn solana_balance_from_json_rpc() {
    let address = keys().address(Chain::Solana, "mainnet").unwrap();
    let fake = Fake::json_rpc(|method, _| {
        assert_eq!(method, "getBalance");
        json!({"context": {"slot": 7}, "value": 2_500_000_001u64})
    });
    let balance = rpc::balance(&fake.http(), Chain::Solana, "mainnet", &keys())
        .await
        .unwrap();
    assert_eq!(balance.to_string(), "2.500000001");
    assert_eq!(balance.decimals(), 9);
    let call: Value = serde_json::from_str(&fake.seen()[0].body).unwrap();
    assert_eq!(call["params"][0], address);

    let hostile = Fake::json_rpc(|_, _| json!({"context": {"slot": 7}, "value": -1}));
    let err = rpc::balance(&hostile.http(), Chain::Solana, "mainnet", &keys())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Rpc(m) if m.contains("getBalance")),
        "{err}"
    );
}

/// The moved Bitcoin build: the wallet's coins and the server's fee
/// estimate in, a PSBT out; no estimate on mainnet is an error.
#[tokio::test]
async fn bitcoin_build_from_esplora() {
    let utxos = json!([{
        "txid": "6b9d2bd4e0e6a8b5e1fd2b0c4f0b6c6b8f6b1e3c2a1d0e9f8a7b6c5d4e3f2a1b",
        "vout": 0, "value": 100_000,
        "status": {"confirmed": true, "block_height": 1}
    }])
    .to_string();
    let estimates = Arc::new(Mutex::new(r#"{"6": 3.5}"#.to_owned()));
    let answer = estimates.clone();
    let fake = Fake::serve(move |request| match request.path.as_str() {
        p if p.ends_with("/utxo") => (200, utxos.clone()),
        "/fee-estimates" => (200, answer.lock().unwrap().clone()),
        _ => (404, "not found".into()),
    });
    let to = p2tr(&G_X, Network::Regtest).unwrap().to_string();
    let mut transfer = Transfer {
        chain: Chain::Bitcoin,
        to,
        amount: "0.0005".into(),
        token: None,
        chain_id: None,
        fee_rate: None,
    };
    let psbt = rpc::build(&fake.http(), &transfer, "regtest", &keys())
        .await
        .unwrap();
    let psbt = bitcoin::psbt::Psbt::deserialize(&psbt).unwrap();
    let outputs = &psbt.unsigned_tx.output;
    assert_eq!(outputs[0].value.to_sat(), 50_000);
    let fee = 100_000 - outputs.iter().map(|o| o.value.to_sat()).sum::<u64>();
    let vsize = psbt.unsigned_tx.vsize() as u64;
    // 3.5 sat/vB rounds up to 4 (the witness is not there yet: at least that).
    assert!(fee >= 4 * vsize, "fee {fee} for {vsize} vB");

    // No estimate: 1 sat/vB on regtest, an error on mainnet.
    *estimates.lock().unwrap() = "{}".into();
    assert!(
        rpc::build(&fake.http(), &transfer, "regtest", &keys())
            .await
            .is_ok()
    );
    transfer.to = p2tr(&G_X, Network::Mainnet).unwrap().to_string();
    let err = rpc::build(&fake.http(), &transfer, "mainnet", &keys())
        .await
        .unwrap_err();
    assert_eq!(err, SendError::NoFeeEstimate);

    // Refused before the node is asked.
    let asked = fake.seen().len();
    for (change, expected) in [
        (
            Transfer {
                amount: "0".into(),
                ..transfer.clone()
            },
            "the amount is zero",
        ),
        (
            Transfer {
                amount: "0.000000001".into(),
                ..transfer.clone()
            },
            "amount: \"0.000000001\" has more than 8 decimal places",
        ),
        (
            Transfer {
                amount: "1000000000000".into(),
                ..transfer.clone()
            },
            "amount 1000000000000 is too large",
        ),
    ] {
        let err = rpc::build(&fake.http(), &change, "mainnet", &keys())
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), expected);
    }
    let err = rpc::build(
        &fake.http(),
        &Transfer {
            to: "bc1qnope".into(),
            ..transfer
        },
        "mainnet",
        &keys(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Address {
                field: Field::To,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(fake.seen().len(), asked);
}

async fn call(http: &Http, method: &'static str, params: Value) -> Result<Value, String> {
    use accord_chains::ethereum::rpc::EthereumRpc;
    EthereumRpc::call(http, JsonRpcRequest::new(method, params))
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn ethereum_balance_on_anvil() {
    let anvil = Anvil::start();
    let http = Http::new(&anvil.url).unwrap();
    let address = keys().address(Chain::Ethereum, "mainnet").unwrap();
    let zero = rpc::balance(&http, Chain::Ethereum, "mainnet", &keys())
        .await
        .unwrap();
    assert_eq!((zero.to_string(), zero.decimals()), ("0".into(), 18));
    // 1.5 ETH.
    call(
        &http,
        "anvil_setBalance",
        json!([address, "0x14d1120d7b160000"]),
    )
    .await
    .unwrap();
    let balance = rpc::balance(&http, Chain::Ethereum, "mainnet", &keys())
        .await
        .unwrap();
    assert_eq!(
        format!("{balance} {}", rpc::native_symbol(Chain::Ethereum)),
        "1.5 ETH"
    );
    drop(anvil);
    let err = rpc::balance(&http, Chain::Ethereum, "mainnet", &keys())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SendError::Rpc(m) if m.starts_with("RPC transport failed")),
        "{err}"
    );
}

/// A JSON-RPC result answer to `request`.
fn result(request: &Request, result: Value) -> (u16, String) {
    let call: Value = serde_json::from_str(&request.body).unwrap();
    let answer = json!({"jsonrpc": "2.0", "id": call["id"], "result": result});
    (200, answer.to_string())
}

/// A loopback URL nothing listens on.
fn down_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_are_retried_and_fail_over_broadcasts_only_when_nothing_was_sent() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let quick = std::time::Duration::from_millis(1);
    // A read answered 503 once, then right: retried on the same endpoint.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let flaky = Fake::serve(move |r| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            (503, "busy".into())
        } else {
            result(r, json!("0x7a69"))
        }
    });
    let http = Http::with_backoff(&flaky.url, quick).unwrap();
    assert_eq!(
        call(&http, "eth_chainId", json!([])).await.unwrap(),
        json!("0x7a69")
    );
    assert_eq!(flaky.seen().len(), 2);

    // A read whose first endpoint is down and second busy for good:
    // every round tries both, and the busy answer is what is reported.
    let busy = Fake::serve(|_| (503, "busy".into()));
    let http = Http::with_backoff(&format!("{}, {}", down_url(), busy.url), quick).unwrap();
    let err = call(&http, "eth_chainId", json!([])).await.unwrap_err();
    assert!(err.contains("HTTP 503"), "{err}");
    assert_eq!(busy.seen().len(), rpc::RETRY_ROUNDS as usize);

    // A read whose first endpoint is busy goes to the second.
    let good = Fake::serve(|r| result(r, json!("0x1")));
    let http = Http::with_backoff(&format!("{}, {}", busy.url, good.url), quick).unwrap();
    assert_eq!(
        call(&http, "eth_blockNumber", json!([])).await.unwrap(),
        json!("0x1")
    );
    assert_eq!(good.seen().len(), 1);

    // A broadcast answered 503 (it may have been taken): not sent again,
    // not sent elsewhere.
    let other = Fake::serve(|r| result(r, json!("0xab")));
    let before = busy.seen().len();
    let http = Http::with_backoff(&format!("{}, {}", busy.url, other.url), quick).unwrap();
    assert!(
        call(&http, "eth_sendRawTransaction", json!([]))
            .await
            .is_err()
    );
    assert_eq!(busy.seen().len(), before + 1);
    assert_eq!(other.seen().len(), 0);
    // A broadcast whose first endpoint is down: sent to the second.
    let http = Http::with_backoff(&format!("{}, {}", down_url(), other.url), quick).unwrap();
    assert_eq!(
        call(&http, "eth_sendRawTransaction", json!([]))
            .await
            .unwrap(),
        json!("0xab")
    );
    assert_eq!(other.seen().len(), 1);

    // The node's own answers are final: a JSON-RPC error, an HTTP 400.
    let refusing = Fake::serve(|r| {
        let call: Value = serde_json::from_str(&r.body).unwrap();
        let error = json!({"code": -32000, "message": "nonce too low"});
        (
            200,
            json!({"jsonrpc": "2.0", "id": call["id"], "error": error}).to_string(),
        )
    });
    let bad = Fake::serve(|_| (400, "bad request".into()));
    for first in [&refusing, &bad] {
        let spare = Fake::serve(|r| result(r, json!("0x1")));
        let http = Http::with_backoff(&format!("{}, {}", first.url, spare.url), quick).unwrap();
        assert!(call(&http, "eth_getBalance", json!([])).await.is_err());
        assert_eq!(first.seen().len(), 1);
        assert_eq!(spare.seen().len(), 0);
    }
}
