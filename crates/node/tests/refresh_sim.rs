//! Refresh in the deterministic simulation (see `sim/`): every member moves
//! to the next key epoch with the same keys, the wallet signs with the new
//! shares, and a member crashing at any effect of the refresh leaves every
//! member on one epoch — the old one or the new one, never a mix, never
//! without a usable share (checked after every step and at quiet by
//! `sim/invariants.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sim;
mod support;

use accord_chains::Chain;
use accord_mpc::Scheme;
use accord_node::runner::host;
use accord_node::session::{AnyOutput, AnySession, KeygenPlan, KeygenSession};
use accord_node::store::{DeviceStore, WalletStore};
use accord_node::wire::InvitedMember;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sim::scenario::*;
use sim::{Crash, Faults, Sim};

/// Starts a refresh of `wallet` led by device `dev`.
fn refresh(sim: &mut Sim, dev: usize, wallet: &str) -> u64 {
    let local = host::local_wallet(&sim.devs[dev].store, wallet).unwrap();
    let mut rng = StdRng::seed_from_u64(sim.now.as_millis() + 29);
    let plan = KeygenPlan::refresh(local, sim.timeouts, &mut rng).unwrap();
    sim.start(dev, AnySession::Keygen(Box::new(KeygenSession::lead(plan))))
}

fn epochs(sim: &Sim, wallet: &str) -> Vec<u64> {
    sim.devs
        .iter()
        .map(|d| d.store.wallet_by_id(wallet).unwrap().epoch)
        .collect()
}

fn secret(sim: &Sim, dev: usize, wallet: &str, scheme: Scheme) -> Vec<u8> {
    let store = &sim.devs[dev].store;
    let w = store.wallet_by_id(wallet).unwrap();
    store
        .share(&w, scheme)
        .unwrap()
        .to_bytes()
        .unwrap()
        .to_vec()
}

/// Every pair of devices' Ed25519 shares makes a signature that verifies
/// (with ed25519-dalek).
fn signs_together(sim: &Sim, wallet: &str, seed: u64) {
    signs_with(sim, wallet, seed, &[0, 1, 2]);
}

/// Every pair of `devices`' Ed25519 shares signs (verified by ed25519-dalek).
fn signs_with(sim: &Sim, wallet: &str, seed: u64, devices: &[usize]) {
    let shares: Vec<_> = devices
        .iter()
        .map(|i| &sim.devs[*i])
        .map(|d| {
            let w = d.store.wallet_by_id(wallet).unwrap();
            std::sync::Arc::new(d.store.share(&w, Scheme::FrostEd25519).unwrap())
        })
        .collect();
    let key = shares[0].group_key();
    let mut rng = StdRng::seed_from_u64(seed);
    let message = b"refreshed".to_vec();
    for pair in [[0usize, 1], [1, 2], [0, 2]] {
        let signers: Vec<_> = pair.iter().map(|i| shares[*i].party()).collect();
        let (signature, _) =
            accord_mpc::sim::sign(&shares, &signers, signers[0], &message, &mut rng)
                .unwrap_or_else(|e| panic!("devices {pair:?} do not sign together: {e}"));
        let keys = std::collections::BTreeMap::from([(Scheme::FrostEd25519, key)]);
        support::verify(&keys, &message, &signature);
    }
}

/// A wallet created by the sessions (FROST schemes: quick to run again).
fn created(sim: &mut Sim) -> String {
    let inst = create(sim, 2);
    sim.run(100_000);
    match sim.result(inst) {
        Some(Ok(AnyOutput::Created(c))) => c.wallet.clone(),
        other => panic!("not created: {other:?}"),
    }
}

#[test]
fn every_scheme_refreshes_and_signs_with_the_new_shares() {
    let mut sim = Sim::new(&THREE, 1, Faults::default(), timeouts());
    let wallet = install(&mut sim, 2);
    let keys = {
        let s = &sim.devs[0].store;
        s.group_keys(&s.wallet_by_id(&wallet).unwrap()).unwrap()
    };
    let before: Vec<Vec<u8>> = Scheme::ALL
        .iter()
        .map(|s| secret(&sim, 1, &wallet, *s))
        .collect();
    // The phone leads: any member may.
    let inst = refresh(&mut sim, 1, &wallet);
    sim.run(200_000);
    match sim.result(inst) {
        Some(Ok(AnyOutput::Created(c))) => assert_eq!(c.epoch, 1),
        other => panic!("not refreshed: {other:?}"),
    }
    assert_eq!(epochs(&sim, &wallet), vec![1, 1, 1]);
    for (i, scheme) in Scheme::ALL.iter().enumerate() {
        assert_ne!(before[i], secret(&sim, 1, &wallet, *scheme), "{scheme}");
    }
    let s = &sim.devs[2].store;
    assert_eq!(
        s.group_keys(&s.wallet_by_id(&wallet).unwrap()).unwrap(),
        keys
    );
    // Signatures verified by the invariants, with libraries other than the
    // ones that made them.
    for (variant, chain) in Chain::ALL.into_iter().enumerate() {
        let inst = sign(&mut sim, 0, &wallet, chain, variant as u64);
        sim.run(200_000);
        assert!(
            signed(&sim, inst).is_some(),
            "{chain}: {:?}",
            sim.result(inst)
        );
    }
    assert!(sim.verified() >= 3);
}

#[test]
fn a_refresh_is_everywhere_or_nowhere_with_a_crash_at_every_effect() {
    // How many effects an undisturbed refresh takes on each device.
    let mut sim = Sim::new(&THREE, 2, Faults::default(), timeouts());
    let wallet = created(&mut sim);
    let base: Vec<u64> = (0..3).map(|d| sim.effects(d)).collect();
    refresh(&mut sim, 0, &wallet);
    sim.run(100_000);
    let totals: Vec<u64> = (0..3).map(|d| sim.effects(d) - base[d]).collect();
    for dev in 0..3 {
        for at in 1..=totals[dev] {
            let mut sim = Sim::new(&THREE, 2, Faults::default(), timeouts());
            let wallet = created(&mut sim);
            sim.faults = Faults {
                max_delay: 10,
                crash: Some(Crash {
                    device: dev,
                    at_effect: base[dev] + at,
                    down: 1 + at * 89 % 6_000,
                }),
                ..Faults::default()
            };
            refresh(&mut sim, 0, &wallet);
            // One epoch everywhere, nothing undecided: checked at quiet.
            sim.run(200_000);
            sim.faults = Faults::default();
            let now = epochs(&sim, &wallet);
            assert!(
                now == vec![0, 0, 0] || now == vec![1, 1, 1],
                "crash of {dev} at {at}: {now:?}"
            );
            // And its shares sign together, on whichever epoch it is.
            signs_together(&sim, &wallet, at);
        }
    }
}

/// A 2-of-3 wallet of devices 0, 1 and 2 made by the sessions (FROST).
fn created_among_three(sim: &mut Sim) -> String {
    let members: Vec<InvitedMember> = (0..3)
        .map(|i| InvitedMember {
            party: u8::try_from(i + 1).unwrap(),
            addr: sim.addr(i),
            name: sim.devs[i].name.clone(),
            role: Sim::role(&sim.devs[i].name),
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(41);
    let spec = accord_node::session::WalletSpec {
        name: "w".into(),
        threshold: 2,
        network: accord_node::wallet::Network::Regtest,
        policy: None,
    };
    let plan =
        KeygenPlan::invite(spec, members, sim.schemes.clone(), sim.timeouts, &mut rng).unwrap();
    let inst = sim.start(0, AnySession::Keygen(Box::new(KeygenSession::lead(plan))));
    sim.run(100_000);
    match sim.result(inst) {
        Some(Ok(AnyOutput::Created(c))) => c.wallet.clone(),
        other => panic!("not created: {other:?}"),
    }
}

#[test]
fn a_lost_member_is_replaced_and_the_new_device_signs() {
    let names = ["desktop", "phone", "recovery", "phone2"];
    let mut sim = Sim::new(&names, 3, Faults::default(), timeouts());
    let wallet = created_among_three(&mut sim);
    let old_phone = {
        let s = &sim.devs[1].store;
        s.share(&s.wallet_by_id(&wallet).unwrap(), Scheme::FrostEd25519)
            .unwrap()
    };
    // The phone is lost; the desktop replaces it with phone2.
    let lost = sim.devs[1].id;
    let inst = replace_phone(&mut sim, &wallet);
    let mut rng = StdRng::seed_from_u64(43);
    sim.run(200_000);
    match sim.result(inst) {
        Some(Ok(AnyOutput::Created(c))) => assert_eq!(c.epoch, 1),
        other => panic!("not replaced: {other:?}"),
    }
    for i in [0, 2, 3] {
        let s = &sim.devs[i].store;
        let w = s.wallet_by_id(&wallet).unwrap();
        assert_eq!(w.epoch, 1, "device {i}");
        let members = s.members(&w).unwrap();
        assert!(
            members
                .iter()
                .any(|m| m.party == 2 && m.device == sim.devs[3].id)
        );
        assert!(!members.iter().any(|m| m.device == lost), "device {i}");
    }
    assert_eq!(sim.devs[3].store.wallet_by_id(&wallet).unwrap().party, 2);
    for i in [0, 2] {
        let pinned = sim.devs[i].store.pinned_ids().unwrap();
        assert!(
            !pinned.contains(&lost),
            "device {i} still lets the lost one in"
        );
    }
    signs_with(&sim, &wallet, 44, &[0, 3, 2]);
    // The lost phone's share does not sign with the new ones.
    let desktop = {
        let s = &sim.devs[0].store;
        s.share(&s.wallet_by_id(&wallet).unwrap(), Scheme::FrostEd25519)
            .unwrap()
    };
    let signers = [desktop.party(), old_phone.party()];
    let shares = [std::sync::Arc::new(desktop), std::sync::Arc::new(old_phone)];
    assert!(accord_mpc::sim::sign(&shares, &signers, signers[0], b"m", &mut rng).is_err());
}

/// Starts the replacement of the phone (device 1) by phone2 (device 3),
/// led by the desktop.
fn replace_phone(sim: &mut Sim, wallet: &str) -> u64 {
    let local = host::local_wallet(&sim.devs[0].store, wallet).unwrap();
    let new = InvitedMember {
        party: 0,
        addr: sim.addr(3),
        name: "phone2".into(),
        role: Sim::role("phone"),
    };
    let lost = sim.devs[1].id;
    let mut rng = StdRng::seed_from_u64(sim.now.as_millis() + 47);
    let plan = KeygenPlan::replace(local, lost, new, sim.timeouts, &mut rng).unwrap();
    sim.start(0, AnySession::Keygen(Box::new(KeygenSession::lead(plan))))
}

#[test]
fn a_replacement_is_everywhere_or_nowhere_with_a_crash_at_every_effect() {
    let names = ["desktop", "phone", "recovery", "phone2"];
    let mut sim = Sim::new(&names, 5, Faults::default(), timeouts());
    let wallet = created_among_three(&mut sim);
    let base: Vec<u64> = (0..4).map(|d| sim.effects(d)).collect();
    replace_phone(&mut sim, &wallet);
    sim.run(100_000);
    let totals: Vec<u64> = (0..4).map(|d| sim.effects(d) - base[d]).collect();
    for dev in [0usize, 2, 3] {
        for at in 1..=totals[dev] {
            let mut sim = Sim::new(&names, 5, Faults::default(), timeouts());
            let wallet = created_among_three(&mut sim);
            sim.faults = Faults {
                max_delay: 10,
                crash: Some(Crash {
                    device: dev,
                    at_effect: base[dev] + at,
                    down: 1 + at * 89 % 6_000,
                }),
                ..Faults::default()
            };
            replace_phone(&mut sim, &wallet);
            // One epoch everywhere, nothing undecided: checked at quiet.
            sim.run(200_000);
            let epoch = |i: usize| {
                sim.devs[i]
                    .store
                    .wallet_by_id(&wallet)
                    .map(|w| w.epoch)
                    .ok()
            };
            let now = (epoch(0), epoch(2), epoch(3));
            assert!(
                now == (Some(0), Some(0), None) || now == (Some(1), Some(1), Some(1)),
                "crash of {dev} at {at}: {now:?}"
            );
            if now.2.is_some() {
                signs_with(&sim, &wallet, at, &[0, 3, 2]);
            } else {
                signs_with(&sim, &wallet, at, &[0, 1, 2]);
            }
        }
    }
}
