//! Every scheme for 2-of-2, 2-of-3 and 3-of-5, and every signer subset (with
//! every coordinator) for 2-of-3, messages delivered in random order; each
//! signature verified by a library that did not make it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use accord_mpc::{PartyId, Scheme};
use common::*;

fn subsets(n: u16, k: usize) -> Vec<Vec<PartyId>> {
    let all: Vec<PartyId> = (1..=n).map(party).collect();
    let mut out = Vec::new();
    for mask in 0u32..(1 << n) {
        if mask.count_ones() as usize == k {
            out.push(
                all.iter()
                    .copied()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, p)| p)
                    .collect(),
            );
        }
    }
    out
}

fn group(scheme: Scheme, t: u16, n: u16, seed: u64) {
    let mut rng = rng(seed);
    let shares = keygen(scheme, t, n, &mut rng);
    let key = shares[0].group_key();
    for s in &shares {
        assert_eq!(s.scheme(), scheme);
        assert_eq!(s.parameters().threshold(), t);
    }
    // A random quorum of exactly t, with a random coordinator.
    let quorums = subsets(n, usize::from(t));
    let signers = &quorums[seed as usize % quorums.len()];
    let coordinator = signers[seed as usize % signers.len()];
    let message = random_message(scheme, &mut rng);
    let signature = sign(&shares, signers, coordinator, &message, &mut rng);
    verify_externally(&key, &message, &signature);
    // FROST also signs with more than t signers.
    if scheme != Scheme::Ecdsa && n > t {
        let all: Vec<PartyId> = (1..=n).map(party).collect();
        let signature = sign(&shares, &all, all[0], &message, &mut rng);
        verify_externally(&key, &message, &signature);
    }
}

#[test]
fn two_of_two_every_scheme() {
    for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
        group(scheme, 2, 2, 20 + i as u64);
    }
}

#[test]
fn two_of_three_every_scheme_every_subset_every_coordinator() {
    for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
        let mut rng = rng(30 + i as u64);
        let shares = keygen(scheme, 2, 3, &mut rng);
        let key = shares[0].group_key();
        for signers in subsets(3, 2) {
            for coordinator in &signers {
                let message = random_message(scheme, &mut rng);
                let signature = sign(&shares, &signers, *coordinator, &message, &mut rng);
                verify_externally(&key, &message, &signature);
            }
        }
    }
}

#[test]
fn three_of_five_frost() {
    group(Scheme::FrostTaproot, 3, 5, 51);
    group(Scheme::FrostEd25519, 3, 5, 52);
}

#[test]
fn three_of_five_ecdsa() {
    group(Scheme::Ecdsa, 3, 5, 53);
}

#[test]
fn taproot_output_key_is_the_bip341_tweak_of_the_internal_key() {
    use k256::elliptic_curve::PrimeField;
    use k256::elliptic_curve::sec1::FromSec1Point;
    use sha2_verify::tagged;

    let mut rng = rng(60);
    let shares = keygen(Scheme::FrostTaproot, 2, 3, &mut rng);
    let accord_mpc::GroupKey::Taproot {
        output_key,
        internal_key,
    } = shares[0].group_key()
    else {
        panic!("taproot share has a taproot key")
    };
    // Q = lift_x(P) + int(hash_TapTweak(P))·G, computed here with k256 alone.
    let mut compressed = [2u8; 33];
    compressed[1..].copy_from_slice(&internal_key);
    let p = k256::AffinePoint::from_sec1_bytes(&compressed).unwrap();
    let t = tagged("TapTweak", &internal_key);
    let t = k256::Scalar::from_repr(t.into()).unwrap();
    let q = (k256::ProjectivePoint::from(p) + k256::ProjectivePoint::GENERATOR * t).to_affine();
    use k256::elliptic_curve::sec1::ToSec1Point;
    assert_eq!(&q.to_sec1_point(true).as_bytes()[1..], &output_key[..]);
}

/// BIP340 tagged hash, with the `sha2` that k256 uses.
mod sha2_verify {
    pub fn tagged(tag: &str, msg: &[u8]) -> [u8; 32] {
        use k256::sha2::{Digest, Sha256};
        let tag = Sha256::digest(tag.as_bytes());
        let mut h = Sha256::new();
        h.update(tag);
        h.update(tag);
        h.update(msg);
        h.finalize().into()
    }
}

#[test]
fn largest_frost_groups() {
    // n = 16 is the upper bound; t from 2 to n.
    group(Scheme::FrostTaproot, 11, 16, 70);
    group(Scheme::FrostEd25519, 16, 16, 71);
    group(Scheme::FrostEd25519, 2, 16, 72);
}
