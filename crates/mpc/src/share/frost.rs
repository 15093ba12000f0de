//! FROST key shares (RFC 9591 §5 / frost-core `KeyPackage` + `PublicKeyPackage`)
//! and their validation. Taproot shares also keep the untweaked group key, so
//! the BIP341 internal key `P` is known and `Q = P + H_TapTweak(P)·G` can be
//! re-checked on load.

use frost_core::keys::{KeyPackage, PublicKeyPackage, VerifyingShare};
use frost_core::{Ciphersuite, Identifier};
use frost_secp256k1_tr::Secp256K1Sha256TR;
use frost_secp256k1_tr::keys::{EvenY, Tweak};
use zeroize::Zeroizing;

use super::{GroupKey, ShareError};
use crate::ids::{Parameters, PartyId};

/// A FROST key package and the group's public key package.
pub(crate) struct FrostShare<C: Ciphersuite> {
    pub key: KeyPackage<C>,
    pub public: PublicKeyPackage<C>,
}

/// The FROST identifier of a party.
pub(crate) fn identifier<C: Ciphersuite>(party: PartyId) -> Result<Identifier<C>, ShareError> {
    Identifier::try_from(u16::from(party.get()))
        .map_err(|_| ShareError::Inconsistent("party id is not a FROST identifier"))
}

fn serialize_key<C: Ciphersuite>(public: &PublicKeyPackage<C>) -> Result<Vec<u8>, ShareError> {
    public
        .verifying_key()
        .serialize()
        .map_err(|_| ShareError::Inconsistent("group key is the identity"))
}

impl<C: Ciphersuite> FrostShare<C> {
    /// Checks the share against the group.
    fn check(&self, me: PartyId, params: Parameters) -> Result<(), ShareError> {
        let id = identifier::<C>(me)?;
        let t = params.threshold();
        if *self.key.identifier() != id {
            return Err(ShareError::Inconsistent("share belongs to another party"));
        }
        if *self.key.min_signers() != t || self.public.min_signers() != Some(t) {
            return Err(ShareError::Inconsistent("threshold does not match"));
        }
        if VerifyingShare::<C>::from(*self.key.signing_share()) != *self.key.verifying_share() {
            return Err(ShareError::Inconsistent(
                "secret share does not match its verifying share",
            ));
        }
        if self.public.verifying_key() != self.key.verifying_key() {
            return Err(ShareError::Inconsistent("group key does not match"));
        }
        let shares = self.public.verifying_shares();
        if shares.len() != usize::from(params.parties()) {
            return Err(ShareError::Inconsistent("wrong number of verifying shares"));
        }
        for party in params.all() {
            if !shares.contains_key(&identifier::<C>(party)?) {
                return Err(ShareError::Inconsistent("verifying share missing"));
            }
        }
        if shares.get(&id) != Some(self.key.verifying_share()) {
            return Err(ShareError::Inconsistent(
                "our verifying share does not match",
            ));
        }
        Ok(())
    }

    /// Every verifying share lies on one polynomial of degree t−1 whose value
    /// at 0 is the group key (RFC 9591 §4.1 Lagrange interpolation in the
    /// exponent, frost-core's coefficients): a tampered public package, or a
    /// group key swapped with consistent-looking shares, is refused.
    pub(crate) fn check_interpolation(&self, params: Parameters) -> Result<(), ShareError> {
        use frost_core::{Group, compute_lagrange_coefficient};
        let bad =
            || ShareError::Inconsistent("verifying shares do not interpolate to the group key");
        let shares = self.public.verifying_shares();
        let ids: Vec<Identifier<C>> = shares.keys().copied().collect();
        let (base, rest) = ids.split_at(usize::from(params.threshold()).min(ids.len()));
        let base_set: std::collections::BTreeSet<Identifier<C>> = base.iter().copied().collect();
        let at = |x: Option<Identifier<C>>| -> Result<<C::Group as Group>::Element, ShareError> {
            let mut acc = <C::Group as Group>::identity();
            for i in base {
                let lambda = compute_lagrange_coefficient(&base_set, x, *i).map_err(|_| bad())?;
                let y = shares.get(i).ok_or_else(bad)?.to_element();
                acc = acc + y * lambda;
            }
            Ok(acc)
        };
        if at(None)? != self.public.verifying_key().to_element() {
            return Err(bad());
        }
        for j in rest {
            if at(Some(*j))? != shares.get(j).ok_or_else(bad)?.to_element() {
                return Err(bad());
            }
        }
        Ok(())
    }

    fn parts(&self) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), ShareError> {
        let key = self
            .key
            .serialize()
            .map_err(|e| ShareError::Malformed(e.to_string()))?;
        let public = self
            .public
            .serialize()
            .map_err(|e| ShareError::Malformed(e.to_string()))?;
        Ok((Zeroizing::new(key), public))
    }

    fn from_parts(key: &[u8], public: &[u8]) -> Result<Self, ShareError> {
        Ok(FrostShare {
            key: KeyPackage::deserialize(key).map_err(|e| ShareError::Malformed(e.to_string()))?,
            public: PublicKeyPackage::deserialize(public)
                .map_err(|e| ShareError::Malformed(e.to_string()))?,
        })
    }

    pub(crate) fn to_body(&self) -> Result<Zeroizing<Vec<u8>>, ShareError> {
        let (key, public) = self.parts()?;
        postcard_body(&(key.as_slice(), public.as_slice()))
    }

    pub(crate) fn public_bytes(&self) -> Result<Vec<u8>, ShareError> {
        self.public
            .serialize()
            .map_err(|e| ShareError::Malformed(e.to_string()))
    }

    pub(crate) fn from_body(body: &[u8]) -> Result<Self, ShareError> {
        let (key, public): (Vec<u8>, Vec<u8>) = postcard_exact(body)?;
        let key = Zeroizing::new(key);
        Self::from_parts(&key, &public)
    }
}

impl FrostShare<frost_ed25519::Ed25519Sha512> {
    /// Validates an Ed25519 share and returns its group key.
    pub(crate) fn validate(&self, me: PartyId, params: Parameters) -> Result<GroupKey, ShareError> {
        self.check(me, params)?;
        let key: [u8; 32] = serialize_key(&self.public)?
            .try_into()
            .map_err(|_| ShareError::Inconsistent("Ed25519 key is not 32 bytes"))?;
        Ok(GroupKey::Ed25519(key))
    }
}

/// A FROST(secp256k1, Taproot) share: the DKG output (already BIP341-tweaked
/// by `frost-secp256k1-tr`'s post-processing) and the untweaked group key.
pub(crate) struct TaprootShare {
    pub frost: FrostShare<Secp256K1Sha256TR>,
    pub internal: PublicKeyPackage<Secp256K1Sha256TR>,
}

fn x_only(compressed: &[u8]) -> Result<[u8; 32], ShareError> {
    compressed
        .get(1..33)
        .and_then(|x| <[u8; 32]>::try_from(x).ok())
        .ok_or(ShareError::Inconsistent("secp256k1 key is not 33 bytes"))
}

impl TaprootShare {
    pub(crate) fn validate(&self, me: PartyId, params: Parameters) -> Result<GroupKey, ShareError> {
        self.frost.check(me, params)?;
        // The tweak is applied exactly once, by the library, with no script tree.
        if self.internal.clone().tweak::<&[u8]>(None) != self.frost.public {
            return Err(ShareError::Inconsistent(
                "output key is not the BIP341 tweak of the internal key",
            ));
        }
        let output_key = x_only(&serialize_key(&self.frost.public)?)?;
        let internal = self.internal.clone().into_even_y(None);
        let internal_key = x_only(&serialize_key(&internal)?)?;
        Ok(GroupKey::Taproot {
            output_key,
            internal_key,
        })
    }

    pub(crate) fn public_bytes(&self) -> Result<Vec<u8>, ShareError> {
        let mut out = self.frost.public_bytes()?;
        out.extend(
            self.internal
                .serialize()
                .map_err(|e| ShareError::Malformed(e.to_string()))?,
        );
        Ok(out)
    }

    pub(crate) fn to_body(&self) -> Result<Zeroizing<Vec<u8>>, ShareError> {
        let (key, public) = self.frost.parts()?;
        let internal = self
            .internal
            .serialize()
            .map_err(|e| ShareError::Malformed(e.to_string()))?;
        postcard_body(&(key.as_slice(), public.as_slice(), internal.as_slice()))
    }

    pub(crate) fn from_body(body: &[u8]) -> Result<Self, ShareError> {
        let (key, public, internal): (Vec<u8>, Vec<u8>, Vec<u8>) = postcard_exact(body)?;
        let key = Zeroizing::new(key);
        Ok(TaprootShare {
            frost: FrostShare::from_parts(&key, &public)?,
            internal: PublicKeyPackage::deserialize(&internal)
                .map_err(|e| ShareError::Malformed(e.to_string()))?,
        })
    }
}

pub(crate) fn postcard_body<T: serde::Serialize>(
    value: &T,
) -> Result<Zeroizing<Vec<u8>>, ShareError> {
    postcard::to_allocvec(value)
        .map(Zeroizing::new)
        .map_err(|e| ShareError::Malformed(e.to_string()))
}

pub(crate) fn postcard_exact<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ShareError> {
    match postcard::take_from_bytes::<T>(body) {
        Ok((value, [])) => Ok(value),
        Ok(_) => Err(ShareError::Malformed("trailing bytes".into())),
        Err(e) => Err(ShareError::Malformed(e.to_string())),
    }
}
