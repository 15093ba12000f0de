//! Three devices in one process, each with its own store and iroh endpoint
//! on loopback: pairing, a 2-of-3 wallet (three DKGs at once), co-signing
//! on every chain with every pair of devices, the retry with another quorum
//! when a member is gone, replay refusal, and unpaired devices refused.
//! (The cross-process version of this, with the `accord` binary, is in the
//! repository's `tests/`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_chains::Chain;
use accord_node::approve::auto::{Acknowledged, AutoApprove};
use accord_node::event::EventKind;
use accord_node::facade::{CreateWallet, SignRequest, WalletSummary};
use accord_node::pairing::ticket::Ticket;
use accord_node::session::Progress;
use accord_node::store::{DeviceStore, PairedDevice};
use accord_node::transport::Config;
use accord_node::wallet::{Network, WalletRef};
use accord_node::{Node, NodeOptions, Role, Timeouts, Vault};

async fn node(dir: &std::path::Path, name: &str, n: u8) -> Node {
    support::start_node(dir, name, n, Config::loopback(), Duration::from_secs(2)).await
}

fn quiet(_: Progress) {}

fn unsigned(chain: Chain, w: &WalletSummary, variant: u64) -> Vec<u8> {
    support::unsigned(chain, &w.keys, variant)
}

async fn create(desktop: &Node, tickets: &[Ticket]) -> WalletSummary {
    let request = CreateWallet {
        name: "w".into(),
        threshold: 2,
        network: Network::Regtest,
        peers: tickets.to_vec(),
        policy: None,
    };
    desktop.create_wallet(&request, &quiet).await.unwrap()
}

async fn sign(
    n: &Node,
    chain: Chain,
    tx: &[u8],
) -> Result<accord_node::facade::SignOutcome, accord_node::facade::SignError> {
    let request = SignRequest {
        wallet: WalletRef::name("w"),
        chain,
        unsigned: tx.to_vec(),
        prefer: Vec::new(),
        only: false,
    };
    n.sign(&request, &quiet).await
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
    let wallet = create(&desktop, &tickets).await;
    eprintln!("wallet created in {:?}", started.elapsed());
    assert_eq!((wallet.wallet.threshold, wallet.wallet.parties), (2, 3));
    // Every member stored the same wallet.
    for other in [&phone, &recovery] {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(w) = other.vault().wallet(&WalletRef::name("w")) {
                assert_eq!(w.wallet.id, wallet.wallet.id);
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
        let out = sign(&desktop, chain, &tx).await.unwrap();
        eprintln!("{chain}: signed in {:?} by {:?}", t.elapsed(), out.signers);
        assert_eq!(out.signers, ["desktop", "phone"]);
        assert_eq!(out.attempts, 1);
        // Asked again, the finished signature is reused: no session.
        let again = sign(&desktop, chain, &tx).await.unwrap();
        assert_eq!((again.attempts, &again.signed), (0, &out.signed));
        // The phone (as proposer) signs with the desktop.
        let tx = unsigned(chain, &wallet, 1);
        let out = sign(&phone, chain, &tx).await.unwrap();
        assert_eq!(out.signers, ["phone", "desktop"]);
        let tx = unsigned(chain, &wallet, 2);
        let out = sign(&recovery, chain, &tx).await.unwrap();
        assert_eq!(out.signers, ["recovery", "desktop"]);
    }

    // The desktop goes away: phone + recovery sign, after the retry.
    desktop.shutdown().await;
    for chain in [Chain::Ethereum, Chain::Solana, Chain::Bitcoin] {
        let tx = unsigned(chain, &wallet, 3);
        let t = Instant::now();
        let out = sign(&phone, chain, &tx).await.unwrap();
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
    let wallet = create(&desktop, &tickets).await;
    let tx = unsigned(Chain::Ethereum, &wallet, 7);
    sign(&desktop, Chain::Ethereum, &tx).await.unwrap();
    let db = |i: usize| rusqlite::Connection::open(dirs[i].path().join("accord.db")).unwrap();
    let session: Vec<u8> = db(0)
        .query_row("SELECT id FROM sessions WHERE state = 'done'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let part: Vec<u8> = db(1)
        .query_row("SELECT session_id FROM consumed_nonces", [], |r| r.get(0))
        .unwrap();
    let rejected = |n: &Node, what: &str| {
        n.vault()
            .events(None, 0)
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::Rejected && e.detail.contains(what))
    };

    // The same proposal again: declined, nothing signed.
    let replay = Proposal {
        session: session.clone().try_into().unwrap(),
        wallet_id: wallet.wallet.id.clone(),
        chain: "ethereum".into(),
        unsigned: tx.clone(),
        signers: vec![1, 2],
        epoch: 0,
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
    let consumed: i64 = db(1)
        .query_row("SELECT COUNT(*) FROM consumed_nonces", [], |r| r.get(0))
        .unwrap();
    assert_eq!(consumed, 1, "a replay consumed nonces again");

    // A device nobody paired with: refused at the handshake.
    // (It pinned the phone itself, so it does try to connect.)
    // What the phone logs, but the members' policy exchange (which goes on
    // meanwhile).
    let logged = |n: &Node| {
        n.vault()
            .events(None, 0)
            .unwrap()
            .into_iter()
            .filter(|e| e.kind != accord_node::event::EventKind::Policy)
            .count()
    };
    let before = logged(&phone);
    let mut store = accord_node::store::Store::open(
        &dirs[3].path().join("accord.db"),
        &support::key_file(4),
        0,
    )
    .unwrap();
    store
        .pair_device(
            &PairedDevice {
                id: phone.id(),
                name: "phone".into(),
                addr: phone.addr(),
                paired_at: 0,
                last_seen: None,
            },
            0,
        )
        .unwrap();
    let stranger = Node::start(
        Vault::with(store),
        NodeOptions {
            name: "stranger".into(),
            role: Role::Member,
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
        epoch: 0,
    };
    let _ = stranger
        .send_raw(phone.addr(), &encode_control(&Control::Propose(forged)))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(logged(&phone), before);
    // The wallet still signs.
    let tx = unsigned(Chain::Solana, &wallet, 8);
    sign(&desktop, Chain::Solana, &tx).await.unwrap();
    for n in [desktop, phone, recovery, stranger] {
        n.shutdown().await;
    }
}

/// An approver that blocks its thread (as a terminal prompt does) and never
/// answers.
struct Stuck;

impl accord_node::approve::Approver for Stuck {
    fn keygen<'a>(
        &'a self,
        _: &'a accord_node::approve::KeygenRequest,
    ) -> accord_node::approve::Pending<'a> {
        Box::pin(async { accord_node::approve::Decision::Approve })
    }

    fn sign<'a>(
        &'a self,
        _: &'a accord_node::approve::SignRequest,
        _: Option<&'a accord_node::policy::PolicyCheck>,
    ) -> accord_node::approve::Pending<'a> {
        Box::pin(async {
            std::thread::sleep(Duration::from_secs(5));
            accord_node::approve::Decision::Approve
        })
    }
}

async fn node_with(
    dir: &std::path::Path,
    name: &str,
    n: u8,
    approver: Arc<dyn accord_node::approve::Approver>,
) -> Node {
    let vault = Vault::open(dir, &support::key_file(n)).unwrap();
    Node::start(
        vault,
        NodeOptions {
            name: name.into(),
            role: name.parse().unwrap_or(Role::Member),
            transport: Config::loopback(),
            timeouts: Timeouts {
                sign_round: Duration::from_secs(2),
                // The proposer waits longer for a decision than a co-signer
                // takes to give up on its own approver: the co-signer's
                // deadline is what fires (under load too).
                approval: Duration::from_secs(if name == "desktop" { 6 } else { 3 }),
                ..Timeouts::default()
            },
            approver,
        },
    )
    .await
    .unwrap()
}

/// A phone whose approver blocks its thread forever: the phone's runtime
/// keeps answering, its approval deadline fires (a technical failure, not a
/// veto), and the desktop signs with the recovery server instead. Then the
/// desktop shuts down in the middle of another signing: the signing ends at
/// once and peers see it gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_approver_times_out_and_shutdown_ends_live_sessions() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let auto = || -> Arc<dyn accord_node::approve::Approver> {
        Arc::new(AutoApprove::new(Acknowledged::ForTestsOnly))
    };
    let desktop = Arc::new(node_with(dirs[0].path(), "desktop", 1, auto()).await);
    let phone = node_with(dirs[1].path(), "phone", 2, Arc::new(Stuck)).await;
    let recovery = node_with(dirs[2].path(), "recovery", 3, auto()).await;
    let tickets = [
        phone.issue_ticket(Duration::from_secs(60)).unwrap(),
        recovery.issue_ticket(Duration::from_secs(60)).unwrap(),
    ];
    let wallet = create(&desktop, &tickets).await;
    let tx = unsigned(Chain::Solana, &wallet, 1);
    let signing = {
        let desktop = desktop.clone();
        tokio::spawn(async move { sign(&desktop, Chain::Solana, &tx).await })
    };
    // While the phone's approver blocks, the phone still answers.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        phone.ping(desktop.addr(), Duration::from_secs(1)).await,
        "a blocking approver blocked the phone's runtime"
    );
    let out = signing.await.unwrap().unwrap();
    assert_eq!(out.signers, ["desktop", "recovery"]);
    assert_eq!(
        out.attempts, 2,
        "the phone's missing decision was routed around"
    );
    // The phone writes its log entry after telling the desktop: under
    // load the desktop may be done first.
    let logged = || {
        phone
            .vault()
            .events(None, 0)
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::Failed && e.detail.contains("no decision in time"))
    };
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while !logged() && std::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(logged(), "the phone logged its own failure (not a refusal)");

    // Shut down in the middle of a signing (the phone is deciding).
    let tx = unsigned(Chain::Ethereum, &wallet, 2);
    let signing = {
        let desktop = desktop.clone();
        tokio::spawn(async move { sign(&desktop, Chain::Ethereum, &tx).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    desktop.shutdown().await;
    let ended = tokio::time::timeout(Duration::from_secs(3), signing)
        .await
        .expect("the live signing ended with the shutdown")
        .unwrap();
    assert!(ended.is_err(), "{ended:?}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(
        !recovery.ping(desktop.addr(), Duration::from_secs(1)).await,
        "the endpoint is closed"
    );
    phone.shutdown().await;
    recovery.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_device_pairs_under_its_new_name_and_keeps_it_across_a_restart() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let desktop = node(dirs[0].path(), "desktop", 1).await;
    let phone = node(dirs[1].path(), "phone", 2).await;
    assert!(desktop.rename("  ").await.is_err());
    assert!(desktop.rename(&"x".repeat(65)).await.is_err());
    assert_eq!(desktop.rename(" Dana ").await.unwrap(), "Dana");
    assert_eq!(desktop.name(), "Dana");
    let ticket = phone.issue_ticket(Duration::from_secs(60)).unwrap();
    let paired = desktop.redeem(&ticket).await.unwrap();
    assert_eq!(paired.name, "phone");
    // The phone knows the desktop by its person's name.
    let at_phone = phone.vault().devices().unwrap();
    assert_eq!(at_phone.len(), 1);
    assert_eq!(at_phone[0].name, "Dana");
    // Kept in the store for the next start.
    assert_eq!(desktop.vault().name().unwrap().as_deref(), Some("Dana"));
    desktop.shutdown().await;
    phone.shutdown().await;
}
