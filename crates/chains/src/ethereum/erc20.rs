//! ERC-20 calldata (EIP-20 functions, Solidity ABI): building `transfer`
//! and `balanceOf`, and decoding the three calls that move or authorise
//! moving tokens — `transfer`, `approve`, `transferFrom`.
//!
//! Decoding reads what the token reads. The canonical form is the 4-byte
//! selector, then exactly the ABI words of the arguments, addresses
//! left-padded with zeros ([`Decoded::Call`]). Tokens also execute two
//! non-canonical forms, so those are decoded too, as
//! [`Decoded::NonCanonical`], for the preview to show loudly: bytes after the
//! arguments (Solidity ≥ 0.5 ignores trailing calldata) and address words
//! with non-zero high bytes (ABI coder v1 tokens, such as USDT's Solidity
//! 0.4.17, use the low 20 bytes; ABI coder v2 reverts). Anything shorter
//! than the arguments is [`Decoded::Malformed`], never a guess.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;

mod abi {
    alloy_sol_types::sol! {
        function transfer(address to, uint256 amount) external returns (bool);
        function approve(address spender, uint256 amount) external returns (bool);
        function transferFrom(address from, address to, uint256 amount) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
        function decimals() external view returns (uint8);
    }
}

/// An approval of this many base units or more is shown as unlimited:
/// `type(uint96).max` = 2^96 − 1, far above any real token supply. It covers
/// `type(uint256).max` (what dapps ask for), `max - 1`, `type(uint128).max`,
/// and `type(uint96).max`, which UNI and COMP (96-bit balances) treat as
/// infinite.
pub const UNLIMITED_APPROVAL: U256 = U256::from_limbs([u64::MAX, 0xffff_ffff, 0, 0]);

/// A decoded ERC-20 call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Erc20Call {
    /// `transfer(to, amount)`: the sender's tokens to `to`.
    Transfer {
        /// The recipient.
        to: Address,
        /// Base units.
        amount: U256,
    },
    /// `approve(spender, amount)`: `spender` may move that many of the sender's tokens.
    Approve {
        /// Who may spend.
        spender: Address,
        /// Base units.
        amount: U256,
    },
    /// `transferFrom(from, to, amount)`: moves `from`'s tokens under an allowance.
    TransferFrom {
        /// The owner of the tokens.
        from: Address,
        /// The recipient.
        to: Address,
        /// Base units.
        amount: U256,
    },
}

impl Erc20Call {
    /// The Solidity function name.
    pub fn function(&self) -> &'static str {
        match self {
            Erc20Call::Transfer { .. } => "transfer",
            Erc20Call::Approve { .. } => "approve",
            Erc20Call::TransferFrom { .. } => "transferFrom",
        }
    }

    /// The Solidity signature: `transfer(address,uint256)`, ...
    pub fn signature(&self) -> &'static str {
        match self {
            Erc20Call::Transfer { .. } => abi::transferCall::SIGNATURE,
            Erc20Call::Approve { .. } => abi::approveCall::SIGNATURE,
            Erc20Call::TransferFrom { .. } => abi::transferFromCall::SIGNATURE,
        }
    }
}

/// What calldata sent to a contract is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// One of the ERC-20 calls, canonically encoded.
    Call(Erc20Call),
    /// One of the ERC-20 calls, as the token executes it, from calldata that
    /// is not its canonical encoding: its first 32·k argument bytes decode
    /// once the address words are cut to their low 20 bytes.
    NonCanonical {
        /// The call the token executes.
        call: Erc20Call,
        /// Bytes after the arguments (Solidity ≥ 0.5 ignores them).
        extra_bytes: usize,
        /// The address arguments (`"to"`, `"spender"`, `"from"`) whose word
        /// has non-zero high bytes: ABI coder v1 tokens (USDT) use the low
        /// 20 bytes, shown in [`Self::call`]; ABI coder v2 tokens revert.
        dirty_addresses: Vec<&'static str>,
    },
    /// A known ERC-20 selector with arguments that do not decode even so
    /// (too short).
    Malformed {
        /// `transfer(address,uint256)`, ...
        signature: &'static str,
        /// The calldata length.
        len: usize,
    },
    /// Some other function (`selector`), or fewer than 4 bytes (`None`).
    Unknown {
        /// The 4-byte selector.
        selector: Option<[u8; 4]>,
    },
}

/// Decodes `input` (the transaction's data) as an ERC-20 call.
pub fn decode(input: &[u8]) -> Decoded {
    let Some((selector, args)) = input.split_first_chunk::<4>() else {
        return Decoded::Unknown { selector: None };
    };
    let len = input.len();
    let decoded = match *selector {
        abi::transferCall::SELECTOR => {
            lenient::<abi::transferCall>(args, len, &["to"]).map(|(c, d, x)| {
                let call = Erc20Call::Transfer {
                    to: c.to,
                    amount: c.amount,
                };
                (call, d, x)
            })
        }
        abi::approveCall::SELECTOR => {
            lenient::<abi::approveCall>(args, len, &["spender"]).map(|(c, d, x)| {
                let call = Erc20Call::Approve {
                    spender: c.spender,
                    amount: c.amount,
                };
                (call, d, x)
            })
        }
        abi::transferFromCall::SELECTOR => {
            lenient::<abi::transferFromCall>(args, len, &["from", "to"]).map(|(c, d, x)| {
                let call = Erc20Call::TransferFrom {
                    from: c.from,
                    to: c.to,
                    amount: c.amount,
                };
                (call, d, x)
            })
        }
        other => {
            return Decoded::Unknown {
                selector: Some(other),
            };
        }
    };
    match decoded {
        Err(malformed) => malformed,
        Ok((call, dirty, 0)) if dirty.is_empty() => Decoded::Call(call),
        Ok((call, dirty_addresses, extra_bytes)) => Decoded::NonCanonical {
            call,
            extra_bytes,
            dirty_addresses,
        },
    }
}

/// Decodes the arguments of `C` as the token does: its static ABI words
/// (the addresses named `address_args`, then the amount), each address word
/// cut to its low 20 bytes, whatever follows ignored. Returns the call, the
/// address arguments that had non-zero high bytes and the count of ignored
/// bytes.
fn lenient<C: SolCall>(
    args: &[u8],
    len: usize,
    address_args: &[&'static str],
) -> Result<(C, Vec<&'static str>, usize), Decoded> {
    let malformed = Decoded::Malformed {
        signature: C::SIGNATURE,
        len,
    };
    // All three functions take only static 32-byte words, addresses first.
    let words = C::SIGNATURE.matches(',').count() + 1;
    let Some((head, extra)) = args.split_at_checked(32 * words) else {
        return Err(malformed);
    };
    let mut head = head.to_vec();
    let mut dirty = Vec::new();
    for (word, name) in head.chunks_exact_mut(32).zip(address_args) {
        let (high, _) = word.split_at_mut(12);
        if high.iter().any(|&b| b != 0) {
            dirty.push(*name);
            high.fill(0);
        }
    }
    let call = C::abi_decode_raw_validate(&head).map_err(|_| malformed)?;
    Ok((call, dirty, extra.len()))
}

/// Calldata of `transfer(to, amount)`.
pub fn transfer(to: Address, amount: U256) -> Vec<u8> {
    abi::transferCall { to, amount }.abi_encode()
}

/// Calldata of `approve(spender, amount)`.
pub fn approve(spender: Address, amount: U256) -> Vec<u8> {
    abi::approveCall { spender, amount }.abi_encode()
}

/// Calldata of `transferFrom(from, to, amount)`.
pub fn transfer_from(from: Address, to: Address, amount: U256) -> Vec<u8> {
    abi::transferFromCall { from, to, amount }.abi_encode()
}

/// Calldata of `balanceOf(owner)`.
pub fn balance_of(owner: Address) -> Vec<u8> {
    abi::balanceOfCall { owner }.abi_encode()
}

/// Calldata of `decimals()` (optional in EIP-20, present in practice).
pub fn decimals() -> Vec<u8> {
    abi::decimalsCall {}.abi_encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn selectors_are_the_standard_ones() {
        // keccak256("transfer(address,uint256)")[..4] etc., as published in EIP-20 tooling.
        assert_eq!(abi::transferCall::SELECTOR, [0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(abi::approveCall::SELECTOR, [0x09, 0x5e, 0xa7, 0xb3]);
        assert_eq!(abi::transferFromCall::SELECTOR, [0x23, 0xb8, 0x72, 0xdd]);
        assert_eq!(abi::balanceOfCall::SELECTOR, [0x70, 0xa0, 0x82, 0x31]);
        assert_eq!(abi::decimalsCall::SELECTOR, [0x31, 0x3c, 0xe5, 0x67]);
        assert_eq!(decimals(), [0x31, 0x3c, 0xe5, 0x67]);
    }

    #[test]
    fn decodes_what_it_builds() {
        let a = Address::repeat_byte(0x11);
        let b = Address::repeat_byte(0x22);
        let n = U256::from(123_456_789u64);
        assert_eq!(
            decode(&transfer(a, n)),
            Decoded::Call(Erc20Call::Transfer { to: a, amount: n })
        );
        assert_eq!(
            decode(&approve(a, U256::MAX)),
            Decoded::Call(Erc20Call::Approve {
                spender: a,
                amount: U256::MAX
            })
        );
        assert_eq!(
            decode(&transfer_from(a, b, n)),
            Decoded::Call(Erc20Call::TransferFrom {
                from: a,
                to: b,
                amount: n
            })
        );
        assert_eq!(balance_of(a).len(), 36);
    }

    #[test]
    fn non_canonical_arguments_decode_as_the_token_reads_them() {
        let a = Address::repeat_byte(0x11);
        let b = Address::repeat_byte(0x22);
        let five = U256::from(5u8);
        let good = transfer(a, five);
        // Trailing bytes: Solidity >= 0.5 ignores them, the tokens move.
        let mut longer = good.clone();
        longer.extend_from_slice(&[0, 7, 7]);
        assert_eq!(
            decode(&longer),
            Decoded::NonCanonical {
                call: Erc20Call::Transfer {
                    to: a,
                    amount: five
                },
                extra_bytes: 3,
                dirty_addresses: vec![],
            }
        );
        // A dirty high byte in the address word: ABI coder v1 keeps the low 20 bytes.
        let mut dirty = good.clone();
        dirty[4] = 1;
        assert_eq!(
            decode(&dirty),
            Decoded::NonCanonical {
                call: Erc20Call::Transfer {
                    to: a,
                    amount: five
                },
                extra_bytes: 0,
                dirty_addresses: vec!["to"],
            }
        );
        // transferFrom: each address word on its own; approve too.
        let mut data = transfer_from(a, b, five);
        data[4 + 32 + 11] = 0xff;
        data.push(1);
        assert_eq!(
            decode(&data),
            Decoded::NonCanonical {
                call: Erc20Call::TransferFrom {
                    from: a,
                    to: b,
                    amount: five
                },
                extra_bytes: 1,
                dirty_addresses: vec!["to"],
            }
        );
        let mut data = approve(b, U256::MAX);
        data[4] = 0x80;
        assert!(matches!(
            decode(&data),
            Decoded::NonCanonical {
                call: Erc20Call::Approve { spender, amount },
                extra_bytes: 0,
                ..
            } if spender == b && amount == U256::MAX
        ));
        // A dirty amount word is just a large amount, and canonical.
        let mut data = good.clone();
        data[36] = 1;
        assert!(matches!(decode(&data), Decoded::Call(_)));
    }

    #[test]
    fn refuses_what_does_not_decode_even_leniently() {
        let a = Address::repeat_byte(0x11);
        let good = transfer(a, U256::from(5u8));
        // A missing byte.
        assert_eq!(
            decode(&good[..67]),
            Decoded::Malformed {
                signature: "transfer(address,uint256)",
                len: 67
            }
        );
        assert!(matches!(
            decode(&good[..4]),
            Decoded::Malformed { len: 4, .. }
        ));
        // Unknown selector and too-short calldata.
        assert_eq!(
            decode(&h("deadbeef")),
            Decoded::Unknown {
                selector: Some([0xde, 0xad, 0xbe, 0xef])
            }
        );
        assert_eq!(decode(&h("a9059c")), Decoded::Unknown { selector: None });
        assert_eq!(decode(&[]), Decoded::Unknown { selector: None });
    }

    #[test]
    fn unlimited_threshold() {
        // type(uint96).max: UNI and COMP treat it as infinite.
        assert_eq!(
            UNLIMITED_APPROVAL,
            (U256::from(1u8) << 96) - U256::from(1u8)
        );
        assert!(U256::from(u128::MAX) >= UNLIMITED_APPROVAL);
    }

    proptest! {
        #[test]
        fn decode_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&input);
        }

        #[test]
        fn decode_never_panics_on_known_selectors(
            sel in 0usize..3,
            args in proptest::collection::vec(any::<u8>(), 0..130),
        ) {
            let selectors = [abi::transferCall::SELECTOR, abi::approveCall::SELECTOR, abi::transferFromCall::SELECTOR];
            let words = [2, 2, 3][sel];
            let long_enough = args.len() >= 32 * words;
            let mut input = selectors[sel].to_vec();
            input.extend(args);
            // Whatever holds the arguments' words is read as the token reads it.
            prop_assert_eq!(
                matches!(decode(&input), Decoded::Malformed { .. }),
                !long_enough
            );
        }
    }
}
