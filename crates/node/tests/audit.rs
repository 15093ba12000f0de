//! The event log's hash chain as the store keeps it: every way an event is
//! written is chained, an export verifies, a log written before the chain
//! existed is chained when the store is opened, and an event edited in the
//! database (by someone who removed the store's own guard) is found.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use accord_node::audit::{self, AuditError};
use accord_node::event::EventKind;
use accord_node::facade::Vault;
use accord_node::secret::Protector;
use accord_node::store::Store;
use zeroize::Zeroizing;

fn protector() -> Protector {
    Protector::Key(Zeroizing::new([7; 32]))
}

fn logged(vault: &mut Vault, n: usize) {
    for i in 0..n {
        vault
            .log_event(
                None,
                EventKind::Paired,
                &format!("event {i}"),
                100 + i as i64,
            )
            .unwrap();
    }
}

#[test]
fn an_export_of_the_store_verifies_and_names_an_edit_made_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = Vault::open(dir.path(), &protector()).unwrap();
    logged(&mut vault, 5);
    let device = vault.device_id().unwrap();
    let file = vault.export_audit(1000).unwrap();
    let summary = audit::verify(&file).unwrap();
    assert_eq!(summary.events, 5);
    assert_eq!(summary.device, hex::encode(device.as_bytes()));
    drop(vault);

    // The store refuses to edit an event...
    let conn = rusqlite::Connection::open(dir.path().join("accord.db")).unwrap();
    let refused = conn.execute("UPDATE events SET detail = 'x' WHERE seq = 3", []);
    assert!(refused.is_err(), "the log is append-only");
    // ... and a writer without the chain's function cannot add one.
    assert!(
        conn.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, 1, 'paired', 'forged')",
            []
        )
        .is_err()
    );
    // Someone who drops the guard edits event 3 in place: the next export
    // (signed by the device, which does not know) names it.
    conn.execute_batch(
        "DROP TRIGGER events_no_update;
         UPDATE events SET detail = 'edited' WHERE seq = 3;",
    )
    .unwrap();
    drop(conn);
    let mut vault = Vault::open(dir.path(), &protector()).unwrap();
    let file = vault.export_audit(2000).unwrap();
    assert_eq!(
        audit::verify(&file),
        Err(AuditError::Edited { line: 4, seq: 3 })
    );
}

#[test]
fn events_written_before_the_chain_are_chained_on_opening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accord.db");
    {
        let _ = Store::open(&path, &protector(), 1).unwrap();
    }
    // Back to version 8 (no chain), and events written then.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_chain;
         DROP TRIGGER events_no_update;
         DROP TABLE team_votes;
         DROP TABLE team_proposals;
         DROP TABLE team_proposers;
         DROP TABLE team_watched;
         DELETE FROM generations WHERE name = 'team';
         ALTER TABLE events DROP COLUMN prev;
         ALTER TABLE events DROP COLUMN hash;
         CREATE TRIGGER events_no_update BEFORE UPDATE ON events
             BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
         INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, 5, 'paired', 'old one');
         INSERT INTO events (wallet_id, at, kind, detail) VALUES ('w', 6, 'signed', 'old two');
         PRAGMA user_version = 8;",
    )
    .unwrap();
    drop(conn);
    let mut vault = Vault::open(dir.path(), &protector()).unwrap();
    logged(&mut vault, 2);
    let file = vault.export_audit(10).unwrap();
    let summary = audit::verify(&file).unwrap();
    let total: u64 = vault.events(None, 0).unwrap().len().try_into().unwrap();
    assert_eq!(summary.events, total);
    assert!(total >= 4);
}
