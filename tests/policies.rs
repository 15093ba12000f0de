#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The wallet's policy across processes (issue 11): three `accord`
//! devices on loopback — the desktop (the command line), the phone and the
//! recovery server (`cosigner serve`, deciding by policy alone) — with the
//! phone stopped whenever the recovery server must be the one to co-sign.
//!
//! - A spending window: two transfers under the per-transaction maximum
//!   whose sum is over the window's are signed once and refused once.
//! - Calls the preview cannot state (truncated ERC-20 calldata, an unknown
//!   selector) are refused by the recovery server even with tokens allowed.
//! - A loosening proposed by the desktop alone is not enforced (a transfer
//!   above the old maximum is refused); once the phone approves it and the
//!   delay has passed, it is. A tightening from the desktop alone is
//!   enforced at once.
//! - A policy written into the recovery server's store by hand (a new
//!   version without signatures, or the version in force edited) is not
//!   enforced.
//! - The recovery server killed after it recorded a transfer's spend and
//!   before its signature share left: the transfer retried after its
//!   restart counts once against the window, not twice.

mod common;

use std::time::{Duration, Instant};

use accord_chains::Chain;
use accord_chains::ethereum::{Gas, U256, UnsignedTx, erc20};
use common::{ANVIL_ACCOUNT_1, CHAIN_ID, ETHER, Trio, Unsigned, eth_transfer};
use serde_json::{Value, json};

/// The delay of a loosening, in seconds.
const DELAY: u64 = 10;

const USDC: &str = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";

/// Up to `per_tx` wei per transfer and `per_window` per hour on chain
/// 31337 to anyone, USDC allowed (up to 1000 units); a loosening waits
/// `delay` seconds.
fn policy(per_tx: u128, per_window: u128, delay: u64) -> String {
    json!({
        "chains": [{
            "chain": "ethereum", "chain_id": CHAIN_ID, "recipients": "anyone", "tokens": true,
            "assets": [
                {"asset": "native", "max_per_tx": per_tx.to_string(),
                 "max_per_window": per_window.to_string(), "window": 3600},
                {"asset": USDC, "max_per_tx": "1000"}
            ]
        }],
        "delay": delay,
        "replace_delay": 259200
    })
    .to_string()
}

fn eth(nonce: u64, wei: u128) -> Unsigned {
    Unsigned {
        chain: Chain::Ethereum,
        bytes: eth_transfer(nonce, ANVIL_ACCOUNT_1, wei),
        spent: Vec::new(),
    }
}

fn call(nonce: u64, to: &str, data: Vec<u8>) -> Unsigned {
    let to = accord_chains::ethereum::address::parse(to).unwrap();
    let gas = Gas {
        gas_limit: 80_000,
        max_fee_per_gas: 30_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
    };
    Unsigned {
        chain: Chain::Ethereum,
        bytes: UnsignedTx::contract_call(CHAIN_ID, nonce, to, U256::ZERO, data, gas).encode(),
        spent: Vec::new(),
    }
}

/// `accord sign-tx` on the desktop asking the recovery server (party 3)
/// first: the phone is stopped, and would cost a connect timeout.
fn sign_args(tx: &Unsigned) -> Vec<String> {
    [
        "sign-tx",
        "--wallet",
        "w",
        "--chain",
        tx.chain.name(),
        "--unsigned",
        &hex::encode(&tx.bytes),
        "--yes",
        "--cosigner",
        "3",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn declined_by_recovery(trio: &Trio, tx: &Unsigned, why: &str) -> String {
    let args = sign_args(tx);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = trio.desktop.fails(&args);
    assert!(err.contains("recovery declined"), "{err}");
    assert!(err.contains(why), "{why:?} missing from: {err}");
    err
}

fn signed_by_recovery(trio: &Trio, tx: &Unsigned) {
    let args = sign_args(tx);
    let mut all = vec!["--json"];
    all.extend(args.iter().map(String::as_str));
    let out: Value = serde_json::from_str(&trio.desktop.ok(&all)).unwrap();
    assert_eq!(out["signers"], json!(["desktop", "recovery"]), "{out}");
    common::verify(&trio.wallet, tx, out["signed"].as_str().unwrap());
}

/// `accord policy propose` on the desktop for chain 31337 with `options`.
fn propose_on_desktop(trio: &Trio, options: &[&str]) -> Value {
    let chain_id = CHAIN_ID.to_string();
    let mut args = vec![
        "policy",
        "propose",
        "--wallet",
        "w",
        "--chain",
        "ethereum",
        "--chain-id",
        &chain_id,
    ];
    args.extend_from_slice(options);
    trio.desktop.json(&args)
}

fn status(v: &Value) -> (&str, u64) {
    (
        v["status"].as_str().unwrap_or_default(),
        v["needs"].as_u64().unwrap_or(99),
    )
}

#[test]
fn the_recovery_server_enforces_the_members_policy() {
    let tenth = ETHER / 10;
    let mut trio = Trio::with_policy(false, &[], Some(&policy(tenth, tenth * 3 / 2, DELAY)));
    trio.first_policy_in_force();
    trio.stop_phone();

    // The window: 0.1 + 0.1 > 0.15 ETH per hour.
    signed_by_recovery(&trio, &eth(10, tenth));
    declined_by_recovery(&trio, &eth(11, tenth), "per window");

    // What the preview cannot state, tokens allowed or not.
    let mut short = erc20::transfer(
        accord_chains::ethereum::address::parse(ANVIL_ACCOUNT_1).unwrap(),
        U256::from(1u8),
    );
    short.truncate(20);
    declined_by_recovery(&trio, &call(12, USDC, short), "cannot be previewed");
    declined_by_recovery(
        &trio,
        &call(
            13,
            ANVIL_ACCOUNT_1,
            vec![0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1],
        ),
        "cannot be previewed",
    );

    // A loosening from the desktop alone: pending, not enforced.
    let big = ETHER / 2;
    let proposed = propose_on_desktop(
        &trio,
        &[
            "--max-per-tx",
            &ETHER.to_string(),
            "--max-per-window",
            &(10 * ETHER).to_string(),
            "--window",
            "3600",
        ],
    );
    assert_eq!(status(&proposed), ("pending", 1), "{proposed}");
    assert_eq!(proposed["version"], 2);
    let over_old_cap = format!("above the maximum of {tenth} per transaction");
    declined_by_recovery(&trio, &eth(14, big), &over_old_cap);

    // The phone approves: in force after the current delay, not before.
    trio.start_phone(&[]);
    let approved = trio
        .phone
        .json(&["policy", "approve", "--wallet", "w", "--version", "2"]);
    let quorum = Instant::now();
    assert_eq!(approved["status"], "pending", "{approved}");
    assert!(approved["effective_at"].is_u64(), "{approved}");
    let shown = trio.recovery.json(&["policy", "show", "w"]);
    if quorum.elapsed() < Duration::from_secs(DELAY - 4) {
        assert_eq!(shown["active"]["version"], 1, "{shown}");
        assert_eq!(shown["pending"][0]["needs"], 0, "{shown}");
    }
    trio.stop_phone();
    std::thread::sleep(Duration::from_secs(DELAY + 1).saturating_sub(quorum.elapsed()));
    let shown = trio.recovery.json(&["policy", "show", "w"]);
    assert_eq!(shown["active"]["version"], 2, "{shown}");
    signed_by_recovery(&trio, &eth(15, big));

    // A tightening from the desktop alone: in force at once.
    let tight = propose_on_desktop(&trio, &["--max-per-tx", &(ETHER / 20).to_string()]);
    // (On the desktop, which has only now heard of the phone's approval,
    // version 2 waits its delay still, and 3 after it; the recovery server
    // enforces 3 at once.)
    assert_eq!(tight["version"], 3, "{tight}");
    assert_eq!(tight["needs"], 0, "{tight}");
    let shown = trio.recovery.json(&["policy", "show", "w"]);
    assert_eq!(shown["active"]["version"], 3, "{shown}");
    let over_new_cap = format!("above the maximum of {} per transaction", ETHER / 20);
    declined_by_recovery(&trio, &eth(16, tenth), &over_new_cap);

    // By hand in the recovery server's store: a version without
    // signatures is not enforced…
    let db = rusqlite::Connection::open(trio.recovery.db_path()).unwrap();
    let (hash, text): (String, String) = db
        .query_row(
            "SELECT hash, document FROM policy_versions WHERE version = 3",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut forged: Value = serde_json::from_str(&text).unwrap();
    forged["version"] = json!(4);
    forged["previous"] = json!(hash);
    forged["chains"][0]["assets"][0]["max_per_tx"] = json!((100 * ETHER).to_string());
    let forged = accord_node::policy::PolicyDocument::from_json(&forged.to_string()).unwrap();
    db.execute(
        "INSERT INTO policy_versions (wallet_id, hash, version, document, received_at)
         SELECT wallet_id, ?1, 4, ?2, 0 FROM policy_versions WHERE version = 3",
        [forged.hash_hex(), forged.to_json()],
    )
    .unwrap();
    declined_by_recovery(&trio, &eth(17, tenth), &over_new_cap);
    // …and the version in force, edited, is not either.
    let edited = text.replace(&(ETHER / 20).to_string(), &(100 * ETHER).to_string());
    assert_ne!(edited, text);
    db.execute(
        "UPDATE policy_versions SET document = ?1 WHERE version = 3",
        [edited],
    )
    .unwrap();
    let args = sign_args(&eth(18, tenth));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = trio.desktop.fails(&args);
    assert!(err.contains("recovery"), "{err}");
    assert!(err.contains("altered"), "{err}");
    trio.recovery_daemon.take().unwrap().stop();
}

#[test]
fn a_crash_between_the_spend_and_the_share_does_not_spend_the_window_twice() {
    let tenth = ETHER / 10;
    // 0.1 ETH per transfer, 0.25 per hour.
    let mut trio = Trio::with_policy(false, &[], Some(&policy(tenth, tenth * 5 / 2, 0)));
    trio.first_policy_in_force();
    trio.stop_phone();
    // The recovery server aborts right after it journaled the nonces and
    // the spend, before its signature share leaves.
    trio.recovery_daemon.take().unwrap().stop();
    let mut crashing =
        trio.recovery
            .serve("recovery", false, &[("ACCORD_FAULT_CRASH_AT", "journaled")]);
    let a = eth(20, tenth);
    let args = sign_args(&a);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = trio.desktop.fails(&args);
    assert!(err.contains("recovery"), "{err}");
    assert!(crashing.proc.wait_exit(Duration::from_secs(10)).is_some());
    let ledger = || trio.recovery.count("SELECT COUNT(*) FROM spend_ledger");
    assert_eq!(ledger(), 1, "the spend was recorded before the crash");
    trio.recovery_daemon = Some(trio.recovery.serve("recovery", false, &[]));
    // The same transaction again: it does not count against itself.
    signed_by_recovery(&trio, &a);
    assert_eq!(ledger(), 1, "recorded once");
    // Another: 0.1 + 0.1 ≤ 0.25 — allowed only if the first counted once.
    signed_by_recovery(&trio, &eth(21, tenth));
    // A third: 0.3 > 0.25.
    declined_by_recovery(&trio, &eth(22, tenth), "per window");
    assert_eq!(ledger(), 2);
    trio.recovery_daemon.take().unwrap().stop();
}

/// Up to 1 ETH per transfer to anyone; over 0.05 ETH waits `delay`
/// seconds.
fn delaying_policy(delay: u64) -> String {
    json!({
        "chains": [{
            "chain": "ethereum", "chain_id": CHAIN_ID, "recipients": "anyone", "tokens": false,
            "assets": [
                {"asset": "native", "max_per_tx": ETHER.to_string(),
                 "delay_over": (ETHER / 20).to_string()}
            ]
        }],
        "delay": delay,
        "replace_delay": 259200
    })
    .to_string()
}

/// The id of the queued transfer a refusal names.
fn transfer_id(err: &str) -> String {
    let at = err.find("transfer ").expect("a transfer id") + "transfer ".len();
    err[at..at + 12].to_owned()
}

#[test]
fn delayed_transfers_wait_their_delay_and_a_member_can_cancel_them() {
    let delay = 6;
    let mut trio = Trio::with_policy(false, &[], Some(&delaying_policy(delay)));
    trio.first_policy_in_force();
    trio.stop_phone();
    let amount = ETHER / 10;

    // Over 0.05 ETH: queued by the recovery server, refused until the delay
    // is over — also when proposed again with another nonce (another
    // transaction, the same transfer).
    let first = declined_by_recovery(&trio, &eth(20, amount), "queued as transfer");
    let queued_at = Instant::now();
    let id = transfer_id(&first);
    let again = declined_by_recovery(&trio, &eth(21, amount), "is queued");
    assert_eq!(transfer_id(&again), id, "{again}");
    let listed = trio.desktop.json(&["policy", "delayed", "w"]);
    assert_eq!(listed[0]["id"], id.as_str(), "{listed}");
    assert_eq!(listed[0]["status"], "waiting", "{listed}");
    assert!(listed[0]["eligible_at"]["recovery"].is_u64(), "{listed}");

    // After the delay: co-signed, as a third transaction of that transfer.
    std::thread::sleep(Duration::from_secs(delay + 1).saturating_sub(queued_at.elapsed()));
    signed_by_recovery(&trio, &eth(22, amount));
    // Used up: the same transfer again waits again.
    let next = declined_by_recovery(&trio, &eth(23, amount), "queued as transfer");
    let queued_at = Instant::now();
    let id = transfer_id(&next);

    // A member cancels it: after the delay it is still refused.
    let cancelled = trio
        .desktop
        .json(&["policy", "cancel-transfer", "--wallet", "w", "--id", &id]);
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let there = trio.recovery.json(&["policy", "delayed", "w"]);
        if there[0]["status"] == "cancelled" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the cancel never arrived: {there}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(delay + 1).saturating_sub(queued_at.elapsed()));
    declined_by_recovery(&trio, &eth(24, amount), "CANCELLED");
    // Under the delay's amount: signed at once.
    signed_by_recovery(&trio, &eth(25, ETHER / 20));
    // With the members' approvals pulled here (the commands above did),
    // `sign-tx` shows what the recovery server will decide before it asks.
    let args = sign_args(&eth(26, 3 * amount));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let shown = trio.desktop.run(&args);
    assert!(
        shown
            .stderr
            .contains("recovery server: policy v1: DELAYS this transaction"),
        "{shown:?}"
    );
}
