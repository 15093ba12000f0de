//! The wallet's own keys, to recognise change and to sign only its inputs.

use bitcoin::bip32::{DerivationPath, Fingerprint, KeySource};
use bitcoin::hashes::{Hash, hash160};
use bitcoin::key::TweakedPublicKey;
use bitcoin::secp256k1::XOnlyPublicKey;
use bitcoin::taproot::TapLeafHash;
use bitcoin::{Address, ScriptBuf};
use miniscript::Descriptor;

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

    /// The BIP371 `PSBT_IN/OUT_TAP_BIP32_DERIVATION` entry of the internal
    /// key: no leaf hashes (key path), the empty path, and Bitcoin Core's
    /// fingerprint for a key without a parent — the first 4 bytes of
    /// HASH160 of the key as a compressed point with even Y (`02 ‖ P`).
    pub fn key_origin(&self) -> Option<(XOnlyPublicKey, (Vec<TapLeafHash>, KeySource))> {
        let key = self.internal_key?;
        let mut compressed = [0x02; 33];
        compressed[1..].copy_from_slice(&key.serialize());
        let id = hash160::Hash::hash(&compressed);
        let fingerprint =
            Fingerprint::from(<[u8; 4]>::try_from(&id.as_byte_array()[..4]).unwrap_or_default());
        Some((key, (Vec::new(), (fingerprint, DerivationPath::master()))))
    }

    /// The watch-only output descriptor (BIP-386 `tr(P)`, BIP-380 checksum)
    /// that Bitcoin Core's `importdescriptors` takes: `tr(<P>)#<checksum>`.
    /// `None` without the internal key (`tr(Q)` would tweak `Q` again).
    pub fn descriptor(&self) -> Option<String> {
        let key = self.internal_key?;
        Descriptor::new_tr(key, None).ok().map(|d| d.to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use miniscript::descriptor::DescriptorPublicKey;

    use super::*;

    /// BIP-86's first key, m/86'/0'/0'/0/0: internal key, output key, address.
    const P: &str = "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115";
    const Q: &str = "a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c";
    const ADDRESS: &str = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr";

    fn wallet() -> WalletKeys {
        let (p, q) = (hex::decode(P).unwrap(), hex::decode(Q).unwrap());
        WalletKeys::new(&q, Some(&p), Network::Mainnet).unwrap()
    }

    #[test]
    fn the_descriptor_checks_and_derives_the_wallets_address() {
        let text = wallet().descriptor().unwrap();
        let (body, checksum) = text.split_once('#').unwrap();
        assert_eq!(body, format!("tr({P})"));
        assert_eq!(checksum.len(), 8);
        // Parsed back (the checksum is checked), it pays BIP-86's address.
        let parsed = Descriptor::<DescriptorPublicKey>::from_str(&text).unwrap();
        let address = parsed
            .at_derivation_index(0)
            .unwrap()
            .address(bitcoin::Network::Bitcoin)
            .unwrap();
        assert_eq!(address.to_string(), ADDRESS);
        assert_eq!(wallet().address().to_string(), ADDRESS);
        // One character changed: the checksum no longer matches.
        let broken = text.replacen("tr(c", "tr(d", 1);
        assert!(Descriptor::<DescriptorPublicKey>::from_str(&broken).is_err());
        // Without the internal key there is no descriptor to give.
        let q = hex::decode(Q).unwrap();
        let no_p = WalletKeys::new(&q, None, Network::Mainnet).unwrap();
        assert_eq!(no_p.descriptor(), None);
    }

    #[test]
    fn the_key_origin_follows_bitcoin_cores_convention() {
        let (key, (leaves, (fingerprint, path))) = wallet().key_origin().unwrap();
        assert_eq!(key.to_string(), P);
        assert!(leaves.is_empty());
        assert!(path.is_master());
        let full = bitcoin::PublicKey::from_str(&format!("02{P}")).unwrap();
        let hash = full.pubkey_hash();
        assert_eq!(fingerprint.as_bytes(), &hash.as_byte_array()[..4]);
    }
}
