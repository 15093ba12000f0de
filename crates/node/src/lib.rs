//! Accord's device layer: everything a device does that is not UI, used
//! unchanged by the desktop app, the phone stand-in and the recovery server.
//!
//! - [`facade`]: [`Node`], the one facade both faces use (send, wallets,
//!   devices, settings), and [`Vault`], the same data without the network.
//! - [`session`]: the protocols between devices — co-signing (proposer and
//!   co-signer) and wallet creation — as state machines without IO.
//! - [`runner`]: the only code that touches tokio, the transport, the store
//!   and the approvers; it carries out the sessions' effects.
//! - [`store`]: the embedded SQLite store behind narrow persister traits.
//! - [`backup`]: a device's part of a wallet, exported under a passphrase
//!   and restored into an empty data directory.
//! - [`secret`]: secrets at rest — XChaCha20-Poly1305 sealing under a
//!   wrapping key from a [`secret::Protector`] (a passphrase through
//!   Argon2id, RFC 9106; a key file or environment secret for servers; the
//!   OS keychain through the desktop app).
//! - [`transport`]: the iroh QUIC transport — device identity, pinned
//!   peers, length-prefixed frames; [`wire`]: the messages it carries.
//! - [`approve`]: who says yes (a person, a policy); [`rpc`]: the chain
//!   nodes over HTTP; [`pairing`]: one-time tickets.

pub mod approve;
pub mod audit;
pub mod backup;
pub mod event;
pub mod facade;
pub mod pairing;
pub mod policy;
pub mod rpc;
pub mod runner;
pub mod secret;
pub mod session;
pub mod store;
pub mod team;
pub mod transport;
pub mod wallet;
pub mod wire;

pub use facade::{Node, NodeOptions, Vault};
pub use session::{Role, Timeouts};
