//! Routes what arrives to the session it belongs to, by session id (the
//! envelope's derived id, or the control message's session). Messages for a
//! session not (yet) running here wait in a bounded buffer for a short
//! while — members start at slightly different moments — and are then
//! dropped: a replayed or foreign-session message is never handed to a
//! state machine that did not ask for it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use accord_mpc::Envelope;
use iroh::EndpointId;
use tokio::sync::mpsc;

use crate::wire::{Control, SessionBytes};

/// How long a message for an unknown session is kept.
const PENDING_TTL: Duration = Duration::from_secs(20);
/// Messages kept per unknown session, and in all.
const PENDING_PER_SESSION: usize = 64;
const PENDING_TOTAL: usize = 2048;
/// A session's inbox.
const INBOX: usize = 1024;

/// A message for a session, with its authenticated sender.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// A threshold-protocol message.
    Mpc {
        /// The authenticated sender.
        from: EndpointId,
        /// The envelope.
        envelope: Envelope,
    },
    /// A control message.
    Control {
        /// The authenticated sender.
        from: EndpointId,
        /// The message.
        control: Control,
    },
}

#[derive(Default)]
struct Tables {
    routes: HashMap<SessionBytes, mpsc::Sender<Inbound>>,
    pending: HashMap<SessionBytes, VecDeque<(Instant, Inbound)>>,
    pending_count: usize,
}

/// The routing table; clones share it.
#[derive(Clone, Default)]
pub(crate) struct Router(Arc<Mutex<Tables>>);

/// A session's registration: routes end when it is dropped.
pub(crate) struct Route {
    router: Router,
    ids: Vec<SessionBytes>,
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
    /// Dropped (buffer full, or the session's inbox is full).
    Dropped,
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
                t.pending_count -= queue.len();
                for (at, message) in queue {
                    if at.elapsed() < PENDING_TTL {
                        let _ = tx.try_send(message);
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

    /// Delivers `message` for session `id`.
    pub(crate) fn deliver(&self, id: SessionBytes, message: Inbound) -> Delivered {
        let mut t = self.lock();
        if let Some(tx) = t.routes.get(&id) {
            return match tx.try_send(message) {
                Ok(()) => Delivered::Routed,
                Err(_) => Delivered::Dropped,
            };
        }
        // Expire old entries first.
        let now = Instant::now();
        let mut expired = 0;
        t.pending.retain(|_, q| {
            let before = q.len();
            q.retain(|(at, _)| now.duration_since(*at) < PENDING_TTL);
            expired += before - q.len();
            !q.is_empty()
        });
        t.pending_count -= expired;
        if t.pending_count >= PENDING_TOTAL {
            return Delivered::Dropped;
        }
        let queue = t.pending.entry(id).or_default();
        if queue.len() >= PENDING_PER_SESSION {
            return Delivered::Dropped;
        }
        queue.push_back((now, message));
        t.pending_count += 1;
        Delivered::Buffered { expired }
    }
}
