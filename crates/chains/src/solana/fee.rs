//! The exact fee of a Solana transaction, from its instructions alone:
//!
//! - signature fee = 5 000 lamports × (the message's required signatures +
//!   the signatures verified by Ed25519 / secp256k1 / secp256r1 precompile
//!   instructions, counted by each one's first data byte);
//! - priority fee = ⌈unit limit × price (micro-lamports per unit) / 10^6⌉
//!   (`SetComputeUnitLimit`, `SetComputeUnitPrice`);
//! - without `SetComputeUnitLimit` the unit limit is the runtime's default:
//!   200 000 per instruction, but 3 000 per instruction of a builtin program
//!   (Compute Budget ones included) since SIMD-0170; capped at 1 400 000
//!   either way.
//!
//! Compute Budget instructions the runtime refuses (malformed, repeated, an
//! invalid heap frame) are reported as [`BudgetAnalysis::problems`]: such a
//! transaction is rejected before it is charged anything.

use solana_pubkey::Pubkey;

use super::LAMPORTS_PER_SIGNATURE;
use super::instruction::ComputeBudgetInstruction;
use super::programs::{BUILTIN_PROGRAMS, PRECOMPILES};

/// The most compute units a transaction may use.
pub const MAX_COMPUTE_UNIT_LIMIT: u32 = 1_400_000;
/// Default units per instruction of a non-builtin program.
pub const DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT: u32 = 200_000;
/// Default units per instruction of a builtin program (SIMD-0170).
pub const BUILTIN_INSTRUCTION_COMPUTE_UNIT_LIMIT: u32 = 3_000;

/// A priority-fee request for the builders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ComputeBudget {
    /// Compute units requested (`SetComputeUnitLimit`), 1 ..= 1 400 000.
    pub unit_limit: u32,
    /// Price per unit in micro-lamports (`SetComputeUnitPrice`).
    pub micro_lamports_per_unit: u64,
}

impl ComputeBudget {
    /// The priority fee this budget costs, in lamports.
    pub fn priority_fee(&self) -> u64 {
        priority_fee(self.unit_limit, self.micro_lamports_per_unit)
    }
}

/// ⌈`unit_limit` × `micro_lamports_per_unit` / 10^6⌉ lamports.
pub fn priority_fee(unit_limit: u32, micro_lamports_per_unit: u64) -> u64 {
    let micro_lamports = u128::from(unit_limit) * u128::from(micro_lamports_per_unit);
    u64::try_from(micro_lamports.div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// How the fee is made up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeBreakdown {
    /// Signatures charged: the transaction's plus the precompiles'.
    pub signatures: u64,
    /// 5 000 lamports × `signatures`.
    pub signature_fee: u64,
    /// The compute unit limit in force (requested, or the default), capped.
    pub compute_unit_limit: u32,
    /// Whether the limit was requested by `SetComputeUnitLimit`.
    pub compute_unit_limit_requested: bool,
    /// The price per compute unit, in micro-lamports (0 without one).
    pub micro_lamports_per_unit: u64,
    /// The priority fee.
    pub priority_fee: u64,
    /// `signature_fee + priority_fee`, in lamports.
    pub total: u64,
}

/// The Compute Budget requests found in a message's instructions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BudgetAnalysis {
    /// `SetComputeUnitLimit`, if present.
    pub unit_limit: Option<u32>,
    /// `SetComputeUnitPrice`, if present.
    pub unit_price: Option<u64>,
    /// `RequestHeapFrame`, if present.
    pub heap_frame: Option<u32>,
    /// `SetLoadedAccountsDataSizeLimit`, if present.
    pub loaded_accounts_data_size: Option<u32>,
    /// Why the runtime would refuse the transaction, if it would.
    pub problems: Vec<String>,
}

impl BudgetAnalysis {
    /// Records instruction `index`, a Compute Budget instruction.
    pub fn record(&mut self, index: usize, ix: ComputeBudgetInstruction) {
        fn set<T>(slot: &mut Option<T>, value: T, index: usize, problems: &mut Vec<String>) {
            if slot.is_some() {
                problems.push(format!(
                    "instruction {index} repeats a compute budget request"
                ));
            } else {
                *slot = Some(value);
            }
        }
        let problems = &mut self.problems;
        match ix {
            ComputeBudgetInstruction::SetComputeUnitLimit(u) => {
                set(&mut self.unit_limit, u, index, problems);
            }
            ComputeBudgetInstruction::SetComputeUnitPrice(p) => {
                set(&mut self.unit_price, p, index, problems);
            }
            ComputeBudgetInstruction::RequestHeapFrame(bytes) => {
                if !(32 * 1024..=256 * 1024).contains(&bytes) || bytes % 1024 != 0 {
                    problems.push(format!(
                        "instruction {index} requests an invalid heap frame of {bytes} bytes"
                    ));
                }
                set(&mut self.heap_frame, bytes, index, problems);
            }
            ComputeBudgetInstruction::SetLoadedAccountsDataSizeLimit(bytes) => {
                if bytes == 0 {
                    problems.push(format!(
                        "instruction {index} sets a loaded accounts data size limit of 0"
                    ));
                }
                set(&mut self.loaded_accounts_data_size, bytes, index, problems);
            }
            ComputeBudgetInstruction::Invalid => {
                problems.push(format!(
                    "instruction {index} is not a valid compute budget instruction"
                ));
            }
        }
    }
}

/// The fee of a transaction with `required_signatures` signatures whose
/// instructions are `(program, data)` in order, given its compute-budget
/// requests.
pub fn compute<'a>(
    required_signatures: u8,
    instructions: impl Iterator<Item = (&'a Pubkey, &'a [u8])> + Clone,
    budget: &BudgetAnalysis,
) -> FeeBreakdown {
    let precompile_signatures: u64 = instructions
        .clone()
        .filter(|(program, _)| PRECOMPILES.contains(program))
        .map(|(_, data)| u64::from(data.first().copied().unwrap_or(0)))
        .sum();
    let signatures = u64::from(required_signatures).saturating_add(precompile_signatures);
    let signature_fee = signatures.saturating_mul(LAMPORTS_PER_SIGNATURE);
    let compute_unit_limit = budget
        .unit_limit
        .unwrap_or_else(|| {
            instructions
                .map(|(program, _)| {
                    if BUILTIN_PROGRAMS.contains(program) {
                        BUILTIN_INSTRUCTION_COMPUTE_UNIT_LIMIT
                    } else {
                        DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT
                    }
                })
                .fold(0u32, u32::saturating_add)
        })
        .min(MAX_COMPUTE_UNIT_LIMIT);
    let micro_lamports_per_unit = budget.unit_price.unwrap_or(0);
    let priority = priority_fee(compute_unit_limit, micro_lamports_per_unit);
    FeeBreakdown {
        signatures,
        signature_fee,
        compute_unit_limit,
        compute_unit_limit_requested: budget.unit_limit.is_some(),
        micro_lamports_per_unit,
        priority_fee: priority,
        total: signature_fee.saturating_add(priority),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solana::programs::{COMPUTE_BUDGET_PROGRAM, SYSTEM_PROGRAM, TOKEN_PROGRAM};
    use proptest::prelude::*;

    fn fee(sigs: u8, ixs: &[(Pubkey, Vec<u8>)], budget: &BudgetAnalysis) -> FeeBreakdown {
        compute(sigs, ixs.iter().map(|(p, d)| (p, d.as_slice())), budget)
    }

    #[test]
    fn priority_fee_rounds_up() {
        assert_eq!(priority_fee(200_000, 0), 0);
        assert_eq!(priority_fee(200_000, 1), 1); // 0.2 lamports → 1
        assert_eq!(priority_fee(1_000_000, 1), 1);
        assert_eq!(priority_fee(1_000_001, 1), 2);
        assert_eq!(priority_fee(300_000, 10_000), 3_000);
        assert_eq!(
            priority_fee(u32::MAX, u64::MAX),
            u64::try_from((u128::from(u32::MAX) * u128::from(u64::MAX)).div_ceil(1_000_000))
                .unwrap_or(u64::MAX)
        );
    }

    #[test]
    fn plain_transfer_costs_one_signature() {
        let f = fee(
            1,
            &[(SYSTEM_PROGRAM, vec![2, 0, 0, 0])],
            &BudgetAnalysis::default(),
        );
        assert_eq!(f.total, 5_000);
        assert_eq!(f.compute_unit_limit, 3_000);
        assert_eq!(f.priority_fee, 0);
    }

    #[test]
    fn default_limit_counts_builtins_and_caps() {
        let budget = BudgetAnalysis {
            unit_price: Some(1_000_000),
            ..BudgetAnalysis::default()
        };
        let ixs = [
            (COMPUTE_BUDGET_PROGRAM, vec![3]),
            (SYSTEM_PROGRAM, vec![]),
            (TOKEN_PROGRAM, vec![]),
        ];
        let f = fee(2, &ixs, &budget);
        assert_eq!(f.compute_unit_limit, 3_000 + 3_000 + 200_000);
        assert_eq!(f.priority_fee, 206_000);
        assert_eq!(f.total, 10_000 + 206_000);
        assert!(!f.compute_unit_limit_requested);
        let many: Vec<_> = (0..10).map(|_| (TOKEN_PROGRAM, vec![])).collect();
        assert_eq!(
            fee(1, &many, &budget).compute_unit_limit,
            MAX_COMPUTE_UNIT_LIMIT
        );
    }

    #[test]
    fn requested_limit_wins_and_is_capped() {
        let mut budget = BudgetAnalysis::default();
        budget.record(0, ComputeBudgetInstruction::SetComputeUnitLimit(2_000_000));
        budget.record(1, ComputeBudgetInstruction::SetComputeUnitPrice(10));
        let f = fee(1, &[(TOKEN_PROGRAM, vec![])], &budget);
        assert_eq!(f.compute_unit_limit, MAX_COMPUTE_UNIT_LIMIT);
        assert_eq!(f.priority_fee, 14);
        assert!(budget.problems.is_empty());
    }

    #[test]
    fn precompile_signatures_are_charged() {
        let ixs = [(PRECOMPILES[0], vec![2, 0]), (PRECOMPILES[1], vec![])];
        assert_eq!(
            fee(1, &ixs, &BudgetAnalysis::default()).signature_fee,
            15_000
        );
    }

    #[test]
    fn refused_budgets_are_problems() {
        let mut b = BudgetAnalysis::default();
        b.record(0, ComputeBudgetInstruction::SetComputeUnitPrice(1));
        b.record(1, ComputeBudgetInstruction::SetComputeUnitPrice(2));
        b.record(2, ComputeBudgetInstruction::Invalid);
        b.record(3, ComputeBudgetInstruction::RequestHeapFrame(1000));
        b.record(
            4,
            ComputeBudgetInstruction::SetLoadedAccountsDataSizeLimit(0),
        );
        assert_eq!(b.problems.len(), 4);
        assert_eq!(b.unit_price, Some(1));
    }

    proptest! {
        #[test]
        fn priority_fee_is_the_ceiling(limit in any::<u32>(), price in 0u64..1u64 << 40) {
            let f = u128::from(priority_fee(limit, price));
            let micro = u128::from(limit) * u128::from(price);
            prop_assert!(f * 1_000_000 >= micro);
            prop_assert!(f * 1_000_000 < micro + 1_000_000);
        }
    }
}
