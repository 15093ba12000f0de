//! Networks and chain endpoints.

use accord_desktop_api::{ApiError, Settings};
use tauri::State;

use super::{stored, with_vault};
use crate::state::App;
use crate::{error, views};

/// The settings.
#[tauri::command]
pub async fn settings(app: State<'_, App>) -> Result<Settings, ApiError> {
    let node = app.node().await?;
    with_vault(&node, |vault| {
        stored(vault.settings()).map(|s| views::settings(&s))
    })
    .await
}

/// Checks and stores new settings.
#[tauri::command]
pub async fn save_settings(app: State<'_, App>, request: Settings) -> Result<Settings, ApiError> {
    let node = app.node().await?;
    let settings = views::settings_from(&request).map_err(error::input)?;
    with_vault(&node, move |vault| {
        vault
            .save_settings(settings)
            .map(|s| views::settings(&s))
            .map_err(|e| match e {
                accord_node::facade::settings::SettingsError::Store(e) => error::store(e),
                other => error::input(other.to_string()),
            })
    })
    .await
}
