//! Pairing tickets, wallet creation (progress streamed over a channel),
//! the wallets with their addresses, balances and co-signers' presence.

use std::time::Duration;

use accord_chains::Chain;
use accord_desktop_api::{
    ApiError, BalanceView, CreateWallet, PresenceView, ProgressEvent, TicketView, WalletRef,
    WalletView,
};
use accord_node::pairing::ticket::Ticket;
use accord_node::rpc::{self, Http};
use accord_node::runtime::{Progress, public_keys};
use futures_util::future::join_all;
use tauri::State;
use tauri::ipc::Channel;

use super::{online, stored, with_store};
use crate::state::App;
use crate::{error, settings, views};

/// How long a pairing ticket shown on screen is valid.
pub const TICKET_TTL: Duration = Duration::from_secs(10 * 60);

/// A fresh one-time ticket of this device, as text and QR code.
#[tauri::command]
pub async fn pairing_ticket(app: State<'_, App>) -> Result<TicketView, ApiError> {
    let node = app.node().await?;
    let ticket = node.issue_ticket(TICKET_TTL).map_err(error::pairing)?;
    let text = ticket.encode();
    let qr = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| ApiError::new(accord_desktop_api::ErrorCode::Internal, e.to_string()))?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .build();
    Ok(TicketView {
        text,
        qr_svg,
        expires_at: i64::try_from(ticket.expires_at).unwrap_or(i64::MAX),
    })
}

/// Creates a wallet with the devices whose tickets are given.
#[tauri::command]
pub async fn create_wallet(
    app: State<'_, App>,
    request: CreateWallet,
    on_progress: Channel<ProgressEvent>,
) -> Result<WalletView, ApiError> {
    let node = app.node().await?;
    let mut tickets = Vec::new();
    for (i, text) in request.tickets.iter().enumerate() {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let ticket =
            Ticket::decode(text).map_err(|e| error::input(format!("ticket {}: {e}", i + 1)))?;
        tickets.push(ticket);
    }
    if tickets.is_empty() {
        return Err(error::input(
            "paste the pairing ticket of at least one other device",
        ));
    }
    let report = move |p: Progress| {
        let _ = on_progress.send(views::progress(p));
    };
    let summary = node
        .create_wallet(
            request.name.trim(),
            request.threshold,
            &request.network,
            &tickets,
            &report,
        )
        .await
        .map_err(error::keygen)?;
    Ok(views::summary(&summary, &node.id().to_string()))
}

/// Every wallet with its addresses and members.
#[tauri::command]
pub async fn wallets(app: State<'_, App>) -> Result<Vec<WalletView>, ApiError> {
    let node = app.node().await?;
    let me = node.id().to_string();
    with_store(node, move |store| {
        let mut out = Vec::new();
        for record in stored(store.wallets())? {
            let members = stored(store.members(&record))?;
            let keys = stored(store.group_keys(&record))?;
            let mut addresses = Vec::new();
            if let Some(keys) = public_keys(&keys) {
                for chain in [Chain::Bitcoin, Chain::Ethereum, Chain::Solana] {
                    if let Ok(a) = keys.address(chain, &record.network) {
                        addresses.push((chain, a));
                    }
                }
            }
            out.push(views::wallet(&record, &members, addresses, &me));
        }
        Ok(out)
    })
    .await
}

/// The wallet's balance on each chain with a configured endpoint.
#[tauri::command]
pub async fn balances(
    app: State<'_, App>,
    request: WalletRef,
) -> Result<Vec<BalanceView>, ApiError> {
    let node = app.node().await?;
    let (record, keys, settings) = with_store(node, move |store| {
        let record = stored(store.wallet_by_id(&request.wallet_id))?;
        let keys = stored(store.group_keys(&record))?;
        let settings = stored(settings::load(store))?;
        Ok((record, keys, settings))
    })
    .await?;
    let keys = public_keys(&keys).ok_or_else(|| {
        ApiError::new(
            accord_desktop_api::ErrorCode::Storage,
            "the wallet's public keys are incomplete",
        )
    })?;
    let chains = [Chain::Bitcoin, Chain::Ethereum, Chain::Solana];
    let asks = chains.iter().map(|&chain| {
        let url = settings::endpoint(&settings, chain, &record.network);
        let keys = &keys;
        let network = record.network.clone();
        async move {
            let Some(url) = url else {
                return BalanceView {
                    chain: chain.to_string(),
                    amount: None,
                    error: Some(format!(
                        "no {chain} endpoint for {network}; set one in Settings"
                    )),
                };
            };
            let answer = match Http::new(&url) {
                Ok(http) => rpc::balance(&http, chain, &network, keys)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match answer {
                Ok(amount) => BalanceView {
                    chain: chain.to_string(),
                    amount: Some(format!("{amount} {}", rpc::native_symbol(chain))),
                    error: None,
                },
                Err(e) => BalanceView {
                    chain: chain.to_string(),
                    amount: None,
                    error: Some(e),
                },
            }
        }
    });
    Ok(join_all(asks).await)
}

/// Which of the wallet's other members answer a ping now.
#[tauri::command]
pub async fn presence(
    app: State<'_, App>,
    request: WalletRef,
) -> Result<Vec<PresenceView>, ApiError> {
    let node = app.node().await?;
    let me = node.id().to_string();
    let members = with_store(node.clone(), move |store| {
        let record = stored(store.wallet_by_id(&request.wallet_id))?;
        stored(store.members(&record))
    })
    .await?;
    let asks = members
        .into_iter()
        .filter(|m| m.endpoint_id != me)
        .map(|m| {
            let node = node.clone();
            async move {
                let online = online(&node, &m.addr).await;
                PresenceView {
                    device_id: m.endpoint_id,
                    name: accord_node::approve::sanitize(&m.name),
                    online,
                }
            }
        });
    Ok(join_all(asks).await)
}
