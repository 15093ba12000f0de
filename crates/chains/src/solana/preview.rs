//! The preview of a Solana transaction, computed from its raw bytes alone
//! (message or wire transaction) plus, when given, the wallet's address:
//! SOL moved by System `Transfer` / `CreateAccount` / `TransferWithSeed` /
//! `WithdrawNonceAccount`, the rent paid to create associated token
//! accounts, the SOL a token `CloseAccount` gives away, tokens moved by SPL
//! `TransferChecked` and `Transfer` (the recipient named as a wallet when the
//! same transaction creates its associated token account, else as the token
//! account), the exact fee ([`super::fee`]), and warnings.
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

use super::address::associated_token_address;
use super::fee::{self, BudgetAnalysis, FeeBreakdown};
use super::instruction::{self, ComputeBudgetInstruction, Decoded, DecodedInstruction};
use super::programs::{KNOWN_MINTS, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, known_mint};
use super::tx::UnsignedTx;
use super::wire::DecodeError;
use super::{FEE_CAP_LAMPORTS, SOL_DECIMALS};
use crate::amount::Amount;
use crate::chain::Chain;
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
    budget: BudgetAnalysis,
    /// `(mint, token program)` of the tokens the transaction moves or
    /// creates accounts for.
    mints: Vec<(Pubkey, Pubkey)>,
}

/// Whether the static account `key` of `message` signs it and whether it is
/// writable, from the message header (the privileges every instruction that
/// lists it gets).
fn privileges(message: &VersionedMessage, key: &Pubkey) -> Option<(bool, bool)> {
    let keys = message.static_account_keys();
    let index = keys.iter().position(|k| k == key)?;
    let header = message.header();
    let signers = usize::from(header.num_required_signatures);
    let writable = if index < signers {
        index < signers.saturating_sub(usize::from(header.num_readonly_signed_accounts))
    } else {
        index
            < keys
                .len()
                .saturating_sub(usize::from(header.num_readonly_unsigned_accounts))
    };
    Some((index < signers, writable))
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
        match &r.ix.decoded {
            Decoded::SolTransfer { from, to, lamports } => {
                self.check_source(i, from, "SOL");
                if !to.is_on_curve() {
                    self.unusual(format!(
                        "instruction {i} sends SOL to {to}, a program address (off the \
                         Ed25519 curve): only its program can move it, and a token account \
                         does not hold SOL for its owner"
                    ));
                }
                self.transfers.push(Transfer {
                    to: to.to_string(),
                    ..sol(*lamports)
                });
                let args = [
                    ("from", from.to_string()),
                    ("to", to.to_string()),
                    ("lamports", lamports.to_string()),
                ];
                self.calls.push(call(program, "Transfer", &args));
            }
            Decoded::CreateAccount {
                from,
                new,
                lamports,
                space,
                owner,
            } => {
                self.check_source(i, from, "SOL");
                self.transfers.push(Transfer {
                    to: new.to_string(),
                    ..sol(*lamports)
                });
                let args = [
                    ("from", from.to_string()),
                    ("new_account", new.to_string()),
                    ("lamports", lamports.to_string()),
                    ("space", space.to_string()),
                    ("owner", owner.to_string()),
                ];
                self.calls.push(call(program, "CreateAccount", &args));
            }
            Decoded::SolTransferWithSeed {
                from,
                base,
                to,
                lamports,
                seed,
                owner,
            } => {
                self.check_authority(i, base, &format!("SOL of {from}"));
                self.transfers.push(Transfer {
                    to: to.to_string(),
                    ..sol(*lamports)
                });
                let args = [
                    ("from", from.to_string()),
                    ("base", base.to_string()),
                    ("seed", seed.clone()),
                    ("owner", owner.to_string()),
                    ("to", to.to_string()),
                    ("lamports", lamports.to_string()),
                ];
                self.calls.push(call(program, "TransferWithSeed", &args));
            }
            Decoded::WithdrawNonce {
                nonce_account,
                to,
                authority,
                lamports,
            } => {
                self.check_authority(
                    i,
                    authority,
                    &format!("SOL of nonce account {nonce_account}"),
                );
                self.transfers.push(Transfer {
                    to: to.to_string(),
                    ..sol(*lamports)
                });
                let args = [
                    ("nonce_account", nonce_account.to_string()),
                    ("to", to.to_string()),
                    ("authority", authority.to_string()),
                    ("lamports", lamports.to_string()),
                ];
                self.calls
                    .push(call(program, "WithdrawNonceAccount", &args));
            }
            Decoded::TokenCloseAccount {
                token_program,
                account,
                destination,
                authority,
            } => {
                self.check_authority(i, authority, &format!("the SOL of token account {account}"));
                // Back to the wallet itself, nothing leaves it.
                if self.wallet != Some(destination) {
                    self.unusual(format!(
                        "instruction {i} closes token account {account}: its whole SOL balance \
                         goes to {destination}. The transfer shows {}, the least a token \
                         account holds (its rent-exempt minimum); a wrapped-SOL account gives \
                         all the SOL it holds",
                        sol_text(TOKEN_ACCOUNT_RENT)
                    ));
                    self.transfers.push(Transfer {
                        to: destination.to_string(),
                        ..sol(TOKEN_ACCOUNT_RENT)
                    });
                }
                let args = [
                    ("account", account.to_string()),
                    ("destination", destination.to_string()),
                    ("authority", authority.to_string()),
                ];
                self.calls.push(call(token_program, "CloseAccount", &args));
            }
            Decoded::TokenTransferChecked {
                token_program,
                source,
                mint,
                destination,
                authority,
                amount,
                decimals,
            } => {
                self.check_source(i, authority, "tokens");
                self.note_mint(mint, token_program);
                let known = known_mint(self.network, mint);
                if let Some(k) = known
                    && k.decimals != *decimals
                {
                    self.unusual(format!(
                        "instruction {i} states {decimals} decimals for {}, which has {}: \
                         the token program will refuse it",
                        k.symbol, k.decimals
                    ));
                }
                let owner = self.created_owner(destination, mint, token_program);
                let to = owner.unwrap_or(*destination);
                self.transfers.push(Transfer {
                    to: to.to_string(),
                    amount: Amount::from_u64(*amount, *decimals),
                    asset: Asset::Token {
                        address: mint.to_string(),
                        symbol: known.map(|k| k.symbol.to_owned()),
                    },
                    symbol: known.map(|k| k.symbol.to_owned()),
                    decimals_known: true,
                });
                let recipient = match owner {
                    Some(o) => o.to_string(),
                    None => "not named in the transaction (destination is a token account)".into(),
                };
                let args = [
                    ("source", source.to_string()),
                    ("mint", mint.to_string()),
                    ("destination", destination.to_string()),
                    ("recipient", recipient),
                    ("authority", authority.to_string()),
                    ("amount", amount.to_string()),
                    ("decimals", decimals.to_string()),
                ];
                self.calls
                    .push(call(token_program, "TransferChecked", &args));
            }
            Decoded::TokenTransfer {
                token_program,
                source,
                destination,
                authority,
                amount,
            } => {
                self.check_source(i, authority, "tokens");
                let mint = self.transfer_mint(source, destination, authority, token_program);
                let known = mint.and_then(|m| known_mint(self.network, &m));
                let decimals = known
                    .map(|k| k.decimals)
                    .or_else(|| mint.and_then(|m| self.stated_decimals(&m, token_program)));
                let owner = mint.and_then(|m| self.created_owner(destination, &m, token_program));
                let to = owner.unwrap_or(*destination);
                let amount_text = match (decimals, known) {
                    (Some(d), Some(k)) => format!("{} {}", Amount::from_u64(*amount, d), k.symbol),
                    (Some(d), None) => format!("{} tokens", Amount::from_u64(*amount, d)),
                    (None, _) => format!("{amount} base units"),
                };
                let detail = match mint {
                    Some(m) => {
                        if let Some(known) = known {
                            format!(
                                "instruction {i} is a token Transfer, which states neither mint \
                                 nor decimals: {source} is {authority}'s associated token account \
                                 for {} ({m}), so it moves {amount_text} to {to}",
                                known.symbol
                            )
                        } else {
                            let decimals_note = if decimals.is_some() {
                                ", with the decimals another instruction states for it"
                            } else {
                                "; its decimals are not stated, so the amount is in base units"
                            };
                            format!(
                                "instruction {i} is a token Transfer, which states neither mint \
                                 nor decimals: its accounts make the mint {m}{decimals_note}; it \
                                 moves {amount_text} from {source} to {to}"
                            )
                        }
                    }
                    None => format!(
                        "instruction {i} is a token Transfer, which states neither mint nor \
                         decimals: {amount} base units of the unnamed token held in token account \
                         {source} (shown as the asset, since the mint is unknown) go to \
                         {destination}"
                    ),
                };
                self.unusual(detail);
                if let Some(m) = mint {
                    self.note_mint(&m, token_program);
                }
                let symbol = known.map(|k| k.symbol.to_owned());
                self.transfers.push(Transfer {
                    to: to.to_string(),
                    amount: Amount::from_u64(*amount, decimals.unwrap_or(0)),
                    asset: Asset::Token {
                        address: mint.unwrap_or(*source).to_string(),
                        symbol: symbol.clone(),
                    },
                    symbol,
                    decimals_known: decimals.is_some(),
                });
                let mut args = vec![
                    ("source", source.to_string()),
                    ("destination", destination.to_string()),
                    ("authority", authority.to_string()),
                    ("amount", amount.to_string()),
                ];
                args.push((
                    "mint",
                    mint.map_or_else(|| "not stated".to_owned(), |m| m.to_string()),
                ));
                if let Some(o) = owner {
                    args.push(("recipient", o.to_string()));
                }
                self.calls.push(call(token_program, "Transfer", &args));
            }
            Decoded::CreateAssociatedAccount {
                payer,
                account,
                wallet,
                mint,
                token_program,
                idempotent,
            } => {
                if associated_token_address(wallet, mint, token_program) != Some(*account) {
                    self.unusual(format!(
                        "instruction {i} creates {account}, which is not the associated token \
                         account of {wallet}: the program will refuse it"
                    ));
                }
                self.note_mint(mint, token_program);
                self.ata_rent(i, payer, account, wallet, mint, token_program, *idempotent);
                let mut args = vec![
                    ("payer", payer.to_string()),
                    ("account", account.to_string()),
                    ("wallet", wallet.to_string()),
                    ("mint", mint.to_string()),
                    ("token_program", token_program.to_string()),
                ];
                if *token_program == TOKEN_PROGRAM {
                    args.push(("rent_lamports_if_created", TOKEN_ACCOUNT_RENT.to_string()));
                }
                let function = if *idempotent {
                    "CreateIdempotent"
                } else {
                    "Create"
                };
                self.calls.push(call(program, function, &args));
            }
            Decoded::ComputeBudget(cb) => {
                self.budget.record(i, *cb);
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
            Decoded::Unknown { program, what } => {
                let program_text = match self.wallet_roles(&r.accounts) {
                    Some(roles) => format!("{program} ({roles})"),
                    None => program.to_string(),
                };
                self.warnings.push(Warning::UnknownInstruction {
                    program: program_text,
                });
                let shown = r.data.get(..64).unwrap_or(&r.data);
                let args = [
                    ("data_hex", hex::encode(shown)),
                    ("data_len", r.data.len().to_string()),
                ];
                let function = what.as_deref().unwrap_or("unknown");
                self.calls.push(call(program, function, &args));
            }
        }
    }

    /// What an instruction the preview cannot decode may do to the wallet:
    /// `None` when the wallet (or, unknown, any signer) is neither a signer
    /// nor writable in it.
    fn wallet_roles(&self, accounts: &[Pubkey]) -> Option<String> {
        match self.wallet {
            Some(w) => {
                if !accounts.contains(w) {
                    return None;
                }
                match privileges(self.message, w)? {
                    (true, true) => Some(format!(
                        "the wallet {w} signs it and is writable in it: it can spend the \
                         wallet's SOL and act on everything the wallet owns"
                    )),
                    (true, false) => Some(format!(
                        "the wallet {w} signs it: it can act on everything the wallet owns \
                         (token accounts, stake, authorities)"
                    )),
                    (false, true) => Some(format!(
                        "the wallet {w} is writable in it: it can change the wallet's account"
                    )),
                    (false, false) => None,
                }
            }
            None => {
                let signers: Vec<String> = accounts
                    .iter()
                    .filter(|a| privileges(self.message, a).is_some_and(|(signs, _)| signs))
                    .map(ToString::to_string)
                    .collect();
                (!signers.is_empty()).then(|| {
                    format!(
                        "signed by {}: it can act on everything they own",
                        signers.join(", ")
                    )
                })
            }
        }
    }

    /// The rent an associated token account creation takes from `payer`:
    /// shown as a transfer to the new account, with a warning.
    #[allow(clippy::too_many_arguments)]
    fn ata_rent(
        &mut self,
        i: usize,
        payer: &Pubkey,
        account: &Pubkey,
        owner: &Pubkey,
        mint: &Pubkey,
        token_program: &Pubkey,
        idempotent: bool,
    ) {
        let (rent, exact) = if *token_program == TOKEN_PROGRAM {
            (TOKEN_ACCOUNT_RENT, true)
        } else if *token_program == TOKEN_2022_PROGRAM {
            (TOKEN_2022_ACCOUNT_MIN_RENT, false)
        } else {
            self.unusual(format!(
                "instruction {i} creates a token account {account} of program {token_program}, \
                 which is not a token program: the rent {payer} pays cannot be known"
            ));
            return;
        };
        self.check_source(i, payer, "SOL (rent)");
        let how_much = match (exact, idempotent) {
            (true, false) => sol_text(rent),
            (true, true) => format!(
                "up to {} (nothing if the account already exists)",
                sol_text(rent)
            ),
            (false, false) => format!(
                "at least {} (more if the mint has extensions)",
                sol_text(rent)
            ),
            (false, true) => format!(
                "{} or more if the account does not exist yet (more if the mint has \
                 extensions, nothing if it exists)",
                sol_text(rent)
            ),
        };
        self.unusual(format!(
            "instruction {i}: {payer} pays {how_much} of rent for creating {owner}'s token \
             account {account} for mint {mint}; that SOL stays in the account, which its owner \
             can close"
        ));
        self.transfers.push(Transfer {
            to: account.to_string(),
            ..sol(rent)
        });
    }

    /// The mint of a token `Transfer` from `source` to `destination` under
    /// `authority`, when the accounts prove it: the transaction creates
    /// `destination` as an associated token account, or `source` is
    /// `authority`'s associated token account for a mint the transaction or
    /// the known-mint table names (only the Associated Token Account program
    /// can create an account at that address, and only for that mint).
    fn transfer_mint(
        &self,
        source: &Pubkey,
        destination: &Pubkey,
        authority: &Pubkey,
        token_program: &Pubkey,
    ) -> Option<Pubkey> {
        let created = self.decoded.iter().find_map(|r| match &r.ix.decoded {
            Decoded::CreateAssociatedAccount {
                account,
                wallet,
                mint,
                token_program: p,
                ..
            } if account == destination
                && p == token_program
                && associated_token_address(wallet, mint, token_program) == Some(*destination) =>
            {
                Some(*mint)
            }
            _ => None,
        });
        if created.is_some() {
            return created;
        }
        let in_transaction = self.decoded.iter().filter_map(|r| match &r.ix.decoded {
            Decoded::TokenTransferChecked { mint, .. }
            | Decoded::CreateAssociatedAccount { mint, .. } => Some(*mint),
            _ => None,
        });
        let known = KNOWN_MINTS
            .iter()
            .filter(|k| known_mint(self.network, &k.mint).is_some())
            .map(|k| k.mint);
        in_transaction
            .chain(known)
            .find(|mint| associated_token_address(authority, mint, token_program) == Some(*source))
    }

    /// The decimals a `TransferChecked` of this transaction states for
    /// `mint` (the token program checks them: if they were wrong, the whole
    /// transaction would fail).
    fn stated_decimals(&self, mint: &Pubkey, token_program: &Pubkey) -> Option<u8> {
        self.decoded.iter().find_map(|r| match &r.ix.decoded {
            Decoded::TokenTransferChecked {
                mint: m,
                token_program: p,
                decimals,
                ..
            } if m == mint && p == token_program => Some(*decimals),
            _ => None,
        })
    }

    /// The wallet whose associated account `destination` is, when this
    /// transaction creates it with a matching mint, program and address.
    fn created_owner(
        &self,
        destination: &Pubkey,
        mint: &Pubkey,
        token_program: &Pubkey,
    ) -> Option<Pubkey> {
        self.decoded.iter().find_map(|r| match &r.ix.decoded {
            Decoded::CreateAssociatedAccount {
                account,
                wallet,
                mint: m,
                token_program: p,
                ..
            } if account == destination
                && m == mint
                && p == token_program
                && associated_token_address(wallet, mint, token_program) == Some(*destination) =>
            {
                Some(*wallet)
            }
            _ => None,
        })
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
