#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Pairing tickets: round trips with IP and relay addresses, expiry, the
//! secret kept out of `Debug`, every refusal, and (proptest) no panic on any
//! text, damaged tickets refused or read canonically, and encode∘decode the
//! identity on valid tickets.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::str::FromStr;

use accord_node::pairing::ticket::{
    MAX_ADDRS, MAX_NAME_LEN, MAX_TEXT_LEN, PREFIX, Ticket, TicketError,
};
use accord_node::transport::{EndpointAddr, SecretKey};
use iroh::{RelayUrl, TransportAddr};
use proptest::prelude::*;
use zeroize::Zeroizing;

fn id(seed: u8) -> iroh::EndpointId {
    SecretKey::from_bytes(&[seed; 32]).public()
}

fn relay() -> RelayUrl {
    RelayUrl::from_str("https://euc1-1.relay.n0.iroh-canary.iroh.link./").unwrap()
}

fn ticket(addrs: Vec<TransportAddr>, name: &str) -> Ticket {
    Ticket::new(
        EndpointAddr::from_parts(id(7), addrs),
        Zeroizing::new([0x5a; 32]),
        1_750_000_000,
        name,
    )
    .unwrap()
}

fn full() -> Ticket {
    ticket(
        vec![
            TransportAddr::Relay(relay()),
            TransportAddr::Ip(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::new(192, 168, 1, 20),
                41_641,
            ))),
            TransportAddr::Ip(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1),
                41_642,
                0,
                0,
            ))),
        ],
        "phone",
    )
}

#[test]
fn round_trip_with_ip_and_relay_addresses() {
    let t = full();
    let text = t.encode();
    assert!(text.starts_with(PREFIX), "{text}");
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{text}"
    );
    assert!(text.len() < 300, "{} chars: {text}", text.len());
    let back = Ticket::decode(&text).unwrap();
    assert_eq!(back, t);
    assert_eq!(back.addr.relay_urls().count(), 1);
    assert_eq!(back.addr.ip_addrs().count(), 2);
    assert_eq!(*back.secret, [0x5a; 32]);
    assert_eq!(back.name, "phone");
    // Deterministic, surrounding whitespace ignored, upper case accepted.
    assert_eq!(back.encode(), text);
    assert_eq!(Ticket::decode(&format!("  \n{text}\r\n ")).unwrap(), t);
    assert_eq!(Ticket::decode(&text.to_uppercase()).unwrap(), t);
}

#[test]
fn id_only_and_relay_only() {
    for t in [
        ticket(vec![], "recovery"),
        ticket(vec![TransportAddr::Relay(relay())], "desktop"),
    ] {
        assert_eq!(Ticket::decode(&t.encode()).unwrap(), t);
    }
}

#[test]
fn issue_makes_a_fresh_secret() {
    let addr = EndpointAddr::from_parts(id(1), [TransportAddr::Relay(relay())]);
    let a = Ticket::issue(addr.clone(), 10, "desktop", &mut rand_core::OsRng).unwrap();
    let b = Ticket::issue(addr, 10, "desktop", &mut rand_core::OsRng).unwrap();
    assert_ne!(*a.secret, *b.secret);
    assert_eq!(Ticket::decode(&a.encode()).unwrap(), a);
}

#[test]
fn expiry() {
    let t = full();
    assert!(!t.is_expired(0));
    assert!(!t.is_expired(t.expires_at - 1));
    assert!(t.is_expired(t.expires_at));
    assert!(t.is_expired(t.expires_at + 1));
}

#[test]
fn debug_hides_the_secret() {
    let mut t = full();
    t.secret = Zeroizing::new(core::array::from_fn(|i| i as u8 ^ 0xc3));
    let debug = format!("{t:?} {t:#?}");
    assert!(!debug.contains(&hex::encode(*t.secret)), "{debug}");
    assert!(!debug.contains(&format!("{:?}", *t.secret)), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");
    assert!(debug.contains("phone"), "{debug}");
}

#[test]
fn refusals() {
    let text = full().encode();
    assert_eq!(Ticket::decode(""), Err(TicketError::WrongPrefix));
    assert_eq!(Ticket::decode("accord"), Err(TicketError::WrongPrefix));
    assert_eq!(
        Ticket::decode(&text.replacen("accord1", "accord2", 1)),
        Err(TicketError::WrongPrefix)
    );
    assert_eq!(
        Ticket::decode(&"a".repeat(MAX_TEXT_LEN + 1)),
        Err(TicketError::TooLong {
            len: MAX_TEXT_LEN + 1,
            max: MAX_TEXT_LEN
        })
    );
    // A space inside (two halves pasted apart), a character outside the alphabet.
    let (head, tail) = text.split_at(20);
    assert_eq!(
        Ticket::decode(&format!("{head} {tail}")),
        Err(TicketError::BadCharacter {
            position: 20,
            character: ' '
        })
    );
    let data = &text[PREFIX.len()..];
    assert_eq!(
        Ticket::decode(&format!("{PREFIX}{}8{}", &data[..3], &data[4..])),
        Err(TicketError::BadCharacter {
            position: PREFIX.len() + 3,
            character: '8'
        })
    );
    assert_eq!(Ticket::decode(PREFIX), Err(TicketError::BadEncoding));
    // 4 bytes: no room for a version and a checksum.
    assert_eq!(
        Ticket::decode("accord1aaaaaaa"),
        Err(TicketError::BadEncoding)
    );
    assert_eq!(
        Ticket::decode("accord1aaaaaaaa"),
        Err(TicketError::Checksum)
    );
    // Cut short, or one character changed: the checksum catches it.
    assert!(matches!(
        Ticket::decode(&text[..text.len() - 8]),
        Err(TicketError::Checksum | TicketError::BadEncoding)
    ));
    let last = text.chars().last().unwrap();
    let swapped = format!(
        "{}{}",
        &text[..text.len() - 1],
        if last == 'a' { 'b' } else { 'a' }
    );
    assert!(matches!(
        Ticket::decode(&swapped),
        Err(TicketError::Checksum | TicketError::BadEncoding)
    ));
    let mid = text.len() / 2;
    let c = text.as_bytes()[mid];
    let changed = format!(
        "{}{}{}",
        &text[..mid],
        if c == b'q' { 'r' } else { 'q' },
        &text[mid + 1..]
    );
    assert_eq!(Ticket::decode(&changed), Err(TicketError::Checksum));
}

#[test]
fn names_and_address_counts_are_bounded() {
    let addr = EndpointAddr::new(id(1));
    let secret = || Zeroizing::new([1; 32]);
    assert!(Ticket::new(addr.clone(), secret(), 0, "x".repeat(MAX_NAME_LEN)).is_ok());
    assert_eq!(
        Ticket::new(addr.clone(), secret(), 0, "x".repeat(MAX_NAME_LEN + 1)).unwrap_err(),
        TicketError::NameTooLong {
            len: MAX_NAME_LEN + 1,
            max: MAX_NAME_LEN
        }
    );
    for bad in ["", "a\nb", "tab\t", "\u{1b}[31mred"] {
        assert_eq!(
            Ticket::new(addr.clone(), secret(), 0, bad).unwrap_err(),
            TicketError::NameNotPrintable,
            "{bad:?}"
        );
    }
    let many = |n: u16| {
        EndpointAddr::from_parts(
            id(1),
            (0..n).map(|p| {
                TransportAddr::Ip(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, p)))
            }),
        )
    };
    assert!(Ticket::new(many(MAX_ADDRS as u16), secret(), 0, "a").is_ok());
    assert_eq!(
        Ticket::new(many(MAX_ADDRS as u16 + 1), secret(), 0, "a").unwrap_err(),
        TicketError::TooManyAddresses {
            count: MAX_ADDRS + 1,
            max: MAX_ADDRS
        }
    );
    // What `new` refuses, `decode` refuses when written anyway.
    let long = Ticket {
        addr: addr.clone(),
        secret: secret(),
        expires_at: 0,
        name: "x".repeat(MAX_NAME_LEN + 1),
    };
    assert!(matches!(
        Ticket::decode(&long.encode()),
        Err(TicketError::NameTooLong { .. })
    ));
    let crowded = Ticket {
        addr: many(MAX_ADDRS as u16 + 1),
        secret: secret(),
        expires_at: 0,
        name: "a".into(),
    };
    assert!(matches!(
        Ticket::decode(&crowded.encode()),
        Err(TicketError::TooManyAddresses { .. })
    ));
}

/// `accord1` ‖ base32(`bytes` ‖ checksum), written independently of the crate.
fn wrap(bytes: &[u8]) -> String {
    use sha2::Digest;
    let mut all = bytes.to_vec();
    all.extend_from_slice(&sha2::Sha256::digest(bytes)[..4]);
    let alphabet = b"abcdefghijklmnopqrstuvwxyz234567";
    let bits: Vec<u8> = all
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1))
        .collect();
    let mut out = String::from(PREFIX);
    for chunk in bits.chunks(5) {
        let v = (0..5).fold(0usize, |acc, i| {
            (acc << 1) | usize::from(*chunk.get(i).unwrap_or(&0))
        });
        out.push(char::from(alphabet[v]));
    }
    out
}

/// A body by hand: id, addresses (already encoded, with their count),
/// secret, expiry, name.
fn body(id: [u8; 32], addrs: &[u8], name: &str) -> Vec<u8> {
    let mut b = vec![1u8];
    b.extend_from_slice(&id);
    b.extend_from_slice(addrs);
    b.extend_from_slice(&[0x5a; 32]);
    b.push(9); // expiry 9
    b.push(name.len() as u8);
    b.extend_from_slice(name.as_bytes());
    b
}

#[test]
fn versions_and_contents() {
    let good = body(*id(7).as_bytes(), &[0], "phone");
    let t = Ticket::decode(&wrap(&good)).unwrap();
    assert_eq!(
        (t.expires_at, t.name.as_str(), t.addr.id),
        (9, "phone", id(7))
    );
    assert_eq!(wrap(&good), t.encode());

    let mut v2 = good.clone();
    v2[0] = 2;
    assert_eq!(
        Ticket::decode(&wrap(&v2)),
        Err(TicketError::UnknownVersion { version: 2 })
    );
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(matches!(
        Ticket::decode(&wrap(&trailing)),
        Err(TicketError::Malformed { .. })
    ));
    assert!(matches!(
        Ticket::decode(&wrap(&good[..good.len() - 2])),
        Err(TicketError::Malformed { .. })
    ));
    assert!(matches!(
        Ticket::decode(&wrap(&[1, 0xff, 0xff])),
        Err(TicketError::Malformed { .. })
    ));
    // Not every 32 bytes are an Ed25519 point.
    let results: Vec<_> = (0u8..32)
        .map(|i| Ticket::decode(&wrap(&body([i; 32], &[0], "a"))))
        .collect();
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(_) | Err(TicketError::Malformed { .. })))
    );
    assert!(results.iter().any(Result::is_err));

    // 17 addresses; a name of 65 bytes; a name with a newline.
    let mut many = vec![17u8];
    for port in 0..17u8 {
        many.extend_from_slice(&[1, 127, 0, 0, 1, port]);
    }
    assert_eq!(
        Ticket::decode(&wrap(&body(*id(7).as_bytes(), &many, "a"))),
        Err(TicketError::TooManyAddresses {
            count: 17,
            max: MAX_ADDRS
        })
    );
    assert!(matches!(
        Ticket::decode(&wrap(&body(*id(7).as_bytes(), &[0], &"n".repeat(65)))),
        Err(TicketError::NameTooLong { len: 65, .. })
    ));
    assert_eq!(
        Ticket::decode(&wrap(&body(*id(7).as_bytes(), &[0], "a\nb"))),
        Err(TicketError::NameNotPrintable)
    );
}

#[test]
fn only_the_canonical_text_is_accepted() {
    let id = *id(7).as_bytes();
    let relay = |url: &str| {
        let mut a = vec![1u8, 0, url.len() as u8];
        a.extend_from_slice(url.as_bytes());
        a
    };
    // The normal form decodes; another spelling of the same URL does not.
    assert!(Ticket::decode(&wrap(&body(id, &relay("https://relay.example/"), "a"))).is_ok());
    for other in [
        "HTTPS://relay.example/",
        "https://relay.example",
        "https://RELAY.example/",
    ] {
        assert!(
            matches!(
                Ticket::decode(&wrap(&body(id, &relay(other), "a"))),
                Err(TicketError::Malformed { .. })
            ),
            "{other}"
        );
    }
    assert!(matches!(
        Ticket::decode(&wrap(&body(id, &relay("not a url"), "a"))),
        Err(TicketError::Malformed { .. })
    ));
    // Addresses out of order, or twice.
    let v4 = |port: u8| [1u8, 127, 0, 0, 1, port];
    let in_order = [&[2u8][..], &v4(1), &v4(2)].concat();
    let reversed = [&[2u8][..], &v4(2), &v4(1)].concat();
    let twice = [&[2u8][..], &v4(1), &v4(1)].concat();
    assert!(Ticket::decode(&wrap(&body(id, &in_order, "a"))).is_ok());
    for bad in [reversed, twice] {
        assert!(matches!(
            Ticket::decode(&wrap(&body(id, &bad, "a"))),
            Err(TicketError::Malformed { .. })
        ));
    }
}

/// A format change is a version change: this text must keep decoding.
#[test]
fn pinned_encoding() {
    let t = ticket(
        vec![TransportAddr::Ip(SocketAddr::V4(SocketAddrV4::new(
            Ipv4Addr::new(10, 0, 0, 1),
            4433,
        )))],
        "phone",
    );
    assert_eq!(t.encode(), PINNED);
    assert_eq!(Ticket::decode(PINNED).unwrap(), t);
}

/// Checked with Python's `base64.b32decode` and `hashlib.sha256`: version 1,
/// the id, one `V4` address (variant 1, 10.0.0.1, port 4433 as varint
/// `d1 22`), 32 × `5a`, expiry varint, `"phone"`, checksum.
const PINNED: &str = "accord1ahveu3dd4kofecv66vihwezoyx4zkr3wv27l464siipou2iui3jcyaibbiaaaaorejnfuws2ljnfuws2ljnfuws2ljnfuws2ljnfuws2ljnfuws2ljnfvagdxpbamblqnbxw4zpsh2pma";

// ------------------------------------------------------------ properties

fn arb_addr() -> impl Strategy<Value = TransportAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| TransportAddr::Ip(SocketAddr::V4(
            SocketAddrV4::new(Ipv4Addr::from(ip), port)
        ))),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(ip, port)| TransportAddr::Ip(SocketAddr::V6(
            SocketAddrV6::new(Ipv6Addr::from(ip), port, 0, 0)
        ))),
        "[a-z][a-z0-9-]{0,20}(\\.[a-z][a-z0-9]{0,10}){0,3}"
            .prop_filter("no punycode", |host| !host.contains("xn--"))
            .prop_map(|host| {
                TransportAddr::Relay(RelayUrl::from_str(&format!("https://{host}/")).unwrap())
            }),
    ]
}

fn arb_name() -> impl Strategy<Value = String> {
    "[^\\p{Cc}]{1,16}".prop_filter("at most 64 bytes", |s| s.len() <= MAX_NAME_LEN)
}

fn arb_ticket() -> impl Strategy<Value = Ticket> {
    (
        any::<[u8; 32]>(),
        proptest::collection::vec(arb_addr(), 0..=MAX_ADDRS),
        any::<[u8; 32]>(),
        any::<u64>(),
        arb_name(),
    )
        .prop_map(|(seed, addrs, secret, expires_at, name)| {
            Ticket::new(
                EndpointAddr::from_parts(SecretKey::from_bytes(&seed).public(), addrs),
                Zeroizing::new(secret),
                expires_at,
                name,
            )
            .unwrap()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_never_panics(text in "\\PC{0,300}") {
        let _ = Ticket::decode(&text);
    }

    #[test]
    fn decode_never_panics_on_ticket_lookalikes(body in "[a-z2-7 =A-Z]{0,400}") {
        let _ = Ticket::decode(&format!("{PREFIX}{body}"));
    }

    #[test]
    fn encode_decode_is_identity(t in arb_ticket()) {
        let text = t.encode();
        prop_assert!(text.len() <= MAX_TEXT_LEN);
        prop_assert!(!text.contains(char::is_whitespace));
        let back = Ticket::decode(&text).unwrap();
        prop_assert_eq!(back.encode(), text);
        prop_assert_eq!(back, t);
    }

    /// Damaged tickets: an error, or a ticket that reads back as the same text.
    #[test]
    fn mutated_tickets_error_or_decode_canonically(
        t in arb_ticket(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..4),
    ) {
        let mut chars: Vec<char> = t.encode().chars().collect();
        for (at, kind, c) in edits {
            let i = at.index(chars.len() + 1);
            match kind {
                0 if i < chars.len() => chars[i] = c,
                1 => chars.insert(i, c),
                2 if i < chars.len() => { chars.remove(i); }
                _ => chars.truncate(i),
            }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(back) = Ticket::decode(&text) {
            prop_assert!(back.encode().eq_ignore_ascii_case(text.trim()));
        }
    }
}
