//! The event log, newest first.

use std::collections::HashMap;

use accord_desktop_api::{ActivityRequest, ApiError, EventView};
use accord_node::wallet::WalletRef;
use tauri::State;

use super::{stored, with_vault};
use crate::state::App;
use crate::views;

/// At most this many events are shown.
const LIMIT: usize = 500;

/// One wallet's events, or every event.
#[tauri::command]
pub async fn activity(
    app: State<'_, App>,
    request: ActivityRequest,
) -> Result<Vec<EventView>, ApiError> {
    let node = app.node().await?;
    with_vault(&node, move |vault| {
        let names: HashMap<String, String> = stored(vault.wallets())?
            .into_iter()
            .map(|w| (w.wallet.id, w.wallet.name))
            .collect();
        let wallet = request.wallet_id.map(WalletRef::Id);
        let events = stored(vault.events(wallet.as_ref(), 0))?;
        Ok(events
            .iter()
            .rev()
            .take(LIMIT)
            .map(|e| {
                let wallet = e.wallet_id.as_ref().and_then(|id| names.get(id).cloned());
                views::event(e, wallet)
            })
            .collect())
    })
    .await
}
