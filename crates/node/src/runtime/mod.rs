//! The device at work: one [`Node`] owns the store, the iroh transport and
//! the approver, and runs pairing, wallet creation and co-signing sessions
//! with other devices. The desktop app, the phone stand-in and the recovery
//! server all run this code.
//!
//! Sessions ([`keygen`], [`sign`], [`cosign`]) drive `accord_mpc` state
//! machines over the transport ([`drive`]): every session has a unique id,
//! a per-round deadline (a member silent that long is gone), an absolute
//! deadline, and ends everywhere with an abort notice when it fails. Signing
//! journals nonce consumption before any signature share leaves the device
//! and is retried with another quorum when a co-signer is offline or times
//! out.

mod cosign;
mod drive;
mod error;
pub mod fault;
mod keygen;
pub mod pair;
mod router;
mod sign;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use accord_mpc::SessionId;
use iroh::{EndpointAddr, EndpointId};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::approve::Approver;
use crate::secret::Protector;
use crate::store::Store;
use crate::transport::{Allowlist, Config, Event, Transport, identity};
use crate::wire::{Control, Message, SessionBytes, encode_control};

pub use drive::{Progress, ProgressFn};
pub use error::{KeygenError, NodeError, PairingError, SignError};
pub use keygen::{NETWORKS, WalletSummary, public_keys};
pub use pair::{issue_ticket, stored_addr};
pub use sign::{SignOutcome, scheme_of};

use router::{Inbound, Router};

/// Deadlines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// A member silent this long during signing (no message, no
    /// heartbeat) is gone: the attempt aborts and another quorum is tried.
    pub sign_round: Duration,
    /// The same for key generation (DKLs23 rounds compute for a while).
    pub keygen_round: Duration,
    /// How long a member's user may take to approve.
    pub approval: Duration,
    /// The longest a session may run once approved.
    pub session: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            sign_round: Duration::from_secs(2),
            keygen_round: Duration::from_secs(20),
            approval: Duration::from_secs(300),
            session: Duration::from_secs(120),
        }
    }
}

/// How long a heartbeat ([`Control::Pending`]) interval is.
pub(crate) const HEARTBEAT: Duration = Duration::from_millis(400);

/// How a node runs.
pub struct NodeOptions {
    /// This device's name, told to peers (`desktop`, `phone`, `recovery`).
    pub name: String,
    /// The endpoint configuration (production or loopback).
    pub transport: Config,
    /// Deadlines.
    pub timeouts: Timeouts,
    /// Who approves invitations and proposals from peers.
    pub approver: Arc<dyn Approver>,
}

impl core::fmt::Debug for NodeOptions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NodeOptions")
            .field("name", &self.name)
            .field("transport", &self.transport)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Shared {
    store: Mutex<Store>,
    pub(crate) transport: Transport,
    pub(crate) approver: Arc<dyn Approver>,
    pub(crate) router: Router,
    pub(crate) name: String,
    pub(crate) timeouts: Timeouts,
    /// When each peer was last recorded as seen (the store is written at
    /// most every [`SEEN_EVERY`] seconds per peer, not per message).
    seen: Mutex<std::collections::HashMap<EndpointId, i64>>,
}

/// How often a peer's `last_seen` is written to the store, in seconds.
const SEEN_EVERY: i64 = 10;

/// A running device.
pub struct Node {
    shared: Arc<Shared>,
    events: JoinHandle<()>,
}

impl core::fmt::Debug for Node {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The id of part `index` of session `base` (one DKG per scheme, one
/// signature per message): SHA-256 of a label, the base and the index, so
/// parts of different sessions never collide.
pub(crate) fn derive(base: &SessionBytes, index: u16) -> SessionId {
    let mut h = Sha256::new();
    h.update(b"accord/session-part/v1");
    h.update(base);
    h.update(index.to_be_bytes());
    SessionId(h.finalize().into())
}

/// Opens the store in `dir` (created if missing) with `protector`.
pub fn open_store(dir: &Path, protector: &Protector) -> Result<Store, NodeError> {
    std::fs::create_dir_all(dir).map_err(|e| NodeError::DataDir(dir.display().to_string(), e))?;
    Ok(Store::open(&dir.join("accord.db"), protector, now())?)
}

impl Node {
    /// Starts the device: its identity from the store, the pinned peers
    /// from the store (before the endpoint accepts), the endpoint, and the
    /// loop that serves peers.
    pub async fn start(mut store: Store, options: NodeOptions) -> Result<Node, NodeError> {
        let secret = identity::secret_key(&mut store)?;
        let allowlist = Allowlist::new();
        for id in store.pinned_ids()? {
            if let Ok(id) = id.parse::<EndpointId>() {
                allowlist.pin(id);
            }
        }
        let mut config = options.transport.clone();
        if config.network() == crate::transport::config::Network::Loopback
            && let Some(port) = store.bound_port()?
        {
            config = config.with_port(port);
        }
        let (transport, events) =
            match Transport::bind(secret.clone(), &config, allowlist.clone()).await {
                Ok(bound) => bound,
                // The old port is taken: take any.
                Err(_) if config != options.transport => {
                    Transport::bind(secret, &options.transport, allowlist.clone()).await?
                }
                Err(e) => return Err(e.into()),
            };
        if let Some(port) = transport.addr().ip_addrs().next().map(|a| a.port()) {
            store.set_bound_port(port)?;
        }
        store.set_setting("name", &options.name)?;
        let shared = Arc::new(Shared {
            store: Mutex::new(store),
            transport,
            approver: options.approver,
            router: Router::default(),
            name: options.name.clone(),
            timeouts: options.timeouts,
            seen: Mutex::default(),
        });
        let gate = Arc::downgrade(&shared);
        allowlist.set_pairing_gate(Arc::new(move || {
            gate.upgrade()
                .is_some_and(|s| s.store().has_open_ticket(now()).unwrap_or(false))
        }));
        let events = tokio::spawn(serve(shared.clone(), events));
        Ok(Node { shared, events })
    }

    /// This device's id.
    pub fn id(&self) -> EndpointId {
        self.shared.transport.id()
    }

    /// How to reach this device now.
    pub fn addr(&self) -> EndpointAddr {
        self.shared.transport.addr()
    }

    /// This device's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The store (hold the guard briefly: sessions need it too).
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.shared.store()
    }

    /// Asks `peer` whether it is there; `true` if it answered within `timeout`.
    pub async fn ping(&self, peer: EndpointAddr, timeout: Duration) -> bool {
        self.shared.ping(peer, timeout).await
    }

    /// Sends raw frame bytes to `to` (tests: replays and forgeries).
    #[doc(hidden)]
    pub async fn send_raw(&self, to: EndpointAddr, bytes: &[u8]) -> Result<(), String> {
        self.shared.send_bytes(&to, bytes).await
    }

    /// Stops serving and closes the endpoint (peers learn at once).
    pub async fn shutdown(self) {
        self.events.abort();
        let _ = self.events.await;
        match Arc::try_unwrap(self.shared) {
            Ok(shared) => shared.transport.close().await,
            Err(shared) => {
                // A session still holds it: closing the endpoint is enough.
                drop(shared);
            }
        }
    }
}

impl Shared {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) async fn send_bytes(&self, to: &EndpointAddr, bytes: &[u8]) -> Result<(), String> {
        match tokio::time::timeout(
            self.timeouts.sign_round.max(Duration::from_secs(3)),
            self.transport.send(to.clone(), bytes),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out connecting".into()),
        }
    }

    pub(crate) async fn send_control(
        &self,
        to: &EndpointAddr,
        control: &Control,
    ) -> Result<(), String> {
        self.send_bytes(to, &encode_control(control)).await
    }

    async fn ping(&self, peer: EndpointAddr, timeout: Duration) -> bool {
        let nonce = rand_core::RngCore::next_u64(&mut rand_core::OsRng);
        let id = ping_session(nonce);
        let Some((_route, mut rx)) = self.router.register(&[id]) else {
            return false;
        };
        let from = peer.id;
        let asked = async {
            self.send_control(&peer, &Control::Ping { nonce })
                .await
                .ok()?;
            while let Some(inbound) = rx.recv().await {
                if let Inbound::Control {
                    from: f,
                    control: Control::Pong { nonce: n },
                } = inbound
                    && f == from
                    && n == nonce
                {
                    return Some(());
                }
            }
            None
        };
        tokio::time::timeout(timeout, asked)
            .await
            .ok()
            .flatten()
            .is_some()
    }
}

/// The routing id of a ping's answer.
fn ping_session(nonce: u64) -> SessionBytes {
    let mut id = [0u8; 32];
    id[..8].copy_from_slice(b"ping\0\0\0\0");
    id[24..].copy_from_slice(&nonce.to_be_bytes());
    id
}

/// Serves what arrives until the transport closes.
async fn serve(shared: Arc<Shared>, mut events: mpsc::Receiver<Event>) {
    while let Some(event) = events.recv().await {
        match event {
            Event::Message { from, bytes } => match Message::decode(&bytes) {
                Ok(message) => dispatch(&shared, from, message),
                Err(e) => log(
                    &shared,
                    "rejected",
                    &format!("bad message from {from}: {e}"),
                ),
            },
            Event::PairRequest(request) => {
                tokio::spawn(pair::answer(shared.clone(), request));
            }
            Event::BadFrame { peer, error } => {
                log(
                    &shared,
                    "rejected",
                    &format!("bad frame from {peer}: {error}"),
                );
            }
            Event::PeerLost { .. } => {}
        }
    }
}

fn dispatch(shared: &Arc<Shared>, from: EndpointId, message: Message) {
    let t = now();
    let stale = {
        let mut seen = shared.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let last = seen.entry(from).or_insert(i64::MIN);
        let stale = t.saturating_sub(*last) >= SEEN_EVERY;
        if stale {
            *last = t;
        }
        stale
    };
    if stale {
        let _ = shared.store().seen(&from.to_string(), t);
    }
    match message {
        Message::Mpc(envelope) => {
            let id = envelope.session.0;
            // A session registers its route before it journals its nonces,
            // so "consumed, and still not running" can only mean it ended
            // (the last check closes the race with a session starting
            // between the first two).
            // (No store query for the messages of live sessions.)
            let replayed = !shared.router.is_running(&id)
                && shared
                    .store()
                    .nonce_consumed(envelope.session)
                    .unwrap_or(false)
                && !shared.router.is_running(&id);
            if replayed {
                return log(
                    shared,
                    "rejected",
                    &format!("replayed message from {from} for a finished session"),
                );
            }
            deliver(shared, id, Inbound::Mpc { from, envelope });
        }
        Message::Control(Control::Ping { nonce }) => {
            let shared = shared.clone();
            tokio::spawn(async move {
                if let Some(addr) = shared.addr_of(&from) {
                    let _ = shared.send_control(&addr, &Control::Pong { nonce }).await;
                }
            });
        }
        Message::Control(Control::Pong { nonce }) => {
            let _ = shared.router.deliver(
                ping_session(nonce),
                Inbound::Control {
                    from,
                    control: Control::Pong { nonce },
                },
            );
        }
        Message::Control(Control::Invite(invitation)) => {
            if shared.router.is_running(&invitation.session) {
                return log(
                    shared,
                    "rejected",
                    &format!("repeated invitation from {from}"),
                );
            }
            tokio::spawn(keygen::respond(shared.clone(), from, invitation));
        }
        Message::Control(Control::Propose(proposal)) => {
            if shared.router.is_running(&proposal.session) {
                return log(
                    shared,
                    "rejected",
                    &format!("repeated proposal from {from}"),
                );
            }
            tokio::spawn(cosign::respond(shared.clone(), from, proposal));
        }
        Message::Control(control) => {
            if let Some(id) = control.session() {
                deliver(shared, id, Inbound::Control { from, control });
            }
        }
    }
}

fn deliver(shared: &Shared, id: SessionBytes, inbound: Inbound) {
    let delivered = shared.router.deliver(id, inbound);
    if let router::Delivered::Buffered { expired } = delivered
        && expired > 0
    {
        log(
            shared,
            "rejected",
            &format!("{expired} message(s) for sessions that never started here were dropped"),
        );
    }
    if delivered == router::Delivered::Dropped {
        log(
            shared,
            "rejected",
            &format!("message for session {} dropped", hex::encode(&id[..8])),
        );
    }
}

/// Appends to the device's event log (best effort: logging never stops a
/// session).
pub(crate) fn log(shared: &Shared, kind: &str, detail: &str) {
    let _ = shared.store().log(None, kind, detail, now());
}

impl Shared {
    /// The address of a paired device or wallet member.
    pub(crate) fn addr_of(&self, id: &EndpointId) -> Option<EndpointAddr> {
        let store = self.store();
        let text = id.to_string();
        let devices = store.devices().ok()?;
        if let Some(d) = devices.into_iter().find(|d| d.endpoint_id == text) {
            return serde_json::from_str(&d.addr).ok();
        }
        for wallet in store.wallets().ok()? {
            if let Some(m) = store
                .members(&wallet)
                .ok()?
                .into_iter()
                .find(|m| m.endpoint_id == text)
            {
                return serde_json::from_str(&m.addr).ok();
            }
        }
        None
    }
}

/// Awaits an approver's decision. Interactive approvers block on the
/// terminal inside their future: on a multi-threaded runtime this thread
/// is handed over to blocking first, so other sessions keep running.
pub(crate) async fn decide(pending: crate::approve::Pending<'_>) -> crate::approve::Decision {
    if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread
    {
        let handle = tokio::runtime::Handle::current();
        tokio::task::block_in_place(|| handle.block_on(pending))
    } else {
        pending.await
    }
}
