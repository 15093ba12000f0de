//! The versioned wire envelope every protocol message travels in.
//!
//! Layout of version 1 (all integers big-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | protocol version (`1`) |
//! | 1 | 1 | scheme ([`Scheme::code`]) |
//! | 2 | 32 | session id |
//! | 34 | 1 | round (`1..=255`) |
//! | 35 | 1 | sender party id (`1..=16`) |
//! | 36 | 1 | recipient: `0` = every party of the session, else a party id |
//! | 37 | 4 | payload length (at most [`MAX_PAYLOAD`]) |
//! | 41 | n | payload |
//!
//! Point-to-point envelopes ([`Recipient::Party`]) may carry secret shares and
//! must only travel over a confidential, mutually authenticated channel (in
//! Accord: an iroh QUIC connection to the pinned endpoint id). Broadcast
//! envelopes carry nothing secret; their consistency is checked by the echo
//! round (see [`crate::echo`]). Every envelope, broadcast or not, must arrive
//! over a channel that authenticates its sender: sessions take the
//! authenticated party next to each envelope and refuse one whose `sender`
//! field names somebody else.
//!
//! Decoding never panics: any byte string either decodes to a well-formed
//! envelope or gives a [`DecodeError`].

use crate::ids::{PartyId, Scheme, SessionId};

/// The envelope format this crate writes and reads.
pub const PROTOCOL_VERSION: u8 = 1;
/// Bytes before the payload.
pub const HEADER_LEN: usize = 41;
/// The largest payload accepted (DKLs23 key generation messages are the
/// largest, about 200 KiB each for 16 parties).
pub const MAX_PAYLOAD: usize = 4 * 1024 * 1024;

/// Who an envelope is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// Every other party of the session receives the same bytes.
    All,
    /// One party only; the payload needs a confidential channel.
    Party(PartyId),
}

impl Recipient {
    fn code(self) -> u8 {
        match self {
            Recipient::All => 0,
            Recipient::Party(p) => p.get(),
        }
    }

    /// Whether this envelope must travel over a confidential channel.
    pub fn needs_confidential_channel(self) -> bool {
        matches!(self, Recipient::Party(_))
    }
}

/// One protocol message with its routing header. The payload is zeroized
/// when the envelope is dropped (point-to-point payloads carry secrets).
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The scheme whose protocol this message belongs to.
    pub scheme: Scheme,
    /// The session this message belongs to.
    pub session: SessionId,
    /// The protocol round (message slot), from 1.
    pub round: u8,
    /// Who sent it.
    pub sender: PartyId,
    /// Who it is for.
    pub recipient: Recipient,
    /// The protocol payload (library serialization).
    pub payload: Vec<u8>,
}

impl Drop for Envelope {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.payload);
    }
}

impl core::fmt::Debug for Envelope {
    // Payloads of point-to-point messages can hold secret shares: never printed.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Envelope")
            .field("scheme", &self.scheme)
            .field("session", &self.session)
            .field("round", &self.round)
            .field("sender", &self.sender)
            .field("recipient", &self.recipient)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// Why bytes are not an envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes than the header or the announced payload.
    #[error("truncated envelope: {needed} bytes needed, {got} present")]
    Truncated {
        /// Bytes the header announces.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// Bytes after the announced payload.
    #[error("{extra} unexpected bytes after the envelope payload")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// A protocol version this build does not speak.
    #[error("unsupported envelope version {0} (this build speaks version {PROTOCOL_VERSION})")]
    UnsupportedVersion(u8),
    /// An unknown scheme code.
    #[error("unknown scheme code {0}")]
    UnknownScheme(u8),
    /// Round 0 does not exist.
    #[error("round 0 does not exist")]
    InvalidRound,
    /// A sender outside `1..=16`.
    #[error("invalid sender id {0}")]
    InvalidSender(u8),
    /// A recipient outside `0..=16`.
    #[error("invalid recipient id {0}")]
    InvalidRecipient(u8),
    /// A sender addressing itself.
    #[error("sender {0} addresses itself")]
    SelfAddressed(u8),
    /// A payload larger than [`MAX_PAYLOAD`].
    #[error("payload of {0} bytes exceeds the {MAX_PAYLOAD}-byte limit")]
    PayloadTooLarge(usize),
}

impl Envelope {
    /// The encoded bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        out.push(PROTOCOL_VERSION);
        out.push(self.scheme.code());
        out.extend_from_slice(&self.session.0);
        out.push(self.round);
        out.push(self.sender.get());
        out.push(self.recipient.code());
        // Payloads are produced by this crate and stay far below 4 GiB.
        let len = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    /// How many bytes [`Envelope::encode`] produces.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + self.payload.len()
    }

    /// Parses one envelope that fills `bytes` exactly.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let Some((header, rest)) = bytes.split_first_chunk::<HEADER_LEN>() else {
            return Err(DecodeError::Truncated {
                needed: HEADER_LEN,
                got: bytes.len(),
            });
        };
        let [
            version,
            scheme,
            session @ ..,
            round,
            sender,
            recipient,
            l0,
            l1,
            l2,
            l3,
        ] = *header;
        if version != PROTOCOL_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let scheme = Scheme::from_code(scheme).ok_or(DecodeError::UnknownScheme(scheme))?;
        let session: [u8; 32] = session;
        if round == 0 {
            return Err(DecodeError::InvalidRound);
        }
        let sender_id = PartyId::new(sender.into()).ok_or(DecodeError::InvalidSender(sender))?;
        let recipient = match recipient {
            0 => Recipient::All,
            r if r == sender => return Err(DecodeError::SelfAddressed(r)),
            r => Recipient::Party(PartyId::new(r.into()).ok_or(DecodeError::InvalidRecipient(r))?),
        };
        let len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        if len > MAX_PAYLOAD {
            return Err(DecodeError::PayloadTooLarge(len));
        }
        if rest.len() < len {
            return Err(DecodeError::Truncated {
                needed: HEADER_LEN + len,
                got: bytes.len(),
            });
        }
        if rest.len() > len {
            return Err(DecodeError::TrailingBytes {
                extra: rest.len() - len,
            });
        }
        Ok(Envelope {
            scheme,
            session: SessionId(session),
            round,
            sender: sender_id,
            recipient,
            payload: rest.to_vec(),
        })
    }
}
