//! DKLs23 complete refresh (`Party::refresh_complete_phase1..4` and
//! `PublicKeyPackage::refresh`, dkls23 0.6 `protocols::refresh`): key
//! generation again with a zero constant term, so every party's
//! `poly_point` moves by a sharing of zero, the group key stays, and the
//! multiplication (OT) setup is made anew. All n parties take part. The
//! refreshed parties chain the refresh into their session id, so a share
//! from before the refresh cannot sign with one from after it.
//!
//! The rounds are key generation's ([`super::ecdsa`]) without the chain code:
//!
//! 1. point-to-point: our zero-constant polynomial at each peer (secret);
//! 2. broadcast: commitment to our proof, zero-share seed commitments;
//! 3. broadcast: echo digest of round 2, checked before round 4's secrets;
//! 4. point-to-point: zero-share seeds and OT setup (secret);
//! 5. broadcast: the proof;
//! 6. broadcast: echo digest of round 5; then phase 4 checks every proof,
//!    that the corrections add up to the identity, and the OT setup.

use std::collections::BTreeMap;
use std::sync::Arc;

use dkls23::protocols::dkg::{
    KeepInitMulPhase3to4, KeepInitZeroSharePhase2to3, KeepInitZeroSharePhase3to4, ProofCommitment,
    TransmitInitMulPhase3to4, TransmitInitZeroSharePhase2to4, TransmitInitZeroSharePhase3to4,
};
use dkls23::protocols::{Party, PartyIndex};
use dkls23::utilities::hashes::HashOutput;
use dkls23::utilities::proofs::DLogProof;
use k256::{Scalar, Secp256k1};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use super::dkls_rounds as rounds;
use crate::dkls::{self, decode, encode, index, misrouted};
use crate::echo;
use crate::envelope::Recipient;
use crate::error::{Abort, StartError};
use crate::ids::{PartyId, Scheme};
use crate::session::{Context, Delivery, Outbound, Payloads, Progress, Protocol, Round};
use crate::share::{EcdsaShare, KeyShare, ShareSecret};

const ROUNDS: &[Round] = &[
    Round::new(Delivery::Private, 64),
    Round::new(Delivery::Broadcast, 16 * 1024),
    Round::new(Delivery::Broadcast, 32),
    Round::new(Delivery::Private, 1024 * 1024),
    Round::new(Delivery::Broadcast, 16 * 1024),
    Round::new(Delivery::Broadcast, 32),
];

#[derive(Serialize, Deserialize)]
struct Round2 {
    proof_commitment: HashOutput,
    zero: Vec<TransmitInitZeroSharePhase2to4>,
}

#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct Round5 {
    proof: DLogProof<Secp256k1>,
}

/// One party's refresh. Secrets: `own_fragment`, `correction`, the kept
/// zero-share seeds (zeroized on drop) and the OT setup in `mul_keep`.
pub(crate) struct EcdsaRefresh {
    old: Arc<KeyShare>,
    own_fragment: Zeroizing<Scalar>,
    correction: Zeroizing<Scalar>,
    own_proof: Option<ProofCommitment<Secp256k1>>,
    own_payload: Vec<u8>,
    digest: [u8; 32],
    commitments: BTreeMap<PartyIndex, HashOutput>,
    zero_keep2: BTreeMap<PartyIndex, KeepInitZeroSharePhase2to3>,
    zero_keep3: BTreeMap<PartyIndex, KeepInitZeroSharePhase3to4>,
    mul_keep: BTreeMap<PartyIndex, KeepInitMulPhase3to4<Secp256k1>>,
    zero2: Vec<TransmitInitZeroSharePhase2to4>,
    zero3: Vec<TransmitInitZeroSharePhase3to4>,
    mul3: Vec<TransmitInitMulPhase3to4<Secp256k1>>,
    proofs: Vec<ProofCommitment<Secp256k1>>,
}

fn party_of(share: &KeyShare) -> Result<&Party<Secp256k1>, Abort> {
    match &share.secret {
        ShareSecret::Ecdsa(s) => Ok(&s.party),
        _ => Err(Abort::Internal("the share to refresh is not ECDSA".into())),
    }
}

impl EcdsaRefresh {
    pub(crate) fn start(
        ctx: &Context,
        old: Arc<KeyShare>,
    ) -> Result<(Self, Vec<Outbound>), StartError> {
        let library = |reason: String| StartError::Library {
            scheme: Scheme::Ecdsa,
            reason,
        };
        let party = party_of(&old).map_err(|e| library(e.to_string()))?;
        let fragments = Zeroizing::new(party.refresh_complete_phase1());
        let (own_fragment, out) = rounds::fragments_out(ctx, old.parameters().all(), &fragments)
            .map_err(|e| library(e.to_string()))?;
        let refresh = EcdsaRefresh {
            old,
            own_fragment,
            correction: Zeroizing::new(Scalar::ZERO),
            own_proof: None,
            own_payload: Vec::new(),
            digest: [0; 32],
            commitments: BTreeMap::new(),
            zero_keep2: BTreeMap::new(),
            zero_keep3: BTreeMap::new(),
            mul_keep: BTreeMap::new(),
            zero2: Vec::new(),
            zero3: Vec::new(),
            mul3: Vec::new(),
            proofs: Vec::new(),
        };
        Ok((refresh, out))
    }

    /// Round 1 in: our correction and proof commitment; round 2 out.
    fn fragments(
        &mut self,
        ctx: &Context,
        payloads: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        let fragments = rounds::fragments_in(&self.own_fragment, &payloads)?;
        let (correction, proof, keep, zero) =
            party_of(&self.old)?.refresh_complete_phase2(&ctx.session.0, &fragments);
        *self.correction = correction;
        self.zero_keep2 = keep;
        let round2 = Round2 {
            proof_commitment: proof.commitment,
            zero,
        };
        self.own_payload = encode(&round2)?;
        self.absorb_round2(ctx.me, round2)?;
        self.own_proof = Some(proof);
        Ok(Progress::Continue(vec![Outbound {
            round: 2,
            to: Recipient::All,
            payload: self.own_payload.clone(),
        }]))
    }

    fn absorb_round2(&mut self, sender: PartyId, round2: Round2) -> Result<(), Abort> {
        let from = index(sender)?;
        if round2.zero.iter().any(|z| z.parties.sender != from) {
            return Err(misrouted(sender, "zero-share commitment"));
        }
        self.commitments.insert(from, round2.proof_commitment);
        self.zero2.extend(round2.zero);
        Ok(())
    }

    fn absorb_round5(&mut self, sender: PartyId, round5: Round5) -> Result<(), Abort> {
        let from = index(sender)?;
        let commitment = *self
            .commitments
            .get(&from)
            .ok_or_else(|| Abort::Internal(format!("no commitment from {sender}")))?;
        self.proofs.push(ProofCommitment {
            index: from,
            proof: round5.proof,
            commitment,
        });
        Ok(())
    }

    /// Broadcast round in: our view's echo digest out.
    fn broadcast(
        &mut self,
        ctx: &Context,
        round: u8,
        payloads: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        let own = std::mem::take(&mut self.own_payload);
        let (digest, echo) = rounds::echo_view(ctx, round, &payloads, &own);
        self.digest = digest;
        for (party, bytes) in &payloads {
            let party = *party;
            if round == 2 {
                self.absorb_round2(party, decode(party, round, bytes)?)?;
            } else {
                self.absorb_round5(party, decode(party, round, bytes)?)?;
            }
        }
        Ok(echo)
    }

    /// Round 3 (echo of round 2) in: phase 3's secrets and our proof out.
    fn release(&mut self, ctx: &Context, echoes: Payloads) -> Result<Progress<KeyShare>, Abort> {
        echo::check(&self.digest, 2, &echoes)?;
        let me = index(ctx.me)?;
        self.zero2.retain(|z| z.parties.receiver == me);
        let (keep3, mut zero, mul_keep, mul) =
            party_of(&self.old)?.refresh_complete_phase3(&ctx.session.0, &self.zero_keep2);
        for kept in self.zero_keep2.values_mut() {
            kept.seed.zeroize();
            kept.salt.zeroize();
        }
        self.zero_keep3 = keep3;
        self.mul_keep = mul_keep;
        let proof = self
            .own_proof
            .as_ref()
            .map(|p| p.proof.clone())
            .ok_or_else(|| Abort::Internal("no proof after phase 2".into()))?;
        let mut out = rounds::round4_out(ctx, &mut zero, &mul)?;
        let round5 = Round5 { proof };
        self.own_payload = encode(&round5)?;
        self.absorb_round5(ctx.me, round5)?;
        out.push(Outbound {
            round: 5,
            to: Recipient::All,
            payload: self.own_payload.clone(),
        });
        Ok(Progress::Continue(out))
    }

    fn secrets(&mut self, ctx: &Context, payloads: Payloads) -> Result<Progress<KeyShare>, Abort> {
        rounds::round4_in(ctx, &payloads, &mut self.zero3, &mut self.mul3)?;
        Ok(Progress::Continue(Vec::new()))
    }

    /// Round 6 (echo of round 5) in: phase 4, the refreshed share out.
    fn finish(&mut self, ctx: &Context, echoes: Payloads) -> Result<Progress<KeyShare>, Abort> {
        echo::check(&self.digest, 5, &echoes)?;
        let ShareSecret::Ecdsa(old) = &self.old.secret else {
            return Err(Abort::Internal("the share to refresh is not ECDSA".into()));
        };
        let sid = ctx.session.0;
        let party = old
            .party
            .refresh_complete_phase4(
                &sid,
                &self.correction,
                &self.proofs,
                &self.zero_keep3,
                &self.zero2,
                &self.zero3,
                &self.mul_keep,
                &self.mul3,
            )
            .map_err(dkls::abort)?;
        let public =
            old.public
                .refresh(&sid, &self.proofs)
                .map_err(|reason| Abort::Unattributed {
                    scheme: Scheme::Ecdsa,
                    reason: reason.to_string(),
                })?;
        let secret = ShareSecret::Ecdsa(Box::new(EcdsaShare { party, public }));
        let share = KeyShare::new(ctx.me, self.old.parameters(), secret)
            .map_err(|e| Abort::Internal(format!("refresh produced an invalid share: {e}")))?;
        Ok(Progress::Finished(Vec::new(), share))
    }
}

impl Drop for EcdsaRefresh {
    fn drop(&mut self) {
        // The library's seed types have no Zeroize.
        for kept in self.zero_keep2.values_mut() {
            kept.seed.zeroize();
            kept.salt.zeroize();
        }
        for kept in self.zero_keep3.values_mut() {
            kept.seed.zeroize();
        }
        rounds::zeroize_seeds(&mut self.zero3);
    }
}

impl Protocol for EcdsaRefresh {
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
        match round {
            1 => self.fragments(ctx, payloads),
            2 | 5 => self.broadcast(ctx, round, payloads),
            3 => self.release(ctx, payloads),
            4 => self.secrets(ctx, payloads),
            6 => self.finish(ctx, payloads),
            _ => Err(Abort::Internal(format!("no round {round}"))),
        }
    }
}
