//! Sealed blobs: XChaCha20-Poly1305 (RFC 8439 ChaCha20-Poly1305 with the
//! 192-bit-nonce XChaCha construction, draft-irtf-cfrg-xchacha), so random
//! nonces never collide. Layout: `"ACSL"` ‖ version 1 ‖ 24-byte nonce ‖
//! ciphertext and tag. The associated data binds a blob to its place (wallet,
//! scheme, party), so a blob copied elsewhere does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

const MAGIC: &[u8; 4] = b"ACSL";
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = MAGIC.len() + 1 + NONCE_LEN;

/// A 256-bit key that wraps secrets. Zeroized on drop; never printed.
pub struct WrappingKey(Zeroizing<[u8; 32]>);

impl WrappingKey {
    /// From 32 secret bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        WrappingKey(Zeroizing::new(bytes))
    }

    /// A fresh random key.
    pub fn random(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(key.as_mut());
        WrappingKey(key)
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("WrappingKey(<redacted>)")
    }
}

/// Why a sealed blob does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// Not a sealed blob of a version this build reads.
    #[error("not a sealed secret (bad header)")]
    Format,
    /// Authentication failed: the wrong key, the wrong place, or altered bytes.
    #[error("the secret does not open: wrong key, or the data was altered")]
    Authentication,
}

/// Seals `plaintext`, bound to `aad`.
pub fn seal(
    key: &WrappingKey,
    plaintext: &[u8],
    aad: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    // Encryption with a valid key and in-memory buffers cannot fail.
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(HEADER_LEN + ciphertext.len());
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Opens a blob sealed with `key` for `aad`.
pub fn open(key: &WrappingKey, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let Some((header, ciphertext)) = sealed.split_first_chunk::<HEADER_LEN>() else {
        return Err(SealError::Format);
    };
    if &header[..4] != MAGIC || header[4] != VERSION {
        return Err(SealError::Format);
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&header[5..]);
    let nonce = XNonce::from(nonce);
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SealError::Authentication)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_core::OsRng;

    #[test]
    fn round_trip_and_refusals() {
        let key = WrappingKey::random(&mut OsRng);
        let sealed = seal(&key, b"share bytes", b"wallet-1/ecdsa/2", &mut OsRng);
        assert_eq!(
            &*open(&key, &sealed, b"wallet-1/ecdsa/2").unwrap(),
            b"share bytes"
        );
        assert_eq!(
            open(&key, &sealed, b"wallet-2/ecdsa/2"),
            Err(SealError::Authentication)
        );
        let other = WrappingKey::random(&mut OsRng);
        assert_eq!(
            open(&other, &sealed, b"wallet-1/ecdsa/2"),
            Err(SealError::Authentication)
        );
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert_eq!(
            open(&key, &altered, b"wallet-1/ecdsa/2"),
            Err(SealError::Authentication)
        );
        assert_eq!(open(&key, &sealed[..10], b""), Err(SealError::Format));
        assert_eq!(format!("{key:?}"), "WrappingKey(<redacted>)");
        // Random nonces: the same plaintext seals differently.
        assert_ne!(
            sealed,
            seal(&key, b"share bytes", b"wallet-1/ecdsa/2", &mut OsRng)
        );
    }

    proptest! {
        #[test]
        fn open_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let key = WrappingKey::from_bytes([7; 32]);
            let _ = open(&key, &bytes, b"");
        }
    }
}
