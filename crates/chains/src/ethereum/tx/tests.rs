use super::*;
use alloy_primitives::address;
use k256::ecdsa::SigningKey;
use proptest::prelude::*;

fn gas() -> Gas {
    Gas {
        gas_limit: 21_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    }
}

fn sample() -> UnsignedTx {
    UnsignedTx::eth_transfer(
        1,
        7,
        address!("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        U256::from(10u64).pow(U256::from(17u8)),
        gas(),
    )
}

#[test]
fn encoding_is_type_2_rlp_and_round_trips() {
    let tx = sample();
    let bytes = tx.encode();
    assert_eq!(bytes[0], 0x02);
    assert!(bytes[1] >= 0xc0, "an RLP list follows the type byte");
    assert_eq!(UnsignedTx::decode(&bytes).unwrap(), tx);
    assert_eq!(tx.signing_hash(), keccak256(&bytes).0);
    assert_eq!(tx.fields().nonce, 7);
    assert_eq!(gas().max_fee(), U256::from(630_000_000_000_000u64));
}

/// EIP-155's example: its signing data, hash and signed transaction.
#[test]
fn legacy_eip155_example() {
    let signing = hex::decode(
        "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080",
    )
    .unwrap();
    let tx = UnsignedTx::decode(&signing).unwrap();
    let f = tx.fields();
    assert_eq!(f.tx_type, TxType::Legacy);
    assert_eq!((f.chain_id, f.nonce, f.gas_limit), (1, 9, 21_000));
    assert_eq!(f.max_fee_per_gas, 20_000_000_000);
    assert_eq!(
        hex::encode(tx.signing_hash()),
        "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
    );
    let key = SigningKey::from_slice(&[0x46; 32]).unwrap();
    let (sig, id) = key.sign_prehash_recoverable(&tx.signing_hash());
    let from = address::from_verifying_key(key.verifying_key());
    let (r, s) = sig.split_bytes();
    let signed = tx
        .assemble(r.into(), s.into(), id.is_y_odd(), from)
        .unwrap();
    assert_eq!(
        hex::encode(&signed.raw),
        "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
    );
    // Without the chain id (pre-EIP-155): refused; signed: refused.
    let bare = alloy_rlp::Header {
        list: true,
        payload_length: signing.len() - 1 - 3,
    };
    let mut pre155 = Vec::new();
    bare.encode(&mut pre155);
    pre155.extend_from_slice(&signing[1..signing.len() - 3]);
    assert_eq!(UnsignedTx::decode(&pre155), Err(DecodeError::NoChainId));
    assert_eq!(UnsignedTx::decode(&signed.raw), Err(DecodeError::Signed));
    let mut zero_chain = signing.clone();
    zero_chain[signing.len() - 3] = 0x80;
    assert_eq!(UnsignedTx::decode(&zero_chain), Err(DecodeError::NoChainId));
}

#[test]
fn eip2930_round_trips_and_signs() {
    let inner = TxEip2930 {
        chain_id: 31_337,
        nonce: 3,
        gas_price: 2_000_000_000,
        gas_limit: 30_000,
        to: TxKind::Call(address!("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")),
        value: U256::from(5u8),
        input: Bytes::new(),
        access_list: AccessList(vec![alloy_eips::eip2930::AccessListItem {
            address: address!("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            storage_keys: vec![B256::ZERO],
        }]),
    };
    let bytes = inner.encoded_for_signing();
    assert_eq!(bytes[0], 0x01);
    let tx = UnsignedTx::decode(&bytes).unwrap();
    let f = tx.fields();
    assert_eq!(f.tx_type, TxType::Eip2930);
    assert_eq!((f.chain_id, f.max_fee_per_gas), (31_337, 2_000_000_000));
    assert_eq!(f.access_list.0.len(), 1);
    assert_eq!(tx.signing_hash(), inner.signature_hash().0);
    let key = SigningKey::from_slice(&[0x11; 32]).unwrap();
    let (sig, id) = key.sign_prehash_recoverable(&tx.signing_hash());
    let from = address::from_verifying_key(key.verifying_key());
    let (r, s) = sig.split_bytes();
    let signed = tx
        .assemble(r.into(), s.into(), id.is_y_odd(), from)
        .unwrap();
    assert_eq!(signed.raw[0], 0x01);
    let mut raw = signed.raw.as_slice();
    let envelope =
        <TxEnvelope as alloy_eips::eip2718::Decodable2718>::decode_2718(&mut raw).unwrap();
    assert!(envelope.is_eip2930());
    assert_eq!(envelope.tx_hash().0, signed.hash);
    assert_eq!(UnsignedTx::decode(&signed.raw), Err(DecodeError::Signed));
}

#[test]
fn decode_refuses_other_shapes() {
    let bytes = sample().encode();
    assert_eq!(UnsignedTx::decode(&[]), Err(DecodeError::Empty));
    for ty in [0x00, 0x03, 0x04, 0x7f] {
        let mut other = bytes.clone();
        other[0] = ty;
        assert_eq!(
            UnsignedTx::decode(&other),
            Err(DecodeError::UnsupportedType(ty))
        );
    }
    let mut odd = bytes.clone();
    odd[0] = 0x80;
    assert_eq!(
        UnsignedTx::decode(&odd),
        Err(DecodeError::NotATransaction(0x80))
    );
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        UnsignedTx::decode(&trailing),
        Err(DecodeError::TrailingBytes(1))
    );
    assert!(matches!(
        UnsignedTx::decode(&bytes[..bytes.len() - 1]),
        Err(DecodeError::Rlp(_))
    ));
    assert!(matches!(
        UnsignedTx::decode(&vec![0x02; MAX_TX_BYTES + 1]),
        Err(DecodeError::TooLarge { .. })
    ));
}

#[test]
fn decode_refuses_a_signed_transaction() {
    let key = SigningKey::from_slice(&[0x42; 32]).unwrap();
    let from = address::from_verifying_key(key.verifying_key());
    let signed = signed_by(&key, &sample(), from);
    assert_eq!(UnsignedTx::decode(&signed.raw), Err(DecodeError::Signed));
}

/// The secp256k1 group order n.
fn n() -> U256 {
    U256::from_be_bytes(alloy_primitives::hex!(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
    ))
}

/// `(r, s)` of a low-s signature by a local key.
fn sign(key: &SigningKey, tx: &UnsignedTx) -> ([u8; 32], [u8; 32]) {
    let (sig, _) = key.sign_prehash_recoverable(&tx.signing_hash());
    let bytes = sig.normalize_s().to_bytes();
    let mut r = [0u8; 32];
    let mut s = [0u8; 32];
    r.copy_from_slice(&bytes[..32]);
    s.copy_from_slice(&bytes[32..]);
    (r, s)
}

/// Signs with a local key, trying both parities.
fn signed_by(key: &SigningKey, tx: &UnsignedTx, from: Address) -> SignedTx {
    let (r, s) = sign(key, tx);
    tx.assemble(r, s, false, from)
        .or_else(|_| tx.assemble(r, s, true, from))
        .unwrap()
}

#[test]
fn decode_refuses_non_canonical_rlp() {
    // The sample is a short list (0xc0 + len): 0x02, header, then the
    // fields, starting with chain id 1 (0x01) and nonce 7 (0x07).
    let bytes = sample().encode();
    assert!((0xc0..=0xf7).contains(&bytes[1]));
    assert_eq!(&bytes[2..4], &[0x01, 0x07]);
    // Rewrite nonce 7 as the one-byte string 0x81 0x07: same value, not canonical.
    let mut bad = vec![0x02, bytes[1] + 1, 0x01, 0x81];
    bad.extend_from_slice(&bytes[3..]);
    assert!(matches!(UnsignedTx::decode(&bad), Err(DecodeError::Rlp(_))));
    // A list header in long form for a short payload.
    let mut long = vec![0x02, 0xf8, bytes[1] - 0xc0];
    long.extend_from_slice(&bytes[2..]);
    assert!(UnsignedTx::decode(&long).is_err());
}

#[test]
fn assemble_checks_low_s_and_signer() {
    let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
    let from = address::from_verifying_key(key.verifying_key());
    let tx = sample();
    let signed = signed_by(&key, &tx, from);
    assert_eq!(signed.raw[0], 0x02);
    assert_eq!(signed.hash, keccak256(&signed.raw).0);

    let (r, s) = sign(&key, &tx);
    // The wrong parity recovers another key.
    let wrong = [false, true]
        .into_iter()
        .map(|p| tx.assemble(r, s, p, from))
        .filter(|res| matches!(res, Err(AssembleError::WrongSigner { .. })))
        .count();
    assert_eq!(wrong, 1);
    // Another wallet.
    let other = Address::repeat_byte(9);
    assert!(matches!(
        tx.assemble(r, s, false, other),
        Err(AssembleError::WrongSigner { .. })
    ));
    // High s: n - s.
    let high: [u8; 32] = (n() - U256::from_be_bytes(s)).to_be_bytes();
    assert_eq!(tx.assemble(r, high, false, from), Err(AssembleError::HighS));
    assert_eq!(tx.assemble(r, high, true, from), Err(AssembleError::HighS));
    // Zero and out-of-range scalars.
    assert_eq!(
        tx.assemble([0; 32], s, false, from),
        Err(AssembleError::InvalidScalars)
    );
    assert_eq!(
        tx.assemble(r, [0xff; 32], false, from),
        Err(AssembleError::InvalidScalars)
    );
}

proptest! {
    #[test]
    fn round_trips(
        chain_id in any::<u64>(), nonce in any::<u64>(), gas_limit in any::<u64>(),
        max_fee in any::<u128>(), tip in any::<u128>(), to in any::<[u8; 20]>(),
        value in any::<[u8; 32]>(), data in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let gas = Gas { gas_limit, max_fee_per_gas: max_fee, max_priority_fee_per_gas: tip };
        let tx = UnsignedTx::contract_call(
            chain_id, nonce, Address::from(to), U256::from_be_bytes(value), data, gas);
        let bytes = tx.encode();
        prop_assert_eq!(UnsignedTx::decode(&bytes).unwrap(), tx);
    }

    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = UnsignedTx::decode(&bytes);
        let mut typed = vec![0x02];
        typed.extend(&bytes);
        let _ = UnsignedTx::decode(&typed);
    }

    #[test]
    fn decode_never_panics_on_mutations(
        data in proptest::collection::vec(any::<u8>(), 0..100),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let gas = Gas { gas_limit: 60_000, max_fee_per_gas: 1 << 40, max_priority_fee_per_gas: 1 << 30 };
        let mut bytes = UnsignedTx::contract_call(
            10, 3, Address::repeat_byte(1), U256::from(5u8), data, gas).encode();
        for (at, byte, op) in edits {
            let i = at % (bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => { bytes.remove(i); }
                _ => {}
            }
        }
        if let Ok(tx) = UnsignedTx::decode(&bytes) {
            // Whatever decodes re-encodes to exactly the bytes given.
            prop_assert_eq!(tx.encode(), bytes);
        }
    }
}
