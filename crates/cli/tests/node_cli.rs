//! The `accord` commands that use the device's store, one process at a
//! time: identity, tickets, empty listings, how the store is unlocked (and
//! refused), clean failures, and the co-signer daemon's first line and
//! clean exit on SIGTERM. (Wallets need key generation with other
//! devices: the cross-process tests cover them.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use accord_node::pairing::ticket::Ticket;
use serde_json::Value;

const KEY: &str = "1111111111111111111111111111111111111111111111111111111111111111";

/// `accord` with only the given key settings in its environment.
fn command(dir: &Path, key: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_accord"));
    cmd.env_remove("ACCORD_WRAPPING_KEY")
        .env_remove("ACCORD_PASSPHRASE")
        .env_remove("ACCORD_DATA_DIR")
        .arg("--data-dir")
        .arg(dir)
        .stdin(Stdio::null());
    if let Some(key) = key {
        cmd.env("ACCORD_WRAPPING_KEY", key);
    }
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, Some(KEY)).args(args).output().unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The one-line error of a run that exits with `code`.
fn fails_with(out: Output, code: i32) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    err
}

#[test]
fn init_is_idempotent_and_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let first = ok(dir.path(), &["init"]);
    assert_eq!(first.len(), 64, "a hex device id: {first}");
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(ok(dir.path(), &["init"]), first);
    // --json is global: before or after the command.
    for args in [&["init", "--json"][..], &["--json", "init"][..]] {
        let v: Value = serde_json::from_str(&ok(dir.path(), args)).unwrap();
        assert_eq!(v, serde_json::json!({ "device_id": first }));
    }
}

#[test]
fn a_ticket_from_the_store_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let id = ok(dir.path(), &["init"]);
    let text = ok(dir.path(), &["cosigner", "ticket"]);
    let ticket = Ticket::decode(&text).unwrap();
    assert_eq!(ticket.addr.id.to_string(), id);
    assert_eq!(ticket.name, "device", "no daemon has named the device yet");
    let v: Value = serde_json::from_str(&ok(
        dir.path(),
        &["cosigner", "ticket", "--ttl", "60", "--json"],
    ))
    .unwrap();
    let ticket = Ticket::decode(v["ticket"].as_str().unwrap()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(ticket.expires_at > now && ticket.expires_at <= now + 61);
    // Loopback tickets need the port a daemon bound: none has run.
    let err = fails_with(run(dir.path(), &["--no-relay", "cosigner", "ticket"]), 1);
    assert!(err.contains("cosigner serve --no-relay"), "{err}");
}

#[test]
fn empty_listings() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(ok(dir.path(), &["wallet", "list", "--json"]), "[]");
    assert_eq!(ok(dir.path(), &["wallet", "list"]), "");
    assert_eq!(ok(dir.path(), &["devices", "--json"]), "[]");
}

#[test]
fn endpoints_show_the_presets_and_keep_what_the_user_sets() {
    let dir = tempfile::tempdir().unwrap();
    let row = |v: &Value, chain: &str, network: &str| -> Value {
        v["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["chain"] == chain && r["network"] == network)
            .unwrap()
            .clone()
    };
    let shown: Value = serde_json::from_str(&ok(dir.path(), &["--json", "endpoints"])).unwrap();
    assert_eq!(shown["endpoints"].as_array().unwrap().len(), 12);
    let btc = row(&shown, "bitcoin", "mainnet");
    assert_eq!(
        btc["urls"],
        "https://blockstream.info/api, https://mempool.space/api"
    );
    assert_eq!(btc["preset"], true);
    assert_eq!(
        row(&shown, "solana", "signet")["urls"],
        "https://api.devnet.solana.com"
    );
    assert_eq!(
        row(&shown, "ethereum", "regtest")["urls"],
        "http://127.0.0.1:8545"
    );
    let urls = "https://eth.example/v2/k, https://eth2.example";
    let set = [
        "--json",
        "endpoints",
        "set",
        "--chain",
        "ethereum",
        "--network",
        "mainnet",
        urls,
    ];
    let shown: Value = serde_json::from_str(&ok(dir.path(), &set)).unwrap();
    let eth = row(&shown, "ethereum", "mainnet");
    assert_eq!(
        (eth["urls"].as_str(), eth["preset"].as_bool()),
        (Some(urls), Some(false))
    );
    // Kept in the store.
    let again: Value = serde_json::from_str(&ok(dir.path(), &["--json", "endpoints"])).unwrap();
    assert_eq!(row(&again, "ethereum", "mainnet")["urls"], urls);
    // A remote plain http:// is refused, and nothing changes.
    let err = fails_with(
        run(
            dir.path(),
            &[
                "endpoints",
                "set",
                "--chain",
                "ethereum",
                "--network",
                "mainnet",
                "http://eth.example",
            ],
        ),
        1,
    );
    assert!(err.contains("plain http://"), "{err}");
    let again: Value = serde_json::from_str(&ok(dir.path(), &["--json", "endpoints"])).unwrap();
    assert_eq!(row(&again, "ethereum", "mainnet")["urls"], urls);
    // "" goes back to the presets.
    let reset = [
        "--json",
        "endpoints",
        "set",
        "--chain",
        "ethereum",
        "--network",
        "mainnet",
        "",
    ];
    let shown: Value = serde_json::from_str(&ok(dir.path(), &reset)).unwrap();
    assert_eq!(row(&shown, "ethereum", "mainnet")["preset"], true);
}

#[test]
fn the_store_opens_only_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let id = ok(dir.path(), &["init"]);

    let wrong = "22".repeat(32);
    let out = command(dir.path(), Some(&wrong))
        .arg("init")
        .output()
        .unwrap();
    let err = fails_with(out, 1);
    assert!(err.contains("wrong passphrase or key"), "{err}");

    let malformed = command(dir.path(), Some("not hex"))
        .arg("init")
        .output()
        .unwrap();
    let err = fails_with(malformed, 1);
    assert!(err.contains("ACCORD_WRAPPING_KEY"), "{err}");

    // No key at all, and no terminal to ask on.
    let out = command(dir.path(), None).arg("init").output().unwrap();
    let err = fails_with(out, 1);
    for option in ["--key-file", "ACCORD_WRAPPING_KEY", "ACCORD_PASSPHRASE"] {
        assert!(err.contains(option), "{option} in {err}");
    }

    // A key file with the same key opens it; --key-file wins over the
    // environment.
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("key");
    std::fs::write(&key_file, KEY).unwrap();
    let out = command(dir.path(), Some(&wrong))
        .arg("--key-file")
        .arg(&key_file)
        .arg("init")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), id);
}

#[test]
fn the_data_dir_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let explicit = ok(dir.path(), &["init"]);
    let out = Command::new(env!("CARGO_BIN_EXE_accord"))
        .env("ACCORD_DATA_DIR", dir.path())
        .env("ACCORD_WRAPPING_KEY", KEY)
        .env_remove("ACCORD_PASSPHRASE")
        .arg("init")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), explicit);
}

#[test]
fn unknown_wallets_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["init"]);
    let out = run(
        dir.path(),
        &[
            "sign-tx",
            "--wallet",
            "nope",
            "--chain",
            "ethereum",
            "--unsigned",
            "02c0",
            "--yes",
        ],
    );
    let err = fails_with(out, 1);
    assert!(err.contains("no wallet named \"nope\""), "{err}");
    for args in [
        &["wallet", "show", "nope"][..],
        &["policy", "show", "nope"][..],
        &[
            "policy",
            "propose",
            "--wallet",
            "nope",
            "--chain",
            "bitcoin",
            "--max-per-tx",
            "1",
        ][..],
        &["policy", "approve", "--wallet", "nope", "--version", "2"][..],
    ] {
        let err = fails_with(run(dir.path(), args), 1);
        assert!(err.contains("no wallet named"), "{args:?}: {err}");
    }
    // Checked before the store: a chain, an RPC URL this build can use.
    let send = |rpc: &str| {
        run(
            dir.path(),
            &[
                "send", "--wallet", "nope", "--chain", "ethereum", "--to", "0x00", "--amount", "1",
                "--rpc", rpc,
            ],
        )
    };
    let err = fails_with(send("http://rpc.example"), 1);
    assert!(
        err.contains("plain http:// to rpc.example is refused"),
        "{err}"
    );
    let err = fails_with(send("https://rpc.example"), 1);
    assert!(err.contains("no wallet named"), "{err}");
    let err = fails_with(send("http://127.0.0.1:1"), 1);
    assert!(err.contains("no wallet named"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["cosigner", "serve"][..],
        &["cosigner", "serve", "--role", "desktop"][..],
        &["cosigner", "ticket", "--ttl", "0"][..],
        &["wallet", "create", "--name", "w", "--threshold", "2"][..],
        &[
            "wallet",
            "create",
            "--name",
            "w",
            "--threshold",
            "2",
            "--peer",
            "x",
            "--network",
            "moon",
        ][..],
        &["sign-tx", "--wallet", "w"][..],
    ] {
        fails_with(run(dir.path(), args), 2);
    }
}

#[test]
fn a_bad_peer_ticket_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = {
        ok(dir.path(), &["init"]);
        ok(dir.path(), &["cosigner", "ticket"])
    };
    let out = run(
        dir.path(),
        &[
            "wallet",
            "create",
            "--name",
            "w",
            "--threshold",
            "2",
            "--peer",
            &good,
            "--peer",
            "accord1garbage",
        ],
    );
    let err = fails_with(out, 1);
    assert!(err.contains("--peer number 2"), "{err}");
}

/// Kills the daemon if a test fails before it exits.
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[test]
fn the_recovery_daemon_prints_its_ticket_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let child = command(dir.path(), Some(KEY))
        .args(["cosigner", "serve", "--role", "recovery", "--no-relay"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut daemon = Daemon(child);
    let stdout = daemon.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the first line within 10 s");
    let v: Value = serde_json::from_str(line.trim()).unwrap();
    let object = v.as_object().unwrap();
    assert_eq!(object.len(), 2, "{v}");
    let id = v["device_id"].as_str().unwrap();
    let ticket = Ticket::decode(v["ticket"].as_str().unwrap()).unwrap();
    assert_eq!(ticket.addr.id.to_string(), id);
    assert_eq!(ticket.name, "recovery");
    assert!(
        ticket.addr.ip_addrs().any(|a| a.ip().is_loopback()),
        "a loopback address"
    );

    // While it runs, another ticket comes from the shared store, with the
    // port the daemon bound.
    let other = Ticket::decode(&ok(dir.path(), &["--no-relay", "cosigner", "ticket"])).unwrap();
    assert_eq!(other.addr.id, ticket.addr.id);
    let bound: Vec<_> = ticket.addr.ip_addrs().collect();
    assert!(
        other.addr.ip_addrs().any(|a| bound.contains(&a)),
        "{:?} vs {bound:?}",
        other.addr
    );
    assert_eq!(other.name, "recovery");

    let pid = daemon.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit within 10 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "exit 0 on SIGTERM");
    // The store is left usable.
    assert_eq!(ok(dir.path(), &["init"]), id);
}
