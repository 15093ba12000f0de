//! The allow-list of pinned peers, enforced by iroh's
//! `EndpointHooks::after_handshake`: once TLS has proven the remote's
//! endpoint id, and before the connection is handed to us (so before any
//! application data is read), a connection with an id that is not pinned is
//! closed with [`NOT_PINNED`]. Outgoing connections to unpinned ids are
//! refused before a packet is sent.
//!
//! Pairing connections ([`PAIR_ALPN`]) come from devices not pinned yet: they
//! are let through the hook only while the [`PairingGate`] is open (a
//! pairing ticket is outstanding), and carry nothing but one bounded
//! pairing request and its answer.
//!
//! The list is shared and mutable (pairing pins new peers while the endpoint
//! runs); fill it before the endpoint accepts. Unpinning an id refuses its
//! future connections; a connection already open stays open.

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};

use iroh::EndpointAddr;

use super::PAIR_ALPN;
use iroh::EndpointId;
use iroh::endpoint::{
    AfterHandshakeOutcome, BeforeConnectOutcome, Connection, EndpointHooks, VarInt,
};

/// The QUIC application close code sent to an unpinned peer.
pub const NOT_PINNED: u32 = 403;
/// The close reason sent to an unpinned peer.
pub const NOT_PINNED_REASON: &[u8] = b"accord: endpoint id not pinned";

/// Decides whether an unpinned device may open a pairing connection now
/// (typically: "is a pairing ticket outstanding?").
pub type PairingGate = Arc<dyn Fn() -> bool + Send + Sync>;

/// A shared set of pinned endpoint ids, and the gate for pairing
/// connections; clones share both.
#[derive(Clone, Default)]
pub struct Allowlist(
    Arc<RwLock<HashSet<EndpointId>>>,
    Arc<RwLock<Option<PairingGate>>>,
);

impl core::fmt::Debug for Allowlist {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Allowlist").field(&self.ids()).finish()
    }
}

impl Allowlist {
    /// An empty list: every peer is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// A list holding `ids`.
    pub fn with(ids: impl IntoIterator<Item = EndpointId>) -> Self {
        Allowlist(
            Arc::new(RwLock::new(ids.into_iter().collect())),
            Arc::default(),
        )
    }

    /// Pins `id`; `false` if it was pinned already.
    pub fn pin(&self, id: EndpointId) -> bool {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id)
    }

    /// Unpins `id`; `false` if it was not pinned.
    pub fn unpin(&self, id: &EndpointId) -> bool {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id)
    }

    /// Whether `id` is pinned.
    pub fn contains(&self, id: &EndpointId) -> bool {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(id)
    }

    /// The pinned ids, in no particular order.
    pub fn ids(&self) -> Vec<EndpointId> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .copied()
            .collect()
    }

    /// Lets unpinned devices open pairing connections ([`PAIR_ALPN`]) while
    /// `gate` says yes. Without a gate, pairing connections are refused.
    pub fn set_pairing_gate(&self, gate: PairingGate) {
        *self.1.write().unwrap_or_else(PoisonError::into_inner) = Some(gate);
    }

    /// Whether an unpinned device may pair now.
    pub fn pairing_open(&self) -> bool {
        let gate = self
            .1
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        gate.is_some_and(|g| g())
    }

    /// The hook enforcing this list.
    pub(crate) fn hook(&self) -> AllowlistHook {
        AllowlistHook(self.clone())
    }
}

/// The endpoint hook enforcing an [`Allowlist`]. It holds the list only,
/// never the endpoint (that would be a reference cycle).
#[derive(Debug)]
pub(crate) struct AllowlistHook(Allowlist);

impl EndpointHooks for AllowlistHook {
    async fn before_connect<'a>(
        &'a self,
        remote_addr: &'a EndpointAddr,
        _alpn: &'a [u8],
    ) -> BeforeConnectOutcome {
        if self.0.contains(&remote_addr.id) {
            BeforeConnectOutcome::Accept
        } else {
            BeforeConnectOutcome::Reject
        }
    }

    async fn after_handshake<'a>(&'a self, conn: &'a Connection) -> AfterHandshakeOutcome {
        let allowed = if conn.alpn() == PAIR_ALPN {
            // Pinned devices may re-pair; others only while a ticket is out.
            self.0.contains(&conn.remote_id()) || self.0.pairing_open()
        } else {
            self.0.contains(&conn.remote_id())
        };
        if allowed {
            AfterHandshakeOutcome::Accept
        } else {
            AfterHandshakeOutcome::Reject {
                error_code: VarInt::from_u32(NOT_PINNED),
                reason: NOT_PINNED_REASON.to_vec(),
            }
        }
    }
}
