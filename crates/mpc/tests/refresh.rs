//! Refresh of every scheme (frost-core `keys::refresh`, DKLs23 complete
//! refresh), messages delivered in random order: the group key stays, every
//! share changes, refreshed shares sign (verified by a library that did not
//! make the signature), and a share from before the refresh cannot sign with
//! one from after it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use accord_mpc::{KeyShare, PartyId, Scheme, sim};
use common::*;

fn refresh(shares: &[Arc<KeyShare>], rng: &mut rand::rngs::StdRng) -> Vec<Arc<KeyShare>> {
    match sim::refresh(shares, rng) {
        Ok((shares, _)) => shares,
        Err(e) => panic!("refresh: {e}"),
    }
}

fn secret(share: &KeyShare) -> Vec<u8> {
    share.to_bytes().unwrap().to_vec()
}

fn refreshed_group(scheme: Scheme, t: u16, n: u16, seed: u64) {
    let mut rng = rng(seed);
    let before = keygen(scheme, t, n, &mut rng);
    let after = refresh(&before, &mut rng);
    assert_eq!(after.len(), before.len());
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old.party(), new.party());
        assert_eq!(
            old.group_key(),
            new.group_key(),
            "{scheme:?}: group key moved"
        );
        assert_ne!(secret(old), secret(new), "{scheme:?}: share unchanged");
        assert_ne!(old.public_bytes().unwrap(), new.public_bytes().unwrap());
        // What the node stores reads back and validates.
        KeyShare::from_bytes(&new.to_bytes().unwrap()).unwrap();
    }
    let key = after[0].group_key();
    let signers: Vec<PartyId> = (1..=t).map(party).collect();
    let message = random_message(scheme, &mut rng);
    let signature = sign(&after, &signers, signers[0], &message, &mut rng);
    verify_externally(&key, &message, &signature);

    // Party 1 from before, the rest from after: no signature.
    let mut mixed = after.clone();
    mixed[0] = before[0].clone();
    let result = sim::sign(&mixed, &signers, signers[1], &message, &mut rng);
    assert!(
        result.is_err(),
        "{scheme:?}: an old share signed with new ones"
    );

    // A second refresh works on the first's output.
    let again = refresh(&after, &mut rng);
    let signature = sign(&again, &signers, signers[0], &message, &mut rng);
    verify_externally(&key, &message, &signature);
}

#[test]
fn taproot_refresh_keeps_the_key_and_retires_old_shares() {
    refreshed_group(Scheme::FrostTaproot, 2, 3, 71);
}

#[test]
fn ed25519_refresh_keeps_the_key_and_retires_old_shares() {
    refreshed_group(Scheme::FrostEd25519, 2, 3, 72);
}

#[test]
fn ecdsa_refresh_keeps_the_key_and_retires_old_shares() {
    refreshed_group(Scheme::Ecdsa, 2, 3, 73);
}

#[test]
fn three_of_five_frost_refresh() {
    refreshed_group(Scheme::FrostTaproot, 3, 5, 74);
    refreshed_group(Scheme::FrostEd25519, 3, 5, 75);
}

#[test]
fn a_refresh_needs_every_party() {
    let mut rng = rng(76);
    let shares = keygen(Scheme::FrostEd25519, 2, 3, &mut rng);
    // Only two of three take part: nobody finishes.
    let result = sim::refresh(&shares[..2], &mut rng);
    assert!(result.is_err());
}
