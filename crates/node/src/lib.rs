//! Accord's device layer: everything a device does that is not UI, used
//! unchanged by the desktop app, the phone stand-in and the recovery server.
//!
//! This build has the storage half of it:
//! - [`secret`]: secrets at rest — XChaCha20-Poly1305 sealing under a
//!   wrapping key supplied through a small port ([`secret::Protector`]):
//!   a passphrase through Argon2id (RFC 9106), a key file or an environment
//!   secret for servers (the OS keychain comes with the desktop app).
//! - [`store`]: the embedded SQLite store — wallets, sealed key shares, peers,
//!   sessions, consumed nonces, banned counterparties and an append-only
//!   event log — where every write that matters is one transaction, so a
//!   device killed at any instant restarts consistent.
//!
//! - [`transport`]: the iroh QUIC transport — device identity, pinned
//!   peers, length-prefixed frames — that carries `accord_mpc` envelopes.
//!
//! Pairing and the session runner build on these.
//!
//! - [`rpc`]: the chain nodes — building a transfer from a node's answers,
//!   broadcasting and confirming it, reading a balance — over HTTP.

pub mod approve;
pub mod pairing;
pub mod rpc;
pub mod runtime;
pub mod secret;
pub mod store;
pub mod transport;
pub mod wire;

pub use runtime::{Node, NodeOptions, Timeouts};
