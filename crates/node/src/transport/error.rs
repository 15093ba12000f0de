//! The transport's errors: one per operation.

use iroh::endpoint::{ConnectError, ConnectionError, WriteError};

use super::frame::FrameError;

/// Why the endpoint could not be bound.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindError {
    /// The configuration is unusable.
    #[error("bad transport configuration: {0}")]
    Config(&'static str),
    /// The only relay could not be reached (relay-only mode).
    #[error("the relay could not be reached: {0}")]
    Relay(String),
    /// iroh could not bind (no socket, address in use…).
    #[error("could not bind the endpoint: {0}")]
    Bind(#[source] iroh::endpoint::BindError),
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The message is too large for a frame.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// No connection could be made (unreachable, not pinned, refused).
    #[error("could not connect to the peer: {0}")]
    Connect(#[source] ConnectError),
    /// The connection failed or was closed by the peer.
    #[error("the connection to the peer failed: {0}")]
    Connection(#[source] ConnectionError),
    /// Writing to the stream failed.
    #[error("writing to the peer failed: {0}")]
    Write(#[source] WriteError),
    /// The peer is not (or no longer) pinned.
    #[error("the peer is not pinned")]
    NotPinned,
    /// The transport is closed.
    #[error("the transport is closed")]
    Closed,
}

/// Why a pairing exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PairError {
    /// No connection could be made.
    #[error("could not reach the device: {0}")]
    Connect(#[source] ConnectError),
    /// The connection failed or the device refused us.
    #[error("the device closed the pairing connection: {0}")]
    Connection(#[source] ConnectionError),
    /// Writing the request failed.
    #[error("sending the pairing request failed: {0}")]
    Write(#[source] WriteError),
    /// No (or no readable) answer in time.
    #[error("no answer to the pairing request: {0}")]
    NoAnswer(String),
    /// The message is larger than a pairing message may be.
    #[error("pairing message too large ({0} bytes)")]
    TooLarge(usize),
}
