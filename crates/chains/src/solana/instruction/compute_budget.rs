//! Compute Budget program instructions (`ComputeBudgetInstruction`, borsh:
//! `u8` tag then little-endian fields): `RequestHeapFrame` = 1 `{bytes: u32}`,
//! `SetComputeUnitLimit` = 2 `{units: u32}`, `SetComputeUnitPrice` = 3
//! `{micro_lamports: u64}`, `SetLoadedAccountsDataSizeLimit` = 4
//! `{bytes: u32}`. Tag 0 (`RequestUnitsDeprecated`) is refused by the
//! runtime. No accounts.

use solana_instruction::Instruction;

use super::{Decoded, DecodedInstruction, le_u32, le_u64};
use crate::solana::programs::COMPUTE_BUDGET_PROGRAM;

const REQUEST_HEAP_FRAME: u8 = 1;
const SET_COMPUTE_UNIT_LIMIT: u8 = 2;
const SET_COMPUTE_UNIT_PRICE: u8 = 3;
const SET_LOADED_ACCOUNTS_DATA_SIZE_LIMIT: u8 = 4;

/// A decoded Compute Budget instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComputeBudgetInstruction {
    /// `RequestHeapFrame(bytes)`.
    RequestHeapFrame(u32),
    /// `SetComputeUnitLimit(units)`.
    SetComputeUnitLimit(u32),
    /// `SetComputeUnitPrice(micro_lamports per unit)`.
    SetComputeUnitPrice(u64),
    /// `SetLoadedAccountsDataSizeLimit(bytes)`.
    SetLoadedAccountsDataSizeLimit(u32),
    /// Anything else: the runtime refuses the whole transaction.
    Invalid,
}

/// `SetComputeUnitLimit(units)`.
pub fn set_compute_unit_limit(units: u32) -> Instruction {
    let mut data = vec![SET_COMPUTE_UNIT_LIMIT];
    data.extend_from_slice(&units.to_le_bytes());
    Instruction {
        program_id: COMPUTE_BUDGET_PROGRAM,
        accounts: vec![],
        data,
    }
}

/// `SetComputeUnitPrice(micro_lamports)`.
pub fn set_compute_unit_price(micro_lamports: u64) -> Instruction {
    let mut data = vec![SET_COMPUTE_UNIT_PRICE];
    data.extend_from_slice(&micro_lamports.to_le_bytes());
    Instruction {
        program_id: COMPUTE_BUDGET_PROGRAM,
        accounts: vec![],
        data,
    }
}

/// Decodes a Compute Budget instruction. Borsh reads the tag and fields
/// and ignores the rest (the runtime deserializes without checking that
/// every byte was used); extra bytes are reported.
pub fn decode(data: &[u8]) -> DecodedInstruction {
    let (ix, used) = match data.first() {
        Some(&REQUEST_HEAP_FRAME) => (
            le_u32(data, 1).map(ComputeBudgetInstruction::RequestHeapFrame),
            5,
        ),
        Some(&SET_COMPUTE_UNIT_LIMIT) => (
            le_u32(data, 1).map(ComputeBudgetInstruction::SetComputeUnitLimit),
            5,
        ),
        Some(&SET_COMPUTE_UNIT_PRICE) => (
            le_u64(data, 1).map(ComputeBudgetInstruction::SetComputeUnitPrice),
            9,
        ),
        Some(&SET_LOADED_ACCOUNTS_DATA_SIZE_LIMIT) => (
            le_u32(data, 1).map(ComputeBudgetInstruction::SetLoadedAccountsDataSizeLimit),
            5,
        ),
        _ => (None, 0),
    };
    match ix {
        Some(ix) => DecodedInstruction {
            decoded: Decoded::ComputeBudget(ix),
            extra_data: data.len().saturating_sub(used),
        },
        None => {
            DecodedInstruction::exact(Decoded::ComputeBudget(ComputeBudgetInstruction::Invalid))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(
            set_compute_unit_limit(300_000).data,
            [2, 0xe0, 0x93, 0x04, 0]
        );
        assert_eq!(
            set_compute_unit_price(1_000).data,
            [3, 0xe8, 0x03, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            decode(&set_compute_unit_limit(300_000).data).decoded,
            Decoded::ComputeBudget(ComputeBudgetInstruction::SetComputeUnitLimit(300_000))
        );
        assert_eq!(
            decode(&set_compute_unit_price(7).data).decoded,
            Decoded::ComputeBudget(ComputeBudgetInstruction::SetComputeUnitPrice(7))
        );
        assert_eq!(
            decode(&[1, 0, 0, 1, 0]).decoded,
            Decoded::ComputeBudget(ComputeBudgetInstruction::RequestHeapFrame(65_536))
        );
        assert_eq!(decode(&[4, 1, 0, 0, 0, 9]).extra_data, 1);
        for bad in [&[][..], &[0, 1, 2, 3, 4, 5, 6, 7, 8], &[2, 1], &[5]] {
            assert_eq!(
                decode(bad).decoded,
                Decoded::ComputeBudget(ComputeBudgetInstruction::Invalid)
            );
        }
    }
}
