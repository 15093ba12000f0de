//! What the node's tests share: unsigned transactions of every chain for a
//! wallet, and signatures checked by libraries other than the ones that
//! made them: BIP340 by k256 0.14 (FROST signs on 0.13), ECDSA by k256 0.13
//! (DKLs23 signs on 0.14), Ed25519 by ed25519-dalek.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use accord_chains::Chain;
use accord_chains::bitcoin::build::{Utxo, build};
use accord_chains::bitcoin::{Network, WalletKeys, address as btc_address};
use accord_chains::ethereum::{Gas, U256, UnsignedTx as EthTx};
use accord_chains::solana::{Hash, UnsignedTx as SolTx};
use accord_mpc::{GroupKey, Scheme, Signature};
use accord_node::wallet::public_keys;
use bitcoin::hashes::Hash as _;
use bitcoin::{Amount, OutPoint, Txid};

/// A transfer on `chain` from the wallet with `keys` (`variant` makes it
/// differ): Bitcoin a PSBT of two inputs, Ethereum an EIP-1559 transfer,
/// Solana a system transfer.
pub fn unsigned(chain: Chain, keys: &BTreeMap<Scheme, GroupKey>, variant: u64) -> Vec<u8> {
    let pk = public_keys(keys).unwrap();
    match chain {
        Chain::Bitcoin => {
            let wallet = WalletKeys::new(
                &pk.taproot_output,
                pk.taproot_internal.as_ref().map(|k| k.as_slice()),
                Network::Regtest,
            )
            .unwrap();
            let utxos: Vec<Utxo> = [70_000u64, 40_000]
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let mut txid = [i as u8 + 1; 32];
                    txid[..8].copy_from_slice(&variant.to_be_bytes());
                    Utxo {
                        outpoint: OutPoint::new(Txid::from_byte_array(txid), 0),
                        amount: Amount::from_sat(*v),
                    }
                })
                .collect();
            let to = btc_address::parse(
                "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080",
                Network::Regtest,
            )
            .unwrap();
            build(
                &wallet,
                &utxos,
                &[(to, Amount::from_sat(90_000 - variant % 10_000))],
                3,
            )
            .unwrap()
            .serialize()
        }
        Chain::Ethereum => EthTx::eth_transfer(
            31337,
            variant,
            accord_chains::ethereum::address::parse("0x4242424242424242424242424242424242424242")
                .unwrap(),
            U256::from(10u64).pow(U256::from(16u8)),
            Gas {
                gas_limit: 21_000,
                max_fee_per_gas: 30_000_000_000,
                max_priority_fee_per_gas: 1_000_000_000,
            },
        )
        .encode(),
        Chain::Solana => {
            let from = accord_chains::solana::address::from_public_key(&pk.ed25519).unwrap();
            let to = accord_chains::solana::address::parse(
                "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T",
            )
            .unwrap();
            SolTx::sol_transfer(
                &from,
                &to,
                1_000_000 + variant,
                Hash::new_from_array([7; 32]),
                None,
            )
            .unwrap()
            .wire_bytes()
        }
    }
}

/// Checks `signature` of `message` under the group key of its scheme with a
/// library other than the threshold one.
pub fn verify(keys: &BTreeMap<Scheme, GroupKey>, message: &[u8], signature: &Signature) {
    match (signature, keys.get(&signature_scheme(signature)).unwrap()) {
        (Signature::Bip340(sig), GroupKey::Taproot { output_key, .. }) => {
            use k256::schnorr::{Signature as S, VerifyingKey};
            let key = VerifyingKey::from_bytes(output_key.into()).unwrap();
            key.verify_raw(message, &S::try_from(sig.as_slice()).unwrap())
                .expect("BIP340 signature verifies (k256 0.14)");
        }
        (Signature::Ed25519(sig), GroupKey::Ed25519(key)) => {
            use ed25519_dalek::{Signature as S, VerifyingKey};
            VerifyingKey::from_bytes(key)
                .unwrap()
                .verify_strict(message, &S::from_bytes(sig))
                .expect("Ed25519 signature verifies (ed25519-dalek)");
        }
        (Signature::Ecdsa { r, s, recovery_id }, GroupKey::Secp256k1(key)) => {
            use k256_v13::ecdsa::signature::hazmat::PrehashVerifier;
            use k256_v13::ecdsa::{RecoveryId, Signature as S, VerifyingKey};
            let sig = S::from_scalars(*r, *s).unwrap();
            let expected = VerifyingKey::from_sec1_bytes(key).unwrap();
            expected
                .verify_prehash(message, &sig)
                .expect("ECDSA signature verifies (k256 0.13)");
            let recovered = VerifyingKey::recover_from_prehash(
                message,
                &sig,
                RecoveryId::from_byte(*recovery_id).unwrap(),
            )
            .unwrap();
            assert_eq!(
                recovered, expected,
                "the recovery id recovers the group key"
            );
        }
        (sig, key) => panic!("signature {sig:?} does not match key {key:?}"),
    }
}

fn signature_scheme(s: &Signature) -> Scheme {
    match s {
        Signature::Bip340(_) => Scheme::FrostTaproot,
        Signature::Ed25519(_) => Scheme::FrostEd25519,
        Signature::Ecdsa { .. } => Scheme::Ecdsa,
    }
}

/// A local iroh relay on 127.0.0.1 (the `iroh-relay` crate's own server)
/// with a fresh self-signed certificate: the server, its URL and the
/// certificate (DER) the devices are given as their root.
pub async fn local_relay() -> (iroh_relay::server::Server, iroh::RelayUrl, Vec<u8>) {
    use iroh_relay::server::{CertConfig, RelayConfig, Server, ServerConfig, TlsConfig};
    use std::net::Ipv4Addr;
    let (certs, server_config) = iroh_relay::server::testing::self_signed_tls_certs_and_config();
    let tls = TlsConfig::new(
        (Ipv4Addr::LOCALHOST, 0),
        CertConfig::Manual { server_config },
    );
    let mut relay = RelayConfig::new((Ipv4Addr::LOCALHOST, 0));
    relay.tls = Some(tls);
    let mut config = ServerConfig::default();
    config.relay = Some(relay);
    let server = Server::spawn(config).await.unwrap();
    let url: iroh::RelayUrl = format!("https://{}", server.https_addr().unwrap())
        .parse()
        .unwrap();
    (server, url, certs[0].to_vec())
}

/// A key file for device `n`, in its own temp dir.
pub fn key_file(n: u8) -> accord_node::secret::Protector {
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("key");
    std::fs::write(&path, hex::encode([n; 32])).unwrap();
    accord_node::secret::Protector::KeyFile(path)
}

/// A device `name` (its role when the name is one) on `transport`, its
/// store in `dir`, approving everything, with `sign_round` as its signing
/// round deadline.
pub async fn start_node(
    dir: &std::path::Path,
    name: &str,
    n: u8,
    transport: accord_node::transport::Config,
    sign_round: std::time::Duration,
) -> accord_node::Node {
    use accord_node::approve::auto::{Acknowledged, AutoApprove};
    use accord_node::{Node, NodeOptions, Role, Timeouts, Vault};
    let vault = Vault::open(dir, &key_file(n)).unwrap();
    Node::start(
        vault,
        NodeOptions {
            name: name.into(),
            role: name.parse().unwrap_or(Role::Member),
            transport,
            timeouts: Timeouts {
                sign_round,
                ..Timeouts::default()
            },
            approver: std::sync::Arc::new(AutoApprove::new(Acknowledged::ForTestsOnly)),
        },
    )
    .await
    .unwrap()
}
