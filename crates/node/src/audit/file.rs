//! The exported audit log, JSON Lines (one JSON object a line, UTF-8):
//!
//! 1. the header: `{"format":"accord-audit","version":1,"device":HEX,
//!    "name":…,"exported_at":SECS}`;
//! 2. one line per event, oldest first: `{"seq","at","wallet","kind",
//!    "detail","prev","hash"}` (`prev` and `hash` hex, [`super::event_hash`]);
//! 3. the signed end: `{"end":{"events":N,"head":HEX,"signature":HEX}}` —
//!    an Ed25519 signature (RFC 8032) by the device's identity key over a
//!    domain tag, SHA-256 of the header line's bytes, `N` and the last
//!    event's hash (the head; [`super::GENESIS`] for an empty log).
//!
//! [`verify`] reads it line by line and stops at the first place that is
//! wrong, naming its line and event.

use iroh::{PublicKey, SecretKey, Signature};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::chain::{GENESIS, event_hash};

/// The header's `format`.
pub const FORMAT: &str = "accord-audit";
/// The version this build writes and reads.
const VERSION: u32 = 1;
/// The largest file [`verify`] reads.
pub const MAX_FILE: usize = 1 << 30;
/// Domain separation of the signed end.
const DOMAIN: &[u8] = b"accord audit end v1\0";

/// Who exported the log, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditHeader {
    /// [`FORMAT`].
    pub format: String,
    /// 1.
    pub version: u32,
    /// The device id (hex of its Ed25519 public key).
    pub device: String,
    /// The name it runs under, if it has one.
    pub name: Option<String>,
    /// Seconds since the epoch.
    pub exported_at: i64,
}

impl AuditHeader {
    /// The header of a log exported now by `device`.
    pub fn new(device: &PublicKey, name: Option<String>, exported_at: i64) -> AuditHeader {
        AuditHeader {
            format: FORMAT.into(),
            version: VERSION,
            device: hex::encode(device.as_bytes()),
            name,
            exported_at,
        }
    }
}

/// One event with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainedEvent {
    /// Order of writing.
    pub seq: i64,
    /// Seconds since the epoch.
    pub at: i64,
    /// The wallet id, if any.
    pub wallet: Option<String>,
    /// The event's kind (`crate::event::EventKind`'s name).
    pub kind: String,
    /// In words.
    pub detail: String,
    /// The previous event's hash (hex).
    pub prev: String,
    /// This event's hash (hex).
    pub hash: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndLine {
    end: End,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct End {
    events: u64,
    head: String,
    signature: String,
}

/// What a log that verified holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditSummary {
    /// The device that exported (and signed) it.
    pub device: String,
    /// Its name, as exported.
    pub name: Option<String>,
    /// When.
    pub exported_at: i64,
    /// How many events.
    pub events: u64,
    /// The last event's hash (hex).
    pub head: String,
    /// How many members' signed statements (team votes) in the events
    /// were checked.
    pub statements: u64,
}

/// Why an exported log does not verify: the first place found wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// Larger than any log this build reads.
    #[error("the file is larger than {MAX_FILE} bytes")]
    TooLarge,
    /// A line that is not what the format says.
    #[error("line {line}: {reason}")]
    Format {
        /// From 1.
        line: usize,
        /// Why.
        reason: String,
    },
    /// An event whose content does not match its hash.
    #[error("line {line} (event {seq}): its content does not match its hash: the event was edited")]
    Edited {
        /// From 1.
        line: usize,
        /// Its `seq`.
        seq: i64,
    },
    /// An event that does not follow the one before it in the file.
    #[error(
        "line {line} (event {seq}): it does not follow the event before it (line {before_line}, event {before_seq}): events between them were removed, or the events were moved"
    )]
    Broken {
        /// From 1.
        line: usize,
        /// Its `seq`.
        seq: i64,
        /// The line before it.
        before_line: usize,
        /// The event before it.
        before_seq: i64,
    },
    /// The first event in the file is not the device's first.
    #[error(
        "line {line} (event {seq}): the chain does not start here: the events before it were removed"
    )]
    NotFromStart {
        /// From 1.
        line: usize,
        /// Its `seq`.
        seq: i64,
    },
    /// An event numbered before the one above it.
    #[error(
        "line {line} (event {seq}): out of order after event {before_seq}: the events were moved"
    )]
    OutOfOrder {
        /// From 1.
        line: usize,
        /// Its `seq`.
        seq: i64,
        /// The event before it.
        before_seq: i64,
    },
    /// No signed end.
    #[error("the file ends at line {line} without its signed end: what followed was cut")]
    NoEnd {
        /// The last line.
        line: usize,
    },
    /// The signed end counts other events than the file has.
    #[error(
        "the signed end counts {signed} events but the file has {found}: events after line {line} were removed"
    )]
    Count {
        /// In the signed end.
        signed: u64,
        /// In the file.
        found: u64,
        /// The last event's line.
        line: usize,
    },
    /// The signed end names another last event.
    #[error(
        "the signed end names another last event than line {line}'s: the chain was rewritten before it"
    )]
    Head {
        /// The last event's line.
        line: usize,
    },
    /// A member's signed statement in an event does not verify.
    #[error(
        "line {line} (event {seq}): the signed statement (vote or grant) of device {device} in it does not verify"
    )]
    DeviceSignature {
        /// From 1.
        line: usize,
        /// Its `seq`.
        seq: i64,
        /// The device it names.
        device: String,
    },
    /// The device's signature does not verify.
    #[error(
        "the device's signature over the log does not verify: the file was altered after it was exported"
    )]
    Signature,
}

fn end_message(header_line: &[u8], events: u64, head: &[u8; 32]) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    m.extend_from_slice(&Sha256::digest(header_line));
    m.extend_from_slice(&events.to_be_bytes());
    m.extend_from_slice(head);
    m
}

/// The file of `events` (oldest first, as the store chained them),
/// exported under `header` and signed with the device's `key`.
pub fn write(header: &AuditHeader, events: &[ChainedEvent], key: &SecretKey) -> Vec<u8> {
    let header_line = serde_json::to_string(header).unwrap_or_default();
    let mut out = header_line.clone().into_bytes();
    out.push(b'\n');
    for e in events {
        out.extend_from_slice(serde_json::to_string(e).unwrap_or_default().as_bytes());
        out.push(b'\n');
    }
    let head = events
        .last()
        .and_then(|e| hex32(&e.hash))
        .unwrap_or(GENESIS);
    let n = u64::try_from(events.len()).unwrap_or(u64::MAX);
    let signature = key.sign(&end_message(header_line.as_bytes(), n, &head));
    let end = EndLine {
        end: End {
            events: n,
            head: hex::encode(head),
            signature: hex::encode(signature.to_bytes()),
        },
    };
    out.extend_from_slice(serde_json::to_string(&end).unwrap_or_default().as_bytes());
    out.push(b'\n');
    out
}

/// 32 bytes written as 64 lowercase hex digits (the one form `write`
/// gives: another spelling of the same bytes is a change too).
fn hex32(s: &str) -> Option<[u8; 32]> {
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    hex::decode(s).ok()?.try_into().ok()
}

fn format(line: usize, reason: impl Into<String>) -> AuditError {
    AuditError::Format {
        line,
        reason: reason.into(),
    }
}

/// Checks an exported log: the header, every event's hash, that each
/// follows the one before it from the device's first event on, the count
/// and head in the signed end, and the device's signature over them.
pub fn verify(bytes: &[u8]) -> Result<AuditSummary, AuditError> {
    if bytes.len() > MAX_FILE {
        return Err(AuditError::TooLarge);
    }
    let mut lines = bytes
        .strip_suffix(b"\n")
        .unwrap_or(bytes)
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l));
    let (_, header_line) = lines
        .next()
        .filter(|(_, l)| !l.is_empty())
        .ok_or_else(|| format(1, "the file is empty"))?;
    let header: AuditHeader = serde_json::from_slice(header_line)
        .map_err(|e| format(1, format!("not an audit log header: {e}")))?;
    if header.format != FORMAT {
        return Err(format(1, format!("not an audit log ({:?})", header.format)));
    }
    if header.version != VERSION {
        return Err(format(
            1,
            format!("version {} (this build reads {VERSION})", header.version),
        ));
    }
    let device = hex32(&header.device)
        .and_then(|k| PublicKey::from_bytes(&k).ok())
        .ok_or_else(|| format(1, format!("{:?} is not a device id", header.device)))?;
    // (line, seq, hash) of the last event read.
    let mut last: Option<(usize, i64, [u8; 32])> = None;
    let mut count = 0u64;
    let mut statements = 0u64;
    let mut end: Option<(usize, End)> = None;
    let mut last_line = 1;
    for (n, line) in lines {
        last_line = n;
        if end.is_some() {
            return Err(format(n, "a line after the signed end"));
        }
        if line.starts_with(b"{\"end\"") {
            let e: EndLine = serde_json::from_slice(line)
                .map_err(|e| format(n, format!("not a signed end: {e}")))?;
            end = Some((n, e.end));
            continue;
        }
        let e: ChainedEvent =
            serde_json::from_slice(line).map_err(|e| format(n, format!("not an event: {e}")))?;
        let prev = hex32(&e.prev).ok_or_else(|| format(n, "`prev` is not a 32-byte hex hash"))?;
        let hash = hex32(&e.hash).ok_or_else(|| format(n, "`hash` is not a 32-byte hex hash"))?;
        let content = event_hash(&prev, e.seq, e.wallet.as_deref(), e.at, &e.kind, &e.detail);
        if content != hash {
            return Err(AuditError::Edited {
                line: n,
                seq: e.seq,
            });
        }
        match last {
            None if prev != GENESIS => {
                return Err(AuditError::NotFromStart {
                    line: n,
                    seq: e.seq,
                });
            }
            None => {}
            Some((before_line, before_seq, before_hash)) => {
                if prev != before_hash {
                    return Err(AuditError::Broken {
                        line: n,
                        seq: e.seq,
                        before_line,
                        before_seq,
                    });
                }
                if e.seq <= before_seq {
                    return Err(AuditError::OutOfOrder {
                        line: n,
                        seq: e.seq,
                        before_seq,
                    });
                }
            }
        }
        if let Some(checked) = signed_statement(&e) {
            checked.map_err(|device| AuditError::DeviceSignature {
                line: n,
                seq: e.seq,
                device,
            })?;
            statements += 1;
        }
        last = Some((n, e.seq, hash));
        count += 1;
    }
    let Some((_, end)) = end else {
        return Err(AuditError::NoEnd { line: last_line });
    };
    let event_line = last.map_or(1, |(l, _, _)| l);
    if end.events != count {
        return Err(AuditError::Count {
            signed: end.events,
            found: count,
            line: event_line,
        });
    }
    let head = last.map_or(GENESIS, |(_, _, h)| h);
    if hex32(&end.head) != Some(head) {
        return Err(AuditError::Head { line: event_line });
    }
    let lowercase = end
        .signature
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let signature: [u8; 64] = hex::decode(&end.signature)
        .ok()
        .filter(|_| lowercase)
        .and_then(|s| s.try_into().ok())
        .ok_or(AuditError::Signature)?;
    device
        .verify(
            &end_message(header_line, count, &head),
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| AuditError::Signature)?;
    Ok(AuditSummary {
        device: header.device,
        name: header.name,
        exported_at: header.exported_at,
        events: count,
        head: hex::encode(head),
        statements,
    })
}

/// The marker before a signed vote in a `voted` event's detail.
pub const SIGNED_VOTE: &str = "; signed vote ";

/// The marker before a member's signed grant in a `granted` event's
/// detail ([`crate::team::Grant`]).
pub const SIGNED_GRANT: &str = "; signed grant ";

/// A `voted` event's signed vote or a `granted` event's signed grant,
/// checked: `None` if the event carries none, `Some(Err(device))` if its
/// signature does not verify (or it is about another wallet).
fn signed_statement(e: &ChainedEvent) -> Option<Result<(), String>> {
    let wallet = e.wallet.as_deref().unwrap_or_default();
    if e.kind == "granted" {
        let json = e.detail.rsplit_once(SIGNED_GRANT)?.1;
        let Ok(g) = serde_json::from_str::<crate::team::Grant>(json) else {
            return Some(Err("(unreadable)".into()));
        };
        let ok = g.wallet_id == wallet && g.verify().is_ok();
        return Some(if ok { Ok(()) } else { Err(g.by) });
    }
    if e.kind != "voted" {
        return None;
    }
    let json = e.detail.rsplit_once(SIGNED_VOTE)?.1;
    let Ok(vote) = serde_json::from_str::<crate::team::Vote>(json) else {
        return Some(Err("(unreadable)".into()));
    };
    Some(vote.verify_in(wallet).map_err(|_| vote.device.clone()))
}
