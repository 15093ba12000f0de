//! The wallet's own keys, to recognise change and to sign only its inputs.

use bitcoin::key::TweakedPublicKey;
use bitcoin::secp256k1::XOnlyPublicKey;
use bitcoin::{Address, ScriptBuf};

use super::Network;
use super::address::{AddressError, output_key};

/// A FROST Taproot wallet: its output key `Q`, optionally its internal key
/// `P` (for the BIP371 `tap_internal_key` fields), and its network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalletKeys {
    /// `Q`: what the address pays to and signatures verify under.
    pub output_key: TweakedPublicKey,
    /// `P`, when known.
    pub internal_key: Option<XOnlyPublicKey>,
    /// The network.
    pub network: Network,
}

impl WalletKeys {
    /// From the 32-byte output key (and internal key, if known).
    pub fn new(
        output_key_bytes: &[u8],
        internal_key_bytes: Option<&[u8]>,
        network: Network,
    ) -> Result<Self, AddressError> {
        let internal_key = internal_key_bytes
            .map(|b| {
                XOnlyPublicKey::from_slice(b).map_err(|e| AddressError::BadKey {
                    len: b.len(),
                    detail: format!(" ({e})"),
                })
            })
            .transpose()?;
        Ok(WalletKeys {
            output_key: output_key(output_key_bytes)?,
            internal_key,
            network,
        })
    }

    /// `OP_1 <Q>`.
    pub fn script_pubkey(&self) -> ScriptBuf {
        ScriptBuf::new_p2tr_tweaked(self.output_key)
    }

    /// The wallet's address.
    pub fn address(&self) -> Address {
        Address::p2tr_tweaked(self.output_key, self.network.to_bitcoin())
    }
}
