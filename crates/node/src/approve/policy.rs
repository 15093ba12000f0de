//! Signing policies and the approver of the recovery server, which has no
//! person behind it: it joins the key generations its operator paired it
//! for, and co-signs a transaction only when the wallet's [`Policy`] allows
//! what the transaction's preview shows.
//!
//! A policy has at most one [`Rule`] per chain. A transaction is allowed
//! when (checked in this order, the first failure is the answer):
//!
//! 1. its preview is for the chain asked about, and the policy has a rule
//!    for it, with a well-formed cap;
//! 2. nothing in it has effects the preview cannot state: no contract
//!    call or program instruction the chains crate could not decode
//!    (`unknown_calldata`, `unknown_instruction`, and any
//!    [`Effect::Unknown`]: calldata with an ERC-20 selector that is not a
//!    valid encoding too), no contract creation (`contract_creation`);
//! 3. its fee is not above the chain's fee cap (`fee_above_cap`);
//! 4. it moves no tokens (nor, on Ethereum, calls a token contract at
//!    all: approvals included) unless the rule allows tokens;
//! 5. when the rule has an allow-list, every recipient — and every ERC-20
//!    approval's spender and `transferFrom` recipient — is on it (Ethereum
//!    addresses compared case-insensitively, others exactly; on Solana the
//!    rent of a token account the transaction creates is a transfer to
//!    that account, which must then be listed too);
//! 6. the native asset it sends to others (not change) adds up to at most
//!    the rule's cap, compared exactly in base units.
//!
//! What the transaction does is read from the preview's typed transfers,
//! warnings and [`Effect`]s (ERC-20 calls: [`Effect::TokenCall`],
//! approvals: [`Effect::Approval`]), never from the text of its calls.
//!
//! Other warnings (`high_fee`, `send_to_self`, `unusual`,
//! `unlimited_approval`) do not refuse by themselves: the rules above
//! already bound what they describe, and `unusual` also marks ordinary
//! transactions (the rent of a token account the transfer creates).
//!
//! JSON form ([`Policy::from_json`], [`Policy::to_json`]):
//!
//! ```json
//! {"rules": [{"chain": "ethereum", "max_per_tx": "100000000000000000",
//!             "allow": ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"], "tokens": false}]}
//! ```
//!
//! Unknown fields are refused, so a misspelt `max_per_tx` cannot silently
//! remove a cap; `allow` and `tokens` must be stated.

use accord_chains::ethereum::U256;
use accord_chains::{Amount, Asset, Chain, Effect, Preview, Warning};
use serde::{Deserialize, Serialize};

use super::{Approver, Decision, KeygenRequest, Pending, SignRequest};

/// What a wallet's co-signer without a person signs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// At most one rule per chain; a chain without one is refused.
    pub rules: Vec<Rule>,
}

/// What may be signed on one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The chain (`"bitcoin"`, `"ethereum"`, `"solana"` in JSON).
    pub chain: Chain,
    /// The most of the chain's native asset one transaction may send to
    /// others, in base units as a decimal integer (satoshi, wei, lamports);
    /// `None`: no cap.
    pub max_per_tx: Option<String>,
    /// The only recipients allowed; empty: any.
    pub allow: Vec<String>,
    /// Whether token transfers (and, on Ethereum, any token call) are
    /// allowed at all.
    pub tokens: bool,
}

/// Why a policy does not allow a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// The policy has no rule for the chain.
    #[error("the policy has no rule for {chain}")]
    NoRule {
        /// The chain.
        chain: Chain,
    },
    /// The preview is for another chain than the one asked about.
    #[error("the transaction is for {preview}, not {chain}")]
    ChainMismatch {
        /// The chain asked about.
        chain: Chain,
        /// The preview's chain.
        preview: Chain,
    },
    /// The native asset sent is above the rule's cap.
    #[error(
        "sends {} base units of the native asset in total, above the cap of {} per transaction",
        .amount.units(), .cap.units()
    )]
    OverCap {
        /// The total sent to others (saturated at the largest amount).
        amount: Amount,
        /// The cap.
        cap: Amount,
    },
    /// A recipient (or an approval's spender) is not on the allow-list.
    #[error("{to} is not on the policy's allow-list")]
    NotAllowlisted {
        /// The address.
        to: String,
    },
    /// Tokens move, or a token contract is called, and the rule forbids tokens.
    #[error("the policy does not allow token transfers (token {asset})")]
    TokensNotAllowed {
        /// The token contract or mint (or, for an SPL `Transfer` without a
        /// stated mint, the source token account).
        asset: String,
    },
    /// Something in the transaction has effects the preview cannot state.
    #[error("the transaction does something that cannot be previewed: {detail}")]
    UnknownCall {
        /// The warning or call, as shown to a person.
        detail: String,
    },
    /// The fee is above the chain's fee cap.
    #[error("the fee ({fee}) is above the chain's cap ({cap})")]
    FeeAboveCap {
        /// The fee (maximum fee on Ethereum).
        fee: Amount,
        /// The chain's cap.
        cap: Amount,
    },
    /// The rule's cap is not a decimal integer of base units.
    #[error("the policy's cap {cap:?} is not a whole number of base units")]
    Malformed {
        /// The cap as written.
        cap: String,
    },
}

/// Why a text is not a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not JSON of a policy's shape.
    #[error("not a policy: {detail}")]
    Json {
        /// The JSON parser's message.
        detail: String,
    },
    /// Two rules for one chain.
    #[error("the policy has two rules for {chain}")]
    DuplicateRule {
        /// The chain.
        chain: Chain,
    },
    /// A cap that is not a decimal integer of base units.
    #[error("the {chain} cap {cap:?} is not a whole number of base units")]
    BadCap {
        /// The chain.
        chain: Chain,
        /// The cap as written.
        cap: String,
    },
}

impl Policy {
    /// Parses and checks a policy.
    pub fn from_json(text: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = serde_json::from_str(text).map_err(|e| PolicyError::Json {
            detail: e.to_string(),
        })?;
        policy.check()?;
        Ok(policy)
    }

    /// The policy as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Cannot fail: strings, booleans, options, sequences and a
        // unit-variant enum. An empty string would not parse as a policy.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what the type does not: one rule per chain, caps that parse.
    pub fn check(&self) -> Result<(), PolicyError> {
        for (i, rule) in self.rules.iter().enumerate() {
            if self.rules.iter().take(i).any(|r| r.chain == rule.chain) {
                return Err(PolicyError::DuplicateRule { chain: rule.chain });
            }
            if let Some(cap) = &rule.max_per_tx
                && parse_cap(cap).is_none()
            {
                return Err(PolicyError::BadCap {
                    chain: rule.chain,
                    cap: cap.clone(),
                });
            }
        }
        Ok(())
    }

    /// The rule for `chain` (the first, should a policy that skipped
    /// [`Policy::check`] have two).
    pub fn rule(&self, chain: Chain) -> Option<&Rule> {
        self.rules.iter().find(|r| r.chain == chain)
    }
}

/// A cap: digits only, fitting in 256 bits.
fn parse_cap(cap: &str) -> Option<U256> {
    if cap.is_empty() || !cap.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Amount::parse(cap, 0).ok().map(|a| a.units())
}

/// Whether `policy` allows signing the transaction `preview` shows on
/// `chain`; see the module documentation for the rules.
pub fn evaluate(policy: &Policy, chain: Chain, preview: &Preview) -> Result<(), Violation> {
    if preview.chain != chain {
        return Err(Violation::ChainMismatch {
            chain,
            preview: preview.chain,
        });
    }
    let rule = policy.rule(chain).ok_or(Violation::NoRule { chain })?;
    let cap = match &rule.max_per_tx {
        Some(cap) => Some(parse_cap(cap).ok_or_else(|| Violation::Malformed { cap: cap.clone() })?),
        None => None,
    };

    // Effects the preview cannot state.
    for w in &preview.warnings {
        if matches!(
            w,
            Warning::UnknownCalldata { .. }
                | Warning::UnknownInstruction { .. }
                | Warning::ContractCreation
        ) {
            return Err(Violation::UnknownCall {
                detail: w.to_string(),
            });
        }
    }
    // A call or instruction the preview could not decode (warned about,
    // above, unless its calldata merely looked like ERC-20's).
    for e in &preview.effects {
        if let Effect::Unknown {
            program, detail, ..
        } = e
        {
            return Err(Violation::UnknownCall {
                detail: format!("{program}: {detail}"),
            });
        }
    }
    for w in &preview.warnings {
        if let Warning::FeeAboveCap { fee, cap } = w {
            return Err(Violation::FeeAboveCap {
                fee: *fee,
                cap: *cap,
            });
        }
    }

    // Tokens.
    if !rule.tokens {
        for t in &preview.transfers {
            if let Asset::Token { address, .. } = &t.asset {
                return Err(Violation::TokensNotAllowed {
                    asset: address.clone(),
                });
            }
        }
        // Any ERC-20 call (`transfer`, `approve`, `transferFrom`).
        if chain == Chain::Ethereum
            && let Some(contract) = preview.effects.iter().find_map(|e| match e {
                Effect::TokenCall { contract, .. } => Some(contract),
                _ => None,
            })
        {
            return Err(Violation::TokensNotAllowed {
                asset: contract.clone(),
            });
        }
    }

    // Recipients.
    if !rule.allow.is_empty() {
        let allowed = |to: &str| {
            rule.allow.iter().any(|a| match chain {
                Chain::Ethereum => a.trim().eq_ignore_ascii_case(to),
                Chain::Bitcoin | Chain::Solana => a.trim() == to,
            })
        };
        for t in &preview.transfers {
            if !allowed(&t.to) {
                return Err(Violation::NotAllowlisted { to: t.to.clone() });
            }
        }
        // ERC-20 calls: an approval's spender, and the recipient of a
        // `transferFrom` of someone else's tokens (which moves no value out
        // of the wallet, so is not among the transfers).
        if chain == Chain::Ethereum {
            let parties = preview.effects.iter().filter_map(|e| match e {
                Effect::Approval { spender, .. } => Some(spender),
                Effect::TokenCall { to, .. } => to.as_ref(),
                _ => None,
            });
            for party in parties {
                if !allowed(party) {
                    return Err(Violation::NotAllowlisted { to: party.clone() });
                }
            }
        }
    }

    // The native amount.
    if let Some(cap) = cap {
        let decimals = preview.fee.decimals();
        let sent = preview
            .transfers
            .iter()
            .filter(|t| t.asset == Asset::Native)
            .try_fold(U256::ZERO, |acc, t| acc.checked_add(t.amount.units()));
        match sent {
            Some(sent) if sent <= cap => {}
            sent => {
                return Err(Violation::OverCap {
                    amount: Amount::from_units(sent.unwrap_or(U256::MAX), decimals),
                    cap: Amount::from_units(cap, decimals),
                });
            }
        }
    }
    Ok(())
}

/// The recovery server's approver: joins the key generations it is invited
/// to (its operator paired it with the inviting devices) and co-signs what
/// the wallet's policy allows; without a policy, nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct PolicyOnly;

impl PolicyOnly {
    /// The decision on `request` under `policy`.
    pub fn decide(request: &SignRequest, policy: Option<&Policy>) -> Decision {
        let Some(policy) = policy else {
            return Decision::Reject(format!(
                "no policy for wallet {}: set one with `accord policy set`",
                request.wallet
            ));
        };
        match evaluate(policy, request.chain, &request.preview) {
            Ok(()) => Decision::Approve,
            Err(v) => Decision::Reject(format!(
                "the policy of wallet {} refuses this transaction: {v}",
                request.wallet
            )),
        }
    }
}

impl Approver for PolicyOnly {
    fn keygen<'a>(&'a self, _request: &'a KeygenRequest) -> Pending<'a> {
        Box::pin(async { Decision::Approve })
    }

    fn sign<'a>(&'a self, request: &'a SignRequest, policy: Option<&'a Policy>) -> Pending<'a> {
        Box::pin(async move { PolicyOnly::decide(request, policy) })
    }
}

#[cfg(test)]
mod tests {
    use accord_chains::ethereum::{self, Gas, erc20};

    use super::*;

    #[test]
    fn calldata_that_only_looks_like_erc20_is_refused() {
        let usdc = ethereum::address::parse("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48").unwrap();
        // `approve`'s selector, arguments cut short: not a valid encoding.
        let mut data = erc20::approve(usdc, U256::from(1u8));
        data.truncate(20);
        let gas = Gas {
            gas_limit: 60_000,
            max_fee_per_gas: 20_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
        };
        let tx = ethereum::UnsignedTx::contract_call(1, 0, usdc, U256::ZERO, data, gas);
        let preview = ethereum::preview(&tx.encode(), None).unwrap();
        let anything = Policy {
            rules: vec![Rule {
                chain: Chain::Ethereum,
                max_per_tx: None,
                allow: vec![],
                tokens: true,
            }],
        };
        match evaluate(&anything, Chain::Ethereum, &preview) {
            Err(Violation::UnknownCall { detail }) => {
                assert!(detail.contains("not a valid encoding"), "{detail}")
            }
            other => panic!("{other:?}"),
        }
    }
}
