//! The protocols between devices as state machines without IO (STYLE:
//! quinn-proto's `Connection`, frostsnap's coordinator): a session takes
//! [`Input`]s — a message from an authenticated peer, its approver's
//! decision, a store result, the time — and returns [`Effect`]s — send to a
//! peer, journal durably, ask the approver, report progress, finished or
//! aborted with the culprit. Deadlines (per round, absolute, heartbeats)
//! are computed from the [`Time`] it is given; it never reads a clock,
//! touches a socket or the store.
//!
//! - [`propose::Proposer`]: co-signing, the proposer's side, with the
//!   quorum retry and the "signature already known" check.
//! - [`cosign::Cosigner`]: co-signing, a member's side.
//! - [`keygen::KeygenSession`]: wallet creation, inviter and members, with
//!   the everywhere-or-nowhere commit.
//!
//! The runner (`crate::runner`) carries effects out; simulation tests drive
//! the same sessions with an in-memory network and a virtual clock.

pub mod clock;
pub mod cosign;
pub mod effect;
pub mod failure;
pub mod keygen;
mod parts;
pub mod peer;
pub mod propose;

use rand_core::CryptoRngCore;

pub use clock::{Time, Timeouts};
pub use cosign::{Cosigner, Refusal, WalletView};
pub use effect::{
    Approval, Effect, Input, Journal, JournalError, Milestone, Progress, ProgressState,
};
pub use failure::Failure;
pub use keygen::{Created, KeygenPlan, KeygenSession, WalletSpec};
pub use parts::derive;
pub use peer::{Culprit, Peer, Role};
pub use propose::{Proposer, SignPlan, SignResult};

/// A session between devices.
pub trait Session: Send + 'static {
    /// What it ends with.
    type Output: Send + 'static;

    /// Takes one input at time `now`; returns what to do, in order. After an
    /// [`Effect::Journal`] nothing follows in the batch: the next input must
    /// be its [`Input::Journaled`]. Fresh randomness (session ids, nonces)
    /// comes from `rng`, which must be a CSPRNG (`OsRng` outside tests).
    fn handle(
        &mut self,
        now: Time,
        input: Input,
        rng: &mut dyn CryptoRngCore,
    ) -> Vec<Effect<Self::Output>>;

    /// When to be given [`Input::Tick`] next, if at all.
    fn deadline(&self) -> Option<Time>;

    /// Whether handling `input` may compute for a while (a DKLs23 round):
    /// the runner then runs it off its async threads. Only those inputs:
    /// every hop to another thread is latency.
    fn heavy(&self, _input: &Input) -> bool {
        false
    }
}

/// Any of the sessions, for a runner that keeps them all in one table.
#[derive(Debug)]
pub enum AnySession {
    /// Proposing a signature.
    Propose(Box<Proposer>),
    /// Co-signing.
    Cosign(Box<Cosigner>),
    /// Creating a wallet.
    Keygen(Box<KeygenSession>),
}

/// What any session ends with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyOutput {
    /// A proposer's signatures.
    Signed(SignResult),
    /// A co-signer's part is done.
    Cosigned,
    /// A wallet exists everywhere.
    Created(Created),
}

impl Session for AnySession {
    type Output = AnyOutput;

    fn handle(
        &mut self,
        now: Time,
        input: Input,
        rng: &mut dyn CryptoRngCore,
    ) -> Vec<Effect<AnyOutput>> {
        match self {
            AnySession::Propose(s) => map(s.handle(now, input, rng), AnyOutput::Signed),
            AnySession::Cosign(s) => map(s.handle(now, input, rng), |()| AnyOutput::Cosigned),
            AnySession::Keygen(s) => map(s.handle(now, input, rng), AnyOutput::Created),
        }
    }

    fn deadline(&self) -> Option<Time> {
        match self {
            AnySession::Propose(s) => s.deadline(),
            AnySession::Cosign(s) => s.deadline(),
            AnySession::Keygen(s) => s.deadline(),
        }
    }

    fn heavy(&self, input: &Input) -> bool {
        match self {
            AnySession::Propose(s) => s.heavy(input),
            AnySession::Cosign(s) => s.heavy(input),
            AnySession::Keygen(s) => s.heavy(input),
        }
    }
}

fn map<O, P>(effects: Vec<Effect<O>>, f: impl Fn(O) -> P) -> Vec<Effect<P>> {
    effects.into_iter().map(|e| e.map_output(&f)).collect()
}
