//! Dealerless distributed key generation for any `2 ≤ t ≤ n ≤ 16`.
//!
//! ```text
//! let (mut keygen, outgoing) = Keygen::start(scheme, session, params, me, &mut rng)?;
//! // deliver `outgoing`; for every envelope that arrives:
//! let step = keygen.handle(envelope)?;   // deliver step.outgoing
//! if let Some(share) = step.output { /* store it, encrypted */ }
//! ```

mod dkls_rounds;
mod ecdsa;
mod ecdsa_refresh;
mod frost;

use frost_ed25519::Ed25519Sha512;
use frost_secp256k1_tr::Secp256K1Sha256TR;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

use std::sync::Arc;

use self::ecdsa::EcdsaKeygen;
use self::ecdsa_refresh::EcdsaRefresh;
use self::frost::FrostKeygen;
use crate::envelope::{Envelope, Recipient};
use crate::error::{Abort, HandleError, StartError};
use crate::ids::{Parameters, PartyId, Scheme, SessionId};
use crate::session::{
    Context, Delivery, Engine, Outbound, Payloads, Progress, Protocol, Round, Step,
};
use crate::share::KeyShare;

enum Inner {
    Taproot(FrostKeygen<Secp256K1Sha256TR>),
    Ed25519(FrostKeygen<Ed25519Sha512>),
    Ecdsa(Box<EcdsaKeygen>),
    EcdsaRefresh(Box<EcdsaRefresh>),
}

impl Inner {
    fn rounds(&self) -> &[Round] {
        match self {
            Inner::Taproot(p) => p.rounds(),
            Inner::Ed25519(p) => p.rounds(),
            Inner::Ecdsa(p) => p.rounds(),
            Inner::EcdsaRefresh(p) => p.rounds(),
        }
    }

    fn on_round(
        &mut self,
        ctx: &Context,
        round: u8,
        payloads: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        match self {
            Inner::Taproot(p) => p.on_round(ctx, round, payloads),
            Inner::Ed25519(p) => p.on_round(ctx, round, payloads),
            Inner::Ecdsa(p) => p.on_round(ctx, round, payloads),
            Inner::EcdsaRefresh(p) => p.on_round(ctx, round, payloads),
        }
    }
}

/// A scheme's key generation followed by key confirmation: when a party has
/// its share it broadcasts a digest of the public result (group key and
/// every verifying share), and outputs the share only once every party has
/// confirmed the same digest. A party that failed (or computed another key)
/// never confirms, so nobody keeps a share the group cannot sign with.
struct Confirmed {
    inner: Inner,
    rounds: Vec<Round>,
    pending: Option<(KeyShare, [u8; 32])>,
}

impl Confirmed {
    fn new(inner: Inner) -> Self {
        let mut rounds = inner.rounds().to_vec();
        rounds.push(Round::new(Delivery::Broadcast, 32));
        Confirmed {
            inner,
            rounds,
            pending: None,
        }
    }

    fn confirm_round(&self) -> usize {
        self.rounds.len()
    }
}

/// The digest a party confirms: scheme, session and the public key material.
fn confirmation(ctx: &Context, share: &KeyShare) -> Result<[u8; 32], Abort> {
    let public = share
        .public_bytes()
        .map_err(|e| Abort::Internal(format!("serializing the public key package: {e}")))?;
    let mut hash = Sha256::new();
    hash.update(b"accord/mpc/keygen-confirm/v1");
    hash.update([ctx.scheme.code()]);
    hash.update(ctx.session.0);
    hash.update(public);
    Ok(hash.finalize().into())
}

impl Protocol for Confirmed {
    type Output = KeyShare;

    fn rounds(&self) -> &[Round] {
        &self.rounds
    }

    fn on_round(
        &mut self,
        ctx: &Context,
        round: u8,
        payloads: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        if usize::from(round) < self.confirm_round() {
            return match self.inner.on_round(ctx, round, payloads)? {
                Progress::Continue(out) => Ok(Progress::Continue(out)),
                Progress::Finished(mut out, share) => {
                    let digest = confirmation(ctx, &share)?;
                    self.pending = Some((share, digest));
                    out.push(Outbound {
                        round: round.saturating_add(1),
                        to: Recipient::All,
                        payload: digest.to_vec(),
                    });
                    Ok(Progress::Continue(out))
                }
            };
        }
        let (share, digest) = self
            .pending
            .take()
            .ok_or_else(|| Abort::Internal("confirmation before a share".into()))?;
        for (party, theirs) in &payloads {
            if theirs.as_slice() != digest.as_slice() {
                return Err(Abort::KeyMismatch { party: *party });
            }
        }
        Ok(Progress::Finished(Vec::new(), share))
    }
}

/// One party's side of a key generation session.
pub struct Keygen {
    engine: Engine<Confirmed>,
}

impl core::fmt::Debug for Keygen {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ctx = self.engine.context();
        f.debug_struct("Keygen")
            .field("scheme", &ctx.scheme)
            .field("session", &ctx.session)
            .field("me", &ctx.me)
            .finish_non_exhaustive()
    }
}

impl Keygen {
    /// Starts key generation as party `me` of a `params` group; returns the
    /// first messages to deliver. Every party must use the same `session` id
    /// (fresh and random per attempt), `scheme` and `params`.
    pub fn start(
        scheme: Scheme,
        session: SessionId,
        params: Parameters,
        me: PartyId,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Envelope>), StartError> {
        if !params.contains(me) {
            return Err(StartError::NotAMember { me });
        }
        let ctx = Context {
            scheme,
            session,
            me,
            peers: params.all().filter(|p| *p != me).collect(),
            coordinator: None,
        };
        let (inner, first) = match scheme {
            Scheme::FrostTaproot => {
                let (p, out) = FrostKeygen::start(me, params, rng)?;
                (Inner::Taproot(p), out)
            }
            Scheme::FrostEd25519 => {
                let (p, out) = FrostKeygen::start(me, params, rng)?;
                (Inner::Ed25519(p), out)
            }
            Scheme::Ecdsa => {
                let (p, out) = EcdsaKeygen::start(&ctx, params)?;
                (Inner::Ecdsa(Box::new(p)), out)
            }
        };
        let (engine, outgoing) = Engine::new(ctx, Confirmed::new(inner), first);
        Ok((Keygen { engine }, outgoing))
    }

    /// Starts a refresh of `share` with every other party of its group
    /// (FROST: frost-core `keys::refresh`; ECDSA: DKLs23 complete refresh):
    /// the output has the same group key and fresh shares, and cannot sign
    /// with shares from before. Every party must use the same `session` id
    /// (fresh and random per attempt). Confirmed like key generation: the
    /// share comes out only once every party computed the same public
    /// packages.
    pub fn refresh(
        share: Arc<KeyShare>,
        session: SessionId,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Envelope>), StartError> {
        let scheme = share.scheme();
        let me = share.party();
        let ctx = Context {
            scheme,
            session,
            me,
            peers: share.parameters().all().filter(|p| *p != me).collect(),
            coordinator: None,
        };
        let (inner, first) = match scheme {
            Scheme::FrostTaproot => {
                let (p, out) = FrostKeygen::refresh(share, rng)?;
                (Inner::Taproot(p), out)
            }
            Scheme::FrostEd25519 => {
                let (p, out) = FrostKeygen::refresh(share, rng)?;
                (Inner::Ed25519(p), out)
            }
            Scheme::Ecdsa => {
                let (p, out) = EcdsaRefresh::start(&ctx, share)?;
                (Inner::EcdsaRefresh(Box::new(p)), out)
            }
        };
        let (engine, outgoing) = Engine::new(ctx, Confirmed::new(inner), first);
        Ok((Keygen { engine }, outgoing))
    }

    /// Takes one envelope that arrived from `from`, the peer the transport
    /// authenticated (an envelope naming another sender is refused).
    pub fn handle(
        &mut self,
        from: PartyId,
        envelope: Envelope,
    ) -> Result<Step<KeyShare>, HandleError> {
        self.engine.handle(from, envelope)
    }

    /// The peers whose message for the current round has not arrived yet.
    pub fn waiting_for(&self) -> Vec<PartyId> {
        self.engine.waiting_for()
    }

    /// Whether the session has ended (with a share or an abort).
    pub fn is_finished(&self) -> bool {
        self.engine.is_finished()
    }

    /// Ends the session now (timeout, user cancel): every secret is dropped.
    pub fn abort(&mut self) {
        self.engine.end();
    }
}

impl crate::session::Session for Keygen {
    type Output = KeyShare;

    fn handle(&mut self, from: PartyId, envelope: Envelope) -> Result<Step<KeyShare>, HandleError> {
        Keygen::handle(self, from, envelope)
    }

    fn waiting_for(&self) -> Vec<PartyId> {
        Keygen::waiting_for(self)
    }

    fn is_finished(&self) -> bool {
        Keygen::is_finished(self)
    }

    fn abort(&mut self) {
        Keygen::abort(self);
    }

    fn session_id(&self) -> SessionId {
        self.engine.context().session
    }
}
