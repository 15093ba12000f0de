//! The pairing exchange, on its own ALPN ([`PAIR_ALPN`]): the redeemer of a
//! ticket dials the issuer (whose id it pinned from the ticket), sends one
//! request of at most [`MAX_PAIR_MESSAGE`] bytes on a unidirectional stream,
//! and reads one answer on a stream the issuer opens back. Nothing else is
//! read on such a connection, and it is closed after the answer. What the
//! bytes mean (the ticket's one-time secret, names) is the node's business.

use std::time::Duration;

use iroh::endpoint::{Connection, VarInt};
use iroh::{EndpointAddr, EndpointId};

use super::error::PairError;

/// The ALPN of the pairing exchange, version 1.
pub const PAIR_ALPN: &[u8] = b"accord/pair/1";
/// The largest pairing request or answer.
pub const MAX_PAIR_MESSAGE: usize = 8 * 1024;
/// How long either side waits for the other's message.
pub const PAIR_TIMEOUT: Duration = Duration::from_secs(10);

/// A pairing request that arrived; answer it with [`PairRequest::reply`] or
/// drop it (the connection closes).
pub struct PairRequest {
    /// The requesting device, as its TLS handshake proved.
    pub from: EndpointId,
    /// The request.
    pub bytes: Vec<u8>,
    conn: Connection,
}

impl core::fmt::Debug for PairRequest {
    // The request carries a one-time secret: only its length is printed.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PairRequest")
            .field("from", &self.from)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Drop for PairRequest {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}

impl PairRequest {
    /// Sends the answer, waits (briefly) until the requester has it, and
    /// closes the connection.
    pub async fn reply(self, bytes: &[u8]) -> Result<(), PairError> {
        if bytes.len() > MAX_PAIR_MESSAGE {
            return Err(PairError::TooLarge(bytes.len()));
        }
        let mut stream = self.conn.open_uni().await.map_err(PairError::Connection)?;
        stream.write_all(bytes).await.map_err(PairError::Write)?;
        let _ = stream.finish();
        let _ = tokio::time::timeout(PAIR_TIMEOUT, stream.stopped()).await;
        // The requester closes once it has read; this is the backstop.
        let _ = tokio::time::timeout(PAIR_TIMEOUT, self.conn.closed()).await;
        Ok(())
    }
}

/// Reads the one request of an accepted pairing connection.
pub(super) async fn accept(conn: Connection) -> Option<PairRequest> {
    let read = async {
        let mut recv = conn.accept_uni().await.ok()?;
        recv.read_to_end(MAX_PAIR_MESSAGE).await.ok()
    };
    let bytes = tokio::time::timeout(PAIR_TIMEOUT, read).await.ok()??;
    Some(PairRequest {
        from: conn.remote_id(),
        bytes,
        conn,
    })
}

/// The redeemer's side: sends `request` to `to` and returns its answer.
pub(super) async fn exchange(
    endpoint: &iroh::Endpoint,
    to: EndpointAddr,
    request: &[u8],
) -> Result<Vec<u8>, PairError> {
    if request.len() > MAX_PAIR_MESSAGE {
        return Err(PairError::TooLarge(request.len()));
    }
    let conn = endpoint
        .connect(to, PAIR_ALPN)
        .await
        .map_err(PairError::Connect)?;
    let mut send = conn.open_uni().await.map_err(PairError::Connection)?;
    send.write_all(request).await.map_err(PairError::Write)?;
    let _ = send.finish();
    let answer = async {
        let mut recv = conn
            .accept_uni()
            .await
            .map_err(|e| PairError::NoAnswer(e.to_string()))?;
        recv.read_to_end(MAX_PAIR_MESSAGE)
            .await
            .map_err(|e| PairError::NoAnswer(e.to_string()))
    };
    let answer = tokio::time::timeout(PAIR_TIMEOUT, answer)
        .await
        .map_err(|_| PairError::NoAnswer("timed out".into()))?;
    conn.close(VarInt::from_u32(0), b"paired");
    answer
}
