//! `accord init` (the device identity), `accord devices` (the devices
//! paired with this one) and `accord device replace | cancel-replace` (a
//! wallet's lost device).

use std::sync::Arc;

use accord_node::Role;
use accord_node::approve::Interactive;
use accord_node::facade::Replaced;
use accord_node::pairing::ticket::Ticket;
use accord_node::wallet::WalletRef;
use serde_json::{Value, json};

use crate::cli::{CancelReplaceArgs, Global, ReplaceArgs};
use crate::error::CliError;
use crate::node;

/// Replaces a wallet's lost device with a new one.
pub fn replace(global: &Global, args: &ReplaceArgs) -> Result<String, CliError> {
    let lost = args
        .lost
        .trim()
        .parse()
        .map_err(|_| CliError::Input(format!("not a device id: {:?}", args.lost)))?;
    let ticket = Ticket::decode(args.peer.trim()).map_err(|e| CliError::Ticket {
        index: 1,
        reason: e.to_string(),
    })?;
    let vault = node::open(global)?;
    let wallet = WalletRef::name(&args.wallet);
    let done = node::as_desktop(vault, global, async |node, progress| {
        Ok(node
            .replace_device(&wallet, lost, &ticket, progress)
            .await?)
    })?;
    let out = match done {
        Replaced::Done {
            epoch,
            replaced,
            by,
            ..
        } => json!({
            "wallet": args.wallet,
            "epoch": epoch,
            "replaced": replaced.to_string(),
            "by": by.to_string(),
        }),
        Replaced::Pending { until } => json!({ "pending_until": until }),
    };
    Ok(crate::commands::wallet::print(global, &out))
}

/// Cancels a replacement waiting for its delay.
pub fn cancel_replace(global: &Global, args: &CancelReplaceArgs) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let wallet = WalletRef::name(&args.wallet);
    let approver = Arc::new(Interactive::terminal());
    let told = node::block_on(node::with_node(
        vault,
        Role::Desktop,
        global,
        approver,
        async |node| Ok(node.cancel_replacement(&wallet).await?),
    ))?;
    let out = json!({ "wallet": args.wallet, "cancelled": true, "members_told": told });
    Ok(if global.json {
        out.to_string()
    } else {
        format!("replacement cancelled; {told} member(s) told")
    })
}

/// Creates the device identity if there is none; prints the device id.
pub fn init(global: &Global) -> Result<String, CliError> {
    let mut vault = node::open(global)?;
    let id = vault.device_id()?.to_string();
    Ok(if global.json {
        json!({ "device_id": id }).to_string()
    } else {
        id
    })
}

/// The paired devices: a JSON array, or one line each.
pub fn devices(global: &Global) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let devices = vault.devices()?;
    if global.json {
        let list: Vec<Value> = devices
            .iter()
            .map(|d| {
                json!({
                    "device_id": d.id.to_string(),
                    "name": d.name,
                    "paired_at": d.paired_at,
                    "last_seen": d.last_seen,
                })
            })
            .collect();
        return Ok(Value::Array(list).to_string());
    }
    let lines: Vec<String> = devices
        .iter()
        .map(|d| {
            let seen = d.last_seen.map_or_else(|| "never".to_owned(), node::utc);
            node::safe(&format!(
                "{} {} paired {} last seen {seen}",
                d.id,
                d.name,
                node::utc(d.paired_at)
            ))
        })
        .collect();
    Ok(lines.join("\n"))
}
