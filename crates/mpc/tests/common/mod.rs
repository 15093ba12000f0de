//! In-memory simulation of a group: every envelope goes through the real
//! encoder/decoder and is delivered in random order. Also the external
//! verifiers: libraries that did not make the signatures (cggmp21
//! `tests/src/external_verifier.rs` idea).

#![allow(dead_code, unused_imports)]

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_mpc::{
    KeyShare, Keygen, Parameters, PartyId, Scheme, SignOutput, Signature, Signer, sim,
};
use rand::rngs::StdRng;

#[path = "verify.rs"]
mod verify;
use rand::{Rng, SeedableRng};
pub use verify::verify_externally;

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn party(i: u16) -> PartyId {
    PartyId::new(i).unwrap()
}

pub use accord_mpc::sim::{Network as Net, run as drive};

pub fn start_keygen(
    scheme: Scheme,
    t: u16,
    n: u16,
    rng: &mut StdRng,
) -> (BTreeMap<PartyId, Keygen>, Net) {
    sim::start_keygen(scheme, Parameters::new(t, n).unwrap(), rng).unwrap()
}

/// Runs a whole DKG with random delivery order; checks one group key.
pub fn keygen(scheme: Scheme, t: u16, n: u16, rng: &mut StdRng) -> Vec<Arc<KeyShare>> {
    let (shares, _) = sim::keygen(scheme, Parameters::new(t, n).unwrap(), rng).unwrap();
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
    sim::start_sign(shares, signers, coordinator, message, rng).unwrap()
}

/// Signs `message` with `signers`; checks every non-coordinator contributed
/// and returns the coordinator's signature.
pub fn sign(
    shares: &[Arc<KeyShare>],
    signers: &[PartyId],
    coordinator: PartyId,
    message: &[u8],
    rng: &mut StdRng,
) -> Signature {
    let (mut sessions, mut net) = start_sign(shares, signers, coordinator, message, rng);
    let outcomes = drive(&mut sessions, &mut net, rng, |_, _| {});
    assert_eq!(outcomes.len(), signers.len(), "every signer finished");
    let mut signature = None;
    for (p, r) in outcomes {
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

pub fn random_message(scheme: Scheme, rng: &mut StdRng) -> Vec<u8> {
    let len = match scheme {
        Scheme::FrostEd25519 => rng.gen_range(1..300),
        _ => 32,
    };
    (0..len).map(|_| rng.r#gen()).collect()
}
