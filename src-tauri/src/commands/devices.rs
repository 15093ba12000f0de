//! Paired devices: list (with a ping each), add by ticket, remove.

use accord_desktop_api::{ApiError, DeviceRef, DeviceView, ErrorCode, TicketText};
use accord_node::pairing::ticket::Ticket;
use accord_node::runtime::now;
use futures_util::future::join_all;
use tauri::State;

use super::{online, stored, with_store};
use crate::state::App;
use crate::{error, views};

/// The paired devices, each asked whether it is online.
#[tauri::command]
pub async fn devices(app: State<'_, App>) -> Result<Vec<DeviceView>, ApiError> {
    let node = app.node().await?;
    let devices = with_store(node.clone(), |store| stored(store.devices())).await?;
    let asks = devices.into_iter().map(|d| {
        let node = node.clone();
        async move {
            let online = online(&node, &d.addr).await;
            views::device(&d, Some(online))
        }
    });
    Ok(join_all(asks).await)
}

/// Pairs with the device whose ticket this is.
#[tauri::command]
pub async fn add_device(app: State<'_, App>, request: TicketText) -> Result<DeviceView, ApiError> {
    let node = app.node().await?;
    let ticket = Ticket::decode(request.ticket.trim())
        .map_err(|e| error::input(format!("not a pairing ticket: {e}")))?;
    let device = node.redeem(&ticket).await.map_err(error::pairing)?;
    Ok(views::device(&device, Some(true)))
}

/// Forgets a paired device (it can no longer connect).
#[tauri::command]
pub async fn remove_device(app: State<'_, App>, request: DeviceRef) -> Result<(), ApiError> {
    let node = app.node().await?;
    let removed = with_store(node, move |store| {
        stored(store.remove_device(&request.device_id, now()))
    })
    .await?;
    if removed {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::NotFound, "no such paired device"))
    }
}
