#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The production transport path: co-signing through a local iroh relay
//! (the `iroh-relay` crate's own server, TLS with a self-signed certificate
//! the devices are given as their only extra root) with direct paths off —
//! the devices have no IP transport at all (`Config::relay_only`), so every
//! byte between them goes through the relay, as between two devices behind
//! NATs that cannot punch through.
//!
//! Pairing (the tickets carry the relay URL, not an IP address), a 2-of-3
//! wallet created, and a transaction co-signed on each chain; the Solana
//! signature is verified with ed25519-dalek (`verify_strict`), not the
//! FROST library. With the relay stopped, signing fails instead of finding
//! another path.

mod support;

use std::time::{Duration, Instant};

use accord_chains::Chain;
use accord_node::Node;
use accord_node::facade::{CreateWallet, SignRequest};
use accord_node::session::Progress;
use accord_node::transport::Config;
use accord_node::wallet::{Network, WalletRef};

async fn node(dir: &std::path::Path, name: &str, n: u8, transport: Config) -> Node {
    support::start_node(dir, name, n, transport, Duration::from_secs(5)).await
}

fn quiet(_: Progress) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cosigning_through_a_relay_with_direct_paths_off() {
    let (server, url, cert) = support::local_relay().await;
    let config = Config::relay_only(url.clone(), vec![cert]);
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let desktop = node(dirs[0].path(), "desktop", 1, config.clone()).await;
    let phone = node(dirs[1].path(), "phone", 2, config.clone()).await;
    let recovery = node(dirs[2].path(), "recovery", 3, config).await;
    let tickets = [
        phone.issue_ticket(Duration::from_secs(60)).unwrap(),
        recovery.issue_ticket(Duration::from_secs(60)).unwrap(),
    ];
    // The only way to reach a device is its relay.
    for t in &tickets {
        let addrs: Vec<String> = t.addr.addrs.iter().map(|a| format!("{a:?}")).collect();
        assert!(!addrs.is_empty());
        assert!(
            addrs
                .iter()
                .all(|a| a.contains("Relay") && a.contains(&url.to_string())),
            "{addrs:?}"
        );
    }
    let request = CreateWallet {
        name: "w".into(),
        threshold: 2,
        network: Network::Regtest,
        peers: tickets.to_vec(),
        policy: None,
    };
    let started = Instant::now();
    let wallet = desktop.create_wallet(&request, &quiet).await.unwrap();
    eprintln!(
        "wallet created through the relay in {:?}",
        started.elapsed()
    );

    for chain in [Chain::Solana, Chain::Ethereum, Chain::Bitcoin] {
        let tx = support::unsigned(chain, &wallet.keys, 0);
        let sign = SignRequest {
            wallet: WalletRef::name("w"),
            chain,
            unsigned: tx.clone(),
            prefer: Vec::new(),
            only: false,
        };
        let t = Instant::now();
        let out = desktop.sign(&sign, &quiet).await.unwrap();
        eprintln!("{chain}: co-signed through the relay in {:?}", t.elapsed());
        assert_eq!(out.signers, ["desktop", "phone"]);
        if chain == Chain::Solana {
            // One signature slot, then the message that was given.
            let raw = &out.signed.raw;
            assert_eq!(raw[0], 1);
            let (sig, message) = raw[1..].split_at(64);
            assert_eq!(message, &tx[65..], "the message given is what was signed");
            let key = match wallet.keys.get(&accord_mpc::Scheme::FrostEd25519).unwrap() {
                accord_mpc::GroupKey::Ed25519(k) => *k,
                other => panic!("{other:?}"),
            };
            ed25519_dalek::VerifyingKey::from_bytes(&key)
                .unwrap()
                .verify_strict(message, &ed25519_dalek::Signature::from_slice(sig).unwrap())
                .expect("verifies (ed25519-dalek)");
        }
    }

    // Without the relay there is no path: signing fails, it does not find
    // a direct one.
    server.shutdown().await.unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let tx = support::unsigned(Chain::Solana, &wallet.keys, 9);
    let sign = SignRequest {
        wallet: WalletRef::name("w"),
        chain: Chain::Solana,
        unsigned: tx,
        prefer: Vec::new(),
        only: false,
    };
    assert!(desktop.sign(&sign, &quiet).await.is_err());
}
