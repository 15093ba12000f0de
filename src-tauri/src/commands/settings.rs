//! Networks and chain endpoints.

use accord_desktop_api::{ApiError, Settings};
use tauri::State;

use super::{stored, with_store};
use crate::state::App;
use crate::{error, settings};

/// The settings.
#[tauri::command]
pub async fn settings(app: State<'_, App>) -> Result<Settings, ApiError> {
    let node = app.node().await?;
    with_store(node, |store| stored(settings::load(store))).await
}

/// Checks and stores new settings.
#[tauri::command]
pub async fn save_settings(app: State<'_, App>, request: Settings) -> Result<Settings, ApiError> {
    let node = app.node().await?;
    with_store(node, move |store| {
        settings::save(store, request).map_err(|e| match e {
            settings::SettingsError::Store(e) => error::store(e),
            other => error::input(other.to_string()),
        })
    })
    .await
}
