#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `accord send` on Bitcoin end to end (issue 13), across processes,
//! against the Esplora **test node** of `accord-testnodes` (regtest; every
//! transaction checked by Bitcoin Core's consensus library before it is
//! mined): coin selection, change back to the wallet, the fee the preview
//! showed, confirmation; and a hostile server (UTXO amounts that are not
//! the coins', a fee estimate of 10 BTC/vB) gives a clear error with
//! nothing spent.

mod common;

use std::str::FromStr;

use accord_chains::Chain;
use accord_testnodes::esplora::{Esplora, Hostile};
use accord_testnodes::http::Server;
use base64::Engine as _;
use common::{Trio, Unsigned, verify};

const TO: &str = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";

#[test]
fn send_bitcoin_with_change_and_refuse_a_hostile_server() {
    let esplora = Esplora::new(bitcoin::Network::Regtest, 2.0);
    let server = Server::start(0, esplora.handler()).unwrap();
    let trio = Trio::new(true, &[]);
    let w = trio.wallet.clone();
    let ours = bitcoin::Address::from_str(&w.bitcoin)
        .unwrap()
        .assume_checked()
        .script_pubkey();
    let big = esplora.fund(&ours, 60_000);
    let small = esplora.fund(&ours, 30_000);
    let send = |amount: &str| {
        vec![
            "send".to_owned(),
            "--wallet".into(),
            "w".into(),
            "--chain".into(),
            "bitcoin".into(),
            "--to".into(),
            TO.into(),
            "--amount".into(),
            amount.into(),
            "--rpc".into(),
            server.url(),
            "--yes".into(),
        ]
    };
    let args = send("0.0002");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // A hostile server first: amounts doubled. What was signed is what the
    // preview showed (BIP341 commits to every spent amount), which the
    // real coins cannot pay: the node refuses it; nothing is spent.
    esplora.set_hostile(Hostile::DoubleAmounts);
    let err = trio.desktop.fails(&args);
    assert!(err.contains("the node did not accept"), "{err}");
    assert_eq!(esplora.utxos(&ours).len(), 2);
    // A fee estimate of 10 BTC/vB: refused before anything is signed.
    esplora.set_hostile(Hostile::FeeEstimate(1e9));
    let height = esplora.height();
    let err = trio.desktop.fails(&args);
    assert!(err.contains("bad rate"), "{err}");
    assert_eq!(esplora.height(), height);
    esplora.set_hostile(Hostile::No);

    // Honest: the largest coin alone pays; change comes back.
    let out = trio.desktop.json(&args);
    assert_eq!(out["confirmed"], true, "{out}");
    let txid = bitcoin::Txid::from_str(out["txid"].as_str().unwrap()).unwrap();
    let tx = esplora.tx(&txid).expect("mined");
    assert_eq!(tx.input.len(), 1, "one coin is enough");
    assert_eq!(tx.input[0].previous_output, big);
    let to = bitcoin::Address::from_str(TO).unwrap().assume_checked();
    assert_eq!(tx.output.len(), 2, "payment and change");
    assert_eq!(tx.output[0].script_pubkey, to.script_pubkey());
    assert_eq!(tx.output[0].value.to_sat(), 20_000);
    assert_eq!(tx.output[1].script_pubkey, ours, "change to the wallet");
    let fee = 60_000 - 20_000 - tx.output[1].value.to_sat();
    assert_eq!(
        fee,
        tx.vsize() as u64 * 2,
        "2 sat/vB, the server's estimate"
    );
    assert_eq!(out["preview"]["fee"], fee.to_string(), "{out}");
    // Checked again here by libbitcoinconsensus, against the signed PSBT.
    let psbt = base64::engine::general_purpose::STANDARD
        .decode(out["psbt"].as_str().unwrap())
        .unwrap();
    let spent = vec![bitcoin::TxOut {
        value: bitcoin::Amount::from_sat(60_000),
        script_pubkey: ours.clone(),
    }];
    let unsigned = Unsigned {
        chain: Chain::Bitcoin,
        bytes: psbt,
        spent,
    };
    verify(&w, &unsigned, out["signed"].as_str().unwrap());
    // The wallet now holds the small coin and the change.
    let left: Vec<_> = esplora.utxos(&ours).into_iter().map(|(p, _)| p).collect();
    assert!(left.contains(&small), "{left:?}");
    assert!(left.contains(&bitcoin::OutPoint::new(txid, 1)), "{left:?}");
    // The spent coin cannot be spent again.
    assert!(!left.contains(&big));
}
