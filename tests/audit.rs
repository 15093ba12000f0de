#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The tamper-evident audit log across processes (issue 14): three
//! `accord` devices create a wallet and co-sign; the phone's log is
//! exported while its daemon runs and checked by `accord audit verify` on
//! another device; one event edited, deleted or moved in the file, the
//! file cut short, or its header changed, and the check fails, naming the
//! line.

mod common;

use accord_chains::Chain;
use common::{ANVIL_ACCOUNT_1, Device, ETHER, Trio, Unsigned, eth_transfer};
use serde_json::Value;

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write(path: &std::path::Path, lines: &[String]) {
    std::fs::write(path, format!("{}\n", lines.join("\n"))).unwrap();
}

/// `accord audit verify` on `lines`: its failure message.
fn refused(checker: &Device, path: &std::path::Path, lines: &[String]) -> String {
    write(path, lines);
    let run = checker.run(&["audit", "verify", path.to_str().unwrap()]);
    assert!(!run.status.success(), "a changed log verified: {run:?}");
    run.stderr
}

#[test]
fn an_exported_log_verifies_and_every_change_is_named() {
    let trio = Trio::new(true, &[]);
    let tx = Unsigned {
        chain: Chain::Ethereum,
        bytes: eth_transfer(7, ANVIL_ACCOUNT_1, ETHER / 100),
        spent: Vec::new(),
    };
    let signed = trio.desktop.sign("w", &tx);
    common::verify(&trio.wallet, &tx, &signed.signed);

    // Exported from the phone while its daemon runs.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("phone-audit.jsonl");
    let exported = trio
        .phone
        .json(&["audit", "export", "--out", file.to_str().unwrap()]);
    let phone_id = trio.phone_daemon.as_ref().unwrap().device_id.clone();
    assert_eq!(exported["device"], phone_id.as_str(), "{exported}");
    let original = lines(&file);
    assert!(
        original.iter().any(|l| l.contains("\"kind\":\"cosigned\"")),
        "the co-signature is in the phone's log: {original:?}"
    );
    assert!(original.iter().any(|l| l.contains("\"kind\":\"created\"")));

    // Checked on another device.
    let checker = Device::new("checker", 0x66);
    let verified: Value = checker.json(&["audit", "verify", file.to_str().unwrap()]);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["device"], phone_id.as_str(), "{verified}");
    let events = u64::try_from(original.len() - 2).unwrap();
    assert_eq!(verified["events"], events, "{verified}");

    // The co-signature's event edited.
    let at = original
        .iter()
        .position(|l| l.contains("\"kind\":\"cosigned\""))
        .unwrap();
    let seq = |line: &str| -> i64 {
        serde_json::from_str::<Value>(line).unwrap()["seq"]
            .as_i64()
            .unwrap()
    };
    let mut edited = original.clone();
    edited[at] = edited[at].replace("\"kind\":\"cosigned\"", "\"kind\":\"rejected\"");
    let message = refused(&checker, &file, &edited);
    assert!(
        message.contains(&format!("line {} (event {})", at + 1, seq(&original[at])))
            && message.contains("edited"),
        "{message}"
    );

    // An event in the middle deleted: the line after it is named.
    let mut deleted = original.clone();
    deleted.remove(2);
    let message = refused(&checker, &file, &deleted);
    assert!(
        message.contains(&format!("line 3 (event {})", seq(&original[3])))
            && message.contains("removed"),
        "{message}"
    );

    // Two events swapped.
    let mut moved = original.clone();
    moved.swap(2, 3);
    let message = refused(&checker, &file, &moved);
    assert!(message.contains("line 3 ("), "{message}");

    // The last event cut (the signed end counts it).
    let mut cut = original.clone();
    cut.remove(cut.len() - 2);
    let message = refused(&checker, &file, &cut);
    assert!(
        message.contains(&format!("counts {events} events")),
        "{message}"
    );

    // Another device's name in the header: the signature fails.
    let mut renamed = original.clone();
    renamed[0] = renamed[0].replace("\"name\":\"phone\"", "\"name\":\"mallory\"");
    assert_ne!(renamed[0], original[0]);
    let message = refused(&checker, &file, &renamed);
    assert!(message.contains("signature"), "{message}");

    // Unchanged, it verifies again (the checks above were of the changes).
    write(&file, &original);
    let again: Value = checker.json(&["audit", "verify", file.to_str().unwrap()]);
    assert_eq!(again["ok"], true);
}
