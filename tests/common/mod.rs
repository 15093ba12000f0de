//! What the cross-process tests share: devices (a data directory and a
//! wrapping key each), the `accord` binary run with a time limit, processes
//! (co-signer daemons and long commands) whose output is drained on threads
//! and which are killed when dropped — also when a test panics — the wallet
//! as `accord wallet create` prints it, unsigned transactions for every
//! chain, and the independent checks of what comes back signed:
//! libbitcoinconsensus (Bitcoin Core's script interpreter) for BIP341 key
//! spends, alloy + k256 0.13 public-key recovery for EIP-1559, and
//! ed25519-dalek `verify_strict` (RFC 8032) for Solana.

// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use accord_chains::Chain;
use accord_chains::bitcoin::build::{Utxo, build};
use accord_chains::bitcoin::{Network, WalletKeys};
use accord_chains::ethereum::{Gas, U256, UnsignedTx as EthTx};
use accord_chains::solana::{Hash, UnsignedTx as SolTx};
use base64::Engine as _;
use bitcoin::hashes::Hash as _;
use bitcoin::{Amount, OutPoint, Transaction, TxOut, Txid};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use tempfile::TempDir;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_accord");
/// The longest any one command may take before the test fails.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(120);
/// The chain id the test transactions are for (Anvil's).
pub const CHAIN_ID: u64 = 31_337;
/// One ether in wei.
pub const ETHER: u128 = 1_000_000_000_000_000_000;
/// Anvil's second dev account (the first one that is not a deployer).
pub const ANVIL_ACCOUNT_1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/// Anvil's third dev account.
pub const ANVIL_ACCOUNT_2: &str = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/// Environment variables of the binary a test run must not inherit.
const CLEARED: [&str; 8] = [
    "ACCORD_WRAPPING_KEY",
    "ACCORD_BACKUP_PASSPHRASE",
    "ACCORD_PASSPHRASE",
    "ACCORD_DATA_DIR",
    "ACCORD_FAULT_CRASH_AT",
    "ACCORD_FAULT_DELAY_MS",
    "ACCORD_CA_FILE",
    "ACCORD_ALLOW_HTTP",
];

/// A device: its own data directory and its own wrapping key.
pub struct Device {
    /// `desktop`, `phone`, `recovery`, `stranger` (for messages).
    pub name: &'static str,
    dir: TempDir,
    key: String,
}

impl Device {
    /// A fresh device; `n` makes its wrapping key distinct.
    pub fn new(name: &'static str, n: u8) -> Device {
        Device {
            name,
            dir: tempfile::tempdir().unwrap(),
            key: hex::encode([n; 32]),
        }
    }

    /// Its data directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Its SQLite store.
    pub fn db_path(&self) -> PathBuf {
        self.dir().join("accord.db")
    }

    /// The store, read-only (allowed while a daemon has it open: WAL).
    pub fn db(&self) -> Connection {
        Connection::open_with_flags(self.db_path(), OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
    }

    /// `accord --data-dir DIR --no-relay` with this device's key and
    /// nothing else of the test's `ACCORD_*` environment.
    pub fn command(&self, env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(BIN);
        for var in CLEARED {
            cmd.env_remove(var);
        }
        cmd.env("ACCORD_WRAPPING_KEY", &self.key)
            .envs(env.iter().copied())
            .arg("--data-dir")
            .arg(self.dir())
            .arg("--no-relay")
            .stdin(Stdio::null());
        cmd
    }

    /// Starts `accord ARGS` with its output drained on threads.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> Proc {
        let mut cmd = self.command(env);
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        Proc::spawn(cmd, format!("{} accord {}", self.name, args.join(" ")))
    }

    /// Runs `accord ARGS` to the end (at most [`COMMAND_LIMIT`]).
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// [`Device::run`] with `env` set.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.spawn(args, env).finish(COMMAND_LIMIT)
    }

    /// Runs `accord ARGS`, which must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert!(
            run.status.success(),
            "{} accord {args:?} failed ({}): {}",
            self.name,
            run.status,
            run.stderr
        );
        run.stdout.trim().to_owned()
    }

    /// Runs `accord --json ARGS`, which must succeed; its output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
    }

    /// Runs `accord ARGS`, which must fail with exit code 1 and one line
    /// on standard error, nothing on standard output; that line.
    pub fn fails(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.status.code(),
            Some(1),
            "{} accord {args:?} should fail with 1: {run:?}",
            self.name
        );
        assert!(run.stdout.trim().is_empty(), "nothing on stdout: {run:?}");
        let last = run
            .stderr
            .trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .to_owned();
        assert!(last.starts_with("error: "), "an error line: {run:?}");
        last
    }

    /// Starts `accord cosigner serve --role ROLE` (with `--auto-approve`
    /// if asked) and waits for its first line.
    pub fn serve(&self, role: &str, auto_approve: bool, env: &[(&str, &str)]) -> Daemon {
        self.serve_with(role, auto_approve, &[], env)
    }

    /// [`Device::serve`] with more arguments for `cosigner serve`.
    pub fn serve_with(
        &self,
        role: &str,
        auto_approve: bool,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Daemon {
        let mut args = vec!["cosigner", "serve", "--role", role];
        if auto_approve {
            args.push("--auto-approve");
        }
        args.extend_from_slice(extra);
        let mut proc = self.spawn(&args, env);
        let line = proc.first_line(Duration::from_secs(30));
        let first: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{}: first line not JSON ({e}): {line:?}", self.name));
        Daemon {
            device_id: first["device_id"].as_str().unwrap().to_owned(),
            ticket: first["ticket"].as_str().unwrap().to_owned(),
            proc,
        }
    }

    /// Another pairing ticket from `accord cosigner ticket` (the daemon of
    /// this data directory may be running).
    pub fn ticket(&self, ttl_secs: u64) -> String {
        self.ok(&["cosigner", "ticket", "--ttl", &ttl_secs.to_string()])
    }

    /// `accord sign-tx --yes --json`, which must succeed; `signed`, after
    /// checking the output's shape.
    pub fn sign(&self, wallet: &str, unsigned: &Unsigned) -> Signed {
        let started = Instant::now();
        let hex = hex::encode(&unsigned.bytes);
        let out = self.json(&[
            "sign-tx",
            "--wallet",
            wallet,
            "--chain",
            unsigned.chain.name(),
            "--unsigned",
            &hex,
            "--yes",
        ]);
        signed_from(&out, started.elapsed())
    }

    /// `accord sign-tx` that must fail (exit 1); its error line.
    pub fn sign_fails(&self, wallet: &str, unsigned: &Unsigned) -> String {
        let hex = hex::encode(&unsigned.bytes);
        self.fails(&[
            "sign-tx",
            "--wallet",
            wallet,
            "--chain",
            unsigned.chain.name(),
            "--unsigned",
            &hex,
            "--yes",
        ])
    }

    /// The wallet's event log (`accord wallet show --json`): `(kind, detail)`.
    pub fn events(&self, wallet: &str) -> Vec<(String, String)> {
        let v = self.json(&["wallet", "show", wallet]);
        v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_owned(),
                    e["detail"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// Whom this device (the proposer) signed transaction `txid` with, from
    /// the `signed` event of its log: the names after "with".
    pub fn signed_with(&self, wallet: &str, txid: &str) -> String {
        let events = self.events(wallet);
        let detail = events
            .iter()
            .rev()
            .find(|(kind, detail)| kind == "signed" && detail.contains(txid))
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("{}: no `signed` event for {txid}: {events:?}", self.name));
        detail
            .rsplit_once(" with ")
            .map(|(_, names)| names.to_owned())
            .unwrap_or_else(|| panic!("no quorum in {detail:?}"))
    }

    /// Rows of `SELECT` on the store as strings (blobs in hex).
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        let db = self.db();
        let mut stmt = db.prepare(sql).unwrap();
        let columns = stmt.column_count();
        stmt.query_map([], |row| {
            (0..columns)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                        rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                        rusqlite::types::ValueRef::Real(x) => x.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                        rusqlite::types::ValueRef::Blob(b) => hex::encode(b),
                    })
                })
                .collect()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    /// `SELECT COUNT(*) …` on the store.
    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

/// A finished run of the binary.
#[derive(Debug)]
pub struct Run {
    /// How it exited.
    pub status: ExitStatus,
    /// Everything on standard output.
    pub stdout: String,
    /// Everything on standard error.
    pub stderr: String,
    /// How long it ran.
    pub elapsed: Duration,
}

#[derive(Default)]
struct Captured {
    stdout: Mutex<String>,
    stderr: Mutex<String>,
}

/// A running `accord` process; killed (SIGKILL) when dropped. Its output
/// is read on two threads so that its pipes never fill.
pub struct Proc {
    child: Child,
    label: String,
    captured: Arc<Captured>,
    readers: Vec<JoinHandle<()>>,
    started: Instant,
}

fn drain(mut from: impl Read + Send + 'static, into: Arc<Captured>, err: bool) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(&mut from);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line);
                    let target = if err { &into.stderr } else { &into.stdout };
                    target.lock().unwrap().push_str(&text);
                }
            }
        }
    })
}

impl Proc {
    fn spawn(mut cmd: Command, label: String) -> Proc {
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {BIN}: {e}"));
        let captured = Arc::new(Captured::default());
        let readers = vec![
            drain(child.stdout.take().unwrap(), captured.clone(), false),
            drain(child.stderr.take().unwrap(), captured.clone(), true),
        ];
        Proc {
            child,
            label,
            captured,
            readers,
            started: Instant::now(),
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Standard error so far.
    pub fn stderr(&self) -> String {
        self.captured.stderr.lock().unwrap().clone()
    }

    /// Standard output so far.
    pub fn stdout(&self) -> String {
        self.captured.stdout.lock().unwrap().clone()
    }

    /// The first line of standard output, waiting at most `limit`.
    pub fn first_line(&mut self, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Some((line, _)) = self.stdout().split_once('\n') {
                return line.trim().to_owned();
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                // The readers may still hold the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                if let Some((line, _)) = self.stdout().split_once('\n') {
                    return line.trim().to_owned();
                }
                panic!(
                    "{} exited ({status}) before its first line: {}",
                    self.label,
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{}: no first line within {limit:?}: {}",
                self.label,
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits at most `limit` for `text` on standard error; whether it came.
    pub fn wait_stderr(&mut self, text: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.stderr().contains(text) {
                return true;
            }
            if self.child.try_wait().unwrap().is_some() {
                std::thread::sleep(Duration::from_millis(100));
                return self.stderr().contains(text);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Waits at most `limit` for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (at most 10 s) for a clean exit (code 0).
    pub fn terminate(&mut self) {
        if self.child.try_wait().unwrap().is_none() {
            let status = Command::new("kill")
                .args(["-TERM", &self.pid().to_string()])
                .status()
                .unwrap();
            assert!(status.success(), "kill -TERM {}", self.pid());
        }
        let status = self
            .wait_exit(Duration::from_secs(10))
            .unwrap_or_else(|| panic!("{}: no exit within 10 s of SIGTERM", self.label));
        assert_eq!(
            status.code(),
            Some(0),
            "{}: exit 0 on SIGTERM: {}",
            self.label,
            self.stderr()
        );
    }

    /// Waits for the end (killing it after `limit`, which fails the test);
    /// all its output.
    pub fn finish(mut self, limit: Duration) -> Run {
        let Some(status) = self.wait_exit(limit) else {
            self.kill9();
            panic!(
                "{} did not finish within {limit:?}: {}",
                self.label,
                self.stderr()
            );
        };
        let elapsed = self.started.elapsed();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Run {
            status,
            stdout: self.stdout(),
            stderr: self.stderr(),
            elapsed,
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("----- stderr of {} -----\n{}", self.label, self.stderr());
        }
    }
}

/// A co-signer daemon (`accord cosigner serve`), killed when dropped.
pub struct Daemon {
    /// Its device id, from its first line.
    pub device_id: String,
    /// The pairing ticket of its first line.
    pub ticket: String,
    /// The process.
    pub proc: Proc,
}

impl Daemon {
    /// Stops it with SIGTERM (it must exit 0).
    pub fn stop(mut self) {
        self.proc.terminate();
    }
}

/// A wallet as `accord wallet create --json` printed it.
#[derive(Clone, Debug)]
pub struct Wallet {
    /// Its name.
    pub name: String,
    /// The whole output.
    pub json: Value,
    /// Bitcoin (regtest) address.
    pub bitcoin: String,
    /// Ethereum address (EIP-55).
    pub ethereum: String,
    /// Solana address (base58).
    pub solana: String,
    /// The Taproot output key `Q` (x-only).
    pub taproot: [u8; 32],
    /// The Ed25519 group key.
    pub ed25519: [u8; 32],
    /// The ECDSA group key (SEC1 compressed).
    pub ecdsa: Vec<u8>,
}

impl Wallet {
    /// Parses `accord wallet create --json` output.
    pub fn from_json(json: Value) -> Wallet {
        let text = |v: &Value| v.as_str().unwrap_or_else(|| panic!("{json}")).to_owned();
        let key = |name: &str| hex::decode(text(&json["public_keys"][name])).unwrap();
        Wallet {
            name: text(&json["wallet"]),
            bitcoin: text(&json["addresses"]["bitcoin"]),
            ethereum: text(&json["addresses"]["ethereum"]),
            solana: text(&json["addresses"]["solana"]),
            taproot: key("frost-taproot").try_into().unwrap(),
            ed25519: key("frost-ed25519").try_into().unwrap(),
            ecdsa: key("ecdsa"),
            json,
        }
    }
}

/// `accord wallet create --name NAME --threshold 2 --peer …` on `desktop`;
/// checks the output's shape.
pub fn create_wallet(desktop: &Device, name: &str, tickets: &[&str]) -> Wallet {
    create_wallet_with(desktop, name, tickets, None)
}

/// [`create_wallet`] with a first policy (a JSON document) for
/// `--policy`.
pub fn create_wallet_with(
    desktop: &Device,
    name: &str,
    tickets: &[&str],
    policy: Option<&str>,
) -> Wallet {
    let mut args = vec!["wallet", "create", "--name", name, "--threshold", "2"];
    for t in tickets {
        args.extend(["--peer", t]);
    }
    let path = desktop.dir().join("first-policy.json");
    if let Some(policy) = policy {
        std::fs::write(&path, policy).unwrap();
        args.extend(["--policy", path.to_str().unwrap()]);
    }
    let json = desktop.json(&args);
    assert_eq!(json["wallet"], name);
    assert_eq!(json["threshold"], 2);
    assert_eq!(json["parties"], tickets.len() + 1);
    Wallet::from_json(json)
}

/// The three devices of a 2-of-3 wallet, with the co-signers' daemons.
/// (The daemons come first: fields drop in order, so they are killed
/// before their data directories are removed.)
pub struct Trio {
    /// The phone's daemon, while it runs.
    pub phone_daemon: Option<Daemon>,
    /// The recovery server's daemon, while it runs.
    pub recovery_daemon: Option<Daemon>,
    /// Party 1: the command line itself.
    pub desktop: Device,
    /// Party 2.
    pub phone: Device,
    /// Party 3.
    pub recovery: Device,
    /// The wallet they share.
    pub wallet: Wallet,
}

impl Trio {
    /// Starts a phone (auto-approving, with `phone_env`) and a recovery
    /// server (auto-approving if asked), and creates wallet `w` from the
    /// desktop with their first tickets.
    pub fn new(recovery_auto_approve: bool, phone_env: &[(&str, &str)]) -> Trio {
        Trio::with_policy(recovery_auto_approve, phone_env, None)
    }

    /// [`Trio::new`] with the wallet's first policy (JSON).
    pub fn with_policy(
        recovery_auto_approve: bool,
        phone_env: &[(&str, &str)],
        policy: Option<&str>,
    ) -> Trio {
        let desktop = Device::new("desktop", 0x11);
        let phone = Device::new("phone", 0x22);
        let recovery = Device::new("recovery", 0x33);
        let phone_daemon = phone.serve("phone", true, phone_env);
        let recovery_daemon = recovery.serve("recovery", recovery_auto_approve, &[]);
        let started = Instant::now();
        let wallet = create_wallet_with(
            &desktop,
            "w",
            &[&phone_daemon.ticket, &recovery_daemon.ticket],
            policy,
        );
        eprintln!("wallet created in {:?}", started.elapsed());
        Trio {
            desktop,
            phone,
            recovery,
            phone_daemon: Some(phone_daemon),
            recovery_daemon: Some(recovery_daemon),
            wallet,
        }
    }

    /// Waits until every member's approval of the wallet's first policy
    /// reached the recovery server (members push theirs within a second of
    /// the wallet's creation), so it is in force there.
    pub fn first_policy_in_force(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = self.recovery.json(&["policy", "show", "w"]);
            if v["active"]["version"] == 1 {
                return;
            }
            assert!(Instant::now() < deadline, "no policy in force: {v}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Starts the phone's daemon again (auto-approving, with `env`).
    pub fn start_phone(&mut self, env: &[(&str, &str)]) {
        assert!(self.phone_daemon.is_none(), "the phone runs already");
        self.phone_daemon = Some(self.phone.serve("phone", true, env));
    }

    /// Stops the phone's daemon with SIGTERM.
    pub fn stop_phone(&mut self) {
        self.phone_daemon.take().expect("the phone runs").stop();
    }

    /// The phone's daemon.
    pub fn phone_proc(&mut self) -> &mut Proc {
        &mut self.phone_daemon.as_mut().expect("the phone runs").proc
    }
}

impl Drop for Trio {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        // For the failure's report: the end of each device's event log.
        for d in [&self.desktop, &self.phone, &self.recovery] {
            let Ok(db) = Connection::open_with_flags(d.db_path(), OpenFlags::SQLITE_OPEN_READ_ONLY)
            else {
                continue;
            };
            let lines: Vec<String> = db
                .prepare("SELECT at, kind, detail FROM events ORDER BY seq DESC LIMIT 20")
                .and_then(|mut stmt| {
                    stmt.query_map([], |r| {
                        Ok(format!(
                            "{} {}: {}",
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?
                        ))
                    })?
                    .collect()
                })
                .unwrap_or_default();
            eprintln!("----- last events of {} -----", d.name);
            for line in lines.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// A transaction to sign, and what a verifier needs besides the bytes.
#[derive(Clone, Debug)]
pub struct Unsigned {
    /// Its chain.
    pub chain: Chain,
    /// The bytes `--unsigned` gets: a PSBT, an EIP-2718 payload, or a
    /// Solana wire transaction with an empty signature slot.
    pub bytes: Vec<u8>,
    /// Bitcoin: the outputs its inputs spend, in order.
    pub spent: Vec<TxOut>,
}

/// A fixed recipient per chain.
const BTC_TO: &str = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
const SOL_TO: &str = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T";

/// An unsigned transfer from `w` on `chain`; `variant` makes it (and so
/// every message to sign) distinct, so no finished signature is reused.
pub fn unsigned(chain: Chain, w: &Wallet, variant: u64) -> Unsigned {
    match chain {
        Chain::Bitcoin => {
            let keys = WalletKeys::new(&w.taproot, None, Network::Regtest).unwrap();
            assert_eq!(keys.address().to_string(), w.bitcoin);
            let utxos: Vec<Utxo> = [70_000u64, 40_000]
                .iter()
                .enumerate()
                .map(|(i, v)| Utxo {
                    outpoint: OutPoint::new(Txid::from_byte_array([i as u8 + 1; 32]), i as u32),
                    amount: Amount::from_sat(*v),
                })
                .collect();
            let to = bitcoin::Address::from_str(BTC_TO)
                .unwrap()
                .require_network(bitcoin::Network::Regtest)
                .unwrap();
            let psbt = build(
                &keys,
                &utxos,
                &[(to, Amount::from_sat(90_000 - variant))],
                3,
            )
            .unwrap();
            let spent = psbt
                .inputs
                .iter()
                .map(|i| i.witness_utxo.clone().unwrap())
                .collect();
            Unsigned {
                chain,
                bytes: psbt.serialize(),
                spent,
            }
        }
        Chain::Ethereum => Unsigned {
            chain,
            bytes: eth_transfer(variant, ANVIL_ACCOUNT_2, ETHER / 100),
            spent: Vec::new(),
        },
        Chain::Solana => {
            let from = accord_chains::solana::address::parse(&w.solana).unwrap();
            let to = accord_chains::solana::address::parse(SOL_TO).unwrap();
            let tx = SolTx::sol_transfer(
                &from,
                &to,
                1_000_000 + variant,
                Hash::new_from_array([7; 32]),
                None,
            )
            .unwrap();
            Unsigned {
                chain,
                bytes: tx.wire_bytes(),
                spent: Vec::new(),
            }
        }
    }
}

/// An unsigned EIP-1559 transfer of `wei` to `to` with `nonce` on chain
/// [`CHAIN_ID`] (21 000 gas at most 30 gwei).
pub fn eth_transfer(nonce: u64, to: &str, wei: u128) -> Vec<u8> {
    EthTx::eth_transfer(
        CHAIN_ID,
        nonce,
        accord_chains::ethereum::address::parse(to).unwrap(),
        U256::from(wei),
        Gas {
            gas_limit: 21_000,
            max_fee_per_gas: 30_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        },
    )
    .encode()
}

/// The output of `accord sign-tx --json`.
#[derive(Clone, Debug)]
pub struct Signed {
    /// `signed`: the transaction as the chain takes it.
    pub signed: String,
    /// `txid`.
    pub txid: String,
    /// `preview`.
    pub preview: Value,
    /// How long the command ran.
    pub elapsed: Duration,
}

/// Reads `{"preview", "signed", "txid"}`.
pub fn signed_from(out: &Value, elapsed: Duration) -> Signed {
    let text = |k: &str| {
        out[k]
            .as_str()
            .unwrap_or_else(|| panic!("no {k} in {out}"))
            .to_owned()
    };
    assert!(out["preview"].is_object(), "a preview: {out}");
    Signed {
        signed: text("signed"),
        txid: text("txid"),
        preview: out["preview"].clone(),
        elapsed,
    }
}

/// Checks `signed` (the CLI's `signed` field) against `unsigned` and the
/// wallet's key with a verifier other than the one that made it.
pub fn verify(w: &Wallet, unsigned: &Unsigned, signed: &str) {
    match unsigned.chain {
        Chain::Bitcoin => verify_bitcoin(w, unsigned, signed),
        Chain::Ethereum => {
            let raw = hex::decode(signed.strip_prefix("0x").expect("0x-hex")).unwrap();
            verify_ethereum(w, &raw, Some(&unsigned.bytes));
        }
        Chain::Solana => verify_solana(w, unsigned, signed),
    }
}

/// libbitcoinconsensus over every input, with all spent outputs
/// (BIP341 needs them), under the pre-Taproot and Taproot rules.
fn verify_bitcoin(w: &Wallet, unsigned: &Unsigned, signed: &str) {
    use bitcoinconsensus::{VERIFY_ALL_PRE_TAPROOT, VERIFY_TAPROOT, verify_with_flags};
    let raw = hex::decode(signed).unwrap();
    let tx: Transaction = bitcoin::consensus::deserialize(&raw).unwrap();
    let psbt = bitcoin::Psbt::deserialize(&unsigned.bytes).unwrap();
    // The transaction is the PSBT's, with witnesses.
    let mut bare = tx.clone();
    for input in &mut bare.input {
        input.witness.clear();
    }
    assert_eq!(
        bare, psbt.unsigned_tx,
        "the signed transaction is the one given"
    );
    // Every spent output pays the wallet's key: rust-bitcoin's own P2TR
    // script of the printed output key.
    let q = bitcoin::key::TweakedPublicKey::dangerous_assume_tweaked(
        bitcoin::secp256k1::XOnlyPublicKey::from_slice(&w.taproot).unwrap(),
    );
    let script = bitcoin::ScriptBuf::new_p2tr_tweaked(q);
    assert_eq!(
        bitcoin::Address::p2tr_tweaked(q, bitcoin::Network::Regtest).to_string(),
        w.bitcoin
    );
    let utxos: Vec<bitcoinconsensus::Utxo> = unsigned
        .spent
        .iter()
        .map(|o| {
            assert_eq!(o.script_pubkey, script);
            bitcoinconsensus::Utxo {
                script_pubkey: o.script_pubkey.as_bytes().as_ptr(),
                script_pubkey_len: o.script_pubkey.len() as u32,
                value: o.value.to_sat() as i64,
            }
        })
        .collect();
    assert_eq!(tx.input.len(), unsigned.spent.len());
    for (i, o) in unsigned.spent.iter().enumerate() {
        let witness = &tx.input[i].witness;
        assert_eq!(witness.len(), 1, "a key-path spend: one element");
        verify_with_flags(
            o.script_pubkey.as_bytes(),
            o.value.to_sat(),
            &raw,
            Some(&utxos),
            i,
            VERIFY_ALL_PRE_TAPROOT | VERIFY_TAPROOT,
        )
        .unwrap_or_else(|e| panic!("input {i} does not verify: {e:?}"));
    }
    // And a flipped signature bit does not (the check is not vacuous).
    let mut bad = tx.clone();
    let mut sig = bad.input[0].witness.to_vec().remove(0);
    sig[10] ^= 1;
    bad.input[0].witness = bitcoin::Witness::from_slice(&[sig]);
    let bad_raw = bitcoin::consensus::serialize(&bad);
    let first = &unsigned.spent[0];
    assert!(
        verify_with_flags(
            first.script_pubkey.as_bytes(),
            first.value.to_sat(),
            &bad_raw,
            Some(&utxos),
            0,
            VERIFY_ALL_PRE_TAPROOT | VERIFY_TAPROOT,
        )
        .is_err()
    );
}

/// Decodes an EIP-2718 envelope with alloy and recovers its signer with
/// k256 0.13 (not the k256 the chains crate uses); the recovered key must
/// be the wallet's ECDSA key, and the payload signed `unsigned` when
/// given. Returns the signer and the transaction hash.
pub fn verify_ethereum(
    w: &Wallet,
    raw: &[u8],
    unsigned: Option<&[u8]>,
) -> (alloy_primitives::Address, [u8; 32]) {
    use alloy_consensus::TxEnvelope;
    use alloy_consensus::transaction::SignableTransaction;
    use alloy_eips::eip2718::Decodable2718;
    use k256_v13::ecdsa::{RecoveryId, Signature, VerifyingKey};
    let envelope = TxEnvelope::decode_2718(&mut &raw[..]).unwrap();
    // (chain id, signed payload, its hash, signature, transaction hash)
    let (chain_id, payload, hash, sig, tx_hash) = match &envelope {
        TxEnvelope::Eip1559(s) => (
            Some(s.tx().chain_id),
            s.tx().encoded_for_signing(),
            s.tx().signature_hash(),
            *s.signature(),
            *s.hash(),
        ),
        TxEnvelope::Eip2930(s) => (
            Some(s.tx().chain_id),
            s.tx().encoded_for_signing(),
            s.tx().signature_hash(),
            *s.signature(),
            *s.hash(),
        ),
        TxEnvelope::Legacy(s) => (
            s.tx().chain_id,
            s.tx().encoded_for_signing(),
            s.tx().signature_hash(),
            *s.signature(),
            *s.hash(),
        ),
        other => panic!("not EIP-1559, EIP-2930 or legacy: {other:?}"),
    };
    assert_eq!(chain_id, Some(CHAIN_ID), "EIP-155 chain id");
    if let Some(unsigned) = unsigned {
        assert_eq!(payload, unsigned, "the signed payload is the one given");
    }
    let ecdsa =
        Signature::from_scalars(sig.r().to_be_bytes::<32>(), sig.s().to_be_bytes::<32>()).unwrap();
    assert!(ecdsa.normalize_s().is_none(), "low-s (EIP-2)");
    let key = VerifyingKey::recover_from_prehash(
        hash.as_slice(),
        &ecdsa,
        RecoveryId::new(sig.v(), false),
    )
    .unwrap();
    assert_eq!(
        key.to_encoded_point(true).as_bytes(),
        w.ecdsa.as_slice(),
        "recovers to the wallet's ECDSA key"
    );
    let point = key.to_encoded_point(false);
    let signer = alloy_primitives::Address::from_raw_public_key(&point.as_bytes()[1..]);
    assert_eq!(
        signer,
        alloy_primitives::Address::from_str(&w.ethereum).unwrap()
    );
    (signer, tx_hash.0)
}

/// Splits a Solana wire transaction with one signature slot, checks the
/// message is the one given and the signature verifies (`verify_strict`)
/// under the wallet's Ed25519 key, which is also the fee payer and the
/// base58 address printed.
fn verify_solana(w: &Wallet, unsigned: &Unsigned, signed: &str) {
    use ed25519_dalek::{Signature, VerifyingKey};
    let raw = base64::engine::general_purpose::STANDARD
        .decode(signed)
        .unwrap();
    assert_eq!(raw[0], 1, "one signature slot");
    let (sig, message) = raw[1..].split_at(64);
    assert_eq!(unsigned.bytes[0], 1);
    assert_eq!(
        &unsigned.bytes[1..65],
        &[0u8; 64][..],
        "an empty slot given"
    );
    assert_eq!(message, &unsigned.bytes[65..], "the message given");
    // Legacy message: 3 header bytes, compact-u16 key count, keys; the
    // first key is the fee payer (versioned: one prefix byte first).
    let body = if message[0] & 0x80 != 0 {
        &message[1..]
    } else {
        message
    };
    assert_eq!(body[0], 1, "one required signature");
    assert_eq!(&body[4..36], &w.ed25519, "the wallet pays and signs");
    assert_eq!(bs58::encode(w.ed25519).into_string(), w.solana);
    let key = VerifyingKey::from_bytes(&w.ed25519).unwrap();
    let sig = Signature::from_bytes(sig.try_into().unwrap());
    key.verify_strict(message, &sig)
        .expect("the Ed25519 signature verifies");
    let mut tampered = message.to_vec();
    *tampered.last_mut().unwrap() ^= 1;
    assert!(key.verify_strict(&tampered, &sig).is_err());
}

/// Every chain, in a fixed order.
pub const CHAINS: [Chain; 3] = [Chain::Bitcoin, Chain::Ethereum, Chain::Solana];
