//! Key shares: what each party keeps after key generation.
//!
//! A [`KeyShare`] exists only validated: key generation builds it from the
//! library's output after checking it, and [`KeyShare::from_bytes`] re-checks
//! everything (checksum, parameters, that the secret share matches its public
//! verifying share and the group key) so a corrupt or mismatched file cannot
//! produce a usable share (STYLE: cggmp21 `key-share/src/valid.rs`).
//!
//! Serialized form, version 1 (integers big-endian):
//! `"ACKS"` ‖ version ‖ scheme ‖ party ‖ threshold ‖ parties ‖ body length (u32)
//! ‖ body ‖ SHA-256 of everything before it. The body is the libraries' own
//! serialization (FROST packages; DKLs23 `Party` through postcard).
//!
//! Secrets are zeroized on drop (the libraries' `ZeroizeOnDrop`, and
//! [`Zeroizing`] for serialized bytes); `Debug` prints only public facts.

mod ecdsa;
mod frost;

use core::fmt;

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub(crate) use self::ecdsa::EcdsaShare;
pub(crate) use self::frost::{FrostShare, TaprootShare};
use crate::ids::{Parameters, PartyId, Scheme};

const MAGIC: &[u8; 4] = b"ACKS";
/// The key share format this build writes.
pub const SHARE_VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 4 + 4;
const CHECKSUM_LEN: usize = 32;

/// Why bytes are not a usable key share.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShareError {
    /// Shorter than the header, body and checksum.
    #[error("key share is truncated")]
    Truncated,
    /// Not a key share at all.
    #[error("not an Accord key share (bad magic bytes)")]
    BadMagic,
    /// A format version this build does not read.
    #[error("unsupported key share version {0}")]
    UnsupportedVersion(u8),
    /// An unknown scheme code.
    #[error("unknown scheme code {0}")]
    UnknownScheme(u8),
    /// Invalid party id or `t`-of-`n`.
    #[error("invalid party or threshold in key share header")]
    BadHeader,
    /// The checksum does not match: the bytes were altered.
    #[error("key share checksum mismatch: the data is corrupt")]
    Checksum,
    /// The body does not parse.
    #[error("malformed key share body: {0}")]
    Malformed(String),
    /// The body parses but is not consistent (wrong party, wrong group, a
    /// secret share that does not match its public share, ...).
    #[error("inconsistent key share: {0}")]
    Inconsistent(&'static str),
}

/// The group's public key in the form each chain needs.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupKey {
    /// BIP341 key-path Taproot: the x-only output key `Q = P + H_TapTweak(P)·G`
    /// (what a P2TR address and BIP340 signatures use) and the x-only internal
    /// key `P` (what a `tr(P)` descriptor and the PSBT `tap_internal_key` use).
    Taproot {
        /// x-only output key `Q`.
        output_key: [u8; 32],
        /// x-only internal key `P` (even y).
        internal_key: [u8; 32],
    },
    /// An Ed25519 public key (RFC 8032 encoding).
    Ed25519([u8; 32]),
    /// A compressed SEC1 secp256k1 key.
    Secp256k1([u8; 33]),
}

impl GroupKey {
    /// The key a verifier and an address use: 32-byte x-only Taproot output
    /// key, 32-byte Ed25519 key, or 33-byte compressed secp256k1 key.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            GroupKey::Taproot { output_key, .. } => output_key.to_vec(),
            GroupKey::Ed25519(key) => key.to_vec(),
            GroupKey::Secp256k1(key) => key.to_vec(),
        }
    }
}

impl fmt::Debug for GroupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupKey::Taproot {
                output_key,
                internal_key,
            } => write!(
                f,
                "Taproot {{ output_key: {}, internal_key: {} }}",
                hex::encode(output_key),
                hex::encode(internal_key)
            ),
            GroupKey::Ed25519(key) => write!(f, "Ed25519({})", hex::encode(key)),
            GroupKey::Secp256k1(key) => write!(f, "Secp256k1({})", hex::encode(key)),
        }
    }
}

pub(crate) enum ShareSecret {
    Taproot(TaprootShare),
    Ed25519(FrostShare<frost_ed25519::Ed25519Sha512>),
    Ecdsa(Box<EcdsaShare>),
}

/// One party's share of a group key. Not `Clone`: there is one copy in memory.
pub struct KeyShare {
    me: PartyId,
    params: Parameters,
    group_key: GroupKey,
    pub(crate) secret: ShareSecret,
    /// A repaired DKLs23 party without its pairwise multiplication state:
    /// it takes part in a refresh, and nothing else (not signing, not
    /// storing).
    hollow: bool,
}

impl fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyShare")
            .field("scheme", &self.scheme())
            .field("party", &self.me)
            .field("threshold", &self.params.threshold())
            .field("parties", &self.params.parties())
            .field("group_key", &self.group_key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl KeyShare {
    /// Validates `secret` for party `me` of a `params` group.
    pub(crate) fn new(
        me: PartyId,
        params: Parameters,
        secret: ShareSecret,
    ) -> Result<Self, ShareError> {
        if !params.contains(me) {
            return Err(ShareError::Inconsistent(
                "party is not a member of the group",
            ));
        }
        let group_key = match &secret {
            ShareSecret::Taproot(s) => s.validate(me, params)?,
            ShareSecret::Ed25519(s) => s.validate(me, params)?,
            ShareSecret::Ecdsa(s) => s.validate(me, params)?,
        };
        Ok(KeyShare {
            me,
            params,
            group_key,
            secret,
            hollow: false,
        })
    }

    /// A repaired ECDSA share: validated but for the multiplication state
    /// it gets only from a refresh with every party.
    pub(crate) fn hollow(
        me: PartyId,
        params: Parameters,
        share: EcdsaShare,
    ) -> Result<Self, ShareError> {
        let group_key = share.validate_hollow(me, params)?;
        Ok(KeyShare {
            me,
            params,
            group_key,
            secret: ShareSecret::Ecdsa(Box::new(share)),
            hollow: true,
        })
    }

    /// Whether this is a repaired share that must be refreshed (with every
    /// party) before it signs or is stored.
    pub fn is_hollow(&self) -> bool {
        self.hollow
    }

    /// The scheme this share signs with.
    pub fn scheme(&self) -> Scheme {
        match self.secret {
            ShareSecret::Taproot(_) => Scheme::FrostTaproot,
            ShareSecret::Ed25519(_) => Scheme::FrostEd25519,
            ShareSecret::Ecdsa(_) => Scheme::Ecdsa,
        }
    }

    /// Our party id.
    pub fn party(&self) -> PartyId {
        self.me
    }

    /// The group's `t`-of-`n`.
    pub fn parameters(&self) -> Parameters {
        self.params
    }

    /// The group public key.
    pub fn group_key(&self) -> GroupKey {
        self.group_key
    }

    /// The group's public key material (group key and every verifying share),
    /// serialized: what all parties must agree on after key generation.
    pub fn public_bytes(&self) -> Result<Vec<u8>, ShareError> {
        match &self.secret {
            ShareSecret::Taproot(s) => s.public_bytes(),
            ShareSecret::Ed25519(s) => s.public_bytes(),
            ShareSecret::Ecdsa(s) => s.public_bytes(),
        }
    }

    /// The versioned, checksummed serialization (secret: store it encrypted).
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>, ShareError> {
        if self.hollow {
            return Err(ShareError::Inconsistent(
                "a repaired share is stored only after the refresh that completes it",
            ));
        }
        let body = match &self.secret {
            ShareSecret::Taproot(s) => s.to_body()?,
            ShareSecret::Ed25519(s) => s.to_body()?,
            ShareSecret::Ecdsa(s) => s.to_body()?,
        };
        let len =
            u32::try_from(body.len()).map_err(|_| ShareError::Malformed("too large".into()))?;
        let mut out = Zeroizing::new(Vec::with_capacity(HEADER_LEN + body.len() + CHECKSUM_LEN));
        out.extend_from_slice(MAGIC);
        out.push(SHARE_VERSION);
        out.push(self.scheme().code());
        out.push(self.me.get());
        // t and n are at most 16.
        out.push(self.params.threshold() as u8);
        out.push(self.params.parties() as u8);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&body);
        let checksum: [u8; 32] = Sha256::digest(out.as_slice()).into();
        out.extend_from_slice(&checksum);
        Ok(out)
    }

    /// Parses and validates a share written by [`KeyShare::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ShareError> {
        let (content, checksum) = bytes
            .split_last_chunk::<CHECKSUM_LEN>()
            .ok_or(ShareError::Truncated)?;
        let (header, body) = content
            .split_first_chunk::<HEADER_LEN>()
            .ok_or(ShareError::Truncated)?;
        let [m0, m1, m2, m3, version, scheme, me, t, n, l0, l1, l2, l3] = *header;
        if [m0, m1, m2, m3] != *MAGIC {
            return Err(ShareError::BadMagic);
        }
        if version != SHARE_VERSION {
            return Err(ShareError::UnsupportedVersion(version));
        }
        let scheme = Scheme::from_code(scheme).ok_or(ShareError::UnknownScheme(scheme))?;
        if u32::from_be_bytes([l0, l1, l2, l3]) as usize != body.len() {
            return Err(ShareError::Truncated);
        }
        let expected: [u8; 32] = Sha256::digest(content).into();
        if &expected != checksum {
            return Err(ShareError::Checksum);
        }
        let me = PartyId::new(me.into()).ok_or(ShareError::BadHeader)?;
        let params = Parameters::new(t.into(), n.into()).map_err(|_| ShareError::BadHeader)?;
        let secret = match scheme {
            Scheme::FrostTaproot => ShareSecret::Taproot(TaprootShare::from_body(body)?),
            Scheme::FrostEd25519 => ShareSecret::Ed25519(FrostShare::from_body(body)?),
            Scheme::Ecdsa => ShareSecret::Ecdsa(Box::new(EcdsaShare::from_body(body)?)),
        };
        let share = KeyShare::new(me, params, secret)?;
        share.check_public()?;
        Ok(share)
    }

    /// The expensive part of validation, run on load (key generation builds
    /// the public package from verified commitments itself): every verifying
    /// share lies on one degree-(t−1) polynomial through the group key.
    pub(crate) fn check_public(&self) -> Result<(), ShareError> {
        match &self.secret {
            ShareSecret::Taproot(s) => s.frost.check_interpolation(self.params),
            ShareSecret::Ed25519(s) => s.check_interpolation(self.params),
            ShareSecret::Ecdsa(s) => s.check_public(self.params),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand_core::OsRng;

    use super::*;
    use crate::sim;

    fn shares(scheme: Scheme) -> Vec<std::sync::Arc<KeyShare>> {
        let params = Parameters::new(2, 3).unwrap_or_else(|_| unreachable!());
        match sim::keygen(scheme, params, &mut OsRng) {
            Ok((shares, _)) => shares,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_tampered_verifying_share_is_refused() {
        // Ed25519: swap party 3's verifying share for party 2's.
        let s = shares(Scheme::FrostEd25519);
        let ShareSecret::Ed25519(frost) = &s[0].secret else {
            panic!("ed25519")
        };
        let mut vs: BTreeMap<_, _> = frost.public.verifying_shares().clone();
        let id2 = frost::identifier(PartyId::new(2).unwrap()).unwrap();
        let id3 = frost::identifier(PartyId::new(3).unwrap()).unwrap();
        let two = vs[&id2];
        vs.insert(id3, two);
        let public = frost_core::keys::PublicKeyPackage::new(
            vs,
            *frost.public.verifying_key(),
            frost.public.min_signers(),
        );
        let tampered = FrostShare {
            key: frost.key.clone(),
            public,
        };
        let err = KeyShare::new(
            s[0].party(),
            s[0].parameters(),
            ShareSecret::Ed25519(tampered),
        )
        .and_then(|k| k.check_public());
        assert!(
            matches!(&err, Err(ShareError::Inconsistent(m)) if m.contains("interpolate")),
            "{err:?}"
        );

        // DKLs23: the same swap.
        let s = shares(Scheme::Ecdsa);
        let ShareSecret::Ecdsa(e) = &s[0].secret else {
            panic!("ecdsa")
        };
        let index = |i| dkls23::protocols::PartyIndex::new(i).unwrap();
        let mut vs = BTreeMap::new();
        for i in 1..=3u8 {
            let from = if i == 3 { 2 } else { i };
            vs.insert(index(i), *e.public.verifying_share(index(from)).unwrap());
        }
        let public = dkls23::protocols::PublicKeyPackage::new(
            *e.public.verifying_key(),
            vs,
            e.party.parameters.clone(),
        );
        let tampered = EcdsaShare {
            party: e.party.clone(),
            public,
        };
        let err = KeyShare::new(
            s[0].party(),
            s[0].parameters(),
            ShareSecret::Ecdsa(Box::new(tampered)),
        )
        .and_then(|k| k.check_public());
        assert!(matches!(err, Err(ShareError::Inconsistent(m)) if m.contains("interpolate")));
    }
}
