#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The chain-agnostic signing entry (`accord_chains::signing`): for each chain
//! an unsigned transaction built with the crate's own builders is prepared,
//! its messages are signed by a single-key "wallet" with an independent
//! library (libsecp256k1 BIP340 with a BIP341-tweaked keypair, k256 0.13
//! ECDSA, ed25519-dalek), finished, and the result is checked by software
//! other than the code under test: libbitcoinconsensus, alloy's EIP-2718
//! decoder with k256 recovery, solana-message's encoder with ed25519-dalek.
//! Then every refusal, and that no bytes make `prepare` panic.

use accord_chains::Chain;
use accord_chains::bitcoin::build::{Utxo, build};
use accord_chains::bitcoin::finalize::FinalizeError;
use accord_chains::bitcoin::{Network, WalletKeys, address as btc_address};
use accord_chains::ethereum::{Gas, U256, UnsignedTx as EthTx};
use accord_chains::signing::{
    FinishError, PrepareError, Prepared, SignatureKind, ThresholdSignature, WalletPublicKeys,
    prepare,
};
use accord_chains::solana::{Hash, Pubkey, UnsignedTx as SolTx};
use alloy_eips::eip2718::Decodable2718;
use base64::Engine as _;
use bitcoin::consensus::{deserialize, serialize};
use bitcoin::hashes::Hash as _;
use bitcoin::key::{Keypair, TapTweak};
use bitcoin::secp256k1::{Message, Secp256k1};
use bitcoin::{Amount, OutPoint, ScriptBuf, Transaction, TxOut, Txid};
use bitcoinconsensus::{VERIFY_ALL_PRE_TAPROOT, VERIFY_TAPROOT, verify_with_flags};
use ed25519_dalek::Signer as _;
use proptest::prelude::*;

/// A single-key wallet on all three chains.
struct Single {
    taproot: Keypair,
    ecdsa: k256_v13::ecdsa::SigningKey,
    ed25519: ed25519_dalek::SigningKey,
    public: WalletPublicKeys,
}

impl Single {
    fn new(seed: u8) -> Self {
        let secp = Secp256k1::new();
        let internal = Keypair::from_seckey_slice(&secp, &[seed; 32]).unwrap();
        // BIP341 tweak with no script tree: Q = P + H_TapTweak(P)·G.
        let tweaked = internal.tap_tweak(&secp, None).to_keypair();
        let ecdsa = k256_v13::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        let ed25519 = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let public = WalletPublicKeys {
            taproot_output: tweaked.x_only_public_key().0.serialize(),
            taproot_internal: Some(internal.x_only_public_key().0.serialize()),
            ecdsa: ecdsa
                .verifying_key()
                .to_encoded_point(true)
                .as_bytes()
                .try_into()
                .unwrap(),
            ed25519: ed25519.verifying_key().to_bytes(),
        };
        Single {
            taproot: tweaked,
            ecdsa,
            ed25519,
            public,
        }
    }

    fn bip340(&self, message: &[u8]) -> ThresholdSignature {
        let digest: [u8; 32] = message.try_into().unwrap();
        let sig =
            Secp256k1::new().sign_schnorr_no_aux_rand(&Message::from_digest(digest), &self.taproot);
        ThresholdSignature {
            bytes: *sig.as_ref(),
            recovery_id: None,
        }
    }

    fn ecdsa(&self, message: &[u8]) -> ThresholdSignature {
        let (sig, recid) = self.ecdsa.sign_prehash_recoverable(message).unwrap();
        let (sig, parity) = match sig.normalize_s() {
            Some(low) => (low, !recid.is_y_odd()),
            None => (sig, recid.is_y_odd()),
        };
        ThresholdSignature {
            bytes: sig.to_bytes().into(),
            recovery_id: Some(u8::from(parity)),
        }
    }

    fn ed25519(&self, message: &[u8]) -> ThresholdSignature {
        ThresholdSignature {
            bytes: self.ed25519.sign(message).to_bytes(),
            recovery_id: None,
        }
    }

    /// Signs every message of `prepared` with the key its kind needs.
    fn sign(&self, prepared: &Prepared) -> Vec<ThresholdSignature> {
        prepared
            .messages
            .iter()
            .map(|m| match prepared.kind {
                SignatureKind::Bip340 => self.bip340(m),
                SignatureKind::Ecdsa => self.ecdsa(m),
                SignatureKind::Ed25519 => self.ed25519(m),
            })
            .collect()
    }

    fn btc_keys(&self, network: Network) -> WalletKeys {
        WalletKeys::new(
            &self.public.taproot_output,
            self.public.taproot_internal.as_ref().map(|k| &k[..]),
            network,
        )
        .unwrap()
    }

    fn eth_address(&self) -> alloy_primitives::Address {
        let point = self.ecdsa.verifying_key().to_encoded_point(false);
        alloy_primitives::Address::from_raw_public_key(&point.as_bytes()[1..])
    }

    fn sol_address(&self) -> Pubkey {
        Pubkey::new_from_array(self.ed25519.verifying_key().to_bytes())
    }
}

// ---------------------------------------------------------------- Bitcoin

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
fn btc_psbt(wallet: &Single) -> bitcoin::Psbt {
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

// ---------------------------------------------------------------- Ethereum

fn gas() -> Gas {
    Gas {
        gas_limit: 21_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    }
}

fn eth_tx(chain_id: u64) -> Vec<u8> {
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
    for chain_id in [
        1, 11_155_111, 17_000, 31_337, 10, 8_453, 42_161, 137, 560_048,
    ] {
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

// ---------------------------------------------------------------- Solana

fn blockhash() -> Hash {
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

// ---------------------------------------------------------------- Addresses

#[test]
fn addresses() {
    let wallet = Single::new(41);
    let secp = Secp256k1::verification_only();
    let internal =
        bitcoin::XOnlyPublicKey::from_slice(&wallet.public.taproot_internal.unwrap()).unwrap();
    for (network, btc) in [
        ("mainnet", bitcoin::Network::Bitcoin),
        ("testnet", bitcoin::Network::Testnet),
        ("signet", bitcoin::Network::Signet),
        ("regtest", bitcoin::Network::Regtest),
    ] {
        // rust-bitcoin tweaks the internal key itself.
        let expected = bitcoin::Address::p2tr(&secp, internal, None, btc).to_string();
        assert_eq!(
            wallet.public.address(Chain::Bitcoin, network).unwrap(),
            expected
        );
        assert_eq!(
            wallet.public.address(Chain::Ethereum, network).unwrap(),
            wallet.eth_address().to_checksum(None)
        );
        assert_eq!(
            wallet.public.address(Chain::Solana, network).unwrap(),
            bs58::encode(wallet.ed25519.verifying_key().to_bytes()).into_string()
        );
    }
    assert!(
        wallet
            .public
            .address(Chain::Bitcoin, "mainnet")
            .unwrap()
            .starts_with("bc1p")
    );
    for chain in Chain::ALL {
        assert_eq!(
            wallet.public.address(chain, "mainnet-beta").unwrap_err(),
            PrepareError::UnknownNetwork("mainnet-beta".into())
        );
    }
    let p2tr = ScriptBuf::new_p2tr_tweaked(wallet.btc_keys(Network::Mainnet).output_key);
    assert!(p2tr.is_p2tr());
}

// ---------------------------------------------------------------- Never panic

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prepare_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        prefix in 0usize..4,
        network in prop::sample::select(vec!["mainnet", "testnet", "signet", "regtest", "x"]),
    ) {
        let wallet = Single::new(51);
        let mut input = match prefix {
            0 => Vec::new(),
            1 => b"psbt\xff".to_vec(),
            2 => vec![0x02],
            _ => vec![0x01],
        };
        input.extend(&bytes);
        for chain in Chain::ALL {
            if let Ok(p) = prepare(chain, network, &input, &wallet.public) {
                // Whatever prepares, finishing with junk is an error, not a panic.
                let junk = vec![ThresholdSignature { bytes: [0x11; 64], recovery_id: Some(1) }; p.messages.len()];
                prop_assert!(p.finish(&junk).is_err());
            }
        }
    }

    #[test]
    fn mutated_transactions_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let wallet = Single::new(52);
        let sol = SolTx::sol_transfer(
            &wallet.sol_address(), &Pubkey::new_from_array([3; 32]), 7, blockhash(), None,
        ).unwrap();
        for (chain, mut bytes) in [
            (Chain::Bitcoin, btc_psbt(&wallet).serialize()),
            (Chain::Ethereum, eth_tx(1)),
            (Chain::Solana, sol.wire_bytes()),
        ] {
            for (at, byte) in &edits {
                let i = at % bytes.len();
                bytes[i] = *byte;
            }
            let network = if chain == Chain::Bitcoin { "regtest" } else { "mainnet" };
            if let Ok(p) = prepare(chain, network, &bytes, &wallet.public) {
                let _ = p.finish(&wallet.sign(&p));
            }
        }
    }
}
