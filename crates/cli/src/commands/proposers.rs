//! `accord proposers add | remove | list`: devices that may propose to a
//! wallet's team without holding a share (`accord_node::team::Grant`).

use std::time::Duration;

use accord_node::facade::{ProposerView, ProposingTo};
use accord_node::pairing::ticket::Ticket;
use accord_node::team::Grant;
use accord_node::transport::EndpointId;
use accord_node::wallet::WalletRef;
use serde_json::{Value, json};

use super::proposals::{on_team, with_device_node};
use crate::cli::{Global, ProposalsListArgs, ProposerAddArgs, ProposerRemoveArgs};
use crate::commands::wallet::print;
use crate::error::CliError;
use crate::node;

fn device_id(text: &str) -> Result<EndpointId, CliError> {
    text.trim()
        .parse()
        .map_err(|_| CliError::Input(format!("not a device id: {text:?}")))
}

fn grant_json(wallet: &str, g: &Grant) -> Value {
    json!({
        "wallet": wallet,
        "proposer": g.device,
        "name": g.name,
        "active": g.active,
        "at": g.at,
    })
}

/// `accord proposers add`.
pub fn add(global: &Global, args: &ProposerAddArgs) -> Result<String, CliError> {
    let wallet = WalletRef::name(&args.wallet);
    let name = args.name.clone();
    let made = match (&args.ticket, &args.device) {
        (Some(ticket), _) => {
            let ticket = Ticket::decode(ticket.trim()).map_err(|e| CliError::Ticket {
                index: 1,
                reason: e.to_string(),
            })?;
            let vault = node::open(global)?;
            with_device_node(global, vault, async |node| {
                let paired = node.redeem(&ticket).await?;
                let g = node.grant_proposer(wallet, paired.id, name, true).await?;
                node.sync_team(Duration::ZERO).await?;
                Ok(g)
            })?
        }
        (None, Some(device)) => {
            let device = device_id(device)?;
            on_team(global, move |vault| {
                Ok(vault.grant_proposer(
                    &wallet,
                    device,
                    name.as_deref(),
                    true,
                    accord_node::runner::now(),
                )?)
            })?
        }
        (None, None) => return Err(CliError::Input("give --ticket or --device".into())),
    };
    Ok(print(global, &grant_json(&args.wallet, &made)))
}

/// `accord proposers remove`.
pub fn remove(global: &Global, args: &ProposerRemoveArgs) -> Result<String, CliError> {
    let wallet = WalletRef::name(&args.wallet);
    let device = device_id(&args.device)?;
    let made = on_team(global, move |vault| {
        Ok(vault.grant_proposer(&wallet, device, None, false, accord_node::runner::now())?)
    })?;
    Ok(print(global, &grant_json(&args.wallet, &made)))
}

fn proposer_json(wallet: &str, p: &ProposerView) -> Value {
    json!({
        "wallet": wallet,
        "device": p.device,
        "name": p.name,
        "active": p.active,
        "by": p.by,
        "at": p.at,
    })
}

fn proposing_json(p: &ProposingTo) -> Value {
    json!({
        "wallet": p.wallet,
        "wallet_id": p.wallet_id,
        "threshold": p.threshold,
        "members": p.members,
        "active": p.active,
        "by": p.by,
    })
}

/// `accord proposers list`.
pub fn list(global: &Global, args: &ProposalsListArgs) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let wallets: Vec<String> = match &args.wallet {
        Some(w) => vec![w.clone()],
        None => vault
            .wallets()?
            .into_iter()
            .map(|w| w.wallet.name)
            .collect(),
    };
    let mut proposers = Vec::new();
    for w in &wallets {
        for p in vault.proposers(&WalletRef::name(w))? {
            proposers.push(proposer_json(w, &p));
        }
    }
    let proposing: Vec<Value> = vault
        .proposing_to()?
        .iter()
        .filter(|p| args.wallet.as_ref().is_none_or(|w| *w == p.wallet))
        .map(proposing_json)
        .collect();
    Ok(print(
        global,
        &json!({ "proposers": proposers, "proposing_to": proposing }),
    ))
}
