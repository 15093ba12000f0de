//! End-to-end benchmark of co-signing over iroh on loopback, with three OS
//! processes (this one is the desktop; it starts the phone and the recovery
//! server as children of itself), 2-of-3 wallets, release build:
//!
//! ```text
//! cargo run --release -p accord-node --features fault-injection --example bench -- --json
//! ```
//!
//! One JSON object per line: `scheme`, `op`, `n`, `p50_us`, `p99_us`, and
//! `per_s` for throughput. Ops:
//! - `cosign`: one co-signature (proposal, approval, journal, rounds,
//!   aggregation, verification by the chain library, assembly), desktop +
//!   phone, one at a time, the first right after the three nodes
//!   started (their policy and team syncs' first passes over every wallet
//!   run meanwhile); with `--at-start` the first starts the moment the
//!   three nodes are up (the single-signer baseline runs after these).
//! - `single-signer`: the same scheme signed with one key by a
//!   non-threshold library (k256 0.13, ed25519-dalek), in the same run.
//! - `wallet-create`: pairing with both peers + the three DKGs.
//! - `recovery-throughput`: 100 wallets signing concurrently with the
//!   recovery server (desktop + recovery); `per_s` is co-signatures per
//!   second, latencies are per signature under that load.
//! - `dead-peer-failover`: the phone was killed (`kill -9`) and the desktop
//!   does not know it yet: time from proposing (to the phone first) until
//!   the signature from desktop + recovery is back. As measured before
//!   issue 10.
//! - `mid-round-failover`: the phone dies in the middle of a signing, just
//!   after it sent its first round message (it aborts itself there, like
//!   `kill -9`: `ACCORD_FAULT_CRASH_AT=round1-sent`): time from proposing
//!   until the signature from desktop + recovery is back (the phone is
//!   restarted before each sample).
//! - `refresh`: `Node::refresh_wallet` of one wallet (all three schemes,
//!   every member online, each in its own process): invitation, approvals,
//!   the three refreshes at once, the key comparison, every member storing
//!   its new shares and the two-phase switch to them. `--lifecycle N`
//!   samples (default 20; 0 skips these three ops).
//! - `backup-export`: `Vault::export_backup` (Argon2id 64 MiB / 3 passes,
//!   sealing, recording the backup) on the desktop.
//! - `backup-restore`: `Vault::restore_backup` of that file into a fresh
//!   data directory (opening the store, Argon2id, every share checked
//!   against the group keys, one fsynced write).
//! - `replace`: `Node::replace_device` of the (by then dead) phone by a new
//!   device process: pairing, the repair of the three schemes by desktop +
//!   recovery server, the refresh with all three, the switch (the recovery
//!   server of the bench has no replacement delay: protocol time only); at
//!   most 10 samples.
//!
//! - `cosign-relay`: `cosign` through a local iroh relay (the `iroh-relay`
//!   crate's server on loopback) with direct paths off
//!   (`Config::relay_only`: no IP transport), the three devices in this
//!   process on their own endpoints; `--relay N` samples per scheme
//!   (default 50; 0 skips it).
//!
//! The stores persist under `target/accord-bench` (or `--dir`), so wallets
//! are created once (`--fresh` starts over).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_chains::Chain;
use accord_node::approve::auto::{Acknowledged, AutoApprove};
use accord_node::facade::{CreateWallet, SignRequest, WalletSummary};
use accord_node::pairing::ticket::Ticket;
use accord_node::secret::Protector;
use accord_node::session::Progress;
use accord_node::transport::Config;
use accord_node::wallet::WalletRef;
use accord_node::{Node, NodeOptions, Role, Timeouts, Vault};

fn protector(dir: &Path) -> Protector {
    let path = dir.join("bench.key");
    if !path.exists() {
        std::fs::create_dir_all(dir).unwrap();
        let mut key = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut key);
        std::fs::write(&path, hex::encode(key)).unwrap();
    }
    Protector::KeyFile(path)
}

async fn start(dir: &Path, name: &str) -> Node {
    let vault = Vault::open(dir, &protector(dir)).unwrap();
    Node::start(
        vault,
        NodeOptions {
            name: name.into(),
            role: name.parse().unwrap_or(Role::Member),
            transport: Config::loopback(),
            timeouts: Timeouts::default(),
            approver: Arc::new(AutoApprove::new(Acknowledged::ForTestsOnly)),
        },
    )
    .await
    .unwrap()
}

/// `cosign` through a local relay with direct paths off: three devices in
/// this process, each on its own relay-only endpoint, a fresh wallet.
async fn through_a_relay(report: &Report, n: usize, run: u64) {
    let (server, url, cert) = support::local_relay().await;
    let config = Config::relay_only(url, vec![cert]);
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = Vec::new();
    for name in ["desktop", "phone", "recovery"] {
        let path = dir.path().join(name);
        let vault = Vault::open(&path, &protector(&path)).unwrap();
        let options = NodeOptions {
            name: name.into(),
            role: name.parse().unwrap_or(Role::Member),
            transport: config.clone(),
            timeouts: Timeouts::default(),
            approver: Arc::new(AutoApprove::new(Acknowledged::ForTestsOnly)),
        };
        nodes.push(Node::start(vault, options).await.unwrap());
    }
    let create = CreateWallet {
        name: "relay".into(),
        threshold: 2,
        network: accord_node::wallet::Network::Regtest,
        peers: vec![
            nodes[1].issue_ticket(Duration::from_secs(60)).unwrap(),
            nodes[2].issue_ticket(Duration::from_secs(60)).unwrap(),
        ],
        policy: None,
    };
    let wallet = nodes[0].create_wallet(&create, &quiet).await.unwrap();
    for chain in [Chain::Bitcoin, Chain::Solana, Chain::Ethereum] {
        let mut samples = Vec::new();
        for i in 0..n {
            let tx = unsigned(chain, &wallet, run + 500_000 + i as u64);
            let t = Instant::now();
            let out = nodes[0]
                .sign(&request(&wallet, chain, tx, 2), &quiet)
                .await
                .unwrap();
            samples.push(t.elapsed().as_secs_f64() * 1e6);
            assert_eq!(out.attempts, 1);
        }
        report.row(scheme_name(chain), "cosign-relay", samples, None);
    }
    for node in nodes {
        node.shutdown().await;
    }
    server.shutdown().await.unwrap();
}

/// Child mode: serve as `role`; print a fresh ticket for every line read.
async fn child(role: &str, dir: &Path) {
    let node = start(dir, role).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(8);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if line.is_err() || tx.blocking_send(()).is_err() {
                break;
            }
        }
    });
    let mut out = std::io::stdout();
    while rx.recv().await.is_some() {
        let ticket = node.issue_ticket(Duration::from_secs(600)).unwrap();
        writeln!(out, "{}", ticket.encode()).unwrap();
        out.flush().unwrap();
    }
    node.shutdown().await;
}

struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Peer {
    fn spawn(role: &str, dir: &Path, env: &[(&str, &str)]) -> Peer {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--child", role, dir.to_str().unwrap()])
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Peer {
            child,
            stdin,
            stdout,
        }
    }

    fn ticket(&mut self) -> Ticket {
        writeln!(self.stdin).unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        Ticket::decode(line.trim()).unwrap()
    }
}

fn quiet(_: Progress) {}

/// A transfer from `w` on `chain`, different for each `variant`.
fn unsigned(chain: Chain, w: &WalletSummary, variant: u64) -> Vec<u8> {
    match chain {
        Chain::Bitcoin => one_input(w, variant),
        Chain::Ethereum | Chain::Solana => support::unsigned(chain, &w.keys, variant),
    }
}

/// A Bitcoin transfer with one input (one signature per co-signing), as
/// the figures before issue 10 were measured with; the tests' transfers
/// have two.
fn one_input(w: &WalletSummary, variant: u64) -> Vec<u8> {
    use accord_chains::bitcoin::build::{Utxo, build};
    use accord_chains::bitcoin::{Network, WalletKeys, address};
    use bitcoin::hashes::Hash as _;
    use bitcoin::{Amount, OutPoint, Txid};

    let keys = accord_node::wallet::public_keys(&w.keys).unwrap();
    let wallet = WalletKeys::new(
        &keys.taproot_output,
        keys.taproot_internal.as_ref().map(|k| k.as_slice()),
        Network::Regtest,
    )
    .unwrap();
    let mut txid = [1u8; 32];
    txid[..8].copy_from_slice(&variant.to_be_bytes());
    let utxo = Utxo {
        outpoint: OutPoint::new(Txid::from_byte_array(txid), 0),
        amount: Amount::from_sat(100_000),
    };
    let to = address::parse(
        "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080",
        Network::Regtest,
    )
    .unwrap();
    build(&wallet, &[utxo], &[(to, Amount::from_sat(50_000))], 2)
        .unwrap()
        .serialize()
}

/// Signing `tx` on `chain` with wallet `w`, party `prefer` asked first.
fn request(w: &WalletSummary, chain: Chain, tx: Vec<u8>, prefer: u8) -> SignRequest {
    SignRequest {
        wallet: WalletRef::Id(w.wallet.id.clone()),
        chain,
        unsigned: tx,
        prefer: vec![prefer],
        only: false,
    }
}

fn scheme_name(chain: Chain) -> &'static str {
    match chain {
        Chain::Bitcoin => "frost-taproot",
        Chain::Ethereum => "ecdsa",
        Chain::Solana => "frost-ed25519",
    }
}

fn stats(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

struct Report {
    json: bool,
}

impl Report {
    fn row(&self, scheme: &str, op: &str, samples: Vec<f64>, per_s: Option<f64>) {
        let n = samples.len();
        let (p50, p99) = stats(samples);
        if self.json {
            let mut line = format!(
                "{{\"scheme\":\"{scheme}\",\"op\":\"{op}\",\"n\":{n},\"p50_us\":{p50:.0},\"p99_us\":{p99:.0}"
            );
            if let Some(per_s) = per_s {
                line.push_str(&format!(",\"per_s\":{per_s:.0}"));
            }
            println!("{line}}}");
        } else {
            let per = per_s.map(|p| format!("  {p:.0}/s")).unwrap_or_default();
            println!("{scheme:14} {op:22} n={n:<5} p50 {p50:>10.0} µs  p99 {p99:>10.0} µs{per}");
        }
    }
}

/// Single-key signatures by non-threshold libraries, same run.
fn single_signer(report: &Report, n: usize) {
    let mut rng = rand_core::OsRng;
    let ecdsa = k256_v13::ecdsa::SigningKey::random(&mut rng);
    let schnorr = k256_v13::schnorr::SigningKey::random(&mut rng);
    let ed = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let msg = [5u8; 32];
    let time = |f: &dyn Fn()| {
        (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect::<Vec<_>>()
    };
    report.row(
        "ecdsa",
        "single-signer",
        time(&|| {
            let _: (k256_v13::ecdsa::Signature, _) = ecdsa.sign_prehash_recoverable(&msg).unwrap();
        }),
        None,
    );
    report.row(
        "frost-taproot",
        "single-signer",
        time(&|| {
            let _ = schnorr.sign_raw(&msg, &[0u8; 32]);
        }),
        None,
    );
    report.row(
        "frost-ed25519",
        "single-signer",
        time(&|| {
            let _ = ed25519_dalek::Signer::sign(&ed, &msg);
        }),
        None,
    );
}

/// Refresh, backup export and restore of `wallet`, `n` times each.
async fn lifecycle(report: &Report, desktop: &Node, wallet: &WalletSummary, n: usize, base: &Path) {
    let r = WalletRef::Id(wallet.wallet.id.clone());
    let mut samples = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        desktop.refresh_wallet(&r, &quiet).await.unwrap();
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    report.row("all", "refresh", samples, None);

    const PASSPHRASE: &str = "correct horse battery staple";
    let mut exports = Vec::new();
    let mut file = Vec::new();
    for _ in 0..n {
        let r = r.clone();
        let t = Instant::now();
        file = desktop
            .with_vault(move |v| v.export_backup(&r, PASSPHRASE, 1))
            .await
            .unwrap();
        exports.push(t.elapsed().as_secs_f64() * 1e6);
    }
    report.row("all", "backup-export", exports, None);

    let mut restores = Vec::new();
    for i in 0..n {
        let dir = base.join(format!("restore-{i}"));
        let _ = std::fs::remove_dir_all(&dir);
        let key = protector(&base.join("restore-key"));
        let t = Instant::now();
        let mut vault = Vault::open(&dir, &key).unwrap();
        vault.restore_backup(&file, PASSPHRASE, 1).unwrap();
        restores.push(t.elapsed().as_secs_f64() * 1e6);
        drop(vault);
        let _ = std::fs::remove_dir_all(&dir);
    }
    report.row("all", "backup-restore", restores, None);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        return child(&args[2], Path::new(&args[3])).await;
    }
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let report = Report {
        json: flag("--json"),
    };
    let iterations: usize = value("--iterations").map_or(200, |v| v.parse().unwrap());
    let wallets: usize = value("--wallets").map_or(100, |v| v.parse().unwrap());
    let base: PathBuf = value("--dir").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
            .join("accord-bench")
    });
    if flag("--fresh") {
        let _ = std::fs::remove_dir_all(&base);
    }
    let mut phone = Peer::spawn("phone", &base.join("phone"), &[]);
    let mut recovery = Peer::spawn("recovery", &base.join("recovery"), &[]);
    let desktop = start(&base.join("desktop"), "desktop").await;

    // Wallets: created once, kept for later runs.
    let mut created = Vec::new();
    let have = desktop.vault().wallets().unwrap().len();
    for i in have..wallets {
        let request = CreateWallet {
            name: format!("bench-{i:03}"),
            threshold: 2,
            network: accord_node::wallet::Network::Regtest,
            peers: vec![phone.ticket(), recovery.ticket()],
            policy: None,
        };
        let t = Instant::now();
        desktop.create_wallet(&request, &quiet).await.unwrap();
        created.push(t.elapsed().as_secs_f64() * 1e6);
    }
    if !created.is_empty() {
        report.row("all", "wallet-create", created, None);
    }
    let summaries: Vec<WalletSummary> = desktop
        .vault()
        .wallets()
        .unwrap()
        .into_iter()
        .take(wallets)
        .collect();
    let first = &summaries[0];
    let run = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 1_000_000)
        * 1_000;

    // Off the runtime's workers: the node's tasks keep running meanwhile.
    // `--at-start`: after the co-signatures, so that the first one starts
    // the moment the three nodes are up.
    let at_start = flag("--at-start");
    if !at_start {
        tokio::task::block_in_place(|| single_signer(&report, 2_000));
    }

    // Latency, one at a time, desktop + phone.
    for chain in [Chain::Bitcoin, Chain::Solana, Chain::Ethereum] {
        let n = if chain == Chain::Ethereum {
            iterations / 2
        } else {
            iterations
        };
        let mut samples = Vec::new();
        for i in 0..n {
            let tx = unsigned(chain, first, run + i as u64);
            let t = Instant::now();
            let out = desktop
                .sign(&request(first, chain, tx, 2), &quiet)
                .await
                .unwrap();
            samples.push(t.elapsed().as_secs_f64() * 1e6);
            assert_eq!(out.attempts, 1);
        }
        report.row(scheme_name(chain), "cosign", samples, None);
    }

    if at_start {
        tokio::task::block_in_place(|| single_signer(&report, 2_000));
    }

    let relay_n: usize = value("--relay").map_or(50, |v| v.parse().unwrap());
    if relay_n > 0 {
        through_a_relay(&report, relay_n, run).await;
    }

    let lifecycle_n: usize = value("--lifecycle").map_or(20, |v| v.parse().unwrap());
    if lifecycle_n > 0 {
        lifecycle(&report, &desktop, first, lifecycle_n, &base).await;
    }

    // Recovery-server throughput: every wallet signs concurrently with it.
    let desktop = Arc::new(desktop);
    for (chain, per_wallet) in [
        (Chain::Bitcoin, 10u64),
        (Chain::Solana, 10),
        (Chain::Ethereum, 3),
    ] {
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for w in &summaries {
            let (desktop, w) = (desktop.clone(), w.clone());
            tasks.spawn(async move {
                let mut samples = Vec::new();
                for i in 0..per_wallet {
                    let tx = unsigned(chain, &w, run + 500 + i);
                    let t = Instant::now();
                    desktop
                        .sign(&request(&w, chain, tx, 3), &quiet)
                        .await
                        .unwrap();
                    samples.push(t.elapsed().as_secs_f64() * 1e6);
                }
                samples
            });
        }
        let mut samples = Vec::new();
        while let Some(s) = tasks.join_next().await {
            samples.extend(s.unwrap());
        }
        let per_s = samples.len() as f64 / started.elapsed().as_secs_f64();
        report.row(
            scheme_name(chain),
            "recovery-throughput",
            samples,
            Some(per_s),
        );
    }

    // Dead peer: the phone dies mid-signing, right after sending its first
    // round message; the desktop notices its silence and signs with the
    // recovery server.
    phone.child.kill().unwrap();
    let _ = phone.child.wait();
    // The desktop finds the phone gone (its ping goes unanswered), as
    // before it shows the user who is online; a phone that dies below
    // is found silent by the signing itself. Either way the next message
    // to it dials afresh, and reaches the restarted phone.
    let online = desktop
        .devices_online(Duration::from_secs(2))
        .await
        .unwrap();
    assert!(online.iter().any(|(d, on)| d.name == "phone" && !on));
    let mut samples = Vec::new();
    for i in 0..5u64 {
        let mut dying = Peer::spawn(
            "phone",
            &base.join("phone"),
            &[("ACCORD_FAULT_CRASH_AT", "round1-sent")],
        );
        let _ = dying.ticket(); // it is up
        let tx = unsigned(Chain::Solana, first, run + 900 + i);
        let t = Instant::now();
        let out = desktop
            .sign(&request(first, Chain::Solana, tx, 2), &quiet)
            .await
            .unwrap();
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(out.signers, ["desktop", "recovery"]);
        assert_eq!(out.attempts, 2, "the phone joined, then died");
        let status = dying.child.wait().unwrap();
        assert!(!status.success(), "the phone died mid-signing");
    }
    report.row("frost-ed25519", "mid-round-failover", samples, None);

    // The phone dead for good (it aborted in the last sample above): the
    // desktop asks it first, finds it silent or unreachable, then signs
    // with the recovery server.
    let mut samples = Vec::new();
    for i in 0..5u64 {
        let tx = unsigned(Chain::Solana, first, run + 950 + i);
        let t = Instant::now();
        let out = desktop
            .sign(&request(first, Chain::Solana, tx, 2), &quiet)
            .await
            .unwrap();
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(out.signers, ["desktop", "recovery"]);
    }
    report.row("frost-ed25519", "dead-peer-failover", samples, None);

    // Replacement of the (dead) phone by a new device, again and again:
    // pairing, the repair of the three schemes by desktop + recovery and
    // the refresh with all three (the recovery server here has no delay).
    if lifecycle_n > 0 {
        let mut samples = Vec::new();
        let mut previous: Option<Peer> = None;
        for i in 0..lifecycle_n.min(10) {
            let dir = base.join(format!("replacement-{i}"));
            let _ = std::fs::remove_dir_all(&dir);
            let mut new = Peer::spawn("phone", &dir, &[]);
            let ticket = new.ticket();
            let id = first.wallet.id.clone();
            let lost = desktop
                .with_vault(move |v| {
                    let w = v.wallet(&WalletRef::Id(id)).unwrap();
                    w.members.iter().find(|m| m.party == 2).unwrap().device
                })
                .await;
            let r = WalletRef::Id(first.wallet.id.clone());
            let t = Instant::now();
            let done = desktop
                .replace_device(&r, lost, &ticket, &quiet)
                .await
                .unwrap();
            samples.push(t.elapsed().as_secs_f64() * 1e6);
            assert!(matches!(done, accord_node::facade::Replaced::Done { .. }));
            if let Some(mut old) = previous.replace(new) {
                let _ = old.child.kill();
                let _ = old.child.wait();
            }
        }
        report.row("all", "replace", samples, None);
        if let Some(mut last) = previous {
            let _ = last.child.kill();
            let _ = last.child.wait();
        }
    }

    drop(recovery.stdin);
    let _ = recovery.child.wait();
    if let Ok(desktop) = Arc::try_unwrap(desktop) {
        desktop.shutdown().await;
    }
}
