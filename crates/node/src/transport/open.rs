//! The connections each peer has open to this device, at most
//! [`MAX_CONNECTIONS_PER_PEER`]. A peer over the limit loses its oldest
//! connection, not the new one: a peer opens a new connection when it
//! gave up on an old one (it stopped hearing from us and dials afresh),
//! and the old one, kept alive by QUIC keep-alives, would otherwise count
//! against it for ever — refusing the new one would cut the peer off.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use iroh::EndpointId;
use iroh::endpoint::{Connection, VarInt};

/// Connections one peer may have open to this device at once (each carries
/// at most a few streams: `config::MAX_UNI_STREAMS`).
pub const MAX_CONNECTIONS_PER_PEER: usize = 4;
/// The QUIC close code for a peer's oldest connection, closed for a newer
/// one over [`MAX_CONNECTIONS_PER_PEER`].
pub const TOO_MANY_CONNECTIONS: u32 = 429;

/// Every peer's open connections, oldest first.
#[derive(Default)]
pub(super) struct Open {
    next: u64,
    by_peer: HashMap<EndpointId, VecDeque<(u64, Connection)>>,
}

/// One of a peer's open connections; its place is freed on drop.
pub(super) struct Counted {
    open: Arc<Mutex<Open>>,
    peer: EndpointId,
    serial: u64,
}

impl Counted {
    /// Counts `conn` for its peer, closing the peer's oldest connection if
    /// it had [`MAX_CONNECTIONS_PER_PEER`] already.
    pub(super) fn take(open: &Arc<Mutex<Open>>, conn: &Connection) -> Counted {
        let peer = conn.remote_id();
        let (oldest, serial) = {
            let mut all = open.lock().unwrap_or_else(PoisonError::into_inner);
            let serial = all.next;
            all.next += 1;
            let mine = all.by_peer.entry(peer).or_default();
            let oldest = if mine.len() >= MAX_CONNECTIONS_PER_PEER {
                mine.pop_front()
            } else {
                None
            };
            mine.push_back((serial, conn.clone()));
            (oldest, serial)
        };
        if let Some((_, old)) = oldest {
            old.close(
                VarInt::from_u32(TOO_MANY_CONNECTIONS),
                b"accord: superseded by a newer connection",
            );
        }
        Counted {
            open: open.clone(),
            peer,
            serial,
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut all = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(mine) = all.by_peer.get_mut(&self.peer) {
            mine.retain(|(s, _)| *s != self.serial);
            if mine.is_empty() {
                all.by_peer.remove(&self.peer);
            }
        }
    }
}
