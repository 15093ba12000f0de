//! The node's messages on the wire (`accord_node::wire`): decoding arbitrary
//! bytes never panics, every control message round-trips, and the largest
//! proposal — a 4 MiB transaction, what the chains crate accepts — fits a
//! frame, while a larger control message is refused by its size.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use accord_node::transport::frame::{self, MAX_FRAME};
use accord_node::wire::{Control, MAX_CONTROL, MAX_UNSIGNED, Message, Proposal, WireError};
use proptest::prelude::*;

fn proposal(unsigned: Vec<u8>) -> Proposal {
    Proposal {
        session: [3; 32],
        wallet_id: "00112233445566778899aabbccddeeff".into(),
        chain: "bitcoin".into(),
        unsigned,
        signers: vec![1, 2],
        epoch: 0,
    }
}

#[test]
fn the_largest_proposal_fits_a_frame_and_a_larger_one_is_refused() {
    let bytes = Message::Control(Control::Propose(proposal(vec![7; MAX_UNSIGNED]))).encode();
    assert!(bytes.len() <= MAX_FRAME, "{} > {MAX_FRAME}", bytes.len());
    frame::encode(&bytes).unwrap();
    match Message::decode(&bytes).unwrap() {
        Message::Control(Control::Propose(p)) => assert_eq!(p.unsigned.len(), MAX_UNSIGNED),
        other => panic!("{other:?}"),
    }
    let mut huge = vec![1u8];
    huge.extend(vec![0u8; MAX_CONTROL + 1]);
    assert!(matches!(
        Message::decode(&huge),
        Err(WireError::TooLarge(_))
    ));
}

fn control() -> impl Strategy<Value = Control> {
    let session = any::<[u8; 32]>();
    prop_oneof![
        session.prop_map(|session| Control::Pending { session }),
        session.prop_map(|session| Control::Join { session }),
        session.prop_map(|session| Control::Start { session }),
        session.prop_map(|session| Control::Stored { session }),
        session.prop_map(|session| Control::Commit { session }),
        session.prop_map(|session| Control::Outcome { session }),
        (session, ".{0,40}").prop_map(|(session, reason)| Control::Decline { session, reason }),
        (session, ".{0,40}").prop_map(|(session, reason)| Control::Abort { session, reason }),
        (
            session,
            proptest::collection::vec(
                (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..40)),
                0..4
            )
        )
            .prop_map(|(session, keys)| Control::KeygenDone { session, keys }),
        any::<u64>().prop_map(|nonce| Control::Ping { nonce }),
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(|u| Control::Propose(proposal(u))),
        (
            proptest::collection::vec(any::<u8>(), 0..200),
            any::<i64>(),
            any::<bool>()
        )
            .prop_map(|(unsigned, at, done)| {
                let p = accord_node::team::TeamProposal {
                    wallet_id: "w".into(),
                    chain: "ethereum".into(),
                    unsigned,
                    note: "n".into(),
                    created_at: at,
                    expires_at: at.saturating_add(1),
                    proposer: "ab".into(),
                };
                let key = iroh::SecretKey::from_bytes(&[3; 32]);
                let vote =
                    accord_node::team::vote(&key, &p, accord_node::team::VoteKind::Approve, "", at);
                Control::Team(accord_node::wire::TeamItem {
                    proposal: p,
                    votes: vec![vote],
                    signatures: done.then(|| vec![(vec![7; 64], Some(1))]),
                })
            }),
        "[a-z]{0,20}".prop_map(|wallet_id| Control::TeamPull { wallet_id }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = Message::decode(&bytes);
        // A control tag in front of anything.
        let mut tagged = vec![1u8];
        tagged.extend(&bytes);
        let _ = Message::decode(&tagged);
    }

    #[test]
    fn control_messages_round_trip(c in control()) {
        let bytes = Message::Control(c.clone()).encode();
        match Message::decode(&bytes) {
            Ok(Message::Control(back)) => prop_assert_eq!(back, c),
            other => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn truncated_control_messages_are_errors(c in control(), cut in any::<prop::sample::Index>()) {
        let bytes = Message::Control(c).encode();
        let at = cut.index(bytes.len());
        if at < bytes.len() {
            // Shorter than the whole: an error or (rarely) another valid
            // message, never a panic.
            let _ = Message::decode(&bytes[..at]);
        }
    }
}
