//! Identifiers shared by every protocol: the scheme, a party, a session and the
//! `t`-of-`n` parameters. Each is built only through a checked constructor, so a
//! value that exists is valid.

use core::fmt;
use core::str::FromStr;

use crate::error::ParamsError;

/// The largest group Accord supports (issue 2: `2 ≤ t ≤ n ≤ 16`).
pub const MAX_PARTIES: u16 = 16;

/// One of the three threshold signature schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// FROST(secp256k1, SHA-256) with the BIP341 key-path tweak: BIP340 signatures
    /// valid for the Taproot output key.
    FrostTaproot,
    /// FROST(Ed25519, SHA-512) (RFC 9591): RFC 8032 signatures.
    FrostEd25519,
    /// DKLs23 threshold ECDSA on secp256k1: low-s signatures with a recovery id.
    Ecdsa,
}

impl Scheme {
    /// All schemes, in wire-code order.
    pub const ALL: [Scheme; 3] = [Scheme::FrostTaproot, Scheme::FrostEd25519, Scheme::Ecdsa];

    /// The one-byte code used in envelopes and serialized shares.
    pub const fn code(self) -> u8 {
        match self {
            Scheme::FrostTaproot => 1,
            Scheme::FrostEd25519 => 2,
            Scheme::Ecdsa => 3,
        }
    }

    /// The scheme with this wire code, if any.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Scheme::FrostTaproot),
            2 => Some(Scheme::FrostEd25519),
            3 => Some(Scheme::Ecdsa),
            _ => None,
        }
    }

    /// The stable name used on the command line and in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Scheme::FrostTaproot => "frost-taproot",
            Scheme::FrostEd25519 => "frost-ed25519",
            Scheme::Ecdsa => "ecdsa",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scheme name that is not one of `frost-taproot`, `frost-ed25519`, `ecdsa`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scheme {0:?}: expected frost-taproot, frost-ed25519 or ecdsa")]
pub struct UnknownScheme(pub String);

impl FromStr for Scheme {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.name() == s)
            .ok_or_else(|| UnknownScheme(s.to_owned()))
    }
}

/// A party in a group: `1..=16`. Party ids are the FROST identifiers and the
/// DKLs23 party indices of the same party.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartyId(u8);

impl PartyId {
    /// A party id in `1..=MAX_PARTIES`, or `None`.
    pub const fn new(id: u16) -> Option<Self> {
        if id >= 1 && id <= MAX_PARTIES {
            Some(PartyId(id as u8))
        } else {
            None
        }
    }

    /// The id as a number.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Parties `1..=n`.
    pub fn range(n: u16) -> impl Iterator<Item = PartyId> {
        (1..=n.min(MAX_PARTIES)).filter_map(PartyId::new)
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "party {}", self.0)
    }
}

/// A 32-byte session id chosen at random by the session's initiator. Every
/// envelope carries it; DKLs23 also binds it into its transcripts.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(pub [u8; 32]);

impl SessionId {
    /// A fresh random session id.
    pub fn random(rng: &mut (impl rand_core::RngCore + rand_core::CryptoRng)) -> Self {
        let mut id = [0u8; 32];
        rng.fill_bytes(&mut id);
        SessionId(id)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId(")?;
        for byte in &self.0[..4] {
            write!(f, "{byte:02x}")?;
        }
        write!(f, "…)")
    }
}

/// Validated `t`-of-`n` parameters: `2 ≤ threshold ≤ parties ≤ 16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Parameters {
    threshold: u16,
    parties: u16,
}

impl Parameters {
    /// `threshold`-of-`parties`, checked.
    pub fn new(threshold: u16, parties: u16) -> Result<Self, ParamsError> {
        if threshold < 2 || threshold > parties || parties > MAX_PARTIES {
            return Err(ParamsError::OutOfRange { threshold, parties });
        }
        Ok(Parameters { threshold, parties })
    }

    /// `t`: how many parties must sign.
    pub const fn threshold(self) -> u16 {
        self.threshold
    }

    /// `n`: how many parties hold a share.
    pub const fn parties(self) -> u16 {
        self.parties
    }

    /// Every party of the group, `1..=n`.
    pub fn all(self) -> impl Iterator<Item = PartyId> {
        PartyId::range(self.parties)
    }

    /// Whether `party` is a member of the group.
    pub fn contains(self, party: PartyId) -> bool {
        u16::from(party.get()) <= self.parties
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_bounds() {
        assert!(Parameters::new(2, 2).is_ok());
        assert!(Parameters::new(16, 16).is_ok());
        assert!(Parameters::new(1, 3).is_err());
        assert!(Parameters::new(4, 3).is_err());
        assert!(Parameters::new(2, 17).is_err());
    }

    #[test]
    fn scheme_codes_and_names_round_trip() {
        for scheme in Scheme::ALL {
            assert_eq!(Scheme::from_code(scheme.code()), Some(scheme));
            assert_eq!(scheme.name().parse::<Scheme>(), Ok(scheme));
        }
        assert_eq!(Scheme::from_code(0), None);
        assert!("schnorr".parse::<Scheme>().is_err());
    }

    #[test]
    fn party_ids() {
        assert!(PartyId::new(0).is_none());
        assert!(PartyId::new(17).is_none());
        assert_eq!(PartyId::range(3).count(), 3);
    }
}
