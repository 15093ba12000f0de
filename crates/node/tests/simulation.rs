//! Deterministic simulation of the node's sessions (see `sim/`): three and
//! five devices, hundreds of seeds, with message loss, delays, reordering,
//! duplicates, a device crashing at every effect and restarting from its
//! store, an equivocating peer, and deadlines expiring — with the
//! invariants of `sim/invariants.rs` checked after every step.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod sim;
mod support;

use accord_chains::Chain;
use accord_mpc::Scheme;
use accord_node::session::{AnyOutput, Failure};
use accord_node::store::WalletStore;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sim::scenario::*;
use sim::{Answer, Crash, Faults, Sim};

#[test]
fn three_devices_sign_through_loss_reordering_duplicates_and_crashes() {
    let mut verified = 0;
    for seed in 0..120u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let f = faults(&mut rng, 3, 40);
        let mut sim = Sim::new(&THREE, seed, f, timeouts());
        for d in &mut sim.devs {
            d.answer = Answer::Approve(rng.gen_range(0..500));
        }
        let wallet = install(&mut sim, 2);
        let chain = match seed % 5 {
            0 => Chain::Ethereum,
            1 | 3 => Chain::Bitcoin,
            _ => Chain::Solana,
        };
        sign_until_done(&mut sim, &wallet, chain, seed, seed);
        verified += sim.verified();
    }
    assert!(verified >= 120, "every signing was verified ({verified})");
}

#[test]
fn five_devices_sign_three_of_five() {
    for seed in 0..60u64 {
        let mut rng = StdRng::seed_from_u64(1000 + seed);
        let f = faults(&mut rng, 5, 60);
        let mut sim = Sim::new(&FIVE, seed, f, timeouts());
        for d in &mut sim.devs {
            d.answer = Answer::Approve(rng.gen_range(0..300));
        }
        let wallet = install(&mut sim, 3);
        let chain = if seed % 2 == 0 {
            Chain::Solana
        } else {
            Chain::Bitcoin
        };
        sign_until_done(&mut sim, &wallet, chain, seed, seed);
    }
}

#[test]
fn a_veto_is_not_routed_around() {
    for seed in 0..40u64 {
        let mut sim = Sim::new(
            &THREE,
            seed,
            Faults {
                max_delay: 40,
                ..Faults::default()
            },
            timeouts(),
        );
        sim.devs[1].answer = Answer::Reject(seed * 7 % 300);
        sim.devs[2].answer = Answer::Approve(0);
        let wallet = install(&mut sim, 2);
        let inst = sign(&mut sim, 0, &wallet, Chain::Solana, seed);
        sim.run(100_000);
        match sim.result(inst) {
            Some(Err(Failure::Declined { who, .. })) => assert_eq!(who.name, "phone"),
            other => panic!("seed {seed}: the phone's veto was not the answer: {other:?}"),
        }
        // The recovery server, online and willing, was never asked.
        assert!(
            sim.ended.iter().all(|e| e.dev != 2),
            "seed {seed}: the veto was routed around to the recovery server"
        );
    }
}

#[test]
fn a_cosigner_that_cannot_decide_is_routed_around() {
    for seed in 0..20u64 {
        let mut sim = Sim::new(
            &THREE,
            seed,
            Faults {
                max_delay: 20,
                ..Faults::default()
            },
            timeouts(),
        );
        sim.devs[1].answer = Answer::Never;
        sim.devs[2].answer = Answer::Approve(10);
        let wallet = install(&mut sim, 2);
        let inst = sign(&mut sim, 0, &wallet, Chain::Bitcoin, seed);
        sim.run(100_000);
        assert_eq!(
            signed(&sim, inst),
            Some(2),
            "seed {seed}: {:?}",
            sim.result(inst)
        );
    }
}

/// A co-signer whose connection is dead without QUIC knowing (it crashed
/// and restarted) is silent: the proposer signs with another and asks for
/// the silent one to be dialled afresh next time.
#[test]
fn a_silent_cosigner_is_routed_around_and_dialled_afresh() {
    let mut redialled = 0;
    for seed in 0..10u64 {
        let faults = Faults {
            unheard: Some(1),
            ..Faults::default()
        };
        let mut sim = Sim::new(&THREE, seed, faults, timeouts());
        sim.devs[1].answer = Answer::Approve(10);
        sim.devs[2].answer = Answer::Approve(10);
        let wallet = install(&mut sim, 2);
        let inst = sign(&mut sim, 0, &wallet, Chain::Bitcoin, seed);
        sim.run(100_000);
        assert_eq!(
            signed(&sim, inst),
            Some(2),
            "seed {seed}: {:?}",
            sim.result(inst)
        );
        let phone = sim.devs[1].id;
        let recovery = sim.devs[2].id;
        assert!(!sim.devs[0].redialled.contains(&recovery), "seed {seed}");
        if sim.devs[0].redialled.contains(&phone) {
            redialled += 1;
        }
    }
    // Whenever the phone was asked first (it is preferred over the
    // recovery server), it went silent and is dialled afresh.
    assert_eq!(redialled, 10);
}

#[test]
fn deadlines_expire_and_every_session_ends() {
    let mut sim = Sim::new(
        &THREE,
        7,
        Faults {
            max_delay: 5,
            ..Faults::default()
        },
        timeouts(),
    );
    for d in &mut sim.devs {
        d.answer = Answer::Never;
    }
    let wallet = install(&mut sim, 2);
    let inst = sign(&mut sim, 0, &wallet, Chain::Ethereum, 1);
    sim.run(100_000);
    assert!(matches!(sim.result(inst), Some(Err(_))));
    assert!(
        sim.now.as_millis() >= 2 * 10_000,
        "both approvals timed out"
    );
}

#[test]
fn an_equivocating_peer_aborts_signing_and_is_routed_around() {
    for seed in 0..20u64 {
        let faults = Faults {
            max_delay: 20,
            equivocator: Some(1),
            ..Faults::default()
        };
        let mut sim = Sim::new(&THREE, seed, faults, timeouts());
        let wallet = install(&mut sim, 2);
        let inst = sign(&mut sim, 0, &wallet, Chain::Solana, seed);
        sim.run(100_000);
        // The phone's altered round-1 message reaches the desktop: that
        // attempt aborts, and the recovery server signs instead (every
        // signature the run makes is verified).
        assert_eq!(
            signed(&sim, inst),
            Some(2),
            "seed {seed}: {:?}",
            sim.result(inst)
        );
    }
}

/// Creates a wallet from device 0 inviting the others.
#[test]
fn wallet_creation_is_everywhere_or_nowhere_with_a_crash_at_every_effect() {
    // Every device of three; of five, the inviter and one member (the
    // others' sides are the same code as that member's).
    for (names, devices) in [(&THREE[..], &[0, 1, 2][..]), (&FIVE[..], &[0, 3][..])] {
        for &dev in devices {
            let total = effects_of_creation(names, dev);
            for at in 1..=total {
                let faults = Faults {
                    max_delay: 10,
                    crash: Some(Crash {
                        device: dev,
                        at_effect: at,
                        down: 1 + at * 97 % 6_000,
                    }),
                    ..Faults::default()
                };
                let mut sim = Sim::new(names, at, faults, timeouts());
                create(&mut sim, 2);
                // Invariants (everywhere or nowhere, every session ended,
                // nothing half-created) are checked by the run.
                sim.run(200_000);
            }
        }
    }
}

#[test]
fn wallet_creation_with_loss_and_an_equivocating_member() {
    for seed in 0..60u64 {
        let mut rng = StdRng::seed_from_u64(5000 + seed);
        let mut f = faults(&mut rng, 3, 30);
        if seed % 4 == 0 {
            f.equivocator = Some(1 + (seed as usize / 4) % 2);
            f.crash = None;
        }
        let equivocating = f.equivocator.is_some();
        let mut sim = Sim::new(&THREE, seed, f, timeouts());
        let inst = create(&mut sim, 2);
        sim.run(200_000);
        if equivocating {
            assert!(
                matches!(sim.result(inst), Some(Err(_))),
                "seed {seed}: a wallet was created despite an equivocating member"
            );
        }
    }
}

/// Bans party `party` from `scheme` sessions of `wallet` in `store`, as a
/// DKLs23 `BanCounterparty` abort does.
fn ban(store: &mut accord_node::store::Store, wallet: &str, scheme: Scheme, party: u8) {
    use accord_mpc::SessionId;
    use accord_node::store::{SessionJournal, SigningEnd};
    let session = SessionId([party; 32]);
    let begin = accord_node::store::SigningBegin {
        session,
        wallet,
        parts: &[],
        deadline: 60,
        spends: None,
        uses: None,
    };
    store.begin_signing(&begin, 0).unwrap();
    let ban = (scheme, party, "banned for the test".to_owned());
    let end = SigningEnd {
        session,
        wallet,
        outcome: Err("aborted"),
        signatures: &[],
        ban: Some(&ban),
        event: None,
    };
    store.end_signing(&end, 0).unwrap();
}

#[test]
fn a_ban_from_one_scheme_bars_that_scheme_only_on_both_sides() {
    let mut sim = Sim::new(
        &THREE,
        3,
        Faults {
            max_delay: 10,
            ..Faults::default()
        },
        timeouts(),
    );
    let wallet = install(&mut sim, 2);
    for d in &mut sim.devs {
        ban(&mut d.store, &wallet, Scheme::Ecdsa, 2);
    }
    // Ed25519: the phone (banned from ECDSA only) co-signs at once.
    let inst = sign(&mut sim, 0, &wallet, Chain::Solana, 1);
    sim.run(100_000);
    match sim.result(inst) {
        Some(Ok(AnyOutput::Signed(r))) => {
            assert_eq!(r.attempts, 1);
            assert_eq!(r.cosigners[0].name, "phone");
        }
        other => panic!("{other:?}"),
    }
    // ECDSA: the phone is skipped, the recovery server signs.
    let inst = sign(&mut sim, 0, &wallet, Chain::Ethereum, 2);
    sim.run(100_000);
    match sim.result(inst) {
        Some(Ok(AnyOutput::Signed(r))) => {
            assert_eq!(r.attempts, 1);
            assert_eq!(r.cosigners[0].name, "recovery");
        }
        other => panic!("{other:?}"),
    }
}

/// The co-signer, driven by hand: after its user approves it loads its share
/// and only then journals nonces; a share that does not load ends it with
/// an abort notice (a technical failure the proposer routes around), not a
/// refusal, and with nothing journaled.
#[test]
fn a_cosigner_journals_nothing_before_its_share_loaded_and_aborts_when_it_cannot() {
    use accord_node::approve::Decision;
    use accord_node::runner::host::{Admission, admit_proposal};
    use accord_node::session::{Effect, Input, Session, Time};
    use accord_node::wire::{Control, Message, Proposal};

    let mut sim = Sim::new(&THREE, 11, Faults::default(), timeouts());
    let wallet = install(&mut sim, 2);
    let keys = {
        let store = &sim.devs[0].store;
        store
            .group_keys(&store.wallet_by_id(&wallet).unwrap())
            .unwrap()
    };
    let proposal = Proposal {
        session: [9; 32],
        wallet_id: wallet.clone(),
        chain: "solana".into(),
        unsigned: support::unsigned(Chain::Solana, &keys, 3),
        signers: vec![1, 2],
        epoch: 0,
    };
    let from = sim.devs[0].id;
    let Admission::Cosign(mut c) = admit_proposal(&sim.devs[1].store, from, proposal, timeouts())
    else {
        panic!("the proposal was not admitted");
    };
    let mut rng = StdRng::seed_from_u64(1);
    let t = Time::ZERO;
    let journals = |effects: &[Effect<()>]| {
        effects
            .iter()
            .filter(|e| matches!(e, Effect::Journal(_)))
            .count()
    };
    let started = c.handle(t, Input::Start, &mut rng);
    assert!(started.iter().any(|e| matches!(e, Effect::Ask(_))));
    assert_eq!(journals(&started), 0);
    let approved = c.handle(t, Input::Decision(Decision::Approve), &mut rng);
    assert_eq!(
        journals(&approved),
        0,
        "no nonce journaled before the share is loaded"
    );
    assert!(
        approved
            .iter()
            .any(|e| matches!(e, Effect::LoadShare { .. }))
    );
    let failed = c.handle(
        t,
        Input::Share(Err("the share is corrupt".into())),
        &mut rng,
    );
    assert_eq!(journals(&failed), 0);
    let notice = failed.iter().find_map(|e| match e {
        Effect::Send {
            message: Message::Control(c),
            ..
        } => Some(c.clone()),
        _ => None,
    });
    assert!(
        matches!(notice, Some(Control::Abort { .. })),
        "an abort notice, not a veto: {notice:?}"
    );
    assert!(
        failed
            .iter()
            .any(|e| matches!(e, Effect::Aborted(Failure::Share(_))))
    );
}

/// An invitation naming a device this one was never paired with says so to
/// its user: the phone, paired with the desktop only, is asked about a
/// "recovery server" it has never seen.
#[test]
fn an_invitation_naming_a_device_never_seen_shows_it_as_such() {
    use accord_node::session::Approval;
    // The phone (1) and the recovery server (2) never paired.
    let mut sim = Sim::paired(&THREE, 1, Faults::default(), timeouts(), &|i, j| {
        (i, j) != (1, 2)
    });
    let inst = create(&mut sim, 2);
    sim.run(100_000);
    assert!(matches!(sim.result(inst), Some(Ok(AnyOutput::Created(_)))));
    let phone = sim
        .asked
        .iter()
        .find_map(|(dev, a)| match (dev, a) {
            (1, Approval::Keygen(r)) => Some(r.clone()),
            _ => None,
        })
        .expect("the phone was asked");
    let known = |name: &str| phone.members.iter().find(|m| m.name == name).unwrap().known;
    assert!(known("desktop"), "the inviter is paired");
    assert!(known("phone"), "this device");
    assert!(!known("recovery"), "never seen: shown as such");
    let recovery = sim
        .asked
        .iter()
        .find_map(|(dev, a)| match (dev, a) {
            (2, Approval::Keygen(r)) => Some(r.clone()),
            _ => None,
        })
        .expect("the recovery server was asked");
    assert!(
        !recovery
            .members
            .iter()
            .find(|m| m.name == "phone")
            .unwrap()
            .known
    );
}

/// A team of five signs 3-of-5 with its members deciding seconds apart:
/// the co-signer that approved first hears the other's heartbeats and
/// waits for it, instead of calling it gone.
#[test]
fn co_signers_that_decide_seconds_apart_wait_for_each_other() {
    for seed in 0..5u64 {
        let mut sim = Sim::new(
            &FIVE,
            seed,
            Faults {
                max_delay: 20,
                ..Faults::default()
            },
            timeouts(),
        );
        sim.devs[1].answer = Answer::Approve(0);
        sim.devs[2].answer = Answer::Approve(8_000);
        let wallet = install(&mut sim, 3);
        let inst = sign(&mut sim, 0, &wallet, Chain::Solana, seed);
        sim.run(100_000);
        assert_eq!(
            signed(&sim, inst),
            Some(1),
            "seed {seed}: {:?}",
            sim.result(inst)
        );
    }
}
