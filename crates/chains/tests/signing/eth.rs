//! Ethereum: an EIP-1559 transaction whose signature recovers (k256, alloy's
//! EIP-2718 decoder) to the wallet, and the refusals (EIP-155 chain ids of
//! the wrong kind of network among them).

use accord_chains::ethereum::network::KNOWN_CHAINS;

use super::*;

fn gas() -> Gas {
    Gas {
        gas_limit: 21_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    }
}

pub(super) fn eth_tx(chain_id: u64) -> Vec<u8> {
    EthTx::eth_transfer(
        chain_id,
        3,
        alloy_primitives::Address::repeat_byte(0x42),
        U256::from(10u64).pow(U256::from(16u8)),
        gas(),
    )
    .encode()
}

/// Decodes `raw` with alloy and recovers its signer with k256 0.13.
fn alloy_signer(raw: &[u8]) -> (alloy_primitives::Address, [u8; 32]) {
    use alloy_consensus::TxEnvelope;
    use alloy_consensus::transaction::SignableTransaction;
    use k256_v13::ecdsa::{RecoveryId, Signature, VerifyingKey};
    let envelope = TxEnvelope::decode_2718(&mut &raw[..]).unwrap();
    let TxEnvelope::Eip1559(signed) = &envelope else {
        panic!("EIP-1559")
    };
    let sig = signed.signature();
    let hash = signed.tx().signature_hash();
    let ecdsa =
        Signature::from_scalars(sig.r().to_be_bytes::<32>(), sig.s().to_be_bytes::<32>()).unwrap();
    let key = VerifyingKey::recover_from_prehash(
        hash.as_slice(),
        &ecdsa,
        RecoveryId::new(sig.v(), false),
    )
    .unwrap();
    let point = key.to_encoded_point(false);
    (
        alloy_primitives::Address::from_raw_public_key(&point.as_bytes()[1..]),
        signed.hash().0,
    )
}

#[test]
fn ethereum_transaction_recovers_to_the_wallet() {
    let wallet = Single::new(21);
    for (network, chain_id, name) in [
        ("mainnet", 1, "mainnet"),
        ("testnet", 11_155_111, "sepolia"),
        ("regtest", 31_337, "anvil"),
        ("mainnet", 999_999, "chain-999999"),
        ("signet", 999_999, "chain-999999"),
    ] {
        let bytes = eth_tx(chain_id);
        let prepared = prepare(Chain::Ethereum, network, &bytes, &wallet.public).unwrap();
        assert_eq!(prepared.kind, SignatureKind::Ecdsa);
        assert_eq!(prepared.preview.network, name);
        assert_eq!(
            prepared.messages,
            [EthTx::decode(&bytes).unwrap().signing_hash().to_vec()]
        );
        let signed = prepared.finish(&wallet.sign(&prepared)).unwrap();
        assert_eq!(signed.encoded, format!("0x{}", hex::encode(&signed.raw)));
        let (from, hash) = alloy_signer(&signed.raw);
        assert_eq!(from, wallet.eth_address());
        assert_eq!(signed.txid, format!("0x{}", hex::encode(hash)));
        assert_eq!(
            signed.txid,
            format!(
                "0x{}",
                hex::encode(alloy_primitives::keccak256(&signed.raw))
            )
        );
    }
}

#[test]
fn ethereum_refusals() {
    let wallet = Single::new(22);

    // Cross-network chain ids, both ways.
    for chain_id in [
        1_337, 31_337, 11_155_111, 17_000, 560_048, 84_532, 421_614, 11_155_420, 80_002,
    ] {
        let err = prepare(
            Chain::Ethereum,
            "mainnet",
            &eth_tx(chain_id),
            &wallet.public,
        )
        .unwrap_err();
        assert!(
            matches!(err, PrepareError::TestChainForMainnetWallet { chain_id: id, .. } if id == chain_id),
            "{err:?}"
        );
        for network in ["testnet", "signet", "regtest"] {
            assert!(prepare(Chain::Ethereum, network, &eth_tx(chain_id), &wallet.public).is_ok());
        }
    }
    for chain_id in [1, 10, 56, 137, 8_453, 42_161, 43_114] {
        for network in ["testnet", "signet", "regtest"] {
            let err =
                prepare(Chain::Ethereum, network, &eth_tx(chain_id), &wallet.public).unwrap_err();
            assert!(
                matches!(err, PrepareError::ProductionChainForTestWallet { chain_id: id, .. } if id == chain_id),
                "{err:?}"
            );
            assert!(err.to_string().contains(network), "{err}");
        }
        assert!(
            prepare(
                Chain::Ethereum,
                "mainnet",
                &eth_tx(chain_id),
                &wallet.public
            )
            .is_ok()
        );
    }
    // Every chain ethereum::network names is classified one way or the other.
    for chain_id in KNOWN_CHAINS.map(|c| c.chain_id) {
        assert!(
            accord_chains::ethereum::network::Network::from_chain_id(chain_id)
                .symbol
                .is_some()
        );
        let on_main = prepare(
            Chain::Ethereum,
            "mainnet",
            &eth_tx(chain_id),
            &wallet.public,
        );
        let on_test = prepare(
            Chain::Ethereum,
            "testnet",
            &eth_tx(chain_id),
            &wallet.public,
        );
        assert!(on_main.is_ok() != on_test.is_ok(), "{chain_id}");
    }

    let bytes = eth_tx(1);
    let prepared = prepare(Chain::Ethereum, "mainnet", &bytes, &wallet.public).unwrap();
    let good = wallet.sign(&prepared)[0];

    assert_eq!(
        prepared.finish(&[good, good]).unwrap_err(),
        FinishError::SignatureCount {
            expected: 1,
            got: 2
        }
    );
    assert!(matches!(
        prepared.finish(&[]),
        Err(FinishError::SignatureCount {
            expected: 1,
            got: 0
        })
    ));
    for recovery_id in [None, Some(4), Some(255)] {
        assert_eq!(
            prepared
                .finish(&[ThresholdSignature {
                    recovery_id,
                    ..good
                }])
                .unwrap_err(),
            FinishError::RecoveryId { recovery_id }
        );
    }
    // The wrong parity recovers another key.
    let flipped = ThresholdSignature {
        recovery_id: good.recovery_id.map(|id| id ^ 1),
        ..good
    };
    assert!(matches!(
        prepared.finish(&[flipped]),
        Err(FinishError::InvalidSignature {
            index: 0,
            kind: SignatureKind::Ecdsa,
            ..
        })
    ));
    // Another key, a tampered s, a zero signature.
    let other = Single::new(23);
    assert!(matches!(
        prepared.finish(&other.sign(&prepared)),
        Err(FinishError::InvalidSignature { .. })
    ));
    let mut tampered = good;
    tampered.bytes[63] ^= 1;
    assert!(matches!(
        prepared.finish(&[tampered]),
        Err(FinishError::InvalidSignature { .. })
    ));
    let zero = ThresholdSignature {
        bytes: [0; 64],
        recovery_id: Some(0),
    };
    assert!(matches!(
        prepared.finish(&[zero]),
        Err(FinishError::InvalidSignature { .. })
    ));

    // Garbage and an invalid key.
    for garbage in [&b""[..], &[0x02], &[0x01, 0xc0], &[0xc0], &[0x02; 300]] {
        assert!(matches!(
            prepare(Chain::Ethereum, "mainnet", garbage, &wallet.public),
            Err(PrepareError::EthereumDecode(_))
        ));
    }
    let mut bad = wallet.public.clone();
    bad.ecdsa = [0x05; 33];
    assert!(matches!(
        prepare(Chain::Ethereum, "mainnet", &bytes, &bad),
        Err(PrepareError::EthereumKey(_))
    ));
}
