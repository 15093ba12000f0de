#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Solana unsigned transactions: building, the two accepted input forms
//! (message bytes, wire transaction with empty slots), partly signed input,
//! assembling, and every decode / build / assemble error.

use accord_chains::solana::fee::ComputeBudget;
use accord_chains::solana::instruction::system;
use accord_chains::solana::programs::{SYSTEM_PROGRAM, TOKEN_PROGRAM};
use accord_chains::solana::wire;
use accord_chains::solana::{
    AssembleError, BuildError, DecodeError, Hash, MAX_TRANSACTION_BYTES, Pubkey, SplTransfer,
    UnsignedTx,
};
use ed25519_dalek::{Signer as _, SigningKey};
use solana_message::legacy::Message;

fn signer(seed: u8) -> (SigningKey, Pubkey) {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let address = Pubkey::new_from_array(key.verifying_key().to_bytes());
    (key, address)
}

fn blockhash() -> Hash {
    Hash::new_from_array([7; 32])
}

fn sign(key: &SigningKey, tx: &UnsignedTx) -> [u8; 64] {
    key.sign(tx.message_bytes()).to_bytes()
}

/// A transfer signed by two keys: `a` pays the fee, `b` funds the transfer.
fn two_signer_message() -> (SigningKey, Pubkey, SigningKey, Pubkey, Vec<u8>) {
    let (ka, a) = signer(1);
    let (kb, b) = signer(2);
    let ix = system::transfer(&b, &Pubkey::new_from_array([9; 32]), 10);
    let bytes = Message::new_with_blockhash(&[ix], Some(&a), &blockhash()).serialize();
    (ka, a, kb, b, bytes)
}

#[test]
fn message_bytes_and_empty_wire_transaction_decode_alike() {
    let (_, from) = signer(1);
    let to = Pubkey::new_from_array([2; 32]);
    let tx = UnsignedTx::sol_transfer(&from, &to, 42, blockhash(), None).unwrap();
    let wire = tx.wire_bytes();
    assert_eq!(wire[0], 1);
    assert_eq!(&wire[1..65], &[0u8; 64][..]);
    assert_eq!(&wire[65..], tx.message_bytes());
    assert_eq!(UnsignedTx::decode(tx.message_bytes()).unwrap(), tx);
    assert_eq!(UnsignedTx::decode(&wire).unwrap(), tx);
    assert_eq!(tx.signers(), [from]);
    assert_eq!(tx.fee_payer(), Some(from));
    assert_eq!(tx.recent_blockhash(), blockhash());
    assert_eq!(tx.missing_signers(), [from]);
    assert_eq!(tx.transaction_id(), None);
    // What solana-message itself makes of the same instruction.
    let expected = Message::new_with_blockhash(
        &[system::transfer(&from, &to, 42)],
        Some(&from),
        &blockhash(),
    );
    assert_eq!(tx.message_bytes(), expected.serialize());
}

#[test]
fn assemble_places_a_verified_signature() {
    let (key, from) = signer(1);
    let tx = UnsignedTx::sol_transfer(
        &from,
        &Pubkey::new_from_array([2; 32]),
        42,
        blockhash(),
        Some(ComputeBudget {
            unit_limit: 1_000,
            micro_lamports_per_unit: 1,
        }),
    )
    .unwrap();
    let sig = sign(&key, &tx);
    let wire = tx.assemble(&from, &sig).unwrap();
    assert_eq!(wire[0], 1);
    assert_eq!(&wire[1..65], &sig[..]);
    assert_eq!(&wire[65..], tx.message_bytes());
    // A signed transaction decodes again (its slot verifies).
    let again = UnsignedTx::decode(&wire).unwrap();
    assert_eq!(again.signatures(), [sig]);
    assert!(again.missing_signers().is_empty());
    assert_eq!(
        again.transaction_id(),
        Some(bs58::encode(sig).into_string())
    );
}

#[test]
fn assemble_refuses_wrong_signer_bad_signature_and_missing_ones() {
    let (key, from) = signer(1);
    let (other_key, other) = signer(3);
    let tx = UnsignedTx::sol_transfer(&from, &other, 42, blockhash(), None).unwrap();
    let sig = sign(&key, &tx);
    assert!(matches!(
        tx.assemble(&other, &sign(&other_key, &tx)),
        Err(AssembleError::NotASigner { .. })
    ));
    let mut bad = sig;
    bad[0] ^= 1;
    assert!(matches!(
        tx.assemble(&from, &bad),
        Err(AssembleError::InvalidSignature { .. })
    ));
    // All zeros (a small-order R) is refused, as the runtime refuses it.
    assert!(matches!(
        tx.assemble(&from, &[0; 64]),
        Err(AssembleError::InvalidSignature { .. })
    ));

    let (ka, a, kb, b, bytes) = two_signer_message();
    let tx = UnsignedTx::decode(&bytes).unwrap();
    assert_eq!(tx.signers(), [a, b]);
    let sig_a = ka.sign(&bytes).to_bytes();
    let err = tx.assemble(&a, &sig_a).unwrap_err();
    assert_eq!(
        err,
        AssembleError::MissingSignatures {
            missing: vec![b.to_string()]
        }
    );
    let partly = tx.with_signature(&a, &sig_a).unwrap();
    assert_eq!(partly.missing_signers(), [b]);
    let wire = partly.assemble(&b, &kb.sign(&bytes).to_bytes()).unwrap();
    assert_eq!(wire[0], 2);
    assert_eq!(&wire[1..65], &sig_a[..]);
}

#[test]
fn partly_signed_input_is_accepted_only_with_valid_signatures() {
    let (ka, a, kb, b, bytes) = two_signer_message();
    let tx = UnsignedTx::decode(&bytes).unwrap();
    // Signed by b (the second slot) elsewhere, passed on to a.
    let from_b = tx
        .with_signature(&b, &kb.sign(&bytes).to_bytes())
        .unwrap()
        .wire_bytes();
    let received = UnsignedTx::decode(&from_b).unwrap();
    assert_eq!(received.missing_signers(), [a]);
    assert!(received.assemble(&a, &ka.sign(&bytes).to_bytes()).is_ok());
    // A forged slot is refused at decode.
    let mut forged = from_b.clone();
    forged[70] ^= 1;
    assert_eq!(
        UnsignedTx::decode(&forged),
        Err(DecodeError::BadSignature {
            slot: 1,
            signer: b.to_string()
        })
    );
}

#[test]
fn decode_errors() {
    let (_, from) = signer(1);
    let tx = UnsignedTx::sol_transfer(
        &from,
        &Pubkey::new_from_array([2; 32]),
        1,
        blockhash(),
        None,
    )
    .unwrap();
    let msg = tx.message_bytes().to_vec();

    assert_eq!(UnsignedTx::decode(&[]), Err(DecodeError::Empty));
    assert_eq!(
        UnsignedTx::decode(&vec![0; MAX_TRANSACTION_BYTES + 1]),
        Err(DecodeError::TooLarge {
            len: MAX_TRANSACTION_BYTES + 1,
            max: MAX_TRANSACTION_BYTES
        })
    );
    assert!(matches!(
        UnsignedTx::decode(&msg[..msg.len() - 1]),
        Err(DecodeError::Truncated { .. })
    ));
    let mut long = msg.clone();
    long.push(0);
    assert!(matches!(
        UnsignedTx::decode(&long),
        Err(DecodeError::TrailingBytes { extra: 1, .. })
    ));
    // Version 1 and above are not ours to sign.
    let mut v1 = vec![0x81];
    v1.extend_from_slice(&msg);
    assert_eq!(
        UnsignedTx::decode(&v1),
        Err(DecodeError::UnsupportedVersion(1))
    );
    // Two slots for a one-signer message.
    let mut wire = vec![2];
    wire.extend_from_slice(&[0; 128]);
    wire.extend_from_slice(&msg);
    assert_eq!(
        UnsignedTx::decode(&wire),
        Err(DecodeError::SignatureCount {
            signatures: 2,
            required: 1
        })
    );
    // The fee payer used as a program: sanitize refuses it.
    let mut payer_program = msg.clone();
    let ix_start = payer_program.len() - (1 + 1 + 1 + 2 + 1 + 12);
    payer_program[ix_start + 1] = 0;
    assert!(matches!(
        UnsignedTx::decode(&payer_program),
        Err(DecodeError::Invalid(_))
    ));
    // A non-canonical length (0x83 0x00 for 3).
    let mut alias = msg.clone();
    alias.splice(3..4, [0x83, 0x00]);
    assert!(UnsignedTx::decode(&alias).is_err());
    assert_eq!(
        wire::decode_message(&alias),
        Err(DecodeError::ShortVec {
            offset: 3,
            what: "account keys"
        })
    );
}

#[test]
fn build_errors() {
    let (_, from) = signer(1);
    let to = Pubkey::new_from_array([2; 32]);
    assert_eq!(
        UnsignedTx::sol_transfer(&from, &to, 0, blockhash(), None),
        Err(BuildError::ZeroAmount)
    );
    for unit_limit in [0, 1_400_001] {
        let budget = ComputeBudget {
            unit_limit,
            micro_lamports_per_unit: 1,
        };
        assert_eq!(
            UnsignedTx::sol_transfer(&from, &to, 1, blockhash(), Some(budget)),
            Err(BuildError::ComputeUnitLimit(unit_limit))
        );
    }
    let spl = SplTransfer {
        owner: from,
        mint: Pubkey::new_from_array([5; 32]),
        decimals: 6,
        to_wallet: to,
        amount: 1,
        token_program: SYSTEM_PROGRAM,
        create_recipient_account: true,
    };
    assert!(matches!(
        UnsignedTx::spl_transfer_checked(&spl, blockhash(), None),
        Err(BuildError::UnsupportedTokenProgram(_))
    ));
    let spl = SplTransfer {
        token_program: TOKEN_PROGRAM,
        amount: 0,
        ..spl
    };
    assert_eq!(
        UnsignedTx::spl_transfer_checked(&spl, blockhash(), None),
        Err(BuildError::ZeroAmount)
    );
}

#[test]
fn errors_read_well() {
    let e = DecodeError::SignatureCount {
        signatures: 2,
        required: 1,
    };
    assert_eq!(
        e.to_string(),
        "the transaction has 2 signature slots but its message requires 1"
    );
    let e = AssembleError::MissingSignatures {
        missing: vec!["A".into(), "B".into()],
    };
    assert_eq!(e.to_string(), "signatures still missing from A, B");
}
