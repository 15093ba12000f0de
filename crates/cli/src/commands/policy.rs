//! `accord policy set | show`: the wallet's signing policy, which a
//! recovery co-signer (`PolicyOnly`) enforces. `set` replaces the rule for
//! one chain and keeps the others.

use accord_chains::bitcoin::{self, Network};
use accord_chains::{Chain, ethereum, solana};
use accord_node::approve::{Policy, Rule};
use accord_node::wallet::WalletRef;
use serde_json::Value;

use crate::cli::{Global, PolicySetArgs, PolicyShowArgs};
use crate::error::CliError;
use crate::node;

/// Sets the rule for `--chain`; prints the whole policy.
pub fn set(global: &Global, args: &PolicySetArgs) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let mut vault = node::open(global)?;
    let wallet = WalletRef::name(&args.wallet);
    let network = vault.wallet(&wallet)?.wallet.network;
    let mut policy = vault.policy(&wallet)?.unwrap_or_default();
    let allow = args
        .allow
        .iter()
        .map(|a| canonical(chain, a, network))
        .collect::<Result<Vec<_>, _>>()?;
    let rule = Rule {
        chain,
        max_per_tx: args.max.as_ref().map(|m| m.trim().to_owned()),
        allow,
        tokens: args.tokens,
    };
    policy.rules.retain(|r| r.chain != chain);
    policy.rules.push(rule);
    policy
        .rules
        .sort_by_key(|r| Chain::ALL.iter().position(|c| *c == r.chain));
    policy.check()?;
    vault.set_policy(&wallet, &policy)?;
    Ok(render(global, &policy))
}

/// Prints the wallet's policy (`null` with `--json` when it has none).
pub fn show(global: &Global, args: &PolicyShowArgs) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let wallet = WalletRef::name(&args.wallet);
    match vault.policy(&wallet)? {
        Some(policy) => Ok(render(global, &policy)),
        None if global.json => Ok(Value::Null.to_string()),
        None => Ok(format!(
            "wallet {:?} has no policy: a recovery co-signer signs nothing for it",
            args.wallet
        )),
    }
}

fn render(global: &Global, policy: &Policy) -> String {
    if global.json {
        serde_json::to_string(policy).unwrap_or_else(|_| policy.to_json())
    } else {
        policy.to_json()
    }
}

/// An allowed address, checked and in the form the policy compares.
fn canonical(chain: Chain, address: &str, network: Network) -> Result<String, CliError> {
    let bad = |e: &dyn std::fmt::Display| {
        CliError::Address(crate::error::one_line(format!("--allow {address}: {e}")))
    };
    match chain {
        Chain::Bitcoin => bitcoin::address::parse(address, network)
            .map(|a| a.to_string())
            .map_err(|e| bad(&e)),
        Chain::Ethereum => ethereum::address::parse(address)
            .map(|a| ethereum::address::checksummed(&a))
            .map_err(|e| bad(&e)),
        Chain::Solana => solana::address::parse(address)
            .map(|a| a.to_string())
            .map_err(|e| bad(&e)),
    }
}
