//! Benchmark of team proposals (issue 14), three devices in this process
//! on loopback (iroh QUIC), a fresh 2-of-3 wallet, stores on disk; the
//! devices co-sign nothing but the team proposals their person approved
//! (their approver refuses every other signing):
//!
//! ```text
//! cargo run --release -p accord-node --example teams -- --json
//! ```
//!
//! - `single-signer`: Ed25519 signing with one key (ed25519-dalek), the
//!   baseline of the same run.
//! - `team-sign`: from the last needed approval (the desktop's, through
//!   `Node::vote_on_proposal`, the phone having proposed) to the signed
//!   transaction in the desktop's store (`--iterations N`, default 50).
//! - `mailbox-catch-up-N` for N = 10, 100, 1000: the third device was
//!   offline while the phone proposed N transfers (the desktop keeps them
//!   too); from its start until its store holds all N. `per_s` is
//!   proposals per second; the store growth of the device that caught up
//!   is printed on standard error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_chains::Chain;
use accord_node::approve::{Approver, Decision, KeygenRequest, Pending, SignRequest};
use accord_node::facade::{CreateWallet, WalletSummary};
use accord_node::policy::PolicyCheck;
use accord_node::secret::Protector;
use accord_node::session::Progress;
use accord_node::team::VoteKind;
use accord_node::transport::Config;
use accord_node::wallet::WalletRef;
use accord_node::{Node, NodeOptions, Role, Timeouts, Vault};

/// Joins wallets; co-signs only what the runner finds approved as a team
/// proposal (it is not asked then).
struct TeamOnly;

impl Approver for TeamOnly {
    fn keygen<'a>(&'a self, _: &'a KeygenRequest) -> Pending<'a> {
        Box::pin(async { Decision::Approve })
    }

    fn sign<'a>(&'a self, _: &'a SignRequest, _: Option<&'a PolicyCheck>) -> Pending<'a> {
        Box::pin(async { Decision::Reject("only approved team proposals".into()) })
    }

    fn decides_at_once(&self) -> bool {
        true
    }
}

fn quiet(_: Progress) {}

async fn start(dir: &Path, name: &str) -> Node {
    let vault = Vault::open(dir, &Protector::Key(zeroize::Zeroizing::new([9; 32]))).unwrap();
    Node::start(
        vault,
        NodeOptions {
            name: name.into(),
            role: Role::Member,
            transport: Config::loopback(),
            timeouts: Timeouts::default(),
            approver: Arc::new(TeamOnly),
        },
    )
    .await
    .unwrap()
}

fn stats(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.99))
}

fn row(json: bool, op: &str, samples: Vec<f64>, per_s: Option<f64>) {
    let n = samples.len();
    let (p50, p99) = stats(samples);
    if json {
        let per = per_s
            .map(|p| format!(",\"per_s\":{p:.0}"))
            .unwrap_or_default();
        println!(
            "{{\"scheme\":\"frost-ed25519\",\"op\":\"{op}\",\"n\":{n},\"p50_us\":{p50:.0},\"p99_us\":{p99:.0}{per}}}"
        );
    } else {
        let per = per_s.map(|p| format!("  {p:.0}/s")).unwrap_or_default();
        println!("{op:24} n={n:<5} p50 {p50:>10.0} µs  p99 {p99:>10.0} µs{per}");
    }
}

async fn wait_until(mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn store_bytes(dir: &Path) -> u64 {
    ["accord.db", "accord.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let iterations: usize = args
        .iter()
        .position(|a| a == "--iterations")
        .and_then(|i| args.get(i + 1))
        .map_or(50, |v| v.parse().unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = ["desktop", "phone", "third"]
        .iter()
        .map(|n| tmp.path().join(n))
        .collect();
    let desktop = start(&dirs[0], "desktop").await;
    let phone = start(&dirs[1], "phone").await;
    let third = start(&dirs[2], "third").await;
    let create = CreateWallet {
        name: "team".into(),
        threshold: 2,
        network: accord_node::wallet::Network::Regtest,
        peers: vec![
            phone.issue_ticket(Duration::from_secs(60)).unwrap(),
            third.issue_ticket(Duration::from_secs(60)).unwrap(),
        ],
        policy: None,
    };
    let wallet: WalletSummary = desktop.create_wallet(&create, &quiet).await.unwrap();
    let w = WalletRef::Id(wallet.wallet.id.clone());
    let run = u64::try_from(accord_node::runner::now()).unwrap() * 10_000;

    // The single-signer baseline of the same run (ed25519-dalek).
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let mut base = Vec::new();
    for i in 0..2_000u32 {
        let t = Instant::now();
        let sig = ed25519_dalek::Signer::sign(&key, &i.to_be_bytes());
        base.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(sig);
    }
    row(json, "single-signer", base, None);

    // The last approval to the signed transaction.
    let mut samples = Vec::new();
    for i in 0..iterations {
        let tx = support::unsigned(Chain::Solana, &wallet.keys, run + i as u64);
        let id = phone
            .propose(w.clone(), Chain::Solana, tx, String::new(), 3600)
            .await
            .unwrap()
            .id;
        wait_until(|| {
            desktop
                .vault()
                .proposal(&id, accord_node::runner::now())
                .is_ok()
        })
        .await;
        let t = Instant::now();
        desktop
            .vote_on_proposal(&id, VoteKind::Approve, "")
            .await
            .unwrap();
        wait_until(|| {
            desktop
                .vault()
                .proposal(&id, accord_node::runner::now())
                .is_ok_and(|p| p.done.is_some())
        })
        .await;
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    row(json, "team-sign", samples, None);

    // Catch-up of an offline member from the others' mailboxes.
    third.shutdown().await;
    let mut made = 0u64;
    for n in [10usize, 100, 1000] {
        let before = phone.vault().proposal_count(&w).unwrap();
        for _ in 0..n {
            let tx = support::unsigned(Chain::Solana, &wallet.keys, run + 100_000 + made);
            made += 1;
            phone
                .propose(w.clone(), Chain::Solana, tx, "payout".into(), 7 * 24 * 3600)
                .await
                .unwrap();
        }
        let total = before + n;
        wait_until(|| desktop.vault().proposal_count(&w).unwrap() >= total).await;
        let bytes_before = store_bytes(&dirs[2]);
        let t = Instant::now();
        let back = start(&dirs[2], "third").await;
        wait_until(|| back.vault().proposal_count(&w).unwrap() >= total).await;
        let took = t.elapsed().as_secs_f64();
        back.shutdown().await;
        eprintln!(
            "mailbox of {n} waiting proposals: caught up in {:.0} ms, the store grew {} KiB",
            took * 1e3,
            store_bytes(&dirs[2]).saturating_sub(bytes_before) / 1024
        );
        row(
            json,
            &format!("mailbox-catch-up-{n}"),
            vec![took * 1e6],
            Some(n as f64 / took),
        );
    }
    desktop.shutdown().await;
    phone.shutdown().await;
}
