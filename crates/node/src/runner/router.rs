//! Routes what arrives to the session it belongs to, by session id (the
//! envelope's derived id, or the control message's session). Messages for a
//! session not (yet) running here wait in a bounded buffer for a short
//! while — members start at slightly different moments — and are then
//! dropped: a replayed or foreign-session message is never handed to a
//! state machine that did not ask for it. The buffer is bounded per peer
//! in messages and bytes, and in all, so one paired device cannot fill it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use iroh::EndpointId;
use tokio::sync::mpsc;

use crate::wire::{Message, SessionBytes};

/// How long a message for an unknown session is kept.
const PENDING_TTL: Duration = Duration::from_secs(20);
/// Messages kept per unknown session.
const PENDING_PER_SESSION: usize = 64;
/// Messages kept in all.
const PENDING_TOTAL: usize = 2048;
/// Bytes kept for one peer's messages to unknown sessions.
pub(crate) const PENDING_BYTES_PER_PEER: usize = 8 * 1024 * 1024;
/// Bytes kept in all.
const PENDING_BYTES_TOTAL: usize = 64 * 1024 * 1024;
/// A session's inbox.
const INBOX: usize = 1024;

/// A message for a session, with its authenticated sender.
#[derive(Debug)]
pub(crate) struct Inbound {
    /// The authenticated sender.
    pub from: EndpointId,
    /// The message.
    pub message: Message,
}

struct Waiting {
    at: Instant,
    bytes: usize,
    inbound: Inbound,
}

#[derive(Default)]
struct Tables {
    routes: HashMap<SessionBytes, mpsc::Sender<Inbound>>,
    pending: HashMap<SessionBytes, VecDeque<Waiting>>,
    count: usize,
    bytes: usize,
    bytes_of: HashMap<EndpointId, usize>,
}

impl Tables {
    fn forget(&mut self, w: &Waiting) {
        self.count -= 1;
        self.bytes -= w.bytes;
        if let Some(b) = self.bytes_of.get_mut(&w.inbound.from) {
            *b -= w.bytes;
            if *b == 0 {
                self.bytes_of.remove(&w.inbound.from);
            }
        }
    }

    fn expire(&mut self, now: Instant) -> usize {
        let mut expired = Vec::new();
        self.pending.retain(|_, q| {
            while q
                .front()
                .is_some_and(|w| now.duration_since(w.at) >= PENDING_TTL)
            {
                if let Some(w) = q.pop_front() {
                    expired.push(w);
                }
            }
            !q.is_empty()
        });
        for w in &expired {
            self.forget(w);
        }
        expired.len()
    }
}

/// The routing table; clones share it.
#[derive(Clone, Default)]
pub(crate) struct Router(Arc<Mutex<Tables>>);

/// A session's registration: routes end when it is dropped.
pub(crate) struct Route {
    router: Router,
    ids: Vec<SessionBytes>,
}

impl Route {
    /// The ids routed.
    pub(crate) fn ids(&self) -> &[SessionBytes] {
        &self.ids
    }
}

impl Drop for Route {
    fn drop(&mut self) {
        let mut t = self.router.lock();
        for id in &self.ids {
            t.routes.remove(id);
        }
    }
}

/// What [`Router::deliver`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Delivered {
    /// To a running session.
    Routed,
    /// Kept for a session that may start shortly; `expired` older
    /// messages for sessions that never started were dropped meanwhile.
    Buffered {
        /// Dropped unused.
        expired: usize,
    },
    /// Dropped: a buffer is full (why).
    Dropped(&'static str),
}

impl Router {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Routes `ids` to a new inbox, handing it what was buffered for them.
    /// `None` if one of the ids is routed already.
    pub(crate) fn register(
        &self,
        ids: &[SessionBytes],
    ) -> Option<(Route, mpsc::Receiver<Inbound>)> {
        let (tx, rx) = mpsc::channel(INBOX);
        let mut t = self.lock();
        if ids.iter().any(|id| t.routes.contains_key(id)) {
            return None;
        }
        for id in ids {
            t.routes.insert(*id, tx.clone());
            if let Some(queue) = t.pending.remove(id) {
                for w in queue {
                    t.forget(&w);
                    if w.at.elapsed() < PENDING_TTL {
                        let _ = tx.try_send(w.inbound);
                    }
                }
            }
        }
        drop(t);
        Some((
            Route {
                router: self.clone(),
                ids: ids.to_vec(),
            },
            rx,
        ))
    }

    /// Whether `id` is routed to a running session.
    pub(crate) fn is_running(&self, id: &SessionBytes) -> bool {
        self.lock().routes.contains_key(id)
    }

    /// Delivers `inbound` (of `bytes` on the wire) for session `id`.
    pub(crate) fn deliver(&self, id: SessionBytes, inbound: Inbound, bytes: usize) -> Delivered {
        let mut t = self.lock();
        if let Some(tx) = t.routes.get(&id) {
            return match tx.try_send(inbound) {
                Ok(()) => Delivered::Routed,
                Err(_) => Delivered::Dropped("the session's inbox is full"),
            };
        }
        let expired = t.expire(Instant::now());
        let from = inbound.from;
        let of_peer = t.bytes_of.get(&from).copied().unwrap_or(0);
        if t.count >= PENDING_TOTAL || t.bytes.saturating_add(bytes) > PENDING_BYTES_TOTAL {
            return Delivered::Dropped("the buffer for sessions not yet running is full");
        }
        if of_peer.saturating_add(bytes) > PENDING_BYTES_PER_PEER {
            return Delivered::Dropped("this peer's share of the buffer is full");
        }
        let queue = t.pending.entry(id).or_default();
        if queue.len() >= PENDING_PER_SESSION {
            return Delivered::Dropped("too many messages for one session not yet running");
        }
        queue.push_back(Waiting {
            at: Instant::now(),
            bytes,
            inbound,
        });
        t.count += 1;
        t.bytes += bytes;
        *t.bytes_of.entry(from).or_insert(0) += bytes;
        Delivered::Buffered { expired }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::wire::Control;

    fn inbound(from: EndpointId) -> Inbound {
        Inbound {
            from,
            message: Message::Control(Control::Ping { nonce: 1 }),
        }
    }

    #[test]
    fn a_peer_cannot_buffer_more_than_its_bytes() {
        let router = Router::default();
        let a = iroh::SecretKey::from_bytes(&[1; 32]).public();
        let b = iroh::SecretKey::from_bytes(&[2; 32]).public();
        let big = PENDING_BYTES_PER_PEER / 2;
        assert!(matches!(
            router.deliver([1; 32], inbound(a), big),
            Delivered::Buffered { .. }
        ));
        assert!(matches!(
            router.deliver([2; 32], inbound(a), big),
            Delivered::Buffered { .. }
        ));
        assert!(matches!(
            router.deliver([3; 32], inbound(a), 1),
            Delivered::Dropped(_)
        ));
        // Another peer still has its share.
        assert!(matches!(
            router.deliver([3; 32], inbound(b), big),
            Delivered::Buffered { .. }
        ));
        // Registering hands the buffered message over and frees its bytes.
        let (_route, mut rx) = router.register(&[[1; 32]]).unwrap();
        assert!(rx.try_recv().is_ok());
        assert!(matches!(
            router.deliver([4; 32], inbound(a), big),
            Delivered::Buffered { .. }
        ));
    }
}
