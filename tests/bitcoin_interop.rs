#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Bitcoin interoperability (issue 13), across processes: what another
//! Bitcoin wallet needs to watch and process what Accord holds.
//!
//! - `wallet show --json` gives the watch-only descriptor
//!   `"descriptors": {"bitcoin": "tr(<internal key>)#<checksum>"}`:
//!   rust-miniscript parses it (checking the BIP-380 checksum) and the
//!   address it derives is the wallet's.
//! - A PSBT made by rust-miniscript's updater from that descriptor (the way
//!   Bitcoin Core's `walletcreatefundedpsbt` fills BIP371
//!   `PSBT_IN_TAP_INTERNAL_KEY` and `PSBT_IN_TAP_BIP32_DERIVATION`) is
//!   co-signed by `accord sign-tx --psbt-out`: the final transaction passes
//!   Bitcoin Core's consensus library, and the signed PSBT, finalized by
//!   rust-miniscript (not Accord's finalizer), gives the same transaction.

mod common;

use std::str::FromStr;

use accord_chains::Chain;
use base64::Engine as _;
use bitcoin::hashes::Hash as _;
use bitcoin::{Amount, OutPoint, Psbt, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid};
use common::{Trio, Unsigned, verify};
use miniscript::Descriptor;
use miniscript::descriptor::DescriptorPublicKey;
use miniscript::psbt::PsbtExt;

#[test]
fn a_descriptor_for_watching_and_a_foreign_psbt_signed() {
    let trio = Trio::new(true, &[]);
    let w = trio.wallet.clone();

    // The watch-only descriptor.
    let shown = trio.desktop.json(&["wallet", "show", "w"]);
    let text = shown["descriptors"]["bitcoin"]
        .as_str()
        .unwrap_or_else(|| panic!("no descriptor: {shown}"));
    assert!(text.starts_with("tr(") && text.contains(")#"), "{text}");
    let descriptor = Descriptor::<DescriptorPublicKey>::from_str(text).unwrap();
    let definite = descriptor.at_derivation_index(0).unwrap();
    let address = definite.address(bitcoin::Network::Regtest).unwrap();
    assert_eq!(address.to_string(), w.bitcoin);

    // A PSBT made by rust-miniscript from the descriptor: two coins of the
    // wallet, a payment and change back to the wallet.
    let script: ScriptBuf = definite.script_pubkey();
    let coins = [
        (Txid::from_byte_array([9; 32]), 60_000u64),
        (Txid::from_byte_array([8; 32]), 25_000),
    ];
    let to = bitcoin::Address::from_str("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")
        .unwrap()
        .assume_checked();
    let tx = Transaction {
        version: bitcoin::transaction::Version::TWO,
        lock_time: bitcoin::absolute::LockTime::ZERO,
        input: coins
            .iter()
            .map(|(txid, _)| TxIn {
                previous_output: OutPoint::new(*txid, 1),
                sequence: Sequence::ENABLE_RBF_NO_LOCKTIME,
                ..TxIn::default()
            })
            .collect(),
        output: vec![
            TxOut {
                value: Amount::from_sat(50_000),
                script_pubkey: to.script_pubkey(),
            },
            TxOut {
                value: Amount::from_sat(34_000),
                script_pubkey: script.clone(),
            },
        ],
    };
    let mut psbt = Psbt::from_unsigned_tx(tx).unwrap();
    let spent: Vec<TxOut> = coins
        .iter()
        .map(|(_, v)| TxOut {
            value: Amount::from_sat(*v),
            script_pubkey: script.clone(),
        })
        .collect();
    for (i, out) in spent.iter().enumerate() {
        psbt.inputs[i].witness_utxo = Some(out.clone());
        psbt.update_input_with_descriptor(i, &definite).unwrap();
        assert!(psbt.inputs[i].tap_internal_key.is_some());
        assert_eq!(psbt.inputs[i].tap_key_origins.len(), 1, "BIP32 derivation");
    }
    psbt.update_output_with_descriptor(1, &definite).unwrap();
    let unsigned = Unsigned {
        chain: Chain::Bitcoin,
        bytes: psbt.serialize(),
        spent,
    };

    // Co-signed, with the signed PSBT written out.
    let dir = tempfile::tempdir().unwrap();
    let psbt_out = dir.path().join("signed.psbt");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&unsigned.bytes);
    let out = trio.desktop.json(&[
        "sign-tx",
        "--wallet",
        "w",
        "--chain",
        "bitcoin",
        "--unsigned",
        &b64,
        "--psbt-out",
        psbt_out.to_str().unwrap(),
        "--yes",
    ]);
    let signed = out["signed"].as_str().unwrap();
    verify(&w, &unsigned, signed);
    // The change was recognised as the wallet's, the payment was not.
    let transfers = out["preview"]["transfers"].as_array().unwrap();
    assert_eq!(transfers.len(), 1, "{out}");
    assert_eq!(transfers[0]["amount"], "50000", "{out}");

    // The signed PSBT, finalized by rust-miniscript: the same transaction.
    let written = std::fs::read_to_string(&psbt_out).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(written.trim())
        .unwrap();
    let mut returned = Psbt::deserialize(&bytes).unwrap();
    assert!(returned.inputs.iter().all(|i| i.tap_key_sig.is_some()));
    assert!(
        returned
            .inputs
            .iter()
            .all(|i| i.final_script_witness.is_none())
    );
    let secp = bitcoin::secp256k1::Secp256k1::verification_only();
    returned.finalize_mut(&secp).unwrap();
    let tx = returned.extract_tx().unwrap();
    let raw = bitcoin::consensus::encode::serialize_hex(&tx);
    assert_eq!(raw, signed);
    verify(&w, &unsigned, &raw);
}
