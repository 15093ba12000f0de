//! FROST signing (RFC 9591 §5) among any `t ≤ k ≤ n` signers, peer to peer:
//!
//! 1. broadcast among the signers: our nonce commitments (RFC 9591 §5.1);
//!    every signer builds the same `SigningPackage` from all of them and the
//!    message, and signs it (§5.2), consuming its nonces;
//! 2. to the coordinator: the signature share, with the digest of the
//!    commitment set the signer used. The coordinator checks that digest
//!    (a signer who saw other commitments is reported, not blamed for a bad
//!    share), aggregates (§5.3), which verifies every share on failure and
//!    names the culprit, and verifies the final signature.

use std::collections::BTreeMap;
use std::sync::Arc;

use frost_core::round1::SigningCommitments;
use frost_core::round2::SignatureShare;
use frost_core::{Identifier, SigningPackage};
use rand_core::{CryptoRng, RngCore};

use super::nonces::OneTimeNonces;
use super::{SignOutput, Signature, split_request};
use crate::echo;
use crate::envelope::Recipient;
use crate::error::{Abort, StartError};
use crate::frost_suite::{FrostSuite, abort};
use crate::ids::PartyId;
use crate::session::{Context, Delivery, Outbound, Payloads, Progress, Protocol, Round};
use crate::share::KeyShare;

const ROUNDS: &[Round] = &[
    Round::new(Delivery::Broadcast, 512),
    Round::new(Delivery::ToCoordinator, 256),
];

enum State<C: FrostSuite> {
    Commit {
        nonces: OneTimeNonces<C>,
        commitments: SigningCommitments<C>,
        own: Vec<u8>,
    },
    Aggregate {
        package: SigningPackage<C>,
        digest: [u8; 32],
        own: SignatureShare<C>,
    },
    Ended,
}

pub(crate) struct FrostSigner<C: FrostSuite> {
    share: Arc<KeyShare>,
    message: Vec<u8>,
    request: [u8; 32],
    state: State<C>,
}

fn id<C: FrostSuite>(party: PartyId) -> Result<Identifier<C>, Abort> {
    Identifier::try_from(u16::from(party.get()))
        .map_err(|e| Abort::Internal(format!("party id as FROST identifier: {e}")))
}

fn wrong_share() -> Abort {
    Abort::Internal("key share of another scheme".into())
}

impl<C: FrostSuite> FrostSigner<C> {
    pub(crate) fn start(
        share: Arc<KeyShare>,
        message: &[u8],
        request: [u8; 32],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<(Self, Vec<Outbound>), StartError> {
        let library = |reason: String| StartError::Library {
            scheme: C::SCHEME,
            reason,
        };
        let (key, _) = C::packages(&share).ok_or_else(|| library(wrong_share().to_string()))?;
        let (nonces, commitments) = OneTimeNonces::commit(key, rng);
        let mut own = request.to_vec();
        own.extend(
            commitments
                .serialize()
                .map_err(|e| library(e.to_string()))?,
        );
        let out = vec![Outbound {
            round: 1,
            to: Recipient::All,
            payload: own.clone(),
        }];
        let signer = FrostSigner {
            share,
            message: message.to_vec(),
            request,
            state: State::Commit {
                nonces,
                commitments,
                own,
            },
        };
        Ok((signer, out))
    }

    fn commitments(
        &mut self,
        ctx: &Context,
        nonces: OneTimeNonces<C>,
        (own, own_bytes): (SigningCommitments<C>, Vec<u8>),
        payloads: Payloads,
    ) -> Result<Progress<SignOutput>, Abort> {
        let (key, _) = C::packages(&self.share).ok_or_else(wrong_share)?;
        let mut commitments = BTreeMap::from([(id::<C>(ctx.me)?, own)]);
        for (party, bytes) in &payloads {
            let bytes = split_request(*party, bytes, &self.request)?;
            let c = SigningCommitments::<C>::deserialize(bytes).map_err(|e| Abort::Malformed {
                culprit: *party,
                round: 1,
                detail: e.to_string(),
            })?;
            commitments.insert(id::<C>(*party)?, c);
        }
        let mut view = payloads;
        view.insert(ctx.me, own_bytes.into());
        let digest = echo::digest(ctx.scheme, &ctx.session, 1, &view);
        let package = SigningPackage::new(commitments, &self.message);
        let share = nonces
            .sign(&package, key)
            .map_err(|e| abort(e, self.share.parameters()))?;
        let coordinator = ctx
            .coordinator
            .ok_or_else(|| Abort::Internal("signing without a coordinator".into()))?;
        if coordinator == ctx.me {
            self.state = State::Aggregate {
                package,
                digest,
                own: share,
            };
            return Ok(Progress::Continue(Vec::new()));
        }
        let mut payload = digest.to_vec();
        payload.extend_from_slice(&share.serialize());
        let out = vec![Outbound {
            round: 2,
            to: Recipient::Party(coordinator),
            payload,
        }];
        Ok(Progress::Finished(out, SignOutput::Contributed))
    }

    fn aggregate(
        &self,
        ctx: &Context,
        package: &SigningPackage<C>,
        digest: &[u8; 32],
        own: SignatureShare<C>,
        payloads: Payloads,
    ) -> Result<Progress<SignOutput>, Abort> {
        let (_, public) = C::packages(&self.share).ok_or_else(wrong_share)?;
        let mut shares = BTreeMap::from([(id::<C>(ctx.me)?, own)]);
        for (party, bytes) in &payloads {
            let Some((seen, share)) = bytes.split_first_chunk::<32>() else {
                return Err(Abort::Malformed {
                    culprit: *party,
                    round: 2,
                    detail: "shorter than the commitment digest".into(),
                });
            };
            if seen != digest {
                return Err(Abort::BroadcastMismatch {
                    reported_by: *party,
                    round: 1,
                });
            }
            let share = SignatureShare::<C>::deserialize(share).map_err(|e| Abort::Malformed {
                culprit: *party,
                round: 2,
                detail: e.to_string(),
            })?;
            shares.insert(id::<C>(*party)?, share);
        }
        // aggregate() verifies the group signature, and on failure every share.
        let signature = frost_core::aggregate(package, &shares, public)
            .map_err(|e| abort(e, self.share.parameters()))?;
        let bytes = signature
            .serialize()
            .map_err(|e| Abort::Internal(format!("serializing the signature: {e}")))?;
        let bytes: [u8; 64] = bytes
            .try_into()
            .map_err(|_| Abort::Internal("signature is not 64 bytes".into()))?;
        let signature = match C::SCHEME {
            crate::ids::Scheme::FrostTaproot => Signature::Bip340(bytes),
            _ => Signature::Ed25519(bytes),
        };
        Ok(Progress::Finished(
            Vec::new(),
            SignOutput::Signature(signature),
        ))
    }
}

impl<C: FrostSuite> Protocol for FrostSigner<C> {
    type Output = SignOutput;

    fn rounds(&self) -> &[Round] {
        ROUNDS
    }

    fn on_round(
        &mut self,
        ctx: &Context,
        round: u8,
        payloads: Payloads,
    ) -> Result<Progress<SignOutput>, Abort> {
        match (std::mem::replace(&mut self.state, State::Ended), round) {
            (
                State::Commit {
                    nonces,
                    commitments,
                    own,
                },
                1,
            ) => self.commitments(ctx, nonces, (commitments, own), payloads),
            (
                State::Aggregate {
                    package,
                    digest,
                    own,
                },
                2,
            ) => self.aggregate(ctx, &package, &digest, own, payloads),
            _ => Err(Abort::Internal(format!("round {round} in the wrong state"))),
        }
    }
}
