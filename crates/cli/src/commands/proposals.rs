//! `accord propose` and `accord proposals list | show | approve | reject |
//! watch` (`accord_node::team`). Each works on this device's store; a
//! running `cosigner serve` of the same data directory relays what changed
//! (and signs what is ready and its to sign) within a second. Without one,
//! the command runs a node for a moment: it pulls what the other members
//! hold, makes its change, pushes it, and signs what is ready and this
//! device's to sign.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use accord_chains::Chain;
use accord_node::Role;
use accord_node::facade::{DEFAULT_EXPIRY, ProposalView, Vault};
use accord_node::runner::now;
use accord_node::team::VoteKind;
use accord_node::wallet::WalletRef;
use serde_json::{Value, json};

use crate::cli::{Global, ProposalIdArgs, ProposalRejectArgs, ProposalsListArgs, ProposeArgs};
use crate::commands::wallet::print;
use crate::error::CliError;
use crate::{input, node};

/// How long a command without a running daemon waits for the members'
/// answers to its pull.
const PULL_WAIT: Duration = Duration::from_secs(2);
/// How often `watch` looks at the store.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// The JSON of a proposal as every command prints it.
pub fn view_json(v: &ProposalView) -> Value {
    let votes: Vec<Value> = v
        .votes
        .iter()
        .map(|x| {
            json!({
                "device": x.device,
                "name": x.name,
                "vote": x.kind.name(),
                "reason": x.reason,
                "at": x.at,
                "counts": x.counts,
            })
        })
        .collect();
    let rejections = v
        .votes
        .iter()
        .filter(|x| x.counts && x.kind == VoteKind::Reject)
        .count();
    json!({
        "proposal": v.id,
        "wallet": v.wallet,
        "chain": v.chain.name(),
        "note": v.note,
        "proposer": v.proposer,
        "created_at": v.created_at,
        "expires_at": v.expires_at,
        "status": v.status.name(),
        "approvals": v.approvals(),
        "rejections": rejections,
        "needs": v.needs,
        "votes": votes,
        "voted_here": v.voted_here.map(VoteKind::name),
        "proposer_only": v.proposer_only,
        "preview": v.preview.as_ref().and_then(|p| serde_json::to_value(p).ok()),
        "preview_error": v.preview_error,
        "signed": v.done.as_ref().map(|d| d.encoded.clone()),
        "txid": v.done.as_ref().map(|d| d.txid.clone()),
    })
}

/// Runs `body` on a node of this device, under the name it last ran with
/// (a person's device: what is not a team proposal it approved is asked
/// about at the terminal).
pub(crate) fn with_device_node<T>(
    global: &Global,
    vault: Vault,
    body: impl AsyncFnOnce(&accord_node::Node) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let name = vault.name()?;
    let role = name
        .as_deref()
        .and_then(|n| n.parse().ok())
        .unwrap_or(Role::Member);
    let name = name.unwrap_or_else(|| role.name().to_owned());
    node::block_on(node::with_named_node(
        vault,
        role,
        &name,
        global,
        Arc::new(accord_node::approve::Interactive::terminal()),
        body,
    ))
}

/// Runs `change` on the store, with a node around it when no daemon of
/// this data directory runs (see the module docs).
pub(crate) fn on_team<T: Send + 'static>(
    global: &Global,
    change: impl FnOnce(&mut Vault) -> Result<T, CliError> + Send + 'static,
) -> Result<T, CliError> {
    let mut vault = node::open(global)?;
    if node::serve_running(global) {
        return change(&mut vault);
    }
    with_device_node(global, vault, async |node| {
        node.sync_team(PULL_WAIT).await?;
        let made = node.with_vault(change).await?;
        node.sync_team(Duration::ZERO).await?;
        Ok(made)
    })
}

/// `accord propose`.
pub fn propose(global: &Global, args: &ProposeArgs) -> Result<String, CliError> {
    let chain: Chain = args.chain.parse()?;
    let unsigned = input::unsigned(&args.unsigned)?;
    let wallet = WalletRef::name(&args.wallet);
    let note = args.note.clone();
    let expires = args.expires.unwrap_or(DEFAULT_EXPIRY);
    if expires == 0 {
        return Err(CliError::Input(
            "--expires must be at least 1 second".into(),
        ));
    }
    let id = on_team(global, move |vault| {
        Ok(vault
            .propose(&wallet, chain, unsigned, &note, expires, now())?
            .id)
    })?;
    let shown = node::open(global)?.proposal(&id, now())?;
    Ok(print(global, &view_json(&shown)))
}

/// `accord proposals list`.
pub fn list(global: &Global, args: &ProposalsListArgs) -> Result<String, CliError> {
    let vault = node::open(global)?;
    let wallet = args.wallet.as_deref().map(WalletRef::name);
    let all = vault.proposals(wallet.as_ref(), now())?;
    if global.json {
        return Ok(Value::Array(all.iter().map(view_json).collect()).to_string());
    }
    if all.is_empty() {
        return Ok("no proposals".into());
    }
    Ok(all
        .iter()
        .map(|v| {
            format!(
                "{}  {}  {}  {}/{} approvals  {}{}",
                &v.id[..16],
                v.wallet,
                v.chain.name(),
                v.approvals(),
                v.needs,
                v.status.name(),
                if v.note.is_empty() {
                    String::new()
                } else {
                    format!("  \"{}\"", v.note)
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

/// `accord proposals show`.
pub fn show(global: &Global, args: &ProposalIdArgs) -> Result<String, CliError> {
    let vault = node::open(global)?;
    Ok(print(global, &view_json(&vault.proposal(&args.id, now())?)))
}

fn vote(global: &Global, id: &str, kind: VoteKind, reason: &str) -> Result<String, CliError> {
    let (id, reason) = (id.to_owned(), reason.to_owned());
    let voted = on_team(global, move |vault| {
        Ok(vault.vote_on(&id, kind, &reason, now())?.id)
    })?;
    let shown = node::open(global)?.proposal(&voted, now())?;
    Ok(print(global, &view_json(&shown)))
}

/// `accord proposals approve`.
pub fn approve(global: &Global, args: &ProposalIdArgs) -> Result<String, CliError> {
    vote(global, &args.id, VoteKind::Approve, "")
}

/// `accord proposals reject`.
pub fn reject(global: &Global, args: &ProposalRejectArgs) -> Result<String, CliError> {
    vote(global, &args.id, VoteKind::Reject, &args.reason)
}

/// What `watch` compares to notice a change.
fn state_of(v: &ProposalView) -> String {
    format!("{}:{}:{}", v.status.name(), v.votes.len(), v.done.is_some())
}

fn watch_once(
    vault: &Vault,
    wallet: Option<&WalletRef>,
    seen: &mut HashMap<String, String>,
) -> Result<(), CliError> {
    use std::io::Write as _;
    for v in vault.proposals(wallet, now())? {
        let state = state_of(&v);
        let event = match seen.get(&v.id) {
            None => "new",
            Some(s) if *s != state => "changed",
            Some(_) => continue,
        };
        seen.insert(v.id.clone(), state);
        let mut line = view_json(&v);
        line["event"] = json!(event);
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| CliError::Io(format!("cannot write to standard output: {e}")))?;
    }
    Ok(())
}

/// `accord proposals watch`: one JSON line per new proposal or change
/// (`"event": "new" | "changed"`), until interrupted.
pub fn watch(global: &Global, args: &ProposalsListArgs) -> Result<String, CliError> {
    let wallet = args.wallet.as_deref().map(WalletRef::name);
    let mut seen = HashMap::new();
    if node::serve_running(global) {
        let vault = node::open(global)?;
        loop {
            watch_once(&vault, wallet.as_ref(), &mut seen)?;
            std::thread::sleep(WATCH_EVERY);
        }
    }
    let vault = node::open(global)?;
    with_device_node(global, vault, async |node| {
        loop {
            let w = wallet.clone();
            let mut s = std::mem::take(&mut seen);
            let (s, done) = node
                .with_vault(move |v| {
                    let r = watch_once(v, w.as_ref(), &mut s);
                    (s, r)
                })
                .await;
            seen = s;
            done?;
            tokio::time::sleep(WATCH_EVERY).await;
        }
    })
}
