//! System program instructions (`solana-system-interface`): data is the
//! bincode encoding of `SystemInstruction`, a `u32` little-endian tag then
//! the fields. `CreateAccount` = 0 `{lamports: u64, space: u64, owner}`,
//! accounts `[funding (signer, writable), new (signer, writable)]`;
//! `Transfer` = 2 `{lamports: u64}`, accounts `[from (signer, writable),
//! to (writable)]`; `WithdrawNonceAccount` = 5 `{lamports: u64}`, accounts
//! `[nonce (writable), to (writable), recent blockhashes sysvar, rent
//! sysvar, authority (signer)]`; `TransferWithSeed` = 11 `{lamports: u64,
//! from_seed: String (u64 length, UTF-8), from_owner}`, accounts `[from
//! (writable), base (signer), to (writable)]`. Building uses
//! `solana-system-interface` itself.

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use super::{Decoded, DecodedInstruction, le_u32, le_u64};
use crate::solana::programs::SYSTEM_PROGRAM;

const CREATE_ACCOUNT: u32 = 0;
const TRANSFER: u32 = 2;
const WITHDRAW_NONCE_ACCOUNT: u32 = 5;
const TRANSFER_WITH_SEED: u32 = 11;

/// Names of the other System instructions, by tag, for the preview.
const NAMES: [&str; 13] = [
    "CreateAccount",
    "Assign",
    "Transfer",
    "CreateAccountWithSeed",
    "AdvanceNonceAccount",
    "WithdrawNonceAccount",
    "InitializeNonceAccount",
    "AuthorizeNonceAccount",
    "Allocate",
    "AllocateWithSeed",
    "AssignWithSeed",
    "TransferWithSeed",
    "UpgradeNonceAccount",
];

/// A System `Transfer` of `lamports` from `from` to `to`, encoded by
/// `solana-system-interface`.
pub fn transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Instruction {
    let ix = solana_system_interface::instruction::transfer(from, to, lamports);
    // solana-system-interface 3 speaks solana-instruction 3; copy the fields.
    Instruction {
        program_id: ix.program_id,
        accounts: ix
            .accounts
            .iter()
            .map(|m| AccountMeta {
                pubkey: m.pubkey,
                is_signer: m.is_signer,
                is_writable: m.is_writable,
            })
            .collect(),
        data: ix.data,
    }
}

/// Decodes a System instruction.
pub fn decode(accounts: &[Pubkey], data: &[u8]) -> DecodedInstruction {
    let unknown = |what: String| DecodedInstruction::unknown(SYSTEM_PROGRAM, Some(what));
    let Some(tag) = le_u32(data, 0) else {
        return unknown("malformed System instruction (no tag)".into());
    };
    let name = usize::try_from(tag)
        .ok()
        .and_then(|t| NAMES.get(t))
        .copied();
    match tag {
        TRANSFER => match (accounts, le_u64(data, 4)) {
            ([from, to, ..], Some(lamports)) => DecodedInstruction {
                decoded: Decoded::SolTransfer {
                    from: *from,
                    to: *to,
                    lamports,
                },
                extra_data: data.len().saturating_sub(12),
            },
            _ => unknown("malformed System Transfer".into()),
        },
        CREATE_ACCOUNT => {
            let owner = data
                .get(20..52)
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .map(Pubkey::new_from_array);
            match (accounts, le_u64(data, 4), le_u64(data, 12), owner) {
                ([from, new, ..], Some(lamports), Some(space), Some(owner)) => DecodedInstruction {
                    decoded: Decoded::CreateAccount {
                        from: *from,
                        new: *new,
                        lamports,
                        space,
                        owner,
                    },
                    extra_data: data.len().saturating_sub(52),
                },
                _ => unknown("malformed System CreateAccount".into()),
            }
        }
        WITHDRAW_NONCE_ACCOUNT => match (accounts, le_u64(data, 4)) {
            ([nonce_account, to, _, _, authority, ..], Some(lamports)) => DecodedInstruction {
                decoded: Decoded::WithdrawNonce {
                    nonce_account: *nonce_account,
                    to: *to,
                    authority: *authority,
                    lamports,
                },
                extra_data: data.len().saturating_sub(12),
            },
            _ => unknown("malformed System WithdrawNonceAccount".into()),
        },
        TRANSFER_WITH_SEED => match (accounts, le_u64(data, 4), seed_and_owner(data, 12)) {
            ([from, base, to, ..], Some(lamports), Some((seed, owner, end))) => {
                DecodedInstruction {
                    decoded: Decoded::SolTransferWithSeed {
                        from: *from,
                        base: *base,
                        to: *to,
                        lamports,
                        seed,
                        owner,
                    },
                    extra_data: data.len().saturating_sub(end),
                }
            }
            _ => unknown("malformed System TransferWithSeed".into()),
        },
        _ => unknown(match name {
            Some(name) => format!("System {name}"),
            None => format!("unknown System instruction {tag}"),
        }),
    }
}

/// Reads a bincode `String` (`u64` little-endian length, UTF-8 bytes) then
/// a `Pubkey` at `at`: the seed, the owner and where they end.
fn seed_and_owner(data: &[u8], at: usize) -> Option<(String, Pubkey, usize)> {
    let len = usize::try_from(le_u64(data, at)?).ok()?;
    let start = at.checked_add(8)?;
    let seed_end = start.checked_add(len)?;
    let seed = core::str::from_utf8(data.get(start..seed_end)?).ok()?;
    let owner_end = seed_end.checked_add(32)?;
    let owner: [u8; 32] = data.get(seed_end..owner_end)?.try_into().ok()?;
    Some((seed.to_owned(), Pubkey::new_from_array(owner), owner_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> Pubkey {
        Pubkey::new_from_array([b; 32])
    }

    #[test]
    fn transfer_layout() {
        let ix = transfer(&key(1), &key(2), 0x0102_0304_0506_0708);
        assert_eq!(ix.program_id, SYSTEM_PROGRAM);
        assert_eq!(
            ix.data,
            [2, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1],
            "u32 tag 2, u64 LE lamports"
        );
        assert!(ix.accounts[0].is_signer && ix.accounts[0].is_writable);
        assert!(!ix.accounts[1].is_signer && ix.accounts[1].is_writable);
        let d = decode(&[key(1), key(2)], &ix.data);
        assert_eq!(
            d.decoded,
            Decoded::SolTransfer {
                from: key(1),
                to: key(2),
                lamports: 0x0102_0304_0506_0708
            }
        );
        assert_eq!(d.extra_data, 0);
    }

    #[test]
    fn extra_bytes_and_malformed() {
        let mut data = transfer(&key(1), &key(2), 5).data;
        data.extend_from_slice(&[9, 9]);
        assert_eq!(decode(&[key(1), key(2)], &data).extra_data, 2);
        assert!(matches!(
            decode(&[key(1)], &data).decoded,
            Decoded::Unknown { .. }
        ));
        assert!(matches!(
            decode(&[key(1), key(2)], &[2, 0, 0, 0, 1]).decoded,
            Decoded::Unknown { .. }
        ));
        assert!(matches!(decode(&[], &[]).decoded, Decoded::Unknown { .. }));
        assert_eq!(
            decode(&[key(1)], &[1, 0, 0, 0]).decoded,
            Decoded::Unknown {
                program: SYSTEM_PROGRAM,
                what: Some("System Assign".into())
            }
        );
    }

    #[test]
    fn transfer_with_seed_and_withdraw_nonce_layouts() {
        // Encoded by solana-system-interface itself.
        let (from, base, to, owner) = (key(1), key(2), key(3), key(4));
        let ix = solana_system_interface::instruction::transfer_with_seed(
            &from,
            &base,
            "vault".into(),
            &owner,
            &to,
            42,
        );
        let keys: Vec<Pubkey> = ix.accounts.iter().map(|m| m.pubkey).collect();
        assert_eq!(keys, [from, base, to]);
        let d = decode(&keys, &ix.data);
        assert_eq!(
            d.decoded,
            Decoded::SolTransferWithSeed {
                from,
                base,
                to,
                lamports: 42,
                seed: "vault".into(),
                owner
            }
        );
        assert_eq!(d.extra_data, 0);
        let mut longer = ix.data.clone();
        longer.push(0);
        assert_eq!(decode(&keys, &longer).extra_data, 1);
        // A seed longer than the data, or not UTF-8, does not decode.
        let mut bad = ix.data.clone();
        bad[12] = 200;
        assert!(matches!(
            decode(&keys, &bad).decoded,
            Decoded::Unknown { .. }
        ));
        let mut bad = ix.data.clone();
        bad[20] = 0xff;
        assert!(matches!(
            decode(&keys, &bad).decoded,
            Decoded::Unknown { .. }
        ));

        let ix =
            solana_system_interface::instruction::withdraw_nonce_account(&from, &base, &to, 1_000);
        let keys: Vec<Pubkey> = ix.accounts.iter().map(|m| m.pubkey).collect();
        let d = decode(&keys, &ix.data);
        assert_eq!(
            d.decoded,
            Decoded::WithdrawNonce {
                nonce_account: from,
                to,
                authority: base,
                lamports: 1_000
            }
        );
        assert!(matches!(
            decode(&keys[..4], &ix.data).decoded,
            Decoded::Unknown { .. }
        ));
    }

    #[test]
    fn create_account_layout() {
        let mut data = vec![0, 0, 0, 0];
        data.extend_from_slice(&7u64.to_le_bytes());
        data.extend_from_slice(&165u64.to_le_bytes());
        data.extend_from_slice(&[3; 32]);
        assert_eq!(
            decode(&[key(1), key(2)], &data).decoded,
            Decoded::CreateAccount {
                from: key(1),
                new: key(2),
                lamports: 7,
                space: 165,
                owner: key(3)
            }
        );
    }
}
