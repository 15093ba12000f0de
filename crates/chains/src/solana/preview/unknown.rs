//! Instructions the preview cannot decode: flagged
//! ([`Warning::UnknownInstruction`]), with what they may do to the wallet
//! (whether it signs them or is writable in them), listed with their raw
//! data, and unknown effects.

use solana_message::VersionedMessage;
use solana_pubkey::Pubkey;

use super::{Builder, Resolved, call};
use crate::effect::Effect;
use crate::preview::Warning;

impl Builder<'_> {
    /// Adds an instruction of `program` the preview cannot decode (`what`
    /// it is, when known).
    pub(super) fn unknown(&mut self, r: &Resolved, program: &Pubkey, what: Option<&str>) {
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
        let function = what.unwrap_or("unknown");
        self.calls.push(call(program, function, &args));
        self.effects.push(Effect::Unknown {
            program: program.to_string(),
            detail: what.map_or_else(
                || "an instruction of a program the preview does not decode".to_owned(),
                str::to_owned,
            ),
        });
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
