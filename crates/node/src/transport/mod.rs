//! The device's network: an iroh 1.x QUIC endpoint (TLS 1.3 with raw
//! Ed25519 public keys, RFC 7250), so every connection is confidential and
//! mutually authenticated by endpoint id — the channel `accord_mpc`'s
//! envelopes require (`Recipient::needs_confidential_channel`,
//! `Keygen::handle(from, ..)`).
//!
//! - [`identity`]: the device secret from the store as an iroh key; the
//!   device id *is* the endpoint id.
//! - [`config`]: production (relays, address lookup) and loopback/`--no-relay`
//!   endpoints, with a short QUIC idle timeout so a dead peer is noticed in
//!   seconds.
//! - [`allowlist`]: the pinned peers, enforced in iroh's after-handshake hook
//!   before any application data is read.
//! - [`frame`]: length-prefixed frames on QUIC streams.
//! - [`Transport`]: bind, send to a peer (one connection per peer), receive
//!   `(authenticated sender, bytes)` as [`Event`]s, close.
//!
//! One application protocol, versioned by its ALPN: [`ALPN`]; pairing, the
//! only conversation with a device not pinned yet, has its own
//! ([`PAIR_ALPN`], see [`pairing`]).

pub mod allowlist;
pub mod config;
mod endpoint;
mod error;
pub mod frame;
pub mod identity;
mod open;
pub mod pairing;
mod receive;

pub use allowlist::{Allowlist, PairingGate};
pub use config::Config;
pub use endpoint::{Event, Transport};
pub use error::{BindError, PairError, SendError};
pub use iroh::{EndpointAddr, EndpointId, SecretKey};
pub use open::{MAX_CONNECTIONS_PER_PEER, TOO_MANY_CONNECTIONS};
pub use pairing::{PAIR_ALPN, PairRequest};
pub use receive::BAD_FRAME;

/// The ALPN of Accord's peer protocol, version 1: a connection carries
/// unidirectional streams of [`frame`]s, each holding one
/// `accord_mpc::Envelope`. A new incompatible version gets a new ALPN.
pub const ALPN: &[u8] = b"accord/1";
