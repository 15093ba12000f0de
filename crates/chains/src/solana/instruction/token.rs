//! SPL Token and Token-2022 instructions (`spl-token-interface`
//! `TokenInstruction`, packed by hand: a `u8` tag then little-endian
//! fields). `TransferChecked` = 12 `{amount: u64, decimals: u8}`, accounts
//! `[source (writable), mint, destination (writable), authority (signer),
//! ..multisig signers]`; `Transfer` = 3 `{amount: u64}`, accounts `[source,
//! destination, authority, ..]`; `CloseAccount` = 9 (no fields), accounts
//! `[account (writable), destination (writable), owner or close authority
//! (signer), ..]`. Both programs share these layouts.

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use super::{Decoded, DecodedInstruction, le_u64};

const TRANSFER: u8 = 3;
const CLOSE_ACCOUNT: u8 = 9;
const TRANSFER_CHECKED: u8 = 12;

/// Names of the token instructions by tag (shared by both programs up to 24).
const NAMES: [&str; 25] = [
    "InitializeMint",
    "InitializeAccount",
    "InitializeMultisig",
    "Transfer",
    "Approve",
    "Revoke",
    "SetAuthority",
    "MintTo",
    "Burn",
    "CloseAccount",
    "FreezeAccount",
    "ThawAccount",
    "TransferChecked",
    "ApproveChecked",
    "MintToChecked",
    "BurnChecked",
    "InitializeAccount2",
    "SyncNative",
    "InitializeAccount3",
    "InitializeMultisig2",
    "InitializeMint2",
    "GetAccountDataSize",
    "InitializeImmutableOwner",
    "AmountToUiAmount",
    "UiAmountToAmount",
];

/// The accounts and amount of a `TransferChecked` signed by a single owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferChecked {
    /// SPL Token or Token-2022.
    pub token_program: Pubkey,
    /// Source token account.
    pub source: Pubkey,
    /// The mint.
    pub mint: Pubkey,
    /// Destination token account.
    pub destination: Pubkey,
    /// The source's owner (signs).
    pub owner: Pubkey,
    /// Base units.
    pub amount: u64,
    /// The mint's decimals.
    pub decimals: u8,
}

/// Encodes `TransferChecked`.
pub fn transfer_checked(t: &TransferChecked) -> Instruction {
    let mut data = Vec::with_capacity(10);
    data.push(TRANSFER_CHECKED);
    data.extend_from_slice(&t.amount.to_le_bytes());
    data.push(t.decimals);
    Instruction {
        program_id: t.token_program,
        accounts: vec![
            AccountMeta::new(t.source, false),
            AccountMeta::new_readonly(t.mint, false),
            AccountMeta::new(t.destination, false),
            AccountMeta::new_readonly(t.owner, true),
        ],
        data,
    }
}

/// Decodes a token-program instruction.
pub fn decode(program: &Pubkey, accounts: &[Pubkey], data: &[u8]) -> DecodedInstruction {
    let unknown = |what: String| DecodedInstruction::unknown(*program, Some(what));
    let Some(&tag) = data.first() else {
        return unknown("malformed token instruction (no tag)".into());
    };
    match tag {
        TRANSFER_CHECKED => match (accounts, le_u64(data, 1), data.get(9)) {
            ([source, mint, destination, authority, ..], Some(amount), Some(&decimals)) => {
                DecodedInstruction {
                    decoded: Decoded::TokenTransferChecked {
                        token_program: *program,
                        source: *source,
                        mint: *mint,
                        destination: *destination,
                        authority: *authority,
                        amount,
                        decimals,
                    },
                    extra_data: data.len().saturating_sub(10),
                }
            }
            _ => unknown("malformed token TransferChecked".into()),
        },
        TRANSFER => match (accounts, le_u64(data, 1)) {
            ([source, destination, authority, ..], Some(amount)) => DecodedInstruction {
                decoded: Decoded::TokenTransfer {
                    token_program: *program,
                    source: *source,
                    destination: *destination,
                    authority: *authority,
                    amount,
                },
                extra_data: data.len().saturating_sub(9),
            },
            _ => unknown("malformed token Transfer".into()),
        },
        CLOSE_ACCOUNT => match accounts {
            [account, destination, authority, ..] => DecodedInstruction {
                decoded: Decoded::TokenCloseAccount {
                    token_program: *program,
                    account: *account,
                    destination: *destination,
                    authority: *authority,
                },
                extra_data: data.len().saturating_sub(1),
            },
            _ => unknown("malformed token CloseAccount".into()),
        },
        _ => unknown(match NAMES.get(usize::from(tag)) {
            Some(name) => format!("token {name}"),
            None => format!("token instruction {tag}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solana::programs::TOKEN_PROGRAM;

    fn key(b: u8) -> Pubkey {
        Pubkey::new_from_array([b; 32])
    }

    #[test]
    fn transfer_checked_layout_round_trip() {
        let t = TransferChecked {
            token_program: TOKEN_PROGRAM,
            source: key(1),
            mint: key(2),
            destination: key(3),
            owner: key(4),
            amount: 1_500_000,
            decimals: 6,
        };
        let ix = transfer_checked(&t);
        assert_eq!(ix.data, [12, 0x60, 0xe3, 0x16, 0, 0, 0, 0, 0, 6]);
        let keys: Vec<Pubkey> = ix.accounts.iter().map(|m| m.pubkey).collect();
        assert_eq!(keys, [key(1), key(2), key(3), key(4)]);
        assert_eq!(
            decode(&TOKEN_PROGRAM, &keys, &ix.data).decoded,
            Decoded::TokenTransferChecked {
                token_program: TOKEN_PROGRAM,
                source: key(1),
                mint: key(2),
                destination: key(3),
                authority: key(4),
                amount: 1_500_000,
                decimals: 6
            }
        );
    }

    #[test]
    fn transfer_and_others() {
        let mut data = vec![3];
        data.extend_from_slice(&42u64.to_le_bytes());
        data.push(0);
        let d = decode(&TOKEN_PROGRAM, &[key(1), key(2), key(3)], &data);
        assert!(matches!(
            d.decoded,
            Decoded::TokenTransfer { amount: 42, .. }
        ));
        assert_eq!(d.extra_data, 1);
        assert_eq!(
            decode(&TOKEN_PROGRAM, &[], &[4]).decoded,
            Decoded::Unknown {
                program: TOKEN_PROGRAM,
                what: Some("token Approve".into())
            }
        );
        assert!(matches!(
            decode(&TOKEN_PROGRAM, &[key(1)], &[12, 1]).decoded,
            Decoded::Unknown { .. }
        ));
        assert!(matches!(
            decode(&TOKEN_PROGRAM, &[], &[200]).decoded,
            Decoded::Unknown { .. }
        ));
    }

    #[test]
    fn close_account_layout() {
        let d = decode(&TOKEN_PROGRAM, &[key(1), key(2), key(3)], &[9]);
        assert_eq!(
            d.decoded,
            Decoded::TokenCloseAccount {
                token_program: TOKEN_PROGRAM,
                account: key(1),
                destination: key(2),
                authority: key(3)
            }
        );
        assert_eq!(d.extra_data, 0);
        assert!(matches!(
            decode(&TOKEN_PROGRAM, &[key(1), key(2)], &[9]).decoded,
            Decoded::Unknown { .. }
        ));
    }
}
