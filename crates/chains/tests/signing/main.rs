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

mod addresses;
mod btc;
mod eth;
mod never_panic;
mod sol;
