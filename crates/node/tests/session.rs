//! Three devices in one process, each with its own store and iroh endpoint
//! on loopback: pairing, a 2-of-3 wallet (three DKGs at once), co-signing
//! on every chain with every pair of devices, the retry with another quorum
//! when a member is gone, replay refusal, and unpaired devices refused.
//! (The cross-process version of this, with the `accord` binary, is in the
//! repository's `tests/`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_chains::Chain;
use accord_chains::bitcoin::build::{Utxo, build};
use accord_chains::bitcoin::{Network, WalletKeys, address as btc_address};
use accord_chains::ethereum::{Gas, U256, UnsignedTx as EthTx};
use accord_chains::solana::{Hash, UnsignedTx as SolTx};
use accord_node::approve::auto::{Acknowledged, AutoApprove};
use accord_node::runtime::{Progress, WalletSummary, open_store};
use accord_node::secret::Protector;
use accord_node::transport::Config;
use accord_node::{Node, NodeOptions, Timeouts};
use bitcoin::hashes::Hash as _;
use bitcoin::{Amount, OutPoint, Txid};

fn key(n: u8) -> Protector {
    // A key file per device, in its own temp dir.
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("key");
    std::fs::write(&path, hex::encode([n; 32])).unwrap();
    Protector::KeyFile(path)
}

async fn node(dir: &std::path::Path, name: &str, n: u8) -> Node {
    let store = open_store(dir, &key(n)).unwrap();
    Node::start(
        store,
        NodeOptions {
            name: name.into(),
            transport: Config::loopback(),
            timeouts: Timeouts {
                sign_round: Duration::from_secs(2),
                ..Timeouts::default()
            },
            approver: Arc::new(AutoApprove::new(Acknowledged::ForTestsOnly)),
        },
    )
    .await
    .unwrap()
}

fn quiet(_: Progress) {}

fn unsigned(chain: Chain, w: &WalletSummary, variant: u64) -> Vec<u8> {
    let address = &w.addresses[&chain];
    match chain {
        Chain::Bitcoin => {
            let keys = accord_node::runtime::public_keys(&w.keys).unwrap();
            let wallet = WalletKeys::new(
                &keys.taproot_output,
                keys.taproot_internal.as_ref().map(|k| k.as_slice()),
                Network::Regtest,
            )
            .unwrap();
            assert_eq!(wallet.address().to_string(), *address);
            let utxos: Vec<Utxo> = [70_000u64, 40_000]
                .iter()
                .enumerate()
                .map(|(i, v)| Utxo {
                    outpoint: OutPoint::new(Txid::from_byte_array([i as u8 + 1; 32]), 0),
                    amount: Amount::from_sat(*v),
                })
                .collect();
            let to = btc_address::parse(
                "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080",
                Network::Regtest,
            )
            .unwrap();
            let psbt = build(
                &wallet,
                &utxos,
                &[(to, Amount::from_sat(90_000 - variant))],
                3,
            )
            .unwrap();
            psbt.serialize()
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
            let from = accord_chains::solana::address::parse(address).unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pair_create_and_cosign_with_every_pair() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let desktop = node(dirs[0].path(), "desktop", 1).await;
    let phone = node(dirs[1].path(), "phone", 2).await;
    let recovery = node(dirs[2].path(), "recovery", 3).await;
    let tickets = [
        phone.issue_ticket(Duration::from_secs(60)).unwrap(),
        recovery.issue_ticket(Duration::from_secs(60)).unwrap(),
    ];
    let started = Instant::now();
    let wallet = desktop
        .create_wallet("w", 2, "regtest", &tickets, &quiet)
        .await
        .unwrap();
    eprintln!("wallet created in {:?}", started.elapsed());
    assert_eq!((wallet.wallet.threshold, wallet.wallet.parties), (2, 3));
    // Every member stored the same wallet.
    for other in [&phone, &recovery] {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(w) = other.store().wallet("w") {
                assert_eq!(w.id, wallet.wallet.id);
                break;
            }
            assert!(Instant::now() < deadline, "member did not store the wallet");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // A used ticket is refused.
    assert!(desktop.redeem(&tickets[0]).await.is_err());

    for chain in [Chain::Ethereum, Chain::Solana, Chain::Bitcoin] {
        let tx = unsigned(chain, &wallet, 0);
        let t = Instant::now();
        let out = desktop.sign("w", chain, &tx, &quiet).await.unwrap();
        eprintln!("{chain}: signed in {:?} by {:?}", t.elapsed(), out.signers);
        assert_eq!(out.signers, ["desktop", "phone"]);
        assert_eq!(out.attempts, 1);
        // Asked again, the finished signature is reused: no session.
        let again = desktop.sign("w", chain, &tx, &quiet).await.unwrap();
        assert_eq!((again.attempts, &again.signed), (0, &out.signed));
        // The phone (as proposer) signs with the desktop.
        let tx = unsigned(chain, &wallet, 1);
        let out = phone.sign("w", chain, &tx, &quiet).await.unwrap();
        assert_eq!(out.signers, ["phone", "desktop"]);
        let tx = unsigned(chain, &wallet, 2);
        let out = recovery.sign("w", chain, &tx, &quiet).await.unwrap();
        assert_eq!(out.signers, ["recovery", "desktop"]);
    }

    // The desktop goes away: phone + recovery sign, after the retry.
    desktop.shutdown().await;
    for chain in [Chain::Ethereum, Chain::Solana, Chain::Bitcoin] {
        let tx = unsigned(chain, &wallet, 3);
        let t = Instant::now();
        let out = phone.sign("w", chain, &tx, &quiet).await.unwrap();
        eprintln!(
            "{chain}: phone+recovery in {:?}, attempts {}",
            t.elapsed(),
            out.attempts
        );
        assert_eq!(out.signers, ["phone", "recovery"]);
        assert_eq!(out.attempts, 2);
        assert!(t.elapsed() < Duration::from_secs(5));
    }
    phone.shutdown().await;
    recovery.shutdown().await;
}

/// Replayed proposals and replayed threshold messages of a finished session
/// are refused; an unpaired device is refused before any message is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_and_unpaired_devices_are_refused() {
    use accord_mpc::{Envelope, PartyId, Recipient, Scheme, SessionId};
    use accord_node::wire::{Control, Message, Proposal, encode_control};

    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let desktop = node(dirs[0].path(), "desktop", 1).await;
    let phone = node(dirs[1].path(), "phone", 2).await;
    let recovery = node(dirs[2].path(), "recovery", 3).await;
    let tickets = [
        phone.issue_ticket(Duration::from_secs(60)).unwrap(),
        recovery.issue_ticket(Duration::from_secs(60)).unwrap(),
    ];
    let wallet = desktop
        .create_wallet("w", 2, "regtest", &tickets, &quiet)
        .await
        .unwrap();
    let tx = unsigned(Chain::Ethereum, &wallet, 7);
    desktop
        .sign("w", Chain::Ethereum, &tx, &quiet)
        .await
        .unwrap();
    let session: Vec<u8> = desktop
        .store()
        .connection()
        .query_row("SELECT id FROM sessions WHERE state = 'done'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let part: Vec<u8> = phone
        .store()
        .connection()
        .query_row("SELECT session_id FROM consumed_nonces", [], |r| r.get(0))
        .unwrap();
    let rejected = |n: &Node, what: &str| {
        n.store()
            .events(None)
            .unwrap()
            .iter()
            .any(|e| e.kind == "rejected" && e.detail.contains(what))
    };

    // The same proposal again: declined, nothing signed.
    let replay = Proposal {
        session: session.clone().try_into().unwrap(),
        wallet_id: wallet.wallet.id.clone(),
        chain: "ethereum".into(),
        unsigned: tx.clone(),
        signers: vec![1, 2],
    };
    desktop
        .send_raw(phone.addr(), &encode_control(&Control::Propose(replay)))
        .await
        .unwrap();
    // A threshold message of the finished session again: dropped.
    let envelope = Envelope {
        scheme: Scheme::Ecdsa,
        session: SessionId(part.try_into().unwrap()),
        round: 1,
        sender: PartyId::new(1).unwrap(),
        recipient: Recipient::All,
        payload: vec![1, 2, 3],
    };
    desktop
        .send_raw(phone.addr(), &Message::Mpc(envelope).encode())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !(rejected(&phone, "seen before") && rejected(&phone, "finished session")) {
        assert!(Instant::now() < deadline, "replays were not refused");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let consumed: i64 = phone
        .store()
        .connection()
        .query_row("SELECT COUNT(*) FROM consumed_nonces", [], |r| r.get(0))
        .unwrap();
    assert_eq!(consumed, 1, "a replay consumed nonces again");

    // A device nobody paired with: refused at the handshake.
    // (It pinned the phone itself, so it does try to connect.)
    let before = phone.store().events(None).unwrap().len();
    let mut store = open_store(dirs[3].path(), &key(4)).unwrap();
    store
        .pair_device(
            &accord_node::store::Device {
                endpoint_id: phone.id().to_string(),
                name: "phone".into(),
                addr: serde_json::to_string(&phone.addr()).unwrap(),
                paired_at: 0,
                last_seen: None,
            },
            0,
        )
        .unwrap();
    let stranger = Node::start(
        store,
        NodeOptions {
            name: "stranger".into(),
            transport: Config::loopback(),
            timeouts: Timeouts::default(),
            approver: Arc::new(AutoApprove::new(Acknowledged::ForTestsOnly)),
        },
    )
    .await
    .unwrap();
    assert!(
        !stranger.ping(phone.addr(), Duration::from_secs(2)).await,
        "an unpaired device got an answer"
    );
    // A proposal from it would be logged ("from unknown device") if it got
    // past the handshake; nothing may reach the phone's log.
    let forged = Proposal {
        session: [9; 32],
        wallet_id: wallet.wallet.id.clone(),
        chain: "ethereum".into(),
        unsigned: tx.clone(),
        signers: vec![1, 2],
    };
    let _ = stranger
        .send_raw(phone.addr(), &encode_control(&Control::Propose(forged)))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(phone.store().events(None).unwrap().len(), before);
    // The wallet still signs.
    let tx = unsigned(Chain::Solana, &wallet, 8);
    desktop.sign("w", Chain::Solana, &tx, &quiet).await.unwrap();
    for n in [desktop, phone, recovery, stranger] {
        n.shutdown().await;
    }
}
