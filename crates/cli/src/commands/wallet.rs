//! `accord wallet create | list | show | refresh`. Listing and showing read the
//! device's data only (no node is started): group keys from the store,
//! addresses derived from them.

use std::collections::BTreeMap;

use accord_chains::Chain;
use accord_mpc::{GroupKey, Scheme};
use accord_node::facade::{CreateWallet, WalletSummary};
use accord_node::pairing::ticket::Ticket;
use accord_node::store::Member;
use accord_node::wallet::WalletRef;
use serde_json::{Map, Value, json};

use crate::cli::{CreateArgs, Global, RefreshArgs, ShowArgs};
use crate::error::CliError;
use crate::node;

/// Creates a wallet with the devices of the `--peer` tickets.
pub fn create(global: &Global, args: &CreateArgs) -> Result<String, CliError> {
    let peers = args
        .peers
        .iter()
        .enumerate()
        .map(|(i, text)| {
            Ticket::decode(text).map_err(|e| CliError::Ticket {
                index: i + 1,
                reason: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let request = CreateWallet {
        name: args.name.clone(),
        threshold: args.threshold,
        network: args.network.parse()?,
        peers,
        policy: args
            .policy
            .as_deref()
            .map(crate::commands::policy::first_policy)
            .transpose()?,
    };
    let vault = node::open(global)?;
    let summary = node::as_desktop(vault, global, async |node, progress| {
        Ok(node.create_wallet(&request, progress).await?)
    })?;
    let mut out = Map::new();
    out.insert("wallet".into(), json!(summary.wallet.name));
    out.insert("threshold".into(), json!(summary.wallet.threshold));
    out.insert("parties".into(), json!(summary.wallet.parties));
    out.insert("addresses".into(), addresses(&summary));
    out.insert("public_keys".into(), keys_json(&summary.keys));
    Ok(print(global, &Value::Object(out)))
}

/// Refreshes a wallet's shares with every member.
pub fn refresh(global: &Global, args: &RefreshArgs) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let wallet = WalletRef::name(&args.wallet);
    let done = node::as_desktop(vault, global, async |node, progress| {
        Ok(node.refresh_wallet(&wallet, progress).await?)
    })?;
    let out = json!({ "wallet": args.wallet, "epoch": done.epoch });
    Ok(print(global, &out))
}

/// Every wallet: a JSON array, or one line each.
pub fn list(global: &Global) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let wallets: Vec<Value> = vault.wallets()?.iter().map(wallet_json).collect();
    if global.json {
        return Ok(Value::Array(wallets).to_string());
    }
    Ok(wallets.iter().map(line).collect::<Vec<_>>().join("\n"))
}

/// One wallet with its event log.
pub fn show(global: &Global, args: &ShowArgs) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let r = WalletRef::name(&args.wallet);
    let summary = vault.wallet(&r)?;
    let mut value = wallet_json(&summary);
    let events: Vec<Value> = vault
        .events(Some(&r), 0)?
        .iter()
        .map(|e| json!({ "at": e.at, "kind": e.kind.name(), "detail": e.detail }))
        .collect();
    if let Value::Object(map) = &mut value {
        map.insert("events".into(), Value::Array(events));
        map.insert("epoch".into(), json!(summary.wallet.epoch));
        map.insert("backup".into(), json!(vault.backup_state(&r)?.name()));
    }
    Ok(print(global, &value))
}

/// JSON on one line with `--json`, pretty otherwise.
pub fn print(global: &Global, value: &Value) -> String {
    if global.json {
        value.to_string()
    } else {
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    }
}

/// A stored wallet as `wallet list` prints it.
fn wallet_json(s: &WalletSummary) -> Value {
    let w = &s.wallet;
    json!({
        "id": w.id,
        "wallet": w.name,
        "network": w.network.name(),
        "threshold": w.threshold,
        "parties": w.parties,
        "party": w.party,
        "members": s.members.iter().map(member_json).collect::<Vec<_>>(),
        "addresses": addresses(s),
        "descriptors": s.descriptors.iter().map(|(c, d)| (c.name().to_owned(), json!(d))).collect::<Map<_, _>>(),
        "public_keys": keys_json(&s.keys),
    })
}

fn member_json(m: &Member) -> Value {
    json!({
        "party": m.party,
        "name": m.name,
        "device_id": m.device.to_string(),
        "role": m.role.name(),
    })
}

/// `{"bitcoin": …, "ethereum": …, "solana": …}` (a chain whose address
/// cannot be derived is left out).
fn addresses(s: &WalletSummary) -> Value {
    let mut out = Map::new();
    for chain in Chain::ALL {
        if let Some(address) = s.addresses.get(&chain) {
            out.insert(chain.name().into(), json!(address));
        }
    }
    Value::Object(out)
}

/// `{"frost-taproot": hex, "frost-ed25519": hex, "ecdsa": hex}`.
fn keys_json(keys: &BTreeMap<Scheme, GroupKey>) -> Value {
    let mut out = Map::new();
    for scheme in Scheme::ALL {
        if let Some(key) = keys.get(&scheme) {
            out.insert(scheme.name().into(), json!(hex::encode(key.to_bytes())));
        }
    }
    Value::Object(out)
}

/// One wallet on one line.
fn line(w: &Value) -> String {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let mut out = format!(
        "{} {}-of-{} {}",
        text(&w["wallet"]),
        w["threshold"],
        w["parties"],
        text(&w["network"])
    );
    if let Some(addresses) = w["addresses"].as_object() {
        for (chain, address) in addresses {
            out.push_str(&format!(" {chain}={}", text(address)));
        }
    }
    node::safe(&out)
}
