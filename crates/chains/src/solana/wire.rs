//! The strict decoder of Solana's wire formats, for bytes from a peer or a
//! user (<https://solana.com/docs/core/transactions>):
//!
//! - compact-u16 lengths: 1–3 bytes, 7 bits each, little-endian, high bit =
//!   more; only the shortest encoding of a value is accepted, as the runtime
//!   does (`solana-short-vec`);
//! - legacy message: header (3 bytes), account keys, recent blockhash,
//!   instructions (program index, account indexes, data);
//! - v0 message: prefix `0x80`, the same fields, then address table lookups;
//! - transaction: compact-u16 signature count, 64-byte signatures, message.
//!
//! Every byte must be consumed, so a message has one encoding and what is
//! previewed is what is signed. Structural rules the runtime enforces before
//! anything runs (`sanitize`) are checked with `solana-message`'s own code.
//! The result is `solana-message`'s [`VersionedMessage`].

use solana_hash::Hash;
use solana_message::compiled_instruction::CompiledInstruction;
use solana_message::v0::{self, MessageAddressTableLookup};
use solana_message::{MessageHeader, VersionedMessage, legacy};
use solana_pubkey::Pubkey;

use super::MAX_TRANSACTION_BYTES;

/// The prefix bit of a versioned message (`0x80 | version`).
const VERSION_PREFIX: u8 = 0x80;

/// Why bytes are not a Solana message or transaction we can sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Nothing to decode.
    #[error("no bytes to decode")]
    Empty,
    /// Longer than any transaction the network accepts.
    #[error("{len} bytes is more than a Solana transaction can hold ({max})")]
    TooLarge {
        /// The input length.
        len: usize,
        /// [`MAX_TRANSACTION_BYTES`].
        max: usize,
    },
    /// The bytes end inside a field.
    #[error("truncated at byte {offset}: expected {what}")]
    Truncated {
        /// Where the field starts.
        offset: usize,
        /// The field.
        what: &'static str,
    },
    /// A length that is not a canonical compact-u16.
    #[error("byte {offset}: the length of {what} is not a canonical compact-u16")]
    ShortVec {
        /// Where the length starts.
        offset: usize,
        /// What it counts.
        what: &'static str,
    },
    /// Bytes left over after the message.
    #[error("{extra} unexpected bytes after the message (at byte {offset})")]
    TrailingBytes {
        /// Where the message ended.
        offset: usize,
        /// How many bytes follow.
        extra: usize,
    },
    /// A message version other than legacy and v0.
    #[error("message version {0} is not supported (legacy and v0 are)")]
    UnsupportedVersion(u8),
    /// Well-formed bytes that the network would refuse (indexes out of
    /// range, no writable fee payer, unused lookup table...).
    #[error("invalid message: {0}")]
    Invalid(String),
    /// A transaction whose signature slots do not match its message header.
    #[error("the transaction has {signatures} signature slots but its message requires {required}")]
    SignatureCount {
        /// Slots present.
        signatures: usize,
        /// Signatures the message requires.
        required: u8,
    },
    /// A filled signature slot whose signature does not verify.
    #[error("signature slot {slot} ({signer}) holds a signature that does not verify")]
    BadSignature {
        /// The slot.
        slot: usize,
        /// The key that slot belongs to.
        signer: String,
    },
    /// The bytes parse both as a bare message and as a transaction.
    #[error("the bytes parse both as a message and as a transaction")]
    Ambiguous,
}

impl DecodeError {
    /// How far decoding got before failing, to report the more plausible of
    /// the two readings (message, transaction): a message that parsed whole
    /// but is invalid, or of an unsupported version, beats one with bytes
    /// left over, which beats one cut short (the later the better).
    fn rank(&self) -> (u8, usize) {
        match self {
            DecodeError::Truncated { offset, .. } | DecodeError::ShortVec { offset, .. } => {
                (0, *offset)
            }
            DecodeError::TrailingBytes { offset, .. } => (1, *offset),
            _ => (2, 0),
        }
    }
}

/// A cursor over untrusted bytes; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let truncated = DecodeError::Truncated {
            offset: self.pos,
            what,
        };
        let end = self.pos.checked_add(n).ok_or(truncated.clone())?;
        let slice = self.bytes.get(self.pos..end).ok_or(truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        let slice = self.take(1, what)?;
        slice.first().copied().ok_or(DecodeError::Truncated {
            offset: self.pos,
            what,
        })
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let offset = self.pos;
        self.take(N, what)?
            .try_into()
            .map_err(|_| DecodeError::Truncated { offset, what })
    }

    /// A compact-u16 (`solana-short-vec`): shortest form only, ≤ 0xffff.
    fn short_u16(&mut self, what: &'static str) -> Result<usize, DecodeError> {
        let start = self.pos;
        let bad = DecodeError::ShortVec {
            offset: start,
            what,
        };
        let mut value: u32 = 0;
        for i in 0..3u32 {
            let byte = self.u8(what)?;
            value |= u32::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                // A zero final byte after the first is a longer alias.
                if i > 0 && byte == 0 {
                    return Err(bad);
                }
                return u16::try_from(value).map(usize::from).map_err(|_| bad);
            }
        }
        Err(bad)
    }

    fn short_vec_bytes(&mut self, what: &'static str) -> Result<Vec<u8>, DecodeError> {
        let len = self.short_u16(what)?;
        Ok(self.take(len, what)?.to_vec())
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            extra => Err(DecodeError::TrailingBytes {
                offset: self.pos,
                extra,
            }),
        }
    }
}

/// A decoded transaction: its message, the message's exact bytes, and the
/// signature slots as they were (zero = empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedTx {
    /// The message.
    pub message: VersionedMessage,
    /// Its bytes, exactly as received.
    pub message_bytes: Vec<u8>,
    /// One slot per required signature; all zero = not signed yet.
    pub signatures: Vec<[u8; 64]>,
}

/// Decodes either bare message bytes or a whole wire transaction. The slot
/// count must match the header; slots are returned as they are (the caller
/// checks any that are filled). Exactly one reading must succeed.
pub fn decode(bytes: &[u8]) -> Result<DecodedTx, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > MAX_TRANSACTION_BYTES {
        return Err(DecodeError::TooLarge {
            len: bytes.len(),
            max: MAX_TRANSACTION_BYTES,
        });
    }
    let as_message = decode_message(bytes);
    let as_transaction = decode_transaction(bytes);
    match (as_message, as_transaction) {
        (Ok(_), Ok(_)) => Err(DecodeError::Ambiguous),
        (Ok(message), Err(_)) => {
            let required = message.header().num_required_signatures;
            Ok(DecodedTx {
                message,
                message_bytes: bytes.to_vec(),
                signatures: vec![[0; 64]; usize::from(required)],
            })
        }
        (Err(_), Ok(tx)) => Ok(tx),
        (Err(m), Err(t)) => Err(if t.rank() > m.rank() { t } else { m }),
    }
}

/// Decodes exactly one message (legacy or v0) filling all of `bytes`.
pub fn decode_message(bytes: &[u8]) -> Result<VersionedMessage, DecodeError> {
    let mut r = Reader::new(bytes);
    let message = read_message(&mut r)?;
    r.finish()?;
    sanitize(&message)?;
    Ok(message)
}

fn decode_transaction(bytes: &[u8]) -> Result<DecodedTx, DecodeError> {
    let mut r = Reader::new(bytes);
    let count = r.short_u16("signature count")?;
    let mut signatures = Vec::with_capacity(count.min(r.remaining() / 64));
    for _ in 0..count {
        signatures.push(r.array::<64>("signature")?);
    }
    let start = r.pos;
    let message = read_message(&mut r)?;
    r.finish()?;
    sanitize(&message)?;
    let required = message.header().num_required_signatures;
    if signatures.len() != usize::from(required) {
        return Err(DecodeError::SignatureCount {
            signatures: signatures.len(),
            required,
        });
    }
    Ok(DecodedTx {
        message,
        message_bytes: bytes.get(start..).unwrap_or_default().to_vec(),
        signatures,
    })
}

fn read_message(r: &mut Reader<'_>) -> Result<VersionedMessage, DecodeError> {
    let first = r.u8("message header")?;
    let (versioned, num_required_signatures) = if first & VERSION_PREFIX != 0 {
        let version = first & !VERSION_PREFIX;
        if version != 0 {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        (true, r.u8("message header")?)
    } else {
        (false, first)
    };
    let header = MessageHeader {
        num_required_signatures,
        num_readonly_signed_accounts: r.u8("message header")?,
        num_readonly_unsigned_accounts: r.u8("message header")?,
    };
    let key_count = r.short_u16("account keys")?;
    let mut account_keys = Vec::with_capacity(key_count.min(r.remaining() / 32));
    for _ in 0..key_count {
        account_keys.push(Pubkey::new_from_array(r.array("account key")?));
    }
    let recent_blockhash = Hash::new_from_array(r.array("recent blockhash")?);
    let ix_count = r.short_u16("instructions")?;
    let mut instructions = Vec::with_capacity(ix_count.min(r.remaining()));
    for _ in 0..ix_count {
        instructions.push(CompiledInstruction {
            program_id_index: r.u8("program index")?,
            accounts: r.short_vec_bytes("instruction accounts")?,
            data: r.short_vec_bytes("instruction data")?,
        });
    }
    let message = if versioned {
        let lookup_count = r.short_u16("address table lookups")?;
        let mut address_table_lookups = Vec::with_capacity(lookup_count.min(r.remaining() / 32));
        for _ in 0..lookup_count {
            address_table_lookups.push(MessageAddressTableLookup {
                account_key: Pubkey::new_from_array(r.array("lookup table address")?),
                writable_indexes: r.short_vec_bytes("writable lookup indexes")?,
                readonly_indexes: r.short_vec_bytes("readonly lookup indexes")?,
            });
        }
        VersionedMessage::V0(v0::Message {
            header,
            account_keys,
            recent_blockhash,
            instructions,
            address_table_lookups,
        })
    } else {
        VersionedMessage::Legacy(legacy::Message {
            header,
            account_keys,
            recent_blockhash,
            instructions,
        })
    };
    Ok(message)
}

/// The runtime's structural checks (`solana-message`'s own `sanitize`).
fn sanitize(message: &VersionedMessage) -> Result<(), DecodeError> {
    message
        .sanitize()
        .map_err(|e| DecodeError::Invalid(e.to_string()))
}

/// Appends `value` as a compact-u16.
pub fn write_short_u16(out: &mut Vec<u8>, value: u16) {
    let mut rest = value;
    loop {
        let low = (rest & 0x7f) as u8;
        rest >>= 7;
        if rest == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

/// The wire transaction: compact-u16 signature count, the signatures, the
/// message bytes.
pub fn encode_transaction(signatures: &[[u8; 64]], message_bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + 64 * signatures.len() + message_bytes.len());
    // The header's signature count is a u8, so this never saturates.
    write_short_u16(
        &mut out,
        u16::try_from(signatures.len()).unwrap_or(u16::MAX),
    );
    for s in signatures {
        out.extend_from_slice(s);
    }
    out.extend_from_slice(message_bytes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn short(bytes: &[u8]) -> Result<usize, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = r.short_u16("x")?;
        r.finish()?;
        Ok(v)
    }

    #[test]
    fn compact_u16_canonical_only() {
        assert_eq!(short(&[0x00]), Ok(0));
        assert_eq!(short(&[0x7f]), Ok(0x7f));
        assert_eq!(short(&[0x80, 0x01]), Ok(0x80));
        assert_eq!(short(&[0xff, 0xff, 0x03]), Ok(0xffff));
        // aliases and overflow
        assert!(short(&[0x80, 0x00]).is_err());
        assert!(short(&[0x81, 0x80, 0x00]).is_err());
        assert!(short(&[0xff, 0xff, 0x04]).is_err());
        assert!(short(&[0x80, 0x80, 0x80, 0x01]).is_err());
        assert!(short(&[0x80]).is_err());
    }

    proptest! {
        #[test]
        fn compact_u16_round_trips(v in any::<u16>()) {
            let mut out = Vec::new();
            write_short_u16(&mut out, v);
            prop_assert!(out.len() <= 3);
            prop_assert_eq!(short(&out), Ok(usize::from(v)));
        }

        #[test]
        fn compact_u16_is_unique(bytes in proptest::collection::vec(any::<u8>(), 1..4)) {
            if let Ok(v) = short(&bytes) {
                let mut out = Vec::new();
                write_short_u16(&mut out, u16::try_from(v).unwrap());
                prop_assert_eq!(out, bytes);
            }
        }
    }
}
