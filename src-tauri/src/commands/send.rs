//! Send: build the transaction from the chain's node and preview it
//! (nothing signed), then — after the user confirmed that preview —
//! co-sign it with a quorum (progress per co-signer over a channel),
//! broadcast it and wait for its block.

use accord_chains::Chain;
use accord_desktop_api::{
    ApiError, DraftRef, ErrorCode, ProgressEvent, SendPreview, SendRequest, SendResult,
};
use accord_node::approve::Policy;
use accord_node::rpc::{self, Http, Transfer};
use accord_node::runtime::{Progress, now, public_keys};
use tauri::State;
use tauri::ipc::Channel;

use super::{stored, with_store};
use crate::state::{App, Draft};
use crate::{error, settings, views};

fn send_error(e: rpc::SendError) -> ApiError {
    use rpc::SendError as E;
    let code = match &e {
        E::Url { .. }
        | E::Network(_)
        | E::Address { .. }
        | E::Amount(_)
        | E::ZeroAmount
        | E::AmountTooLarge { .. }
        | E::Input(_) => ErrorCode::InvalidInput,
        E::Unsupported(_) => ErrorCode::Unsupported,
        E::Rejected { .. } | E::Failed(_) | E::NotConfirmed { .. } => ErrorCode::Broadcast,
        _ => ErrorCode::Rpc,
    };
    ApiError::new(code, e.to_string())
}

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
    let wallet_id = request.wallet_id.clone();
    let (record, keys, settings, policy) = with_store(node.clone(), move |store| {
        let record = stored(store.wallet_by_id(&wallet_id))?;
        let keys = stored(store.group_keys(&record))?;
        let settings = stored(settings::load(store))?;
        let policy = stored(store.policy(&record))?;
        Ok((record, keys, settings, policy))
    })
    .await?;
    let keys = public_keys(&keys).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Storage,
            "the wallet's public keys are incomplete",
        )
    })?;
    let endpoint = settings::endpoint(&settings, chain, &record.network).ok_or_else(|| {
        error::input(format!(
            "no {chain} endpoint is set for {}; set one in Settings",
            record.network
        ))
    })?;
    let http = Http::new(&endpoint).map_err(send_error)?;
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
    let unsigned = rpc::build(&http, &transfer, &record.network, &keys)
        .await
        .map_err(send_error)?;
    let prepared = node
        .prepare(&record.name, chain, &unsigned)
        .map_err(error::sign)?;
    let verdict = match policy.map(|text| Policy::from_json(&text)) {
        None => views::verdict(None, chain, &prepared.preview),
        Some(Ok(policy)) => views::verdict(Some(&policy), chain, &prepared.preview),
        Some(Err(e)) => accord_desktop_api::PolicyVerdict {
            has_policy: true,
            allowed: false,
            violations: vec![format!("the wallet's policy cannot be read: {e}")],
        },
    };
    let draft = app.keep_draft(Draft {
        wallet: record.name.clone(),
        chain,
        unsigned,
        endpoint,
        built: std::time::Instant::now(),
    });
    Ok(SendPreview {
        draft,
        preview: views::preview(&prepared.preview),
        policy: verdict,
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
    let http = Http::new(&draft.endpoint).map_err(send_error)?;
    let channel = on_progress.clone();
    let report = move |p: Progress| {
        let _ = channel.send(views::progress(p));
    };
    let outcome = node
        .sign(&draft.wallet, draft.chain, &draft.unsigned, &report)
        .await
        .map_err(error::sign)?;
    let txid = outcome.signed.txid.clone();
    let status = |state: &str, detail: String| {
        let _ = on_progress.send(ProgressEvent {
            party: 0,
            name: "network".into(),
            state: state.into(),
            detail,
        });
    };
    status("broadcast", format!("transaction {txid} sent to the node"));
    let wallet = draft.wallet.clone();
    let log = |kind: &'static str, detail: String| {
        let node = node.clone();
        let wallet = wallet.clone();
        async move {
            let _ = with_store(node, move |store| {
                let record = stored(store.wallet(&wallet))?;
                stored(store.log(Some(&record), kind, &detail, now()))
            })
            .await;
        }
    };
    match rpc::broadcast(&http, draft.chain, &outcome.signed).await {
        Ok(block) => {
            status("confirmed", format!("in block {block}"));
            log(
                "sent",
                format!("{} transaction {txid} in block {block}", draft.chain),
            )
            .await;
            Ok(SendResult {
                chain: draft.chain.to_string(),
                txid,
                block,
                signers: outcome.signers,
            })
        }
        Err(e) => {
            let message = e.to_string();
            log(
                "failed",
                format!("sending {} transaction {txid}: {message}", draft.chain),
            )
            .await;
            Err(ApiError::new(ErrorCode::Broadcast, message))
        }
    }
}
