//! Solana: transfers whose wire bytes solana-message encodes alike and whose
//! signatures verify with ed25519-dalek, two signers, and the refusals.

use super::*;

pub(super) fn blockhash() -> Hash {
    Hash::new_from_array([7; 32])
}

/// `raw` is one signature slot followed by the message solana-message
/// itself encodes; the signature verifies with ed25519-dalek.
fn check_solana_wire(raw: &[u8], message: &[u8], key: &ed25519_dalek::VerifyingKey) {
    assert_eq!(raw[0], 1, "one signature");
    assert_eq!(&raw[65..], message);
    let sig = ed25519_dalek::Signature::from_bytes(raw[1..65].try_into().unwrap());
    key.verify_strict(message, &sig).unwrap();
}

#[test]
fn solana_transfer_verifies() {
    let wallet = Single::new(31);
    let from = wallet.sol_address();
    let to = Pubkey::new_from_array([2; 32]);
    let tx = SolTx::sol_transfer(&from, &to, 1_000_000, blockhash(), None).unwrap();
    let independent = solana_message::legacy::Message::new_with_blockhash(
        &[accord_chains::solana::instruction::system::transfer(
            &from, &to, 1_000_000,
        )],
        Some(&from),
        &blockhash(),
    )
    .serialize();
    for (network, cluster) in [
        ("mainnet", "mainnet"),
        ("testnet", "testnet"),
        ("signet", "devnet"),
        ("regtest", "localnet"),
    ] {
        // Message bytes and the unsigned wire form prepare alike.
        for unsigned in [tx.message_bytes().to_vec(), tx.wire_bytes()] {
            let prepared = prepare(Chain::Solana, network, &unsigned, &wallet.public).unwrap();
            assert_eq!(prepared.kind, SignatureKind::Ed25519);
            assert_eq!(prepared.preview.network, cluster);
            assert_eq!(prepared.messages, std::slice::from_ref(&independent));
            let signed = prepared.finish(&wallet.sign(&prepared)).unwrap();
            check_solana_wire(&signed.raw, &independent, &wallet.ed25519.verifying_key());
            assert_eq!(
                base64::engine::general_purpose::STANDARD
                    .decode(&signed.encoded)
                    .unwrap(),
                signed.raw
            );
            assert_eq!(signed.txid, bs58::encode(&signed.raw[1..65]).into_string());
            // The crate's strict decoder reads it back, fully signed.
            assert!(
                SolTx::decode(&signed.raw)
                    .unwrap()
                    .missing_signers()
                    .is_empty()
            );
        }
    }
}

#[test]
fn solana_two_signers() {
    let wallet = Single::new(32);
    let me = wallet.sol_address();
    let payer_key = ed25519_dalek::SigningKey::from_bytes(&[33; 32]);
    let payer = Pubkey::new_from_array(payer_key.verifying_key().to_bytes());
    let ix = accord_chains::solana::instruction::system::transfer(
        &me,
        &Pubkey::new_from_array([9; 32]),
        10,
    );
    let message =
        solana_message::legacy::Message::new_with_blockhash(&[ix], Some(&payer), &blockhash())
            .serialize();

    // The other signer has not signed: the wallet signs, but cannot finish.
    let prepared = prepare(Chain::Solana, "regtest", &message, &wallet.public).unwrap();
    let err = prepared.finish(&wallet.sign(&prepared)).unwrap_err();
    assert_eq!(
        err,
        FinishError::MissingSigners {
            missing: vec![payer.to_string()]
        }
    );
    assert!(err.to_string().contains(&payer.to_string()));

    // Partly signed by the fee payer first: finishing completes it.
    let partly = SolTx::decode(&message)
        .unwrap()
        .with_signature(&payer, &payer_key.sign(&message).to_bytes())
        .unwrap()
        .wire_bytes();
    let prepared = prepare(Chain::Solana, "regtest", &partly, &wallet.public).unwrap();
    assert_eq!(prepared.messages, std::slice::from_ref(&message));
    let signed = prepared.finish(&wallet.sign(&prepared)).unwrap();
    assert_eq!(signed.raw[0], 2);
    assert_eq!(&signed.raw[129..], &message[..]);
    for (slot, key) in [
        (0, payer_key.verifying_key()),
        (1, wallet.ed25519.verifying_key()),
    ] {
        let at = 1 + 64 * slot;
        let sig = ed25519_dalek::Signature::from_bytes(signed.raw[at..at + 64].try_into().unwrap());
        key.verify_strict(&message, &sig).unwrap();
    }
    // The txid is the fee payer's signature.
    assert_eq!(signed.txid, bs58::encode(&signed.raw[1..65]).into_string());
}

#[test]
fn solana_refusals() {
    let wallet = Single::new(34);
    let stranger = Pubkey::new_from_array(
        ed25519_dalek::SigningKey::from_bytes(&[35; 32])
            .verifying_key()
            .to_bytes(),
    );
    // A transaction that does not need the wallet.
    let theirs =
        SolTx::sol_transfer(&stranger, &wallet.sol_address(), 5, blockhash(), None).unwrap();
    let err = prepare(
        Chain::Solana,
        "mainnet",
        theirs.message_bytes(),
        &wallet.public,
    )
    .unwrap_err();
    assert_eq!(
        err,
        PrepareError::NotASigner {
            address: wallet.sol_address().to_string(),
            signers: vec![stranger.to_string()],
        }
    );

    let ours = SolTx::sol_transfer(&wallet.sol_address(), &stranger, 5, blockhash(), None).unwrap();
    let prepared = prepare(
        Chain::Solana,
        "mainnet",
        ours.message_bytes(),
        &wallet.public,
    )
    .unwrap();
    let good = wallet.sign(&prepared)[0];
    assert!(matches!(
        prepared.finish(&[good, good]),
        Err(FinishError::SignatureCount {
            expected: 1,
            got: 2
        })
    ));
    let mut tampered = good;
    tampered.bytes[5] ^= 1;
    assert!(matches!(
        prepared.finish(&[tampered]),
        Err(FinishError::InvalidSignature {
            index: 0,
            kind: SignatureKind::Ed25519,
            ..
        })
    ));
    assert!(matches!(
        prepared.finish(&Single::new(36).sign(&prepared)),
        Err(FinishError::InvalidSignature { .. })
    ));
    // Signed over other bytes.
    assert!(matches!(
        prepared.finish(&[wallet.ed25519(b"something else")]),
        Err(FinishError::InvalidSignature { .. })
    ));

    for garbage in [&b""[..], &[0x01], &[0x80, 0x00], &[0xff; 2000]] {
        assert!(matches!(
            prepare(Chain::Solana, "mainnet", garbage, &wallet.public),
            Err(PrepareError::SolanaDecode(_))
        ));
    }
    let mut bad = wallet.public.clone();
    // y = 2 is not on the curve (no x satisfies the equation).
    bad.ed25519 = [0; 32];
    bad.ed25519[0] = 2;
    assert!(matches!(
        prepare(Chain::Solana, "mainnet", ours.message_bytes(), &bad),
        Err(PrepareError::SolanaKey(_))
    ));
}
