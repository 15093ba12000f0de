//! Accord's threshold core: dealerless key generation and threshold signing
//! for three schemes, as pure state machines (no async runtime, socket, clock
//! or file; randomness comes from the caller, except inside DKLs23, which
//! draws its own from the OS-seeded thread RNG).
//!
//! | scheme | library | signatures |
//! |---|---|---|
//! | `frost-taproot` | `frost-secp256k1-tr` 3.0.0 (RFC 9591) | BIP340, valid for the BIP341 output key |
//! | `frost-ed25519` | `frost-ed25519` 3.0.0 (RFC 9591) | RFC 8032 Ed25519 |
//! | `ecdsa` | `dkls23` 0.6.2 (DKLs23) | ECDSA secp256k1, low-s, with recovery id |
//!
//! **Taproot tweak convention (one, everywhere).** Key generation ends with
//! `frost-secp256k1-tr`'s post-processing, which applies the BIP341 key-path
//! tweak with no script tree: `Q = P + int(hash_TapTweak(x(P)))·G` (P made
//! even-y first). Every share and the group key *are* the tweaked ones, so
//! signing uses plain `round2::sign` + `aggregate`, never the `*_with_tweak`
//! variants (that would tweak twice). The untweaked `P` is kept only to
//! publish the internal key ([`GroupKey::Taproot`]) and re-check the tweak.
//!
//! **Wire.** Every message is an [`Envelope`]: version, scheme, session,
//! round, sender, recipient, payload. Point-to-point envelopes need a
//! confidential channel (the libraries neither encrypt nor authenticate).
//!
//! **Consistency.** Key generation echo-checks every broadcast round: each
//! party sends a hash of all broadcasts it received, and nobody releases the
//! next secret until all hashes agree ([`Abort::BroadcastMismatch`]).
//!
//! **Blame.** An invalid commitment, proof, secret share or signature share
//! aborts naming the culprit ([`Abort::culprit`]); DKLs23's `BanCounterparty`
//! is [`Abort::Ban`], for the node to exclude that party for good.

mod dkls;
mod echo;
pub mod envelope;
pub mod error;
mod frost_suite;
pub mod ids;
pub mod keygen;
pub mod repair;
mod session;
pub mod share;
pub mod sign;
pub mod sim;

pub use envelope::{DecodeError, Envelope, Recipient};
pub use error::{Abort, HandleError, ParamsError, Rejected, StartError};
pub use ids::{MAX_PARTIES, Parameters, PartyId, Scheme, SessionId};
pub use keygen::Keygen;
pub use repair::{Repair, RepairOutput};
pub use session::{Session, Step};
pub use share::{GroupKey, KeyShare, ShareError};
pub use sign::{SignOutput, SignRequest, Signature, Signer};

// Depended on only to enable precomputed tables in frost-secp256k1-tr's k256.
use k256_v13 as _;
