#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Refresh across processes (issue 12): three `accord` devices on loopback,
//! real iroh. `accord wallet refresh` moves every member to key epoch 1
//! with the same addresses; a signature made afterwards verifies (another
//! library); the phone's backup from before is stale, and refused; a copy
//! of the phone's data directory taken before the refresh cannot co-sign
//! with the desktop (no signature comes out). And a member killed (`kill
//! -9`, by fault injection) — the phone as the rounds start or right after
//! it stored its new shares, the recovery server after storing, the
//! desktop (the initiator) after storing — leaves every member on one
//! epoch, and the wallet signs.

mod common;

use std::path::Path;

use accord_chains::Chain;
use common::{
    ANVIL_ACCOUNT_1, COMMAND_LIMIT, Device, ETHER, Run, Trio, Unsigned, eth_transfer, verify,
};
use serde_json::Value;

const PASSPHRASE: &str = "correct horse battery staple";

fn with_passphrase(d: &Device, args: &[&str]) -> Run {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    d.spawn(&all, &[("ACCORD_BACKUP_PASSPHRASE", PASSPHRASE)])
        .finish(COMMAND_LIMIT)
}

fn transfer(nonce: u64) -> Unsigned {
    Unsigned {
        chain: Chain::Ethereum,
        bytes: eth_transfer(nonce, ANVIL_ACCOUNT_1, ETHER / 100),
        spent: Vec::new(),
    }
}

fn epoch(d: &Device) -> Value {
    d.json(&["wallet", "show", "w"])["epoch"].clone()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn a_refresh_keeps_the_addresses_and_retires_old_copies_and_backups() {
    let mut trio = Trio::new(true, &[]);
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("phone.accordbackup");
    let path = backup.to_str().unwrap();
    let exported = with_passphrase(
        &trio.phone,
        &["backup", "export", "--wallet", "w", "--out", path],
    );
    assert!(exported.status.success(), "{exported:?}");

    // A copy of the phone as it is now (its daemon stopped meanwhile).
    trio.stop_phone();
    let old_phone = Device::new("phone", 0x22);
    copy_dir(trio.phone.dir(), old_phone.dir());
    trio.start_phone(&[]);

    let refreshed = trio.desktop.json(&["wallet", "refresh", "--wallet", "w"]);
    assert_eq!(refreshed["wallet"], "w", "{refreshed}");
    assert_eq!(refreshed["epoch"], 1, "{refreshed}");
    for d in [&trio.desktop, &trio.phone, &trio.recovery] {
        let shown = d.json(&["wallet", "show", "w"]);
        assert_eq!(shown["epoch"], 1, "{}: {shown}", d.name);
        assert_eq!(
            shown["addresses"]["ethereum"],
            trio.wallet.ethereum.as_str()
        );
        assert_eq!(shown["addresses"]["bitcoin"], trio.wallet.bitcoin.as_str());
        assert_eq!(shown["addresses"]["solana"], trio.wallet.solana.as_str());
    }
    assert_eq!(trio.phone.json(&["wallet", "show", "w"])["backup"], "stale");

    // Signed with the new shares, verified by another library.
    let tx = transfer(50);
    let signed = trio.desktop.sign("w", &tx);
    verify(&trio.wallet, &tx, &signed.signed);

    // The backup from before is refused as stale, and changes nothing.
    let stale = with_passphrase(&trio.phone, &["backup", "restore", "--in", path]);
    assert!(
        !stale.status.success() && stale.stderr.contains("stale"),
        "{stale:?}"
    );
    assert_eq!(epoch(&trio.phone), 1);

    // The copy from before the refresh, with the recovery server down,
    // cannot co-sign with the desktop: nothing is signed.
    trio.stop_phone();
    trio.recovery_daemon.take().unwrap().stop();
    let daemon = old_phone.serve("phone", true, &[]);
    let refused = trio.desktop.sign_fails("w", &transfer(51));
    assert!(refused.contains("epoch"), "{refused}");
    daemon.stop();
}

/// A phone killed at `step` of a refresh (the recovery server and desktop
/// running): afterwards every member is on one epoch and the wallet signs.
fn phone_killed_at(step: &str) {
    let mut trio = Trio::new(true, &[]);
    trio.stop_phone();
    trio.start_phone(&[("ACCORD_FAULT_CRASH_AT", step)]);
    let run = trio
        .desktop
        .run(&["--json", "wallet", "refresh", "--wallet", "w"]);
    assert!(
        trio.phone_proc()
            .wait_exit(std::time::Duration::from_secs(60))
            .is_some(),
        "the phone did not crash at {step}"
    );
    trio.phone_daemon.take();
    assert!(
        !run.status.success(),
        "{step}: refreshed without the phone? {run:?}"
    );
    trio.start_phone(&[]);
    one_epoch_and_signs(&trio, step, 60);
    // The refresh after the crash is signed with too.
    let tx = transfer(61);
    let signed = trio.desktop.sign("w", &tx);
    verify(&trio.wallet, &tx, &signed.signed);
}

#[test]
fn a_phone_killed_as_the_rounds_start_leaves_one_epoch() {
    phone_killed_at("keygen-started");
}

#[test]
fn a_phone_killed_after_storing_its_new_shares_leaves_one_epoch() {
    phone_killed_at("keygen-stored");
}

/// Every member on one epoch, the wallet signs, and a refresh goes through.
fn one_epoch_and_signs(trio: &Trio, what: &str, nonce: u64) {
    let epochs: Vec<Value> = [&trio.desktop, &trio.phone, &trio.recovery]
        .iter()
        .map(|d| epoch(d))
        .collect();
    assert!(
        epochs.iter().all(|e| *e == epochs[0]),
        "{what}: members on different epochs: {epochs:?}"
    );
    let tx = transfer(nonce);
    let signed = trio.desktop.sign("w", &tx);
    verify(&trio.wallet, &tx, &signed.signed);
    let again = trio.desktop.json(&["wallet", "refresh", "--wallet", "w"]);
    assert!(again["epoch"].as_u64().is_some(), "{what}: {again}");
}

#[test]
fn a_recovery_server_killed_after_storing_its_new_shares_leaves_one_epoch() {
    let mut trio = Trio::new(true, &[]);
    trio.recovery_daemon.take().unwrap().stop();
    trio.recovery_daemon = Some(trio.recovery.serve(
        "recovery",
        true,
        &[("ACCORD_FAULT_CRASH_AT", "keygen-stored")],
    ));
    let run = trio
        .desktop
        .run(&["--json", "wallet", "refresh", "--wallet", "w"]);
    assert!(
        !run.status.success(),
        "refreshed without the recovery server? {run:?}"
    );
    let mut dead = trio.recovery_daemon.take().unwrap();
    assert!(
        dead.proc
            .wait_exit(std::time::Duration::from_secs(60))
            .is_some(),
        "the recovery server did not crash"
    );
    trio.recovery_daemon = Some(trio.recovery.serve("recovery", true, &[]));
    one_epoch_and_signs(&trio, "recovery killed", 80);
}

#[test]
fn the_initiator_killed_after_storing_its_new_shares_leaves_one_epoch() {
    let trio = Trio::new(true, &[]);
    let run = trio
        .desktop
        .spawn(
            &["--json", "wallet", "refresh", "--wallet", "w"],
            &[("ACCORD_FAULT_CRASH_AT", "keygen-stored")],
        )
        .finish(COMMAND_LIMIT);
    assert!(!run.status.success(), "the desktop did not crash: {run:?}");
    assert!(run.stderr.contains("fault injection"), "{run:?}");
    // The members stored theirs and wait for the desktop's decision; its
    // next start drops what it stored and tells them.
    one_epoch_and_signs(&trio, "desktop killed", 90);
}
