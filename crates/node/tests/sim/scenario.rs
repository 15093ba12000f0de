//! What the simulation tests set up and do again and again: the devices'
//! names and deadlines, fixture wallets (installed on every device, or
//! created by a key generation session), signing, and random faults.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use accord_chains::Chain;
use accord_mpc::{KeyShare, Parameters, Scheme};
use accord_node::facade::{SignRequest, sign_plan};
use accord_node::session::{AnyOutput, AnySession, KeygenPlan, KeygenSession, Proposer, Timeouts};
use accord_node::store::{Member, NewWalletOwned, WalletState, WalletStore};
use accord_node::wallet::{Network, WalletRef};
use accord_node::wire::InvitedMember;
use iroh::EndpointAddr;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{Crash, Faults, Signing, Sim};
use crate::support;

pub const THREE: [&str; 3] = ["desktop", "phone", "recovery"];
pub const FIVE: [&str; 5] = ["desktop", "phone", "recovery", "alice", "bob"];

pub fn timeouts() -> Timeouts {
    Timeouts {
        sign_round: Duration::from_secs(2),
        keygen_round: Duration::from_secs(5),
        approval: Duration::from_secs(10),
        session: Duration::from_secs(30),
        heartbeat: Duration::from_millis(400),
    }
}

pub type Shares = BTreeMap<Scheme, Vec<Arc<KeyShare>>>;

/// Shares of a `t`-of-`n` wallet of every scheme, made by the threshold
/// core's own simulation (DKLs23's takes seconds: both wallets' key
/// generations run at once, once per build — kept in the test's temporary
/// directory, re-made if they do not load).
pub fn shares(t: u16, n: u16) -> &'static Shares {
    static ALL: OnceLock<(Shares, Shares)> = OnceLock::new();
    let (three, five) = ALL.get_or_init(|| {
        std::thread::scope(|s| {
            let three = s.spawn(|| fixture(2, 3));
            let five = fixture(3, 5);
            (three.join().unwrap(), five)
        })
    });
    assert_eq!((t, n) == (2, 3), n == 3, "fixtures: 2-of-3 and 3-of-5");
    if n == 3 { three } else { five }
}

pub fn fixture(t: u16, n: u16) -> Shares {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sim-{t}-of-{n}.v1"));
    if let Some(shares) = std::fs::read(&path).ok().and_then(|b| load(&b, n)) {
        return shares;
    }
    let mut rng = StdRng::seed_from_u64(u64::from(n));
    let params = Parameters::new(t, n).unwrap();
    let shares: Shares = Scheme::ALL
        .into_iter()
        .map(|s| (s, accord_mpc::sim::keygen(s, params, &mut rng).unwrap().0))
        .collect();
    let mut out = Vec::new();
    for list in shares.values() {
        for share in list {
            let bytes = share.to_bytes().unwrap();
            out.extend((bytes.len() as u32).to_be_bytes());
            out.extend(bytes.as_slice());
        }
    }
    let _ = std::fs::write(&path, out);
    shares
}

/// Shares saved by [`fixture`], each validated again on loading.
pub fn load(mut bytes: &[u8], n: u16) -> Option<Shares> {
    let mut out = Shares::new();
    for scheme in Scheme::ALL {
        let mut list = Vec::new();
        for _ in 0..n {
            let (len, rest) = bytes.split_first_chunk::<4>()?;
            let (share, rest) = rest.split_at_checked(u32::from_be_bytes(*len) as usize)?;
            let share = KeyShare::from_bytes(share).ok()?;
            (share.scheme() == scheme).then_some(())?;
            list.push(Arc::new(share));
            bytes = rest;
        }
        out.insert(scheme, list);
    }
    bytes.is_empty().then_some(out)
}

/// Stores the `t`-of-n wallet on every device; its id.
pub fn install(sim: &mut Sim, t: u16) -> String {
    let n = u16::try_from(sim.devs.len()).unwrap();
    let all = shares(t, n);
    let members: Vec<Member> = sim
        .devs
        .iter()
        .enumerate()
        .map(|(i, d)| Member {
            party: u8::try_from(i + 1).unwrap(),
            device: d.id,
            name: d.name.clone(),
            addr: EndpointAddr::new(d.id),
            role: Sim::role(&d.name),
        })
        .collect();
    let id = hex::encode([0x42; 16]);
    let initiator = sim.devs[0].id;
    for (i, d) in sim.devs.iter_mut().enumerate() {
        let new = NewWalletOwned {
            id: id.clone(),
            name: "w".into(),
            network: Network::Regtest,
            shares: Scheme::ALL
                .into_iter()
                .map(|s| all[&s][i].clone())
                .collect(),
            members: members.clone(),
            session: [0x42; 32],
            epoch: 0,
            initiator,
            policy: None,
            policy_approval: Vec::new(),
        };
        d.store.store_wallet(&new, WalletState::Active, 0).unwrap();
    }
    id
}

/// Starts signing `chain`'s transaction `variant` on device `dev`.
pub fn sign(sim: &mut Sim, dev: usize, wallet: &str, chain: Chain, variant: u64) -> u64 {
    let store = &sim.devs[dev].store;
    let record = store.wallet_by_id(wallet).unwrap();
    let keys = store.group_keys(&record).unwrap();
    let request = SignRequest {
        wallet: WalletRef::Id(wallet.to_owned()),
        chain,
        unsigned: support::unsigned(chain, &keys, variant),
        prefer: Vec::new(),
        only: false,
    };
    let name = sim.devs[dev].name.clone();
    let (_, plan) = sign_plan(store, &request, &name, sim.timeouts).unwrap();
    let signing = Signing {
        keys,
        wallet: wallet.to_owned(),
        scheme: plan.share.scheme(),
        messages: plan.messages.clone(),
    };
    let inst = sim.start(dev, AnySession::Propose(Box::new(Proposer::new(plan))));
    sim.signings.insert(inst, signing);
    inst
}

pub fn signed(sim: &Sim, inst: u64) -> Option<u32> {
    match sim.result(inst)? {
        Ok(AnyOutput::Signed(r)) => Some(r.attempts),
        _ => None,
    }
}

/// Random faults for `seed`: loss, duplicates, delays, and (mostly) one
/// crash of one device at one of its first effects.
pub fn faults(rng: &mut StdRng, devices: usize, effects: u64) -> Faults {
    Faults {
        drop: [0.0, 0.01, 0.05][rng.gen_range(0..3)],
        dup: 0.05,
        max_delay: rng.gen_range(1..80),
        crash: rng.gen_bool(0.7).then(|| Crash {
            device: rng.gen_range(0..devices),
            at_effect: rng.gen_range(1..=effects),
            down: rng.gen_range(50..8_000),
        }),
        equivocator: None,
        unheard: None,
    }
}

/// Signs until the proposer has its signatures (a user retries up to five
/// times: a crash of the proposer or lost messages may end an attempt);
/// then asks again and gets them without a session.
pub fn sign_until_done(sim: &mut Sim, wallet: &str, chain: Chain, variant: u64, seed: u64) {
    let mut tries = 0;
    loop {
        let inst = sign(sim, 0, wallet, chain, variant);
        sim.run(200_000);
        if signed(sim, inst).is_some() {
            break;
        }
        tries += 1;
        assert!(
            tries < 5,
            "seed {seed}: {chain} not signed after {tries} tries: {:?}",
            sim.result(inst)
        );
    }
    sim.faults = Faults::default();
    let again = sign(sim, 0, wallet, chain, variant);
    sim.run(1_000);
    assert_eq!(
        signed(sim, again),
        Some(0),
        "seed {seed}: a finished signature was asked again"
    );
}

pub fn create(sim: &mut Sim, t: u16) -> u64 {
    let members: Vec<InvitedMember> = sim
        .devs
        .iter()
        .enumerate()
        .map(|(i, d)| InvitedMember {
            party: u8::try_from(i + 1).unwrap(),
            addr: EndpointAddr::new(d.id),
            name: d.name.clone(),
            role: Sim::role(&d.name),
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(sim.now.as_millis() + 17);
    let wallet = accord_node::session::WalletSpec {
        name: "w".into(),
        threshold: t,
        network: Network::Regtest,
        policy: None,
    };
    let plan =
        KeygenPlan::invite(wallet, members, sim.schemes.clone(), sim.timeouts, &mut rng).unwrap();
    sim.start(0, AnySession::Keygen(Box::new(KeygenSession::lead(plan))))
}

/// The number of effects an undisturbed creation takes on `dev`.
pub fn effects_of_creation(names: &[&str], dev: usize) -> u64 {
    let mut sim = Sim::new(names, 1, Faults::default(), timeouts());
    let inst = create(&mut sim, 2);
    sim.run(100_000);
    assert!(matches!(sim.result(inst), Some(Ok(AnyOutput::Created(_)))));
    sim.effects(dev)
}
