//! The transport's promises, on 127.0.0.1 only: pinned peers run a real
//! key generation over QUIC and each envelope arrives tagged with its
//! sender's true endpoint id; an unpinned endpoint is refused before
//! anything it sends is read; a peer that dies without closing is noticed
//! within the idle timeout; the frame decoder survives arbitrary bytes; the
//! device id is stable per store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_mpc::{Envelope, KeyShare, Keygen, Parameters, PartyId, Recipient, Scheme, SessionId};
use accord_node::secret::Protector;
use accord_node::store::{DeviceStore, Store};
use accord_node::transport::config::Network;
use accord_node::transport::frame::{self, Decoded, FrameError, MAX_FRAME, PREFIX_LEN};
use accord_node::transport::{
    ALPN, Allowlist, BAD_FRAME, Config, EndpointAddr, EndpointId, Event, MAX_CONNECTIONS_PER_PEER,
    SecretKey, Transport, allowlist, identity,
};
use iroh::endpoint::ConnectionError;
use proptest::prelude::*;
use rand_core::OsRng;
use tokio::sync::mpsc;
use zeroize::Zeroizing;

/// Every networked test ends within this, or fails.
const LIMIT: Duration = Duration::from_secs(30);

type Bound = (Transport, mpsc::Receiver<Event>);
type Peer = (Arc<Transport>, mpsc::Receiver<Event>);

async fn bind(secret: SecretKey, pins: &[EndpointId]) -> Bound {
    Transport::bind(
        secret,
        &Config::loopback(),
        Allowlist::with(pins.iter().copied()),
    )
    .await
    .unwrap()
}

/// Runs `body` with the transports under [`LIMIT`], then closes every one
/// of them — also when `body` panicked or timed out — and only then
/// reports the failure.
async fn run<F, Fut>(peers: Vec<Bound>, body: F)
where
    F: FnOnce(Vec<Peer>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_with(peers, Vec::new(), body).await;
}

/// [`run`], also closing raw iroh endpoints.
async fn run_with<F, Fut>(peers: Vec<Bound>, raw: Vec<iroh::Endpoint>, body: F)
where
    F: FnOnce(Vec<Peer>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (transports, receivers): (Vec<_>, Vec<_>) =
        peers.into_iter().map(|(t, r)| (Arc::new(t), r)).unzip();
    let mut task = tokio::spawn(body(transports.iter().cloned().zip(receivers).collect()));
    let outcome = tokio::time::timeout(LIMIT, &mut task).await;
    if outcome.is_err() {
        task.abort();
        let _ = task.await;
    }
    for t in transports {
        match Arc::try_unwrap(t) {
            Ok(t) => t.close().await,
            Err(_) => panic!("a transport outlived the test body"),
        }
    }
    for endpoint in raw {
        endpoint.close().await;
    }
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => std::panic::resume_unwind(e.into_panic()),
        Err(_) => panic!("timed out after {LIMIT:?}"),
    }
}

/// The next message, skipping connection events.
async fn next_message(rx: &mut mpsc::Receiver<Event>) -> (EndpointId, Zeroizing<Vec<u8>>) {
    loop {
        match rx.recv().await.expect("transport gone") {
            Event::Message { from, bytes } => return (from, bytes),
            other => eprintln!("event: {other:?}"),
        }
    }
}

/// One party of a key generation driven over the transport, as the
/// session runner will: `from` is the connection's authenticated id.
async fn keygen_party(
    me: PartyId,
    (transport, mut rx): Peer,
    peers: HashMap<EndpointId, (PartyId, EndpointAddr)>,
    session: SessionId,
) -> (KeyShare, usize) {
    let params = Parameters::new(2, 2).unwrap();
    let (mut keygen, mut out) =
        Keygen::start(Scheme::FrostEd25519, session, params, me, &mut OsRng).unwrap();
    let mut received = 0;
    loop {
        for env in out {
            for (party, addr) in peers.values() {
                if env.recipient == Recipient::All || env.recipient == Recipient::Party(*party) {
                    transport.send(addr.clone(), &env.encode()).await.unwrap();
                }
            }
        }
        let (from, bytes) = next_message(&mut rx).await;
        let (party, _) = peers.get(&from).expect("only pinned peers get through");
        let env = Envelope::decode(&bytes).unwrap();
        assert_eq!(env.sender, *party, "the authenticated id is the sender's");
        received += 1;
        let step = keygen.handle(*party, env).unwrap();
        if let Some(share) = step.output {
            for env in step.outgoing {
                for (_, addr) in peers.values() {
                    transport.send(addr.clone(), &env.encode()).await.unwrap();
                }
            }
            return (share, received);
        }
        out = step.outgoing;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_peers_run_a_key_generation_and_see_true_sender_ids() {
    let (ka, kb) = (SecretKey::generate(), SecretKey::generate());
    let (ida, idb) = (ka.public(), kb.public());
    let a = bind(ka, &[idb]).await;
    let b = bind(kb, &[ida]).await;
    assert_eq!((a.0.id(), b.0.id()), (ida, idb));
    let (addr_a, addr_b) = (a.0.addr(), b.0.addr());
    assert!(!addr_a.addrs.is_empty(), "the address says where to dial");

    run(vec![a, b], move |mut peers| async move {
        let session = SessionId::random(&mut OsRng);
        let (p1, p2) = (PartyId::new(1).unwrap(), PartyId::new(2).unwrap());
        let pb = peers.pop().unwrap();
        let pa = peers.pop().unwrap();
        let ((share_a, got_a), (share_b, got_b)) = tokio::join!(
            keygen_party(p1, pa, HashMap::from([(idb, (p2, addr_b))]), session),
            keygen_party(p2, pb, HashMap::from([(ida, (p1, addr_a))]), session),
        );
        assert_eq!(share_a.group_key(), share_b.group_key());
        assert!(got_a > 0 && got_b > 0, "envelopes crossed both ways");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpinned_endpoint_is_refused_before_it_is_read() {
    let (ka, kb, kc) = (
        SecretKey::generate(),
        SecretKey::generate(),
        SecretKey::generate(),
    );
    let (ida, idb) = (ka.public(), kb.public());
    let a = bind(ka, &[idb]).await;
    let b = bind(kb, &[ida]).await;
    // The intruder pins B, so its own side lets it dial; B has not pinned it.
    let c = bind(kc, &[idb]).await;
    let addr_b = b.0.addr();
    let addr_a = a.0.addr();

    run(vec![a, b, c], move |mut peers| async move {
        let (c, mut c_rx) = peers.pop().unwrap();
        let (b, mut b_rx) = peers.pop().unwrap();
        let (a, _a_rx) = peers.pop().unwrap();

        // C's first send may be buffered before B's refusal arrives; its
        // connection then fails with B's close code, and later sends fail.
        let first = c.send(addr_b.clone(), b"intruder 1").await;
        let refused = match c_rx.recv().await.unwrap() {
            Event::PeerLost { peer, error } => (peer, error),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(refused.0, idb);
        match &refused.1 {
            ConnectionError::ApplicationClosed(close) => {
                assert_eq!(close.error_code, allowlist::NOT_PINNED.into());
                assert_eq!(&close.reason[..], allowlist::NOT_PINNED_REASON);
            }
            other => panic!("refused with {other:?}"),
        }
        eprintln!("intruder's first send: {first:?}, then {}", refused.1);

        // A pinned peer still gets through, and is the first thing B sees:
        // nothing of C's was ever delivered.
        a.send(addr_b.clone(), b"hello from a").await.unwrap();
        let (from, bytes) = next_message(&mut b_rx).await;
        assert_eq!((from, &bytes[..]), (ida, &b"hello from a"[..]));
        tokio::time::sleep(Duration::from_millis(300)).await;
        while let Ok(event) = b_rx.try_recv() {
            assert!(
                !matches!(event, Event::Message { from, .. } if from != ida),
                "an unpinned peer's bytes were delivered"
            );
        }
        // C cannot dial a live endpoint it has not pinned itself (A is bound
        // and reachable; the refusal is C's own).
        assert!(
            matches!(
                c.send(addr_a.clone(), b"x").await,
                Err(accord_node::transport::SendError::NotPinned)
            ),
            "dialling an unpinned id is refused locally"
        );
        // Unpinned while connected (banned): nothing more is delivered.
        assert!(b.allowlist().unpin(&ida));
        let _ = a.send(addr_b.clone(), b"after the ban").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        while let Ok(event) = b_rx.try_recv() {
            assert!(
                !matches!(event, Event::Message { .. }),
                "a peer unpinned while connected got a message through"
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_frame_from_a_pinned_peer_is_refused_unread() {
    let (kb, kc) = (SecretKey::generate(), SecretKey::generate());
    let (idb, idc) = (kb.public(), kc.public());
    let b = bind(kb, &[idc]).await;
    let addr_b = b.0.addr();
    // A pinned but misbehaving peer speaking raw QUIC.
    let raw = Config::loopback()
        .builder(kc, &Allowlist::with([idb]))
        .unwrap()
        .bind()
        .await
        .unwrap();
    run_with(vec![b], vec![raw.clone()], move |mut peers| async move {
        let (_b, mut rx) = peers.pop().unwrap();
        let conn = raw.connect(addr_b, ALPN).await.unwrap();
        let mut stream = conn.open_uni().await.unwrap();
        stream.write_all(&u32::MAX.to_be_bytes()).await.unwrap();
        match rx.recv().await.unwrap() {
            Event::BadFrame { peer, error } => {
                assert_eq!(peer, idc);
                assert!(
                    matches!(error, FrameError::TooLong { len, .. } if len == u64::from(u32::MAX))
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        match conn.closed().await {
            ConnectionError::ApplicationClosed(close) => {
                assert_eq!(close.error_code, BAD_FRAME.into());
            }
            other => panic!("closed with {other:?}"),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_dies_without_closing_is_noticed_within_the_idle_timeout() {
    let (ka, kb) = (SecretKey::generate(), SecretKey::generate());
    let (ida, idb) = (ka.public(), kb.public());
    let a = bind(ka, &[idb]).await;
    let addr_a = a.0.addr();

    // B lives on its own runtime, in its own thread: "killing" it stops
    // that runtime, so B sends nothing more — no CONNECTION_CLOSE, no
    // keep-alive — exactly like a killed process.
    let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
    let (kill_tx, kill_rx) = tokio::sync::oneshot::channel::<()>();
    let peer_b = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (b, mut rx) = bind(kb, &[ida]).await;
            addr_tx.send(b.addr()).unwrap();
            let (from, bytes) = next_message(&mut rx).await;
            assert_eq!(from, ida);
            b.send(addr_a, &bytes).await.unwrap();
            let _ = kill_rx.await;
            // Dies without closing: the endpoint is never closed or dropped
            // cleanly; the runtime driving it stops below.
            std::mem::forget(b);
            std::mem::forget(rx);
        });
        rt.shutdown_background();
    });

    let addr_b = addr_a_rx(addr_rx).await;
    run(vec![a], move |mut peers| async move {
        let (a, mut rx) = peers.pop().unwrap();
        a.send(addr_b, b"ping").await.unwrap();
        let (from, bytes) = next_message(&mut rx).await;
        assert_eq!((from, &bytes[..]), (idb, &b"ping"[..]));

        kill_tx.send(()).unwrap();
        let killed = Instant::now();
        let (peer, error) = loop {
            match rx.recv().await.unwrap() {
                Event::PeerLost { peer, error } => break (peer, error),
                other => eprintln!("event: {other:?}"),
            }
        };
        let noticed = killed.elapsed();
        eprintln!("dead peer noticed after {noticed:?}: {error}");
        assert_eq!(peer, idb);
        assert!(matches!(error, ConnectionError::TimedOut), "{error:?}");
        assert!(noticed < Duration::from_secs(6), "took {noticed:?}");
    })
    .await;
    peer_b.join().unwrap();
}

async fn addr_a_rx(rx: tokio::sync::oneshot::Receiver<EndpointAddr>) -> EndpointAddr {
    tokio::time::timeout(LIMIT, rx).await.unwrap().unwrap()
}

#[test]
fn the_device_id_is_stable_per_store_and_differs_between_stores() {
    let dir = tempfile::tempdir().unwrap();
    let key = || Protector::Passphrase(Zeroizing::new("correct horse".to_owned()));
    let (one, two) = (dir.path().join("one.db"), dir.path().join("two.db"));
    let first = {
        let mut store = Store::open(&one, &key(), 1).unwrap();
        let id = identity::device_id(&mut store).unwrap();
        assert_eq!(identity::device_id(&mut store).unwrap(), id);
        id
    };
    let mut reopened = Store::open(&one, &key(), 2).unwrap();
    assert_eq!(identity::device_id(&mut reopened).unwrap(), first);
    assert_eq!(
        identity::secret_key(&mut reopened).unwrap().to_bytes(),
        *reopened.device_secret().unwrap()
    );
    let mut other = Store::open(&two, &key(), 1).unwrap();
    assert_ne!(identity::device_id(&mut other).unwrap(), first);
    // Sealed at rest: the raw row (read from the file) is not the secret.
    let raw: Vec<u8> = rusqlite::Connection::open(&one)
        .unwrap()
        .query_row(
            "SELECT value FROM meta WHERE key = 'device_secret'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let secret = reopened.device_secret().unwrap();
    assert!(!raw.windows(32).any(|w| w == secret.as_slice()));
}

#[test]
fn configs_are_what_they_say_and_production_is_only_constructed() {
    let loopback = Config::loopback();
    assert_eq!(loopback.network(), Network::Loopback);
    assert!(!loopback.uses_relays());
    assert!(loopback.keep_alive() < loopback.idle_timeout());
    assert!(loopback.idle_timeout() <= Duration::from_secs(3));
    let production = Config::production();
    assert!(production.uses_relays());
    // Building (not binding) sends nothing anywhere.
    production
        .builder(SecretKey::generate(), &Allowlist::new())
        .unwrap();
    assert!(
        Config::loopback()
            .with_timeouts(Duration::from_secs(1), Duration::from_secs(2))
            .is_none()
    );
    assert_eq!(accord_node::transport::ALPN, b"accord/1");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_frame_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        match frame::decode(&bytes) {
            Ok(Decoded::Frame { body, rest }) => {
                prop_assert_eq!(PREFIX_LEN + body.len() + rest.len(), bytes.len());
            }
            Ok(Decoded::Incomplete { needed }) => prop_assert!(needed > bytes.len()),
            Err(FrameError::TooLong { len, .. }) => prop_assert!(len > MAX_FRAME as u64),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
        // The stream reader agrees with the buffer decoder.
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let read = rt.block_on(frame::read(&mut &bytes[..]));
        match (frame::decode(&bytes), read) {
            (Ok(Decoded::Frame { body, .. }), Ok(Some(got))) => prop_assert_eq!(body, &got[..]),
            (Ok(Decoded::Incomplete { .. }), Ok(None)) => prop_assert!(bytes.is_empty()),
            (Ok(Decoded::Incomplete { .. }), Err(FrameError::Truncated)) => {}
            (Err(FrameError::TooLong { .. }), Err(FrameError::TooLong { .. })) => {}
            (d, r) => prop_assert!(false, "decode {d:?} but read {r:?}"),
        }
    }

    #[test]
    fn frames_round_trip_back_to_back(
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..5),
        cut in any::<usize>(),
    ) {
        let mut wire = Vec::new();
        for body in &bodies {
            wire.extend(frame::encode(body).unwrap());
        }
        let mut rest = &wire[..];
        for body in &bodies {
            match frame::decode(rest).unwrap() {
                Decoded::Frame { body: got, rest: after } => {
                    prop_assert_eq!(got, &body[..]);
                    rest = after;
                }
                other => prop_assert!(false, "{other:?}"),
            }
        }
        prop_assert!(rest.is_empty());
        // Any strict prefix of a frame is incomplete, never an error.
        if let Some(body) = bodies.first() {
            let one = frame::encode(body).unwrap();
            let cut = cut % one.len();
            let is_incomplete = matches!(frame::decode(&one[..cut]), Ok(Decoded::Incomplete { .. }));
            prop_assert!(is_incomplete);
        }
    }

    #[test]
    fn over_long_frames_are_refused_from_the_prefix(len in (MAX_FRAME as u32 + 1)..=u32::MAX) {
        // Only the 4-byte prefix exists: refusing must not wait for (or
        // allocate) the body.
        let prefix = len.to_be_bytes();
        let is_too_long = matches!(frame::decode(&prefix), Err(FrameError::TooLong { .. }));
        prop_assert!(is_too_long);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let read = rt.block_on(frame::read(&mut &prefix[..]));
        let is_too_long = matches!(read, Err(FrameError::TooLong { .. }));
        prop_assert!(is_too_long);
    }
}

#[test]
fn the_largest_envelope_fits_and_one_byte_more_does_not() {
    assert!(frame::prefix(MAX_FRAME).is_ok());
    assert!(matches!(
        frame::prefix(MAX_FRAME + 1),
        Err(FrameError::TooLong { .. })
    ));
    assert!(frame::encode(&vec![0u8; MAX_FRAME + 1]).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_dropped_without_closing_is_noticed_within_seconds() {
    let (ka, kb) = (SecretKey::generate(), SecretKey::generate());
    let (ida, idb) = (ka.public(), kb.public());
    let a = bind(ka, &[idb]).await;
    let (b, mut b_rx) = bind(kb, &[ida]).await;
    let addr_b = b.addr();
    run(vec![a], move |mut peers| async move {
        let (a, mut rx) = peers.pop().unwrap();
        a.send(addr_b, b"ping").await.unwrap();
        let (from, _) = next_message(&mut b_rx).await;
        assert_eq!(from, ida);
        let dropped = Instant::now();
        drop(b);
        let (peer, error) = loop {
            match rx.recv().await.unwrap() {
                Event::PeerLost { peer, error } => break (peer, error),
                other => eprintln!("event: {other:?}"),
            }
        };
        let noticed = dropped.elapsed();
        eprintln!("dropped peer noticed after {noticed:?}: {error}");
        assert_eq!(peer, idb);
        assert!(noticed < Duration::from_secs(6), "took {noticed:?}");
    })
    .await;
}

/// A peer that is not listening yet when we dial it (a device starting at
/// the same moment): our dial waits for QUIC's retransmission, but as soon
/// as the peer connects to us its connection carries our frames — sends to
/// it are not held up by our own dial. Here our dial can never succeed (the
/// address we have for B absorbs packets), so only B's connection can
/// carry A's frame.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dial_in_flight_gives_way_to_the_peers_own_connection() {
    let (ka, kb) = (SecretKey::generate(), SecretKey::generate());
    let (ida, idb) = (ka.public(), kb.public());
    let a = bind(ka, &[idb]).await;
    let b = bind(kb, &[ida]).await;
    let addr_a = a.0.addr();
    // B's id at an address where packets are read by nobody.
    let sink = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let stale_b = EndpointAddr::new(idb).with_ip_addr(sink.local_addr().unwrap());
    run(vec![a, b], move |mut peers| async move {
        let (b, mut rx_b) = peers.pop().unwrap();
        let (a, mut rx_a) = peers.pop().unwrap();
        let dialling = {
            let a = a.clone();
            tokio::spawn(async move { a.send(stale_b, b"from a").await })
        };
        // A's dial is under way; then B connects to A.
        tokio::time::sleep(Duration::from_millis(200)).await;
        b.send(addr_a, b"from b").await.unwrap();
        let (from, bytes) = next_message(&mut rx_a).await;
        assert_eq!((from, &bytes[..]), (idb, &b"from b"[..]));
        let (from, bytes) = next_message(&mut rx_b).await;
        assert_eq!((from, &bytes[..]), (ida, &b"from a"[..]));
        dialling.await.unwrap().unwrap();
        assert_eq!(a.dialled(idb).await, Some(false), "A still dials B");
        drop(sink);
    })
    .await;
}

/// A peer that gave up on its connections one after another (it forgot
/// each and dialled afresh; QUIC keep-alives keep the old ones open) is
/// never cut off by the limit of connections per peer: its oldest
/// connection is closed for the new one, and every frame arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_over_the_connection_limit_loses_its_oldest_connection_not_the_new_one() {
    let (ka, kb) = (SecretKey::generate(), SecretKey::generate());
    let (ida, idb) = (ka.public(), kb.public());
    let a = bind(ka, &[idb]).await;
    let b = bind(kb, &[ida]).await;
    let addr_b = b.0.addr();
    run(vec![a, b], move |mut peers| async move {
        let (_b, mut rx_b) = peers.pop().unwrap();
        let (a, _rx_a) = peers.pop().unwrap();
        for n in 0..MAX_CONNECTIONS_PER_PEER + 3 {
            let frame = format!("frame {n}");
            a.send(addr_b.clone(), frame.as_bytes()).await.unwrap();
            let (from, bytes) = next_message(&mut rx_b).await;
            assert_eq!((from, &bytes[..]), (ida, frame.as_bytes()), "frame {n}");
            // The next send dials a new connection; this one stays open.
            a.forget(idb).await;
        }
        // The newest connection is the one kept: it carries what follows,
        // back to back (on a connection closed under it they would be lost).
        let frames: Vec<String> = (0..20).map(|n| format!("then {n}")).collect();
        for frame in &frames {
            a.send(addr_b.clone(), frame.as_bytes()).await.unwrap();
        }
        for frame in &frames {
            let (from, bytes) = next_message(&mut rx_b).await;
            assert_eq!((from, &bytes[..]), (ida, frame.as_bytes()));
        }
    })
    .await;
}
