//! `accord policy delayed | cancel-transfer`: the transfers a wallet's
//! policy delays (`accord_node::policy::delayed`) — queued by the recovery
//! server (and any member that checked them), co-signed when proposed again
//! after the delay — and a member's cancel of one, signed with this
//! device's identity key and pushed to the members.

use accord_node::facade::DelayedView;
use accord_node::wallet::WalletRef;
use serde_json::{Value, json};

use crate::cli::{CancelTransferArgs, Global, PolicyShowArgs};
use crate::error::CliError;

/// Lists the wallet's delayed transfers (what the members hold pulled
/// first).
pub fn list(global: &Global, args: &PolicyShowArgs) -> Result<String, CliError> {
    let wallet = WalletRef::name(&args.wallet);
    let w = wallet.clone();
    let list = super::policy::on_node(global, &wallet, move |vault| {
        Ok(vault.delayed_transfers(&w)?)
    })?;
    if global.json {
        return Ok(Value::Array(list.iter().map(to_json).collect()).to_string());
    }
    if list.is_empty() {
        return Ok(format!("wallet {:?} has no delayed transfers", args.wallet));
    }
    Ok(list.iter().map(line).collect::<Vec<_>>().join("\n"))
}

/// Cancels one, for good.
pub fn cancel(global: &Global, args: &CancelTransferArgs) -> Result<String, CliError> {
    let wallet = WalletRef::name(&args.wallet);
    let (w, id) = (wallet.clone(), args.id.clone());
    let view = super::policy::on_node(global, &wallet, move |vault| {
        Ok(vault.cancel_transfer(&w, &id)?)
    })?;
    Ok(if global.json {
        to_json(&view).to_string()
    } else {
        line(&view)
    })
}

fn to_json(v: &DelayedView) -> Value {
    json!({
        "id": v.id(),
        "intent": hex::encode(v.intent),
        "summary": v.summary,
        "eligible_at": v.eligible_at,
        "status": if v.cancelled_by.is_empty() { "waiting" } else { "cancelled" },
        "cancelled_by": v.cancelled_by,
    })
}

fn line(v: &DelayedView) -> String {
    let when: Vec<String> = v
        .eligible_at
        .iter()
        .map(|(who, at)| format!("{who} from {at}"))
        .collect();
    let state = if v.cancelled_by.is_empty() {
        format!("co-signed when proposed again: {}", when.join(", "))
    } else {
        format!("CANCELLED by {}", v.cancelled_by.join(", "))
    };
    format!("{} {} — {state}", v.id(), v.summary)
}
