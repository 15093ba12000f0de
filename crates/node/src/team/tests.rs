//! The team's rules without IO: who may close a proposal, replayed and
//! forged votes, expiry.

use iroh::SecretKey;

use super::{GrantError, Status, TeamProposal, VoteError, VoteKind, grant, tally, vote};

fn key(n: u8) -> SecretKey {
    SecretKey::from_bytes(&[n; 32])
}

fn device(n: u8) -> String {
    hex::encode(key(n).public().as_bytes())
}

fn proposal(nonce: u8) -> TeamProposal {
    TeamProposal {
        wallet_id: "w1".into(),
        chain: "ethereum".into(),
        unsigned: vec![2, nonce, 3],
        note: "payroll".into(),
        created_at: 100,
        expires_at: 200,
        proposer: device(1),
    }
}

fn members(n: u8) -> Vec<String> {
    (1..=n).map(device).collect()
}

#[test]
fn two_rejections_close_a_3_of_5_proposal_only_when_no_quorum_can_remain() {
    let p = proposal(0);
    let m = members(5);
    let mut votes = vec![vote(&key(1), &p, VoteKind::Approve, "", 101)];
    votes.push(vote(&key(2), &p, VoteKind::Reject, "too much", 102));
    votes.push(vote(&key(3), &p, VoteKind::Reject, "", 103));
    // Three members (1, 4, 5) can still approve: open.
    assert_eq!(tally(&votes, &m, 3, false, 200, 150).status, Status::Open);
    // A third rejection leaves two: no quorum of three can remain.
    votes.push(vote(&key(4), &p, VoteKind::Reject, "", 104));
    assert_eq!(
        tally(&votes, &m, 3, false, 200, 150).status,
        Status::Rejected
    );
    // In a 2-of-3, two rejections close it.
    let m3 = members(3);
    let two = vec![
        vote(&key(2), &p, VoteKind::Reject, "", 102),
        vote(&key(3), &p, VoteKind::Reject, "", 103),
    ];
    assert_eq!(
        tally(&two[..1], &m3, 2, false, 200, 150).status,
        Status::Open
    );
    assert_eq!(
        tally(&two, &m3, 2, false, 200, 150).status,
        Status::Rejected
    );
}

#[test]
fn a_quorum_makes_it_ready_in_party_order_and_expiry_closes_it_for_good() {
    let p = proposal(0);
    let m = members(3);
    let votes = vec![
        vote(&key(3), &p, VoteKind::Approve, "", 101),
        vote(&key(2), &p, VoteKind::Approve, "", 102),
    ];
    let t = tally(&votes, &m, 2, false, 200, 150);
    assert_eq!(t.status, Status::Ready);
    // The signer is the approver with the lowest party (2), not the first
    // to approve.
    assert_eq!(t.approvers, vec![device(2), device(3)]);
    // Past its expiry it is expired, approvals or not; signed, it is done.
    assert_eq!(
        tally(&votes, &m, 2, false, 200, 200).status,
        Status::Expired
    );
    assert_eq!(tally(&votes, &m, 2, true, 200, 250).status, Status::Done);
    // Votes of non-members count for nothing.
    let outsider = vec![vote(&key(9), &p, VoteKind::Approve, "", 101)];
    assert_eq!(
        tally(&outsider, &m, 1, false, 200, 150).status,
        Status::Open
    );
}

#[test]
fn a_vote_replayed_onto_another_proposal_or_altered_is_refused() {
    let p = proposal(0);
    let other = proposal(1);
    let v = vote(&key(2), &p, VoteKind::Approve, "", 101);
    assert_eq!(v.verify(&p), Ok(()));
    // The same signature presented for another proposal.
    let mut moved = v.clone();
    moved.proposal = other.id_hex();
    assert_eq!(moved.verify(&other), Err(VoteError::Invalid(device(2))));
    assert_eq!(v.verify(&other), Err(VoteError::OtherProposal));
    // A rejection turned into an approval, or another device's name on it.
    let r = vote(&key(2), &p, VoteKind::Reject, "no", 101);
    let mut flipped = r.clone();
    flipped.kind = VoteKind::Approve;
    assert!(flipped.verify(&p).is_err());
    let mut stolen = v.clone();
    stolen.device = device(3);
    assert!(stolen.verify(&p).is_err());
    // Every field of a proposal is in its id.
    let mut changed = p.clone();
    changed.expires_at += 1;
    assert_ne!(changed.id(), p.id());
    changed = p.clone();
    changed.note.push('!');
    assert_ne!(changed.id(), p.id());
}

fn eth(nonce: u64, wei: u64) -> Vec<u8> {
    use accord_chains::ethereum::{Gas, U256, UnsignedTx};
    UnsignedTx::eth_transfer(
        1,
        nonce,
        accord_chains::ethereum::address::parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
            .unwrap(),
        U256::from(wei),
        Gas {
            gas_limit: 21_000,
            max_fee_per_gas: 30_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        },
    )
    .encode()
}

#[test]
fn proposals_spending_the_same_nonce_conflict() {
    let with = |unsigned: Vec<u8>, wallet: &str| TeamProposal {
        unsigned,
        wallet_id: wallet.into(),
        ..proposal(0)
    };
    let a = with(eth(5, 10), "w1");
    assert!(super::conflicts(&a, &with(eth(5, 20), "w1")));
    assert!(!super::conflicts(&a, &with(eth(6, 10), "w1")));
    // Not with itself, nor across wallets, nor with bytes that do not decode.
    assert!(!super::conflicts(&a, &a));
    assert!(!super::conflicts(&a, &with(eth(5, 20), "w2")));
    assert!(!super::conflicts(&a, &with(vec![1, 2, 3], "w1")));
}

#[test]
fn a_grant_verifies_only_as_signed_by_its_member() {
    let g = grant(&key(1), "w1", &device(9), "Pat", true, 100);
    assert_eq!(g.verify(), Ok(()));
    // Each field is covered: the device, its name, granted or withdrawn,
    // the time and the wallet.
    let mut other = g.clone();
    other.device = device(8);
    assert!(matches!(other.verify(), Err(GrantError::Invalid(_))));
    let mut other = g.clone();
    other.name = "Mallory".into();
    assert!(matches!(other.verify(), Err(GrantError::Invalid(_))));
    let mut other = g.clone();
    other.active = false;
    assert!(matches!(other.verify(), Err(GrantError::Invalid(_))));
    let mut other = g.clone();
    other.at = 101;
    assert!(matches!(other.verify(), Err(GrantError::Invalid(_))));
    let mut other = g.clone();
    other.wallet_id = "w2".into();
    assert!(matches!(other.verify(), Err(GrantError::Invalid(_))));
    // Claimed by another member: its key does not verify the signature.
    let mut other = g.clone();
    other.by = device(2);
    assert!(matches!(other.verify(), Err(GrantError::Invalid(_))));
    // Not a device id; an empty name.
    let mut other = g.clone();
    other.device = "xyz".into();
    assert!(matches!(other.verify(), Err(GrantError::BadDevice(_))));
    let empty = grant(&key(1), "w1", &device(9), "", true, 100);
    assert_eq!(empty.verify(), Err(GrantError::BadName));
}

#[test]
fn a_proposers_own_approval_never_counts_towards_the_quorum() {
    // Device 9 proposes (not a member); one member's approval of a 2-of-3
    // leaves it open whatever device 9 signed.
    let mut p = proposal(0);
    p.proposer = device(9);
    let votes = vec![
        vote(&key(9), &p, VoteKind::Approve, "", 101),
        vote(&key(2), &p, VoteKind::Approve, "", 102),
    ];
    let t = tally(&votes, &members(3), 2, false, 200, 150);
    assert_eq!(t.status, Status::Open);
    assert_eq!(t.approvers, vec![device(2)]);
}
