//! Repair of a lost party's share for a new device, by `t` or more helpers,
//! without the key being reconstructed anywhere:
//!
//! - **FROST** (frost-core `keys::repairable`, repairable threshold schemes):
//!   round 1, each helper splits its share's contribution into one delta
//!   per helper (`repair_share_part1`) and sends each its delta, point to
//!   point; round 2, each helper sums the deltas it received
//!   (`repair_share_part2`) and sends the sum to the target with its public
//!   key package. The target adds the sums (`repair_share_part3`).
//! - **DKLs23** (`Party::repair_term` + `repair_assemble`): one round, each
//!   helper sends the target a masked term with its public key package.
//!   The result is a *hollow* party ([`KeyShare::is_hollow`]): it signs only
//!   after a complete refresh with every party, so a repair always ends in
//!   one ([`crate::Keygen::refresh`]).
//!
//! The target checks that every helper sent the same public package (byte
//! for byte), that the share it assembled matches its verifying share in
//! it and that the package holds together (every verifying share on one
//! polynomial through the group key); the caller checks the group key is
//! the wallet's. A wrong value from a helper fails that check without
//! naming the helper (neither library can): the repair aborts
//! ([`Abort::Unattributed`]) and is retried with other helpers. Secret
//! values (deltas, sums, terms) travel point to point only and are
//! zeroized after use.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use dkls23::protocols::repair::{RepairTerm, repair_assemble};
use dkls23::protocols::{PartyIndex, PublicKeyPackage as DklsPackage};
use frost_core::keys::repairable::{
    Delta, Sigma, repair_share_part1, repair_share_part2, repair_share_part3,
};
use frost_core::keys::{KeyPackage, PublicKeyPackage};
use frost_core::{Ciphersuite, Identifier};
use frost_ed25519::Ed25519Sha512;
use frost_secp256k1_tr::Secp256K1Sha256TR;
use k256::Secp256k1;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::envelope::{Envelope, Recipient};
use crate::error::{Abort, HandleError, Rejected, StartError};
use crate::ids::{Parameters, PartyId, Scheme, SessionId};
use crate::session::Step;
use crate::share::{EcdsaShare, FrostShare, KeyShare, ShareSecret, TaprootShare};

/// The largest repair payload (a public package of 16 parties and a term).
const MAX_PAYLOAD: usize = 64 * 1024;

/// What a repair ends with, on each side.
#[derive(Debug)]
pub enum RepairOutput {
    /// A helper's part is done.
    Helped,
    /// The target's repaired share (ECDSA: hollow until the refresh).
    Repaired(Box<KeyShare>),
}

/// The target's view of one helper's round-2 (FROST) or only (DKLs23)
/// message.
#[derive(Serialize, Deserialize)]
struct ToTarget {
    /// FROST: the sum of deltas; DKLs23: the postcard-encoded term.
    secret: Vec<u8>,
    /// The helper's public key package (Taproot: tweaked, then untweaked).
    public: Vec<u8>,
    internal: Option<Vec<u8>>,
}

enum State {
    /// A FROST helper waiting for the other helpers' deltas.
    Deltas {
        own: Zeroizing<Vec<u8>>,
        got: BTreeMap<PartyId, Zeroizing<Vec<u8>>>,
        public: Vec<u8>,
        internal: Option<Vec<u8>>,
    },
    /// The target waiting for every helper's message.
    Collect {
        got: BTreeMap<PartyId, ToTarget>,
    },
    Ended,
}

/// One party's side of a repair.
pub struct Repair {
    scheme: Scheme,
    session: SessionId,
    me: PartyId,
    target: PartyId,
    helpers: BTreeSet<PartyId>,
    params: Parameters,
    state: State,
}

impl core::fmt::Debug for Repair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Repair")
            .field("scheme", &self.scheme)
            .field("me", &self.me)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

fn library(scheme: Scheme, reason: impl ToString) -> StartError {
    StartError::Library {
        scheme,
        reason: reason.to_string(),
    }
}

fn id<C: Ciphersuite>(party: PartyId) -> Result<Identifier<C>, String> {
    Identifier::try_from(u16::from(party.get())).map_err(|e| e.to_string())
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    postcard::to_allocvec(value).map_err(|e| e.to_string())
}

impl Repair {
    /// A helper's side: `share` is this helper's share; `helpers` every
    /// helper (this one included, at least `t`, not the target).
    pub fn helper(
        share: Arc<KeyShare>,
        session: SessionId,
        helpers: &[PartyId],
        target: PartyId,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Envelope>), StartError> {
        let scheme = share.scheme();
        let params = share.parameters();
        let me = share.party();
        let set: BTreeSet<PartyId> = helpers.iter().copied().collect();
        if set.len() != helpers.len()
            || set.len() < usize::from(params.threshold())
            || !set.contains(&me)
            || set.contains(&target)
            || !params.contains(target)
            || set.iter().any(|p| !params.contains(*p))
        {
            return Err(library(scheme, "not a valid helper set for this target"));
        }
        let mut repair = Repair {
            scheme,
            session,
            me,
            target,
            helpers: set,
            params,
            state: State::Ended,
        };
        let out = match &share.secret {
            ShareSecret::Taproot(s) => {
                let internal = s.internal.serialize().map_err(|e| library(scheme, e))?;
                repair.frost_start(&s.frost, Some(internal), rng)?
            }
            ShareSecret::Ed25519(s) => repair.frost_start(s, None, rng)?,
            ShareSecret::Ecdsa(s) => repair.ecdsa_term(s)?,
        };
        Ok((repair, out))
    }

    /// The target's side: the new device of party `me` of a `params`
    /// group, repaired by `helpers`.
    pub fn target(
        scheme: Scheme,
        params: Parameters,
        session: SessionId,
        helpers: &[PartyId],
        me: PartyId,
    ) -> Result<Self, StartError> {
        let set: BTreeSet<PartyId> = helpers.iter().copied().collect();
        if set.len() != helpers.len()
            || set.len() < usize::from(params.threshold())
            || set.contains(&me)
            || !params.contains(me)
            || set.iter().any(|p| !params.contains(*p))
        {
            return Err(library(scheme, "not a valid helper set for this target"));
        }
        Ok(Repair {
            scheme,
            session,
            me,
            target: me,
            helpers: set,
            params,
            state: State::Collect {
                got: BTreeMap::new(),
            },
        })
    }

    fn envelope(&self, round: u8, to: PartyId, payload: Vec<u8>) -> Envelope {
        Envelope {
            scheme: self.scheme,
            session: self.session,
            round,
            sender: self.me,
            recipient: Recipient::Party(to),
            payload,
        }
    }

    fn frost_start<C: Ciphersuite>(
        &mut self,
        share: &FrostShare<C>,
        internal: Option<Vec<u8>>,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Vec<Envelope>, StartError> {
        let scheme = self.scheme;
        let helpers: Vec<Identifier<C>> = self
            .helpers
            .iter()
            .map(|p| id::<C>(*p))
            .collect::<Result<_, _>>()
            .map_err(|e| library(scheme, e))?;
        let target = id::<C>(self.target).map_err(|e| library(scheme, e))?;
        let deltas = repair_share_part1(&helpers, &share.key, rng, target)
            .map_err(|e| library(scheme, e))?;
        let public = share.public.serialize().map_err(|e| library(scheme, e))?;
        let mut own = Zeroizing::new(Vec::new());
        let mut out = Vec::new();
        for party in self.helpers.clone() {
            let ident = id::<C>(party).map_err(|e| library(scheme, e))?;
            let delta = deltas
                .get(&ident)
                .ok_or_else(|| library(scheme, "no delta for a helper"))?;
            let bytes = Zeroizing::new(delta.serialize());
            if party == self.me {
                own = bytes;
            } else {
                out.push(self.envelope(1, party, bytes.to_vec()));
            }
        }
        self.state = State::Deltas {
            own,
            got: BTreeMap::new(),
            public,
            internal,
        };
        Ok(out)
    }

    fn ecdsa_term(&mut self, share: &EcdsaShare) -> Result<Vec<Envelope>, StartError> {
        let scheme = self.scheme;
        let index = |p: PartyId| PartyIndex::new(p.get()).map_err(|e| library(scheme, e));
        let helpers: Vec<PartyIndex> = self
            .helpers
            .iter()
            .map(|p| index(*p))
            .collect::<Result<_, _>>()?;
        let term = share
            .party
            .repair_term(&helpers, index(self.target)?, &self.session.0)
            .map_err(|e| library(scheme, format!("{e:?}")))?;
        let message = ToTarget {
            secret: encode(&term).map_err(|e| library(scheme, e))?,
            public: encode(&share.public).map_err(|e| library(scheme, e))?,
            internal: None,
        };
        let payload = Zeroizing::new(encode(&message).map_err(|e| library(scheme, e))?);
        drop(Zeroizing::new(message.secret));
        Ok(vec![self.envelope(1, self.target, payload.to_vec())])
    }

    /// Whether this side has ended.
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Ended)
    }

    /// Ends now, dropping every secret.
    pub fn abort(&mut self) {
        self.state = State::Ended;
    }

    /// The session's id.
    pub fn session_id(&self) -> SessionId {
        self.session
    }

    /// The helpers whose message has not arrived yet.
    pub fn waiting_for(&self) -> Vec<PartyId> {
        match &self.state {
            State::Deltas { got, .. } => self
                .helpers
                .iter()
                .copied()
                .filter(|p| *p != self.me && !got.contains_key(p))
                .collect(),
            State::Collect { got } => self
                .helpers
                .iter()
                .copied()
                .filter(|p| !got.contains_key(p))
                .collect(),
            State::Ended => Vec::new(),
        }
    }

    fn admit(&self, from: PartyId, env: &Envelope) -> Result<u8, Rejected> {
        if env.sender != from {
            return Err(Rejected::Spoofed {
                claimed: env.sender,
                authenticated: from,
            });
        }
        if env.session != self.session {
            return Err(Rejected::WrongSession {
                expected: self.session,
                got: env.session,
            });
        }
        if env.scheme != self.scheme {
            return Err(Rejected::WrongScheme {
                expected: self.scheme,
                got: env.scheme,
            });
        }
        if !self.helpers.contains(&from) {
            return Err(Rejected::UnexpectedSender { sender: from });
        }
        if env.recipient != Recipient::Party(self.me) {
            return Err(Rejected::WrongDelivery {
                sender: from,
                round: env.round,
            });
        }
        if env.payload.len() > MAX_PAYLOAD {
            return Err(Rejected::TooLarge {
                sender: from,
                round: env.round,
                len: env.payload.len(),
                max: MAX_PAYLOAD,
            });
        }
        let expected = match (&self.state, self.scheme) {
            (State::Deltas { .. }, _) => 1,
            (State::Collect { .. }, Scheme::Ecdsa) => 1,
            (State::Collect { .. }, _) => 2,
            (State::Ended, _) => return Err(Rejected::Ended),
        };
        if env.round != expected {
            return Err(Rejected::UnknownRound {
                sender: from,
                round: env.round,
            });
        }
        Ok(expected)
    }

    /// Takes one envelope from `from`, the peer the transport authenticated.
    pub fn handle(
        &mut self,
        from: PartyId,
        mut env: Envelope,
    ) -> Result<Step<RepairOutput>, HandleError> {
        self.admit(from, &env)?;
        let payload = Zeroizing::new(std::mem::take(&mut env.payload));
        let result = match std::mem::replace(&mut self.state, State::Ended) {
            State::Deltas {
                own,
                mut got,
                public,
                internal,
            } => {
                if got.contains_key(&from) {
                    self.state = State::Deltas {
                        own,
                        got,
                        public,
                        internal,
                    };
                    return Err(Rejected::Duplicate {
                        sender: from,
                        round: 1,
                    }
                    .into());
                }
                got.insert(from, payload);
                if got.len() + 1 < self.helpers.len() {
                    self.state = State::Deltas {
                        own,
                        got,
                        public,
                        internal,
                    };
                    return Ok(Step {
                        outgoing: Vec::new(),
                        output: None,
                    });
                }
                self.frost_sum(&own, &got, public, internal)
            }
            State::Collect { mut got } => {
                if got.contains_key(&from) {
                    self.state = State::Collect { got };
                    return Err(Rejected::Duplicate {
                        sender: from,
                        round: env.round,
                    }
                    .into());
                }
                let message: ToTarget =
                    postcard::from_bytes(&payload).map_err(|e| Abort::Malformed {
                        culprit: from,
                        round: env.round,
                        detail: e.to_string(),
                    })?;
                got.insert(from, message);
                if got.len() < self.helpers.len() {
                    self.state = State::Collect { got };
                    return Ok(Step {
                        outgoing: Vec::new(),
                        output: None,
                    });
                }
                self.assemble(got)
            }
            State::Ended => return Err(Rejected::Ended.into()),
        };
        result.map_err(HandleError::from)
    }

    /// A FROST helper with every delta: its sum to the target.
    fn frost_sum(
        &mut self,
        own: &[u8],
        got: &BTreeMap<PartyId, Zeroizing<Vec<u8>>>,
        public: Vec<u8>,
        internal: Option<Vec<u8>>,
    ) -> Result<Step<RepairOutput>, Abort> {
        let sigma = match self.scheme {
            Scheme::FrostTaproot => sum::<Secp256K1Sha256TR>(own, got)?,
            _ => sum::<Ed25519Sha512>(own, got)?,
        };
        let message = ToTarget {
            secret: sigma.to_vec(),
            public,
            internal,
        };
        let payload = Zeroizing::new(
            encode(&message).map_err(|e| Abort::Internal(format!("encoding: {e}")))?,
        );
        drop(Zeroizing::new(message.secret));
        Ok(Step {
            outgoing: vec![self.envelope(2, self.target, payload.to_vec())],
            output: Some(RepairOutput::Helped),
        })
    }

    /// The target with every helper's message: the repaired share.
    fn assemble(
        &mut self,
        mut got: BTreeMap<PartyId, ToTarget>,
    ) -> Result<Step<RepairOutput>, Abort> {
        let mismatch = |party: PartyId| Abort::KeyMismatch { party };
        let (first_party, first) = got
            .iter()
            .next()
            .ok_or_else(|| Abort::Internal("no helper".into()))?;
        let _ = first_party;
        let (public, internal) = (first.public.clone(), first.internal.clone());
        for (party, m) in &got {
            if m.public != public || m.internal != internal {
                return Err(mismatch(*party));
            }
        }
        let secrets: Vec<Zeroizing<Vec<u8>>> = got
            .values_mut()
            .map(|m| Zeroizing::new(std::mem::take(&mut m.secret)))
            .collect();
        let bad = |reason: String| Abort::Unattributed {
            scheme: self.scheme,
            reason,
        };
        let share = match self.scheme {
            Scheme::FrostTaproot => {
                let frost =
                    assemble_frost::<Secp256K1Sha256TR>(&secrets, self.me, &public).map_err(bad)?;
                let internal = PublicKeyPackage::deserialize(internal.as_deref().unwrap_or(&[]))
                    .map_err(|e| bad(format!("the untweaked package: {e}")))?;
                KeyShare::new(
                    self.me,
                    self.params,
                    ShareSecret::Taproot(TaprootShare { frost, internal }),
                )
            }
            Scheme::FrostEd25519 => {
                let frost =
                    assemble_frost::<Ed25519Sha512>(&secrets, self.me, &public).map_err(bad)?;
                KeyShare::new(self.me, self.params, ShareSecret::Ed25519(frost))
            }
            Scheme::Ecdsa => {
                let package: DklsPackage<Secp256k1> = postcard::from_bytes(&public)
                    .map_err(|e| bad(format!("the public package: {e}")))?;
                let mut terms = Vec::new();
                for (party, bytes) in got.keys().zip(&secrets) {
                    let term: RepairTerm<Secp256k1> =
                        postcard::from_bytes(bytes).map_err(|e| bad(format!("a term: {e}")))?;
                    if term.helper.as_u8() != party.get() {
                        return Err(Abort::Misbehaved {
                            culprit: *party,
                            reason: "its repair term names another helper".into(),
                        });
                    }
                    terms.push(term);
                }
                let target = PartyIndex::new(self.me.get())
                    .map_err(|_| Abort::Internal("party 0".into()))?;
                let party = repair_assemble(&package, target, &terms, |_| String::new())
                    .map_err(|e| bad(format!("the repaired share does not match: {e:?}")))?;
                KeyShare::hollow(
                    self.me,
                    self.params,
                    EcdsaShare {
                        party,
                        public: package,
                    },
                )
            }
        }
        .map_err(|e| bad(format!("the repaired share is not valid: {e}")))?;
        share
            .check_public()
            .map_err(|e| bad(format!("the helpers' public package: {e}")))?;
        Ok(Step {
            outgoing: Vec::new(),
            output: Some(RepairOutput::Repaired(Box::new(share))),
        })
    }
}

/// A FROST helper's sum of the deltas it holds (its own included).
fn sum<C: Ciphersuite>(
    own: &[u8],
    got: &BTreeMap<PartyId, Zeroizing<Vec<u8>>>,
) -> Result<Zeroizing<Vec<u8>>, Abort> {
    let mut deltas =
        vec![Delta::<C>::deserialize(own).map_err(|e| Abort::Internal(format!("own delta: {e}")))?];
    for (party, bytes) in got {
        deltas.push(
            Delta::<C>::deserialize(bytes).map_err(|e| Abort::Malformed {
                culprit: *party,
                round: 1,
                detail: e.to_string(),
            })?,
        );
    }
    Ok(Zeroizing::new(repair_share_part2(&deltas).serialize()))
}

/// The target's FROST share from the helpers' sums and the package.
fn assemble_frost<C: Ciphersuite>(
    sigmas: &[Zeroizing<Vec<u8>>],
    me: PartyId,
    public: &[u8],
) -> Result<FrostShare<C>, String> {
    let public =
        PublicKeyPackage::<C>::deserialize(public).map_err(|e| format!("the package: {e}"))?;
    let sigmas: Vec<Sigma<C>> = sigmas
        .iter()
        .map(|b| Sigma::deserialize(b).map_err(|e| format!("a sum: {e}")))
        .collect::<Result<_, _>>()?;
    let key: KeyPackage<C> = repair_share_part3(&sigmas, id::<C>(me)?, &public)
        .map_err(|e| format!("assembling: {e}"))?;
    Ok(FrostShare { key, public })
}

impl crate::session::Session for Repair {
    type Output = RepairOutput;

    fn handle(
        &mut self,
        from: PartyId,
        envelope: Envelope,
    ) -> Result<Step<RepairOutput>, HandleError> {
        Repair::handle(self, from, envelope)
    }

    fn waiting_for(&self) -> Vec<PartyId> {
        Repair::waiting_for(self)
    }

    fn is_finished(&self) -> bool {
        Repair::is_finished(self)
    }

    fn abort(&mut self) {
        Repair::abort(self);
    }

    fn session_id(&self) -> SessionId {
        self.session
    }
}
