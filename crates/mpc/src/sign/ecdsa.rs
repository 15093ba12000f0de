//! DKLs23 threshold ECDSA signing (DKLs23 §3, Protocol 3.6 of eprint 2023/765,
//! via `dkls23`'s phase functions) among exactly `t` signers:
//!
//! 1. point-to-point: phase 1 (commitments, OT extension to each peer);
//! 2. point-to-point: phase 2 (multiplication outputs, instance points);
//! 3. to the coordinator: phase 3's broadcast `(u, w)`; the coordinator runs
//!    phase 4, which assembles `(r, s)`, normalises s to low-s (BIP62), checks
//!    the signature against the group key and computes the recovery id.
//!
//! Per-session secrets are the library's `UniqueKeep*`/`KeepPhase*` values:
//! they are moved into the next phase function by value and zeroized on drop,
//! so no session state can be used twice. The message hash is bound from
//! phase 1 (DKLs23 has no presignatures).

use std::collections::BTreeMap;
use std::sync::Arc;

use dkls23::protocols::signing::{
    Broadcast3to4, KeepPhase1to2, KeepPhase2to3, SignData, TransmitPhase1to2, TransmitPhase2to3,
    UniqueKeep1to2, UniqueKeep2to3,
};
use dkls23::protocols::{PartiesMessage, Party, PartyIndex};
use k256::Secp256k1;

use super::{SignOutput, Signature, split_request};
use crate::dkls::{self, decode, encode, index, misrouted};
use crate::envelope::Recipient;
use crate::error::{Abort, StartError};
use crate::ids::Scheme;
use crate::session::{Context, Delivery, Outbound, Payloads, Progress, Protocol, Round};
use crate::share::{KeyShare, ShareSecret};

const ROUNDS: &[Round] = &[
    Round::new(Delivery::Private, 512 * 1024),
    Round::new(Delivery::Private, 512 * 1024),
    Round::new(Delivery::ToCoordinator, 256),
];

enum State {
    Phase2 {
        unique: UniqueKeep1to2<Secp256k1>,
        kept: BTreeMap<PartyIndex, KeepPhase1to2<Secp256k1>>,
    },
    Phase3 {
        unique: UniqueKeep2to3<Secp256k1>,
        kept: BTreeMap<PartyIndex, KeepPhase2to3<Secp256k1>>,
    },
    Phase4 {
        x_coord: String,
        own: Broadcast3to4<Secp256k1>,
    },
    Ended,
}

pub(crate) struct EcdsaSigner {
    share: Arc<KeyShare>,
    data: SignData,
    request: [u8; 32],
    state: State,
}

fn party(share: &KeyShare) -> Result<&Party<Secp256k1>, Abort> {
    match &share.secret {
        ShareSecret::Ecdsa(s) => Ok(&s.party),
        _ => Err(Abort::Internal("key share of another scheme".into())),
    }
}

/// Sends each phase message to the peer it names.
fn route<T: serde::Serialize>(
    round: u8,
    messages: &[T],
    parties: impl Fn(&T) -> &PartiesMessage,
) -> Result<Vec<Outbound>, Abort> {
    messages
        .iter()
        .map(|m| {
            let to = dkls::party(parties(m).receiver)
                .ok_or_else(|| Abort::Internal("message for party 0".into()))?;
            Ok(Outbound {
                round,
                to: Recipient::Party(to),
                payload: encode(m)?,
            })
        })
        .collect()
}

/// Parses a round's point-to-point messages, checking who they name (and, in
/// round 1, that each carries our signing request's digest).
fn receive<T: serde::de::DeserializeOwned>(
    ctx: &Context,
    round: u8,
    payloads: &Payloads,
    request: Option<&[u8; 32]>,
    parties: impl Fn(&T) -> &PartiesMessage,
) -> Result<Vec<T>, Abort> {
    let me = index(ctx.me)?;
    payloads
        .iter()
        .map(|(sender, bytes)| {
            let bytes = match request {
                Some(request) => split_request(*sender, bytes, request)?,
                None => bytes.as_slice(),
            };
            let message: T = decode(*sender, round, bytes)?;
            let p = parties(&message);
            if p.sender != index(*sender)? || p.receiver != me {
                return Err(misrouted(*sender, "signing message"));
            }
            Ok(message)
        })
        .collect()
}

impl EcdsaSigner {
    pub(crate) fn start(
        share: Arc<KeyShare>,
        ctx: &Context,
        digest: [u8; 32],
        request: [u8; 32],
    ) -> Result<(Self, Vec<Outbound>), StartError> {
        let library = |e: Abort| StartError::Library {
            scheme: Scheme::Ecdsa,
            reason: e.to_string(),
        };
        let counterparties = ctx
            .peers
            .iter()
            .map(|p| index(*p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(library)?;
        let data = SignData {
            sign_id: ctx.session.0.to_vec(),
            counterparties,
            message_hash: digest,
        };
        let (unique, kept, transmit) = party(&share)
            .map_err(library)?
            .sign_phase1(&data)
            .map_err(|e| library(dkls::abort(e)))?;
        let mut out = route(1, &transmit, |m: &TransmitPhase1to2| &m.parties).map_err(library)?;
        for o in &mut out {
            o.payload.splice(0..0, request);
        }
        let signer = EcdsaSigner {
            share,
            data,
            request,
            state: State::Phase2 { unique, kept },
        };
        Ok((signer, out))
    }
}

impl Protocol for EcdsaSigner {
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
        let party = party(&self.share)?;
        match (std::mem::replace(&mut self.state, State::Ended), round) {
            (State::Phase2 { unique, kept }, 1) => {
                let request = Some(&self.request);
                let received = receive(ctx, 1, &payloads, request, |m: &TransmitPhase1to2| {
                    &m.parties
                })?;
                let (unique, kept, transmit) = party
                    .sign_phase2(&self.data, unique, kept, &received)
                    .map_err(dkls::abort)?;
                self.state = State::Phase3 { unique, kept };
                let out = route(2, &transmit, |m: &TransmitPhase2to3<Secp256k1>| &m.parties)?;
                Ok(Progress::Continue(out))
            }
            (State::Phase3 { unique, kept }, 2) => {
                let received = receive(
                    ctx,
                    2,
                    &payloads,
                    None,
                    |m: &TransmitPhase2to3<Secp256k1>| &m.parties,
                )?;
                let (x_coord, own) = party
                    .sign_phase3(&self.data, unique, kept, &received)
                    .map_err(dkls::abort)?;
                let coordinator = ctx
                    .coordinator
                    .ok_or_else(|| Abort::Internal("signing without a coordinator".into()))?;
                if coordinator == ctx.me {
                    self.state = State::Phase4 { x_coord, own };
                    return Ok(Progress::Continue(Vec::new()));
                }
                let out = vec![Outbound {
                    round: 3,
                    to: Recipient::Party(coordinator),
                    payload: encode(&own)?,
                }];
                Ok(Progress::Finished(out, SignOutput::Contributed))
            }
            (State::Phase4 { x_coord, own }, 3) => {
                let mut all = vec![own];
                for (sender, bytes) in &payloads {
                    all.push(decode::<Broadcast3to4<Secp256k1>>(*sender, 3, bytes)?);
                }
                // Low-s normalisation on; phase 4 verifies the signature itself.
                let (s_hex, recovery_id) = party
                    .sign_phase4(&self.data, &x_coord, &all, true)
                    .map_err(dkls::abort)?;
                let hex32 = |h: &str| -> Result<[u8; 32], Abort> {
                    let mut out = [0u8; 32];
                    hex::decode_to_slice(h, &mut out)
                        .map_err(|e| Abort::Internal(format!("library returned bad hex: {e}")))?;
                    Ok(out)
                };
                let signature = Signature::Ecdsa {
                    r: hex32(&x_coord)?,
                    s: hex32(&s_hex)?,
                    recovery_id,
                };
                Ok(Progress::Finished(
                    Vec::new(),
                    SignOutput::Signature(signature),
                ))
            }
            _ => Err(Abort::Internal(format!("round {round} in the wrong state"))),
        }
    }
}
