//! FROST distributed key generation (RFC 9591 Appendix C / Komlo–Goldberg
//! PedPoP, frost-core `keys::dkg`), made broadcast-consistent by an echo round:
//!
//! 1. broadcast: `round1::Package` (commitment and proof of knowledge);
//! 2. broadcast: echo digest of round 1; checked before any secret leaves;
//! 3. point-to-point: `round2::Package` (our secret share for each peer);
//!    then `part3` verifies each share against its sender's commitment.
//!
//! Round secrets are moved from one part into the next, as frost-core does.

use std::collections::BTreeMap;

use frost_core::Identifier;
use frost_core::keys::dkg::{self, round1, round2};
use rand_core::{CryptoRng, RngCore};

use crate::echo;
use crate::envelope::Recipient;
use crate::error::{Abort, StartError};
use crate::frost_suite::{FrostSuite, abort, party_of};
use crate::ids::{Parameters, PartyId};
use crate::session::{Context, Delivery, Outbound, Payloads, Progress, Protocol, Round};
use crate::share::{FrostShare, KeyShare};

const ROUNDS: &[Round] = &[
    Round::new(Delivery::Broadcast, 2048),
    Round::new(Delivery::Broadcast, 32),
    Round::new(Delivery::Private, 256),
];

enum State<C: FrostSuite> {
    Commit {
        secret: round1::SecretPackage<C>,
        own: Vec<u8>,
    },
    Echo {
        secret: round1::SecretPackage<C>,
        packages: BTreeMap<Identifier<C>, round1::Package<C>>,
        digest: [u8; 32],
    },
    Shares {
        secret: round2::SecretPackage<C>,
        packages: BTreeMap<Identifier<C>, round1::Package<C>>,
    },
    Ended,
}

pub(crate) struct FrostKeygen<C: FrostSuite> {
    params: Parameters,
    state: State<C>,
}

fn id<C: FrostSuite>(party: PartyId) -> Result<Identifier<C>, Abort> {
    Identifier::try_from(u16::from(party.get()))
        .map_err(|e| Abort::Internal(format!("party id as FROST identifier: {e}")))
}

impl<C: FrostSuite> FrostKeygen<C> {
    pub(crate) fn start(
        me: PartyId,
        params: Parameters,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Outbound>), StartError> {
        let library = |reason: String| StartError::Library {
            scheme: C::SCHEME,
            reason,
        };
        let identifier = id::<C>(me).map_err(|e| library(e.to_string()))?;
        let (secret, package) =
            dkg::part1::<C, _>(identifier, params.parties(), params.threshold(), &mut *rng)
                .map_err(|e| library(e.to_string()))?;
        let own = package.serialize().map_err(|e| library(e.to_string()))?;
        let out = vec![Outbound {
            round: 1,
            to: Recipient::All,
            payload: own.clone(),
        }];
        Ok((
            FrostKeygen {
                params,
                state: State::Commit { secret, own },
            },
            out,
        ))
    }

    fn commitments(
        &mut self,
        ctx: &Context,
        secret: round1::SecretPackage<C>,
        own: Vec<u8>,
        payloads: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        let mut packages = BTreeMap::new();
        for (party, bytes) in &payloads {
            let package =
                round1::Package::<C>::deserialize(bytes).map_err(|e| Abort::Malformed {
                    culprit: *party,
                    round: 1,
                    detail: e.to_string(),
                })?;
            packages.insert(id::<C>(*party)?, package);
        }
        let mut view = payloads;
        view.insert(ctx.me, own.into());
        let digest = echo::digest(ctx.scheme, &ctx.session, 1, &view);
        self.state = State::Echo {
            secret,
            packages,
            digest,
        };
        Ok(Progress::Continue(vec![Outbound {
            round: 2,
            to: Recipient::All,
            payload: digest.to_vec(),
        }]))
    }

    fn echo(
        &mut self,
        secret: round1::SecretPackage<C>,
        packages: BTreeMap<Identifier<C>, round1::Package<C>>,
        digest: [u8; 32],
        echoes: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        echo::check(&digest, 1, &echoes)?;
        // Verifies every proof of knowledge, then evaluates our polynomial.
        let (secret, shares) = dkg::part2(secret, &packages).map_err(|e| abort(e, self.params))?;
        let mut out = Vec::with_capacity(shares.len());
        for (identifier, share) in shares {
            let party = party_of(&identifier, self.params)
                .ok_or_else(|| Abort::Internal("share for an unknown identifier".into()))?;
            let payload = share
                .serialize()
                .map_err(|e| Abort::Internal(format!("serializing a share: {e}")))?;
            out.push(Outbound {
                round: 3,
                to: Recipient::Party(party),
                payload,
            });
        }
        self.state = State::Shares { secret, packages };
        Ok(Progress::Continue(out))
    }

    fn shares(
        &self,
        ctx: &Context,
        secret: &round2::SecretPackage<C>,
        packages: &BTreeMap<Identifier<C>, round1::Package<C>>,
        payloads: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        let mut shares = BTreeMap::new();
        for (party, bytes) in &payloads {
            let share = round2::Package::<C>::deserialize(bytes).map_err(|e| Abort::Malformed {
                culprit: *party,
                round: 3,
                detail: e.to_string(),
            })?;
            shares.insert(id::<C>(*party)?, share);
        }
        let (key, public) =
            dkg::part3(secret, packages, &shares).map_err(|e| abort(e, self.params))?;
        let mut commitments: BTreeMap<_, _> =
            packages.iter().map(|(i, p)| (*i, p.commitment())).collect();
        commitments.insert(id::<C>(ctx.me)?, secret.commitment());
        let share = C::make_share(
            ctx.me,
            self.params,
            FrostShare { key, public },
            &commitments,
        )
        .map_err(|e| Abort::Internal(format!("key generation produced an invalid share: {e}")))?;
        Ok(Progress::Finished(Vec::new(), share))
    }
}

impl<C: FrostSuite> Protocol for FrostKeygen<C> {
    type Output = KeyShare;

    fn rounds(&self) -> &[Round] {
        ROUNDS
    }

    fn on_round(
        &mut self,
        ctx: &Context,
        round: u8,
        payloads: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        match (std::mem::replace(&mut self.state, State::Ended), round) {
            (State::Commit { secret, own }, 1) => self.commitments(ctx, secret, own, payloads),
            (
                State::Echo {
                    secret,
                    packages,
                    digest,
                },
                2,
            ) => self.echo(secret, packages, digest, payloads),
            (State::Shares { secret, packages }, 3) => {
                self.shares(ctx, &secret, &packages, payloads)
            }
            _ => Err(Abort::Internal(format!("round {round} in the wrong state"))),
        }
    }
}
