//! Dealerless distributed key generation for any `2 ≤ t ≤ n ≤ 16`.
//!
//! ```text
//! let (mut keygen, outgoing) = Keygen::start(scheme, session, params, me, &mut rng)?;
//! // deliver `outgoing`; for every envelope that arrives:
//! let step = keygen.handle(envelope)?;   // deliver step.outgoing
//! if let Some(share) = step.output { /* store it, encrypted */ }
//! ```

mod ecdsa;
mod frost;

use std::collections::BTreeMap;

use frost_ed25519::Ed25519Sha512;
use frost_secp256k1_tr::Secp256K1Sha256TR;
use rand_core::{CryptoRng, RngCore};

use self::ecdsa::EcdsaKeygen;
use self::frost::FrostKeygen;
use crate::envelope::Envelope;
use crate::error::{Abort, HandleError, StartError};
use crate::ids::{Parameters, PartyId, Scheme, SessionId};
use crate::session::{Context, Delivery, Engine, Progress, Protocol, Step};
use crate::share::KeyShare;

enum Inner {
    Taproot(FrostKeygen<Secp256K1Sha256TR>),
    Ed25519(FrostKeygen<Ed25519Sha512>),
    Ecdsa(Box<EcdsaKeygen>),
}

impl Protocol for Inner {
    type Output = KeyShare;

    fn rounds(&self) -> &'static [Delivery] {
        match self {
            Inner::Taproot(p) => p.rounds(),
            Inner::Ed25519(p) => p.rounds(),
            Inner::Ecdsa(p) => p.rounds(),
        }
    }

    fn on_round(
        &mut self,
        ctx: &Context,
        round: u8,
        payloads: BTreeMap<PartyId, Vec<u8>>,
    ) -> Result<Progress<KeyShare>, Abort> {
        match self {
            Inner::Taproot(p) => p.on_round(ctx, round, payloads),
            Inner::Ed25519(p) => p.on_round(ctx, round, payloads),
            Inner::Ecdsa(p) => p.on_round(ctx, round, payloads),
        }
    }
}

/// One party's side of a key generation session.
pub struct Keygen {
    engine: Engine<Inner>,
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
        let (engine, outgoing) = Engine::new(ctx, inner, first);
        Ok((Keygen { engine }, outgoing))
    }

    /// Takes one envelope addressed to this session.
    pub fn handle(&mut self, envelope: Envelope) -> Result<Step<KeyShare>, HandleError> {
        self.engine.handle(envelope)
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
