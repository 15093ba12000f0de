//! The envelope and key-share decoders: byte snapshots pin the formats;
//! property tests feed them arbitrary and mutated bytes (never a panic).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use accord_mpc::envelope::{HEADER_LEN, MAX_PAYLOAD};
use accord_mpc::{DecodeError, Envelope, KeyShare, Recipient, Scheme, SessionId, ShareError};
use common::*;
use proptest::prelude::*;

fn sample() -> Envelope {
    Envelope {
        scheme: Scheme::FrostEd25519,
        session: SessionId([0x11; 32]),
        round: 3,
        sender: party(2),
        recipient: Recipient::Party(party(5)),
        payload: vec![0xde, 0xad, 0xbe, 0xef],
    }
}

#[test]
fn envelope_byte_snapshot() {
    let bytes = sample().encode();
    assert_eq!(
        hex::encode(&bytes),
        concat!(
            "01", // version
            "02", // scheme: frost-ed25519
            "1111111111111111111111111111111111111111111111111111111111111111",
            "03", // round
            "02", // sender
            "05", // recipient
            "00000004",
            "deadbeef"
        )
    );
    assert_eq!(Envelope::decode(&bytes).unwrap(), sample());
    let mut broadcast = sample();
    broadcast.recipient = Recipient::All;
    assert_eq!(broadcast.encode()[36], 0);
}

#[test]
fn envelope_errors_are_typed() {
    let good = sample().encode();
    assert!(matches!(
        Envelope::decode(&good[..10]),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        Envelope::decode(&good[..good.len() - 1]),
        Err(DecodeError::Truncated { .. })
    ));
    let mut extra = good.clone();
    extra.push(0);
    assert_eq!(
        Envelope::decode(&extra),
        Err(DecodeError::TrailingBytes { extra: 1 })
    );
    let set = |i: usize, v: u8| {
        let mut b = good.clone();
        b[i] = v;
        Envelope::decode(&b)
    };
    assert_eq!(set(0, 2), Err(DecodeError::UnsupportedVersion(2)));
    assert_eq!(set(1, 9), Err(DecodeError::UnknownScheme(9)));
    assert_eq!(set(34, 0), Err(DecodeError::InvalidRound));
    assert_eq!(set(35, 17), Err(DecodeError::InvalidSender(17)));
    assert_eq!(set(36, 200), Err(DecodeError::InvalidRecipient(200)));
    assert_eq!(set(36, 2), Err(DecodeError::SelfAddressed(2)));
    let mut huge = good[..HEADER_LEN].to_vec();
    huge[37..41].copy_from_slice(&(MAX_PAYLOAD as u32 + 1).to_be_bytes());
    assert!(matches!(
        Envelope::decode(&huge),
        Err(DecodeError::PayloadTooLarge(_))
    ));
}

fn arb_envelope() -> impl Strategy<Value = Envelope> {
    (
        prop::sample::select(Scheme::ALL.to_vec()),
        any::<[u8; 32]>(),
        1u8..=255,
        1u16..=16,
        0u16..=16,
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_filter_map(
            "self-addressed",
            |(scheme, session, round, sender, to, payload)| {
                let recipient = match to {
                    0 => Recipient::All,
                    t if t == sender => return None,
                    t => Recipient::Party(party(t)),
                };
                Some(Envelope {
                    scheme,
                    session: SessionId(session),
                    round,
                    sender: party(sender),
                    recipient,
                    payload,
                })
            },
        )
}

proptest! {
    #[test]
    fn envelope_decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Envelope::decode(&bytes);
    }

    #[test]
    fn envelope_round_trips(env in arb_envelope()) {
        let bytes = env.encode();
        prop_assert_eq!(bytes.len(), env.encoded_len());
        prop_assert_eq!(Envelope::decode(&bytes).unwrap(), env);
    }

    #[test]
    fn mutated_envelope_decodes_or_errors(env in arb_envelope(), at in any::<prop::sample::Index>(), xor in 1u8..) {
        let mut bytes = env.encode();
        let i = at.index(bytes.len());
        bytes[i] ^= xor;
        if let Ok(decoded) = Envelope::decode(&bytes) {
            prop_assert_ne!(decoded, env);
        }
    }

    #[test]
    fn share_decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = KeyShare::from_bytes(&bytes);
    }
}

fn shares_of_every_scheme() -> Vec<Vec<Arc<KeyShare>>> {
    shares_of_every_scheme_from(200)
}

fn shares_of_every_scheme_from(seed: u64) -> Vec<Vec<Arc<KeyShare>>> {
    let mut rng = rng(seed);
    Scheme::ALL
        .into_iter()
        .map(|s| keygen(s, 2, 3, &mut rng))
        .collect()
}

#[test]
fn key_shares_round_trip_and_still_sign() {
    let mut rng = rng(201);
    for shares in shares_of_every_scheme() {
        let reloaded: Vec<Arc<KeyShare>> = shares
            .iter()
            .map(|s| Arc::new(KeyShare::from_bytes(&s.to_bytes().unwrap()).unwrap()))
            .collect();
        for (a, b) in shares.iter().zip(&reloaded) {
            assert_eq!(a.group_key(), b.group_key());
            assert_eq!(a.party(), b.party());
            assert_eq!(
                a.to_bytes().unwrap(),
                b.to_bytes().unwrap(),
                "stable encoding"
            );
        }
        let scheme = reloaded[0].scheme();
        let message = random_message(scheme, &mut rng);
        let signature = sign(
            &reloaded,
            &[party(3), party(1)],
            party(3),
            &message,
            &mut rng,
        );
        verify_externally(&reloaded[0].group_key(), &message, &signature);
    }
}

/// Rewrites the checksum so only the semantic checks can refuse the bytes.
fn reseal(bytes: &mut [u8]) {
    use k256::sha2::{Digest, Sha256};
    let n = bytes.len() - 32;
    let sum = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum);
}

#[test]
fn corrupt_or_mismatched_shares_cannot_be_loaded() {
    for shares in shares_of_every_scheme() {
        let bytes = shares[0].to_bytes().unwrap().to_vec();
        // Any flipped byte: caught (checksum, or header checks).
        for i in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
            let mut b = bytes.clone();
            b[i] ^= 0x20;
            assert!(KeyShare::from_bytes(&b).is_err(), "byte {i} flipped");
        }
        assert_eq!(
            KeyShare::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err(),
            ShareError::Truncated
        );
        // Party 1's body under party 2's header: the checks refuse it.
        let mut claimed = bytes.clone();
        claimed[6] = 2;
        reseal(&mut claimed);
        assert!(matches!(
            KeyShare::from_bytes(&claimed),
            Err(ShareError::Inconsistent(_))
        ));
        // Another threshold in the header.
        let mut other_t = bytes.clone();
        other_t[7] = 3;
        reseal(&mut other_t);
        assert!(matches!(
            KeyShare::from_bytes(&other_t),
            Err(ShareError::Inconsistent(_))
        ));
        // Body of a share from another group under this header.
        let other = shares_of_every_scheme_from(201);
        let foreign = other
            .iter()
            .find(|s| s[0].scheme() == shares[0].scheme())
            .unwrap()[1]
            .to_bytes()
            .unwrap()
            .to_vec();
        let mut mixed = bytes[..13].to_vec();
        mixed.extend_from_slice(&foreign[13..]);
        reseal(&mut mixed);
        assert!(
            KeyShare::from_bytes(&mixed).is_err(),
            "party 2's secret under party 1's header"
        );
    }
}

#[test]
fn debug_never_shows_secrets() {
    for shares in shares_of_every_scheme() {
        let s = &shares[0];
        // Exactly the public facts, nothing else.
        assert_eq!(
            format!("{s:?}"),
            format!(
                "KeyShare {{ scheme: {:?}, party: {:?}, threshold: 2, parties: 3, group_key: {:?}, secret: \"<redacted>\" }}",
                s.scheme(),
                s.party(),
                s.group_key()
            )
        );
    }
}
