//! SPL Token and Token-2022 instructions in the preview (`spl-token-interface`
//! `TokenInstruction`): `TransferChecked` and `Transfer` move tokens,
//! `CloseAccount` gives the closed account's SOL away. Each is a token call
//! effect, followed by the transfer, or the close, it makes.
//!
//! A `Transfer` states no mint: the mint is named only when the accounts
//! prove it ([`Builder::transfer_mint`]).

use alloy_primitives::U256;
use solana_pubkey::Pubkey;

use super::{Builder, TOKEN_ACCOUNT_RENT, call, sol, sol_text};
use crate::amount::Amount;
use crate::effect::{Effect, TokenFunction};
use crate::preview::{Asset, Transfer};
use crate::solana::address::associated_token_address;
use crate::solana::instruction::Decoded;
use crate::solana::programs::{KNOWN_MINTS, known_mint};

impl Builder<'_> {
    /// Adds an SPL Token or Token-2022 instruction.
    pub(super) fn token(&mut self, i: usize, decoded: &Decoded) {
        match decoded {
            Decoded::TokenCloseAccount {
                token_program,
                account,
                destination,
                authority,
            } => {
                self.check_authority(i, authority, &format!("the SOL of token account {account}"));
                self.token_call(
                    token_program,
                    TokenFunction::CloseAccount,
                    account,
                    destination,
                    None,
                );
                self.effects.push(Effect::Close {
                    account: account.to_string(),
                    destination: destination.to_string(),
                    at_least: Some(sol(TOKEN_ACCOUNT_RENT).amount),
                });
                // Back to the wallet itself, nothing leaves it.
                if self.wallet != Some(destination) {
                    self.unusual(format!(
                        "instruction {i} closes token account {account}: its whole SOL balance \
                         goes to {destination}. The transfer shows {}, the least a token \
                         account holds (its rent-exempt minimum); a wrapped-SOL account gives \
                         all the SOL it holds",
                        sol_text(TOKEN_ACCOUNT_RENT)
                    ));
                    self.transfer(Transfer {
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
                self.token_call(
                    token_program,
                    TokenFunction::TransferChecked,
                    source,
                    &to,
                    Some(*amount),
                );
                self.transfer(Transfer {
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
                self.token_call(
                    token_program,
                    TokenFunction::Transfer,
                    source,
                    &to,
                    Some(*amount),
                );
                let symbol = known.map(|k| k.symbol.to_owned());
                self.transfer(Transfer {
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
            // Not a token instruction: `Builder::add` sends it elsewhere.
            _ => {}
        }
    }

    /// The effect of calling `function` of `token_program`, moving what
    /// `from` holds to `to`.
    fn token_call(
        &mut self,
        token_program: &Pubkey,
        function: TokenFunction,
        from: &Pubkey,
        to: &Pubkey,
        amount: Option<u64>,
    ) {
        self.effects.push(Effect::TokenCall {
            contract: token_program.to_string(),
            function,
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            amount: amount.map(U256::from),
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
