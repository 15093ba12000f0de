//! P2TR addresses (BIP341 key-path output, BIP350 bech32m) from a FROST
//! group's Taproot output key, and parsing that checks the network.

use core::str::FromStr;

use bitcoin::Address;
use bitcoin::key::TweakedPublicKey;
use bitcoin::secp256k1::XOnlyPublicKey;

use super::Network;

/// Why a key or address is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Not a 32-byte x-only key on the curve.
    #[error(
        "not a Taproot output key: expected 32 bytes of an x-only secp256k1 key, got {len} bytes{detail}"
    )]
    BadKey {
        /// The length given.
        len: usize,
        /// What else was wrong.
        detail: String,
    },
    /// Not an address (bad characters, checksum, witness program).
    #[error("invalid Bitcoin address {address:?}: {reason}")]
    Invalid {
        /// The text.
        address: String,
        /// Why.
        reason: String,
    },
    /// A valid address of another network.
    #[error("{address} is not a {expected} address")]
    WrongNetwork {
        /// The text.
        address: String,
        /// The network asked for.
        expected: Network,
    },
}

/// The x-only output key `Q` from 32 bytes.
pub fn output_key(bytes: &[u8]) -> Result<TweakedPublicKey, AddressError> {
    let key = XOnlyPublicKey::from_slice(bytes).map_err(|e| AddressError::BadKey {
        len: bytes.len(),
        detail: if bytes.len() == 32 {
            format!(" ({e})")
        } else {
            String::new()
        },
    })?;
    // The FROST group key is already BIP341-tweaked (accord-mpc's convention).
    Ok(TweakedPublicKey::dangerous_assume_tweaked(key))
}

/// The P2TR address paying to output key `Q` on `network`.
pub fn p2tr(output_key_bytes: &[u8], network: Network) -> Result<Address, AddressError> {
    Ok(Address::p2tr_tweaked(
        output_key(output_key_bytes)?,
        network.to_bitcoin(),
    ))
}

/// Parses an address of any type, requiring `network`.
pub fn parse(text: &str, network: Network) -> Result<Address, AddressError> {
    let unchecked = bitcoin::Address::from_str(text.trim()).map_err(|e| AddressError::Invalid {
        address: text.to_owned(),
        reason: e.to_string(),
    })?;
    unchecked
        .require_network(network.to_bitcoin())
        .map_err(|_| AddressError::WrongNetwork {
            address: text.to_owned(),
            expected: network,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    // BIP86 test vector, account 0 first receiving address: output key and address.
    const BIP86_OUTPUT_KEY: &str =
        "a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c";
    const BIP86_ADDRESS: &str = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr";

    #[test]
    fn bip86_vector() {
        let key = hex::decode(BIP86_OUTPUT_KEY).unwrap();
        let address = p2tr(&key, Network::Mainnet).unwrap();
        assert_eq!(address.to_string(), BIP86_ADDRESS);
        assert_eq!(parse(BIP86_ADDRESS, Network::Mainnet).unwrap(), address);
    }

    #[test]
    fn bip86_internal_key_tweaks_to_the_output_key() {
        // rust-bitcoin's own BIP341 tweak of the BIP86 internal key gives the
        // output key we treat as already tweaked.
        let internal = XOnlyPublicKey::from_str(
            "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115",
        )
        .unwrap();
        let secp = bitcoin::secp256k1::Secp256k1::verification_only();
        let address = Address::p2tr(&secp, internal, None, bitcoin::Network::Bitcoin);
        assert_eq!(address.to_string(), BIP86_ADDRESS);
    }

    #[test]
    fn networks_and_errors() {
        let key = hex::decode(BIP86_OUTPUT_KEY).unwrap();
        assert!(
            p2tr(&key, Network::Regtest)
                .unwrap()
                .to_string()
                .starts_with("bcrt1p")
        );
        assert!(
            p2tr(&key, Network::Signet)
                .unwrap()
                .to_string()
                .starts_with("tb1p")
        );
        assert!(matches!(
            parse(BIP86_ADDRESS, Network::Testnet),
            Err(AddressError::WrongNetwork { .. })
        ));
        assert!(matches!(
            parse("bc1pnope", Network::Mainnet),
            Err(AddressError::Invalid { .. })
        ));
        assert!(matches!(
            p2tr(&key[..31], Network::Mainnet),
            Err(AddressError::BadKey { len: 31, .. })
        ));
        // Not an x coordinate on the curve.
        assert!(p2tr(&[0xff; 32], Network::Mainnet).is_err());
    }
}
