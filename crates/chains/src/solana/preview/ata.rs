//! Associated Token Account program instructions in the preview
//! (`spl-associated-token-account-interface`): `Create` and
//! `CreateIdempotent`, whose rent is shown as a transfer to the new account.

use solana_pubkey::Pubkey;

use super::{Builder, TOKEN_2022_ACCOUNT_MIN_RENT, TOKEN_ACCOUNT_RENT, call, sol, sol_text};
use crate::preview::Transfer;
use crate::solana::address::associated_token_address;
use crate::solana::instruction::Decoded;
use crate::solana::programs::{TOKEN_2022_PROGRAM, TOKEN_PROGRAM};

impl Builder<'_> {
    /// Adds an Associated Token Account instruction.
    pub(super) fn ata(&mut self, i: usize, program: &Pubkey, decoded: &Decoded) {
        let Decoded::CreateAssociatedAccount {
            payer,
            account,
            wallet,
            mint,
            token_program,
            idempotent,
        } = decoded
        else {
            // Not an Associated Token Account instruction: `Builder::add`
            // sends it elsewhere.
            return;
        };
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
        self.transfer(Transfer {
            to: account.to_string(),
            ..sol(rent)
        });
    }
}
