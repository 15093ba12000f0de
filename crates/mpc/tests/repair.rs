//! Repair of a lost party's share (FROST: repairable threshold schemes,
//! frost-core `keys::repairable`; DKLs23: `repair_term`/`repair_assemble`)
//! followed by the refresh with every party that a repair always ends in,
//! messages delivered in random order: the new device signs (signatures
//! verified by a library that did not make them), a repaired ECDSA share
//! cannot sign before the refresh, a helper's wrong value aborts the repair
//! and another helper set succeeds, and a repair needs `t` helpers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_mpc::sim::{self, Network};
use accord_mpc::{
    HandleError, KeyShare, PartyId, Repair, RepairOutput, Scheme, SessionId, SignRequest, Signer,
};
use common::*;
use rand::rngs::StdRng;

/// Repairs `target`'s share with `helpers`; `tamper` may rewrite envelopes.
fn repair(
    shares: &[Arc<KeyShare>],
    helpers: &[PartyId],
    target: PartyId,
    rng: &mut StdRng,
    tamper: impl FnMut(PartyId, &mut accord_mpc::Envelope),
) -> Result<KeyShare, HandleError> {
    let session = SessionId::random(rng);
    let scheme = shares[0].scheme();
    let params = shares[0].parameters();
    let mut net = Network::default();
    let mut sessions = BTreeMap::new();
    let mut members = helpers.to_vec();
    members.push(target);
    for &h in helpers {
        let share = shares.iter().find(|s| s.party() == h).unwrap().clone();
        let (machine, out) = Repair::helper(share, session, helpers, target, rng).unwrap();
        net.post(&members, out);
        sessions.insert(h, machine);
    }
    let machine = Repair::target(scheme, params, session, helpers, target).unwrap();
    sessions.insert(target, machine);
    let mut outcomes = sim::run(&mut sessions, &mut net, rng, tamper);
    match outcomes.remove(&target) {
        Some(Ok(RepairOutput::Repaired(share))) => Ok(*share),
        Some(Ok(RepairOutput::Helped)) => panic!("the target helped"),
        Some(Err(e)) => Err(e),
        None => panic!("the target never finished"),
    }
}

fn replace_and_sign(scheme: Scheme, t: u16, n: u16, seed: u64) {
    let mut rng = rng(seed);
    let shares = keygen(scheme, t, n, &mut rng);
    let key = shares[0].group_key();
    let lost = party(2);
    let helpers: Vec<PartyId> = (1..=n).map(party).filter(|p| *p != lost).collect();
    let repaired = repair(
        &shares,
        &helpers[..usize::from(t)],
        lost,
        &mut rng,
        |_, _| {},
    )
    .unwrap_or_else(|e| panic!("{scheme:?}: {e}"));
    assert_eq!(repaired.group_key(), key);
    assert_eq!(repaired.party(), lost);
    let repaired = Arc::new(repaired);
    if scheme == Scheme::Ecdsa {
        // Hollow: it neither signs nor is stored before the refresh.
        assert!(repaired.is_hollow());
        assert!(repaired.to_bytes().is_err());
        let message = random_message(scheme, &mut rng);
        let request = SignRequest {
            session: SessionId::random(&mut rng),
            signers: &[party(1), lost],
            coordinator: party(1),
            message: &message,
        };
        assert!(Signer::start(repaired.clone(), &request, &mut rng).is_err());
    } else {
        // The lost share itself, rebuilt.
        assert_eq!(
            repaired.to_bytes().unwrap().as_slice(),
            shares[1].to_bytes().unwrap().as_slice()
        );
    }
    // The refresh with every party: the old device's share is retired.
    let mut group = shares.clone();
    group[1] = repaired;
    let (refreshed, _) = sim::refresh(&group, &mut rng).unwrap();
    assert!(!refreshed[1].is_hollow());
    let signers: Vec<PartyId> = (1..=t).map(party).collect();
    let message = random_message(scheme, &mut rng);
    let signature = sign(&refreshed, &signers, lost, &message, &mut rng);
    verify_externally(&key, &message, &signature);
    let mut stale = refreshed.clone();
    stale[1] = shares[1].clone();
    assert!(sim::sign(&stale, &signers, party(1), &message, &mut rng).is_err());
}

#[test]
fn taproot_repair_then_refresh_signs() {
    replace_and_sign(Scheme::FrostTaproot, 2, 3, 81);
}

#[test]
fn ed25519_repair_then_refresh_signs() {
    replace_and_sign(Scheme::FrostEd25519, 2, 3, 82);
}

#[test]
fn ecdsa_repair_then_refresh_signs() {
    replace_and_sign(Scheme::Ecdsa, 2, 3, 83);
}

#[test]
fn three_of_five_repair() {
    replace_and_sign(Scheme::FrostEd25519, 3, 5, 84);
}

#[test]
fn a_wrong_value_from_a_helper_aborts_and_other_helpers_succeed() {
    for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
        let mut rng = rng(85 + i as u64);
        let shares = keygen(scheme, 3, 5, &mut rng);
        let lost = party(2);
        let bad = party(3);
        // The bad helper's message to the target, one bit flipped in its
        // secret part (the last bytes of the payload are the packages, so
        // flip at the front, after the length prefix).
        let result = repair(
            &shares,
            &[party(1), bad, party(4)],
            lost,
            &mut rng,
            |to, env| {
                if to == lost && env.sender == bad {
                    env.payload[3] ^= 1;
                }
            },
        );
        assert!(result.is_err(), "{scheme:?}: a bad value went unnoticed");
        let good = repair(
            &shares,
            &[party(1), party(4), party(5)],
            lost,
            &mut rng,
            |_, _| {},
        );
        assert!(good.is_ok(), "{scheme:?}: {:?}", good.err());
    }
}

#[test]
fn a_repair_needs_t_helpers_and_a_real_target() {
    let mut rng = rng(90);
    let shares = keygen(Scheme::FrostEd25519, 3, 5, &mut rng);
    let session = SessionId::random(&mut rng);
    let two = [party(1), party(3)];
    assert!(Repair::helper(shares[0].clone(), session, &two, party(2), &mut rng).is_err());
    let with_target = [party(1), party(2), party(3)];
    assert!(Repair::helper(shares[0].clone(), session, &with_target, party(2), &mut rng).is_err());
    let params = shares[0].parameters();
    assert!(Repair::target(Scheme::FrostEd25519, params, session, &two, party(2)).is_err());
}
