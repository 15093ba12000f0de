//! Receiving: every connection, incoming or dialled, gets a reader that
//! accepts the peer's unidirectional streams and turns each frame into an
//! [`Event::Message`] tagged with the endpoint id TLS proved for that
//! connection — never an id taken from the bytes. A connection's end is
//! reported once, as [`Event::PeerLost`]; a malformed frame closes the
//! connection ([`BAD_FRAME`]) and is reported as [`Event::BadFrame`].

use iroh::endpoint::{Connection, RecvStream, VarInt};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::allowlist::{Allowlist, NOT_PINNED, NOT_PINNED_REASON};
use super::endpoint::Event;
use super::frame;

/// The QUIC application close code for a peer that sent a malformed frame.
pub const BAD_FRAME: u32 = 400;

/// Reads `conn` until it ends, then reports why.
pub(super) async fn read_connection(
    conn: Connection,
    events: mpsc::Sender<Event>,
    allowlist: Allowlist,
) {
    let peer = conn.remote_id();
    let mut streams = JoinSet::new();
    let error = loop {
        tokio::select! {
            accepted = conn.accept_uni() => match accepted {
                Ok(recv) => {
                    streams.spawn(read_stream(conn.clone(), recv, events.clone(), allowlist.clone()));
                }
                Err(error) => break error,
            },
            Some(_) = streams.join_next(), if !streams.is_empty() => {}
        }
    };
    // Readers end quickly once the connection is gone; let them report
    // what they had read before the loss is announced.
    while streams.join_next().await.is_some() {}
    let _ = events.send(Event::PeerLost { peer, error }).await;
}

/// Delivers the frames of one stream, in order.
async fn read_stream(
    conn: Connection,
    mut recv: RecvStream,
    events: mpsc::Sender<Event>,
    allowlist: Allowlist,
) {
    let from = conn.remote_id();
    loop {
        match frame::read(&mut recv).await {
            Ok(Some(bytes)) => {
                // Unpinned while connected (e.g. banned): nothing more gets through.
                if !allowlist.contains(&from) {
                    conn.close(VarInt::from_u32(NOT_PINNED), NOT_PINNED_REASON);
                    return;
                }
                if events.send(Event::Message { from, bytes }).await.is_err() {
                    return; // nobody listens any more
                }
            }
            Ok(None) => return,
            // The connection failed: its reader reports it.
            Err(frame::FrameError::Io(_)) => return,
            Err(error) => {
                conn.close(VarInt::from_u32(BAD_FRAME), b"accord: malformed frame");
                let _ = events.send(Event::BadFrame { peer: from, error }).await;
                return;
            }
        }
    }
}
