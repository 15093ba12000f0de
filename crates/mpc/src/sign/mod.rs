//! Threshold signing of a message given by the caller.
//!
//! - `frost-taproot`: the 32-byte BIP341 sighash; the result is a BIP340
//!   signature valid for the Taproot output key.
//! - `frost-ed25519`: the message itself (RFC 8032 signs the message, not a
//!   digest; Solana signs its serialized transaction message), 1 byte to 64 KiB.
//! - `ecdsa`: the 32-byte digest (e.g. the EIP-1559 signing hash); the result
//!   is low-s `(r, s)` with the recovery id (y-parity) Ethereum needs.
//!
//! Any `t` or more signers for FROST, exactly `t` for DKLs23. One signer is
//! the coordinator: it receives the signature shares, aggregates, verifies and
//! returns the signature; the others return [`SignOutput::Contributed`].

mod ecdsa;
mod frost;
mod nonces;

use std::collections::BTreeSet;
use std::sync::Arc;

use frost_ed25519::Ed25519Sha512;
use frost_secp256k1_tr::Secp256K1Sha256TR;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

use self::ecdsa::EcdsaSigner;
use self::frost::FrostSigner;
use crate::envelope::Envelope;
use crate::error::{Abort, HandleError, StartError};
use crate::ids::{PartyId, Scheme, SessionId};
use crate::session::{Context, Engine, Payloads, Progress, Protocol, Round, Step};
use crate::share::KeyShare;

/// The longest message `frost-ed25519` signs (a Solana message is ≤ 1232 bytes).
pub const MAX_ED25519_MESSAGE: usize = 64 * 1024;

/// A finished signature, verified against the group key before it was returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signature {
    /// BIP340 Schnorr: `x(R) ‖ s`.
    Bip340([u8; 64]),
    /// RFC 8032 Ed25519: `R ‖ S`.
    Ed25519([u8; 64]),
    /// ECDSA with low `s` and the recovery id.
    Ecdsa {
        /// `r`, big-endian.
        r: [u8; 32],
        /// `s ≤ n/2`, big-endian.
        s: [u8; 32],
        /// The recovery id: bit 0 is the y-parity of `R` (Ethereum's `v` or
        /// y-parity); bit 1 (x reduced mod n) has negligible probability.
        recovery_id: u8,
    },
}

impl Signature {
    /// The 64-byte signature (`r ‖ s` for ECDSA).
    pub fn to_bytes(&self) -> [u8; 64] {
        match self {
            Signature::Bip340(b) | Signature::Ed25519(b) => *b,
            Signature::Ecdsa { r, s, .. } => {
                let mut out = [0u8; 64];
                out[..32].copy_from_slice(r);
                out[32..].copy_from_slice(s);
                out
            }
        }
    }

    /// The ECDSA recovery id, if this is an ECDSA signature.
    pub fn recovery_id(&self) -> Option<u8> {
        match self {
            Signature::Ecdsa { recovery_id, .. } => Some(*recovery_id),
            _ => None,
        }
    }
}

/// The result of one party's signing session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignOutput {
    /// The coordinator's result.
    Signature(Signature),
    /// Our signature share went to the coordinator.
    Contributed,
}

/// What to sign, with whom.
#[derive(Clone, Debug)]
pub struct SignRequest<'a> {
    /// Fresh and random per attempt; the same for every signer.
    pub session: SessionId,
    /// The signers, us included.
    pub signers: &'a [PartyId],
    /// The signer that aggregates.
    pub coordinator: PartyId,
    /// The message (see the module docs for each scheme's form).
    pub message: &'a [u8],
}

/// Why a message cannot be signed by a scheme.
fn check_message(scheme: Scheme, message: &[u8]) -> Result<(), StartError> {
    let ok = match scheme {
        Scheme::FrostTaproot | Scheme::Ecdsa => message.len() == 32,
        Scheme::FrostEd25519 => (1..=MAX_ED25519_MESSAGE).contains(&message.len()),
    };
    if ok {
        Ok(())
    } else {
        Err(StartError::MessageLength {
            scheme,
            len: message.len(),
        })
    }
}

fn check_signers(
    share: &KeyShare,
    request: &SignRequest<'_>,
) -> Result<BTreeSet<PartyId>, StartError> {
    let params = share.parameters();
    let mut set = BTreeSet::new();
    for party in request.signers {
        if !params.contains(*party) {
            return Err(StartError::UnknownSigner {
                party: *party,
                parties: params.parties(),
            });
        }
        if !set.insert(*party) {
            return Err(StartError::DuplicateSigner { party: *party });
        }
    }
    let me = share.party();
    if !set.contains(&me) {
        return Err(StartError::NotAMember { me });
    }
    if !set.contains(&request.coordinator) {
        return Err(StartError::CoordinatorNotSigning {
            coordinator: request.coordinator,
        });
    }
    let t = usize::from(params.threshold());
    let enough = match share.scheme() {
        Scheme::Ecdsa => set.len() == t,
        Scheme::FrostTaproot | Scheme::FrostEd25519 => set.len() >= t,
    };
    if !enough {
        return Err(StartError::WrongSignerCount {
            scheme: share.scheme(),
            requested: set.len(),
            required: params.threshold(),
        });
    }
    Ok(set)
}

/// The digest of everything a signer agrees to: scheme, session, group key,
/// message, signer set and coordinator. Sent in round 1 and compared, so a
/// signer given a different request is reported ([`Abort::RequestMismatch`])
/// instead of being blamed for an "invalid" share.
fn request_digest(
    share: &KeyShare,
    request: &SignRequest<'_>,
    signers: &BTreeSet<PartyId>,
) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"accord/mpc/sign-request/v1");
    hash.update([share.scheme().code()]);
    hash.update(request.session.0);
    let key = share.group_key().to_bytes();
    hash.update([key.len() as u8]);
    hash.update(&key);
    hash.update((request.message.len() as u64).to_be_bytes());
    hash.update(request.message);
    hash.update([signers.len() as u8]);
    hash.update(signers.iter().map(|p| p.get()).collect::<Vec<_>>());
    hash.update([request.coordinator.get()]);
    hash.finalize().into()
}

/// Splits the request digest off a round-1 payload and checks it.
pub(crate) fn split_request<'a>(
    sender: PartyId,
    bytes: &'a [u8],
    expected: &[u8; 32],
) -> Result<&'a [u8], Abort> {
    let Some((theirs, rest)) = bytes.split_first_chunk::<32>() else {
        return Err(Abort::Malformed {
            culprit: sender,
            round: 1,
            detail: "shorter than the request digest".into(),
        });
    };
    if theirs != expected {
        return Err(Abort::RequestMismatch { party: sender });
    }
    Ok(rest)
}

enum Inner {
    Taproot(FrostSigner<Secp256K1Sha256TR>),
    Ed25519(FrostSigner<Ed25519Sha512>),
    Ecdsa(Box<EcdsaSigner>),
}

impl Protocol for Inner {
    type Output = SignOutput;

    fn rounds(&self) -> &[Round] {
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
        payloads: Payloads,
    ) -> Result<Progress<SignOutput>, Abort> {
        match self {
            Inner::Taproot(p) => p.on_round(ctx, round, payloads),
            Inner::Ed25519(p) => p.on_round(ctx, round, payloads),
            Inner::Ecdsa(p) => p.on_round(ctx, round, payloads),
        }
    }
}

/// One party's side of a signing session.
pub struct Signer {
    engine: Engine<Inner>,
}

impl core::fmt::Debug for Signer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ctx = self.engine.context();
        f.debug_struct("Signer")
            .field("scheme", &ctx.scheme)
            .field("session", &ctx.session)
            .field("me", &ctx.me)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Starts signing `request.message` with `share`; returns the first
    /// messages to deliver. Fresh nonces are drawn from `rng`, which must be
    /// a CSPRNG seeded from the OS (`rand_core::OsRng`): a seeded RNG reused
    /// for two sessions repeats nonces and leaks the share. DKLs23 draws its
    /// own randomness.
    pub fn start(
        share: Arc<KeyShare>,
        request: &SignRequest<'_>,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Envelope>), StartError> {
        let scheme = share.scheme();
        if share.is_hollow() {
            return Err(StartError::Library {
                scheme,
                reason: "a repaired share signs only after a refresh with every party".into(),
            });
        }
        check_message(scheme, request.message)?;
        let signers = check_signers(&share, request)?;
        let digest = request_digest(&share, request, &signers);
        let me = share.party();
        let ctx = Context {
            scheme,
            session: request.session,
            me,
            peers: signers.into_iter().filter(|p| *p != me).collect(),
            coordinator: Some(request.coordinator),
        };
        let (inner, first) = match scheme {
            Scheme::FrostTaproot => {
                let (p, out) = FrostSigner::start(share, request.message, digest, rng)?;
                (Inner::Taproot(p), out)
            }
            Scheme::FrostEd25519 => {
                let (p, out) = FrostSigner::start(share, request.message, digest, rng)?;
                (Inner::Ed25519(p), out)
            }
            Scheme::Ecdsa => {
                let message: [u8; 32] =
                    request
                        .message
                        .try_into()
                        .map_err(|_| StartError::MessageLength {
                            scheme,
                            len: request.message.len(),
                        })?;
                let (p, out) = EcdsaSigner::start(share, &ctx, message, digest)?;
                (Inner::Ecdsa(Box::new(p)), out)
            }
        };
        let (engine, outgoing) = Engine::new(ctx, inner, first);
        Ok((Signer { engine }, outgoing))
    }

    /// Takes one envelope that arrived from `from`, the peer the transport
    /// authenticated (an envelope naming another sender is refused).
    pub fn handle(
        &mut self,
        from: PartyId,
        envelope: Envelope,
    ) -> Result<Step<SignOutput>, HandleError> {
        self.engine.handle(from, envelope)
    }

    /// The peers whose message for the current round has not arrived yet.
    pub fn waiting_for(&self) -> Vec<PartyId> {
        self.engine.waiting_for()
    }

    /// Whether the session has ended.
    pub fn is_finished(&self) -> bool {
        self.engine.is_finished()
    }

    /// Ends the session now: nonces and every per-session secret are dropped.
    pub fn abort(&mut self) {
        self.engine.end();
    }
}

impl crate::session::Session for Signer {
    type Output = SignOutput;

    fn handle(
        &mut self,
        from: PartyId,
        envelope: Envelope,
    ) -> Result<Step<SignOutput>, HandleError> {
        Signer::handle(self, from, envelope)
    }

    fn waiting_for(&self) -> Vec<PartyId> {
        Signer::waiting_for(self)
    }

    fn is_finished(&self) -> bool {
        Signer::is_finished(self)
    }

    fn abort(&mut self) {
        Signer::abort(self);
    }

    fn session_id(&self) -> SessionId {
        self.engine.context().session
    }
}
