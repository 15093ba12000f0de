//! The hash of one event of the chain: SHA-256 (FIPS 180-4) over a domain
//! tag, the previous event's hash and every field of the event, each
//! length-prefixed so no two events encode alike.

use sha2::{Digest as _, Sha256};

/// The "previous hash" of a device's first event.
pub const GENESIS: [u8; 32] = [0; 32];

/// Domain separation of the event hashes.
const DOMAIN: &[u8] = b"accord audit event v1\0";

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update(u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_be_bytes());
    h.update(bytes);
}

/// The hash of event `seq` written after the event whose hash is `prev`.
pub fn event_hash(
    prev: &[u8],
    seq: i64,
    wallet: Option<&str>,
    at: i64,
    kind: &str,
    detail: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    field(&mut h, prev);
    h.update(seq.to_be_bytes());
    match wallet {
        None => h.update([0]),
        Some(w) => {
            h.update([1]);
            field(&mut h, w.as_bytes());
        }
    }
    h.update(at.to_be_bytes());
    field(&mut h, kind.as_bytes());
    field(&mut h, detail.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_the_previous_hash_count() {
        let base = event_hash(&GENESIS, 1, Some("w"), 10, "signed", "x");
        assert_ne!(base, event_hash(&[1; 32], 1, Some("w"), 10, "signed", "x"));
        assert_ne!(base, event_hash(&GENESIS, 2, Some("w"), 10, "signed", "x"));
        assert_ne!(base, event_hash(&GENESIS, 1, None, 10, "signed", "x"));
        assert_ne!(base, event_hash(&GENESIS, 1, Some(""), 10, "signed", "x"));
        assert_ne!(base, event_hash(&GENESIS, 1, Some("w"), 11, "signed", "x"));
        assert_ne!(base, event_hash(&GENESIS, 1, Some("w"), 10, "sent", "x"));
        assert_ne!(base, event_hash(&GENESIS, 1, Some("w"), 10, "signed", "y"));
        // Moving bytes between fields changes the hash (length prefixes).
        assert_ne!(
            event_hash(&GENESIS, 1, None, 10, "ab", "c"),
            event_hash(&GENESIS, 1, None, 10, "a", "bc")
        );
        assert_eq!(base, event_hash(&GENESIS, 1, Some("w"), 10, "signed", "x"));
    }
}
