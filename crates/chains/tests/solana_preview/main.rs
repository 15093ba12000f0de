#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Solana previews from raw bytes: transactions made by other encoders (the
//! documented byte layout written out by hand, `solana-system-interface`,
//! `spl-token-interface` and `spl-associated-token-account-interface` with
//! `solana-message`), v0 messages with and without lookup-table accounts,
//! every warning, the typed effects, the fee, and the JSON shape.

use accord_chains::solana::address::associated_token_address;
use accord_chains::solana::fee::ComputeBudget;
use accord_chains::solana::instruction::{compute_budget, system};
use accord_chains::solana::programs::{
    PRECOMPILES, SYSTEM_PROGRAM, TOKEN_2022_PROGRAM, TOKEN_PROGRAM,
};
use accord_chains::solana::{Hash, PreviewError, Pubkey, SplTransfer, UnsignedTx, preview};
use accord_chains::{Asset, Effect, FeeKind, Preview, TokenFunction, Warning};
use alloy_primitives::U256;
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use solana_instruction::{AccountMeta, Instruction};
use solana_message::compiled_instruction::CompiledInstruction;
use solana_message::v0::{self, MessageAddressTableLookup};
use solana_message::{MessageHeader, VersionedMessage, legacy};

const USDC: Pubkey = Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");

fn key(seed: u8) -> Pubkey {
    Pubkey::new_from_array(
        SigningKey::from_bytes(&[seed; 32])
            .verifying_key()
            .to_bytes(),
    )
}

fn blockhash() -> Hash {
    Hash::new_from_array([0xab; 32])
}

fn message(ixs: &[Instruction], payer: &Pubkey) -> Vec<u8> {
    legacy::Message::new_with_blockhash(ixs, Some(payer), &blockhash()).serialize()
}

/// A solana-instruction 3 instruction (what the interface crates return) as
/// a solana-instruction 4 one (what solana-message 6 takes).
macro_rules! v4 {
    ($ix:expr) => {{
        let ix = $ix;
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
            data: ix.data.clone(),
        }
    }};
}

fn codes(p: &Preview) -> Vec<&'static str> {
    p.warnings.iter().map(Warning::code).collect()
}

fn details(p: &Preview) -> Vec<String> {
    p.warnings.iter().map(ToString::to_string).collect()
}

fn sol_transfer(from: &Pubkey, to: &Pubkey, lamports: u64) -> Vec<u8> {
    UnsignedTx::sol_transfer(from, to, lamports, blockhash(), None)
        .unwrap()
        .message_bytes()
        .to_vec()
}

mod effects;
mod encoders;
mod fee;
mod lookup_tables;
mod sol_transfers;
mod tokens;
mod warnings;
