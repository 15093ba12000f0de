//! Solana addresses: the 32-byte Ed25519 public key itself, shown in base58
//! (Bitcoin alphabet). A FROST-Ed25519 group key *is* the wallet's address.
//! Also the SPL associated token account of a wallet for a mint: the program
//! address found from seeds `[wallet, token program, mint]` under the
//! Associated Token Account program.

use solana_pubkey::Pubkey;

use super::programs::ASSOCIATED_TOKEN_PROGRAM;

/// Why bytes or text are not a Solana address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// A public key must be exactly 32 bytes.
    #[error("a Solana public key is 32 bytes, not {0}")]
    Length(usize),
    /// The bytes are not a point on the Ed25519 curve, so no key can sign for it.
    #[error("{0} is not an Ed25519 public key (not on the curve)")]
    NotOnCurve(String),
    /// The text is not base58, or not exactly 32 bytes, or not in canonical form.
    #[error("{0:?} is not a base58 Solana address")]
    Text(String),
}

/// The wallet address of an Ed25519 group public key (`GroupKey::Ed25519`).
/// Refuses bytes that are not a curve point: nothing could ever sign for
/// such an address.
pub fn from_public_key(key: &[u8]) -> Result<Pubkey, AddressError> {
    let bytes: [u8; 32] = key
        .try_into()
        .map_err(|_| AddressError::Length(key.len()))?;
    let address = Pubkey::new_from_array(bytes);
    if !address.is_on_curve() {
        return Err(AddressError::NotOnCurve(address.to_string()));
    }
    Ok(address)
}

/// Parses a base58 address. The text must be the canonical encoding of
/// exactly 32 bytes (what [`Pubkey`]'s `Display` prints), so one address has
/// one spelling. Program-derived (off-curve) addresses are valid recipients.
pub fn parse(text: &str) -> Result<Pubkey, AddressError> {
    let bad = || AddressError::Text(text.chars().take(64).collect());
    if text.len() > 44 {
        return Err(bad());
    }
    let bytes = bs58::decode(text).into_vec().map_err(|_| bad())?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
    let address = Pubkey::new_from_array(bytes);
    if address.to_string() != text {
        return Err(bad());
    }
    Ok(address)
}

/// The associated token account of `wallet` for `mint` under `token_program`
/// (SPL Token or Token-2022). `None` only if no bump seed gives an off-curve
/// address, which does not happen in practice.
pub fn associated_token_address(
    wallet: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Option<Pubkey> {
    Pubkey::try_find_program_address(
        &[wallet.as_ref(), token_program.as_ref(), mint.as_ref()],
        &ASSOCIATED_TOKEN_PROGRAM,
    )
    .map(|(address, _bump)| address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solana::programs::TOKEN_PROGRAM;
    use proptest::prelude::*;

    #[test]
    fn group_key_to_address_and_back() {
        // The Ed25519 base point (RFC 8032), a valid public key.
        let key = hex::decode("5866666666666666666666666666666666666666666666666666666666666666")
            .unwrap();
        let address = from_public_key(&key).unwrap();
        assert_eq!(address.to_bytes().to_vec(), key);
        assert_eq!(parse(&address.to_string()).unwrap(), address);
    }

    #[test]
    fn refuses_wrong_keys() {
        assert_eq!(from_public_key(&[1; 31]), Err(AddressError::Length(31)));
        assert_eq!(from_public_key(&[1; 33]), Err(AddressError::Length(33)));
        // y = 2 is not on the curve.
        let mut off = [0u8; 32];
        off[0] = 2;
        assert!(matches!(
            from_public_key(&off),
            Err(AddressError::NotOnCurve(_))
        ));
    }

    #[test]
    fn parse_is_strict() {
        for bad in [
            "",
            "0OIl",
            "11111111111111111111111111111111111111111111111",
            "1111111111111111111111111111111",
            " 11111111111111111111111111111111",
            "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v ",
            "EPjFWdd5AufqSSqe",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse("11111111111111111111111111111111").unwrap(),
            Pubkey::new_from_array([0; 32])
        );
    }

    #[test]
    fn associated_token_address_is_a_program_address() {
        // Compared with spl-associated-token-account-interface's derivation in
        // tests/solana_foreign.rs, and checked by the ATA program in LiteSVM.
        let wallet = parse("GNkHz1tbX9ZCc1yq9tKpZqvZqGqKX9L2pHLSPJQ3pyRw").unwrap();
        let mint = parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v").unwrap();
        let ata = associated_token_address(&wallet, &mint, &TOKEN_PROGRAM).unwrap();
        assert!(!ata.is_on_curve());
        assert_ne!(ata, wallet);
        let other =
            associated_token_address(&wallet, &mint, &crate::solana::programs::TOKEN_2022_PROGRAM);
        assert_ne!(Some(ata), other);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,60}") {
            let _ = parse(&s);
        }

        #[test]
        fn display_parse_round_trip(bytes in any::<[u8; 32]>()) {
            let a = Pubkey::new_from_array(bytes);
            prop_assert_eq!(parse(&a.to_string()).unwrap(), a);
        }
    }
}
