//! In-memory simulation of a group: every envelope goes through the real
//! encoder/decoder and is delivered in random order. Also the external
//! verifiers: libraries that did not make the signatures (cggmp21
//! `tests/src/external_verifier.rs` idea).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_mpc::{
    Envelope, GroupKey, HandleError, KeyShare, Keygen, Parameters, PartyId, Recipient, Scheme,
    SessionId, SignOutput, SignRequest, Signature, Signer,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn party(i: u16) -> PartyId {
    PartyId::new(i).unwrap()
}

/// Messages in flight: `(recipient, encoded envelope)`.
#[derive(Default)]
pub struct Net {
    pub queue: Vec<(PartyId, Vec<u8>)>,
    pub bytes: usize,
}

impl Net {
    /// Fans broadcasts out to `members` (minus the sender).
    pub fn post(&mut self, members: &[PartyId], envelopes: Vec<Envelope>) {
        for env in envelopes {
            let bytes = env.encode();
            match env.recipient {
                Recipient::All => {
                    for p in members.iter().filter(|p| **p != env.sender) {
                        self.bytes += bytes.len();
                        self.queue.push((*p, bytes.clone()));
                    }
                }
                Recipient::Party(p) => {
                    assert!(env.recipient.needs_confidential_channel());
                    self.bytes += bytes.len();
                    self.queue.push((p, bytes));
                }
            }
        }
    }

    pub fn pop_random(&mut self, rng: &mut StdRng) -> Option<(PartyId, Envelope)> {
        if self.queue.is_empty() {
            return None;
        }
        let i = rng.gen_range(0..self.queue.len());
        let (to, bytes) = self.queue.swap_remove(i);
        Some((
            to,
            Envelope::decode(&bytes).expect("our own envelopes decode"),
        ))
    }
}

/// Something that consumes envelopes: a keygen or a signer.
pub trait Node {
    type Out;
    fn handle(&mut self, env: Envelope) -> Result<accord_mpc::Step<Self::Out>, HandleError>;
}

impl Node for Keygen {
    type Out = KeyShare;
    fn handle(&mut self, env: Envelope) -> Result<accord_mpc::Step<KeyShare>, HandleError> {
        Keygen::handle(self, env)
    }
}

impl Node for Signer {
    type Out = SignOutput;
    fn handle(&mut self, env: Envelope) -> Result<accord_mpc::Step<SignOutput>, HandleError> {
        Signer::handle(self, env)
    }
}

/// Delivers until the network is empty; `tamper` may rewrite any envelope in
/// flight. Returns each party's output or first error.
pub fn drive<N: Node>(
    nodes: &mut BTreeMap<PartyId, N>,
    net: &mut Net,
    rng: &mut StdRng,
    mut tamper: impl FnMut(PartyId, &mut Envelope),
) -> BTreeMap<PartyId, Result<N::Out, HandleError>> {
    let members: Vec<PartyId> = nodes.keys().copied().collect();
    let mut results = BTreeMap::new();
    while let Some((to, mut env)) = net.pop_random(rng) {
        tamper(to, &mut env);
        if results.contains_key(&to) {
            continue;
        }
        let node = nodes.get_mut(&to).expect("recipient exists");
        if std::env::var("SIM_TRACE").is_ok() {
            eprintln!("deliver {:?} -> {to}", env);
        }
        match node.handle(env) {
            Ok(step) => {
                net.post(&members, step.outgoing);
                if let Some(out) = step.output {
                    results.insert(to, Ok(out));
                }
            }
            Err(err @ HandleError::Aborted(_)) => {
                results.insert(to, Err(err));
            }
            Err(HandleError::Rejected(r)) => panic!("honest message rejected: {r}"),
        }
    }
    results
}

pub fn start_keygen(
    scheme: Scheme,
    t: u16,
    n: u16,
    rng: &mut StdRng,
) -> (BTreeMap<PartyId, Keygen>, Net) {
    let params = Parameters::new(t, n).unwrap();
    let session = SessionId::random(rng);
    let members: Vec<PartyId> = params.all().collect();
    let mut net = Net::default();
    let mut nodes = BTreeMap::new();
    for me in params.all() {
        let (keygen, out) = Keygen::start(scheme, session, params, me, rng).unwrap();
        net.post(&members, out);
        nodes.insert(me, keygen);
    }
    (nodes, net)
}

/// Runs a whole DKG with random delivery order.
pub fn keygen(scheme: Scheme, t: u16, n: u16, rng: &mut StdRng) -> Vec<Arc<KeyShare>> {
    let (mut nodes, mut net) = start_keygen(scheme, t, n, rng);
    let results = drive(&mut nodes, &mut net, rng, |_, _| {});
    assert_eq!(results.len(), usize::from(n), "every party finished");
    let shares: Vec<Arc<KeyShare>> = results
        .into_values()
        .map(|r| Arc::new(r.expect("keygen succeeded")))
        .collect();
    let key = shares[0].group_key();
    assert!(shares.iter().all(|s| s.group_key() == key), "one group key");
    shares
}

pub fn start_sign(
    shares: &[Arc<KeyShare>],
    signers: &[PartyId],
    coordinator: PartyId,
    message: &[u8],
    rng: &mut StdRng,
) -> (BTreeMap<PartyId, Signer>, Net) {
    let session = SessionId::random(rng);
    let request = SignRequest {
        session,
        signers,
        coordinator,
        message,
    };
    let mut net = Net::default();
    let mut nodes = BTreeMap::new();
    for me in signers {
        let share = shares
            .iter()
            .find(|s| s.party() == *me)
            .expect("a share for every signer")
            .clone();
        let (signer, out) = Signer::start(share, &request, rng).unwrap();
        net.post(signers, out);
        nodes.insert(*me, signer);
    }
    (nodes, net)
}

/// Signs `message` with `signers`; returns the coordinator's signature.
pub fn sign(
    shares: &[Arc<KeyShare>],
    signers: &[PartyId],
    coordinator: PartyId,
    message: &[u8],
    rng: &mut StdRng,
) -> Signature {
    let (mut nodes, mut net) = start_sign(shares, signers, coordinator, message, rng);
    let results = drive(&mut nodes, &mut net, rng, |_, _| {});
    assert_eq!(results.len(), signers.len(), "every signer finished");
    let mut signature = None;
    for (p, r) in results {
        match r.expect("signing succeeded") {
            SignOutput::Signature(s) => {
                assert_eq!(p, coordinator);
                signature = Some(s);
            }
            SignOutput::Contributed => assert_ne!(p, coordinator),
        }
    }
    signature.expect("the coordinator has a signature")
}

/// Verifies with a library that did not make the signature: k256's BIP340
/// verifier, ed25519-dalek `verify_strict`, k256's ECDSA verify + recovery.
pub fn verify_externally(key: &GroupKey, message: &[u8], signature: &Signature) {
    match (key, signature) {
        (GroupKey::Taproot { output_key, .. }, Signature::Bip340(sig)) => {
            let vk = k256::schnorr::VerifyingKey::from_bytes(output_key.into()).unwrap();
            let sig = k256::schnorr::Signature::try_from(&sig[..]).unwrap();
            vk.verify_raw(message, &sig)
                .expect("BIP340 signature valid for the output key");
        }
        (GroupKey::Ed25519(key), Signature::Ed25519(sig)) => {
            let vk = ed25519_dalek::VerifyingKey::from_bytes(key).unwrap();
            let sig = ed25519_dalek::Signature::from_bytes(sig);
            vk.verify_strict(message, &sig)
                .expect("RFC 8032 signature valid");
        }
        (GroupKey::Secp256k1(key), Signature::Ecdsa { r, s, recovery_id }) => {
            use k256::ecdsa::signature::hazmat::PrehashVerifier;
            use k256::ecdsa::{RecoveryId, VerifyingKey};
            let vk = VerifyingKey::from_sec1_bytes(key).unwrap();
            let sig = k256::ecdsa::Signature::from_slice(&signature.to_bytes()).unwrap();
            assert_eq!(sig.normalize_s(), sig, "s is low");
            assert_eq!(&sig.r().to_bytes()[..], &r[..]);
            assert_eq!(&sig.s().to_bytes()[..], &s[..]);
            vk.verify_prehash(message, &sig)
                .expect("ECDSA signature valid");
            let recid = RecoveryId::from_byte(*recovery_id).expect("recovery id 0..=3");
            let recovered = VerifyingKey::recover_from_prehash(message, &sig, recid).unwrap();
            assert_eq!(recovered, vk, "recovery id recovers the group key");
        }
        other => panic!("signature does not match the key type: {other:?}"),
    }
}

pub fn random_message(scheme: Scheme, rng: &mut StdRng) -> Vec<u8> {
    let len = match scheme {
        Scheme::FrostEd25519 => rng.gen_range(1..300),
        _ => 32,
    };
    (0..len).map(|_| rng.r#gen()).collect()
}
