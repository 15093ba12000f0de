//! Misbehaving peers: corrupted shares and signature shares name the culprit,
//! inconsistent broadcasts are caught by the echo round before any secret
//! leaves, and replayed, stale, misrouted, foreign and malformed messages are
//! refused without a panic and without disturbing the session.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::cell::Cell;

use accord_mpc::{
    Abort, Envelope, HandleError, Keygen, Parameters, Recipient, Rejected, Scheme, SessionId,
};
use common::*;

fn flip_low_bit_of_scalar(scheme: Scheme, payload: &mut [u8]) {
    // Scalars end the payload; secp256k1 scalars are big-endian, Ed25519 little-endian.
    let len = payload.len();
    let at = match scheme {
        Scheme::FrostEd25519 => len - 32,
        _ => len - 1,
    };
    payload[at] ^= 1;
}

fn culprit_of(result: &Result<impl std::fmt::Debug, HandleError>) -> Option<accord_mpc::PartyId> {
    match result {
        Err(HandleError::Aborted(abort)) => abort.culprit(),
        other => panic!("expected an abort, got {other:?}"),
    }
}

#[test]
fn corrupted_frost_dkg_share_names_the_sender() {
    for scheme in [Scheme::FrostTaproot, Scheme::FrostEd25519] {
        let mut rng = rng(100);
        let (mut nodes, mut net) = start_keygen(scheme, 2, 3, &mut rng);
        let results = drive(&mut nodes, &mut net, &mut rng, |to, env| {
            if env.round == 3 && env.sender == party(2) && to == party(1) {
                flip_low_bit_of_scalar(scheme, &mut env.payload);
            }
        });
        let result = &results[&party(1)];
        assert_eq!(culprit_of(result), Some(party(2)), "{scheme}: {result:?}");
        assert!(matches!(
            result,
            Err(HandleError::Aborted(Abort::Misbehaved { .. }))
        ));
        // Key confirmation: parties 2 and 3 never keep a share party 1 lacks.
        assert!(
            results.values().all(|r| r.is_err()),
            "{scheme}: {results:?}"
        );
    }
}

#[test]
fn corrupted_ecdsa_dkg_opening_names_the_sender() {
    let mut rng = rng(101);
    let (mut nodes, mut net) = start_keygen(Scheme::Ecdsa, 2, 3, &mut rng);
    let results = drive(&mut nodes, &mut net, &mut rng, |to, env| {
        // The last byte of round 5 is the chain-code commitment's salt.
        if env.round == 5 && env.sender == party(2) && to == party(1) {
            let last = env.payload.len() - 1;
            env.payload[last] ^= 1;
        }
    });
    // Party 1 saw a different round-5 broadcast than party 3: the echo round
    // catches that first, or the opening check names party 2.
    match &results[&party(1)] {
        Err(HandleError::Aborted(Abort::BroadcastMismatch { .. })) => {}
        other => assert_eq!(culprit_of(other), Some(party(2)), "{other:?}"),
    }
}

#[test]
fn corrupted_ecdsa_dkg_fragment_aborts_keygen() {
    // DKLs23 detects an inconsistent polynomial, but cannot say whose it is.
    let mut rng = rng(102);
    let (mut nodes, mut net) = start_keygen(Scheme::Ecdsa, 2, 3, &mut rng);
    let results = drive(&mut nodes, &mut net, &mut rng, |to, env| {
        if env.round == 1 && env.sender == party(2) && to == party(1) {
            flip_low_bit_of_scalar(Scheme::Ecdsa, &mut env.payload);
        }
    });
    assert!(results.values().any(|r| r.is_err()), "somebody aborts");
    assert!(results.values().all(|r| r.is_err()), "nobody gets a share");
}

#[test]
fn corrupted_frost_signature_share_names_the_signer() {
    for scheme in [Scheme::FrostTaproot, Scheme::FrostEd25519] {
        let mut rng = rng(110);
        let shares = keygen(scheme, 2, 3, &mut rng);
        let signers = [party(1), party(3)];
        let (mut nodes, mut net) = start_sign(&shares, &signers, party(1), &[7; 32], &mut rng);
        let results = drive(&mut nodes, &mut net, &mut rng, |_, env| {
            if env.round == 2 && env.sender == party(3) {
                flip_low_bit_of_scalar(scheme, &mut env.payload);
            }
        });
        let result = &results[&party(1)];
        assert_eq!(culprit_of(result), Some(party(3)), "{scheme}: {result:?}");
    }
}

#[test]
fn corrupted_ecdsa_multiplication_message_names_the_signer() {
    let mut rng = rng(111);
    let shares = keygen(Scheme::Ecdsa, 2, 3, &mut rng);
    let signers = [party(2), party(3)];
    let (mut nodes, mut net) = start_sign(&shares, &signers, party(2), &[9; 32], &mut rng);
    let results = drive(&mut nodes, &mut net, &mut rng, |_, env| {
        if env.round == 2 && env.sender == party(3) {
            let at = env.payload.len() / 2;
            env.payload[at] ^= 0x10;
        }
    });
    let result = &results[&party(2)];
    assert_eq!(culprit_of(result), Some(party(3)), "{result:?}");
}

#[test]
fn ecdsa_ban_is_its_own_error_kind() {
    // A session-binding or OT check failure in DKLs23 is BanCounterparty:
    // surfaced as Abort::Ban so the node can exclude that party for good.
    let mut rng = rng(112);
    let shares = keygen(Scheme::Ecdsa, 2, 2, &mut rng);
    let signers = [party(1), party(2)];
    let mut seen = Vec::new();
    for byte in [40usize, 80, 120, 200, 400] {
        let (mut nodes, mut net) = start_sign(&shares, &signers, party(1), &[3; 32], &mut rng);
        let results = drive(&mut nodes, &mut net, &mut rng, |to, env| {
            if env.round == 2
                && env.sender == party(2)
                && to == party(1)
                && let Some(b) = env.payload.get_mut(byte)
            {
                *b ^= 0x01;
            }
        });
        if let Err(HandleError::Aborted(abort)) = &results[&party(1)] {
            assert_eq!(abort.culprit(), Some(party(2)), "{abort:?}");
            seen.push(abort.clone());
        }
    }
    assert!(!seen.is_empty());
    let bans: Vec<_> = seen.iter().filter_map(Abort::ban).collect();
    assert!(
        !bans.is_empty(),
        "OT/multiplication failures are bans: {seen:?}"
    );
    assert!(bans.iter().all(|p| *p == party(2)), "{seen:?}");
}

#[test]
fn inconsistent_frost_broadcast_is_caught_before_any_share_leaves() {
    let mut rng = rng(120);
    // A second, independent round-1 package for party 1.
    let (_, other) = start_keygen(Scheme::FrostTaproot, 2, 3, &mut rng);
    let forged = other
        .queue
        .iter()
        .map(|(_, _, b)| Envelope::decode(b).unwrap())
        .find(|e| e.sender == party(1))
        .unwrap()
        .payload
        .clone();
    let (mut nodes, mut net) = start_keygen(Scheme::FrostTaproot, 2, 3, &mut rng);
    let secret_sent = Cell::new(false);
    let results = drive(&mut nodes, &mut net, &mut rng, |to, env| {
        if env.round == 1 && env.sender == party(1) && to == party(3) {
            env.payload = forged.clone();
        }
        if env.round == 3 {
            secret_sent.set(true);
        }
    });
    assert!(!secret_sent.get(), "no secret share was sent");
    // The first party to see a mismatch aborts (the node then tells the others,
    // who would otherwise wait for its echo until the round deadline).
    assert!(!results.is_empty());
    for (p, result) in &results {
        assert!(
            matches!(
                result,
                Err(HandleError::Aborted(Abort::BroadcastMismatch {
                    round: 1,
                    ..
                }))
            ),
            "{p}: {result:?}"
        );
    }
}

#[test]
fn inconsistent_ecdsa_broadcast_is_caught_before_round_four() {
    let mut rng = rng(121);
    let (mut nodes, mut net) = start_keygen(Scheme::Ecdsa, 2, 3, &mut rng);
    let secret_sent = Cell::new(false);
    let results = drive(&mut nodes, &mut net, &mut rng, |to, env| {
        // Byte 0 is inside the proof commitment hash: still parses.
        if env.round == 2 && env.sender == party(1) && to == party(3) {
            env.payload[0] ^= 0xff;
        }
        if env.round == 4 {
            secret_sent.set(true);
        }
    });
    assert!(!secret_sent.get(), "no round-4 secret was sent");
    assert!(matches!(
        results.get(&party(3)),
        Some(Err(HandleError::Aborted(Abort::BroadcastMismatch {
            round: 2,
            ..
        })))
    ));
}

fn first_envelopes(rng: &mut rand::rngs::StdRng) -> (Keygen, Vec<Envelope>, Vec<Envelope>) {
    let params = Parameters::new(2, 3).unwrap();
    let session = SessionId::random(rng);
    let (me, _) = Keygen::start(Scheme::FrostTaproot, session, params, party(1), rng).unwrap();
    let (_, from2) = Keygen::start(Scheme::FrostTaproot, session, params, party(2), rng).unwrap();
    let (_, from3) = Keygen::start(Scheme::FrostTaproot, session, params, party(3), rng).unwrap();
    (me, from2, from3)
}

fn rejected(keygen: &mut Keygen, env: Envelope) -> Rejected {
    match keygen.handle(env.sender, env) {
        Err(HandleError::Rejected(r)) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn replayed_stale_foreign_and_misrouted_messages_are_rejected() {
    let mut rng = rng(130);
    let (mut me, from2, from3) = first_envelopes(&mut rng);
    let m2 = from2[0].clone();
    let m3 = from3[0].clone();

    // Foreign session, other scheme, unknown sender, ourselves as sender.
    let mut foreign = m2.clone();
    foreign.session = SessionId([0xAB; 32]);
    assert!(matches!(
        rejected(&mut me, foreign),
        Rejected::WrongSession { .. }
    ));
    let mut scheme = m2.clone();
    scheme.scheme = Scheme::Ecdsa;
    assert!(matches!(
        rejected(&mut me, scheme),
        Rejected::WrongScheme { .. }
    ));
    let mut stranger = m2.clone();
    stranger.sender = party(4);
    assert!(matches!(
        rejected(&mut me, stranger),
        Rejected::UnexpectedSender { .. }
    ));
    let mut own = m2.clone();
    own.sender = party(1);
    assert!(matches!(
        rejected(&mut me, own),
        Rejected::UnexpectedSender { .. }
    ));
    // Addressed to somebody else; broadcast sent point-to-point; no such round.
    let mut elsewhere = m2.clone();
    elsewhere.recipient = Recipient::Party(party(3));
    assert!(matches!(
        rejected(&mut me, elsewhere),
        Rejected::NotForUs { .. }
    ));
    let mut private = m2.clone();
    private.recipient = Recipient::Party(party(1));
    assert!(matches!(
        rejected(&mut me, private),
        Rejected::WrongDelivery { .. }
    ));
    let mut later = m2.clone();
    later.round = 9;
    assert!(matches!(
        rejected(&mut me, later),
        Rejected::UnknownRound { .. }
    ));

    // The real message is still accepted after all that; a replay is not.
    // Claiming to be party 2 over party 3's authenticated channel.
    match me.handle(party(3), m2.clone()) {
        Err(HandleError::Rejected(Rejected::Spoofed {
            claimed,
            authenticated,
        })) => {
            assert_eq!((claimed, authenticated), (party(2), party(3)))
        }
        other => panic!("{other:?}"),
    }
    // Larger than the round allows.
    let mut huge = m2.clone();
    huge.payload = vec![0; 100_000];
    assert!(matches!(rejected(&mut me, huge), Rejected::TooLarge { .. }));

    assert!(me.handle(party(2), m2.clone()).is_ok());
    assert!(matches!(
        rejected(&mut me, m2.clone()),
        Rejected::Duplicate { .. }
    ));
    // Completing round 1 moves on; round 1 is now stale.
    let step = me.handle(party(3), m3).unwrap();
    assert!(step.outgoing.iter().any(|e| e.round == 2), "echo sent");
    assert!(matches!(rejected(&mut me, m2), Rejected::StaleRound { .. }));
}

#[test]
fn malformed_payload_aborts_naming_the_sender_and_then_the_session_is_ended() {
    let mut rng = rng(131);
    let (mut me, from2, from3) = first_envelopes(&mut rng);
    let mut truncated = from2[0].clone();
    truncated.payload.truncate(truncated.payload.len() / 2);
    assert!(
        me.handle(party(2), truncated).is_ok(),
        "buffered until the round is complete"
    );
    match me.handle(party(3), from3[0].clone()) {
        Err(HandleError::Aborted(Abort::Malformed {
            culprit, round: 1, ..
        })) => {
            assert_eq!(culprit, party(2))
        }
        other => panic!("{other:?}"),
    }
    assert!(me.is_finished());
    assert!(matches!(
        rejected(&mut me, from3[0].clone()),
        Rejected::Ended
    ));
}

#[test]
fn a_signer_cannot_be_made_to_sign_twice() {
    let mut rng = rng(140);
    let shares = keygen(Scheme::FrostTaproot, 2, 3, &mut rng);
    let signers = [party(1), party(2)];
    let (mut nodes, net) = start_sign(&shares, &signers, party(1), &[1; 32], &mut rng);
    let to_two: Vec<Envelope> = net
        .queue
        .iter()
        .filter(|(_, to, _)| *to == party(2))
        .map(|(_, _, b)| Envelope::decode(b).unwrap())
        .collect();
    let signer = nodes.get_mut(&party(2)).unwrap();
    let step = signer.handle(party(1), to_two[0].clone()).unwrap();
    assert!(matches!(
        step.output,
        Some(accord_mpc::SignOutput::Contributed)
    ));
    assert_eq!(step.outgoing.len(), 1, "one signature share");
    // Replaying the round (or anything else) yields no second share.
    assert!(matches!(
        signer.handle(party(1), to_two[0].clone()),
        Err(HandleError::Rejected(Rejected::Ended))
    ));
}

#[test]
fn start_rejects_bad_requests() {
    use accord_mpc::{SignRequest, Signer, StartError};
    let mut rng = rng(150);
    let shares = keygen(Scheme::Ecdsa, 2, 3, &mut rng);
    let session = SessionId::random(&mut rng);
    let req = |signers: &'static [u16], coordinator: u16, message: &'static [u8]| {
        let signers: Vec<_> = signers.iter().map(|i| party(*i)).collect();
        (signers, party(coordinator), message)
    };
    type Check = fn(&StartError) -> bool;
    let cases: Vec<(_, Check)> = vec![
        (req(&[1, 2, 3], 1, &[0; 32]), |e| {
            matches!(e, StartError::WrongSignerCount { .. })
        }),
        (req(&[2, 3], 2, &[0; 32]), |e| {
            matches!(e, StartError::NotAMember { .. })
        }),
        (req(&[1, 1], 1, &[0; 32]), |e| {
            matches!(e, StartError::DuplicateSigner { .. })
        }),
        (req(&[1, 2], 3, &[0; 32]), |e| {
            matches!(e, StartError::CoordinatorNotSigning { .. })
        }),
        (req(&[1, 2], 1, &[0; 31]), |e| {
            matches!(e, StartError::MessageLength { .. })
        }),
    ];
    for ((signers, coordinator, message), check) in cases {
        let request = SignRequest {
            session,
            signers: &signers,
            coordinator,
            message,
        };
        let err = Signer::start(shares[0].clone(), &request, &mut rng).unwrap_err();
        assert!(check(&err), "{err}");
    }
    assert!(
        Keygen::start(
            Scheme::FrostEd25519,
            session,
            Parameters::new(2, 3).unwrap(),
            party(4),
            &mut rng
        )
        .is_err()
    );
}

#[test]
fn signers_given_different_requests_report_it_without_blame() {
    for scheme in Scheme::ALL {
        let mut rng = rng(160);
        let shares = keygen(scheme, 2, 3, &mut rng);
        let signers = [party(1), party(2)];
        let session = SessionId::random(&mut rng);
        let mut sessions = std::collections::BTreeMap::new();
        let mut net = accord_mpc::sim::Network::default();
        for (me, message) in [(party(1), [1u8; 32]), (party(2), [2u8; 32])] {
            let request = accord_mpc::SignRequest {
                session,
                signers: &signers,
                coordinator: party(1),
                message: &message,
            };
            let share = shares.iter().find(|s| s.party() == me).unwrap().clone();
            let (signer, out) = accord_mpc::Signer::start(share, &request, &mut rng).unwrap();
            net.post(&signers, out);
            sessions.insert(me, signer);
        }
        let results = drive(&mut sessions, &mut net, &mut rng, |_, _| {});
        assert!(!results.is_empty());
        for (p, r) in &results {
            match r {
                Err(HandleError::Aborted(Abort::RequestMismatch { party })) => {
                    assert_ne!(party, p);
                }
                other => panic!("{scheme} {p}: {other:?}"),
            }
        }
    }
}
