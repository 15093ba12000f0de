//! The audit file's checks, each on the place it names.

use iroh::SecretKey;
use proptest::prelude::*;

use super::file::{AuditError, AuditHeader, ChainedEvent, verify, write};
use super::{GENESIS, event_hash};

fn chain(n: i64) -> Vec<ChainedEvent> {
    let mut prev = GENESIS;
    (1..=n)
        .map(|seq| {
            let wallet = (seq % 2 == 0).then(|| "w1".to_string());
            let kind = if seq % 3 == 0 { "signed" } else { "paired" };
            let detail = format!("event number {seq}");
            let hash = event_hash(&prev, seq, wallet.as_deref(), 1000 + seq, kind, &detail);
            let e = ChainedEvent {
                seq,
                at: 1000 + seq,
                wallet,
                kind: kind.into(),
                detail,
                prev: hex::encode(prev),
                hash: hex::encode(hash),
            };
            prev = hash;
            e
        })
        .collect()
}

fn key() -> SecretKey {
    SecretKey::from_bytes(&[7; 32])
}

fn file(events: &[ChainedEvent]) -> Vec<u8> {
    let header = AuditHeader::new(&key().public(), Some("desk".into()), 5000);
    write(&header, events, &key())
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    let mut s = lines.join("\n");
    s.push('\n');
    s.into_bytes()
}

#[test]
fn an_exported_log_verifies_and_its_signature_is_ed25519_by_the_device() {
    let bytes = file(&chain(6));
    let summary = verify(&bytes).unwrap();
    assert_eq!(summary.events, 6);
    assert_eq!(summary.device, hex::encode(key().public().as_bytes()));
    // The end's signature checked by another Ed25519 implementation (ring).
    let l = lines(&bytes);
    let end: serde_json::Value = serde_json::from_str(l.last().unwrap()).unwrap();
    let sig = hex::decode(end["end"]["signature"].as_str().unwrap()).unwrap();
    let mut message = b"accord audit end v1\0".to_vec();
    message.extend_from_slice(&<sha2::Sha256 as sha2::Digest>::digest(l[0].as_bytes()));
    message.extend_from_slice(&6u64.to_be_bytes());
    message.extend_from_slice(&hex::decode(&summary.head).unwrap());
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, key().public().as_bytes())
        .verify(&message, &sig)
        .unwrap();
    // An empty log verifies too.
    assert_eq!(verify(&file(&[])).unwrap().events, 0);
}

#[test]
fn an_edited_event_is_named() {
    let mut l = lines(&file(&chain(6)));
    l[3] = l[3].replace("event number 3", "event number 9");
    assert_eq!(
        verify(&join(&l)),
        Err(AuditError::Edited { line: 4, seq: 3 })
    );
}

#[test]
fn an_edit_with_its_hash_recomputed_breaks_the_next_link() {
    let mut events = chain(6);
    events[2].detail = "rewritten".into();
    let prev = hex::decode(&events[2].prev).unwrap();
    let e = &events[2];
    events[2].hash = hex::encode(event_hash(
        &prev,
        e.seq,
        e.wallet.as_deref(),
        e.at,
        &e.kind,
        &e.detail,
    ));
    // The file is signed again by the device (its key is not what is tested).
    assert_eq!(
        verify(&file(&events)),
        Err(AuditError::Broken {
            line: 5,
            seq: 4,
            before_line: 4,
            before_seq: 3
        })
    );
}

#[test]
fn a_removed_event_is_named() {
    let mut l = lines(&file(&chain(6)));
    l.remove(3); // event 3
    assert_eq!(
        verify(&join(&l)),
        Err(AuditError::Broken {
            line: 4,
            seq: 4,
            before_line: 3,
            before_seq: 2
        })
    );
    // The first event removed: the chain does not start at its beginning.
    let mut l = lines(&file(&chain(6)));
    l.remove(1);
    assert_eq!(
        verify(&join(&l)),
        Err(AuditError::NotFromStart { line: 2, seq: 2 })
    );
    // The last event removed: the signed end counts it.
    let mut l = lines(&file(&chain(6)));
    l.remove(6);
    assert!(matches!(
        verify(&join(&l)),
        Err(AuditError::Count {
            signed: 6,
            found: 5,
            line: 6
        })
    ));
    // The signed end removed.
    let mut l = lines(&file(&chain(6)));
    l.pop();
    assert_eq!(verify(&join(&l)), Err(AuditError::NoEnd { line: 7 }));
}

#[test]
fn reordered_events_are_named() {
    let mut l = lines(&file(&chain(6)));
    l.swap(3, 4); // events 3 and 4
    assert_eq!(
        verify(&join(&l)),
        Err(AuditError::Broken {
            line: 4,
            seq: 4,
            before_line: 3,
            before_seq: 2
        })
    );
}

#[test]
fn a_rewritten_chain_or_header_fails_the_signature() {
    // The whole chain recomputed after an edit, the end's head updated.
    let mut events = chain(6);
    events[2].detail = "rewritten".into();
    let mut prev = GENESIS;
    for e in &mut events {
        e.prev = hex::encode(prev);
        prev = event_hash(&prev, e.seq, e.wallet.as_deref(), e.at, &e.kind, &e.detail);
        e.hash = hex::encode(prev);
    }
    let original = lines(&file(&chain(6)));
    let mut l = lines(&file(&events));
    *l.last_mut().unwrap() = original.last().unwrap().clone();
    assert_eq!(verify(&join(&l)), Err(AuditError::Head { line: 7 }));
    let end: serde_json::Value = serde_json::from_str(original.last().unwrap()).unwrap();
    let forged = serde_json::json!({"end": {
        "events": 6, "head": hex::encode(prev), "signature": end["end"]["signature"]}});
    *l.last_mut().unwrap() = forged.to_string();
    assert_eq!(verify(&join(&l)), Err(AuditError::Signature));
    // Another device's name in the header.
    let mut l = lines(&file(&chain(6)));
    l[0] = l[0].replace("desk", "mallory");
    assert_eq!(verify(&join(&l)), Err(AuditError::Signature));
}

proptest! {
    #[test]
    fn verify_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = verify(&bytes);
    }

    #[test]
    fn any_changed_byte_of_a_log_is_found(at in 0usize..10_000, byte in any::<u8>()) {
        let bytes = file(&chain(4));
        let at = at % bytes.len();
        prop_assume!(bytes[at] != byte);
        let mut changed = bytes.clone();
        changed[at] = byte;
        prop_assert!(verify(&changed).is_err());
    }
}

/// A chain whose event 2 is a team vote signed by `signer` but naming
/// `named` as its device.
fn with_vote(signer: u8, named: u8) -> Vec<ChainedEvent> {
    let p = crate::team::TeamProposal {
        wallet_id: "w1".into(),
        chain: "ethereum".into(),
        unsigned: vec![1, 2, 3],
        note: String::new(),
        created_at: 1,
        expires_at: 100,
        proposer: "p".into(),
    };
    let mut v = crate::team::vote(
        &SecretKey::from_bytes(&[signer; 32]),
        &p,
        crate::team::VoteKind::Approve,
        "",
        5,
    );
    v.device = hex::encode(SecretKey::from_bytes(&[named; 32]).public().as_bytes());
    let detail = format!(
        "bob approved team proposal {}{}{}",
        v.proposal,
        super::SIGNED_VOTE,
        serde_json::to_string(&v).unwrap()
    );
    chained(vec![
        (None, "paired", "paired with bob".to_string()),
        (Some("w1"), "voted", detail),
        (None, "paired", "paired with carol".to_string()),
    ])
}

/// `rows` (wallet, kind, detail) as a chain from the genesis, one second
/// apart.
fn chained(rows: Vec<(Option<&str>, &str, String)>) -> Vec<ChainedEvent> {
    let mut prev = GENESIS;
    let mut out = Vec::new();
    for (i, (wallet, kind, detail)) in rows.into_iter().enumerate() {
        let seq = i64::try_from(i).unwrap() + 1;
        let hash = event_hash(&prev, seq, wallet, 10 + seq, kind, &detail);
        out.push(ChainedEvent {
            seq,
            at: 10 + seq,
            wallet: wallet.map(str::to_owned),
            kind: kind.into(),
            detail,
            prev: hex::encode(prev),
            hash: hex::encode(hash),
        });
        prev = hash;
    }
    out
}

#[test]
fn members_signed_votes_in_the_log_are_checked() {
    // A genuine vote: counted.
    let summary = verify(&file(&with_vote(2, 2))).unwrap();
    assert_eq!(summary.statements, 1);
    // The exporting device wrote a vote in bob's name that bob never
    // signed: its own chain and signature are fine, the vote is not.
    let forged = hex::encode(SecretKey::from_bytes(&[3; 32]).public().as_bytes());
    assert_eq!(
        verify(&file(&with_vote(2, 3))),
        Err(AuditError::DeviceSignature {
            line: 3,
            seq: 2,
            device: forged
        })
    );
}

/// A chain whose event 2 is member 2's grant of device 9 on `wallet`,
/// its name then changed to `name`.
fn with_grant(wallet: &str, name: &str) -> Vec<ChainedEvent> {
    let mut g = crate::team::grant(
        &SecretKey::from_bytes(&[2; 32]),
        "w1",
        &hex::encode(SecretKey::from_bytes(&[9; 32]).public().as_bytes()),
        "Pat",
        true,
        5,
    );
    g.name = name.into();
    let detail = format!(
        "bob granted Pat as a proposer-only device{}{}",
        super::SIGNED_GRANT,
        serde_json::to_string(&g).unwrap()
    );
    chained(vec![
        (None, "paired", "paired with bob".to_string()),
        (Some(wallet), "granted", detail),
    ])
}

#[test]
fn members_signed_grants_in_the_log_are_checked() {
    assert_eq!(
        verify(&file(&with_grant("w1", "Pat"))).unwrap().statements,
        1
    );
    let bob = hex::encode(SecretKey::from_bytes(&[2; 32]).public().as_bytes());
    let refused = Err(AuditError::DeviceSignature {
        line: 3,
        seq: 2,
        device: bob,
    });
    // Renamed in the log after it was signed; moved to another wallet.
    assert_eq!(verify(&file(&with_grant("w1", "Mallory"))), refused);
    assert_eq!(verify(&file(&with_grant("w2", "Pat"))), refused);
}
