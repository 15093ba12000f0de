//! A deterministic simulation of devices running the node's sessions: no
//! sockets, no sleeping. An in-memory network with seeded drops, delays
//! (so reordering), duplicates and a byzantine hook; a virtual clock; each
//! device with its own in-memory store (the same SQLite store and rules as
//! on disk), approver script and RNG. A device can crash at any effect — its
//! sessions vanish, what its store committed stays — and restart from its
//! store. The device-level rules (admitting proposals and invitations,
//! journal writes, answering for wallet creations no longer running) are
//! the runner's own (`accord_node::runner::host`). Invariants are checked
//! after every step ([`invariants`]).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod invariants;
pub mod scenario;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use accord_mpc::{GroupKey, Scheme, SessionId};
use accord_node::approve::Decision;
use accord_node::runner::host::{self, Admission};
use accord_node::secret::Protector;
use accord_node::session::{
    AnyOutput, AnySession, Approval, Effect, Failure, Input, Journal, Role, Session, Time, Timeouts,
};
use accord_node::store::{DeviceStore, PairedDevice, SessionJournal, Store};
use accord_node::wire::{Control, Message, SessionBytes};
use iroh::{EndpointAddr, EndpointId, SecretKey};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use zeroize::Zeroizing;

/// Wall-clock seconds at virtual time zero.
const EPOCH: i64 = 1_700_000_000;
/// How long a message for a session not yet running is kept.
const PENDING_TTL: u64 = 20_000;
/// How long a send to a device that is down takes to fail.
const CONNECT_TIMEOUT: u64 = 3_000;

/// What goes wrong.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Probability that a message is lost.
    pub drop: f64,
    /// Probability that a message arrives twice.
    pub dup: f64,
    /// Each message takes 1 to this many milliseconds.
    pub max_delay: u64,
    /// One device crashes once.
    pub crash: Option<Crash>,
    /// A device that sends different payloads of one threshold round to
    /// different peers (equivocation).
    pub equivocator: Option<usize>,
    /// A device every message to which is lost without an error: a
    /// connection that is dead while QUIC does not know yet (the device
    /// crashed and restarted).
    pub unheard: Option<usize>,
}

/// A crash: device `device` stops when it carries out its `at_effect`-th
/// effect (the effect is not carried out), and restarts `down` ms later.
#[derive(Clone, Copy, Debug)]
pub struct Crash {
    /// Which device.
    pub device: usize,
    /// At which of its effects (counted from 1).
    pub at_effect: u64,
    /// How long it stays down.
    pub down: u64,
}

/// How a device's approver answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Yes, after this many milliseconds.
    Approve(u64),
    /// No (a veto), after this many milliseconds.
    Reject(u64),
    /// Never.
    Never,
}

struct Live {
    session: AnySession,
    inputs: VecDeque<Input>,
    decide: Option<(Time, Decision)>,
}

/// A simulated device.
pub struct Dev {
    /// Its name.
    pub name: String,
    /// Its id.
    pub id: EndpointId,
    /// Its store (survives crashes).
    pub store: Store,
    /// Its approver.
    pub answer: Answer,
    live: BTreeMap<u64, Live>,
    routes: BTreeMap<SessionBytes, u64>,
    pending: Vec<(Time, EndpointId, Message)>,
    pinned: BTreeSet<EndpointId>,
    /// The peers its sessions asked to dial afresh ([`Effect::Redial`]).
    pub redialled: BTreeSet<EndpointId>,
    down_until: Option<Time>,
    effects: u64,
    rng: StdRng,
    /// How many times it crashed.
    pub crashes: u32,
    /// Whether its store was written since the checks last looked.
    pub dirty: bool,
}

impl Dev {
    /// Whether it runs.
    pub fn up(&self) -> bool {
        self.down_until.is_none()
    }
}

enum Flight {
    Msg {
        from: usize,
        to: usize,
        bytes: Vec<u8>,
    },
    Unreachable {
        dev: usize,
        inst: u64,
        to: EndpointId,
    },
}

/// What a finished session ended with.
#[derive(Debug)]
pub struct Ended {
    /// The device.
    pub dev: usize,
    /// The session instance.
    pub inst: u64,
    /// Its result.
    pub result: Result<AnyOutput, Failure>,
}

/// What the checks know of a signing started by the test.
#[derive(Clone, Debug)]
pub struct Signing {
    /// The group keys.
    pub keys: BTreeMap<Scheme, GroupKey>,
    /// The wallet's id.
    pub wallet: String,
    /// The scheme.
    pub scheme: Scheme,
    /// The messages, in order.
    pub messages: Vec<Vec<u8>>,
}

/// The simulation.
pub struct Sim {
    /// Virtual time.
    pub now: Time,
    /// The devices.
    pub devs: Vec<Dev>,
    flights: BTreeMap<(Time, u64), Flight>,
    seq: u64,
    rng: StdRng,
    /// What goes wrong.
    pub faults: Faults,
    /// Deadlines of every session.
    pub timeouts: Timeouts,
    /// Schemes of wallets created.
    pub schemes: Vec<Scheme>,
    /// What each device's approver was asked, in order.
    pub asked: Vec<(usize, Approval)>,
    /// What each device logged, in order.
    pub logs: Vec<(usize, String)>,
    next: u64,
    /// Sessions that ended.
    pub ended: Vec<Ended>,
    /// Signings the test started, by instance.
    pub signings: HashMap<u64, Signing>,
    checks: invariants::Checks,
    /// Steps taken.
    pub steps: u64,
}

fn wall(t: Time) -> i64 {
    EPOCH + i64::try_from(t.as_millis() / 1000).unwrap()
}

impl Sim {
    /// `names.len()` devices, all paired with each other.
    pub fn new(names: &[&str], seed: u64, faults: Faults, timeouts: Timeouts) -> Sim {
        Sim::paired(names, seed, faults, timeouts, &|_, _| true)
    }

    /// Devices paired as `paired(i, j)` says (both ways).
    pub fn paired(
        names: &[&str],
        seed: u64,
        faults: Faults,
        timeouts: Timeouts,
        paired: &dyn Fn(usize, usize) -> bool,
    ) -> Sim {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut devs: Vec<Dev> = names
            .iter()
            .map(|name| {
                let mut key = Zeroizing::new([0u8; 32]);
                rand::RngCore::fill_bytes(&mut rng, key.as_mut_slice());
                let mut store = Store::in_memory(&Protector::Key(key), EPOCH).unwrap();
                let id = SecretKey::from_bytes(&store.device_secret().unwrap()).public();
                Dev {
                    name: (*name).to_owned(),
                    id,
                    store,
                    answer: Answer::Approve(50),
                    live: BTreeMap::new(),
                    routes: BTreeMap::new(),
                    pending: Vec::new(),
                    pinned: BTreeSet::new(),
                    redialled: BTreeSet::new(),
                    down_until: None,
                    effects: 0,
                    rng: StdRng::seed_from_u64(rand::RngCore::next_u64(&mut rng)),
                    crashes: 0,
                    dirty: true,
                }
            })
            .collect();
        let ids: Vec<(EndpointId, String)> = devs.iter().map(|d| (d.id, d.name.clone())).collect();
        for (i, d) in devs.iter_mut().enumerate() {
            let others = ids
                .iter()
                .enumerate()
                .filter(|(j, (id, _))| *id != d.id && paired(i.min(*j), i.max(*j)));
            for (_, (id, name)) in others {
                let device = PairedDevice {
                    id: *id,
                    name: name.clone(),
                    addr: EndpointAddr::new(*id),
                    paired_at: EPOCH,
                    last_seen: None,
                };
                d.store.pair_device(&device, EPOCH).unwrap();
                d.pinned.insert(*id);
            }
        }
        Sim {
            now: Time::ZERO,
            devs,
            flights: BTreeMap::new(),
            seq: 0,
            rng,
            faults,
            timeouts,
            schemes: vec![Scheme::FrostTaproot, Scheme::FrostEd25519],
            asked: Vec::new(),
            logs: Vec::new(),
            next: 0,
            ended: Vec::new(),
            signings: HashMap::new(),
            checks: invariants::Checks::default(),
            steps: 0,
        }
    }

    /// The address of device `i` (its id: the simulated network needs no more).
    pub fn addr(&self, i: usize) -> EndpointAddr {
        EndpointAddr::new(self.devs[i].id)
    }

    /// The role of a device by its name.
    pub fn role(name: &str) -> Role {
        name.parse().unwrap_or(Role::Member)
    }

    /// Starts `session` on device `dev`; its instance.
    pub fn start(&mut self, dev: usize, session: AnySession) -> u64 {
        self.next += 1;
        let inst = self.next;
        let pre: Vec<SessionBytes> = match &session {
            AnySession::Cosign(c) => c.routes(),
            AnySession::Keygen(k) => k.routes(),
            AnySession::Propose(_) => Vec::new(),
        };
        let d = &mut self.devs[dev];
        d.live.insert(
            inst,
            Live {
                session,
                inputs: VecDeque::from([Input::Start]),
                decide: None,
            },
        );
        self.listen(dev, inst, &pre);
        inst
    }

    fn listen(&mut self, dev: usize, inst: u64, ids: &[SessionBytes]) -> bool {
        let now = self.now;
        let d = &mut self.devs[dev];
        if ids
            .iter()
            .any(|id| d.routes.get(id).is_some_and(|i| *i != inst))
        {
            return false;
        }
        d.routes.retain(|_, i| *i != inst);
        for id in ids {
            d.routes.insert(*id, inst);
        }
        let pending = std::mem::take(&mut d.pending);
        for (at, from, message) in pending {
            let routed = session_of(&message).is_some_and(|id| ids.contains(&id));
            if routed && now.since(at).as_millis() < u128::from(PENDING_TTL) {
                if let Some(live) = d.live.get_mut(&inst) {
                    live.inputs.push_back(Input::Message { from, message });
                }
            } else if !routed {
                d.pending.push((at, from, message));
            }
        }
        true
    }

    fn send(&mut self, from: usize, inst: u64, to: EndpointId, message: &Message) {
        let Some(to_i) = self.devs.iter().position(|d| d.id == to) else {
            return;
        };
        let mut bytes = message.encode();
        if self.faults.equivocator == Some(from)
            && let Message::Mpc(env) = message
            && env.recipient == accord_mpc::Recipient::All
            && to_i % 2 == 0
            && !env.payload.is_empty()
        {
            // The same broadcast, altered for some recipients.
            let mut env = env.clone();
            let last = env.payload.len() - 1;
            env.payload[last] ^= 1;
            bytes = Message::Mpc(env).encode();
        }
        let refused = !self.devs[to_i].pinned.contains(&self.devs[from].id);
        if refused || !self.devs[to_i].up() {
            let after = if refused { 1 } else { CONNECT_TIMEOUT };
            let flight = Flight::Unreachable {
                dev: from,
                inst,
                to,
            };
            self.fly(after, flight);
            return;
        }
        if self.rng.gen_bool(self.faults.drop) || self.faults.unheard == Some(to_i) {
            return;
        }
        let copies = if self.rng.gen_bool(self.faults.dup) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let delay = self.rng.gen_range(1..=self.faults.max_delay.max(1));
            let flight = Flight::Msg {
                from,
                to: to_i,
                bytes: bytes.clone(),
            };
            self.fly(delay, flight);
        }
    }

    fn fly(&mut self, after: u64, flight: Flight) {
        self.seq += 1;
        let at = Time::from_millis(self.now.as_millis() + after);
        self.flights.insert((at, self.seq), flight);
    }

    /// Carries out the effects of instance `inst` of device `dev`, in order.
    fn carry(&mut self, dev: usize, inst: u64, effects: Vec<Effect<AnyOutput>>) {
        let mut front = Vec::new();
        for effect in effects {
            self.devs[dev].effects += 1;
            if let Some(c) = self.faults.crash
                && c.device == dev
                && c.at_effect == self.devs[dev].effects
            {
                self.crash(dev, c.down);
                self.faults.crash = None;
                return;
            }
            self.check(|c, sim| c.effect(sim, dev, inst, &effect));
            match effect {
                Effect::Send { to, message } => self.send(dev, inst, to.id, &message),
                Effect::Listen(ids) => {
                    if !self.listen(dev, inst, &ids) {
                        self.finish(dev, inst, Err(Failure::Invalid("session id in use".into())));
                        return;
                    }
                }
                Effect::Journal(j) => {
                    let now = wall(self.now);
                    let r = host::apply(&mut self.devs[dev].store, j, now);
                    self.devs[dev].dirty = true;
                    front.push(Input::Journaled(r));
                }
                Effect::LoadShare { wallet, scheme } => {
                    let r = host::open_share(host::sealed_share(
                        &self.devs[dev].store,
                        &wallet,
                        scheme,
                    ));
                    front.push(Input::Share(r));
                }
                Effect::Continue => front.push(Input::Continue),
                Effect::Ask(approval) => {
                    self.asked.push((dev, (*approval).clone()));
                    let decide = match (self.devs[dev].answer, *approval) {
                        (Answer::Approve(ms), _) => Some((ms, Decision::Approve)),
                        (Answer::Reject(ms), _) => Some((ms, Decision::Reject("no".into()))),
                        (Answer::Never, Approval::Keygen(_) | Approval::Sign(..)) => None,
                    };
                    let now = self.now;
                    if let Some(live) = self.devs[dev].live.get_mut(&inst) {
                        live.decide = decide.map(|(ms, d)| (now.after(ms_dur(ms)), d));
                    }
                }
                Effect::CancelAsk => {
                    if let Some(live) = self.devs[dev].live.get_mut(&inst) {
                        live.decide = None;
                    }
                }
                Effect::Pin(ids) => self.devs[dev].pinned.extend(ids),
                Effect::Unpin(ids) => {
                    let keep = self.devs[dev].store.pinned_ids().unwrap();
                    for id in ids.iter().filter(|id| !keep.contains(id)) {
                        self.devs[dev].pinned.remove(id);
                    }
                }
                Effect::Redial(ids) => self.devs[dev].redialled.extend(ids),
                Effect::Log { kind, detail, .. } => {
                    self.logs.push((dev, format!("{kind}: {detail}")))
                }
                Effect::Progress(_) | Effect::Milestone(_) => {}
                Effect::Finished(o) => return self.finish(dev, inst, Ok(o)),
                Effect::Aborted(f) => return self.finish(dev, inst, Err(f)),
            }
        }
        if let Some(live) = self.devs[dev].live.get_mut(&inst) {
            for input in front.into_iter().rev() {
                live.inputs.push_front(input);
            }
        }
    }

    fn finish(&mut self, dev: usize, inst: u64, result: Result<AnyOutput, Failure>) {
        let d = &mut self.devs[dev];
        d.live.remove(&inst);
        d.routes.retain(|_, i| *i != inst);
        self.check(|c, sim| c.ended(sim, dev, inst, &result));
        self.ended.push(Ended { dev, inst, result });
    }

    fn crash(&mut self, dev: usize, down: u64) {
        let until = self.now.after(ms_dur(down));
        let d = &mut self.devs[dev];
        d.live.clear();
        d.routes.clear();
        d.pending.clear();
        d.down_until = Some(until);
        d.crashes += 1;
    }

    fn restart(&mut self, dev: usize) {
        let now = wall(self.now);
        let d = &mut self.devs[dev];
        d.down_until = None;
        d.dirty = true;
        d.store.recover(now).unwrap();
        d.pinned = d.store.pinned_ids().unwrap().into_iter().collect();
        let messages = host::interrupted_creations(&mut d.store, now).unwrap();
        for (addr, control) in messages {
            self.send(dev, 0, addr.id, &Message::Control(control));
        }
        self.check(|c, sim| c.shares(sim, dev));
    }

    /// A message arrives at device `to`.
    fn deliver(&mut self, from: usize, to: usize, bytes: &[u8]) {
        let Ok(message) = Message::decode(bytes) else {
            return;
        };
        let from_id = self.devs[from].id;
        if !self.devs[to].up() || !self.devs[to].pinned.contains(&from_id) {
            return;
        }
        let now = self.now;
        let timeouts = self.timeouts;
        match message {
            Message::Control(Control::Propose(p)) => {
                if self.devs[to].routes.contains_key(&p.session) {
                    return;
                }
                match host::admit_proposal(&self.devs[to].store, from_id, p, timeouts) {
                    Admission::Cosign(c) => {
                        self.start(to, AnySession::Cosign(c));
                    }
                    Admission::Reply(c) => self.send(to, 0, from_id, &Message::Control(c)),
                    _ => {}
                }
            }
            Message::Control(Control::Invite(inv)) => {
                if self.devs[to].routes.contains_key(&inv.session) {
                    return;
                }
                let (me, schemes) = (self.devs[to].id, self.schemes.clone());
                let rules = host::Rules {
                    replacement_delay: None,
                    now: wall(now),
                };
                match host::admit_invitation(
                    &mut self.devs[to].store,
                    me,
                    from_id,
                    inv,
                    schemes,
                    timeouts,
                    rules,
                ) {
                    Admission::Keygen(k) => {
                        self.start(to, AnySession::Keygen(k));
                    }
                    Admission::Reply(c) => self.send(to, 0, from_id, &Message::Control(c)),
                    _ => {}
                }
            }
            Message::Control(Control::Ping { .. } | Control::Pong { .. }) => {}
            message => {
                let Some(id) = session_of(&message) else {
                    return;
                };
                if let Some(inst) = self.devs[to].routes.get(&id).copied() {
                    if let Some(live) = self.devs[to].live.get_mut(&inst) {
                        live.inputs.push_back(Input::Message {
                            from: from_id,
                            message,
                        });
                    }
                    return;
                }
                if let Message::Mpc(env) = &message
                    && self.devs[to].store.seen(SessionId(env.session.0)).unwrap()
                {
                    return; // a replay of a finished session
                }
                if let Message::Control(c) = &message
                    && host::resolvable(c).is_some()
                {
                    let answer =
                        host::resolve(&mut self.devs[to].store, from_id, c, wall(now)).unwrap();
                    self.devs[to].dirty = true;
                    if let Some(answer) = answer {
                        self.send(to, 0, from_id, &Message::Control(answer));
                    }
                    if matches!(c, Control::Outcome { .. }) {
                        return;
                    }
                }
                self.devs[to].pending.push((now, from_id, message));
            }
        }
    }

    /// One step: an input handled, or time advanced to the next event.
    /// `false` when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        self.steps += 1;
        // Inputs waiting, first device and instance first.
        for dev in 0..self.devs.len() {
            if !self.devs[dev].up() {
                continue;
            }
            let ready = self.devs[dev]
                .live
                .iter()
                .find(|(_, l)| !l.inputs.is_empty())
                .map(|(i, _)| *i);
            if let Some(inst) = ready {
                let now = self.now;
                let d = &mut self.devs[dev];
                let (Some(live), rng) = (d.live.get_mut(&inst), &mut d.rng) else {
                    continue;
                };
                let Some(input) = live.inputs.pop_front() else {
                    continue;
                };
                let effects = live.session.handle(now, input, rng);
                self.carry(dev, inst, effects);
                self.after_step();
                return true;
            }
        }
        // The next event.
        let mut next = self.flights.keys().next().map(|(t, _)| *t);
        for d in &self.devs {
            next = earliest(next, d.down_until);
            if !d.up() {
                continue;
            }
            for live in d.live.values() {
                next = earliest(next, live.session.deadline());
                next = earliest(next, live.decide.as_ref().map(|(t, _)| *t));
            }
        }
        let Some(t) = next else { return false };
        self.now = self.now.max(t);
        let now = self.now;
        while let Some(entry) = self.flights.first_entry() {
            if entry.key().0 > now {
                break;
            }
            match entry.remove() {
                Flight::Msg { from, to, bytes } => self.deliver(from, to, &bytes),
                Flight::Unreachable { dev, inst, to } => {
                    if let Some(live) = self.devs[dev].live.get_mut(&inst) {
                        live.inputs.push_back(Input::Unreachable {
                            to,
                            error: "unreachable".into(),
                        });
                    }
                }
            }
        }
        for dev in 0..self.devs.len() {
            if self.devs[dev].down_until.is_some_and(|u| u <= now) {
                self.restart(dev);
            }
            for live in self.devs[dev].live.values_mut() {
                if live.decide.as_ref().is_some_and(|(t, _)| *t <= now)
                    && let Some((_, d)) = live.decide.take()
                {
                    live.inputs.push_back(Input::Decision(d));
                }
                if live.session.deadline().is_some_and(|t| t <= now) {
                    live.inputs.push_back(Input::Tick);
                }
            }
        }
        self.after_step();
        true
    }

    fn after_step(&mut self) {
        let dirty = self.take_dirty();
        self.check(|c, sim| c.after_step(sim, &dirty));
    }

    /// Steps until nothing is left to happen (or `limit` steps: a livelock).
    pub fn run(&mut self, limit: u64) {
        let start = self.steps;
        while self.step() {
            assert!(self.steps - start < limit, "no quiet after {limit} steps");
        }
        self.check(|c, sim| c.at_quiet(sim));
    }

    fn check(&mut self, f: impl FnOnce(&mut invariants::Checks, &Sim)) {
        let mut checks = std::mem::take(&mut self.checks);
        f(&mut checks, self);
        self.checks = checks;
    }

    /// Which devices' stores were written since the last call.
    pub fn take_dirty(&mut self) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, d) in self.devs.iter_mut().enumerate() {
            if std::mem::take(&mut d.dirty) {
                out.push(i);
            }
        }
        out
    }

    /// The session kind of instance `inst` on `dev`, if it runs.
    pub fn signing_session(&self, dev: usize, inst: u64) -> bool {
        self.devs[dev]
            .live
            .get(&inst)
            .is_some_and(|l| matches!(l.session, AnySession::Propose(_) | AnySession::Cosign(_)))
    }

    /// Signatures the checks verified.
    pub fn verified(&self) -> usize {
        self.checks.verified
    }

    /// Effects device `dev` carried out.
    pub fn effects(&self, dev: usize) -> u64 {
        self.devs[dev].effects
    }

    /// Whether device `dev` has a session running.
    pub fn busy(&self, dev: usize) -> bool {
        !self.devs[dev].live.is_empty()
    }

    /// The result of instance `inst`, if it ended.
    pub fn result(&self, inst: u64) -> Option<&Result<AnyOutput, Failure>> {
        self.ended
            .iter()
            .find(|e| e.inst == inst)
            .map(|e| &e.result)
    }

    /// Journal effects carried out by a device, to check what it wrote.
    pub fn journal_kind(j: &Journal) -> &'static str {
        match j {
            Journal::BeginSigning { .. } => "begin",
            Journal::EndSigning { .. } => "end",
            Journal::StoreWallet(_) => "store",
            Journal::CommitWallet { .. } => "commit",
            Journal::DropWallet { .. } => "drop",
            _ => "other",
        }
    }
}

fn ms_dur(ms: u64) -> std::time::Duration {
    std::time::Duration::from_millis(ms)
}

fn earliest(a: Option<Time>, b: Option<Time>) -> Option<Time> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The session a message belongs to.
pub fn session_of(m: &Message) -> Option<SessionBytes> {
    match m {
        Message::Mpc(env) => Some(env.session.0),
        Message::Control(c) => c.session(),
    }
}
