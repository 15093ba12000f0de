//! DKLs23 distributed key generation (DKLs23 §7 / Protocol 9.1 of eprint
//! 2023/602, via `dkls23::DkgSession`), laid out as six message slots with both
//! broadcast rounds echo-checked:
//!
//! 1. point-to-point: our polynomial evaluated at each peer (secret);
//! 2. broadcast: commitment to our proof of knowledge, chain-code commitment,
//!    zero-share commitments (hash commitments, nothing secret);
//! 3. broadcast: echo digest of round 2, checked before round 4's secrets leave;
//! 4. point-to-point: zero-share seeds and OT/multiplication setup (secret);
//! 5. broadcast: the proof of knowledge and the chain-code opening;
//! 6. broadcast: echo digest of round 5; then phase 4 checks every proof,
//!    opening and OT setup and outputs the share.
//!
//! DKLs23 sends its polynomial fragments before any broadcast, by design; every
//! broadcast it has is confirmed by an echo round before what follows it.

use std::collections::BTreeMap;

use dkls23::DkgSession;
use dkls23::protocols::Parameters as DklsParameters;
use dkls23::protocols::PartyIndex;
use dkls23::protocols::dkg::{
    BroadcastDerivationPhase2to4, BroadcastDerivationPhase3to4, ProofCommitment,
    TransmitInitMulPhase3to4, TransmitInitZeroSharePhase2to4, TransmitInitZeroSharePhase3to4,
};
use dkls23::utilities::hashes::HashOutput;
use dkls23::utilities::proofs::DLogProof;
use k256::{Scalar, Secp256k1};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::dkls_rounds as rounds;
use crate::dkls::{self, decode, encode, index, misrouted};
use crate::echo;
use crate::envelope::Recipient;
use crate::error::{Abort, StartError};
use crate::ids::{Parameters, PartyId, Scheme};
use crate::session::{Context, Delivery, Outbound, Payloads, Progress, Protocol, Round};
use crate::share::{EcdsaShare, KeyShare, ShareSecret};

const ROUNDS: &[Round] = &[
    Round::new(Delivery::Private, 64),
    Round::new(Delivery::Broadcast, 16 * 1024),
    Round::new(Delivery::Broadcast, 32),
    Round::new(Delivery::Private, 1024 * 1024),
    Round::new(Delivery::Broadcast, 64 * 1024),
    Round::new(Delivery::Broadcast, 32),
];

#[derive(Serialize, Deserialize)]
struct Round2 {
    proof_commitment: HashOutput,
    derivation: BroadcastDerivationPhase2to4,
    zero: Vec<TransmitInitZeroSharePhase2to4>,
}

#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
struct Round5 {
    proof: DLogProof<Secp256k1>,
    derivation: BroadcastDerivationPhase3to4,
}

/// What accumulates between rounds. Secrets live inside `session` (zeroized on
/// drop by the library) and in `own_fragment`.
pub(crate) struct EcdsaKeygen {
    params: Parameters,
    session: Option<DkgSession<Secp256k1>>,
    own_fragment: Zeroizing<Scalar>,
    own_proof: Option<ProofCommitment<Secp256k1>>,
    own_payload: Vec<u8>,
    digest: [u8; 32],
    commitments: BTreeMap<PartyIndex, HashOutput>,
    derivation2: BTreeMap<PartyIndex, BroadcastDerivationPhase2to4>,
    zero2: Vec<TransmitInitZeroSharePhase2to4>,
    zero3: Vec<TransmitInitZeroSharePhase3to4>,
    mul3: Vec<TransmitInitMulPhase3to4<Secp256k1>>,
    proofs: Vec<ProofCommitment<Secp256k1>>,
    derivation3: BTreeMap<PartyIndex, BroadcastDerivationPhase3to4>,
}

impl EcdsaKeygen {
    pub(crate) fn start(
        ctx: &Context,
        params: Parameters,
    ) -> Result<(Self, Vec<Outbound>), StartError> {
        let library = |reason: String| StartError::Library {
            scheme: Scheme::Ecdsa,
            reason,
        };
        // t, n ≤ 16 fit in a byte.
        let dkls_params = DklsParameters::new(params.threshold() as u8, params.parties() as u8)
            .map_err(|e| library(e.to_string()))?;
        let me = index(ctx.me).map_err(|e| library(e.to_string()))?;
        let session = DkgSession::<Secp256k1>::new(dkls_params, me, ctx.session.0.to_vec());
        let fragments = Zeroizing::new(session.phase1());
        let (own_fragment, out) = rounds::fragments_out(ctx, params.all(), &fragments)
            .map_err(|e| library(e.to_string()))?;
        let keygen = EcdsaKeygen {
            params,
            session: Some(session),
            own_fragment,
            own_proof: None,
            own_payload: Vec::new(),
            digest: [0; 32],
            commitments: BTreeMap::new(),
            derivation2: BTreeMap::new(),
            zero2: Vec::new(),
            zero3: Vec::new(),
            mul3: Vec::new(),
            proofs: Vec::new(),
            derivation3: BTreeMap::new(),
        };
        Ok((keygen, out))
    }

    fn session(&mut self) -> Result<&mut DkgSession<Secp256k1>, Abort> {
        self.session
            .as_mut()
            .ok_or_else(|| Abort::Internal("DKG session already consumed".into()))
    }

    /// Round 1 in: sum the fragments (DKLs23 step 3); out: round 2.
    fn fragments(
        &mut self,
        ctx: &Context,
        payloads: Payloads,
    ) -> Result<Progress<KeyShare>, Abort> {
        let fragments = rounds::fragments_in(&self.own_fragment, &payloads)?;
        let (proof, zero, derivation) = self.session()?.phase2(&fragments).map_err(dkls::abort)?;
        let round2 = Round2 {
            proof_commitment: proof.commitment,
            derivation,
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
        if round2.derivation.sender_index != from {
            return Err(misrouted(sender, "chain-code commitment"));
        }
        if round2.zero.iter().any(|z| z.parties.sender != from) {
            return Err(misrouted(sender, "zero-share commitment"));
        }
        self.commitments.insert(from, round2.proof_commitment);
        self.derivation2.insert(from, round2.derivation);
        self.zero2.extend(round2.zero);
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
                let round5: Round5 = decode(party, round, bytes)?;
                self.absorb_round5(party, round5)?;
            }
        }
        Ok(echo)
    }

    /// Round 3 (echo of round 2) in: phase 3's secrets out.
    fn release(&mut self, ctx: &Context, echoes: Payloads) -> Result<Progress<KeyShare>, Abort> {
        echo::check(&self.digest, 2, &echoes)?;
        let me = index(ctx.me)?;
        self.zero2.retain(|z| z.parties.receiver == me);
        let (mut zero, mul, derivation) = self.session()?.phase3().map_err(dkls::abort)?;
        let proof = self
            .own_proof
            .as_ref()
            .map(|p| p.proof.clone())
            .ok_or_else(|| Abort::Internal("no proof after phase 2".into()))?;
        let round5 = Round5 { proof, derivation };
        let mut out = rounds::round4_out(ctx, &mut zero, &mul)?;
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

    fn absorb_round5(&mut self, sender: PartyId, round5: Round5) -> Result<(), Abort> {
        let from = index(sender)?;
        if round5.derivation.sender_index != from {
            return Err(misrouted(sender, "chain-code opening"));
        }
        let commitment = *self
            .commitments
            .get(&from)
            .ok_or_else(|| Abort::Internal(format!("no commitment from {sender}")))?;
        self.proofs.push(ProofCommitment {
            index: from,
            proof: round5.proof,
            commitment,
        });
        self.derivation3.insert(from, round5.derivation);
        Ok(())
    }

    /// Round 6 (echo of round 5) in: phase 4, the key share out.
    fn finish(&mut self, ctx: &Context, echoes: Payloads) -> Result<Progress<KeyShare>, Abort> {
        echo::check(&self.digest, 5, &echoes)?;
        let session = self
            .session
            .take()
            .ok_or_else(|| Abort::Internal("DKG session already consumed".into()))?;
        let (party, public) = session
            .phase4(
                &self.proofs,
                &self.zero2,
                &self.zero3,
                &self.mul3,
                &self.derivation2,
                &self.derivation3,
                |_| String::new(),
            )
            .map_err(dkls::abort)?;
        let secret = ShareSecret::Ecdsa(Box::new(EcdsaShare { party, public }));
        let share = KeyShare::new(ctx.me, self.params, secret).map_err(|e| {
            Abort::Internal(format!("key generation produced an invalid share: {e}"))
        })?;
        Ok(Progress::Finished(Vec::new(), share))
    }
}

impl Drop for EcdsaKeygen {
    fn drop(&mut self) {
        // Peers' zero-share seeds.
        rounds::zeroize_seeds(&mut self.zero3);
    }
}

impl Protocol for EcdsaKeygen {
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
