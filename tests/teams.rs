#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Teams across processes (issue 14): a 2-of-3 wallet of three `accord`
//! devices, no recovery server. Alice proposes an ETH transfer while Bob
//! and Carol are offline (her daemon runs: it is the team's mailbox); Bob
//! starts later, pulls the proposal from Alice, and approves it with
//! `accord proposals approve`; Alice's daemon signs it with Bob's — nobody
//! acts again — and the signature is checked by another library (alloy,
//! k256) and mined on Anvil. Carol, started last, pulls it and sees it
//! done. Bob's daemon co-signs only because his person approved that very
//! proposal: it runs without `--auto-approve`, asks nobody, and an
//! unapproved signing of the same wallet from Alice is refused.
//!
//! A proposer-only device (paired, no share) proposes; its own approval
//! never counts, it cannot approve, and its grant can be withdrawn.
//!
//! Anvil is `$ACCORD_ANVIL` (set by scripts/test), else `anvil` on `PATH`.

#[path = "support/anvil.rs"]
mod anvil;
mod common;

use std::time::{Duration, Instant};

use accord_chains::Chain;
use anvil::Anvil;
use common::{ANVIL_ACCOUNT_1, Device, ETHER, Unsigned, Wallet, eth_transfer, verify_ethereum};
use serde_json::{Value, json};

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> Option<Value>) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = ok() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `accord propose` of an Ethereum transaction to wallet `team`.
fn propose(d: &Device, unsigned_hex: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "propose",
        "--wallet",
        "team",
        "--chain",
        "ethereum",
        "--unsigned",
        unsigned_hex,
    ];
    args.extend_from_slice(extra);
    d.json(&args)
}

/// `accord proposals show ID` on `d`, if `d` holds it yet.
fn shown_at(d: &Device, id: &str) -> Option<Value> {
    let run = d.run(&["--json", "proposals", "show", id]);
    run.status
        .success()
        .then(|| serde_json::from_str(run.stdout.trim()).unwrap())
}

/// Wallet `team` (`threshold` of 1 + `members.len()`) created by
/// `creator` with `members`, whose nodes join it auto-approving the
/// invitation only and are stopped right after; the creation's JSON.
fn team_wallet(creator: &Device, members: &[&Device], threshold: &str) -> Value {
    let joining: Vec<_> = members
        .iter()
        .map(|d| d.serve_with("member", true, &["--name", d.name], &[]))
        .collect();
    let mut args = vec![
        "wallet",
        "create",
        "--name",
        "team",
        "--threshold",
        threshold,
    ];
    for j in &joining {
        args.extend(["--peer", j.ticket.as_str()]);
    }
    let created = creator.json(&args);
    for j in joining {
        j.stop();
    }
    created
}

/// [`team_wallet`] 2-of-3 of `alice`, `bob` and `carol`, with 10 ETH on
/// Anvil.
fn funded_team(anvil: &Anvil, alice: &Device, bob: &Device, carol: &Device) -> Wallet {
    let w = Wallet::from_json(team_wallet(alice, &[bob, carol], "2"));
    anvil.rpc(
        "anvil_setBalance",
        json!([w.ethereum, format!("{:#x}", 10 * ETHER)]),
    );
    w
}

fn proposals(d: &Device) -> Vec<Value> {
    d.json(&["proposals", "list"]).as_array().unwrap().clone()
}

#[test]
fn a_proposal_made_while_the_others_are_offline_is_signed_once_a_quorum_approved() {
    let anvil = Anvil::start();
    let alice = Device::new("alice", 0x71);
    let bob = Device::new("bob", 0x72);
    let carol = Device::new("carol", 0x73);

    // The team's wallet: Bob's and Carol's nodes join it (auto-approving
    // the invitation only: they are stopped right after).
    let w = funded_team(&anvil, &alice, &bob, &carol);

    // Alice's node runs; she proposes while Bob and Carol are offline.
    let a = alice.serve_with("member", false, &["--name", "alice"], &[]);
    let tx = Unsigned {
        chain: Chain::Ethereum,
        bytes: eth_transfer(0, ANVIL_ACCOUNT_1, ETHER / 4),
        spent: Vec::new(),
    };
    let proposed = propose(
        &alice,
        &hex::encode(&tx.bytes),
        &["--note", "rent for March"],
    );
    assert_eq!(proposed["approvals"], 1, "{proposed}");
    assert_eq!(proposed["needs"], 2, "{proposed}");
    assert_eq!(proposed["status"], "open", "{proposed}");
    let id = proposed["proposal"].as_str().unwrap().to_owned();

    // Bob starts later and pulls it from Alice's mailbox.
    let b = bob.serve_with("member", false, &["--name", "bob"], &[]);
    let seen = wait_for(
        "Bob to receive the proposal",
        Duration::from_secs(30),
        || {
            proposals(&bob)
                .into_iter()
                .find(|p| p["proposal"] == id.as_str())
        },
    );
    assert_eq!(seen["note"], "rent for March", "{seen}");
    assert_eq!(seen["status"], "open", "{seen}");
    assert_eq!(seen["votes"][0]["vote"], "approve", "{seen}");
    // His own preview of the bytes: 0.25 ETH to the recipient.
    assert!(
        seen["preview"]
            .to_string()
            .contains(&ANVIL_ACCOUNT_1.to_lowercase()[2..])
            || seen["preview"]
                .to_string()
                .to_lowercase()
                .contains(&ANVIL_ACCOUNT_1.to_lowercase()),
        "{seen}"
    );

    // His node told its person (the phone stand-in's way).
    wait_for(
        "Bob's node to print the proposal",
        Duration::from_secs(10),
        || {
            b.proc
                .stderr()
                .contains(&format!(
                    "team proposal {id} waits for this device's approval"
                ))
                .then_some(Value::Null)
        },
    );
    // Another proposal spending the same nonce: once the first is signed
    // it is superseded, never signed.
    let rival = propose(
        &alice,
        &hex::encode(eth_transfer(0, ANVIL_ACCOUNT_1, ETHER / 2)),
        &[],
    );
    let rival_id = rival["proposal"].as_str().unwrap().to_owned();

    // Bob approves; Alice's node signs with his without anyone acting.
    let approved = bob.json(&["proposals", "approve", &id]);
    assert_eq!(approved["approvals"], 2, "{approved}");
    let done = wait_for(
        "the signed proposal at Alice",
        Duration::from_secs(60),
        || {
            let v = alice.json(&["proposals", "show", &id]);
            (v["status"] == "done").then_some(v)
        },
    );
    let signed = done["signed"].as_str().unwrap();
    let raw = hex::decode(signed.trim_start_matches("0x")).unwrap();
    let (_, hash) = verify_ethereum(&w, &raw, Some(&tx.bytes));
    assert_eq!(
        format!("0x{}", hex::encode(hash)),
        done["txid"].as_str().unwrap().to_lowercase()
    );
    let sent = anvil.rpc("eth_sendRawTransaction", json!([signed]));
    let receipt = anvil.receipt(sent.as_str().unwrap());
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    // Bob's node has the result too.
    wait_for("the result at Bob", Duration::from_secs(30), || {
        let v = bob.json(&["proposals", "show", &id]);
        (v["status"] == "done").then_some(v)
    });
    // The rival is superseded: Bob cannot approve it any more.
    let shown = bob.json(&["proposals", "show", &rival_id]);
    assert_eq!(shown["status"], "superseded", "{shown}");
    let refused = bob.fails(&["proposals", "approve", &rival_id]);
    assert!(refused.contains("superseded"), "{refused}");

    // Carol comes online and sees it done (pulled, its signature checked
    // by her own node).
    let c = carol.serve_with("member", false, &["--name", "carol"], &[]);
    let at_carol = wait_for("the result at Carol", Duration::from_secs(30), || {
        shown_at(&carol, &id).filter(|v| v["status"] == "done")
    });
    assert_eq!(at_carol["txid"], done["txid"]);

    // Bob's node signs nothing its person did not approve: the same
    // wallet's transfer signed from Alice directly is refused.
    let other = eth_transfer(1, ANVIL_ACCOUNT_1, ETHER / 4);
    let refused = alice.run(&[
        "sign-tx",
        "--wallet",
        "team",
        "--chain",
        "ethereum",
        "--unsigned",
        &hex::encode(&other),
        "--yes",
        "--cosigner",
        "2",
    ]);
    assert!(!refused.status.success(), "{refused:?}");

    // A proposal that expires is closed: a late approval is refused and
    // nothing is signed.
    let late = propose(
        &alice,
        &hex::encode(eth_transfer(1, ANVIL_ACCOUNT_1, ETHER / 8)),
        &["--expires", "2"],
    );
    let late_id = late["proposal"].as_str().unwrap().to_owned();
    wait_for(
        "Bob to receive the second proposal",
        Duration::from_secs(30),
        || {
            proposals(&bob)
                .into_iter()
                .find(|p| p["proposal"] == late_id.as_str())
        },
    );
    std::thread::sleep(Duration::from_secs(3));
    let refused = bob.fails(&["proposals", "approve", &late_id]);
    assert!(refused.contains("expired"), "{refused}");
    std::thread::sleep(Duration::from_secs(2));
    let shown = alice.json(&["proposals", "show", &late_id]);
    assert_eq!(shown["status"], "expired", "{shown}");
    assert!(shown["signed"].is_null(), "{shown}");

    // Alice's audit log holds the proposal and both signed approvals,
    // each checked by `audit verify` elsewhere.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alice.jsonl");
    alice.json(&["audit", "export", "--out", file.to_str().unwrap()]);
    let checked = carol.json(&["audit", "verify", file.to_str().unwrap()]);
    assert_eq!(checked["ok"], true, "{checked}");
    assert!(checked["statements"].as_u64().unwrap() >= 2, "{checked}");

    a.stop();
    b.stop();
    c.stop();
}

/// The signed transactions Alice's store holds for wallet `team`.
fn signed_events(d: &Device) -> usize {
    let db = rusqlite::Connection::open_with_flags(
        d.db_path(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    db.query_row(
        "SELECT COUNT(*) FROM events WHERE kind = 'signed'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .unwrap()
    .try_into()
    .unwrap()
}

#[test]
fn members_killed_while_an_approval_is_in_flight_lose_nothing_and_sign_once() {
    let alice = Device::new("alice", 0x81);
    let bob = Device::new("bob", 0x82);
    let carol = Device::new("carol", 0x83);
    let w = Wallet::from_json(team_wallet(&alice, &[&bob, &carol], "2"));
    let mut a = alice.serve_with("member", false, &["--name", "alice"], &[]);
    let mut b = bob.serve_with("member", false, &["--name", "bob"], &[]);
    let tx = eth_transfer(0, ANVIL_ACCOUNT_1, ETHER / 4);
    let proposed = propose(&alice, &hex::encode(&tx), &[]);
    let id = proposed["proposal"].as_str().unwrap().to_owned();
    wait_for(
        "Bob to receive the proposal",
        Duration::from_secs(30),
        || {
            proposals(&bob)
                .into_iter()
                .find(|p| p["proposal"] == id.as_str())
        },
    );
    // Bob approves; both daemons die at once (SIGKILL), the approval
    // perhaps not yet sent, the signing perhaps begun.
    bob.json(&["proposals", "approve", &id]);
    b.proc.kill9();
    a.proc.kill9();
    // Back up: the approval was kept, reaches Alice, and she signs — once.
    let a2 = alice.serve_with("member", false, &["--name", "alice"], &[]);
    let b2 = bob.serve_with("member", false, &["--name", "bob"], &[]);
    let done = wait_for("the signed proposal", Duration::from_secs(60), || {
        let v = alice.json(&["proposals", "show", &id]);
        (v["status"] == "done").then_some(v)
    });
    let raw = hex::decode(done["signed"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    verify_ethereum(&w, &raw, Some(&tx));
    // Nothing signed twice: one signature event, and no new one after a
    // while (the node does not sign a done proposal again).
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(signed_events(&alice), 1);
    let at_bob = wait_for("the result at Bob", Duration::from_secs(30), || {
        let v = bob.json(&["proposals", "show", &id]);
        (v["status"] == "done").then_some(v)
    });
    assert_eq!(at_bob["txid"], done["txid"]);
    a2.stop();
    b2.stop();
}

#[test]
fn in_a_3_of_5_team_rejections_close_a_proposal_only_when_no_quorum_can_remain() {
    let devices: Vec<Device> = ["alice", "bob", "carol", "dave", "erin"]
        .iter()
        .zip(0x91u8..)
        .map(|(name, n)| Device::new(name, n))
        .collect();
    // The four members join (auto-approving the invitation only).
    let members: Vec<&Device> = devices[1..].iter().collect();
    let created = team_wallet(&devices[0], &members, "3");
    assert_eq!(created["threshold"], 3, "{created}");
    assert_eq!(created["parties"], 5, "{created}");
    // Every member's node runs, approving nothing by itself.
    let daemons: Vec<_> = devices
        .iter()
        .map(|d| d.serve_with("member", false, &["--name", d.name], &[]))
        .collect();
    let alice = &devices[0];
    let proposed = propose(
        alice,
        &hex::encode(eth_transfer(0, ANVIL_ACCOUNT_1, ETHER)),
        &[],
    );
    let id = proposed["proposal"].as_str().unwrap().to_owned();
    assert_eq!(proposed["needs"], 3, "{proposed}");
    for d in &devices[1..] {
        wait_for(
            "every member to hold the proposal",
            Duration::from_secs(30),
            || {
                proposals(d)
                    .into_iter()
                    .find(|p| p["proposal"] == id.as_str())
            },
        );
    }
    // Two rejections: alice, dave and erin can still make three.
    for d in &devices[1..3] {
        d.json(&["proposals", "reject", &id, "--reason", "not this month"]);
    }
    let shown = wait_for("both rejections at Alice", Duration::from_secs(30), || {
        let v = alice.json(&["proposals", "show", &id]);
        (v["rejections"] == 2).then_some(v)
    });
    assert_eq!(shown["status"], "open", "{shown}");
    // A third: no quorum of three can remain.
    devices[3].json(&["proposals", "reject", &id]);
    let shown = wait_for(
        "the proposal closed at Alice",
        Duration::from_secs(30),
        || {
            let v = alice.json(&["proposals", "show", &id]);
            (v["status"] == "rejected").then_some(v)
        },
    );
    assert_eq!(shown["rejections"], 3, "{shown}");
    assert!(shown["signed"].is_null(), "{shown}");
    // Erin can no longer approve it.
    wait_for(
        "the third rejection at Erin",
        Duration::from_secs(30),
        || {
            let v = devices[4].json(&["proposals", "show", &id]);
            (v["status"] == "rejected").then_some(v)
        },
    );
    let refused = devices[4].fails(&["proposals", "approve", &id]);
    assert!(refused.contains("rejected"), "{refused}");
    for d in daemons {
        d.stop();
    }
}

/// `accord proposers list` on `d`.
fn proposing_to(d: &Device) -> Vec<Value> {
    d.json(&["proposers", "list"])["proposing_to"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_proposer_only_device_proposes_but_never_approves_and_can_be_withdrawn() {
    let anvil = Anvil::start();
    let alice = Device::new("alice", 0xa1);
    let bob = Device::new("bob", 0xa2);
    let carol = Device::new("carol", 0xa3);
    let pat = Device::new("pat", 0xa4);
    let w = funded_team(&anvil, &alice, &bob, &carol);

    // Pat's device holds no share; Alice pairs with it and lets it propose.
    let p = pat.serve_with("member", false, &["--name", "pat"], &[]);
    let b = bob.serve_with("member", false, &["--name", "bob"], &[]);
    let granted = alice.json(&[
        "proposers",
        "add",
        "--wallet",
        "team",
        "--ticket",
        &p.ticket,
        "--name",
        "Pat",
    ]);
    assert_eq!(granted["active"], true, "{granted}");
    let pat_id = granted["proposer"].as_str().unwrap().to_owned();
    // Pat's node holds the wallet's card; Bob's the grant.
    let card = wait_for("the wallet at Pat", Duration::from_secs(30), || {
        proposing_to(&pat).into_iter().next()
    });
    assert_eq!(card["wallet"], "team", "{card}");
    assert_eq!(card["threshold"], 2, "{card}");
    assert_eq!(card["active"], true, "{card}");
    wait_for("the grant at Bob", Duration::from_secs(30), || {
        let v = bob.json(&["proposers", "list", "--wallet", "team"]);
        (v["proposers"][0]["device"] == pat_id.as_str()).then_some(v)
    });

    // Pat proposes: no approval of its own counts.
    let tx = eth_transfer(0, ANVIL_ACCOUNT_1, ETHER / 4);
    let proposed = propose(&pat, &hex::encode(&tx), &["--note", "team lunch"]);
    assert_eq!(proposed["approvals"], 0, "{proposed}");
    assert_eq!(proposed["needs"], 2, "{proposed}");
    assert_eq!(proposed["status"], "open", "{proposed}");
    assert_eq!(proposed["proposer_only"], true, "{proposed}");
    let id = proposed["proposal"].as_str().unwrap().to_owned();
    // It cannot approve or reject.
    let refused = pat.fails(&["proposals", "approve", &id]);
    assert!(refused.contains("not approve"), "{refused}");

    // Bob sees it as Pat's and approves: one of two, still open.
    let seen = wait_for("the proposal at Bob", Duration::from_secs(30), || {
        shown_at(&bob, &id)
    });
    assert_eq!(seen["proposer"], "Pat (proposer)", "{seen}");
    assert_eq!(seen["note"], "team lunch", "{seen}");
    let approved = bob.json(&["proposals", "approve", &id]);
    assert_eq!(approved["approvals"], 1, "{approved}");
    assert_eq!(approved["status"], "open", "{approved}");
    std::thread::sleep(Duration::from_secs(2));
    let still = bob.json(&["proposals", "show", &id]);
    assert_eq!(still["status"], "open", "{still}");
    assert!(still["signed"].is_null(), "{still}");

    // Alice approves (no daemon: the command pulls, votes and signs with
    // Bob's node); Pat sees the signed transaction.
    alice.json(&["proposals", "approve", &id]);
    let done = wait_for("the result at Pat", Duration::from_secs(60), || {
        shown_at(&pat, &id).filter(|v| v["status"] == "done")
    });
    let signed = done["signed"].as_str().unwrap();
    let raw = hex::decode(signed.trim_start_matches("0x")).unwrap();
    verify_ethereum(&w, &raw, Some(&tx));
    let sent = anvil.rpc("eth_sendRawTransaction", json!([signed]));
    assert_eq!(anvil.receipt(sent.as_str().unwrap())["status"], "0x1");

    // Alice withdraws the grant: Pat's node learns it and proposes no
    // more; Bob's node holds the withdrawal (and lets Pat in no more).
    let removed = alice.json(&[
        "proposers",
        "remove",
        "--wallet",
        "team",
        "--device",
        &pat_id,
    ]);
    assert_eq!(removed["active"], false, "{removed}");
    wait_for("the withdrawal at Pat", Duration::from_secs(40), || {
        proposing_to(&pat)
            .into_iter()
            .find(|c| c["active"] == false)
    });
    let refused = pat.fails(&[
        "propose",
        "--wallet",
        "team",
        "--chain",
        "ethereum",
        "--unsigned",
        &hex::encode(eth_transfer(1, ANVIL_ACCOUNT_1, ETHER)),
    ]);
    assert!(refused.contains("no longer"), "{refused}");
    wait_for("the withdrawal at Bob", Duration::from_secs(30), || {
        let v = bob.json(&["proposers", "list", "--wallet", "team"]);
        (v["proposers"][0]["active"] == false).then_some(v)
    });
    // Alice's audit log holds her signed grant and withdrawal and the
    // signed votes (Pat's own approval among them), each checked.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alice.jsonl");
    alice.json(&["audit", "export", "--out", file.to_str().unwrap()]);
    let checked = bob.json(&["audit", "verify", file.to_str().unwrap()]);
    assert_eq!(checked["ok"], true, "{checked}");
    assert!(checked["statements"].as_u64().unwrap() >= 5, "{checked}");
    p.stop();
    b.stop();
}
