//! The two FROST ciphersuites behind one small internal trait, so key
//! generation and signing are written once (RFC 9591; frost-core 3.0).

use std::collections::BTreeMap;

use frost_core::keys::{
    KeyPackage, PublicKeyPackage, VerifiableSecretSharingCommitment, VerifyingShare,
};
use frost_core::{Ciphersuite, Identifier};
use frost_ed25519::Ed25519Sha512;
use frost_secp256k1_tr::Secp256K1Sha256TR;
use frost_secp256k1_tr::keys::EvenY;

use crate::error::Abort;
use crate::ids::{Parameters, PartyId, Scheme};
use crate::share::{FrostShare, KeyShare, ShareError, ShareSecret, TaprootShare};

pub(crate) trait FrostSuite: Ciphersuite {
    const SCHEME: Scheme;

    /// Builds (and validates) our key share from the DKG output.
    fn make_share(
        me: PartyId,
        params: Parameters,
        frost: FrostShare<Self>,
        commitments: &BTreeMap<Identifier<Self>, &VerifiableSecretSharingCommitment<Self>>,
    ) -> Result<KeyShare, ShareError>;

    /// The share a refresh of `old` ends with (frost-core's refreshed
    /// packages; Taproot also moves the untweaked verifying shares).
    fn refreshed(old: &KeyShare, frost: FrostShare<Self>) -> Result<KeyShare, ShareError>;

    /// The FROST packages inside a share of this scheme.
    fn packages(share: &KeyShare) -> Option<(&KeyPackage<Self>, &PublicKeyPackage<Self>)>;
}

impl FrostSuite for Secp256K1Sha256TR {
    const SCHEME: Scheme = Scheme::FrostTaproot;

    fn make_share(
        me: PartyId,
        params: Parameters,
        frost: FrostShare<Self>,
        commitments: &BTreeMap<Identifier<Self>, &VerifiableSecretSharingCommitment<Self>>,
    ) -> Result<KeyShare, ShareError> {
        // The untweaked group key P, from the same commitments part3 summed.
        let internal = PublicKeyPackage::from_dkg_commitments(commitments)
            .map_err(|e| ShareError::Malformed(e.to_string()))?;
        KeyShare::new(
            me,
            params,
            ShareSecret::Taproot(TaprootShare { frost, internal }),
        )
    }

    fn refreshed(old: &KeyShare, frost: FrostShare<Self>) -> Result<KeyShare, ShareError> {
        let ShareSecret::Taproot(before) = &old.secret else {
            return Err(ShareError::Inconsistent("not a Taproot share"));
        };
        // Q_i = even(P)_i + t·G for every party, before and after, so the
        // refresh's move of Q_i is the move of even(P)_i (BIP341 tweak).
        let even = before.internal.clone().into_even_y(None);
        let missing = || ShareError::Inconsistent("verifying share missing");
        let mut moved = BTreeMap::new();
        for (id, internal) in even.verifying_shares() {
            let was = before
                .frost
                .public
                .verifying_shares()
                .get(id)
                .ok_or_else(missing)?;
            let is = frost
                .public
                .verifying_shares()
                .get(id)
                .ok_or_else(missing)?;
            let share = internal.to_element() + (is.to_element() - was.to_element());
            moved.insert(*id, VerifyingShare::new(share));
        }
        let internal = PublicKeyPackage::new(moved, *even.verifying_key(), even.min_signers());
        KeyShare::new(
            old.party(),
            old.parameters(),
            ShareSecret::Taproot(TaprootShare { frost, internal }),
        )
    }

    fn packages(share: &KeyShare) -> Option<(&KeyPackage<Self>, &PublicKeyPackage<Self>)> {
        match &share.secret {
            ShareSecret::Taproot(s) => Some((&s.frost.key, &s.frost.public)),
            _ => None,
        }
    }
}

impl FrostSuite for Ed25519Sha512 {
    const SCHEME: Scheme = Scheme::FrostEd25519;

    fn make_share(
        me: PartyId,
        params: Parameters,
        frost: FrostShare<Self>,
        _commitments: &BTreeMap<Identifier<Self>, &VerifiableSecretSharingCommitment<Self>>,
    ) -> Result<KeyShare, ShareError> {
        KeyShare::new(me, params, ShareSecret::Ed25519(frost))
    }

    fn refreshed(old: &KeyShare, frost: FrostShare<Self>) -> Result<KeyShare, ShareError> {
        KeyShare::new(old.party(), old.parameters(), ShareSecret::Ed25519(frost))
    }

    fn packages(share: &KeyShare) -> Option<(&KeyPackage<Self>, &PublicKeyPackage<Self>)> {
        match &share.secret {
            ShareSecret::Ed25519(s) => Some((&s.key, &s.public)),
            _ => None,
        }
    }
}

/// The party a FROST identifier stands for.
pub(crate) fn party_of<C: Ciphersuite>(id: &Identifier<C>, params: Parameters) -> Option<PartyId> {
    params
        .all()
        .find(|p| Identifier::<C>::try_from(u16::from(p.get())).ok().as_ref() == Some(id))
}

/// A FROST library error as an abort, naming the culprit when it has one.
pub(crate) fn abort<C: FrostSuite>(err: frost_core::Error<C>, params: Parameters) -> Abort {
    match err.culprits().first().and_then(|id| party_of(id, params)) {
        Some(culprit) => Abort::Misbehaved {
            culprit,
            reason: err.to_string(),
        },
        None => Abort::Unattributed {
            scheme: C::SCHEME,
            reason: err.to_string(),
        },
    }
}
