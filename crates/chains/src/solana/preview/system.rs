//! System program instructions in the preview (`solana-system-interface`
//! `SystemInstruction`): `Transfer`, `CreateAccount`, `TransferWithSeed` and
//! `WithdrawNonceAccount` move SOL, each shown as a transfer to its recipient.

use solana_pubkey::Pubkey;

use super::{Builder, call, sol};
use crate::preview::Transfer;
use crate::solana::instruction::Decoded;

impl Builder<'_> {
    /// Adds a System instruction.
    pub(super) fn system(&mut self, i: usize, program: &Pubkey, decoded: &Decoded) {
        match decoded {
            Decoded::SolTransfer { from, to, lamports } => {
                self.check_source(i, from, "SOL");
                if !to.is_on_curve() {
                    self.unusual(format!(
                        "instruction {i} sends SOL to {to}, a program address (off the \
                         Ed25519 curve): only its program can move it, and a token account \
                         does not hold SOL for its owner"
                    ));
                }
                self.transfer(Transfer {
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
                self.transfer(Transfer {
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
                self.transfer(Transfer {
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
                self.transfer(Transfer {
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
            // Not a System instruction: `Builder::add` sends it elsewhere.
            _ => {}
        }
    }
}
