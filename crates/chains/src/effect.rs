//! What a transaction does, typed, for programs rather than people (the
//! approval policy reads these instead of the text of [`Call`] arguments):
//! one [`Effect`] per thing a transaction does, in the order of the outputs,
//! calls or instructions that do it. A call can have several: an ERC-20
//! `transfer` is a [`Effect::TokenCall`] followed by the [`Effect::Transfer`]
//! it makes.
//!
//! | chain | effects |
//! |---|---|
//! | Bitcoin (BIP174 PSBT) | a `Transfer` per output paid to others (change is none) |
//! | Ethereum (EIP-1559) | `ContractCreation`; the coin sent (`Transfer`); per ERC-20 (EIP-20) `transfer`, `transferFrom` or `approve` a `TokenCall`, then the `Transfer` of the wallet's tokens it moves or the `Approval` it grants; calldata the preview cannot decode, `Unknown` |
//! | Solana | SOL sent and rent paid by System and Associated Token Account instructions (`Transfer`); per SPL Token / Token-2022 `Transfer`, `TransferChecked` or `CloseAccount` a `TokenCall`, then its `Transfer`, or the `Close` (and the `Transfer` of the least it gives away, when not to the wallet); instructions the preview cannot decode, `Unknown` |
//!
//! The `Transfer` effects are exactly [`Preview::transfers`], in the same
//! order. Compute Budget instructions have no effect here: what they cost is
//! the fee.
//!
//! JSON: an object per effect, tagged by `kind` (`"transfer"`,
//! `"token_call"`, `"approval"`, `"close"`, `"contract_creation"`,
//! `"unknown"`), amounts as decimal strings of base units; a `transfer` has
//! the fields of a transfer in [`Preview::transfers`].
//!
//! [`Call`]: crate::preview::Call
//! [`Preview::transfers`]: crate::Preview::transfers

use alloy_primitives::U256;
use serde::{Serialize, Serializer};

use crate::amount::Amount;
use crate::preview::Transfer;

/// One thing a transaction does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Effect {
    /// Value leaves the wallet: the same entry as in
    /// [`Preview::transfers`](crate::Preview::transfers).
    Transfer(Transfer),
    /// A call to a token contract (ERC-20) or token program (SPL Token,
    /// Token-2022), whatever it moves: the tokens it moves out of the wallet
    /// follow as a [`Effect::Transfer`], the allowance it grants as an
    /// [`Effect::Approval`], the account it closes as an [`Effect::Close`].
    #[non_exhaustive]
    TokenCall {
        /// The token contract (EIP-55) or token program (base58).
        contract: String,
        /// What is called.
        function: TokenFunction,
        /// Whose tokens move, when the call names them: the holder in a
        /// `transferFrom`, the source token account of an SPL instruction;
        /// `None` for the caller's own (`transfer`, `approve`).
        from: Option<String>,
        /// Who receives, when anyone does: the recipient of a transfer (on
        /// Solana the recipient's wallet when the transaction creates its
        /// token account, else the token account, as in the transfer), the
        /// destination of a closed account's SOL; `None` for `approve`.
        to: Option<String>,
        /// The base units the call states; `None` when it states none
        /// (`CloseAccount`).
        #[serde(serialize_with = "optional_units")]
        amount: Option<U256>,
    },
    /// An allowance: `spender` may move up to `amount` of the wallet's
    /// `token` (ERC-20 `approve`).
    #[non_exhaustive]
    Approval {
        /// The token contract or mint.
        token: String,
        /// Who may spend.
        spender: String,
        /// The allowance, in base units.
        #[serde(serialize_with = "units")]
        amount: U256,
        /// Whether the allowance is, in practice, unlimited (ERC-20: at
        /// least [`UNLIMITED_APPROVAL`](crate::ethereum::erc20::UNLIMITED_APPROVAL)).
        unlimited: bool,
    },
    /// An account is closed and its whole balance, in the chain's coin, goes
    /// to `destination` (SPL Token `CloseAccount`). The balance is not in
    /// the transaction: only a lower bound is.
    #[non_exhaustive]
    Close {
        /// The account closed.
        account: String,
        /// Who receives its balance.
        destination: String,
        /// The least the account can hold, when known (a token account's
        /// rent-exempt minimum); what it holds on top (wrapped SOL, the rent
        /// of extensions) is known only on chain.
        #[serde(serialize_with = "optional_amount")]
        at_least: Option<Amount>,
    },
    /// A contract is deployed (an EIP-1559 transaction without `to`): its
    /// code runs and can do anything the preview cannot state.
    #[non_exhaustive]
    ContractCreation {
        /// The new contract's address (EIP-55), when the wallet, and so the
        /// sender's nonce-derived address, is known.
        address: Option<String>,
    },
    /// A call or instruction the preview cannot decode: it may do anything
    /// its program allows with what the transaction gives it.
    #[non_exhaustive]
    Unknown {
        /// The contract (EIP-55) or program (base58).
        program: String,
        /// What is known of it (`"unknown function selector 0xdeadbeef"`,
        /// `"System Assign"`, `"malformed token Transfer"`).
        detail: String,
    },
}

impl Effect {
    /// The transfer, when this is one.
    pub fn transfer(&self) -> Option<&Transfer> {
        match self {
            Effect::Transfer(t) => Some(t),
            _ => None,
        }
    }
}

/// The token functions and instructions the previews decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TokenFunction {
    /// ERC-20 `transfer(to, amount)`, SPL `Transfer` (no mint, no decimals).
    Transfer,
    /// ERC-20 `transferFrom(from, to, amount)`: someone's tokens, under an
    /// allowance.
    TransferFrom,
    /// SPL `TransferChecked` (mint and decimals stated).
    TransferChecked,
    /// ERC-20 `approve(spender, amount)`.
    Approve,
    /// SPL `CloseAccount`.
    CloseAccount,
}

/// Base units as a decimal string, as everywhere in the preview's JSON.
fn units<S: Serializer>(amount: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(amount)
}

fn optional_units<S: Serializer>(amount: &Option<U256>, s: S) -> Result<S::Ok, S::Error> {
    match amount {
        Some(units) => s.collect_str(units),
        None => s.serialize_none(),
    }
}

fn optional_amount<S: Serializer>(amount: &Option<Amount>, s: S) -> Result<S::Ok, S::Error> {
    optional_units(&amount.map(|a| a.units()), s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::Asset;

    #[test]
    fn json_is_tagged_by_kind_with_amounts_in_base_units() {
        let transfer = Effect::Transfer(Transfer {
            to: "bob".into(),
            amount: Amount::from_u64(1_500, 2),
            asset: Asset::Native,
            symbol: Some("X".into()),
            decimals_known: true,
        });
        let v = serde_json::to_value(&transfer).unwrap();
        assert_eq!(v["kind"], "transfer");
        assert_eq!(v["to"], "bob");
        assert_eq!(v["amount"], "1500");
        assert_eq!(v["display"], "15 X");

        let call = Effect::TokenCall {
            contract: "token".into(),
            function: TokenFunction::TransferFrom,
            from: Some("alice".into()),
            to: Some("bob".into()),
            amount: Some(U256::MAX),
        };
        let v = serde_json::to_value(&call).unwrap();
        assert_eq!(v["kind"], "token_call");
        assert_eq!(v["function"], "transfer_from");
        assert_eq!(v["amount"], U256::MAX.to_string());

        let close = Effect::Close {
            account: "a".into(),
            destination: "d".into(),
            at_least: None,
        };
        let v = serde_json::to_value(&close).unwrap();
        assert_eq!(v["kind"], "close");
        assert!(v["at_least"].is_null());

        let v = serde_json::to_value(Effect::ContractCreation { address: None }).unwrap();
        assert_eq!(v["kind"], "contract_creation");
    }
}
