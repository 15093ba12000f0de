//! Send: build the transaction from the chain's node and preview it
//! (nothing signed), then — after the user confirmed that preview —
//! co-sign it with a quorum (progress per co-signer over a channel),
//! broadcast it and wait for its block. Both steps are the node's send
//! workflow (`Node::prepare_send`, `Node::send`).

use accord_chains::Chain;
use accord_desktop_api::{ApiError, DraftRef, ProgressEvent, SendPreview, SendRequest, SendResult};
use accord_node::rpc::Transfer;
use accord_node::session::Progress;
use accord_node::wallet::WalletRef;
use tauri::State;
use tauri::ipc::Channel;

use super::{stored, with_vault};
use crate::state::App;
use crate::{error, views};

/// Builds and previews a transfer.
#[tauri::command]
pub async fn prepare_send(
    app: State<'_, App>,
    request: SendRequest,
) -> Result<SendPreview, ApiError> {
    let node = app.node().await?;
    let chain: Chain = request
        .chain
        .parse()
        .map_err(|_| error::input(format!("unknown chain {:?}", request.chain)))?;
    let wallet = WalletRef::Id(request.wallet_id.clone());
    let w = wallet.clone();
    let (network, settings) = with_vault(&node, move |vault| {
        let network = stored(vault.wallet(&w))?.wallet.network;
        Ok((network, stored(vault.settings())?))
    })
    .await?;
    let endpoint = settings.endpoint(chain, network).ok_or_else(|| {
        error::input(format!(
            "no {chain} endpoint is set for {}; set one in Settings",
            network.name()
        ))
    })?;
    let token = request
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let transfer = Transfer {
        chain,
        to: request.to.trim().to_owned(),
        amount: request.amount.trim().to_owned(),
        token,
        chain_id: None,
        fee_rate: None,
    };
    let draft = node
        .prepare_send(&wallet, &transfer, &endpoint)
        .await
        .map_err(error::send)?;
    let preview = views::preview(&draft.prepared.preview);
    let policy = views::verdict(draft.policy.as_ref());
    Ok(SendPreview {
        draft: app.keep_draft(draft),
        preview,
        policy,
    })
}

/// Co-signs, broadcasts and confirms a previewed draft.
#[tauri::command]
pub async fn send(
    app: State<'_, App>,
    request: DraftRef,
    on_progress: Channel<ProgressEvent>,
) -> Result<SendResult, ApiError> {
    let node = app.node().await?;
    let draft = app.take_draft(&request.draft)?;
    let report = move |p: Progress| {
        let _ = on_progress.send(views::progress(p));
    };
    let sent = node.send(&draft, &report).await.map_err(error::send)?;
    Ok(SendResult {
        chain: draft.chain.to_string(),
        txid: sent.signed.signed.txid,
        block: sent.block,
        signers: sent.signed.signers,
    })
}
