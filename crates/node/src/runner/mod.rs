//! The one runner: the only code that touches tokio, the iroh transport,
//! the store and the approvers. It carries out the effects of the sessions
//! (`crate::session`) in order — [`drive`] for one session, the same code
//! for every kind — and serves what peers send ([`serve`]). A session that
//! journals waits for the write to be durable before its next effect: the
//! runner feeds it the acknowledgement before anything else.

mod approval;
mod chunks;
pub(crate) mod delayed_sync;
pub mod fault;
pub mod host;
pub(crate) mod pair;
pub(crate) mod policy_cache;
pub(crate) mod policy_prompt;
pub(crate) mod policy_sync;
pub(crate) mod router;
pub(crate) mod serve;
pub(crate) mod sized;
pub(crate) mod team_grants;
mod team_receive;
pub(crate) mod team_sync;
#[cfg(test)]
mod team_tests;
pub(crate) mod team_wallet;
mod undecided;

use std::collections::{HashMap, VecDeque};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use iroh::{EndpointAddr, EndpointId};
use rand_core::OsRng;
use tokio::sync::{Notify, mpsc};

use crate::approve::Approver;
use crate::event::EventKind;
use crate::facade::Vault;
use crate::session::{Effect, Failure, Input, Peer, Progress, Role, Session, Time, Timeouts};
use crate::store::Persist;
use crate::transport::Transport;
use crate::wire::{Control, Message, SessionBytes, encode_control};

use self::router::{Inbound, Route, Router};

/// Seconds since the epoch (wall time, for what is stored).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Where progress goes.
pub type ProgressFn<'a> = &'a (dyn Fn(Progress) + Send + Sync);

/// What a device shares between its sessions.
pub(crate) struct Shared {
    store: Mutex<Vault>,
    /// Turns at the store for the sessions' writes and the runner's
    /// offloaded reads, first come first served: waited for without holding
    /// a thread, then the store's lock is nearly always free. With only the
    /// lock (not fair), a hundred co-signings at once let some threads take
    /// it again and again while others wait: the latency tail under load.
    turn: tokio::sync::Mutex<()>,
    pub(crate) transport: Transport,
    pub(crate) approver: Arc<dyn Approver>,
    pub(crate) router: Router,
    name: std::sync::RwLock<String>,
    pub(crate) role: Role,
    pub(crate) timeouts: Timeouts,
    origin: tokio::time::Instant,
    /// When each peer was last recorded as seen (written at most every
    /// [`SEEN_EVERY`] seconds per peer).
    seen: Mutex<HashMap<EndpointId, i64>>,
    /// Key generations running per inviter.
    pub(crate) keygens: Mutex<HashMap<EndpointId, usize>>,
    /// Co-signings running per proposer.
    pub(crate) cosigns: Mutex<HashMap<EndpointId, usize>>,
    /// Ids pinned by running sessions, with how many pinned each.
    pins: Mutex<HashMap<EndpointId, usize>>,
    /// The policy in force per wallet, resolved once per change.
    pub(crate) policies: policy_cache::PolicyCache,
    /// Set once the node stops: sessions end.
    stopping: AtomicBool,
    stop: Notify,
    /// Wakes the team sync (a proposal, vote or result arrived or was
    /// made here) so it relays and signs at once.
    pub(crate) team_wake: Notify,
}

/// The store, locked.
pub(crate) struct StoreGuard<'a>(MutexGuard<'a, Vault>);

impl Deref for StoreGuard<'_> {
    type Target = dyn Persist;

    fn deref(&self) -> &(dyn Persist + 'static) {
        self.0.read()
    }
}

impl DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut (dyn Persist + 'static) {
        self.0.store()
    }
}

/// How often a peer's `last_seen` is written to the store, in seconds.
const SEEN_EVERY: i64 = 10;

impl Shared {
    pub(crate) fn new(
        store: Vault,
        transport: Transport,
        approver: Arc<dyn Approver>,
        name: String,
        role: Role,
        timeouts: Timeouts,
    ) -> Shared {
        Shared {
            store: Mutex::new(store),
            turn: tokio::sync::Mutex::new(()),
            transport,
            approver,
            router: Router::default(),
            name: std::sync::RwLock::new(name),
            role,
            timeouts,
            origin: tokio::time::Instant::now(),
            seen: Mutex::default(),
            keygens: Mutex::default(),
            cosigns: Mutex::default(),
            pins: Mutex::default(),
            policies: policy_cache::PolicyCache::default(),
            stopping: AtomicBool::new(false),
            stop: Notify::new(),
            team_wake: Notify::new(),
        }
    }

    /// The device's data (hold the guard briefly, never across an await).
    pub(crate) fn vault(&self) -> MutexGuard<'_, Vault> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store (hold the guard briefly, never across an await).
    pub(crate) fn store(&self) -> StoreGuard<'_> {
        StoreGuard(self.vault())
    }

    /// Runs `f` with the store on a blocking thread (SQLite fsyncs).
    pub(crate) async fn with_store<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut dyn Persist) -> T + Send + 'static,
    ) -> T {
        let _turn = self.turn.lock().await;
        let shared = self.clone();
        let run = move || f(&mut *shared.store());
        match tokio::task::spawn_blocking(run).await {
            Ok(t) => t,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Runs `f` with the store on this thread, in turn with every other
    /// store user: a session's own short work — its share read, its
    /// journal (one fsynced transaction), its end. Not moved to another
    /// thread: a hop to a blocking thread and back (`spawn_blocking`, or
    /// `block_in_place` handing the worker's tasks to a new thread) for
    /// each of these cost the recovery server a sixth of its co-signatures
    /// per second under load (measured, README); a co-signature's store
    /// work is a few hundred microseconds.
    pub(crate) async fn in_place<T>(self: &Arc<Self>, f: impl FnOnce(&mut dyn Persist) -> T) -> T {
        let _turn = self.turn.lock().await;
        f(&mut *self.store())
    }

    /// Session time: milliseconds since the node started.
    pub(crate) fn time(&self) -> Time {
        Time::from_millis(u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn instant(&self, t: Time) -> tokio::time::Instant {
        self.origin + Duration::from_millis(t.as_millis())
    }

    /// Appends to the event log (best effort: logging never stops anything).
    pub(crate) fn log(&self, wallet: Option<&str>, kind: EventKind, detail: &str) {
        let _ = self.store().log(wallet, kind, detail, now());
    }

    /// Notes that `from` was heard from (in the store at most every 10 s).
    pub(crate) fn heard(&self, from: EndpointId) {
        let t = now();
        let stale = {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            let last = seen.entry(from).or_insert(i64::MIN);
            let stale = t.saturating_sub(*last) >= SEEN_EVERY;
            if stale {
                *last = t;
            }
            stale
        };
        if stale {
            let _ = self.store().seen_device(&from, t);
        }
    }

    /// Sends frame `bytes` to `to`, giving up after a round's timeout.
    pub(crate) async fn send_bytes(&self, to: &EndpointAddr, bytes: &[u8]) -> Result<(), String> {
        let limit = self.timeouts.sign_round.max(Duration::from_secs(3));
        match tokio::time::timeout(limit, self.transport.send(to.clone(), bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out connecting".into()),
        }
    }

    /// Sends a control message to `to`.
    pub(crate) async fn send_control(
        &self,
        to: &EndpointAddr,
        control: &Control,
    ) -> Result<(), String> {
        self.send_bytes(to, &encode_control(control)).await
    }

    /// Ends every session and stops serving.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.stop.notify_waiters();
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Pins `ids` for a session.
    fn pin(&self, ids: &[EndpointId]) {
        let mut pins = self.pins.lock().unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            *pins.entry(*id).or_insert(0) += 1;
            self.transport.allowlist().pin(*id);
        }
    }

    /// The name this device tells its peers.
    pub(crate) fn name(&self) -> String {
        self.name
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Tells peers another name from now on.
    pub(crate) fn rename(&self, name: String) {
        *self.name.write().unwrap_or_else(PoisonError::into_inner) = name;
    }

    /// The ids running sessions pinned.
    fn session_pins(&self) -> Vec<EndpointId> {
        self.pins
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .copied()
            .collect()
    }

    /// Unpins `ids` a session pinned, unless another running session pinned
    /// them too or the store still lets them in.
    fn unpin(&self, ids: &[EndpointId]) {
        let keep = self.store().pinned_ids().unwrap_or_default();
        let mut pins = self.pins.lock().unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            let left = pins.get_mut(id).map(|n| {
                *n = n.saturating_sub(1);
                *n
            });
            if left == Some(0) {
                pins.remove(id);
            }
            if left.unwrap_or(0) == 0 && !keep.contains(id) {
                self.transport.allowlist().unpin(id);
            }
        }
    }
}

/// How long an abort notice may take to leave.
const NOTICE_TIMEOUT: Duration = Duration::from_secs(1);

/// Sends `batch`, in order per peer and concurrently across peers; the
/// peers that could not be reached, with why.
async fn flush(
    shared: &Shared,
    batch: &mut Vec<(Box<Peer>, Message)>,
) -> Vec<(EndpointId, String)> {
    if batch.is_empty() {
        return Vec::new();
    }
    let mut by_peer: Vec<(Box<Peer>, Vec<Message>)> = Vec::new();
    for (peer, message) in batch.drain(..) {
        match by_peer.iter_mut().find(|(p, _)| p.id == peer.id) {
            Some((_, messages)) => messages.push(message),
            None => by_peer.push((peer, vec![message])),
        }
    }
    let sends = by_peer.into_iter().map(|(peer, messages)| async move {
        for message in messages {
            if matches!(message, Message::Mpc(_))
                && let Some(delay) = fault::delay()
            {
                tokio::time::sleep(delay).await;
            }
            // An abort notice is best effort: it may not hold up the next
            // step, and its failure tells the session nothing.
            if matches!(message, Message::Control(Control::Abort { .. })) {
                let bytes = message.encode();
                let _ = tokio::time::timeout(NOTICE_TIMEOUT, shared.send_bytes(&peer.addr, &bytes))
                    .await;
                continue;
            }
            if let Err(e) = shared.send_bytes(&peer.addr, &message.encode()).await {
                return Some((peer.id, e));
            }
        }
        None
    });
    futures_util::future::join_all(sends)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// Hands `input` to `session`, off the async threads when handling it is
/// heavy ([`Session::heavy`]).
async fn step<S: Session>(
    shared: &Shared,
    session: S,
    input: Input,
) -> Result<(S, Vec<Effect<S::Output>>), Failure> {
    let now = shared.time();
    if session.heavy(&input) && offload_in_place() {
        let mut session = session;
        let effects = tokio::task::block_in_place(|| session.handle(now, input, &mut OsRng));
        Ok((session, effects))
    } else if session.heavy(&input) {
        let mut session = session;
        tokio::task::spawn_blocking(move || {
            let effects = session.handle(now, input, &mut OsRng);
            (session, effects)
        })
        .await
        .map_err(|e| Failure::Invalid(format!("a protocol step failed: {e}")))
    } else {
        let mut session = session;
        let effects = session.handle(now, input, &mut OsRng);
        Ok((session, effects))
    }
}

/// Whether `block_in_place` can run here (a multi-thread runtime).
fn offload_in_place() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// Runs `session` to its end, carrying out its effects in order; `route`
/// and `inbox` deliver its messages (a route registered before it starts,
/// so nothing sent to it early is lost).
pub(crate) async fn drive<S: Session>(
    shared: Arc<Shared>,
    session: S,
    mut route: Option<Route>,
    mut inbox: Option<mpsc::Receiver<Inbound>>,
    progress: ProgressFn<'_>,
) -> Result<S::Output, Failure> {
    let mut session = Some(session);
    let mut queue = VecDeque::from([Input::Start]);
    let mut asking: Option<approval::Asking> = None;
    let mut batch = Vec::new();
    loop {
        while let Some(input) = queue.pop_front() {
            let Some(current) = session.take() else {
                return Err(Failure::ShuttingDown);
            };
            let (current, effects) = step(&shared, current, input).await?;
            session = Some(current);
            for effect in effects {
                if let Effect::Send { to, message } = effect {
                    batch.push((to, message));
                    continue;
                }
                for (to, error) in flush(&shared, &mut batch).await {
                    queue.push_back(Input::Unreachable { to, error });
                }
                match effect {
                    Effect::Send { .. } => {}
                    Effect::Listen(ids) => {
                        let listening = route.as_ref().is_some_and(|r| r.ids() == ids.as_slice());
                        if !listening {
                            drop(route.take());
                            let Some((r, rx)) = shared.router.register(&ids) else {
                                return Err(Failure::Invalid("session id in use".into()));
                            };
                            route = Some(r);
                            inbox = Some(rx);
                        }
                    }
                    Effect::Journal(journal) => {
                        let result = shared
                            .in_place(move |store| host::apply(store, journal, now()))
                            .await;
                        queue.push_front(Input::Journaled(result));
                    }
                    Effect::LoadShare { wallet, scheme } => {
                        let sealed = shared
                            .in_place(move |store| host::sealed_share(store, &wallet, scheme))
                            .await;
                        // Opened (and validated: it computes) outside the
                        // store's lock, which other sessions wait for.
                        let result = host::open_share(sealed);
                        queue.push_front(Input::Share(result));
                    }
                    // After what the sends before it found: a proposal
                    // that could not be sent ends the attempt first.
                    Effect::Continue => queue.push_back(Input::Continue),
                    Effect::Ask(approval) => {
                        let decided = approval::made(&approval)
                            .or_else(|| approval::at_once(&*shared.approver, &approval));
                        match decided {
                            Some(decision) => queue.push_back(Input::Decision(decision)),
                            None => {
                                asking = Some(approval::ask(shared.approver.clone(), *approval));
                            }
                        }
                    }
                    Effect::CancelAsk => asking = None,
                    Effect::Pin(ids) => shared.pin(&ids),
                    Effect::Unpin(ids) => shared.unpin(&ids),
                    Effect::Redial(ids) => {
                        for id in ids {
                            shared.transport.forget(id).await;
                        }
                    }
                    Effect::Progress(p) => progress(p),
                    // An fsynced write: off the async threads, like the
                    // journal (a worker waiting for the store's lock stalls
                    // every session queued behind it).
                    Effect::Log {
                        wallet,
                        kind,
                        detail,
                    } => {
                        shared
                            .in_place(move |store| {
                                let _ = store.log(wallet.as_deref(), kind, &detail, now());
                            })
                            .await;
                    }
                    Effect::Milestone(m) => fault::point(m.name()),
                    Effect::Finished(output) => return Ok(output),
                    Effect::Aborted(failure) => return Err(failure),
                }
            }
            for (to, error) in flush(&shared, &mut batch).await {
                queue.push_back(Input::Unreachable { to, error });
            }
        }
        // Registered before the flag is read, so a stop in between is seen.
        let stopped = shared.stop.notified();
        tokio::pin!(stopped);
        stopped.as_mut().enable();
        if shared.stopping() {
            return Err(Failure::ShuttingDown);
        }
        let deadline = session.as_ref().and_then(Session::deadline);
        let sleep = async {
            match deadline {
                Some(t) => tokio::time::sleep_until(shared.instant(t)).await,
                None => std::future::pending().await,
            }
        };
        let decided = async {
            match asking.as_mut() {
                Some(a) => (&mut a.decision).await.ok(),
                None => std::future::pending().await,
            }
        };
        let received = async {
            match inbox.as_mut() {
                Some(rx) => rx.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            inbound = received => match inbound {
                Some(Inbound { from, message }) => queue.push_back(Input::Message { from, message }),
                None => return Err(Failure::ShuttingDown),
            },
            decision = decided => {
                asking = None;
                if let Some(d) = decision {
                    queue.push_back(Input::Decision(d));
                }
            }
            () = sleep => queue.push_back(Input::Tick),
            () = &mut stopped => return Err(Failure::ShuttingDown),
        }
    }
}

/// The routing id of a ping's answer.
pub(crate) fn ping_session(nonce: u64) -> SessionBytes {
    let mut id = [0u8; 32];
    id[..8].copy_from_slice(b"ping\0\0\0\0");
    id[24..].copy_from_slice(&nonce.to_be_bytes());
    id
}

impl Shared {
    /// Asks `peer` whether it is there; `true` if it answered within `timeout`.
    pub(crate) async fn ping(&self, peer: EndpointAddr, timeout: Duration) -> bool {
        let nonce = rand_core::RngCore::next_u64(&mut OsRng);
        let Some((_route, mut rx)) = self.router.register(&[ping_session(nonce)]) else {
            return false;
        };
        let from = peer.id;
        let asked = async {
            self.send_control(&peer, &Control::Ping { nonce })
                .await
                .ok()?;
            while let Some(inbound) = rx.recv().await {
                if inbound.from == from
                    && matches!(inbound.message, Message::Control(Control::Pong { nonce: n }) if n == nonce)
                {
                    return Some(());
                }
            }
            None
        };
        let answered = tokio::time::timeout(timeout, asked)
            .await
            .ok()
            .flatten()
            .is_some();
        if !answered {
            // Perhaps a dead connection to a device that restarted: the
            // next message dials afresh.
            self.transport.forget(from).await;
        }
        answered
    }
}
