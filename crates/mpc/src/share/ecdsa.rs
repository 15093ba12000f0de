//! DKLs23 key shares (the library's `Party` and `PublicKeyPackage`) and their
//! validation: parameters, party index, and that the secret share matches the
//! public verifying share and the group key.

use std::collections::BTreeSet;

use dkls23::protocols::{Party, PartyIndex, PublicKeyPackage};
use k256::elliptic_curve::sec1::ToSec1Point;
use k256::{ProjectivePoint, Scalar, Secp256k1};
use zeroize::Zeroizing;

use super::frost::{postcard_body, postcard_exact};
use super::{GroupKey, ShareError};
use crate::ids::{Parameters, PartyId};

/// A DKLs23 party after key generation and the group's public key package.
pub(crate) struct EcdsaShare {
    pub party: Party<Secp256k1>,
    pub public: PublicKeyPackage<Secp256k1>,
}

/// The DKLs23 party index of a party.
pub(crate) fn party_index(party: PartyId) -> Result<PartyIndex, ShareError> {
    PartyIndex::new(party.get()).map_err(|_| ShareError::Inconsistent("party index 0"))
}

/// `x_i` as a scalar.
fn x(party: u16) -> Scalar {
    Scalar::from(u64::from(party))
}

/// The Lagrange basis polynomial of `i` over `set`, at `at` (0 when `None`).
fn lagrange(set: &[u16], i: u16, at: Option<u16>) -> Option<Scalar> {
    let mut num = Scalar::ONE;
    let mut den = Scalar::ONE;
    for &k in set.iter().filter(|k| **k != i) {
        num *= at.map_or(Scalar::ZERO, x) - x(k);
        den *= x(i) - x(k);
    }
    Option::<Scalar>::from(den.invert()).map(|inv| num * inv)
}

/// Every verifying share lies on one polynomial of degree t−1 whose value at
/// 0 is the group key (Shamir/Feldman: interpolation in the exponent).
fn check_interpolation(
    public: &PublicKeyPackage<Secp256k1>,
    params: Parameters,
    group_key: k256::AffinePoint,
) -> Result<(), ShareError> {
    let bad = || ShareError::Inconsistent("verifying shares do not interpolate to the group key");
    let all: Vec<u16> = params.all().map(|p| u16::from(p.get())).collect();
    let (base, rest) = all.split_at(usize::from(params.threshold()).min(all.len()));
    let share = |i: u16| -> Result<ProjectivePoint, ShareError> {
        let index = PartyIndex::new(u8::try_from(i).map_err(|_| bad())?).map_err(|_| bad())?;
        public
            .verifying_share(index)
            .map(|p| ProjectivePoint::from(*p))
            .ok_or_else(bad)
    };
    let at = |point: Option<u16>| -> Result<ProjectivePoint, ShareError> {
        let mut acc = ProjectivePoint::IDENTITY;
        for &i in base {
            acc += share(i)? * lagrange(base, i, point).ok_or_else(bad)?;
        }
        Ok(acc)
    };
    if at(None)? != ProjectivePoint::from(group_key) {
        return Err(bad());
    }
    for &j in rest {
        if at(Some(j))? != share(j)? {
            return Err(bad());
        }
    }
    Ok(())
}

impl EcdsaShare {
    pub(crate) fn validate(&self, me: PartyId, params: Parameters) -> Result<GroupKey, ShareError> {
        let key = self.validate_hollow(me, params)?;
        let peers: BTreeSet<PartyIndex> = params
            .all()
            .filter(|p| *p != me)
            .map(party_index)
            .collect::<Result<_, _>>()?;
        let party = &self.party;
        if party.mul_senders.keys().copied().collect::<BTreeSet<_>>() != peers
            || party.mul_receivers.keys().copied().collect::<BTreeSet<_>>() != peers
        {
            return Err(ShareError::Inconsistent(
                "pairwise multiplication state is incomplete",
            ));
        }
        Ok(key)
    }

    /// Everything [`Self::validate`] checks but the pairwise multiplication
    /// state, which a repaired ("hollow") party lacks until a refresh.
    pub(crate) fn validate_hollow(
        &self,
        me: PartyId,
        params: Parameters,
    ) -> Result<GroupKey, ShareError> {
        let party = &self.party;
        let (t, n) = (params.threshold(), params.parties());
        if u16::from(party.parameters.threshold) != t
            || u16::from(party.parameters.share_count) != n
            || u16::from(self.public.threshold()) != t
            || u16::from(self.public.share_count()) != n
        {
            return Err(ShareError::Inconsistent("threshold does not match"));
        }
        let index = party_index(me)?;
        if party.party_index != index {
            return Err(ShareError::Inconsistent("share belongs to another party"));
        }
        if party.pk != *self.public.verifying_key() {
            return Err(ShareError::Inconsistent("group key does not match"));
        }
        let own_public = (ProjectivePoint::GENERATOR * party.poly_point).to_affine();
        if self.public.verifying_share(index) != Some(&own_public) {
            return Err(ShareError::Inconsistent(
                "secret share does not match its verifying share",
            ));
        }
        let encoded = party.pk.to_sec1_point(true);
        let key: [u8; 33] = encoded
            .as_bytes()
            .try_into()
            .map_err(|_| ShareError::Inconsistent("group key is the identity"))?;
        Ok(GroupKey::Secp256k1(key))
    }

    pub(crate) fn public_bytes(&self) -> Result<Vec<u8>, ShareError> {
        postcard::to_allocvec(&self.public).map_err(|e| ShareError::Malformed(e.to_string()))
    }

    /// The public package's consistency (see [`check_interpolation`]).
    pub(crate) fn check_public(&self, params: Parameters) -> Result<(), ShareError> {
        check_interpolation(&self.public, params, self.party.pk)
    }

    pub(crate) fn to_body(&self) -> Result<Zeroizing<Vec<u8>>, ShareError> {
        postcard_body(&(&self.party, &self.public))
    }

    pub(crate) fn from_body(body: &[u8]) -> Result<Self, ShareError> {
        let (party, public) = postcard_exact(body)?;
        Ok(EcdsaShare { party, public })
    }
}
