//! Ethereum addresses: the last 20 bytes of the Keccak-256 of the
//! uncompressed secp256k1 public key (without its `0x04` prefix), written
//! with the EIP-55 mixed-case checksum.
//!
//! [`from_public_key`] takes the wallet's group key as SEC1 bytes (33-byte
//! compressed, as `accord-mpc` gives it, or 65-byte uncompressed); [`parse`]
//! takes text from a user and refuses a mixed-case address whose EIP-55
//! checksum is wrong (a typo), while all-lowercase and all-uppercase
//! addresses, which carry no checksum, are accepted. [`checksummed`] is the
//! one text form Accord shows.

use alloy_primitives::Address;
use k256::ecdsa::VerifyingKey;

/// Why bytes or text are not an Ethereum address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Not a 33-byte compressed or 65-byte uncompressed SEC1 key.
    #[error(
        "a secp256k1 public key is 33 bytes (02/03 ‖ x) or 65 bytes (04 ‖ x ‖ y), not {len} bytes starting with {prefix:#04x}"
    )]
    KeyEncoding {
        /// The length given.
        len: usize,
        /// The first byte (0 when empty).
        prefix: u8,
    },
    /// The bytes are shaped like a key but are not a point on secp256k1.
    #[error("the public key is not a point on secp256k1")]
    NotOnCurve,
    /// Not `0x` followed by 40 hex digits.
    #[error("{0:?} is not an Ethereum address (0x followed by 40 hex digits)")]
    Syntax(String),
    /// Mixed case whose EIP-55 checksum does not match: probably a typo.
    #[error("{given:?} has a wrong EIP-55 checksum (expected {expected})")]
    Checksum {
        /// The text given.
        given: String,
        /// The correctly checksummed address.
        expected: String,
    },
}

/// The address of a secp256k1 public key in SEC1 form (33 or 65 bytes).
pub fn from_public_key(sec1: &[u8]) -> Result<Address, AddressError> {
    let shape_ok = matches!(
        (sec1.len(), sec1.first()),
        (33, Some(0x02 | 0x03)) | (65, Some(0x04))
    );
    if !shape_ok {
        return Err(AddressError::KeyEncoding {
            len: sec1.len(),
            prefix: sec1.first().copied().unwrap_or(0),
        });
    }
    let key = VerifyingKey::from_sec1_bytes(sec1).map_err(|_| AddressError::NotOnCurve)?;
    Ok(from_verifying_key(&key))
}

/// The address of a k256 public key.
pub(crate) fn from_verifying_key(key: &VerifyingKey) -> Address {
    let point = key.to_sec1_point(false);
    // 65 bytes: 0x04 ‖ x ‖ y; the address hashes x ‖ y.
    let xy = point.as_bytes().get(1..).unwrap_or_default();
    Address::from_raw_public_key(xy)
}

/// Parses `0x` + 40 hex digits. All-lowercase or all-uppercase digits carry
/// no checksum and are accepted; mixed case must be a valid EIP-55 checksum.
pub fn parse(text: &str) -> Result<Address, AddressError> {
    let syntax = || AddressError::Syntax(text.to_owned());
    let digits = text.strip_prefix("0x").ok_or_else(syntax)?;
    if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(syntax());
    }
    let mut bytes = [0u8; 20];
    hex::decode_to_slice(digits, &mut bytes).map_err(|_| syntax())?;
    let address = Address::from(bytes);
    let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        let expected = checksummed(&address);
        if expected != text {
            return Err(AddressError::Checksum {
                given: text.to_owned(),
                expected,
            });
        }
    }
    Ok(address)
}

/// The EIP-55 text form, e.g. `0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045`.
pub fn checksummed(address: &Address) -> String {
    address.to_checksum(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // The four EIP-55 examples from the EIP itself (all-caps, all-lower digits, normal).
    const EIP55: [&str; 4] = [
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ];

    #[test]
    fn eip55_examples_round_trip() {
        for text in EIP55 {
            let address = parse(text).unwrap();
            assert!(checksummed(&address).eq_ignore_ascii_case(text));
        }
        assert_eq!(
            checksummed(&parse(EIP55[3]).unwrap()),
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        );
    }

    #[test]
    fn refuses_bad_checksum_and_bad_syntax() {
        // One letter's case flipped.
        let typo = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        assert!(matches!(parse(typo), Err(AddressError::Checksum { .. })));
        for bad in [
            "",
            "0x",
            "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
            " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0x+aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        ] {
            assert!(
                matches!(parse(bad), Err(AddressError::Syntax(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn address_of_known_keys() {
        // Private key 1: G itself. Its address is well known.
        let g_compressed =
            hex::decode("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
                .unwrap();
        let g_uncompressed = hex::decode(
            "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\
             483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8",
        )
        .unwrap();
        let expected = parse("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf").unwrap();
        assert_eq!(from_public_key(&g_compressed).unwrap(), expected);
        assert_eq!(from_public_key(&g_uncompressed).unwrap(), expected);
        // Anvil's first dev account (private key 0xac09…ff80), compressed.
        let anvil0 =
            hex::decode("038318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed75")
                .unwrap();
        assert_eq!(
            checksummed(&from_public_key(&anvil0).unwrap()),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
    }

    #[test]
    fn refuses_bad_keys() {
        assert!(matches!(
            from_public_key(&[]),
            Err(AddressError::KeyEncoding { len: 0, .. })
        ));
        let mut key = [0u8; 33];
        key[0] = 0x04;
        assert!(matches!(
            from_public_key(&key),
            Err(AddressError::KeyEncoding { .. })
        ));
        // x = 5 has no point on secp256k1 (x³ + 7 = 132 is not a square mod p).
        key[0] = 0x02;
        key[32] = 5;
        assert_eq!(from_public_key(&key), Err(AddressError::NotOnCurve));
        let mut key = [0xffu8; 65];
        key[0] = 0x04;
        assert_eq!(from_public_key(&key), Err(AddressError::NotOnCurve));
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..70), text in "\\PC{0,50}") {
            let _ = from_public_key(&bytes);
            let _ = parse(&text);
        }

        #[test]
        fn checksummed_parses_back(bytes in any::<[u8; 20]>()) {
            let address = Address::from(bytes);
            prop_assert_eq!(parse(&checksummed(&address)).unwrap(), address);
            prop_assert_eq!(parse(&checksummed(&address).to_lowercase()).unwrap(), address);
        }
    }
}
