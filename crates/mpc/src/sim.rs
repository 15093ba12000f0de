//! An in-memory network for running a whole group in one process: tests,
//! the `simulate` and `bench` examples. Every envelope goes through the real
//! encoder and decoder; delivery order is chosen by the caller's RNG, so a
//! simulation can shuffle messages freely. No IO, no clock.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand_core::{CryptoRng, RngCore};

use crate::envelope::{Envelope, Recipient};
use crate::error::{HandleError, StartError};
use crate::ids::{Parameters, PartyId, Scheme, SessionId};
use crate::keygen::Keygen;
pub use crate::session::Session;
use crate::share::KeyShare;
use crate::sign::{SignOutput, SignRequest, Signature, Signer};

/// Messages in flight, as encoded bytes, with wire statistics. The sender of
/// each is known to the network (as an authenticated transport knows it).
#[derive(Default)]
pub struct Network {
    /// `(sender, recipient, encoded envelope)` not yet delivered.
    pub queue: Vec<(PartyId, PartyId, Vec<u8>)>,
    /// Bytes put on the wire (a broadcast counts once per recipient).
    pub bytes: usize,
    /// Envelopes put on the wire (likewise).
    pub messages: usize,
}

impl core::fmt::Debug for Network {
    // Queued envelopes hold secret shares: only counts are printed.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Network")
            .field("in_flight", &self.queue.len())
            .field("bytes", &self.bytes)
            .field("messages", &self.messages)
            .finish()
    }
}

impl Network {
    /// Queues `envelopes`, fanning broadcasts out to `members` but the sender.
    pub fn post(&mut self, members: &[PartyId], envelopes: Vec<Envelope>) {
        for env in envelopes {
            let bytes = env.encode();
            let targets: Vec<PartyId> = match env.recipient {
                Recipient::All => members
                    .iter()
                    .copied()
                    .filter(|p| *p != env.sender)
                    .collect(),
                Recipient::Party(p) => vec![p],
            };
            for to in targets {
                self.bytes += bytes.len();
                self.messages += 1;
                self.queue.push((env.sender, to, bytes.clone()));
            }
        }
    }

    /// Takes a message in flight chosen by `rng`: `(sender, recipient, bytes)`.
    pub fn pop(&mut self, rng: &mut impl RngCore) -> Option<(PartyId, PartyId, Vec<u8>)> {
        if self.queue.is_empty() {
            return None;
        }
        let i = (rng.next_u64() % self.queue.len() as u64) as usize;
        Some(self.queue.swap_remove(i))
    }
}

/// What one party ended with. A rejected message is recorded too (an honest
/// run has none) but does not end that party's session.
pub type Outcomes<O> = BTreeMap<PartyId, Result<O, HandleError>>;

/// Delivers messages until none is left. `tamper` sees (and may rewrite)
/// every envelope just before delivery, to play a misbehaving network.
pub fn run<S: Session>(
    sessions: &mut BTreeMap<PartyId, S>,
    net: &mut Network,
    rng: &mut impl RngCore,
    mut tamper: impl FnMut(PartyId, &mut Envelope),
) -> Outcomes<S::Output> {
    let members: Vec<PartyId> = sessions.keys().copied().collect();
    let mut outcomes = BTreeMap::new();
    while let Some((from, to, bytes)) = net.pop(rng) {
        if matches!(
            outcomes.get(&to),
            Some(Ok(_)) | Some(Err(HandleError::Aborted(_)))
        ) {
            continue;
        }
        let (Ok(mut env), Some(session)) = (Envelope::decode(&bytes), sessions.get_mut(&to)) else {
            continue;
        };
        tamper(to, &mut env);
        match session.handle(from, env) {
            Ok(step) => {
                net.post(&members, step.outgoing);
                if let Some(out) = step.output {
                    outcomes.insert(to, Ok(out));
                }
            }
            Err(err) => {
                outcomes.insert(to, Err(err));
            }
        }
    }
    outcomes
}

/// Starts key generation for every party of a `params` group.
pub fn start_keygen(
    scheme: Scheme,
    params: Parameters,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(BTreeMap<PartyId, Keygen>, Network), StartError> {
    let session = SessionId::random(rng);
    let members: Vec<PartyId> = params.all().collect();
    let mut net = Network::default();
    let mut sessions = BTreeMap::new();
    for me in params.all() {
        let (keygen, out) = Keygen::start(scheme, session, params, me, rng)?;
        net.post(&members, out);
        sessions.insert(me, keygen);
    }
    Ok((sessions, net))
}

/// Starts signing for every signer.
pub fn start_sign(
    shares: &[Arc<KeyShare>],
    signers: &[PartyId],
    coordinator: PartyId,
    message: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(BTreeMap<PartyId, Signer>, Network), StartError> {
    let request = SignRequest {
        session: SessionId::random(rng),
        signers,
        coordinator,
        message,
    };
    let mut net = Network::default();
    let mut sessions = BTreeMap::new();
    for me in signers {
        let share = shares
            .iter()
            .find(|s| s.party() == *me)
            .ok_or(StartError::NotAMember { me: *me })?;
        let (signer, out) = Signer::start(share.clone(), &request, rng)?;
        net.post(signers, out);
        sessions.insert(*me, signer);
    }
    Ok((sessions, net))
}

/// Why a simulated run did not produce its result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// A session could not start.
    #[error(transparent)]
    Start(#[from] StartError),
    /// A party failed.
    #[error("{party}: {error}")]
    Party {
        /// Which.
        party: PartyId,
        /// What happened.
        error: HandleError,
    },
    /// The run ended without every party finishing.
    #[error("the run ended with {finished} of {expected} parties finished")]
    Stalled {
        /// How many finished.
        finished: usize,
        /// How many should have.
        expected: usize,
    },
}

fn collect<O>(outcomes: Outcomes<O>, expected: usize) -> Result<Vec<(PartyId, O)>, SimError> {
    if outcomes.len() != expected {
        return Err(SimError::Stalled {
            finished: outcomes.len(),
            expected,
        });
    }
    outcomes
        .into_iter()
        .map(|(party, r)| {
            r.map(|o| (party, o))
                .map_err(|error| SimError::Party { party, error })
        })
        .collect()
}

/// Runs a whole key generation; returns every party's share.
pub fn keygen(
    scheme: Scheme,
    params: Parameters,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<Arc<KeyShare>>, Network), SimError> {
    let (mut sessions, mut net) = start_keygen(scheme, params, rng)?;
    let outcomes = run(&mut sessions, &mut net, rng, |_, _| {});
    let shares = collect(outcomes, usize::from(params.parties()))?;
    Ok((shares.into_iter().map(|(_, s)| Arc::new(s)).collect(), net))
}

/// Runs a whole refresh of `shares` (one per party, all of them); returns
/// every party's refreshed share, in party order.
pub fn refresh(
    shares: &[Arc<KeyShare>],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<Arc<KeyShare>>, Network), SimError> {
    let session = SessionId::random(rng);
    let members: Vec<PartyId> = shares.iter().map(|s| s.party()).collect();
    let mut net = Network::default();
    let mut sessions = BTreeMap::new();
    for share in shares {
        let (refresh, out) = Keygen::refresh(share.clone(), session, rng)?;
        net.post(&members, out);
        sessions.insert(share.party(), refresh);
    }
    let outcomes = run(&mut sessions, &mut net, rng, |_, _| {});
    let shares = collect(outcomes, members.len())?;
    Ok((shares.into_iter().map(|(_, s)| Arc::new(s)).collect(), net))
}

/// Runs a whole signing; returns the coordinator's signature.
pub fn sign(
    shares: &[Arc<KeyShare>],
    signers: &[PartyId],
    coordinator: PartyId,
    message: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Signature, Network), SimError> {
    let (mut sessions, mut net) = start_sign(shares, signers, coordinator, message, rng)?;
    let outcomes = run(&mut sessions, &mut net, rng, |_, _| {});
    let expected = sessions.len();
    let signature = collect(outcomes, expected)?
        .into_iter()
        .find_map(|(_, out)| match out {
            SignOutput::Signature(s) => Some(s),
            SignOutput::Contributed => None,
        })
        .ok_or(SimError::Stalled {
            finished: 0,
            expected: 1,
        })?;
    Ok((signature, net))
}
