//! This device's name, networks and chain endpoints.

use accord_desktop_api::{ApiError, Settings};
use accord_node::facade::RenameError;
use tauri::State;

use super::{stored, with_vault};
use crate::state::App;
use crate::{error, views};

/// The settings.
#[tauri::command]
pub async fn settings(app: State<'_, App>) -> Result<Settings, ApiError> {
    let node = app.node().await?;
    let name = node.name();
    with_vault(&node, |vault| {
        stored(vault.settings()).map(|s| views::settings(name, &s))
    })
    .await
}

/// Checks and stores new settings.
#[tauri::command]
pub async fn save_settings(app: State<'_, App>, request: Settings) -> Result<Settings, ApiError> {
    let node = app.node().await?;
    let settings = views::settings_from(&request).map_err(error::input)?;
    let name = if request.name.trim().is_empty() || request.name.trim() == node.name() {
        node.name()
    } else {
        node.rename(&request.name).await.map_err(|e| match e {
            RenameError::Store(e) => error::store(e),
            other => error::input(other.to_string()),
        })?
    };
    with_vault(&node, move |vault| {
        vault
            .save_settings(settings)
            .map(|s| views::settings(name, &s))
            .map_err(|e| match e {
                accord_node::facade::settings::SettingsError::Store(e) => error::store(e),
                other => error::input(other.to_string()),
            })
    })
    .await
}
