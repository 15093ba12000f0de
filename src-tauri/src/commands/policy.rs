//! The Policy screen: the wallet's policy as this device holds it (in
//! force, pending, the address book, delayed transfers), a change proposed
//! here, a pending version approved or cancelled, a delayed transfer
//! cancelled — each signed with this device's identity key by the node's
//! facade (`Vault::propose_policy`, `sign_policy`, `cancel_transfer`) and
//! pushed to the members at once.

use accord_chains::{Amount, Chain};
use accord_desktop_api::{
    ApiError, BookEntryView, DelayedTransferView, PolicyChange, PolicyScreen, PolicyStatement,
    PolicyVersionView, TransferRef, WalletRef as WalletId,
};
use accord_node::facade::{PolicyChangeError, PolicyView};
use accord_node::policy::describe::describe;
use accord_node::policy::edit::parse_recipients;
use accord_node::policy::{PolicyDocument, PolicyEdit, Standing, Statement, device_hex};
use accord_node::rpc::native_decimals;
use accord_node::wallet::WalletRef;
use accord_node::{Node, Vault};
use tauri::State;

use super::{stored, with_vault};
use crate::error;
use crate::state::App;

/// The wallet's policy as this device holds it.
#[tauri::command]
pub async fn policy(app: State<'_, App>, request: WalletId) -> Result<PolicyScreen, ApiError> {
    let node = app.node().await?;
    let me = device_hex(&node.id());
    let wallet = WalletRef::Id(request.wallet_id);
    with_vault(&node, move |vault| screen(vault, &wallet, &me)).await
}

/// Proposes the next version with the change asked for, signed here.
#[tauri::command]
pub async fn propose_policy(
    app: State<'_, App>,
    request: PolicyChange,
) -> Result<PolicyVersionView, ApiError> {
    let node = app.node().await?;
    let me = device_hex(&node.id());
    let wallet = WalletRef::Id(request.wallet_id.clone());
    let edit = edit_of(&request)?;
    let w = wallet.clone();
    let doc = with_vault(&node, move |vault| {
        let network = stored(vault.wallet(&w))?.wallet.network;
        let mut doc = stored(vault.policy(&w))?.next_draft(network);
        edit.apply(&mut doc, network)
            .map_err(|e| error::input(e.to_string()))?;
        vault.propose_policy(&w, &doc).map_err(change_error)?;
        Ok(doc)
    })
    .await?;
    answer(&node, &wallet, doc, me).await
}

/// Approves or cancels a pending version.
#[tauri::command]
pub async fn sign_policy(
    app: State<'_, App>,
    request: PolicyStatement,
) -> Result<PolicyVersionView, ApiError> {
    let node = app.node().await?;
    let me = device_hex(&node.id());
    let statement = match request.statement.as_str() {
        "approve" => Statement::Approve,
        "cancel" => Statement::Cancel,
        other => return Err(error::input(format!("unknown statement {other:?}"))),
    };
    let wallet = WalletRef::Id(request.wallet_id.clone());
    let w = wallet.clone();
    let doc = with_vault(&node, move |vault| {
        vault
            .sign_policy(&w, request.version, Some(&request.hash), statement)
            .map(|(doc, _)| doc)
            .map_err(change_error)
    })
    .await?;
    answer(&node, &wallet, doc, me).await
}

/// Cancels a delayed transfer, for good.
#[tauri::command]
pub async fn cancel_transfer(app: State<'_, App>, request: TransferRef) -> Result<(), ApiError> {
    let node = app.node().await?;
    let wallet = WalletRef::Id(request.wallet_id.clone());
    let w = wallet.clone();
    with_vault(&node, move |vault| {
        vault
            .cancel_transfer(&w, &request.id)
            .map(drop)
            .map_err(change_error)
    })
    .await?;
    stored(node.push_policies(Some(&wallet)).await)
}

/// Pushes the change to the members; where `doc` stands here.
async fn answer(
    node: &Node,
    wallet: &WalletRef,
    doc: PolicyDocument,
    me: String,
) -> Result<PolicyVersionView, ApiError> {
    stored(node.push_policies(Some(wallet)).await)?;
    let w = wallet.clone();
    with_vault(node, move |vault| {
        let view = stored(vault.policy(&w))?;
        let standing = view.standing_of(&doc).unwrap_or(Standing::Pending {
            needs: 0,
            effective_at: None,
            loosens: Vec::new(),
        });
        let approved_by = if standing == Standing::Active {
            view.resolved.active_approved_by.clone()
        } else {
            view.resolved
                .pending
                .iter()
                .find(|p| p.document == doc)
                .map(|p| p.approved_by.clone())
                .unwrap_or_default()
        };
        Ok(version_view(&view, &doc, &standing, &approved_by, &me))
    })
    .await
}

fn screen(vault: &Vault, wallet: &WalletRef, me: &str) -> Result<PolicyScreen, ApiError> {
    let view = stored(vault.policy(wallet))?;
    let active = view.resolved.active.as_ref().map(|doc| {
        version_view(
            &view,
            doc,
            &Standing::Active,
            &view.resolved.active_approved_by,
            me,
        )
    });
    let pending = view
        .resolved
        .pending
        .iter()
        .map(|p| version_view(&view, &p.document, &p.standing, &p.approved_by, me))
        .collect();
    let book = view
        .resolved
        .active
        .iter()
        .flat_map(|d| &d.address_book)
        .map(|e| BookEntryView {
            chain: e.chain.to_string(),
            address: e.address.clone(),
            name: e.name.clone(),
        })
        .collect();
    let delayed = stored(vault.delayed_transfers(wallet))?
        .into_iter()
        .map(|d| DelayedTransferView {
            id: d.id(),
            summary: d.summary.clone(),
            eligible_at: d.last_eligible(),
            cancelled_by: d.cancelled_by.clone(),
        })
        .collect();
    let evm_chain_ids = view
        .resolved
        .active
        .iter()
        .flat_map(|d| &d.chains)
        .filter_map(|c| c.chain_id)
        .collect();
    Ok(PolicyScreen {
        wallet_id: view.wallet_id.clone(),
        evm_chain_ids,
        active,
        pending,
        book,
        delayed,
        now: u64::try_from(accord_node::runner::now()).unwrap_or(0),
    })
}

fn version_view(
    view: &PolicyView,
    doc: &PolicyDocument,
    standing: &Standing,
    approved_by: &[String],
    me: &str,
) -> PolicyVersionView {
    let name = |d: &String| view.names.get(d).cloned().unwrap_or_else(|| d.clone());
    let (status, needs, effective_at, loosens, cancelled_by) = match standing {
        Standing::Active => ("active", 0, None, Vec::new(), None),
        Standing::Pending {
            needs,
            effective_at,
            loosens,
        } => ("pending", *needs, *effective_at, loosens.clone(), None),
        Standing::Cancelled { by } => ("cancelled", 0, None, Vec::new(), Some(name(by))),
    };
    PolicyVersionView {
        version: doc.version,
        hash: doc.hash_hex(),
        status: status.into(),
        rules: describe(doc),
        approved_by: approved_by.iter().map(name).collect(),
        needs,
        effective_at,
        loosens,
        signed_here: approved_by.iter().any(|d| d == me),
        cancelled_by,
    }
}

/// The change asked for, amounts in base units.
fn edit_of(c: &PolicyChange) -> Result<PolicyEdit, ApiError> {
    let chain: Chain = c
        .chain
        .parse()
        .map_err(|_| error::input(format!("unknown chain {:?}", c.chain)))?;
    let decimals = native_decimals(chain);
    let units = |field: &str, text: &Option<String>| -> Result<Option<String>, ApiError> {
        match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => Amount::parse(t, decimals)
                .map(|a| Some(a.units().to_string()))
                .map_err(|e| error::input(format!("{field}: {e}"))),
        }
    };
    let max_per_window = match (units("per window", &c.max_per_window)?, c.window_secs) {
        (Some(m), Some(w)) if w > 0 => Some((m, w)),
        (Some(_), _) => return Err(error::input("give the window's length")),
        (None, _) => None,
    };
    let recipients = match c.recipients.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => {
            Some(parse_recipients(r).ok_or_else(|| error::input(format!("recipients {r:?}")))?)
        }
    };
    Ok(PolicyEdit {
        chain: Some(chain),
        chain_id: c.chain_id.filter(|_| chain == Chain::Ethereum),
        asset: "native".into(),
        max_per_tx: units("per transfer", &c.max_per_tx)?,
        max_per_window,
        delay_over: units("delay over", &c.delay_over)?,
        allow: c
            .allow
            .iter()
            .filter(|(a, _)| !a.trim().is_empty())
            .map(|(a, n)| (a.clone(), Some(n.clone())))
            .collect(),
        recipients,
        tokens: None,
        delay: c.delay_secs,
    })
}

fn change_error(e: PolicyChangeError) -> ApiError {
    match e {
        PolicyChangeError::Store(e) => error::store(e),
        other => error::input(other.to_string()),
    }
}
