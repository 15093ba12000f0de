//! Bitcoin: a BIP341 key-path spend finished and checked with
//! libbitcoinconsensus, a wallet without an internal key, and the refusals.

use super::*;

/// Checks every input of `tx` with Bitcoin Core's interpreter (as
/// tests/bitcoin_consensus.rs does).
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

/// A regtest PSBT spending two of `wallet`'s coins (70 000 + 40 000 sat).
pub(super) fn btc_psbt(wallet: &Single) -> bitcoin::Psbt {
    let recipient = btc_address::parse(
        "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080",
        Network::Regtest,
    )
    .unwrap();
    build(
        &wallet.btc_keys(Network::Regtest),
        &utxos(&[70_000, 40_000]),
        &[(recipient, Amount::from_sat(90_000))],
        3,
    )
    .unwrap()
}

fn spent(psbt: &bitcoin::Psbt) -> Vec<TxOut> {
    psbt.inputs
        .iter()
        .map(|i| i.witness_utxo.clone().unwrap())
        .collect()
}

#[test]
fn bitcoin_spend_is_valid_under_bitcoin_core_rules() {
    let wallet = Single::new(11);
    let psbt = btc_psbt(&wallet);
    let prepared = prepare(Chain::Bitcoin, "regtest", &psbt.serialize(), &wallet.public).unwrap();
    assert_eq!(prepared.chain, Chain::Bitcoin);
    assert_eq!(prepared.kind, SignatureKind::Bip340);
    assert_eq!(prepared.preview.network, "regtest");
    assert_eq!(prepared.preview.transfers.len(), 1);
    assert_eq!(prepared.messages.len(), 2, "one sighash per wallet input");
    assert!(prepared.messages.iter().all(|m| m.len() == 32));
    // The messages are the sighashes the preview shows, in input order.
    for (i, m) in prepared.messages.iter().enumerate() {
        let shown = &prepared.preview.details[&format!("sighash_{i}")];
        let mut display = m.clone();
        display.reverse();
        assert!(
            *shown == hex::encode(m) || *shown == hex::encode(&display),
            "{shown}"
        );
    }

    let signed = prepared.finish(&wallet.sign(&prepared)).unwrap();
    let tx: Transaction = deserialize(&signed.raw).unwrap();
    assert_eq!(signed.encoded, hex::encode(&signed.raw));
    assert_eq!(signed.txid, tx.compute_txid().to_string());
    assert_eq!(tx.compute_txid(), psbt.unsigned_tx.compute_txid());
    consensus_verify(&tx, &spent(&psbt)).expect("consensus accepts the spend");

    // The same transaction from the base64 form of the PSBT.
    let text = accord_chains::bitcoin::psbt::to_base64(&psbt);
    let again = prepare(Chain::Bitcoin, "regtest", text.as_bytes(), &wallet.public).unwrap();
    assert_eq!(again.messages, prepared.messages);
}

#[test]
fn bitcoin_wallet_without_internal_key() {
    // The output key used directly (x-only key of a keypair, no internal key).
    let mut wallet = Single::new(12);
    wallet.public.taproot_internal = None;
    let psbt = build(
        &wallet.btc_keys(Network::Signet),
        &utxos(&[50_000]),
        &[(
            wallet.btc_keys(Network::Signet).address(),
            Amount::from_sat(20_000),
        )],
        2,
    )
    .unwrap();
    let prepared = prepare(Chain::Bitcoin, "signet", &psbt.serialize(), &wallet.public).unwrap();
    assert_eq!(prepared.preview.network, "signet");
    let signed = prepared.finish(&wallet.sign(&prepared)).unwrap();
    let tx: Transaction = deserialize(&signed.raw).unwrap();
    consensus_verify(&tx, &spent(&psbt)).unwrap();
}

#[test]
fn bitcoin_refusals() {
    let wallet = Single::new(13);
    let psbt = btc_psbt(&wallet);
    let bytes = psbt.serialize();
    let prepared = prepare(Chain::Bitcoin, "regtest", &bytes, &wallet.public).unwrap();
    let good = wallet.sign(&prepared);

    // Wrong count.
    assert_eq!(
        prepared.finish(&good[..1]).unwrap_err(),
        FinishError::SignatureCount {
            expected: 2,
            got: 1
        }
    );
    assert!(matches!(
        prepared.finish(&[]),
        Err(FinishError::SignatureCount { got: 0, .. })
    ));
    // Swapped, tampered, or by another key.
    let swapped = [good[1], good[0]];
    assert!(matches!(
        prepared.finish(&swapped),
        Err(FinishError::InvalidSignature {
            index: 0,
            kind: SignatureKind::Bip340,
            ..
        })
    ));
    let mut tampered = good.clone();
    tampered[1].bytes[40] ^= 1;
    let err = prepared.finish(&tampered).unwrap_err();
    assert!(
        matches!(err, FinishError::InvalidSignature { index: 1, .. }),
        "{err:?}"
    );
    let other = Single::new(14);
    assert!(matches!(
        prepared.finish(&other.sign(&prepared)),
        Err(FinishError::InvalidSignature { .. })
    ));

    // A PSBT of another wallet: nothing to sign.
    let err = prepare(Chain::Bitcoin, "regtest", &bytes, &other.public).unwrap_err();
    assert!(
        matches!(err, PrepareError::NotSpendingFromWallet { ref address } if address.starts_with("bcrt1p")),
        "{err:?}"
    );
    // Garbage, empty, a bad network.
    for garbage in [
        &b""[..],
        b"psbt\xff",
        b"psbt\xff\x01\x00",
        b"not base64 at all",
        &[0xff; 100],
    ] {
        assert!(matches!(
            prepare(Chain::Bitcoin, "regtest", garbage, &wallet.public),
            Err(PrepareError::Psbt(_))
        ));
    }
    for network in ["bitcoin", "main", "testnet3", "Mainnet", "", "devnet"] {
        assert_eq!(
            prepare(Chain::Bitcoin, network, &bytes, &wallet.public).unwrap_err(),
            PrepareError::UnknownNetwork(network.to_owned())
        );
    }
    // An output key that is not on the curve.
    let mut bad = wallet.public.clone();
    bad.taproot_output = [0xff; 32];
    assert!(matches!(
        prepare(Chain::Bitcoin, "regtest", &bytes, &bad),
        Err(PrepareError::BitcoinKey(_))
    ));
}

#[test]
fn bitcoin_input_of_another_signer_is_not_finalized() {
    let wallet = Single::new(15);
    let mut psbt = btc_psbt(&wallet);
    // Input 1 now spends somebody else's coin.
    let foreign = Single::new(16).btc_keys(Network::Regtest).script_pubkey();
    psbt.inputs[1].witness_utxo.as_mut().unwrap().script_pubkey = foreign;
    let prepared = prepare(Chain::Bitcoin, "regtest", &psbt.serialize(), &wallet.public).unwrap();
    assert_eq!(prepared.messages.len(), 1);
    assert!(
        prepared
            .preview
            .warnings
            .iter()
            .any(|w| w.to_string().contains("belong to somebody else")),
        "{:?}",
        prepared.preview.warnings
    );
    let err = prepared.finish(&wallet.sign(&prepared)).unwrap_err();
    assert_eq!(
        err,
        FinishError::Bitcoin(FinalizeError::Foreign { index: 1 })
    );
}
