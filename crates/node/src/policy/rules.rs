//! Evaluating a transaction's preview against a policy document and the
//! wallet's spend ledger: allow, delay or refuse.
//!
//! Checked in this order; the first refusal is the answer:
//!
//! 1. the preview is for the chain asked about, and the document has rules
//!    for it — on EVM chains for the transaction's chain id (EIP-155), so
//!    a cap meant for POL on Polygon does not allow as much ETH on
//!    mainnet;
//! 2. nothing in it has effects the preview cannot state with certainty:
//!    an undecoded call or instruction ([`Effect::Unknown`], calldata that
//!    starts with a known selector and does not decode included), a
//!    contract creation, a closed account (its balance is known only on
//!    chain), an SPL `Transfer` that does not name its mint, a fee above
//!    the chain's cap;
//! 3. the required approvers are among the signers;
//! 4. tokens move (or a token contract is called) only when the rules
//!    allow tokens and the token has limits of its own;
//! 5. every recipient — of a transfer, an allowance (the spender), a
//!    token call — is in the address book, or the rules let anyone
//!    receive (at once, or after the delay);
//! 6. per asset, what the transaction moves (allowances count in full) is
//!    at most `max_per_tx`, and with what the ledger holds for the
//!    `window` before now at most `max_per_window`; above `delay_over`
//!    it waits the delay.
//!
//! An allowed or delayed verdict carries the [`Spend`]s to write to the
//! ledger in the same durable step as the signing's nonces.

use accord_chains::ethereum::U256;
use accord_chains::{Asset, Chain, Effect, Preview, TokenFunction, Warning};

use super::document::{AssetLimits, ChainRules, PolicyDocument, Recipients, parse_units};
use super::ledger::{LedgerEntry, Spend, spent_since};

/// The decision of a policy on one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Sign now; record `spends`.
    Allow {
        /// What the signature spends.
        spends: Vec<Spend>,
    },
    /// Sign only after the document's delay has passed since the
    /// transaction was first proposed (and no member cancelled it).
    Delay {
        /// What the signature spends, when it comes.
        spends: Vec<Spend>,
        /// The delay, in seconds.
        seconds: u64,
        /// Why, in words.
        reasons: Vec<String>,
    },
    /// Never.
    Refuse(Violation),
}

/// Why a policy refuses a transaction.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Violation {
    /// The preview is for another chain than the one asked about.
    #[error("the transaction is for {preview}, not {chain}")]
    ChainMismatch {
        /// The chain asked about.
        chain: Chain,
        /// The preview's chain.
        preview: Chain,
    },
    /// An EVM transaction without a readable chain id.
    #[error("the transaction states no chain id")]
    NoChainId,
    /// No rules for the chain (and chain id).
    #[error("the policy has no rules for {chain}{}", chain_id.map(|id| format!(" (chain id {id})")).unwrap_or_default())]
    NoRules {
        /// The chain.
        chain: Chain,
        /// The EVM chain id.
        chain_id: Option<u64>,
    },
    /// Something the preview cannot state with certainty.
    #[error("the transaction does something that cannot be previewed with certainty: {detail}")]
    Uncertain {
        /// What, as shown to a person.
        detail: String,
    },
    /// The fee is above the chain's cap.
    #[error("the fee is above the chain's cap: {detail}")]
    FeeAboveCap {
        /// The warning's text.
        detail: String,
    },
    /// A required approver is not among the signers.
    #[error("device {device} must approve every transaction of this wallet")]
    MissingApprover {
        /// Its device id.
        device: String,
    },
    /// Tokens are not allowed on this chain.
    #[error("the policy does not allow tokens here (token {asset})")]
    TokensNotAllowed {
        /// The token contract or mint.
        asset: String,
    },
    /// The asset has no limits, so it may not move.
    #[error("the policy sets no limits for {asset}, so it may not move")]
    NoLimits {
        /// `native` or the token.
        asset: String,
    },
    /// A recipient is not in the address book and the rules want one.
    #[error("{to} is not in the wallet's address book")]
    NotInBook {
        /// The address.
        to: String,
    },
    /// More than the per-transaction maximum.
    #[error("moves {amount} base units of {asset}, above the maximum of {max} per transaction")]
    OverPerTx {
        /// `native` or the token.
        asset: String,
        /// What the transaction moves.
        amount: U256,
        /// The maximum.
        max: U256,
    },
    /// More than the window allows.
    #[error(
        "moves {amount} base units of {asset} after {spent} in the last {window} s, above the maximum of {max} per window"
    )]
    OverWindow {
        /// `native` or the token.
        asset: String,
        /// What the transaction moves.
        amount: U256,
        /// What was spent in the window before it.
        spent: U256,
        /// The maximum per window.
        max: U256,
        /// The window, in seconds.
        window: u64,
    },
}

/// What a verdict depends on besides the document and the preview.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The chain asked about.
    pub chain: Chain,
    /// Seconds since the Unix epoch.
    pub now: u64,
    /// The device ids (hex) of everyone signing.
    pub signers: &'a [String],
    /// The wallet's spend ledger (older entries may be left out: only the
    /// longest window counts).
    pub ledger: &'a [LedgerEntry],
    /// The transaction (SHA-256 of its unsigned bytes), whose own earlier
    /// spends (a retry) do not count.
    pub tx: Option<&'a [u8; 32]>,
}

/// The verdict of `doc` on the transaction `preview` shows.
pub fn evaluate(doc: &PolicyDocument, preview: &Preview, cx: Context<'_>) -> Verdict {
    match evaluate_inner(doc, preview, cx) {
        Ok(v) => v,
        Err(v) => Verdict::Refuse(*v),
    }
}

fn evaluate_inner(
    doc: &PolicyDocument,
    preview: &Preview,
    cx: Context<'_>,
) -> Result<Verdict, Box<Violation>> {
    let chain = cx.chain;
    if preview.chain != chain {
        return refuse(Violation::ChainMismatch {
            chain,
            preview: preview.chain,
        });
    }
    let chain_id = match chain {
        Chain::Ethereum => Some(
            preview
                .details
                .get("chain_id")
                .and_then(|id| id.parse::<u64>().ok())
                .ok_or(Violation::NoChainId)?,
        ),
        Chain::Bitcoin | Chain::Solana => None,
    };
    let rules = doc
        .rules(chain, chain_id)
        .ok_or(Violation::NoRules { chain, chain_id })?;
    uncertain(preview)?;
    for device in &doc.required_approvers {
        if !cx.signers.contains(device) {
            return refuse(Violation::MissingApprover {
                device: device.clone(),
            });
        }
    }

    // What moves, per asset, and to whom.
    let mut moves: Vec<(String, U256)> = Vec::new();
    let mut recipients: Vec<&str> = Vec::new();
    for t in &preview.transfers {
        let asset = match &t.asset {
            Asset::Native => "native".to_owned(),
            Asset::Token { address, .. } => address.clone(),
        };
        add(&mut moves, chain, asset, t.amount.units());
        recipients.push(&t.to);
    }
    for e in &preview.effects {
        match e {
            Effect::Approval {
                token,
                spender,
                amount,
                ..
            } => {
                add(&mut moves, chain, token.clone(), *amount);
                recipients.push(spender);
            }
            Effect::TokenCall { contract, to, .. } => {
                if chain == Chain::Ethereum && !rules.tokens {
                    return refuse(Violation::TokensNotAllowed {
                        asset: contract.clone(),
                    });
                }
                if let Some(to) = to {
                    recipients.push(to);
                }
            }
            _ => {}
        }
    }

    let mut reasons = Vec::new();
    for to in recipients {
        if doc.name_of(chain, to).is_some() {
            continue;
        }
        match rules.recipients {
            Recipients::Anyone => {}
            Recipients::BookOnly => return refuse(Violation::NotInBook { to: to.to_owned() }),
            Recipients::BookOrDelay => {
                let reason = format!("{to} is not in the address book");
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
    }

    let mut spends = Vec::new();
    for (asset, amount) in moves {
        let limits = limits_for(rules, &asset)?;
        let max = units(&limits.max_per_tx);
        if amount > max {
            return refuse(Violation::OverPerTx { asset, amount, max });
        }
        if let (Some(max), Some(window)) = (&limits.max_per_window, limits.window) {
            let max = units(max);
            let since = cx.now.saturating_sub(window);
            let spent = spent_since(cx.ledger, (chain, chain_id, &asset), since, cx.tx);
            if spent.checked_add(amount).is_none_or(|total| total > max) {
                return refuse(Violation::OverWindow {
                    asset,
                    amount,
                    spent,
                    max,
                    window,
                });
            }
        }
        if let Some(over) = &limits.delay_over
            && amount > units(over)
        {
            reasons.push(format!("{amount} base units of {asset} is over {over}"));
        }
        spends.push(Spend {
            chain,
            chain_id,
            asset,
            amount,
        });
    }
    Ok(if reasons.is_empty() || doc.delay == 0 {
        Verdict::Allow { spends }
    } else {
        Verdict::Delay {
            spends,
            seconds: doc.delay,
            reasons,
        }
    })
}

/// A refusal (boxed: a violation carries up to three 256-bit amounts).
fn refuse<T>(v: Violation) -> Result<T, Box<Violation>> {
    Err(Box::new(v))
}

/// Refuses what the preview cannot state with certainty.
fn uncertain(preview: &Preview) -> Result<(), Box<Violation>> {
    for w in &preview.warnings {
        match w {
            Warning::UnknownCalldata { .. }
            | Warning::UnknownInstruction { .. }
            | Warning::ContractCreation => {
                return refuse(Violation::Uncertain {
                    detail: w.to_string(),
                });
            }
            Warning::FeeAboveCap { .. } => {
                return refuse(Violation::FeeAboveCap {
                    detail: w.to_string(),
                });
            }
            _ => {}
        }
    }
    for e in &preview.effects {
        let detail = match e {
            Effect::Unknown {
                program, detail, ..
            } => format!("{program}: {detail}"),
            Effect::ContractCreation { .. } => "a contract creation".to_owned(),
            Effect::Close {
                account,
                destination,
                ..
            } => format!(
                "closes {account}, whose whole balance (known only on chain) goes to {destination}"
            ),
            Effect::TokenCall {
                function: TokenFunction::Transfer,
                contract,
                ..
            } if preview.chain == Chain::Solana => format!(
                "an SPL Transfer through {contract} that does not name its mint (TransferChecked does)"
            ),
            _ => continue,
        };
        return refuse(Violation::Uncertain { detail });
    }
    Ok(())
}

fn add(moves: &mut Vec<(String, U256)>, chain: Chain, asset: String, amount: U256) {
    let same = |a: &String| super::document::same_address(chain, a, &asset);
    match moves.iter_mut().find(|(a, _)| same(a)) {
        Some((_, total)) => *total = total.saturating_add(amount),
        None => moves.push((asset, amount)),
    }
}

fn limits_for<'r>(rules: &'r ChainRules, asset: &str) -> Result<&'r AssetLimits, Box<Violation>> {
    if asset != "native" && !rules.tokens {
        return refuse(Violation::TokensNotAllowed {
            asset: asset.to_owned(),
        });
    }
    rules
        .assets
        .iter()
        .find(|a| super::document::same_address(rules.chain, &a.asset, asset))
        .ok_or_else(|| {
            Box::new(Violation::NoLimits {
                asset: asset.to_owned(),
            })
        })
}

fn units(v: &str) -> U256 {
    // Documents are checked before they are enforced; an amount that does
    // not parse allows nothing.
    parse_units(v).unwrap_or(U256::ZERO)
}
