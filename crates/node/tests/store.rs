//! The store's promises: shares sealed at rest and validated on load, a wrong
//! key refused up front, a corrupt share detected without losing anything
//! else, nonces consumed once (also across restarts), no session left
//! "running" by a crash, wallets never created over existing data, an
//! append-only log, wallets stored before every member confirmed invisible
//! until committed, removed devices kept out, owner-only files — and a
//! device killed at any instant restarts consistent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use accord_mpc::{KeyShare, Parameters, Scheme, SessionId, sim};
use accord_node::event::EventKind;
use accord_node::secret::Protector;
use accord_node::session::Role;
use accord_node::store::{
    DeviceStore, EventLog, KeygenOutcome, Member, NewWalletOwned, PairedDevice, SessionJournal,
    SigningBegin, SigningEnd, Store, StoreError, WalletRecord, WalletState, WalletStore,
};
use accord_node::wallet::Network;
use iroh::{EndpointAddr, SecretKey};
use rand_core::{OsRng, RngCore};
use rusqlite::Connection;
use zeroize::Zeroizing;

/// Begins signing `session` (no spends), as the runner does.
fn begin(
    store: &mut Store,
    session: SessionId,
    wallet: &str,
    parts: &[(SessionId, Scheme)],
    now: i64,
    deadline: i64,
) -> Result<(), StoreError> {
    store.begin_signing(
        &SigningBegin {
            session,
            wallet,
            parts,
            deadline,
            spends: None,
            uses: None,
        },
        now,
    )
}

fn id(n: u8) -> iroh::EndpointId {
    SecretKey::from_bytes(&[n; 32]).public()
}

/// A wallet of `shares` with a fresh id, members parties 1 and 2.
fn new_wallet(name: &str, shares: &[&Arc<KeyShare>]) -> NewWalletOwned {
    let mut raw = [0u8; 16];
    OsRng.fill_bytes(&mut raw);
    let mut session = [0u8; 32];
    session[..16].copy_from_slice(&raw);
    NewWalletOwned {
        id: hex::encode(raw),
        name: name.into(),
        network: Network::Regtest,
        shares: shares.iter().map(|s| Arc::clone(s)).collect(),
        members: [1u8, 2]
            .iter()
            .map(|&p| Member {
                party: p,
                device: id(p),
                name: format!("m{p}"),
                addr: EndpointAddr::new(id(p)),
                role: Role::Member,
            })
            .collect(),
        session,
        epoch: 0,
        initiator: id(1),
        policy: None,
        policy_approval: Vec::new(),
    }
}

fn create(
    store: &mut Store,
    name: &str,
    shares: &[&Arc<KeyShare>],
    now: i64,
) -> Result<WalletRecord, StoreError> {
    store.store_wallet(&new_wallet(name, shares), WalletState::Active, now)
}

/// A part id of session `s`.
fn part(s: SessionId) -> SessionId {
    let mut p = s.0;
    p[31] ^= 0xff;
    SessionId(p)
}

fn pass(p: &str) -> Protector {
    Protector::Passphrase(Zeroizing::new(p.to_owned()))
}

fn frost_shares() -> Vec<Arc<KeyShare>> {
    sim::keygen(
        Scheme::FrostEd25519,
        Parameters::new(2, 3).unwrap(),
        &mut OsRng,
    )
    .unwrap()
    .0
}

fn taproot_share_of(party: u8) -> Arc<KeyShare> {
    let (s, _) = sim::keygen(
        Scheme::FrostTaproot,
        Parameters::new(2, 3).unwrap(),
        &mut OsRng,
    )
    .unwrap();
    s.into_iter().find(|s| s.party().get() == party).unwrap()
}

#[test]
fn shares_round_trip_and_a_wrong_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accord.db");
    let ed = frost_shares();
    let tr = taproot_share_of(1);
    {
        let mut store = Store::open(&db, &pass("hunter22"), 1).unwrap();
        create(&mut store, "savings", &[&ed[0], &tr], 10).unwrap();
    }
    // No run of the serialized share (secret included) is in the files in
    // the clear — except its public parts (the group key is stored in the
    // clear on purpose, to show addresses without unsealing).
    let mut file = std::fs::read(&db).unwrap();
    file.extend(std::fs::read(dir.path().join("accord.db-wal")).unwrap_or_default());
    let plain = ed[0].to_bytes().unwrap();
    let public = [ed[0].group_key().to_bytes(), tr.group_key().to_bytes()].concat();
    let distinctive = |w: &&[u8]| w.iter().collect::<std::collections::BTreeSet<_>>().len() > 12;
    let secret_part = |w: &&[u8]| !public.windows(16).any(|p| p == *w);
    for p in plain.windows(16).filter(distinctive).filter(secret_part) {
        assert!(
            !file.windows(16).any(|w| w == p),
            "share bytes stored in the clear"
        );
    }

    let store = Store::open(&db, &pass("hunter22"), 20).unwrap();
    let wallet = store.wallet("savings").unwrap();
    assert_eq!((wallet.threshold, wallet.parties, wallet.party), (2, 3, 1));
    assert_eq!(
        store
            .share(&wallet, Scheme::FrostEd25519)
            .unwrap()
            .group_key(),
        ed[0].group_key()
    );
    assert_eq!(
        store
            .share(&wallet, Scheme::FrostTaproot)
            .unwrap()
            .group_key(),
        tr.group_key()
    );
    assert!(matches!(
        store.share(&wallet, Scheme::Ecdsa),
        Err(StoreError::NotFound(_))
    ));
    drop(store);
    assert!(matches!(
        Store::open(&db, &pass("hunter2"), 30),
        Err(StoreError::WrongKey)
    ));
}

#[test]
fn a_corrupt_share_is_detected_and_nothing_else_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("accord.db");
    let ed = frost_shares();
    let tr = taproot_share_of(1);
    let mut store = Store::open(&db, &pass("pw"), 1).unwrap();
    let wallet = create(&mut store, "w", &[&ed[0], &tr], 1).unwrap();
    let raw = Connection::open(&db).unwrap();
    let mut sealed: Vec<u8> = raw
        .query_row(
            "SELECT sealed FROM shares WHERE scheme = ?1",
            [Scheme::FrostEd25519.code()],
            |r| r.get(0),
        )
        .unwrap();
    sealed[40] ^= 0x01;
    raw.execute(
        "UPDATE shares SET sealed = ?1 WHERE scheme = ?2",
        rusqlite::params![sealed, Scheme::FrostEd25519.code()],
    )
    .unwrap();
    assert!(matches!(
        store.share(&wallet, Scheme::FrostEd25519),
        Err(StoreError::CorruptShare {
            scheme: Scheme::FrostEd25519,
            ..
        })
    ));
    assert!(
        store.share(&wallet, Scheme::FrostTaproot).is_ok(),
        "the other share still loads"
    );
    // A share moved under another wallet does not open there either.
    let other = create(&mut store, "other", &[&taproot_share_of(1)], 2).unwrap();
    raw.execute(
            "UPDATE shares SET sealed = (SELECT sealed FROM shares WHERE wallet_id = ?1 AND scheme = ?3) WHERE wallet_id = ?2 AND scheme = ?3",
            rusqlite::params![wallet.id, other.id, Scheme::FrostTaproot.code()],
        )
        .unwrap();
    assert!(matches!(
        store.share(&other, Scheme::FrostTaproot),
        Err(StoreError::CorruptShare { .. })
    ));
}

#[test]
fn wallets_are_never_created_over_existing_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db"), &pass("pw"), 1).unwrap();
    let ed = frost_shares();
    let first = create(&mut store, "w", &[&ed[0]], 1).unwrap();
    assert!(matches!(
        create(&mut store, "w", &[&ed[1]], 2),
        Err(StoreError::WalletExists(_))
    ));
    assert_eq!(
        store
            .share(&first, Scheme::FrostEd25519)
            .unwrap()
            .party()
            .get(),
        1
    );
    assert!(matches!(
        create(&mut store, "x", &[&ed[0], &ed[1]], 3),
        Err(StoreError::Mismatched(_))
    ));
    assert!(matches!(
        create(&mut store, "y", &[], 3),
        Err(StoreError::Mismatched(_))
    ));
    assert_eq!(store.wallets().unwrap().len(), 1);
}

#[test]
fn nonces_are_consumed_once_and_crashed_sessions_end_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let session = SessionId([9; 32]);
    let parts = [(part(session), Scheme::FrostEd25519)];
    let wallet;
    {
        let mut store = Store::open(&db, &pass("pw"), 1).unwrap();
        let ed = frost_shares();
        wallet = create(&mut store, "w", &[&ed[0]], 1).unwrap();
        begin(&mut store, session, &wallet.id, &parts, 2, 62).unwrap();
        assert!(store.seen(session).unwrap() && store.seen(part(session)).unwrap());
        // A replay of the session, or of its part in another session: refused.
        assert!(matches!(
            begin(&mut store, session, &wallet.id, &[], 3, 63),
            Err(StoreError::NonceConsumed(_))
        ));
        assert!(matches!(
            begin(&mut store, SessionId([8; 32]), &wallet.id, &parts, 3, 63),
            Err(StoreError::NonceConsumed(_))
        ));
        // Nothing of the refused one was written.
        assert!(!store.seen(SessionId([8; 32])).unwrap());
        // The process "dies" here: the session is still running.
    }
    let mut store = Store::open(&db, &pass("pw"), 100).unwrap();
    // A mere open changes nothing (a daemon may be running on it); a node
    // starting recovers.
    let raw = Connection::open(&db).unwrap();
    let state: String = raw
        .query_row(
            "SELECT state FROM sessions WHERE id = ?1",
            [session.0.to_vec()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "running");
    assert_eq!(store.recover(100).unwrap(), 1);
    let state: String = raw
        .query_row(
            "SELECT state FROM sessions WHERE id = ?1",
            [session.0.to_vec()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "aborted");
    assert!(matches!(
        begin(&mut store, SessionId([7; 32]), &wallet.id, &parts, 101, 160),
        Err(StoreError::NonceConsumed(_))
    ));
    assert!(
        store
            .events(None, 0)
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::SessionAborted)
    );
    let end = SigningEnd {
        session,
        wallet: &wallet.id,
        outcome: Ok("late"),
        signatures: &[],
        ban: None,
        event: None,
    };
    assert!(
        store.end_signing(&end, 102).is_err(),
        "an aborted session stays aborted"
    );
}

#[test]
fn a_wallet_is_usable_only_once_committed_and_a_dropped_one_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db"), &pass("pw"), 1).unwrap();
    let ed = frost_shares();
    let new = new_wallet("pending", &[&ed[0]]);
    store.store_wallet(&new, WalletState::Pending, 1).unwrap();
    assert!(
        store.wallets().unwrap().is_empty(),
        "a pending wallet is not shown"
    );
    assert!(store.wallet("pending").is_err() && store.wallet_by_id(&new.id).is_err());
    assert_eq!(
        store.keygen_outcome(&new.session).unwrap(),
        KeygenOutcome::Pending
    );
    let pending = store.pending_wallets().unwrap();
    assert_eq!((pending.len(), pending[0].initiator), (1, id(1)));
    // Its members are let in (it may still be committed).
    assert!(store.pinned_ids().unwrap().contains(&id(2)));
    store.commit_wallet(&new.id, 2).unwrap();
    let w = store.wallet("pending").unwrap();
    store.share(&w, Scheme::FrostEd25519).unwrap();
    assert_eq!(
        store.keygen_outcome(&new.session).unwrap(),
        KeygenOutcome::Committed
    );
    store.commit_wallet(&new.id, 3).unwrap(); // again: done already

    let other = new_wallet("dropped", &[&ed[1]]);
    store.store_wallet(&other, WalletState::Pending, 4).unwrap();
    store.drop_wallet(&other.id, "a member failed", 5).unwrap();
    assert!(store.pending_wallets().unwrap().is_empty());
    assert_eq!(
        store.keygen_outcome(&other.session).unwrap(),
        KeygenOutcome::Unknown
    );
    // Dropping is only for wallets not committed.
    store.drop_wallet(&new.id, "late", 6).unwrap();
    assert!(
        store.wallet("pending").is_ok(),
        "a committed wallet is never dropped"
    );
    let kinds: Vec<EventKind> = store
        .events(None, 0)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&EventKind::Created) && kinds.contains(&EventKind::Dropped));
}

#[test]
fn a_removed_device_stays_out_even_as_a_wallet_member() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db"), &pass("pw"), 1).unwrap();
    let ed = frost_shares();
    create(&mut store, "w", &[&ed[0]], 1).unwrap();
    let device = PairedDevice {
        id: id(2),
        name: "phone".into(),
        addr: EndpointAddr::new(id(2)),
        paired_at: 1,
        last_seen: None,
    };
    store.pair_device(&device, 1).unwrap();
    assert!(store.pinned_ids().unwrap().contains(&id(2)));
    assert!(store.remove_device(&id(2), 2).unwrap());
    assert!(!store.remove_device(&id(2), 3).unwrap(), "removed once");
    assert!(store.devices().unwrap().is_empty());
    assert!(
        !store.pinned_ids().unwrap().contains(&id(2)),
        "a removed device is not let in as a wallet member either"
    );
    assert!(store.pinned_ids().unwrap().contains(&id(1)));
    // Paired again (a new ticket): back in.
    store.pair_device(&device, 4).unwrap();
    assert!(store.pinned_ids().unwrap().contains(&id(2)));
}

#[test]
fn a_corrupt_member_record_is_an_error_not_a_guess() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let mut store = Store::open(&db, &pass("pw"), 1).unwrap();
    let ed = frost_shares();
    let w = create(&mut store, "w", &[&ed[0]], 1).unwrap();
    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE peers SET endpoint_id = 'not an id' WHERE party = 2",
            [],
        )
        .unwrap();
    assert!(matches!(store.members(&w), Err(StoreError::Corrupt(_))));
}

#[cfg(unix)]
#[test]
fn the_store_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let vault = accord_node::Vault::open(&data, &pass("pw")).unwrap();
    drop(vault);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for file in ["accord.db", "accord.db-wal"] {
        let path = data.join(file);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{file}");
        }
    }
    // An existing store made readable by others is closed again on open.
    std::fs::set_permissions(
        data.join("accord.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    drop(accord_node::Vault::open(&data, &pass("pw")).unwrap());
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("accord.db")), 0o600);
}

#[test]
fn the_event_log_is_append_only_and_bans_stick() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let mut store = Store::open(&db, &pass("pw"), 1).unwrap();
    let ed = frost_shares();
    let w = create(&mut store, "w", &[&ed[0]], 1).unwrap();
    let session = SessionId([5; 32]);
    begin(
        &mut store,
        session,
        &w.id,
        &[(part(session), Scheme::Ecdsa)],
        2,
        60,
    )
    .unwrap();
    let ban = (Scheme::Ecdsa, 3, "OT consistency check failed".to_owned());
    let end = SigningEnd {
        session,
        wallet: &w.id,
        outcome: Err("aborted"),
        signatures: &[],
        ban: Some(&ban),
        event: None,
    };
    store.end_signing(&end, 5).unwrap();
    assert!(store.banned(&w, Scheme::Ecdsa).unwrap().contains(&3));
    assert!(!store.banned(&w, Scheme::Ecdsa).unwrap().contains(&2));
    assert!(
        store.banned(&w, Scheme::FrostTaproot).unwrap().is_empty(),
        "per scheme"
    );
    let kinds: Vec<EventKind> = store
        .events(Some(&w.id), 0)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Created,
            EventKind::SessionAborted,
            EventKind::Banned
        ]
    );
    let raw = Connection::open(&db).unwrap();
    assert!(raw.execute("UPDATE events SET detail = 'x'", []).is_err());
    assert!(raw.execute("DELETE FROM events", []).is_err());
    assert_eq!(store.events(Some(&w.id), 0).unwrap().len(), 3);
    // Events after a sequence number.
    let first = store.events(None, 0).unwrap()[0].seq;
    assert_eq!(
        store.events(None, first).unwrap().len(),
        store.events(None, 0).unwrap().len() - 1
    );
}

/// The child: per wallet, one transaction creating it with its share, then a
/// session that journals its nonce and ends — as fast as it can until killed.
#[test]
#[ignore = "run by kill_nine_at_any_instant_leaves_a_consistent_store"]
fn crash_child() {
    let (Ok(db), Ok(round)) = (
        std::env::var("ACCORD_CRASH_DB"),
        std::env::var("ACCORD_CRASH_ROUND"),
    ) else {
        return;
    };
    let shares = frost_shares();
    let mut store = Store::open(Path::new(&db), &pass("pw"), 1).unwrap();
    for i in 0i64.. {
        let w = create(&mut store, &format!("r{round}-w{i}"), &[&shares[0]], i).unwrap();
        let session = session_of(&w.id);
        let parts = [(part(session), Scheme::FrostEd25519)];
        begin(&mut store, session, &w.id, &parts, i, i + 60).unwrap();
        let end = SigningEnd {
            session,
            wallet: &w.id,
            outcome: Ok("signed"),
            signatures: &[],
            ban: None,
            event: None,
        };
        store.end_signing(&end, i).unwrap();
    }
}

fn session_of(wallet_id: &str) -> SessionId {
    let mut out = [0u8; 32];
    for (o, b) in out.iter_mut().zip(wallet_id.bytes().cycle()) {
        *o = b;
    }
    SessionId(out)
}

#[test]
fn kill_nine_at_any_instant_leaves_a_consistent_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    // Kill instants spread over the child's run, varied per test run.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    let mut written = 0;
    for round in 0..6u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("ACCORD_CRASH_DB", &db)
            .env("ACCORD_CRASH_ROUND", round.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let ms = 200
            + (seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(round * 1442695040888963407)
                >> 33)
                % 400;
        std::thread::sleep(Duration::from_millis(ms));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child was still writing when killed"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let mut store = Store::open(&db, &pass("pw"), 1_000).unwrap();
        store.recover(1_000).unwrap();
        let conn = Connection::open(&db).unwrap();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let wallets = store.wallets().unwrap();
        let this_round = wallets
            .iter()
            .filter(|w| w.name.starts_with(&format!("r{round}-")))
            .count();
        assert!(this_round > 0, "round {round} wrote before it was killed");
        written += this_round;
        // Every wallet has its share, and it opens and validates.
        for w in &wallets {
            store.share(w, Scheme::FrostEd25519).unwrap();
        }
        // No session stays running; a finished session has its nonce journaled.
        let running: i64 = conn
            .query_row(
                "SELECT count(*) FROM sessions WHERE state = 'running'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(running, 0, "no session stays running after a restart");
        let mut done = conn
            .prepare("SELECT id FROM sessions WHERE state = 'done'")
            .unwrap();
        let ids: Vec<Vec<u8>> = done
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for id in ids {
            let session = SessionId(id.try_into().unwrap());
            assert!(
                store.seen(part(session)).unwrap(),
                "a finished session has its nonce journaled"
            );
        }
    }
    assert_eq!(
        Store::open(&db, &pass("pw"), 2_000)
            .unwrap()
            .wallets()
            .unwrap()
            .len(),
        written
    );
}

#[test]
fn a_delayed_transfer_is_used_up_with_the_nonces_and_cancels_stick() {
    use accord_node::policy::{DelayedTransfer, delayed};
    use accord_node::store::PolicyStore;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("a.db"), &pass("pw"), 0).unwrap();
    let shares = frost_shares();
    let w = create(&mut store, "w", &[&shares[0]], 1).unwrap();
    let intent = [7u8; 32];
    let t = DelayedTransfer {
        intent,
        summary: "0.1 ETH to bob".into(),
        first_seen: 10,
        eligible_at: 20,
        used_by: None,
        cancelled_by: Vec::new(),
    };
    // A member's report is kept as first received; this device's own entry
    // is its own.
    let member = "ab".repeat(32);
    // What the policy sync pushes changes the generation; a log entry or a
    // signing's journal alone does not.
    let generation = store.policy_generation().unwrap();
    store.log(Some(&w.id), EventKind::Signed, "x", 2).unwrap();
    assert_eq!(store.policy_generation().unwrap(), generation);
    assert!(store.queue_delayed(&w.id, "", &t).unwrap());
    assert!(store.policy_generation().unwrap() > generation);
    let later = DelayedTransfer {
        eligible_at: 99,
        ..t.clone()
    };
    assert!(store.queue_delayed(&w.id, &member, &t).unwrap());
    assert!(!store.queue_delayed(&w.id, &member, &later).unwrap());
    let held = store.delayed(&w).unwrap();
    assert_eq!(held.len(), 2);
    assert!(held.iter().all(|q| q.transfer.eligible_at == 20));

    // Signing it marks this device's entry used by the transaction, in the
    // nonce journal's write; a replayed session writes nothing.
    let session = SessionId([3; 32]);
    let tx = [9u8; 32];
    let begin = SigningBegin {
        session,
        wallet: &w.id,
        parts: &[(part(session), Scheme::FrostEd25519)],
        deadline: 100,
        spends: Some((&tx, &[])),
        uses: Some(&intent),
    };
    store.begin_signing(&begin, 30).unwrap();
    let own = |s: &Store| {
        s.delayed(&w)
            .unwrap()
            .into_iter()
            .find(|q| q.origin.is_empty())
            .unwrap()
    };
    assert_eq!(own(&store).transfer.used_by, Some(tx));

    // A cancel of an intent nobody queued is refused; of this one, kept.
    let key = SecretKey::from_bytes(&[5; 32]);
    let other = delayed::sign_cancel(&key, &w.id, &[8; 32]);
    assert!(matches!(
        store.cancel_delayed(&w.id, &[8; 32], &other, 40),
        Err(StoreError::NotFound(_))
    ));
    let c = delayed::sign_cancel(&key, &w.id, &intent);
    let generation = store.policy_generation().unwrap();
    assert!(store.cancel_delayed(&w.id, &intent, &c, 40).unwrap());
    assert!(store.policy_generation().unwrap() > generation);
    assert!(!store.cancel_delayed(&w.id, &intent, &c, 41).unwrap());
    drop(store);
    let store = Store::open(&dir.path().join("a.db"), &pass("pw"), 0).unwrap();
    assert_eq!(
        own(&store).transfer.cancelled_by,
        vec![hex::encode(key.public().as_bytes())]
    );
}
