//! Paired devices: list (with a ping each), add by ticket, remove (cut off
//! at once).

use accord_desktop_api::{ApiError, DeviceRef, DeviceView, ErrorCode, TicketText};
use accord_node::pairing::ticket::Ticket;
use tauri::State;

use super::{PING_TIMEOUT, stored};
use crate::state::App;
use crate::{error, views};

/// The paired devices, each asked whether it is online.
#[tauri::command]
pub async fn devices(app: State<'_, App>) -> Result<Vec<DeviceView>, ApiError> {
    let node = app.node().await?;
    let devices = stored(node.devices_online(PING_TIMEOUT).await)?;
    Ok(devices
        .iter()
        .map(|(d, online)| views::device(d, Some(*online)))
        .collect())
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

/// Removes a paired device: it can no longer connect.
#[tauri::command]
pub async fn remove_device(app: State<'_, App>, request: DeviceRef) -> Result<(), ApiError> {
    let node = app.node().await?;
    let id = request
        .device_id
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::NotFound, "no such paired device"))?;
    if stored(node.remove_device(id).await)? {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::NotFound, "no such paired device"))
    }
}
