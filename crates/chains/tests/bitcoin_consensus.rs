//! Taproot spends signed by a 2-of-3 FROST key (accord-mpc) are accepted by
//! Bitcoin Core's consensus code (libbitcoinconsensus 26.0, Taproot rules,
//! all spent outputs); a tampered signature, a wrong spent amount and an
//! untweaked key are rejected. PSBTs round-trip, and the BIP371 test vectors
//! parse and preview; the signed vector's signature verifies under the
//! sighash we compute (a third-party check of our BIP341 digest).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use accord_chains::Effect;
use accord_chains::bitcoin::build::{Utxo, build};
use accord_chains::bitcoin::finalize::{FinalizeError, finalize};
use accord_chains::bitcoin::preview::preview;
use accord_chains::bitcoin::psbt::{parse, to_base64};
use accord_chains::bitcoin::sighash::sighashes;
use accord_chains::bitcoin::{Network, WalletKeys, address};
use accord_mpc::{GroupKey, KeyShare, Parameters, PartyId, Scheme, Signature, sim};
use bitcoin::consensus::serialize;
use bitcoin::hashes::Hash;
use bitcoin::{Amount, OutPoint, Transaction, TxOut, Txid};
use bitcoinconsensus::{VERIFY_ALL_PRE_TAPROOT, VERIFY_TAPROOT, verify_with_flags};
use rand::rngs::OsRng;

fn group() -> (Vec<Arc<KeyShare>>, WalletKeys) {
    let (shares, _) = sim::keygen(
        Scheme::FrostTaproot,
        Parameters::new(2, 3).unwrap(),
        &mut OsRng,
    )
    .unwrap();
    let GroupKey::Taproot {
        output_key,
        internal_key,
    } = shares[0].group_key()
    else {
        panic!("taproot key")
    };
    let wallet = WalletKeys::new(&output_key, Some(&internal_key), Network::Regtest).unwrap();
    (shares, wallet)
}

fn party(i: u16) -> PartyId {
    PartyId::new(i).unwrap()
}

/// Checks every input of `tx` with Bitcoin Core's interpreter.
fn consensus_verify(tx: &Transaction, spent: &[TxOut]) -> Result<(), String> {
    let raw = serialize(tx);
    let utxos: Vec<bitcoinconsensus::Utxo> = spent
        .iter()
        .map(|o| bitcoinconsensus::Utxo {
            script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
            script_pubkey_len: o.script_pubkey.len() as u32,
            value: o.value.to_sat() as i64,
        })
        .collect();
    for (i, o) in spent.iter().enumerate() {
        verify_with_flags(
            o.script_pubkey.as_bytes(),
            o.value.to_sat(),
            &raw,
            Some(&utxos),
            i,
            VERIFY_ALL_PRE_TAPROOT | VERIFY_TAPROOT,
        )
        .map_err(|e| format!("input {i}: {e:?}"))?;
    }
    Ok(())
}

fn utxos(values: &[u64]) -> Vec<Utxo> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Utxo {
            outpoint: OutPoint::new(Txid::from_byte_array([i as u8 + 1; 32]), i as u32),
            amount: Amount::from_sat(*v),
        })
        .collect()
}

/// Builds, previews, signs with parties (1, 3) and finalizes a spend.
fn signed_spend(shares: &[Arc<KeyShare>], wallet: &WalletKeys) -> (Transaction, Vec<TxOut>) {
    let recipient = address::parse(
        "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080",
        Network::Regtest,
    )
    .unwrap();
    let coins = utxos(&[70_000, 40_000]);
    let psbt = build(
        wallet,
        &coins,
        &[(recipient.clone(), Amount::from_sat(90_000))],
        3,
    )
    .unwrap();

    // The co-signer's view, from the bytes alone.
    let bytes = psbt.serialize();
    let p = preview(&bytes, Network::Regtest, Some(wallet)).unwrap();
    assert_eq!(p.transfers.len(), 1);
    assert_eq!(p.transfers[0].to, recipient.to_string());
    assert_eq!(p.transfers[0].amount.units(), alloy_primitives_u256(90_000));
    let fee: u64 = p.fee.units().to::<u64>();
    let change: u64 = p.change.iter().map(|c| c.amount.units().to::<u64>()).sum();
    assert_eq!(fee + change + 90_000, 110_000, "fee is exact");
    assert_eq!(
        fee,
        3 * 200,
        "2 key-path inputs, P2WPKH + P2TR outputs: 199.5 vB"
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // Its effects: the output paid to others, as a transfer (change is none).
    assert!(matches!(&p.effects[..], [Effect::Transfer(t)] if t == &p.transfers[0]));

    let parsed = parse(&bytes).unwrap();
    let digests = sighashes(&parsed, wallet).unwrap();
    assert_eq!(digests.len(), 2);
    let mut signatures = Vec::new();
    for d in &digests {
        let (sig, _) = sim::sign(
            shares,
            &[party(1), party(3)],
            party(3),
            &d.digest,
            &mut OsRng,
        )
        .unwrap();
        let Signature::Bip340(sig) = sig else {
            panic!("BIP340")
        };
        signatures.push((d.index, sig));
    }
    let spent: Vec<TxOut> = parsed
        .inputs
        .iter()
        .map(|i| i.witness_utxo.clone().unwrap())
        .collect();
    (finalize(parsed, wallet, &signatures).unwrap().0, spent)
}

fn alloy_primitives_u256(v: u64) -> alloy_primitives::U256 {
    alloy_primitives::U256::from(v)
}

#[test]
fn threshold_taproot_spend_is_valid_under_bitcoin_core_rules() {
    let (shares, wallet) = group();
    let (tx, spent) = signed_spend(&shares, &wallet);
    consensus_verify(&tx, &spent).expect("consensus accepts the spend");
    assert!(
        tx.input
            .iter()
            .all(|i| i.witness.len() == 1 && i.witness.iter().all(|w| w.len() == 64))
    );
}

#[test]
fn tampered_signature_wrong_amount_and_untweaked_key_are_rejected() {
    let (shares, wallet) = group();
    let (tx, spent) = signed_spend(&shares, &wallet);

    let mut tampered = tx.clone();
    let mut sig = tampered.input[0].witness.to_vec();
    sig[0][10] ^= 1;
    tampered.input[0].witness = bitcoin::Witness::from_slice(&sig);
    assert!(
        consensus_verify(&tampered, &spent).is_err(),
        "tampered signature"
    );

    let mut wrong_amount = spent.clone();
    wrong_amount[1].value = Amount::from_sat(40_001);
    assert!(
        consensus_verify(&tx, &wrong_amount).is_err(),
        "wrong spent amount"
    );

    // The same signatures for outputs paying to the *internal* key P (no tweak).
    let internal = wallet.internal_key.unwrap();
    let untweaked = bitcoin::ScriptBuf::new_p2tr_tweaked(
        bitcoin::key::TweakedPublicKey::dangerous_assume_tweaked(internal),
    );
    let as_untweaked: Vec<TxOut> = spent
        .iter()
        .map(|o| TxOut {
            value: o.value,
            script_pubkey: untweaked.clone(),
        })
        .collect();
    assert!(
        consensus_verify(&tx, &as_untweaked).is_err(),
        "untweaked key"
    );
}

#[test]
fn finalize_refuses_a_bad_signature_and_unknown_amounts() {
    let (_, wallet) = group();
    let recipient = wallet.address();
    let psbt = build(
        &wallet,
        &utxos(&[50_000]),
        &[(recipient, Amount::from_sat(10_000))],
        2,
    )
    .unwrap();
    let bad = finalize(psbt.clone(), &wallet, &[(0, [7u8; 64])]);
    assert!(
        matches!(bad, Err(FinalizeError::Invalid { index: 0 })),
        "{bad:?}"
    );
    let missing = finalize(psbt.clone(), &wallet, &[]);
    assert!(
        matches!(missing, Err(FinalizeError::Missing { index: 0 })),
        "{missing:?}"
    );
    let mut unknown = psbt;
    unknown.inputs[0].witness_utxo = None;
    assert!(
        sighashes(&unknown, &wallet).is_err(),
        "refuses an input whose amount is unknown"
    );
    assert!(preview(&unknown.serialize(), Network::Regtest, Some(&wallet)).is_err());
}

#[test]
fn psbts_round_trip() {
    let (_, wallet) = group();
    let psbt = build(
        &wallet,
        &utxos(&[50_000, 9_000]),
        &[(wallet.address(), Amount::from_sat(20_000))],
        5,
    )
    .unwrap();
    let bytes = psbt.serialize();
    assert_eq!(parse(&bytes).unwrap(), psbt);
    let text = to_base64(&psbt);
    assert_eq!(parse(text.as_bytes()).unwrap(), psbt);
    assert_eq!(
        parse(&parse(&bytes).unwrap().serialize())
            .unwrap()
            .serialize(),
        bytes
    );
    // BIP371 fields: internal key on inputs and on the change output.
    assert!(
        psbt.inputs
            .iter()
            .all(|i| i.tap_internal_key == wallet.internal_key)
    );
    let p = preview(&bytes, Network::Regtest, Some(&wallet)).unwrap();
    // All value goes back to the wallet: a self-send, flagged.
    assert!(
        p.warnings.iter().any(|w| w.code() == "send_to_self"),
        "{:?}",
        p.warnings
    );
}

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/bitcoin/{name}", manifest_dir())).unwrap()
}

#[test]
fn bip371_vectors_parse_preview_and_verify() {
    let unsigned = parse(&vector("bip371-valid-key-path-input.b64")).unwrap();
    let p = preview(
        &vector("bip371-valid-key-path-input.b64"),
        Network::Mainnet,
        None,
    )
    .unwrap();
    assert_eq!(p.transfers.len(), 1);
    // Independently bech32-encoded (BIP173 reference algorithm) from 0014768e…4969.
    assert_eq!(
        p.transfers[0].to,
        "bc1qw68pa66v7ssgvcpnlq9valc0jus8gjtfv208as"
    );
    assert_eq!(p.fee.units().to::<u64>(), 5_000_000_000 - 4_999_997_000);
    assert!(unsigned.inputs[0].tap_internal_key.is_some());

    // The signed vector: its key-path signature verifies (libsecp256k1) over
    // the sighash accord-chains computes.
    let signed = parse(&vector("bip371-valid-key-path-signed.b64")).unwrap();
    let spk = signed.inputs[0]
        .witness_utxo
        .as_ref()
        .unwrap()
        .script_pubkey
        .clone();
    let output_key = &spk.as_bytes()[2..34];
    let wallet = WalletKeys::new(output_key, None, Network::Mainnet).unwrap();
    let digests = sighashes(&signed, &wallet).unwrap();
    let sig = signed.inputs[0].tap_key_sig.unwrap();
    let secp = bitcoin::secp256k1::Secp256k1::verification_only();
    secp.verify_schnorr(
        &sig.signature,
        &bitcoin::secp256k1::Message::from_digest(digests[0].digest),
        &wallet.output_key.to_x_only_public_key(),
    )
    .expect("the BIP371 vector's signature verifies under our sighash");

    for bad in [
        "bip371-invalid-internal-key-too-long.b64",
        "bip371-invalid-key-sig-too-short.b64",
    ] {
        assert!(parse(&vector(bad)).is_err(), "{bad}");
        assert!(
            preview(&vector(bad), Network::Mainnet, None).is_err(),
            "{bad}"
        );
    }
}

mod decoder {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn psbt_preview_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = preview(&bytes, Network::Mainnet, None);
        }

        #[test]
        fn mutated_vector_never_panics(at in any::<prop::sample::Index>(), xor in 1u8..) {
            let mut bytes = parse(&vector("bip371-valid-key-path-input.b64")).unwrap().serialize();
            let i = at.index(bytes.len());
            bytes[i] ^= xor;
            let _ = preview(&bytes, Network::Mainnet, None);
            if let Ok(psbt) = parse(&bytes) {
                let key = [2u8; 32];
                if let Ok(w) = WalletKeys::new(&key, None, Network::Mainnet) {
                    let _ = sighashes(&psbt, &w);
                }
            }
        }
    }
}

#[test]
fn anyone_can_spend_witness_programs_are_flagged() {
    let (_, wallet) = group();
    let mut psbt = build(
        &wallet,
        &utxos(&[50_000]),
        &[(wallet.address(), Amount::from_sat(20_000))],
        2,
    )
    .unwrap();
    // Pay-to-anchor (OP_1 <0x4e73>): an address rust-bitcoin renders, spendable by anyone.
    psbt.unsigned_tx.output[0].script_pubkey = bitcoin::ScriptBuf::from_hex("51024e73").unwrap();
    let p = preview(&psbt.serialize(), Network::Regtest, Some(&wallet)).unwrap();
    assert!(
        p.warnings
            .iter()
            .any(|w| w.code() == "unusual" && w.to_string().contains("witness program")),
        "{:?}",
        p.warnings
    );
}

/// This package's directory, as `cargo test` gives it when it runs the test
/// (the path compiled in may be another checkout's, when a target directory
/// is shared).
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}
