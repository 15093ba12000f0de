//! FROST signing nonces that can be used once, by construction.
//!
//! frost-core's `round2::sign` only borrows `SigningNonces` (and they are
//! `Clone`), so nothing in the library stops a second signature with the same
//! nonces — which reveals the signing share. [`OneTimeNonces`] is not `Clone`,
//! has no accessor, and its only use, [`OneTimeNonces::sign`], takes it by
//! value: after one signature share it is gone (and zeroized by frost-core's
//! `ZeroizeOnDrop`). Nonces never leave memory, so a crash cannot replay them.

use frost_core::keys::KeyPackage;
use frost_core::round1::{self, SigningCommitments, SigningNonces};
use frost_core::round2::{self, SignatureShare};
use frost_core::{Ciphersuite, SigningPackage};
use rand_core::{CryptoRng, RngCore};

pub(crate) struct OneTimeNonces<C: Ciphersuite>(SigningNonces<C>);

impl<C: Ciphersuite> OneTimeNonces<C> {
    /// Fresh nonces (RFC 9591 §5.1 `commit`) and their public commitments.
    pub(crate) fn commit(
        key: &KeyPackage<C>,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> (Self, SigningCommitments<C>) {
        let (nonces, commitments) = round1::commit(key.signing_share(), rng);
        (OneTimeNonces(nonces), commitments)
    }

    /// RFC 9591 §5.2 `sign`, consuming the nonces.
    pub(crate) fn sign(
        self,
        package: &SigningPackage<C>,
        key: &KeyPackage<C>,
    ) -> Result<SignatureShare<C>, frost_core::Error<C>> {
        round2::sign(package, &self.0, key)
        // `self` drops here: the nonces are zeroized.
    }
}
