#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Replacing a lost device across processes (issue 12): three `accord`
//! devices on loopback, real iroh, the recovery server deciding by rule
//! with the wallet policy's replacement delay of a few seconds. A replacement asked while
//! the phone is still there waits for the delay, every member (the phone
//! too) is told, and the phone's cancel stops it (asked again after the delay, it waits anew). Then the phone is
//! lost: the desktop asks again, waits out the delay, and the desktop and
//! the recovery server repair the new phone's shares and all refresh; the
//! new phone co-signs with the desktop (verified by another library); the
//! old phone's copy can no longer take part — its peers refuse it at the
//! handshake. The new device or the recovery server killed during a
//! replacement leaves the wallet as it was, and the replacement asked again
//! goes through.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use accord_chains::Chain;
use common::{ANVIL_ACCOUNT_1, CHAIN_ID, Device, ETHER, Trio, Unsigned, eth_transfer, verify};
use serde_json::{Value, json};

const DELAY: u64 = 6;

fn unix_now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

fn wait_until(at: i64) {
    let left = at + 1 - unix_now();
    if left > 0 {
        std::thread::sleep(Duration::from_secs(u64::try_from(left).unwrap()));
    }
}

fn transfer(nonce: u64) -> Unsigned {
    Unsigned {
        chain: Chain::Ethereum,
        bytes: eth_transfer(nonce, ANVIL_ACCOUNT_1, ETHER / 100),
        spent: Vec::new(),
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_lost_phone_is_replaced_after_the_delay_and_a_cancel_stops_it() {
    // The recovery server decides by rule (not auto-approving); the
    // wallet's policy sets a short replacement delay.
    let policy = json!({
        "chains": [{
            "chain": "ethereum", "chain_id": CHAIN_ID, "recipients": "anyone", "tokens": false,
            "assets": [{"asset": "native", "max_per_tx": (ETHER / 10).to_string()}]
        }],
        "delay": 0,
        "replace_delay": DELAY
    })
    .to_string();
    let mut trio = Trio::with_policy(false, &[], Some(&policy));
    trio.first_policy_in_force();
    let phone_id = trio.phone_daemon.as_ref().unwrap().device_id.clone();
    let new_phone = Device::new("phone", 0x44);
    let new_daemon = new_phone.serve("phone", true, &[]);
    let replace = |d: &Device| -> Value {
        d.json(&[
            "device",
            "replace",
            "--wallet",
            "w",
            "--lost",
            &phone_id,
            "--peer",
            &new_daemon.ticket,
        ])
    };

    // Asked while the phone is still there: it waits for the delay.
    let asked = unix_now();
    let first = replace(&trio.desktop);
    let until = first["pending_until"]
        .as_i64()
        .unwrap_or_else(|| panic!("{first}"));
    assert!(until >= asked + DELAY as i64, "{first}");
    // Every member was told, the phone too (it may be stolen from, not lost).
    let told = trio.phone.events("w");
    assert!(
        told.iter()
            .any(|(_, d)| d.contains("asks to replace party 2")),
        "the phone was not told: {told:?}"
    );
    // The phone's person cancels it (its daemon stopped meanwhile: the
    // command runs the same device).
    trio.stop_phone();
    let cancelled = trio
        .phone
        .json(&["device", "cancel-replace", "--wallet", "w"]);
    assert_eq!(cancelled["cancelled"], true, "{cancelled}");
    assert!(
        cancelled["members_told"].as_u64().unwrap() >= 1,
        "{cancelled}"
    );
    // After the delay it has not gone through: asked again, it waits anew.
    // (The wait is measured from the ask, not from the answer: the desktop
    // tries the stopped phone before it reports, which can take the delay.)
    wait_until(until);
    let asked = unix_now();
    let again = replace(&trio.desktop);
    let until = again["pending_until"]
        .as_i64()
        .unwrap_or_else(|| panic!("a cancelled replacement went through: {again}"));
    assert!(
        until >= asked + DELAY as i64,
        "the wait did not start anew at the second ask: {again}"
    );

    // The phone is lost (a copy of its data kept, to try it later).
    let old_phone = Device::new("phone", 0x22);
    copy_dir(trio.phone.dir(), old_phone.dir());
    std::fs::remove_dir_all(trio.phone.dir()).unwrap();
    wait_until(until);
    let done = replace(&trio.desktop);
    assert_eq!(done["wallet"], "w", "{done}");
    assert_eq!(done["epoch"], 1, "{done}");
    assert_eq!(done["replaced"], phone_id.as_str(), "{done}");
    assert_eq!(done["by"], new_daemon.device_id.as_str(), "{done}");
    for d in [&trio.desktop, &new_phone, &trio.recovery] {
        let shown = d.json(&["wallet", "show", "w"]);
        assert_eq!(shown["epoch"], 1, "{}: {shown}", d.name);
        assert_eq!(
            shown["addresses"]["ethereum"],
            trio.wallet.ethereum.as_str()
        );
        let members = shown["members"].as_array().unwrap();
        assert!(
            members
                .iter()
                .any(|m| m["device_id"] == new_daemon.device_id.as_str()),
            "{}: {shown}",
            d.name
        );
        assert!(
            !members.iter().any(|m| m["device_id"] == phone_id.as_str()),
            "{}: {shown}",
            d.name
        );
    }

    // The new phone co-signs with the desktop, the recovery server down.
    let recovery = trio.recovery_daemon.take().unwrap();
    recovery.stop();
    let tx = transfer(70);
    let signed = trio.desktop.sign("w", &tx);
    verify(&trio.wallet, &tx, &signed.signed);

    // The old phone's copy proposes to the recovery server: refused at the
    // handshake, nothing signed.
    trio.recovery_daemon = Some(trio.recovery.serve("recovery", false, &[]));
    let refused = old_phone.sign_fails("w", &transfer(71));
    assert!(!refused.is_empty());
    let recovery_log = trio.recovery.events("w");
    assert!(
        !recovery_log.iter().any(|(kind, _)| kind == "cosigned"),
        "the recovery server co-signed: {recovery_log:?}"
    );
    new_daemon.stop();
}

/// A replacement with the new device or the recovery server killed (`kill
/// -9`, by fault injection) right after storing its part: it fails, the
/// wallet stays as it was everywhere and signs, and the replacement asked
/// again goes through.
fn killed_during_replacement(who: &str) {
    let mut trio = Trio::new(false, &[]);
    trio.first_policy_in_force();
    trio.recovery_daemon.take().unwrap().stop();
    let crash = [("ACCORD_FAULT_CRASH_AT", "keygen-stored")];
    let recovery_env: &[(&str, &str)] = if who == "recovery" { &crash } else { &[] };
    trio.recovery_daemon = Some(trio.recovery.serve_with(
        "recovery",
        false,
        &["--replacement-delay", "0"],
        recovery_env,
    ));
    let phone_id = trio.phone_daemon.as_ref().unwrap().device_id.clone();
    let new_phone = Device::new("phone", 0x45);
    let new_env: &[(&str, &str)] = if who == "new" { &crash } else { &[] };
    let mut new_daemon = new_phone.serve("phone", true, new_env);
    trio.stop_phone();
    let args = |ticket: &str| -> Vec<String> {
        [
            "--json", "device", "replace", "--wallet", "w", "--lost", &phone_id, "--peer", ticket,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let ticket = new_daemon.ticket.clone();
    let argv: Vec<String> = args(&ticket);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let run = trio.desktop.run(&argv);
    assert!(
        !run.status.success(),
        "{who}: replaced despite the crash: {run:?}"
    );
    // The crashed one back, without the fault.
    if who == "recovery" {
        let mut dead = trio.recovery_daemon.take().unwrap();
        assert!(dead.proc.wait_exit(Duration::from_secs(60)).is_some());
        trio.recovery_daemon = Some(trio.recovery.serve("recovery", false, &[]));
    } else {
        assert!(new_daemon.proc.wait_exit(Duration::from_secs(60)).is_some());
        new_daemon = new_phone.serve("phone", true, &[]);
    }
    for d in [&trio.desktop, &trio.recovery] {
        let shown = d.json(&["wallet", "show", "w"]);
        assert_eq!(shown["epoch"], 0, "{who}: {}: {shown}", d.name);
    }
    // Asked again, it goes through.
    let done = trio.desktop.json(&argv[1..]);
    assert_eq!(done["epoch"], 1, "{who}: {done}");
    let tx = transfer(72);
    let signed = trio.desktop.sign("w", &tx);
    verify(&trio.wallet, &tx, &signed.signed);
    new_daemon.stop();
}

#[test]
fn a_new_device_killed_after_storing_leaves_the_wallet_as_it_was() {
    killed_during_replacement("new");
}

#[test]
fn a_recovery_server_killed_during_a_replacement_leaves_the_wallet_as_it_was() {
    killed_during_replacement("recovery");
}
