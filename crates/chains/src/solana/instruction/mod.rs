//! The instructions Accord builds and previews, encoded and decoded from
//! their documented layouts: System (`Transfer`, `CreateAccount`,
//! `TransferWithSeed`, `WithdrawNonceAccount`; bincode, `u32` tag), SPL
//! Token (`TransferChecked`, `Transfer`, `CloseAccount`; `u8` tag), SPL
//! Associated Token Account (`Create`, `CreateIdempotent`) and Compute Budget
//! (`SetComputeUnitLimit`, `SetComputeUnitPrice`, ...; borsh, `u8` tag).
//!
//! Decoding reads what the program itself reads: programs ignore data after
//! the fields they use, so such bytes do not stop the decoding, but they are
//! reported ([`DecodedInstruction::extra_data`]). Accounts are passed already
//! resolved.

pub mod ata;
pub mod compute_budget;
pub mod system;
pub mod token;

use solana_pubkey::Pubkey;

use super::programs::is_token_program;
use super::programs::{ASSOCIATED_TOKEN_PROGRAM, COMPUTE_BUDGET_PROGRAM, SYSTEM_PROGRAM};

pub use compute_budget::ComputeBudgetInstruction;

/// What one instruction does, as far as the preview understands it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// System `Transfer`.
    SolTransfer {
        /// Funding account (signer).
        from: Pubkey,
        /// Recipient.
        to: Pubkey,
        /// Lamports moved.
        lamports: u64,
    },
    /// System `CreateAccount`: funds and allocates a new account.
    CreateAccount {
        /// Funding account (signer).
        from: Pubkey,
        /// The new account.
        new: Pubkey,
        /// Lamports moved into it.
        lamports: u64,
        /// Its data size.
        space: u64,
        /// Its owner program.
        owner: Pubkey,
    },
    /// System `TransferWithSeed`: lamports out of `from`, an account derived
    /// from `base`, `seed` and `owner`, under `base`'s signature.
    SolTransferWithSeed {
        /// Funding account (derived from `base`).
        from: Pubkey,
        /// Its base (signer).
        base: Pubkey,
        /// Recipient.
        to: Pubkey,
        /// Lamports moved.
        lamports: u64,
        /// The derivation seed.
        seed: String,
        /// The derivation's owner program.
        owner: Pubkey,
    },
    /// System `WithdrawNonceAccount`: lamports out of a durable-nonce account.
    WithdrawNonce {
        /// The nonce account.
        nonce_account: Pubkey,
        /// Recipient.
        to: Pubkey,
        /// The nonce authority (signer).
        authority: Pubkey,
        /// Lamports moved.
        lamports: u64,
    },
    /// SPL Token / Token-2022 `TransferChecked`.
    TokenTransferChecked {
        /// The token program.
        token_program: Pubkey,
        /// Source token account.
        source: Pubkey,
        /// The mint.
        mint: Pubkey,
        /// Destination token account.
        destination: Pubkey,
        /// The source's owner or delegate.
        authority: Pubkey,
        /// Base units.
        amount: u64,
        /// The mint's decimals, as the instruction states them.
        decimals: u8,
    },
    /// SPL Token / Token-2022 `Transfer` (no mint, no decimals).
    TokenTransfer {
        /// The token program.
        token_program: Pubkey,
        /// Source token account.
        source: Pubkey,
        /// Destination token account.
        destination: Pubkey,
        /// The source's owner or delegate.
        authority: Pubkey,
        /// Base units.
        amount: u64,
    },
    /// SPL Token / Token-2022 `CloseAccount`: all of the account's lamports
    /// go to `destination`.
    TokenCloseAccount {
        /// The token program.
        token_program: Pubkey,
        /// The token account closed.
        account: Pubkey,
        /// Receives its lamports.
        destination: Pubkey,
        /// Its owner or close authority (signer).
        authority: Pubkey,
    },
    /// Associated Token Account `Create` / `CreateIdempotent`.
    CreateAssociatedAccount {
        /// Pays the rent.
        payer: Pubkey,
        /// The account created.
        account: Pubkey,
        /// Its owner.
        wallet: Pubkey,
        /// Its mint.
        mint: Pubkey,
        /// The token program.
        token_program: Pubkey,
        /// `CreateIdempotent` (does nothing if the account exists).
        idempotent: bool,
    },
    /// A Compute Budget instruction.
    ComputeBudget(ComputeBudgetInstruction),
    /// An instruction of a program we know that the preview does not
    /// decode, or one that is malformed.
    Unknown {
        /// The program.
        program: Pubkey,
        /// What it is, if known (`"System Assign"`, `"malformed Transfer"`).
        what: Option<String>,
    },
}

/// One decoded instruction, with the count of data bytes its program ignores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedInstruction {
    /// What it does.
    pub decoded: Decoded,
    /// Data bytes after the fields the program reads.
    pub extra_data: usize,
}

impl DecodedInstruction {
    fn exact(decoded: Decoded) -> Self {
        DecodedInstruction {
            decoded,
            extra_data: 0,
        }
    }

    fn unknown(program: Pubkey, what: Option<String>) -> Self {
        DecodedInstruction::exact(Decoded::Unknown { program, what })
    }
}

/// Decodes one instruction of `program` with resolved `accounts` and `data`.
pub fn decode(program: &Pubkey, accounts: &[Pubkey], data: &[u8]) -> DecodedInstruction {
    if *program == SYSTEM_PROGRAM {
        system::decode(accounts, data)
    } else if is_token_program(program) {
        token::decode(program, accounts, data)
    } else if *program == ASSOCIATED_TOKEN_PROGRAM {
        ata::decode(accounts, data)
    } else if *program == COMPUTE_BUDGET_PROGRAM {
        compute_budget::decode(data)
    } else {
        DecodedInstruction::unknown(*program, None)
    }
}

/// Reads a little-endian `u64` at `at`.
fn le_u64(data: &[u8], at: usize) -> Option<u64> {
    let bytes: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Reads a little-endian `u32` at `at`.
fn le_u32(data: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}
