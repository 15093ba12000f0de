//! `accord wallet create | list | show`. Listing and showing read the
//! store only (no node is started): group keys from the store, addresses
//! derived from them.

use std::collections::BTreeMap;
use std::sync::Arc;

use accord_chains::Chain;
use accord_mpc::{GroupKey, Scheme};
use accord_node::approve::Interactive;
use accord_node::pairing::ticket::Ticket;
use accord_node::runtime::public_keys;
use accord_node::store::{Member, Store, WalletRecord};
use serde_json::{Map, Value, json};

use crate::cli::{CreateArgs, Global, ShowArgs};
use crate::error::CliError;
use crate::node::{self, OnOwnThread};

/// Creates a wallet with the devices of the `--peer` tickets.
pub fn create(global: &Global, args: &CreateArgs) -> Result<String, CliError> {
    let tickets = args
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
    let store = node::open(global)?;
    let approver = Arc::new(OnOwnThread::new(Interactive::terminal()));
    let summary = node::block_on(node::with_node(
        store,
        "desktop",
        global,
        approver,
        async |node| {
            let printer = node::ProgressPrinter::default();
            let progress = |p| printer.print(p);
            Ok(node
                .create_wallet(
                    &args.name,
                    args.threshold,
                    &args.network,
                    &tickets,
                    &progress,
                )
                .await?)
        },
    ))?;
    let mut out = Map::new();
    out.insert("wallet".into(), json!(summary.wallet.name));
    out.insert("threshold".into(), json!(summary.wallet.threshold));
    out.insert("parties".into(), json!(summary.wallet.parties));
    out.insert(
        "addresses".into(),
        addresses(&summary.keys, &summary.wallet.network),
    );
    out.insert("public_keys".into(), keys_json(&summary.keys));
    Ok(print(global, &Value::Object(out)))
}

/// Every wallet: a JSON array, or one line each.
pub fn list(global: &Global) -> Result<String, CliError> {
    let store = node::open(global)?;
    let wallets = store
        .wallets()?
        .iter()
        .map(|w| wallet_json(&store, w))
        .collect::<Result<Vec<_>, _>>()?;
    if global.json {
        return Ok(Value::Array(wallets).to_string());
    }
    Ok(wallets.iter().map(line).collect::<Vec<_>>().join("\n"))
}

/// One wallet with its event log.
pub fn show(global: &Global, args: &ShowArgs) -> Result<String, CliError> {
    let store = node::open(global)?;
    let wallet = store.wallet(&args.wallet)?;
    let mut value = wallet_json(&store, &wallet)?;
    let events: Vec<Value> = store
        .events(Some(&wallet))?
        .iter()
        .map(|e| json!({ "at": e.at, "kind": e.kind, "detail": e.detail }))
        .collect();
    if let Value::Object(map) = &mut value {
        map.insert("events".into(), Value::Array(events));
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
fn wallet_json(store: &Store, w: &WalletRecord) -> Result<Value, CliError> {
    let members = store.members(w)?;
    let mut keys = BTreeMap::new();
    for scheme in Scheme::ALL {
        keys.insert(scheme, store.group_key(w, scheme)?);
    }
    Ok(json!({
        "id": w.id,
        "wallet": w.name,
        "network": w.network,
        "threshold": w.threshold,
        "parties": w.parties,
        "party": w.party,
        "members": members.iter().map(member_json).collect::<Vec<_>>(),
        "addresses": addresses(&keys, &w.network),
        "public_keys": keys_json(&keys),
    }))
}

fn member_json(m: &Member) -> Value {
    json!({ "party": m.party, "name": m.name, "device_id": m.endpoint_id })
}

/// `{"bitcoin": …, "ethereum": …, "solana": …}` (a chain whose address
/// cannot be derived is left out).
fn addresses(keys: &BTreeMap<Scheme, GroupKey>, network: &str) -> Value {
    let mut out = Map::new();
    if let Some(pk) = public_keys(keys) {
        for chain in Chain::ALL {
            if let Ok(address) = pk.address(chain, network) {
                out.insert(chain.name().into(), json!(address));
            }
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
