//! The event log, newest first.

use std::collections::HashMap;

use accord_desktop_api::{ActivityRequest, ApiError, EventView};
use tauri::State;

use super::{stored, with_store};
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
    with_store(node, move |store| {
        let wallets = stored(store.wallets())?;
        let names: HashMap<String, String> = wallets
            .iter()
            .map(|w| (w.id.clone(), w.name.clone()))
            .collect();
        let record = match &request.wallet_id {
            Some(id) => Some(stored(store.wallet_by_id(id))?),
            None => None,
        };
        let events = stored(store.events(record.as_ref()))?;
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
