//! The preview of a Solana transaction, computed from its raw bytes alone
//! (message or wire transaction) plus, when given, the wallet's address:
//! SOL moved by System `Transfer` / `CreateAccount` / `TransferWithSeed` /
//! `WithdrawNonceAccount`, the rent paid to create associated token
//! accounts, the SOL a token `CloseAccount` gives away, tokens moved by SPL
//! `TransferChecked` and `Transfer` (the recipient named as a wallet when the
//! same transaction creates its associated token account, else as the token
//! account), the exact fee ([`super::fee`]), warnings, and the typed
//! effects ([`crate::effect`]).
//!
//! One file per instruction family, as in [`super::instruction`]: `system`,
//! `token`, `ata` (Associated Token Account), `compute_budget`, and `unknown`
//! for what the preview cannot decode.
//!
//! A token `Transfer` states no mint: the mint is named when the source is
//! the authority's associated token account for a mint the transaction or
//! the known-mint table names, or when the transaction creates the
//! destination; otherwise the asset shown is the source token account, in
//! base units, with a warning. Instructions the preview cannot decode are
//! flagged, and the flag says so when the wallet signs them or is writable
//! in them.
//!
//! Address lookup tables (v0): the accounts an instruction takes from a table
//! are not in the bytes, so nobody can say from the bytes alone who receives
//! what. Such a transaction is refused ([`PreviewError::LookupTableAccount`])
//! rather than previewed with a warning: a co-signer must not be asked to
//! approve a recipient it cannot show. v0 messages whose instructions use
//! only static accounts are previewed normally.
//!
//! Self-sends are matched exactly, not with the shared case-insensitive
//! helper: base58 is case-sensitive.

use std::collections::BTreeMap;

use solana_message::VersionedMessage;
use solana_pubkey::Pubkey;

mod ata;
mod compute_budget;
mod system;
mod token;
mod unknown;

use super::address::associated_token_address;
use super::fee::{self, BudgetAnalysis, FeeBreakdown};
use super::instruction::{self, Decoded, DecodedInstruction};
use super::tx::UnsignedTx;
use super::wire::DecodeError;
use super::{FEE_CAP_LAMPORTS, SOL_DECIMALS};
use crate::amount::Amount;
use crate::chain::Chain;
use crate::effect::Effect;
use crate::preview::{Asset, Call, FeeKind, Preview, Transfer, Warning, fee_warnings};

/// Rent-exempt minimum of a 165-byte SPL Token account, in lamports
/// ((128 + 165) bytes × 3 480 lamports per byte-year × 2 years).
pub const TOKEN_ACCOUNT_RENT: u64 = 2_039_280;

/// Rent-exempt minimum of the smallest Token-2022 associated token account
/// (170 bytes: the 165-byte account, its account-type byte and the
/// `ImmutableOwner` extension), in lamports; mint extensions add more.
pub const TOKEN_2022_ACCOUNT_MIN_RENT: u64 = 2_074_080;

/// Why no preview could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PreviewError {
    /// The bytes are not a transaction we can sign.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// An instruction takes an account from an address lookup table.
    #[error(
        "instruction {instruction} uses account #{index} from an address lookup table: \
         the accounts it touches cannot be named from the transaction alone"
    )]
    LookupTableAccount {
        /// The instruction's position.
        instruction: usize,
        /// The account index (≥ the number of static keys).
        index: u8,
    },
}

/// Previews `bytes` (message or wire transaction) on `network` (as the
/// caller names it: `mainnet`, `devnet`, `localnet`...), for `wallet` if
/// given.
pub fn preview(
    bytes: &[u8],
    network: &str,
    wallet: Option<&Pubkey>,
) -> Result<Preview, PreviewError> {
    preview_tx(&UnsignedTx::decode(bytes)?, network, wallet)
}

/// Previews an already decoded transaction.
pub fn preview_tx(
    tx: &UnsignedTx,
    network: &str,
    wallet: Option<&Pubkey>,
) -> Result<Preview, PreviewError> {
    let message = tx.message();
    let decoded = decode_all(message)?;
    let mut b = Builder {
        network,
        wallet,
        message,
        decoded: &decoded,
        transfers: Vec::new(),
        calls: Vec::new(),
        warnings: Vec::new(),
        effects: Vec::new(),
        budget: BudgetAnalysis::default(),
        mints: Vec::new(),
    };
    for (i, d) in decoded.iter().enumerate() {
        b.add(i, d);
    }
    let breakdown = fee::compute(
        message.header().num_required_signatures,
        decoded.iter().map(|d| (&d.program, d.data.as_slice())),
        &b.budget,
    );
    let fee = Amount::from_u64(breakdown.total, SOL_DECIMALS);
    let Builder {
        transfers,
        calls,
        mut warnings,
        effects,
        budget,
        mints,
        ..
    } = b;
    for problem in &budget.problems {
        warnings.push(Warning::Unusual {
            detail: format!("the network will refuse this transaction: {problem}"),
        });
    }
    if has_duplicate_keys(message) {
        warnings.push(Warning::Unusual {
            detail: "the network will refuse this transaction: an account key appears twice".into(),
        });
    }
    if let Some(w) = wallet {
        wallet_warnings(tx, w, &mints, &transfers, &mut warnings);
    }
    warnings.extend(fee_warnings(
        fee,
        &transfers,
        Amount::from_u64(FEE_CAP_LAMPORTS, SOL_DECIMALS),
    ));
    Ok(Preview {
        chain: Chain::Solana,
        network: network.to_owned(),
        transfers,
        change: Vec::new(),
        fee,
        fee_kind: FeeKind::Exact,
        calls,
        warnings,
        effects,
        details: details(tx, &breakdown),
    })
}

/// One instruction with its accounts resolved.
struct Resolved {
    program: Pubkey,
    accounts: Vec<Pubkey>,
    data: Vec<u8>,
    ix: DecodedInstruction,
}

/// Whether an account key appears twice (the runtime refuses the
/// transaction: `AccountLoadedTwice`).
fn has_duplicate_keys(message: &VersionedMessage) -> bool {
    let mut keys: Vec<&Pubkey> = message.static_account_keys().iter().collect();
    keys.sort();
    keys.windows(2).any(|w| w.first() == w.get(1))
}

fn decode_all(message: &VersionedMessage) -> Result<Vec<Resolved>, PreviewError> {
    let keys = message.static_account_keys();
    let key = |index: u8| keys.get(usize::from(index)).copied();
    message
        .instructions()
        .iter()
        .enumerate()
        .map(|(i, ci)| {
            let program = key(ci.program_id_index).ok_or(PreviewError::LookupTableAccount {
                instruction: i,
                index: ci.program_id_index,
            })?;
            let accounts = ci
                .accounts
                .iter()
                .map(|&index| {
                    key(index).ok_or(PreviewError::LookupTableAccount {
                        instruction: i,
                        index,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Resolved {
                program,
                ix: instruction::decode(&program, &accounts, &ci.data),
                accounts,
                data: ci.data.clone(),
            })
        })
        .collect()
}

struct Builder<'a> {
    network: &'a str,
    wallet: Option<&'a Pubkey>,
    message: &'a VersionedMessage,
    decoded: &'a [Resolved],
    transfers: Vec<Transfer>,
    calls: Vec<Call>,
    warnings: Vec<Warning>,
    effects: Vec<Effect>,
    budget: BudgetAnalysis,
    /// `(mint, token program)` of the tokens the transaction moves or
    /// creates accounts for.
    mints: Vec<(Pubkey, Pubkey)>,
}

/// `0.00203928 SOL`.
fn sol_text(lamports: u64) -> String {
    format!("{} SOL", Amount::from_u64(lamports, SOL_DECIMALS))
}

fn call(program: &Pubkey, function: &str, args: &[(&str, String)]) -> Call {
    Call {
        program: program.to_string(),
        function: function.to_owned(),
        args: args
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    }
}

fn sol(lamports: u64) -> Transfer {
    Transfer {
        to: String::new(),
        amount: Amount::from_u64(lamports, SOL_DECIMALS),
        asset: Asset::Native,
        symbol: Some("SOL".into()),
        decimals_known: true,
    }
}

impl Builder<'_> {
    fn unusual(&mut self, detail: String) {
        self.warnings.push(Warning::Unusual { detail });
    }

    /// Value leaving the wallet: a transfer, and its effect.
    fn transfer(&mut self, transfer: Transfer) {
        self.effects.push(Effect::Transfer(transfer.clone()));
        self.transfers.push(transfer);
    }

    fn check_source(&mut self, i: usize, source: &Pubkey, what: &str) {
        if let Some(w) = self.wallet
            && source != w
        {
            self.unusual(format!(
                "instruction {i} moves {what} of {source}, not of this wallet"
            ));
        }
    }

    /// Warns when `authority`, who controls what instruction `i` moves, is
    /// not the wallet.
    fn check_authority(&mut self, i: usize, authority: &Pubkey, what: &str) {
        if let Some(w) = self.wallet
            && authority != w
        {
            self.unusual(format!(
                "instruction {i} moves {what}, controlled by {authority}, not by this wallet"
            ));
        }
    }

    fn note_mint(&mut self, mint: &Pubkey, token_program: &Pubkey) {
        if !self.mints.contains(&(*mint, *token_program)) {
            self.mints.push((*mint, *token_program));
        }
    }

    fn add(&mut self, i: usize, r: &Resolved) {
        let program = &r.program;
        if r.ix.extra_data > 0 {
            self.unusual(format!(
                "instruction {i} carries {} data bytes its program ignores",
                r.ix.extra_data
            ));
        }
        let decoded = &r.ix.decoded;
        match decoded {
            Decoded::SolTransfer { .. }
            | Decoded::CreateAccount { .. }
            | Decoded::SolTransferWithSeed { .. }
            | Decoded::WithdrawNonce { .. } => self.system(i, program, decoded),
            Decoded::TokenCloseAccount { .. }
            | Decoded::TokenTransferChecked { .. }
            | Decoded::TokenTransfer { .. } => self.token(i, decoded),
            Decoded::CreateAssociatedAccount { .. } => self.ata(i, program, decoded),
            Decoded::ComputeBudget(cb) => self.compute_budget(i, program, *cb),
            Decoded::Unknown { program, what } => self.unknown(r, program, what.as_deref()),
        }
    }
}

/// Warnings that need the wallet: not a signer, not the fee payer, sends to
/// itself (its address or one of its associated token accounts).
fn wallet_warnings(
    tx: &UnsignedTx,
    wallet: &Pubkey,
    mints: &[(Pubkey, Pubkey)],
    transfers: &[Transfer],
    warnings: &mut Vec<Warning>,
) {
    if !tx.signers().contains(wallet) {
        warnings.push(Warning::Unusual {
            detail: format!("the wallet {wallet} is not a signer of this transaction"),
        });
    } else if tx.fee_payer() != Some(*wallet) {
        let payer = tx.fee_payer().map(|p| p.to_string()).unwrap_or_default();
        warnings.push(Warning::Unusual {
            detail: format!("the fee is paid by {payer}, not by this wallet"),
        });
    }
    let mut own = vec![wallet.to_string()];
    for (mint, token_program) in mints {
        if let Some(ata) = associated_token_address(wallet, mint, token_program) {
            own.push(ata.to_string());
        }
    }
    for t in transfers {
        if own.contains(&t.to) {
            warnings.push(Warning::SendToSelf { to: t.to.clone() });
        }
    }
}

fn details(tx: &UnsignedTx, fee: &FeeBreakdown) -> BTreeMap<String, String> {
    let message = tx.message();
    let version = match message {
        VersionedMessage::Legacy(_) => "legacy",
        VersionedMessage::V0(_) => "0",
        VersionedMessage::V1(_) => "1",
    };
    let signed = tx
        .signers()
        .len()
        .saturating_sub(tx.missing_signers().len());
    let mut d = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        d.insert(k.to_owned(), v);
    };
    put("version", version.into());
    if let Some(payer) = tx.fee_payer() {
        put("fee_payer", payer.to_string());
    }
    put("recent_blockhash", tx.recent_blockhash().to_string());
    put(
        "signers",
        tx.signers()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
    );
    put("signatures_present", signed.to_string());
    put("signature_fee", fee.signature_fee.to_string());
    put("priority_fee", fee.priority_fee.to_string());
    put("compute_unit_limit", fee.compute_unit_limit.to_string());
    put(
        "compute_unit_price_micro_lamports",
        fee.micro_lamports_per_unit.to_string(),
    );
    if let Some(lookups) = message.address_table_lookups() {
        put("address_table_lookups", lookups.len().to_string());
    }
    d
}
