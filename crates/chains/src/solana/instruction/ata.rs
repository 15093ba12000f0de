//! SPL Associated Token Account instructions
//! (`spl-associated-token-account-interface`, borsh `u8` tag, no fields):
//! `Create` = empty data or `[0]`, `CreateIdempotent` = `[1]`, accounts
//! `[payer (signer, writable), associated account (writable), wallet, mint,
//! system program, token program]`. The program refuses trailing bytes.

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use super::{Decoded, DecodedInstruction};
use crate::solana::programs::{ASSOCIATED_TOKEN_PROGRAM, SYSTEM_PROGRAM};

const CREATE: u8 = 0;
const CREATE_IDEMPOTENT: u8 = 1;
const RECOVER_NESTED: u8 = 2;

/// `CreateIdempotent`: creates `account` (the associated token account of
/// `wallet` for `mint`, which the caller derived) paid by `payer`, or does
/// nothing if it exists.
pub fn create_idempotent(
    payer: &Pubkey,
    account: &Pubkey,
    wallet: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    Instruction {
        program_id: ASSOCIATED_TOKEN_PROGRAM,
        accounts: vec![
            AccountMeta::new(*payer, true),
            AccountMeta::new(*account, false),
            AccountMeta::new_readonly(*wallet, false),
            AccountMeta::new_readonly(*mint, false),
            AccountMeta::new_readonly(SYSTEM_PROGRAM, false),
            AccountMeta::new_readonly(*token_program, false),
        ],
        data: vec![CREATE_IDEMPOTENT],
    }
}

/// Decodes an Associated Token Account instruction.
pub fn decode(accounts: &[Pubkey], data: &[u8]) -> DecodedInstruction {
    let unknown =
        |what: &str| DecodedInstruction::unknown(ASSOCIATED_TOKEN_PROGRAM, Some(what.to_owned()));
    let idempotent = match data {
        [] | [CREATE] => false,
        [CREATE_IDEMPOTENT] => true,
        [RECOVER_NESTED] => return unknown("associated token account RecoverNested"),
        _ => return unknown("malformed associated token account instruction"),
    };
    match accounts {
        [payer, account, wallet, mint, _system, token_program, ..] => {
            DecodedInstruction::exact(Decoded::CreateAssociatedAccount {
                payer: *payer,
                account: *account,
                wallet: *wallet,
                mint: *mint,
                token_program: *token_program,
                idempotent,
            })
        }
        _ => unknown("associated token account Create with too few accounts"),
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
    fn create_idempotent_round_trip() {
        let ix = create_idempotent(&key(1), &key(2), &key(3), &key(4), &TOKEN_PROGRAM);
        assert_eq!(ix.data, [1]);
        let keys: Vec<Pubkey> = ix.accounts.iter().map(|m| m.pubkey).collect();
        assert_eq!(keys[4], SYSTEM_PROGRAM);
        assert_eq!(
            decode(&keys, &ix.data).decoded,
            Decoded::CreateAssociatedAccount {
                payer: key(1),
                account: key(2),
                wallet: key(3),
                mint: key(4),
                token_program: TOKEN_PROGRAM,
                idempotent: true
            }
        );
        assert!(matches!(
            decode(&keys, &[]).decoded,
            Decoded::CreateAssociatedAccount {
                idempotent: false,
                ..
            }
        ));
        for bad in [&[1u8, 0][..], &[2], &[3]] {
            assert!(matches!(
                decode(&keys, bad).decoded,
                Decoded::Unknown { .. }
            ));
        }
        assert!(matches!(
            decode(&keys[..5], &[1]).decoded,
            Decoded::Unknown { .. }
        ));
    }
}
