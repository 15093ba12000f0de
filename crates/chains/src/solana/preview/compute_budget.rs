//! Compute Budget program instructions in the preview: listed as calls and
//! recorded for the priority fee ([`crate::solana::fee`]).

use solana_pubkey::Pubkey;

use super::{Builder, call};
use crate::solana::instruction::ComputeBudgetInstruction;

impl Builder<'_> {
    /// Adds a Compute Budget instruction.
    pub(super) fn compute_budget(
        &mut self,
        i: usize,
        program: &Pubkey,
        cb: ComputeBudgetInstruction,
    ) {
        self.budget.record(i, cb);
        let (function, arg) = match cb {
            ComputeBudgetInstruction::SetComputeUnitLimit(u) => {
                ("SetComputeUnitLimit", Some(("units", u.to_string())))
            }
            ComputeBudgetInstruction::SetComputeUnitPrice(p) => (
                "SetComputeUnitPrice",
                Some(("micro_lamports", p.to_string())),
            ),
            ComputeBudgetInstruction::RequestHeapFrame(b) => {
                ("RequestHeapFrame", Some(("bytes", b.to_string())))
            }
            ComputeBudgetInstruction::SetLoadedAccountsDataSizeLimit(b) => (
                "SetLoadedAccountsDataSizeLimit",
                Some(("bytes", b.to_string())),
            ),
            ComputeBudgetInstruction::Invalid => ("invalid", None),
        };
        let args: Vec<_> = arg.into_iter().collect();
        self.calls.push(call(program, function, &args));
    }
}
