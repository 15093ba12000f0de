//! One-time pairing tickets: what a device shows (as text, copy-pasted or
//! read aloud) so that another device can reach it and prove it saw the
//! ticket.
//!
//! Text form, on one line with no spaces:
//!
//! ```text
//! accord1 ‖ base32(version ‖ postcard(body) ‖ checksum)
//! ```
//!
//! - base32 is RFC 4648 §6 with the lowercase alphabet and no padding
//!   (upper case is accepted on input, for QR codes' alphanumeric mode);
//!   only the canonical encoding is accepted (zero trailing bits).
//! - `version` is one byte, [`VERSION`].
//! - `body` is the endpoint id (32 bytes), the transport addresses (IP
//!   socket addresses and relay URLs, at most [`MAX_ADDRS`]), the one-time
//!   secret (32 bytes), the expiry (seconds since the Unix epoch) and the
//!   issuing device's name (at most [`MAX_NAME_LEN`] bytes, no control
//!   characters), in postcard's encoding.
//! - `checksum` is the first 4 bytes of SHA-256 of `version ‖ body`, so a
//!   ticket damaged in transit is refused as such rather than read as
//!   another one. Every version keeps this outer layer.
//!
//! Decoding accepts only what [`Ticket::encode`] writes: one text per ticket.
//! IPv6 flow labels and scope ids are not carried (a scope id names an
//! interface of the issuing machine only), nor are iroh custom-transport
//! addresses, which Accord does not use.

use core::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::str::FromStr;

use iroh::{EndpointAddr, EndpointId, RelayUrl, TransportAddr};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// What every ticket starts with.
pub const PREFIX: &str = "accord1";
/// The binary format version this build writes and reads.
pub const VERSION: u8 = 1;
/// The longest text [`Ticket::decode`] looks at, in bytes (after trimming).
pub const MAX_TEXT_LEN: usize = 4096;
/// The most transport addresses a ticket carries.
pub const MAX_ADDRS: usize = 16;
/// The longest device name, in bytes of UTF-8.
pub const MAX_NAME_LEN: usize = 64;

const CHECKSUM_LEN: usize = 4;
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A one-time pairing ticket.
///
/// `Debug` does not print the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The issuing device: its endpoint id (= device id) and the addresses
    /// it can be reached at (IP socket addresses and/or a relay URL).
    pub addr: EndpointAddr,
    /// The one-time secret the redeemer proves it knows.
    pub secret: Zeroizing<[u8; 32]>,
    /// When the ticket stops being accepted, in seconds since the Unix epoch.
    pub expires_at: u64,
    /// The issuing device's name or role: `"phone"`, `"recovery"`, `"desktop"`.
    pub name: String,
}

/// Why a text is not a pairing ticket, or a ticket cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TicketError {
    /// The text does not start with [`PREFIX`].
    #[error("not an Accord pairing ticket: it does not start with `{PREFIX}`")]
    WrongPrefix,
    /// The text is longer than [`MAX_TEXT_LEN`].
    #[error("the ticket is {len} bytes long, more than the {max} a ticket can be")]
    TooLong {
        /// Its length in bytes (after trimming).
        len: usize,
        /// [`MAX_TEXT_LEN`].
        max: usize,
    },
    /// A character outside the base32 alphabet.
    #[error("the ticket has {character:?} at position {position}, which no ticket contains")]
    BadCharacter {
        /// Its position in the (trimmed) text, in characters.
        position: usize,
        /// The character.
        character: char,
    },
    /// The base32 part has an impossible length or non-zero trailing bits,
    /// or is too short to hold a version and checksum.
    #[error("the ticket is cut short or damaged (invalid base32 length or padding)")]
    BadEncoding,
    /// The checksum does not match: a typo, or a ticket cut short.
    #[error("the ticket is mistyped or incomplete (checksum mismatch)")]
    Checksum,
    /// A version this build does not read.
    #[error(
        "ticket version {version} is not supported by this version of Accord (it reads version {VERSION})"
    )]
    UnknownVersion {
        /// The version byte.
        version: u8,
    },
    /// The contents do not decode, or are not in canonical form.
    #[error("the ticket's contents are malformed: {detail}")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// More than [`MAX_ADDRS`] transport addresses.
    #[error("the ticket lists {count} addresses, more than {max}")]
    TooManyAddresses {
        /// How many.
        count: usize,
        /// [`MAX_ADDRS`].
        max: usize,
    },
    /// The device name is longer than [`MAX_NAME_LEN`] bytes.
    #[error("the device name is {len} bytes long, more than {max}")]
    NameTooLong {
        /// Its length in bytes.
        len: usize,
        /// [`MAX_NAME_LEN`].
        max: usize,
    },
    /// The device name is empty or holds control characters.
    #[error("the device name is empty or contains control characters")]
    NameNotPrintable,
}

impl Ticket {
    /// A ticket, after checking what [`Ticket::decode`] would refuse: the
    /// name and the number of (IP and relay) addresses.
    pub fn new(
        addr: EndpointAddr,
        secret: Zeroizing<[u8; 32]>,
        expires_at: u64,
        name: impl Into<String>,
    ) -> Result<Self, TicketError> {
        let ticket = Ticket {
            addr,
            secret,
            expires_at,
            name: name.into(),
        };
        check_name(&ticket.name)?;
        let count = carried(&ticket.addr).count();
        if count > MAX_ADDRS {
            return Err(TicketError::TooManyAddresses {
                count,
                max: MAX_ADDRS,
            });
        }
        Ok(ticket)
    }

    /// A new ticket with a fresh random secret from `rng`.
    pub fn issue(
        addr: EndpointAddr,
        expires_at: u64,
        name: impl Into<String>,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Self, TicketError> {
        let mut secret = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(secret.as_mut());
        Ticket::new(addr, secret, expires_at, name)
    }

    /// The ticket as one line of text: `accord1…`.
    ///
    /// A ticket [`Ticket::new`] would refuse (name too long, too many
    /// addresses) encodes to text [`Ticket::decode`] refuses.
    pub fn encode(&self) -> String {
        let mut body = Body {
            id: *self.addr.id.as_bytes(),
            addrs: carried(&self.addr).collect(),
            secret: *self.secret,
            expires_at: self.expires_at,
            name: self.name.clone(),
        };
        let mut bytes = Zeroizing::new(vec![VERSION]);
        // postcard cannot fail on this body (integers, fixed arrays, strings
        // and sequences of known length); were it to, the empty payload
        // would decode as `Malformed`, never as another ticket.
        let payload = Zeroizing::new(postcard::to_allocvec(&body).unwrap_or_default());
        body.secret.zeroize();
        bytes.extend_from_slice(&payload);
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum);
        let mut text = String::with_capacity(PREFIX.len() + (bytes.len() * 8).div_ceil(5));
        text.push_str(PREFIX);
        base32_encode(&bytes, &mut text);
        text
    }

    /// Reads a ticket from text (surrounding whitespace ignored). Never
    /// panics; refuses anything [`Ticket::encode`] would not have written.
    pub fn decode(text: &str) -> Result<Ticket, TicketError> {
        let text = text.trim();
        if text.len() > MAX_TEXT_LEN {
            return Err(TicketError::TooLong {
                len: text.len(),
                max: MAX_TEXT_LEN,
            });
        }
        let data = match text.get(..PREFIX.len()) {
            Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => {
                text.get(PREFIX.len()..).unwrap_or_default()
            }
            _ => return Err(TicketError::WrongPrefix),
        };
        let bytes = base32_decode(data, PREFIX.len())?;
        let split = bytes
            .len()
            .checked_sub(CHECKSUM_LEN)
            .filter(|&n| n > 0)
            .ok_or(TicketError::BadEncoding)?;
        let (signed, sum) = bytes.split_at(split);
        if checksum(signed) != sum {
            return Err(TicketError::Checksum);
        }
        let (&version, payload) = signed.split_first().ok_or(TicketError::BadEncoding)?;
        if version != VERSION {
            return Err(TicketError::UnknownVersion { version });
        }
        let (mut body, rest) =
            postcard::take_from_bytes::<Body>(payload).map_err(|e| TicketError::Malformed {
                detail: e.to_string(),
            })?;
        let secret = Zeroizing::new(body.secret);
        body.secret.zeroize();
        if !rest.is_empty() {
            return Err(malformed(format!(
                "{} bytes after the contents",
                rest.len()
            )));
        }
        if body.addrs.len() > MAX_ADDRS {
            return Err(TicketError::TooManyAddresses {
                count: body.addrs.len(),
                max: MAX_ADDRS,
            });
        }
        check_name(&body.name)?;
        let id = EndpointId::from_bytes(&body.id)
            .map_err(|_| malformed("the endpoint id is not an Ed25519 public key".into()))?;
        let addrs = body
            .addrs
            .iter()
            .map(Addr::to_transport)
            .collect::<Result<Vec<_>, _>>()?;
        let ticket = Ticket {
            addr: EndpointAddr::from_parts(id, addrs),
            secret,
            expires_at: body.expires_at,
            name: body.name,
        };
        // One text per ticket: addresses sorted and unique, relay URLs in
        // their normal form, no other encoding of the same contents.
        let canonical = Zeroizing::new(ticket.encode());
        if !canonical.eq_ignore_ascii_case(text) {
            return Err(malformed("not in canonical form".into()));
        }
        Ok(ticket)
    }

    /// Whether the ticket has expired at `now` (seconds since the Unix
    /// epoch): it is accepted strictly before `expires_at`.
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("addr", &self.addr)
            .field("secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("name", &self.name)
            .finish()
    }
}

/// The binary body, version 1.
#[derive(Serialize, Deserialize)]
struct Body {
    id: [u8; 32],
    addrs: Vec<Addr>,
    secret: [u8; 32],
    expires_at: u64,
    name: String,
}

/// A transport address as a ticket carries it. Variants are only ever
/// appended (postcard writes the variant's index).
#[derive(Serialize, Deserialize)]
enum Addr {
    Relay(String),
    V4([u8; 4], u16),
    V6([u8; 16], u16),
}

impl Addr {
    fn from_transport(addr: &TransportAddr) -> Option<Addr> {
        match addr {
            TransportAddr::Relay(url) => Some(Addr::Relay(url.to_string())),
            TransportAddr::Ip(SocketAddr::V4(a)) => Some(Addr::V4(a.ip().octets(), a.port())),
            TransportAddr::Ip(SocketAddr::V6(a)) => Some(Addr::V6(a.ip().octets(), a.port())),
            _ => None,
        }
    }

    fn to_transport(&self) -> Result<TransportAddr, TicketError> {
        Ok(match self {
            Addr::Relay(url) => TransportAddr::Relay(
                RelayUrl::from_str(url)
                    .map_err(|_| malformed(format!("{url:?} is not a relay URL")))?,
            ),
            Addr::V4(ip, port) => TransportAddr::Ip(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(*ip),
                *port,
            ))),
            Addr::V6(ip, port) => TransportAddr::Ip(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(*ip),
                *port,
                0,
                0,
            ))),
        })
    }
}

/// The addresses a ticket carries, in the address set's order.
fn carried(addr: &EndpointAddr) -> impl Iterator<Item = Addr> + '_ {
    addr.addrs.iter().filter_map(Addr::from_transport)
}

fn check_name(name: &str) -> Result<(), TicketError> {
    if name.len() > MAX_NAME_LEN {
        return Err(TicketError::NameTooLong {
            len: name.len(),
            max: MAX_NAME_LEN,
        });
    }
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(TicketError::NameNotPrintable);
    }
    Ok(())
}

fn malformed(detail: String) -> TicketError {
    TicketError::Malformed { detail }
}

fn checksum(bytes: &[u8]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::digest(bytes);
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(digest.get(..CHECKSUM_LEN).unwrap_or(&[0; CHECKSUM_LEN]));
    out
}

/// RFC 4648 §6 base32, lowercase, no padding, appended to `out`.
fn base32_encode(bytes: &[u8], out: &mut String) {
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    let mut push = |index: u32| out.push(char::from(ALPHABET[(index & 31) as usize]));
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            push(buffer >> bits);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        push(buffer << (5 - bits));
    }
}

/// The inverse of [`base32_encode`], either case; only canonical input
/// (a possible length, zero trailing bits). `offset` is where `text` starts
/// in the ticket, for error positions.
fn base32_decode(text: &str, offset: usize) -> Result<Zeroizing<Vec<u8>>, TicketError> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for (i, c) in text.chars().enumerate() {
        let value = match c {
            'a'..='z' => u32::from(c) - u32::from('a'),
            'A'..='Z' => u32::from(c) - u32::from('A'),
            '2'..='7' => u32::from(c) - u32::from('2') + 26,
            _ => {
                return Err(TicketError::BadCharacter {
                    position: offset + i,
                    character: c,
                });
            }
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // A length no encoder produces leaves 5 or more bits; a canonical
    // encoding leaves only zero bits.
    if bits >= 5 || buffer != 0 {
        return Err(TicketError::BadEncoding);
    }
    buffer.zeroize();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4648 §10 test vectors, lowercase and without padding.
    #[test]
    fn base32_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ] {
            let mut out = String::new();
            base32_encode(input.as_bytes(), &mut out);
            assert_eq!(out, expected);
            assert_eq!(&base32_decode(expected, 0).unwrap()[..], input.as_bytes());
            assert_eq!(
                &base32_decode(&expected.to_uppercase(), 0).unwrap()[..],
                input.as_bytes()
            );
        }
        // Impossible lengths and non-zero trailing bits.
        assert_eq!(base32_decode("m", 0), Err(TicketError::BadEncoding));
        assert_eq!(base32_decode("mzx", 0), Err(TicketError::BadEncoding));
        assert_eq!(base32_decode("mz", 0), Err(TicketError::BadEncoding));
        assert_eq!(
            base32_decode("my=", 7),
            Err(TicketError::BadCharacter {
                position: 9,
                character: '='
            })
        );
    }
}
