//! Amounts as integers of base units (satoshi, wei, lamport, token base
//! units), never floats. Parsing a decimal string with an asset's decimals is
//! exact or an error; display is exact.

use core::fmt;

use alloy_primitives::U256;

/// An amount in an asset's base units, with the asset's decimals for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount {
    units: U256,
    decimals: u8,
}

/// Why a decimal string is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AmountError {
    /// Empty, a sign, an exponent, several points, or a non-digit.
    #[error("{0:?} is not a decimal amount (digits with at most one '.')")]
    Syntax(String),
    /// More fractional digits than the asset has decimals.
    #[error("{input:?} has more than {decimals} decimal places")]
    TooPrecise {
        /// The text.
        input: String,
        /// The asset's decimals.
        decimals: u8,
    },
    /// Does not fit in 256 bits of base units.
    #[error("{0:?} is too large")]
    Overflow(String),
    /// More decimals than any real asset (at most 77).
    #[error("{0} decimals is not supported")]
    Decimals(u8),
}

impl Amount {
    /// `units` base units of an asset with `decimals` decimals.
    pub const fn from_units(units: U256, decimals: u8) -> Self {
        Amount { units, decimals }
    }

    /// From a `u64` count of base units.
    pub fn from_u64(units: u64, decimals: u8) -> Self {
        Amount::from_units(U256::from(units), decimals)
    }

    /// The base units.
    pub const fn units(&self) -> U256 {
        self.units
    }

    /// The asset's decimals.
    pub const fn decimals(&self) -> u8 {
        self.decimals
    }

    /// Parses `"0.1"` (or `"12"`, `"1."`, `".5"`) exactly.
    pub fn parse(input: &str, decimals: u8) -> Result<Self, AmountError> {
        if decimals > 77 {
            return Err(AmountError::Decimals(decimals));
        }
        let syntax = || AmountError::Syntax(input.to_owned());
        let (whole, frac) = match input.split_once('.') {
            Some((w, f)) => (w, f),
            None => (input, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return Err(syntax());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > usize::from(decimals) {
            return Err(AmountError::TooPrecise {
                input: input.to_owned(),
                decimals,
            });
        }
        let mut text = String::with_capacity(whole.len() + usize::from(decimals));
        text.push_str(whole);
        text.push_str(frac);
        text.extend(std::iter::repeat_n('0', usize::from(decimals) - frac.len()));
        let text = text.trim_start_matches('0');
        let units = if text.is_empty() {
            U256::ZERO
        } else {
            U256::from_str_radix(text, 10).map_err(|_| AmountError::Overflow(input.to_owned()))?
        };
        Ok(Amount { units, decimals })
    }

    /// Exact decimal text without trailing zeros: `"0.1"`, `"12"`.
    pub fn to_decimal_string(&self) -> String {
        let digits = self.units.to_string();
        let d = usize::from(self.decimals);
        if d == 0 {
            return digits;
        }
        let padded = format!("{digits:0>width$}", width = d + 1);
        let (whole, frac) = padded.split_at(padded.len() - d);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            whole.to_owned()
        } else {
            format!("{whole}.{frac}")
        }
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(
            Amount::parse("0.1", 18).unwrap().units(),
            U256::from(100_000_000_000_000_000u64)
        );
        assert_eq!(
            Amount::parse("1", 8).unwrap().units(),
            U256::from(100_000_000u64)
        );
        assert_eq!(Amount::parse(".5", 1).unwrap().units(), U256::from(5u8));
        assert_eq!(Amount::parse("1.", 0).unwrap().units(), U256::from(1u8));
        assert_eq!(
            Amount::parse("0.10000", 1).unwrap().units(),
            U256::from(1u8)
        );
        assert_eq!(Amount::parse("0", 9).unwrap().units(), U256::ZERO);
    }

    #[test]
    fn refuses_what_is_not_exact() {
        for bad in [
            "", ".", "-1", "+1", "1e3", "1.2.3", " 1", "0x10", "1,5", "١",
        ] {
            assert!(
                matches!(Amount::parse(bad, 8), Err(AmountError::Syntax(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Amount::parse("0.123456789", 8),
            Err(AmountError::TooPrecise { .. })
        ));
        let huge = "9".repeat(80);
        assert!(matches!(
            Amount::parse(&huge, 0),
            Err(AmountError::Overflow(_))
        ));
        assert!(matches!(
            Amount::parse("1", 78),
            Err(AmountError::Decimals(78))
        ));
    }

    #[test]
    fn displays_exactly() {
        assert_eq!(Amount::from_u64(150_000_000, 8).to_string(), "1.5");
        assert_eq!(Amount::from_u64(1, 18).to_string(), "0.000000000000000001");
        assert_eq!(Amount::from_u64(0, 6).to_string(), "0");
        assert_eq!(Amount::from_u64(42, 0).to_string(), "42");
        assert_eq!(Amount::from_units(U256::MAX, 18).to_string().len(), 79);
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(units in any::<u128>(), decimals in 0u8..=30) {
            let a = Amount::from_units(U256::from(units), decimals);
            prop_assert_eq!(Amount::parse(&a.to_string(), decimals).unwrap(), a);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}", decimals in 0u8..=90) {
            let _ = Amount::parse(&s, decimals);
        }
    }
}
