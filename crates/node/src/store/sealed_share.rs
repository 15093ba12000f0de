//! A share as stored: sealed (XChaCha20-Poly1305 under the store's
//! wrapping key, bound to its wallet, scheme and party), read under the
//! store's lock and opened outside it — opening validates the share, which
//! computes, and a hundred co-signings at once should not wait for each
//! other's validation to reach the store.

use std::sync::Arc;

use accord_mpc::{KeyShare, Scheme};

use super::{StoreError, share_aad};
use crate::secret::{self, SealError, WrappingKey};

/// A sealed share with what opens it.
pub struct SealedShare {
    pub(super) sealed: Vec<u8>,
    pub(super) key: Arc<WrappingKey>,
    pub(super) wallet_id: String,
    pub(super) wallet_name: String,
    pub(super) party: u8,
    pub(super) scheme: Scheme,
}

impl core::fmt::Debug for SealedShare {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealedShare")
            .field("wallet", &self.wallet_name)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl SealedShare {
    /// Opens and validates the share: it must be this device's party's
    /// share of this scheme.
    pub fn open(&self) -> Result<KeyShare, StoreError> {
        let corrupt = |reason: String| StoreError::CorruptShare {
            wallet: self.wallet_name.clone(),
            scheme: self.scheme,
            reason,
        };
        let bytes = secret::open(
            &self.key,
            &self.sealed,
            &share_aad(&self.wallet_id, self.scheme, self.party),
        )
        .map_err(|e: SealError| corrupt(e.to_string()))?;
        let share = KeyShare::from_bytes(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if share.scheme() != self.scheme || share.party().get() != self.party {
            return Err(corrupt(
                "the share belongs to another party or scheme".into(),
            ));
        }
        Ok(share)
    }
}
