//! `accord policy show | propose | approve | cancel`: the wallet's signed
//! policy documents (`accord_node::policy`). A proposal or a statement is
//! signed with this device's identity key and kept in its store; a running
//! `accord cosigner serve` (or the desktop app) of the same data directory
//! pushes it to the wallet's members within a second.

use accord_chains::Chain;
use accord_node::approve::PolicyOnly;
use accord_node::facade::Vault;
use accord_node::facade::{PolicyChangeError, PolicyView};
use accord_node::policy::describe::describe;
use accord_node::policy::edit::parse_recipients;
use accord_node::policy::{PolicyDocument, PolicyEdit, Standing, Statement};
use accord_node::session::Role;
use accord_node::wallet::WalletRef;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{Global, PolicyProposeArgs, PolicyShowArgs, PolicyVersionArgs};
use crate::error::CliError;
use crate::node;

/// Prints the version in force, its rules, and the pending versions with
/// who signed them.
pub fn show(global: &Global, args: &PolicyShowArgs) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let view = vault.policy(&WalletRef::name(&args.wallet))?;
    if global.json {
        return Ok(show_json(&view).to_string());
    }
    let name = |d: &String| view.names.get(d).cloned().unwrap_or_else(|| d.clone());
    let mut out = Vec::new();
    match &view.resolved.active {
        Some(doc) => {
            out.push(format!(
                "policy v{} ({}) in force, approved by {}",
                doc.version,
                &doc.hash_hex()[..12],
                view.resolved
                    .active_approved_by
                    .iter()
                    .map(name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            out.extend(describe(doc).into_iter().map(|l| format!("  {l}")));
        }
        None => out.push(format!(
            "wallet {:?} has no policy in force: a recovery server signs nothing for it",
            args.wallet
        )),
    }
    for p in &view.resolved.pending {
        out.push(format!(
            "v{} ({}) {}; approved by {}",
            p.document.version,
            &p.document.hash_hex()[..12],
            standing_text(&p.standing),
            p.approved_by
                .iter()
                .map(name)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        out.extend(describe(&p.document).into_iter().map(|l| format!("  {l}")));
    }
    for r in &view.resolved.rejected {
        out.push(format!("refused: {r}"));
    }
    Ok(out.join("\n"))
}

fn standing_text(s: &Standing) -> String {
    match s {
        Standing::Active => "in force".into(),
        Standing::Pending {
            needs,
            effective_at: None,
            loosens,
        } => format!(
            "pending: needs {needs} more signature(s){}",
            if loosens.is_empty() {
                String::new()
            } else {
                format!(" (it loosens: {})", loosens.join("; "))
            }
        ),
        Standing::Pending {
            effective_at: Some(at),
            ..
        } => format!("pending: in force at {at} (seconds since 1970) unless cancelled"),
        Standing::Cancelled { by } => format!("cancelled by {by}"),
    }
}

fn standing_json(version: u64, hash: &str, s: &Standing) -> Value {
    let (status, needs, effective_at, loosens) = match s {
        Standing::Active => ("active", 0, None, Vec::new()),
        Standing::Pending {
            needs,
            effective_at,
            loosens,
        } => ("pending", *needs, *effective_at, loosens.clone()),
        Standing::Cancelled { .. } => ("cancelled", 0, None, Vec::new()),
    };
    json!({
        "version": version,
        "hash": hash,
        "status": status,
        "needs": needs,
        "effective_at": effective_at,
        "loosens": loosens,
    })
}

fn document_json(doc: &PolicyDocument) -> Value {
    serde_json::from_str(&doc.to_json()).unwrap_or(Value::Null)
}

fn show_json(view: &PolicyView) -> Value {
    let name = |d: &String| view.names.get(d).cloned().unwrap_or_else(|| d.clone());
    let active = view.resolved.active.as_ref().map(|doc| {
        json!({
            "version": doc.version,
            "hash": doc.hash_hex(),
            "approved_by": view.resolved.active_approved_by.iter().map(name).collect::<Vec<_>>(),
            "rules": describe(doc),
            "document": document_json(doc),
        })
    });
    let pending: Vec<Value> = view
        .resolved
        .pending
        .iter()
        .map(|p| {
            let mut v = standing_json(p.document.version, &p.document.hash_hex(), &p.standing);
            v["approved_by"] = json!(p.approved_by.iter().map(name).collect::<Vec<_>>());
            v["rules"] = json!(describe(&p.document));
            v["document"] = document_json(&p.document);
            v
        })
        .collect();
    json!({
        "wallet_id": view.wallet_id,
        "active": active,
        "pending": pending,
        "rejected": view.resolved.rejected,
    })
}

/// A wallet's first policy from `path`: a document whose `wallet_id`,
/// `version` and `previous` may be missing (the wallet's id is known once
/// it is created: the invitation fills them in).
pub fn first_policy(path: &std::path::Path) -> Result<PolicyDocument, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
    let mut value: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Input(format!("{}: not JSON: {e}", path.display())))?;
    if let Some(obj) = value.as_object_mut() {
        obj.entry("wallet_id").or_insert(json!("00".repeat(16)));
        obj.insert("version".into(), json!(1));
        obj.remove("previous");
    }
    Ok(PolicyDocument::from_json(&value.to_string())?)
}

/// Proposes the next version: the document in `--file`, or the version
/// in force with the rules the options name changed.
pub fn propose(global: &Global, args: &PolicyProposeArgs) -> Result<String, CliError> {
    let file = match &args.file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
            Some(PolicyDocument::from_json(&text)?)
        }
        None => None,
    };
    let wallet = WalletRef::name(&args.wallet);
    let (args, w) = (args.clone(), wallet.clone());
    change(global, &wallet, move |vault| {
        let doc = match file {
            Some(doc) => doc,
            None => {
                let network = vault.wallet(&w)?.wallet.network;
                let mut doc = vault.policy(&w)?.next_draft(network);
                edit_of(&args)?
                    .apply(&mut doc, network)
                    .map_err(PolicyChangeError::from)?;
                doc
            }
        };
        let standing = vault.propose_policy(&w, &doc)?;
        Ok((doc, standing))
    })
}

/// Approves or cancels a pending version.
pub fn sign(
    global: &Global,
    args: &PolicyVersionArgs,
    statement: Statement,
) -> Result<String, CliError> {
    let wallet = WalletRef::name(&args.wallet);
    let (w, version, hash) = (wallet.clone(), args.version, args.hash.clone());
    change(global, &wallet, move |vault| {
        Ok(vault.sign_policy(&w, version, hash.as_deref(), statement)?)
    })
}

/// Runs `make` (a change of the wallet's policy) on a node of this
/// device, and shows where the version stands then.
fn change(
    global: &Global,
    wallet: &WalletRef,
    make: impl FnOnce(&mut Vault) -> Result<(PolicyDocument, Standing), CliError> + Send + 'static,
) -> Result<String, CliError> {
    let (doc, standing) = on_node(global, wallet, make)?;
    Ok(result(global, &doc, &standing))
}

/// Runs `make` on a node of this device: what the other members hold of
/// the wallet's policy is pulled first (a device that was not running may
/// have missed versions and statements), and what changed is pushed to
/// them after. (A running `cosigner serve` of this data directory would
/// push it too, within a second.)
pub(crate) fn on_node<T: Send + 'static>(
    global: &Global,
    wallet: &WalletRef,
    make: impl FnOnce(&mut Vault) -> Result<T, CliError> + Send + 'static,
) -> Result<T, CliError> {
    let vault = node::open(global)?;
    vault.record(wallet)?;
    let role = vault
        .name()?
        .and_then(|n| n.parse().ok())
        .unwrap_or(Role::Desktop);
    node::block_on(node::with_node(
        vault,
        role,
        global,
        Arc::new(PolicyOnly),
        async |node| {
            node.pull_policies(wallet, Duration::from_secs(3)).await?;
            let made = node.with_vault(make).await?;
            node.push_policies(Some(wallet)).await?;
            Ok(made)
        },
    ))
}

fn result(global: &Global, doc: &PolicyDocument, standing: &Standing) -> String {
    let v = standing_json(doc.version, &doc.hash_hex(), standing);
    if global.json {
        v.to_string()
    } else {
        format!("policy v{}: {}", doc.version, standing_text(standing))
    }
}

/// The change the options name.
fn edit_of(args: &PolicyProposeArgs) -> Result<PolicyEdit, CliError> {
    let chain = args.chain.as_deref().map(str::parse::<Chain>).transpose()?;
    let recipients = match &args.recipients {
        Some(r) => Some(parse_recipients(r).ok_or_else(|| {
            CliError::Input(format!(
                "--recipients {r:?}: book-only, book-or-delay or anyone"
            ))
        })?),
        None => None,
    };
    Ok(PolicyEdit {
        chain,
        chain_id: args.chain_id,
        asset: args.asset.clone(),
        max_per_tx: args.max_per_tx.clone(),
        max_per_window: args.max_per_window.clone().zip(args.window),
        delay_over: args.delay_over.clone(),
        allow: args
            .allow
            .iter()
            .map(|entry| match entry.split_once('=') {
                Some((a, n)) => (a.trim().to_owned(), Some(n.trim().to_owned())),
                None => (entry.trim().to_owned(), None),
            })
            .collect(),
        recipients,
        tokens: if args.tokens {
            Some(true)
        } else if args.no_tokens {
            Some(false)
        } else {
            None
        },
        delay: args.delay,
    })
}
