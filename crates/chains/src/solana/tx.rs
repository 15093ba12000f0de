//! An unsigned Solana transaction: built here (System transfer, SPL Token
//! `TransferChecked`) or decoded from another wallet's bytes; the message
//! bytes the FROST-Ed25519 key signs (RFC 8032 over the whole serialized
//! message); and the signed wire transaction.
//!
//! Accepted input ([`UnsignedTx::decode`]): bare message bytes, or a wire
//! transaction (compact-u16 signature count, 64-byte slots, message). A slot
//! is either all zeros (to be signed) or a signature that verifies under its
//! signer's key: a transaction partly signed by another signer is accepted,
//! a wrong signature is refused. [`UnsignedTx::with_signature`] fills (or
//! replaces) a slot with a verified signature; [`UnsignedTx::assemble`] also
//! requires every slot to be filled.
//!
//! Signatures are checked with `ed25519-dalek`'s `verify_strict`, the check
//! the Solana runtime itself applies, not with the FROST library that made
//! them.

use ed25519_dalek::{Signature, VerifyingKey};
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_message::{VersionedMessage, legacy};
use solana_pubkey::Pubkey;

use super::address::associated_token_address;
use super::fee::{ComputeBudget, MAX_COMPUTE_UNIT_LIMIT};
use super::instruction::token::TransferChecked;
use super::instruction::{ata, compute_budget, system, token};
use super::programs::is_token_program;
use super::wire::{self, DecodeError};

/// An SPL token transfer to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplTransfer {
    /// The sending wallet: owns the source token account, signs, pays the fee
    /// (and the rent of the recipient's account if it is created).
    pub owner: Pubkey,
    /// The mint.
    pub mint: Pubkey,
    /// The mint's decimals (the program checks them).
    pub decimals: u8,
    /// The recipient wallet (not its token account).
    pub to_wallet: Pubkey,
    /// Base units.
    pub amount: u64,
    /// SPL Token or Token-2022 (the mint's owner).
    pub token_program: Pubkey,
    /// Add `CreateIdempotent` for the recipient's associated token account
    /// (when it may not exist yet: it costs the rent only if it does not).
    pub create_recipient_account: bool,
}

/// Why a transaction could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A transfer of nothing.
    #[error("the amount is zero")]
    ZeroAmount,
    /// Not SPL Token or Token-2022.
    #[error("{0} is not the SPL Token or Token-2022 program")]
    UnsupportedTokenProgram(String),
    /// No associated token account address exists (never in practice).
    #[error("no associated token account exists for wallet {wallet} and mint {mint}")]
    NoAssociatedAccount {
        /// The wallet.
        wallet: String,
        /// The mint.
        mint: String,
    },
    /// A compute unit limit of 0 or above 1 400 000.
    #[error("compute unit limit {0} is not in 1..=1400000")]
    ComputeUnitLimit(u32),
    /// Our own encoding did not decode: a bug here, not bad input.
    #[error("internal error: the built message does not decode ({0})")]
    Internal(DecodeError),
}

/// Why a signature could not be put into the transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssembleError {
    /// The key is not one of the message's required signers.
    #[error("{signer} is not a signer of this transaction")]
    NotASigner {
        /// The key.
        signer: String,
    },
    /// The signature does not verify for that key over the message bytes.
    #[error("the signature does not verify for {signer} over the message")]
    InvalidSignature {
        /// The key.
        signer: String,
    },
    /// Other required signatures are still missing.
    #[error("signatures still missing from {}", missing.join(", "))]
    MissingSignatures {
        /// The signers whose slots are empty.
        missing: Vec<String>,
    },
}

/// A Solana transaction whose message is fixed and whose signature slots may
/// be empty. Built only by decoding bytes (the builders encode, then decode
/// their own output), so every value of this type passed the strict decoder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedTx {
    message: VersionedMessage,
    message_bytes: Vec<u8>,
    signatures: Vec<[u8; 64]>,
}

impl UnsignedTx {
    /// A SOL transfer of `lamports` from `from` (signer, fee payer) to `to`,
    /// valid until `recent_blockhash` expires (about 150 blocks), with an
    /// optional priority fee.
    pub fn sol_transfer(
        from: &Pubkey,
        to: &Pubkey,
        lamports: u64,
        recent_blockhash: Hash,
        priority: Option<ComputeBudget>,
    ) -> Result<Self, BuildError> {
        if lamports == 0 {
            return Err(BuildError::ZeroAmount);
        }
        let mut ixs = budget_instructions(priority)?;
        ixs.push(system::transfer(from, to, lamports));
        Self::from_instructions(&ixs, from, recent_blockhash)
    }

    /// An SPL `TransferChecked` from the owner's associated token account to
    /// the recipient's, creating the latter first when asked.
    pub fn spl_transfer_checked(
        transfer: &SplTransfer,
        recent_blockhash: Hash,
        priority: Option<ComputeBudget>,
    ) -> Result<Self, BuildError> {
        let t = transfer;
        if t.amount == 0 {
            return Err(BuildError::ZeroAmount);
        }
        if !is_token_program(&t.token_program) {
            return Err(BuildError::UnsupportedTokenProgram(
                t.token_program.to_string(),
            ));
        }
        let ata_of = |wallet: &Pubkey| {
            associated_token_address(wallet, &t.mint, &t.token_program).ok_or_else(|| {
                BuildError::NoAssociatedAccount {
                    wallet: wallet.to_string(),
                    mint: t.mint.to_string(),
                }
            })
        };
        let source = ata_of(&t.owner)?;
        let destination = ata_of(&t.to_wallet)?;
        let mut ixs = budget_instructions(priority)?;
        if t.create_recipient_account {
            ixs.push(ata::create_idempotent(
                &t.owner,
                &destination,
                &t.to_wallet,
                &t.mint,
                &t.token_program,
            ));
        }
        ixs.push(token::transfer_checked(&TransferChecked {
            token_program: t.token_program,
            source,
            mint: t.mint,
            destination,
            owner: t.owner,
            amount: t.amount,
            decimals: t.decimals,
        }));
        Self::from_instructions(&ixs, &t.owner, recent_blockhash)
    }

    fn from_instructions(
        ixs: &[Instruction],
        payer: &Pubkey,
        recent_blockhash: Hash,
    ) -> Result<Self, BuildError> {
        let message = legacy::Message::new_with_blockhash(ixs, Some(payer), &recent_blockhash);
        UnsignedTx::decode(&message.serialize()).map_err(BuildError::Internal)
    }

    /// Decodes message bytes or a wire transaction (see the module docs for
    /// which signature slots are accepted).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let decoded = wire::decode(bytes)?;
        let tx = UnsignedTx {
            message: decoded.message,
            message_bytes: decoded.message_bytes,
            signatures: decoded.signatures,
        };
        for (slot, (signer, signature)) in tx.signers().iter().zip(&tx.signatures).enumerate() {
            if *signature != [0; 64] && !verifies(signer, &tx.message_bytes, signature) {
                return Err(DecodeError::BadSignature {
                    slot,
                    signer: signer.to_string(),
                });
            }
        }
        Ok(tx)
    }

    /// The bytes every signer signs: the serialized message.
    pub fn message_bytes(&self) -> &[u8] {
        &self.message_bytes
    }

    /// The decoded message.
    pub fn message(&self) -> &VersionedMessage {
        &self.message
    }

    /// The keys that must sign, in slot order (the first pays the fee).
    pub fn signers(&self) -> &[Pubkey] {
        let keys = self.message.static_account_keys();
        let n = usize::from(self.message.header().num_required_signatures);
        keys.get(..n).unwrap_or(keys)
    }

    /// The fee payer (the first signer).
    pub fn fee_payer(&self) -> Option<Pubkey> {
        self.signers().first().copied()
    }

    /// The recent blockhash the transaction is valid with.
    pub fn recent_blockhash(&self) -> Hash {
        Hash::new_from_array(self.message.recent_blockhash().to_bytes())
    }

    /// The signature slots (all zeros = empty).
    pub fn signatures(&self) -> &[[u8; 64]] {
        &self.signatures
    }

    /// The signers whose slots are empty.
    pub fn missing_signers(&self) -> Vec<Pubkey> {
        self.signers()
            .iter()
            .zip(&self.signatures)
            .filter(|(_, s)| **s == [0; 64])
            .map(|(k, _)| *k)
            .collect()
    }

    /// The transaction id: the fee payer's signature in base58, once signed.
    pub fn transaction_id(&self) -> Option<String> {
        self.signatures
            .first()
            .filter(|s| **s != [0; 64])
            .map(|s| bs58::encode(s).into_string())
    }

    /// The wire transaction as it stands (empty slots are zeros): what
    /// `sendTransaction` takes once complete, and a valid proposal format.
    pub fn wire_bytes(&self) -> Vec<u8> {
        wire::encode_transaction(&self.signatures, &self.message_bytes)
    }

    /// This transaction with `signature` by `signer` in its slot, after
    /// checking that it verifies over the message bytes.
    pub fn with_signature(
        &self,
        signer: &Pubkey,
        signature: &[u8; 64],
    ) -> Result<UnsignedTx, AssembleError> {
        let slot = self
            .signers()
            .iter()
            .position(|k| k == signer)
            .ok_or_else(|| AssembleError::NotASigner {
                signer: signer.to_string(),
            })?;
        if !verifies(signer, &self.message_bytes, signature) {
            return Err(AssembleError::InvalidSignature {
                signer: signer.to_string(),
            });
        }
        let mut tx = self.clone();
        if let Some(s) = tx.signatures.get_mut(slot) {
            *s = *signature;
        }
        Ok(tx)
    }

    /// The signed wire transaction: `signature` by `signer` verified and
    /// placed, every other slot already filled.
    pub fn assemble(
        &self,
        signer: &Pubkey,
        signature: &[u8; 64],
    ) -> Result<Vec<u8>, AssembleError> {
        let tx = self.with_signature(signer, signature)?;
        let missing = tx.missing_signers();
        if !missing.is_empty() {
            return Err(AssembleError::MissingSignatures {
                missing: missing.iter().map(ToString::to_string).collect(),
            });
        }
        Ok(tx.wire_bytes())
    }
}

/// `SetComputeUnitLimit` + `SetComputeUnitPrice` for `priority`, if any.
fn budget_instructions(priority: Option<ComputeBudget>) -> Result<Vec<Instruction>, BuildError> {
    let Some(p) = priority else {
        return Ok(Vec::new());
    };
    if p.unit_limit == 0 || p.unit_limit > MAX_COMPUTE_UNIT_LIMIT {
        return Err(BuildError::ComputeUnitLimit(p.unit_limit));
    }
    Ok(vec![
        compute_budget::set_compute_unit_limit(p.unit_limit),
        compute_budget::set_compute_unit_price(p.micro_lamports_per_unit),
    ])
}

/// RFC 8032 verification as the runtime does it (`verify_strict`: no small
/// order keys or R, canonical s).
fn verifies(signer: &Pubkey, message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(signer.as_array()) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(signature))
        .is_ok()
}
