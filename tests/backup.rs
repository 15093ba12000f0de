#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Backups across processes (issue 12): three `accord` devices on
//! loopback. The phone's backup is exported while its daemon runs; the
//! phone's data directory is deleted; the backup restored into a new data
//! directory (after a wrong passphrase and a tampered copy were refused,
//! writing nothing) brings back the same device — its peers recognise it
//! without pairing again — which co-signs with the desktop while the
//! recovery server is down, the signature verified by another library. A
//! second restore of the same backup there is refused.

mod common;

use accord_chains::Chain;
use common::{ANVIL_ACCOUNT_1, COMMAND_LIMIT, Device, ETHER, Run, Trio, Unsigned, eth_transfer};
use serde_json::Value;

const PASSPHRASE: &str = "correct horse battery staple";

fn with_passphrase(d: &Device, args: &[&str], passphrase: &str) -> Run {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    d.spawn(&all, &[("ACCORD_BACKUP_PASSPHRASE", passphrase)])
        .finish(COMMAND_LIMIT)
}

fn ok_json(run: &Run) -> Value {
    assert!(run.status.success(), "{run:?}");
    serde_json::from_str(run.stdout.trim()).unwrap()
}

#[test]
fn a_restored_phone_cosigns_and_a_bad_backup_writes_nothing() {
    let mut trio = Trio::new(true, &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("phone.accordbackup");
    let path = file.to_str().unwrap();

    // Exported while the phone's daemon runs; `wallet show` says so.
    let shown = trio.phone.json(&["wallet", "show", "w"]);
    assert_eq!(shown["backup"], "none", "{shown}");
    let exported = ok_json(&with_passphrase(
        &trio.phone,
        &["backup", "export", "--wallet", "w", "--out", path],
        PASSPHRASE,
    ));
    assert_eq!(exported["wallet"], "w", "{exported}");
    assert_eq!(exported["party"], 2, "{exported}");
    assert_eq!(exported["epoch"], 0, "{exported}");
    let shown = trio.phone.json(&["wallet", "show", "w"]);
    assert_eq!(shown["backup"], "current", "{shown}");
    assert_eq!(shown["epoch"], 0, "{shown}");
    // A short passphrase is refused; so is overwriting the file.
    let short = with_passphrase(
        &trio.phone,
        &[
            "backup",
            "export",
            "--wallet",
            "w",
            "--out",
            &format!("{path}.2"),
        ],
        "short",
    );
    assert!(!short.status.success() && short.stderr.contains("too short"));
    let again = with_passphrase(
        &trio.phone,
        &["backup", "export", "--wallet", "w", "--out", path],
        PASSPHRASE,
    );
    assert!(!again.status.success(), "{again:?}");

    // Checked elsewhere, writing nothing.
    let checker = Device::new("checker", 0x55);
    let verified = ok_json(&with_passphrase(
        &checker,
        &["backup", "verify", "--in", path],
        PASSPHRASE,
    ));
    let phone_id = trio.phone_daemon.as_ref().unwrap().device_id.clone();
    assert_eq!(verified["device_id"], phone_id.as_str(), "{verified}");

    // The phone is lost: its daemon stopped, its data deleted.
    trio.stop_phone();
    std::fs::remove_dir_all(trio.phone.dir()).unwrap();

    let phone = Device::new("phone", 0x44);
    // The wrong passphrase, a tampered copy, a truncated one: refused, and
    // nothing is written (no wallet there afterwards).
    let wrong = with_passphrase(
        &phone,
        &["backup", "restore", "--in", path],
        "not the one at all",
    );
    assert!(!wrong.status.success());
    assert!(wrong.stderr.contains("wrong passphrase"), "{wrong:?}");
    let bytes = std::fs::read(&file).unwrap();
    let mut tampered = bytes.clone();
    let last = tampered.len() - 40;
    tampered[last] ^= 1;
    let bad = dir.path().join("tampered");
    std::fs::write(&bad, &tampered).unwrap();
    let run = with_passphrase(
        &phone,
        &["backup", "restore", "--in", bad.to_str().unwrap()],
        PASSPHRASE,
    );
    assert!(
        !run.status.success() && run.stderr.contains("altered"),
        "{run:?}"
    );
    let short = dir.path().join("truncated");
    std::fs::write(&short, &bytes[..bytes.len() / 4]).unwrap();
    let run = with_passphrase(
        &phone,
        &["backup", "restore", "--in", short.to_str().unwrap()],
        PASSPHRASE,
    );
    assert!(
        !run.status.success() && run.stderr.contains("truncated"),
        "{run:?}"
    );
    let listed = phone.json(&["wallet", "list"]);
    assert_eq!(
        listed,
        Value::Array(Vec::new()),
        "nothing written: {listed}"
    );

    // Restored: the same device, the same wallet.
    let restored = ok_json(&with_passphrase(
        &phone,
        &["backup", "restore", "--in", path],
        PASSPHRASE,
    ));
    assert_eq!(restored["wallet"], "w", "{restored}");
    assert_eq!(restored["party"], 2, "{restored}");
    let shown = phone.json(&["wallet", "show", "w"]);
    assert_eq!(
        shown["addresses"]["ethereum"],
        trio.wallet.ethereum.as_str()
    );
    assert_eq!(shown["addresses"]["bitcoin"], trio.wallet.bitcoin.as_str());
    // Restoring it again there is refused.
    let twice = with_passphrase(&phone, &["backup", "restore", "--in", path], PASSPHRASE);
    assert!(
        !twice.status.success() && twice.stderr.contains("is here already"),
        "{twice:?}"
    );

    // It co-signs with the desktop while the recovery server is down.
    trio.recovery_daemon.take().unwrap().stop();
    let daemon = phone.serve("phone", true, &[]);
    assert_eq!(daemon.device_id, phone_id, "the same device");
    let tx = Unsigned {
        chain: Chain::Ethereum,
        bytes: eth_transfer(40, ANVIL_ACCOUNT_1, ETHER / 100),
        spent: Vec::new(),
    };
    let signed = trio.desktop.sign("w", &tx);
    common::verify(&trio.wallet, &tx, &signed.signed);
    daemon.stop();
}
