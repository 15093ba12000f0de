//! What DKLs23 key generation ([`super::ecdsa`]) and complete refresh
//! ([`super::ecdsa_refresh`]) share: their polynomial fragments in round 1,
//! the echo digest of a broadcast round, and round 4 (each peer's
//! zero-share seed and OT setup, point to point).

use std::collections::BTreeMap;

use dkls23::protocols::dkg::{TransmitInitMulPhase3to4, TransmitInitZeroSharePhase3to4};
use k256::{Scalar, Secp256k1};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::dkls::{decode, encode, index, misrouted};
use crate::echo;
use crate::envelope::Recipient;
use crate::error::Abort;
use crate::ids::PartyId;
use crate::session::{Context, Outbound, Payloads, Progress};

#[derive(Deserialize)]
#[serde(bound = "")]
struct Round4 {
    zero: TransmitInitZeroSharePhase3to4,
    mul: TransmitInitMulPhase3to4<Secp256k1>,
}

/// [`Round4`] as sent: borrowed, so no copy of the seeds is left behind.
#[derive(Serialize)]
#[serde(bound = "")]
struct Round4Out<'a> {
    zero: &'a TransmitInitZeroSharePhase3to4,
    mul: &'a TransmitInitMulPhase3to4<Secp256k1>,
}

/// Round 1 out: our own fragment kept, every peer's sent (in party order,
/// as phase 1 returns them).
pub(crate) fn fragments_out(
    ctx: &Context,
    parties: impl Iterator<Item = PartyId>,
    fragments: &[Scalar],
) -> Result<(Zeroizing<Scalar>, Vec<Outbound>), Abort> {
    let mut own = Zeroizing::new(Scalar::ZERO);
    let mut out = Vec::new();
    for (party, fragment) in parties.zip(fragments.iter()) {
        if party == ctx.me {
            *own = *fragment;
        } else {
            out.push(Outbound {
                round: 1,
                to: Recipient::Party(party),
                payload: encode(fragment)?,
            });
        }
    }
    Ok((own, out))
}

/// Round 1 in: every fragment for us, ours first.
pub(crate) fn fragments_in(
    own: &Scalar,
    payloads: &Payloads,
) -> Result<Zeroizing<Vec<Scalar>>, Abort> {
    let mut fragments = Zeroizing::new(Vec::with_capacity(payloads.len() + 1));
    fragments.push(*own);
    for (party, bytes) in payloads {
        fragments.push(decode::<Scalar>(*party, 1, bytes)?);
    }
    Ok(fragments)
}

/// Our view of broadcast `round` (`own` is what we sent) as an echo digest,
/// and the echo round's message.
pub(crate) fn echo_view(
    ctx: &Context,
    round: u8,
    payloads: &Payloads,
    own: &[u8],
) -> ([u8; 32], Progress<crate::KeyShare>) {
    let mut view: BTreeMap<PartyId, &[u8]> =
        payloads.iter().map(|(p, b)| (*p, b.as_slice())).collect();
    view.insert(ctx.me, own);
    let digest = echo::digest(ctx.scheme, &ctx.session, round, &view);
    let out = Progress::Continue(vec![Outbound {
        round: round + 1,
        to: Recipient::All,
        payload: digest.to_vec(),
    }]);
    (digest, out)
}

/// Round 4 out: each peer's zero-share seed and OT setup; our copies of the
/// seeds are zeroized once encoded.
pub(crate) fn round4_out(
    ctx: &Context,
    zero: &mut [TransmitInitZeroSharePhase3to4],
    mul: &[TransmitInitMulPhase3to4<Secp256k1>],
) -> Result<Vec<Outbound>, Abort> {
    let mut out = Vec::new();
    for party in ctx.peers.iter().copied() {
        let to = index(party)?;
        let pick_zero = zero.iter().find(|z| z.parties.receiver == to);
        let pick_mul = mul.iter().find(|m| m.parties.receiver == to);
        let (Some(zero), Some(mul)) = (pick_zero, pick_mul) else {
            return Err(Abort::Internal(format!(
                "phase 3 has no message for {party}"
            )));
        };
        out.push(Outbound {
            round: 4,
            to: Recipient::Party(party),
            payload: encode(&Round4Out { zero, mul })?,
        });
    }
    zeroize_seeds(zero);
    Ok(out)
}

/// Round 4 in: each peer's message, checked to be from it and for us.
pub(crate) fn round4_in(
    ctx: &Context,
    payloads: &Payloads,
    zero3: &mut Vec<TransmitInitZeroSharePhase3to4>,
    mul3: &mut Vec<TransmitInitMulPhase3to4<Secp256k1>>,
) -> Result<(), Abort> {
    let me = index(ctx.me)?;
    for (party, bytes) in payloads {
        let party = *party;
        let round4: Round4 = decode(party, 4, bytes)?;
        let from = index(party)?;
        let ok = |p: &dkls23::protocols::PartiesMessage| p.sender == from && p.receiver == me;
        if !ok(&round4.zero.parties) || !ok(&round4.mul.parties) {
            return Err(misrouted(party, "round-4 message"));
        }
        zero3.push(round4.zero);
        mul3.push(round4.mul);
    }
    Ok(())
}

/// Zeroizes zero-share seeds (the library's type has no `Zeroize`).
pub(crate) fn zeroize_seeds(seeds: &mut [TransmitInitZeroSharePhase3to4]) {
    for z in seeds {
        z.seed.zeroize();
        z.salt.zeroize();
    }
}
