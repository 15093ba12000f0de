//! Pairing tickets, wallet creation (progress streamed over a channel),
//! the wallets with their addresses, balances and co-signers' presence.

use std::time::Duration;

use accord_chains::Chain;
use accord_desktop_api::{
    ApiError, BalanceView, CreateWallet, ErrorCode, PresenceView, ProgressEvent, TicketView,
    WalletRef as WalletId, WalletView,
};
use accord_node::facade::CreateWallet as Create;
use accord_node::pairing::ticket::Ticket;
use accord_node::rpc::native_symbol;
use accord_node::session::Progress;
use accord_node::wallet::WalletRef;
use futures_util::future::join_all;
use tauri::State;
use tauri::ipc::Channel;

use super::{PING_TIMEOUT, stored, with_vault};
use crate::state::App;
use crate::{error, views};

/// How long a pairing ticket shown on screen is valid.
pub const TICKET_TTL: Duration = Duration::from_secs(10 * 60);

/// A fresh one-time ticket of this device, as text and QR code.
#[tauri::command]
pub async fn pairing_ticket(app: State<'_, App>) -> Result<TicketView, ApiError> {
    let node = app.node().await?;
    let ticket = node.issue_ticket(TICKET_TTL).map_err(error::pairing)?;
    let text = ticket.encode();
    let qr = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
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
    let mut peers = Vec::new();
    for (i, text) in request.tickets.iter().enumerate() {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let ticket =
            Ticket::decode(text).map_err(|e| error::input(format!("ticket {}: {e}", i + 1)))?;
        peers.push(ticket);
    }
    if peers.is_empty() {
        return Err(error::input(
            "paste the pairing ticket of at least one other device",
        ));
    }
    let network = request
        .network
        .parse()
        .map_err(|_| error::input(format!("unknown network {:?}", request.network)))?;
    let report = move |p: Progress| {
        let _ = on_progress.send(views::progress(p));
    };
    let create = Create {
        name: request.name,
        threshold: request.threshold,
        network,
        peers,
        // The default first policy (README: "Policies"), with the delay
        // asked for.
        policy: request.policy_delay_secs.map(|delay| {
            let mut doc = accord_node::policy::defaults::first_policy(&"00".repeat(16), network);
            doc.delay = delay;
            doc
        }),
    };
    let summary = node
        .create_wallet(&create, &report)
        .await
        .map_err(error::keygen)?;
    Ok(views::summary(&summary, &node.id()))
}

/// Every wallet with its addresses and members.
#[tauri::command]
pub async fn wallets(app: State<'_, App>) -> Result<Vec<WalletView>, ApiError> {
    let node = app.node().await?;
    let me = node.id();
    with_vault(&node, move |vault| {
        Ok(stored(vault.wallets())?
            .iter()
            .map(|s| views::summary(s, &me))
            .collect())
    })
    .await
}

/// The wallet's balance on each chain with a configured endpoint.
#[tauri::command]
pub async fn balances(
    app: State<'_, App>,
    request: WalletId,
) -> Result<Vec<BalanceView>, ApiError> {
    let node = app.node().await?;
    let wallet = WalletRef::Id(request.wallet_id);
    let w = wallet.clone();
    let (network, settings) = with_vault(&node, move |vault| {
        let network = stored(vault.wallet(&w))?.wallet.network;
        Ok((network, stored(vault.settings())?))
    })
    .await?;
    let asks = Chain::ALL.into_iter().map(|chain| {
        let url = settings.endpoint(chain, network);
        let (node, wallet) = (&node, &wallet);
        async move {
            let Some(url) = url else {
                return BalanceView {
                    chain: chain.to_string(),
                    amount: None,
                    error: Some(format!(
                        "no {chain} endpoint for {}; set one in Settings",
                        network.name()
                    )),
                };
            };
            match node.balance(wallet, chain, &url).await {
                Ok(amount) => BalanceView {
                    chain: chain.to_string(),
                    amount: Some(format!("{amount} {}", native_symbol(chain))),
                    error: None,
                },
                Err(e) => BalanceView {
                    chain: chain.to_string(),
                    amount: None,
                    error: Some(e.to_string()),
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
    request: WalletId,
) -> Result<Vec<PresenceView>, ApiError> {
    let node = app.node().await?;
    let members = stored(
        node.presence(&WalletRef::Id(request.wallet_id), PING_TIMEOUT)
            .await,
    )?;
    Ok(members
        .into_iter()
        .map(|(m, online)| PresenceView {
            device_id: m.device.to_string(),
            name: accord_node::approve::sanitize(&m.name),
            online,
        })
        .collect())
}
