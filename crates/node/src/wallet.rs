//! What a wallet is, typed at the edge: its network ([`Network`], parsed
//! once from the command line, the UI or the store) and how faces name one
//! ([`WalletRef`]).

pub use accord_chains::bitcoin::{Network, UnknownNetwork};

/// How a face names a wallet: by its name (the CLI) or its id (the UI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalletRef {
    /// By its unique name on this device.
    Name(String),
    /// By its id (the same on every member).
    Id(String),
}

impl WalletRef {
    /// By name.
    pub fn name(name: impl Into<String>) -> WalletRef {
        WalletRef::Name(name.into())
    }

    /// By id.
    pub fn id(id: impl Into<String>) -> WalletRef {
        WalletRef::Id(id.into())
    }
}

impl core::fmt::Display for WalletRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WalletRef::Name(n) => write!(f, "wallet named {n:?}"),
            WalletRef::Id(id) => write!(f, "wallet with id {id}"),
        }
    }
}

/// The wallet's public keys in the chains crate's form; `None` if a scheme's
/// key is missing or of the wrong kind.
pub fn public_keys(
    keys: &std::collections::BTreeMap<accord_mpc::Scheme, accord_mpc::GroupKey>,
) -> Option<accord_chains::signing::WalletPublicKeys> {
    use accord_mpc::{GroupKey, Scheme};
    let (taproot_output, taproot_internal) = match keys.get(&Scheme::FrostTaproot)? {
        GroupKey::Taproot {
            output_key,
            internal_key,
        } => (*output_key, *internal_key),
        _ => return None,
    };
    let ed25519 = match keys.get(&Scheme::FrostEd25519)? {
        GroupKey::Ed25519(k) => *k,
        _ => return None,
    };
    let ecdsa = match keys.get(&Scheme::Ecdsa)? {
        GroupKey::Secp256k1(k) => *k,
        _ => return None,
    };
    Some(accord_chains::signing::WalletPublicKeys {
        taproot_output,
        taproot_internal: Some(taproot_internal),
        ecdsa,
        ed25519,
    })
}

/// The threshold scheme a chain's signatures need.
pub fn scheme_of(kind: accord_chains::signing::SignatureKind) -> accord_mpc::Scheme {
    use accord_chains::signing::SignatureKind;
    match kind {
        SignatureKind::Bip340 => accord_mpc::Scheme::FrostTaproot,
        SignatureKind::Ecdsa => accord_mpc::Scheme::Ecdsa,
        SignatureKind::Ed25519 => accord_mpc::Scheme::FrostEd25519,
    }
}
