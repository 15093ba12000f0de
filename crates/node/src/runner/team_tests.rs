//! What a member keeps of what arrives ([`super::team_receive::receive`],
//! [`super::team_grants::receive_grant`]) on a store in memory: proposals
//! only from members and granted proposers, a proposer's approval kept but
//! never counted, a withdrawn proposer's new proposals refused while the
//! votes on its earlier ones still travel, grants only from members —
//! and what a member pushes to a withdrawn proposer
//! ([`super::team_sync::push_for`]).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use iroh::{EndpointAddr, EndpointId, SecretKey};
use rusqlite::params;
use zeroize::Zeroizing;

use super::team_grants::receive_grant;
use super::team_receive::receive;
use super::team_sync::{Reader, push_for, reaches};
use super::team_wallet::team_wallet;
use crate::secret::Protector;
use crate::store::{ProposerStore, Store, TeamStore as _};
use crate::team::{TeamProposal, VoteKind, grant, tally, vote};
use crate::wire::TeamItem;

fn key(n: u8) -> SecretKey {
    SecretKey::from_bytes(&[n; 32])
}

fn id(n: u8) -> EndpointId {
    key(n).public()
}

fn hex_id(n: u8) -> String {
    hex::encode(id(n).as_bytes())
}

/// Wallet `w1`, 2-of-3 of devices 1 (this one), 2 and 3.
fn store() -> Store {
    let store = Store::in_memory(&Protector::Key(Zeroizing::new([5; 32])), 1).unwrap();
    let conn = store.conn_for_tests();
    conn.execute(
        "INSERT INTO wallets (id, name, threshold, parties, party, network, created_at)
         VALUES ('w1', 'team', 2, 3, 1, 'regtest', 1)",
        [],
    )
    .unwrap();
    for party in 1..=3u8 {
        conn.execute(
            "INSERT INTO peers (wallet_id, party, endpoint_id, name, addr, role)
             VALUES ('w1', ?1, ?2, ?3, '', 'member')",
            params![party, id(party).to_string(), format!("m{party}")],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO wallet_keys (wallet_id, scheme, public) VALUES ('w1', 2, ?1)",
        params![vec![7u8; 32]],
    )
    .unwrap();
    store
}

fn proposal(by: u8, nonce: u8) -> TeamProposal {
    TeamProposal {
        wallet_id: "w1".into(),
        chain: "ethereum".into(),
        unsigned: vec![2, nonce],
        note: String::new(),
        created_at: 10,
        expires_at: 1_000,
        proposer: hex_id(by),
    }
}

/// `p` with its proposer's signed approval.
fn item(p: &TeamProposal, by: u8) -> TeamItem {
    TeamItem {
        proposal: p.clone(),
        votes: vec![vote(&key(by), p, VoteKind::Approve, "", 11)],
        signatures: None,
    }
}

#[test]
fn a_granted_proposers_proposal_is_kept_but_its_approval_never_counts() {
    let mut s = store();
    let p = proposal(9, 0);
    // Not granted: refused, whoever relays it.
    assert!(receive(&mut s, id(9), &item(&p, 9), 20).unwrap().is_err());
    assert!(receive(&mut s, id(2), &item(&p, 9), 20).unwrap().is_err());
    // Member 2 grants device 9 (relayed by member 2).
    let g = grant(&key(2), "w1", &hex_id(9), "Pat", true, 15);
    assert_eq!(
        receive_grant(&mut s, id(2), &g, &EndpointAddr::new(id(9)), 20).unwrap(),
        Ok(vec![id(9)])
    );
    assert_eq!(receive(&mut s, id(9), &item(&p, 9), 20).unwrap(), Ok(true));
    // Its reject vote (or any vote but its own proposal's approval) is
    // left out; its approval does not count.
    let mut relayed = item(&p, 9);
    relayed
        .votes
        .push(vote(&key(2), &p, VoteKind::Approve, "", 12));
    let q = proposal(9, 1);
    let mut rejecting = item(&q, 9);
    rejecting
        .votes
        .push(vote(&key(9), &q, VoteKind::Reject, "no", 12));
    receive(&mut s, id(9), &rejecting, 20).unwrap().unwrap();
    let kept = s.team_proposal(&q.id_hex()).unwrap().unwrap();
    assert_eq!(kept.votes.len(), 1);
    assert_eq!(receive(&mut s, id(9), &relayed, 20).unwrap(), Ok(true));
    let kept = s.team_proposal(&p.id_hex()).unwrap().unwrap();
    let tw = team_wallet(&s, "w1").unwrap().unwrap();
    let t = tally(&kept.votes, &tw.member_ids(), 2, false, 1_000, 20);
    assert_eq!(t.approvers, vec![hex_id(2)]);
    assert!(t.status.is_live());
    assert_eq!(tw.name_of(&hex_id(9)), "Pat (proposer)");
}

/// Device 9, granted by member 2 at 15, proposes `p` (at 10), then member
/// 3 withdraws it at 30: the store, the grant and `p`.
fn proposed_then_withdrawn() -> (Store, crate::team::Grant, TeamProposal) {
    let mut s = store();
    let addr = EndpointAddr::new(id(9));
    let granted = grant(&key(2), "w1", &hex_id(9), "Pat", true, 15);
    receive_grant(&mut s, id(2), &granted, &addr, 20)
        .unwrap()
        .unwrap();
    let p = proposal(9, 0);
    receive(&mut s, id(9), &item(&p, 9), 20).unwrap().unwrap();
    let withdrawn = grant(&key(3), "w1", &hex_id(9), "Pat", false, 30);
    receive_grant(&mut s, id(3), &withdrawn, &addr, 40)
        .unwrap()
        .unwrap();
    (s, granted, p)
}

#[test]
fn a_withdrawn_proposer_proposes_no_more_but_votes_on_its_proposals_travel() {
    let (mut s, granted, p) = proposed_then_withdrawn();
    let addr = EndpointAddr::new(id(9));
    // An older grant arriving late changes nothing.
    assert_eq!(
        receive_grant(&mut s, id(2), &granted, &addr, 41).unwrap(),
        Ok(vec![])
    );
    let q = proposal(9, 1);
    assert!(receive(&mut s, id(9), &item(&q, 9), 50).unwrap().is_err());
    assert!(receive(&mut s, id(2), &item(&q, 9), 50).unwrap().is_err());
    let mut later = item(&p, 9);
    later
        .votes
        .push(vote(&key(3), &p, VoteKind::Approve, "", 45));
    assert_eq!(receive(&mut s, id(3), &later, 50).unwrap(), Ok(true));
}

#[test]
fn grants_come_only_from_members_and_never_make_a_member_a_proposer() {
    let mut s = store();
    let addr = EndpointAddr::new(id(9));
    // Signed by a device that is not a member.
    let forged = grant(&key(8), "w1", &hex_id(9), "Pat", true, 15);
    assert!(
        receive_grant(&mut s, id(2), &forged, &addr, 20)
            .unwrap()
            .is_err()
    );
    // Relayed by a device that is not a member.
    let g = grant(&key(2), "w1", &hex_id(9), "Pat", true, 15);
    assert!(
        receive_grant(&mut s, id(8), &g, &addr, 20)
            .unwrap()
            .is_err()
    );
    // A member as a proposer; an address of another device; altered.
    let member = grant(&key(2), "w1", &hex_id(3), "Carol", true, 15);
    assert!(
        receive_grant(&mut s, id(2), &member, &EndpointAddr::new(id(3)), 20)
            .unwrap()
            .is_err()
    );
    assert!(
        receive_grant(&mut s, id(2), &g, &EndpointAddr::new(id(8)), 20)
            .unwrap()
            .is_err()
    );
    let mut altered = g.clone();
    altered.name = "Mallory".into();
    assert!(
        receive_grant(&mut s, id(2), &altered, &addr, 20)
            .unwrap()
            .is_err()
    );
    assert!(ProposerStore::grants(&s, "w1").unwrap().is_empty());
}

#[test]
fn a_withdrawn_proposer_is_sent_its_card_and_earlier_proposals_but_no_later_ones() {
    let (mut s, _, earlier) = proposed_then_withdrawn();
    let mut later = proposal(2, 1);
    later.created_at = 45;
    assert_eq!(
        receive(&mut s, id(2), &item(&later, 2), 50).unwrap(),
        Ok(true)
    );
    let push = push_for(&s, "w1", 50).unwrap().expect("something to push");
    let reader = push
        .to
        .iter()
        .find(|(a, _)| a.id == id(9))
        .map(|(_, r)| *r)
        .expect("the withdrawn device is told");
    assert_eq!(reader, Reader::Withdrawn { at: 30 });
    let sent: Vec<&str> = push
        .messages
        .iter()
        .filter(|(_, _, audience, _)| reaches(*audience, reader, id(9)))
        .map(|(key, _, _, _)| key.as_str())
        .collect();
    let card = format!("card:w1:{}", hex_id(9));
    assert_eq!(sent, [earlier.id_hex().as_str(), card.as_str()]);
    // The members get both proposals and the grant.
    let to_member = push
        .messages
        .iter()
        .filter(|(_, _, audience, _)| reaches(*audience, Reader::Member, id(2)))
        .count();
    assert_eq!(to_member, 3);
}
