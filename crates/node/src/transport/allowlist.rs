//! The allow-list of pinned peers, enforced by iroh's
//! `EndpointHooks::after_handshake`: once TLS has proven the remote's
//! endpoint id, and before the connection is handed to us (so before any
//! application data is read), a connection with an id that is not pinned is
//! closed with [`NOT_PINNED`]. Outgoing connections to unpinned ids are
//! refused before a packet is sent.
//!
//! The list is shared and mutable (pairing pins new peers while the endpoint
//! runs); fill it before the endpoint accepts. Unpinning an id refuses its
//! future connections; a connection already open stays open.

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};

use iroh::EndpointAddr;
use iroh::EndpointId;
use iroh::endpoint::{
    AfterHandshakeOutcome, BeforeConnectOutcome, Connection, EndpointHooks, VarInt,
};

/// The QUIC application close code sent to an unpinned peer.
pub const NOT_PINNED: u32 = 403;
/// The close reason sent to an unpinned peer.
pub const NOT_PINNED_REASON: &[u8] = b"accord: endpoint id not pinned";

/// A shared set of pinned endpoint ids; clones share one set.
#[derive(Clone, Debug, Default)]
pub struct Allowlist(Arc<RwLock<HashSet<EndpointId>>>);

impl Allowlist {
    /// An empty list: every peer is refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// A list holding `ids`.
    pub fn with(ids: impl IntoIterator<Item = EndpointId>) -> Self {
        Allowlist(Arc::new(RwLock::new(ids.into_iter().collect())))
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
        if self.0.contains(&conn.remote_id()) {
            AfterHandshakeOutcome::Accept
        } else {
            AfterHandshakeOutcome::Reject {
                error_code: VarInt::from_u32(NOT_PINNED),
                reason: NOT_PINNED_REASON.to_vec(),
            }
        }
    }
}
