//! [`Transport`]: an iroh endpoint speaking [`ALPN`], with one connection
//! per peer (dialled on the first send, or the peer's own connection to us,
//! reused both ways — also by a send whose dial is still under way), one
//! unidirectional stream per direction carrying [`frame`]s, and a channel
//! of [`Event`]s for what arrives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use iroh::endpoint::{Connection, ConnectionError, SendStream};
use iroh::{Endpoint, EndpointAddr, EndpointId, SecretKey, TransportAddr};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use zeroize::Zeroizing;

use super::ALPN;
use super::allowlist::Allowlist;
use super::config::{Config, Network};
use super::error::{BindError, PairError, SendError};
use super::frame::{self, FrameError};
use super::open::{Counted, Open};
use super::pairing::{self, PAIR_ALPN, PairRequest};
use super::receive::read_connection;

/// Events queued before the receiver must read (then peers are slowed
/// down by QUIC flow control, nothing is dropped).
const EVENT_QUEUE: usize = 64;
/// How long [`Transport::close`] waits for peers to acknowledge what was
/// sent before closing the connections.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a relay-only endpoint waits for its relay when it starts.
const RELAY_WAIT: Duration = Duration::from_secs(10);
/// What the transport reports.
#[non_exhaustive]
pub enum Event {
    /// A frame from `from`: the endpoint id authenticated by the connection's
    /// TLS handshake. Pass it as `from` to the session (`Keygen::handle`).
    Message {
        /// The authenticated sender.
        from: EndpointId,
        /// The frame body (an encoded envelope), zeroized on drop.
        bytes: Zeroizing<Vec<u8>>,
    },
    /// A connection with `peer` ended: closed by either side, refused, or
    /// timed out (the peer is gone). A later send dials again.
    PeerLost {
        /// The peer.
        peer: EndpointId,
        /// Why.
        error: ConnectionError,
    },
    /// A device (pinned or not) asks to pair; see [`super::pairing`].
    PairRequest(PairRequest),
    /// `peer` sent a malformed frame; its connection was closed.
    BadFrame {
        /// The peer.
        peer: EndpointId,
        /// What was wrong.
        error: FrameError,
    },
}

impl core::fmt::Debug for Event {
    // Frames carry secret shares: only their length is printed.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Event::Message { from, bytes } => f
                .debug_struct("Message")
                .field("from", from)
                .field("len", &bytes.len())
                .finish(),
            Event::PeerLost { peer, error } => f
                .debug_struct("PeerLost")
                .field("peer", peer)
                .field("error", error)
                .finish(),
            Event::PairRequest(request) => request.fmt(f),
            Event::BadFrame { peer, error } => f
                .debug_struct("BadFrame")
                .field("peer", peer)
                .field("error", error)
                .finish(),
        }
    }
}

/// A connection to one peer and our stream on it.
struct Link {
    conn: Connection,
    stream: Option<SendStream>,
}

impl Link {
    fn is_open(&self) -> bool {
        self.conn.close_reason().is_none()
    }
}

/// Per peer: the link (its async lock orders sends to that peer) and the
/// newest connection the peer opened to us, offered to our sends.
#[derive(Default)]
struct Slot {
    link: tokio::sync::Mutex<Option<Link>>,
    offered: watch::Sender<Option<Connection>>,
}

/// The offered connection, if it is live (and marks it seen).
fn live_offer(offered: &mut watch::Receiver<Option<Connection>>) -> Option<Connection> {
    offered
        .borrow_and_update()
        .as_ref()
        .filter(|c| c.close_reason().is_none())
        .cloned()
}

#[derive(Default)]
struct Links(Mutex<HashMap<EndpointId, Arc<Slot>>>);

impl Links {
    fn slot(&self, peer: EndpointId) -> Arc<Slot> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(peer)
            .or_default()
            .clone()
    }

    fn all(&self) -> Vec<Arc<Slot>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// Offers a connection the peer opened to us to our sends: the next
    /// send without a live link uses it, and a send dialling the peer
    /// meanwhile stops dialling and uses it (both devices starting at once
    /// dial each other; a dial to a device not yet listening waits for
    /// QUIC's retransmission, about a second, while the peer's own
    /// connection is already up).
    fn adopt(&self, conn: &Connection) {
        self.slot(conn.remote_id())
            .offered
            .send_replace(Some(conn.clone()));
    }
}

/// The device's endpoint. Dropping it stops every task it started; call
/// [`Transport::close`] to also tell peers, or they notice only after the
/// idle timeout.
pub struct Transport {
    endpoint: Endpoint,
    allowlist: Allowlist,
    links: Arc<Links>,
    events: mpsc::Sender<Event>,
    /// The accept loop and the readers of connections we dialled.
    tasks: Mutex<JoinSet<()>>,
}

impl core::fmt::Debug for Transport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transport")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Binds an endpoint with `secret` (see [`super::identity`]) and starts
    /// accepting connections from the ids in `allowlist` — fill it first.
    /// Returns the transport and the channel of what arrives.
    pub async fn bind(
        secret: SecretKey,
        config: &Config,
        allowlist: Allowlist,
    ) -> Result<(Self, mpsc::Receiver<Event>), BindError> {
        let endpoint = config
            .builder(secret, &allowlist)?
            .bind()
            .await
            .map_err(BindError::Bind)?;
        if config.network() == Network::RelayOnly {
            // Its relay is its only address: tickets must carry it.
            if tokio::time::timeout(RELAY_WAIT, endpoint.online())
                .await
                .is_err()
            {
                use iroh::Watcher as _;
                let status = endpoint.home_relay_status().get();
                return Err(BindError::Relay(format!("{status:?}")));
            }
        }
        let (events, receiver) = mpsc::channel(EVENT_QUEUE);
        let links = Arc::new(Links::default());
        let mut tasks = JoinSet::new();
        tasks.spawn(accept_loop(
            endpoint.clone(),
            links.clone(),
            events.clone(),
            allowlist.clone(),
        ));
        let transport = Transport {
            endpoint,
            allowlist,
            links,
            events,
            tasks: Mutex::new(tasks),
        };
        Ok((transport, receiver))
    }

    /// This device's id.
    pub fn id(&self) -> EndpointId {
        self.endpoint.id()
    }

    /// How to reach this endpoint now (what a pairing ticket carries): its
    /// id, its bound addresses and, in production, its relay.
    pub fn addr(&self) -> EndpointAddr {
        let mut addr = self.endpoint.addr();
        if addr.addrs.is_empty() {
            addr.addrs = self
                .endpoint
                .bound_sockets()
                .into_iter()
                .map(TransportAddr::Ip)
                .collect();
        }
        addr
    }

    /// The pinned peers this transport enforces.
    pub fn allowlist(&self) -> &Allowlist {
        &self.allowlist
    }

    /// Sends `bytes` (an encoded envelope) to the peer `to` as one frame,
    /// dialling it if there is no live connection. Frames to one peer
    /// arrive in the order sent. `Ok` means handed to QUIC, not received.
    pub async fn send(&self, to: EndpointAddr, bytes: &[u8]) -> Result<(), SendError> {
        let prefix = frame::prefix(bytes.len())?;
        // Unpinned since the connection opened: refuse before reusing it.
        if !self.allowlist.contains(&to.id) {
            return Err(SendError::NotPinned);
        }
        let slot = self.links.slot(to.id);
        let mut offered = slot.offered.subscribe();
        let mut guard = slot.link.lock().await;
        let mut link = match guard.take() {
            Some(link) if link.is_open() => link,
            _ => match live_offer(&mut offered) {
                Some(conn) => Link { conn, stream: None },
                None => self.dial(to, &mut offered).await?,
            },
        };
        let mut stream = match link.stream.take() {
            Some(stream) => stream,
            None => match link.conn.open_uni().await {
                Ok(stream) => stream,
                Err(e) => return Err(SendError::Connection(e)),
            },
        };
        let written = match stream.write_all(&prefix).await {
            Ok(()) => stream.write_all(bytes).await,
            Err(e) => Err(e),
        };
        match written {
            Ok(()) => {
                link.stream = Some(stream);
                *guard = Some(link);
                Ok(())
            }
            // The link is dropped: the next send dials again.
            Err(e) => Err(SendError::Write(e)),
        }
    }

    /// Dials `to`, unless the peer's own connection to us arrives first.
    async fn dial(
        &self,
        to: EndpointAddr,
        offered: &mut watch::Receiver<Option<Connection>>,
    ) -> Result<Link, SendError> {
        let connect = self.endpoint.connect(to, ALPN);
        tokio::pin!(connect);
        let mut watching = true;
        let conn = loop {
            tokio::select! {
                // Our own connection when it is there: dropping a finished
                // dial for the offer would close a connection the peer may
                // have adopted for its own sends.
                biased;
                conn = &mut connect => break conn.map_err(SendError::Connect)?,
                changed = offered.changed(), if watching => {
                    watching = changed.is_ok();
                    if let Some(conn) = live_offer(offered) {
                        return Ok(Link { conn, stream: None });
                    }
                }
            }
        };
        self.spawn(read_connection(
            conn.clone(),
            self.events.clone(),
            self.allowlist.clone(),
        ));
        Ok(Link { conn, stream: None })
    }

    /// Whether the connection that carries our sends to `peer` is one this
    /// endpoint dialled (`false`: the peer's, adopted); `None` without one.
    #[doc(hidden)]
    pub async fn dialled(&self, peer: EndpointId) -> Option<bool> {
        let slot = self.links.slot(peer);
        let link = slot.link.lock().await;
        link.as_ref()
            .map(|l| l.conn.side() == iroh::endpoint::Side::Client)
    }

    /// Stops using the connection to `peer` for sends: the next one dials
    /// afresh. For a peer gone silent, whose connection may be dead without
    /// QUIC knowing yet (it crashed and restarted: the old connection's
    /// idle timeout has not passed). The connection is not closed: what the
    /// peer still sends on it is read.
    pub async fn forget(&self, peer: EndpointId) {
        let slot = self.links.slot(peer);
        slot.offered.send_replace(None);
        let mut link = slot.link.lock().await;
        if let Some(mut l) = link.take()
            && let Some(mut stream) = l.stream.take()
        {
            let _ = stream.finish();
        }
    }

    /// Redeemer's side of pairing: sends `request` to `to` on the pairing
    /// ALPN and returns the answer. `to.id` must be pinned first (it comes
    /// from the ticket being redeemed).
    pub async fn pair(&self, to: EndpointAddr, request: &[u8]) -> Result<Vec<u8>, PairError> {
        pairing::exchange(&self.endpoint, to, request).await
    }

    /// Finishes our streams, waits (briefly) for peers to acknowledge what
    /// was sent, then closes the endpoint: peers learn at once. Sends after
    /// this fail.
    pub async fn close(&self) {
        let mut flushes = JoinSet::new();
        for slot in self.links.all() {
            flushes.spawn(async move {
                let link = slot.link.lock().await.take();
                // `_conn` keeps the connection open while the stream flushes.
                if let Some(Link {
                    conn: _conn,
                    stream: Some(mut stream),
                }) = link
                    && stream.finish().is_ok()
                {
                    let _ = tokio::time::timeout(FLUSH_TIMEOUT, stream.stopped()).await;
                }
            });
        }
        while flushes.join_next().await.is_some() {}
        self.endpoint.close().await;
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }
}

/// Accepts connections until the endpoint closes. The allow-list hook has
/// already refused unpinned ids when `incoming` completes.
async fn accept_loop(
    endpoint: Endpoint,
    links: Arc<Links>,
    events: mpsc::Sender<Event>,
    allowlist: Allowlist,
) {
    let mut readers = JoinSet::new();
    let open: Arc<Mutex<Open>> = Arc::default();
    while let Some(incoming) = endpoint.accept().await {
        while readers.try_join_next().is_some() {}
        let (links, events, allowlist) = (links.clone(), events.clone(), allowlist.clone());
        let open = open.clone();
        readers.spawn(async move {
            // Refused (not pinned) or a failed handshake: nothing to read.
            let Ok(conn) = incoming.await else { return };
            let _counted = Counted::take(&open, &conn);
            if conn.alpn() == PAIR_ALPN {
                if let Some(request) = pairing::accept(conn).await {
                    let _ = events.send(Event::PairRequest(request)).await;
                }
                return;
            }
            links.adopt(&conn);
            read_connection(conn, events, allowlist).await;
        });
    }
}
