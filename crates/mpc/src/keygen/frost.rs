//! FROST distributed key generation (RFC 9591 Appendix C / Komlo–Goldberg
//! PedPoP, frost-core `keys::dkg`), made broadcast-consistent by an echo round:
//!
//! 1. broadcast: `round1::Package` (commitment and proof of knowledge);
//! 2. broadcast: echo digest of round 1; checked before any secret leaves;
//! 3. point-to-point: `round2::Package` (our secret share for each peer);
//!    then `part3` verifies each share against its sender's commitment.
//!
//! Round secrets are moved from one part into the next, as frost-core does.
//!
//! **Refresh** (frost-core `keys::refresh`, the DKG with a zero constant
//! term) runs the same three rounds with `refresh_dkg_part1/part2` and
//! `refresh_dkg_shares`: every party adds a sharing of zero to its share, so
//! the group key stays and every verifying share moves. It needs all n.

use std::collections::BTreeMap;
use std::sync::Arc;

use frost_core::Identifier;
use frost_core::keys::dkg::{self, round1, round2};
use frost_core::keys::refresh;
use rand_core::{CryptoRng, RngCore};

use crate::echo;
use crate::envelope::Recipient;
use crate::error::{Abort, StartError};
use crate::frost_suite::{FrostSuite, abort, party_of};
use crate::ids::{Parameters, PartyId};
use crate::session::{Context, Delivery, Outbound, Payloads, Progress, Protocol, Round};
use crate::share::{FrostShare, KeyShare, ShareError};

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
    /// The share a refresh starts from (`None`: a new key).
    refreshing: Option<Arc<KeyShare>>,
}

fn id<C: FrostSuite>(party: PartyId) -> Result<Identifier<C>, Abort> {
    Identifier::try_from(u16::from(party.get()))
        .map_err(|e| Abort::Internal(format!("party id as FROST identifier: {e}")))
}

impl<C: FrostSuite> FrostKeygen<C> {
    /// A new key for a `params` group.
    pub(crate) fn start(
        me: PartyId,
        params: Parameters,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Outbound>), StartError> {
        Self::begin(me, params, None, rng)
    }

    /// A refresh of `share` (same group key, new shares for every party).
    pub(crate) fn refresh(
        share: Arc<KeyShare>,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Outbound>), StartError> {
        Self::begin(share.party(), share.parameters(), Some(share), rng)
    }

    fn begin(
        me: PartyId,
        params: Parameters,
        refreshing: Option<Arc<KeyShare>>,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Outbound>), StartError> {
        let library = |reason: String| StartError::Library {
            scheme: C::SCHEME,
            reason,
        };
        let identifier = id::<C>(me).map_err(|e| library(e.to_string()))?;
        let (n, t) = (params.parties(), params.threshold());
        let (secret, package) = match &refreshing {
            None => dkg::part1::<C, _>(identifier, n, t, &mut *rng),
            Some(_) => refresh::refresh_dkg_part1::<C, _>(identifier, n, t, &mut *rng),
        }
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
                refreshing,
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
        // A new key verifies every proof of knowledge, then evaluates our
        // polynomial; a refresh's constant term is zero by construction.
        let (secret, shares) = match &self.refreshing {
            None => dkg::part2(secret, &packages),
            Some(_) => refresh::refresh_dkg_part2(secret, &packages),
        }
        .map_err(|e| abort(e, self.params))?;
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
        if let Some(old) = &self.refreshing {
            let (key, public) = C::packages(old).ok_or_else(|| {
                Abort::Internal("the share to refresh is of another scheme".into())
            })?;
            let (key, public) =
                refresh::refresh_dkg_shares(secret, packages, &shares, public.clone(), key.clone())
                    .map_err(|e| abort(e, self.params))?;
            let share = C::refreshed(old, FrostShare { key, public }).map_err(invalid)?;
            return Ok(Progress::Finished(Vec::new(), share));
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
        .map_err(invalid)?;
        Ok(Progress::Finished(Vec::new(), share))
    }
}

fn invalid(e: ShareError) -> Abort {
    Abort::Internal(format!("key generation produced an invalid share: {e}"))
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
