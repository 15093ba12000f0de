//! The Accord desktop app: a thin Tauri 2 layer over `accord-node` (the
//! same node the `accord` binary runs) with a Leptos UI (`ui/`, wasm).
//!
//! - [`keychain`]: the device's wrapping key in the OS keychain.
//! - [`unlock`]: which protector opens the store, and what to tell the
//!   user when none can.
//! - [`commands`]: what the UI may invoke (the capability in
//!   `capabilities/main.json` grants exactly these to the main window).
//! - [`approver`]: requests from other members wait for the user.
//!
//! The UI never receives key material: commands return addresses,
//! previews, tickets and device ids only.

pub mod approver;
pub mod bench;
pub mod commands;
pub mod error;
pub mod keychain;
pub mod notify;
pub mod state;
pub mod unlock;
pub mod views;

use std::path::PathBuf;

use tauri::Manager;

use crate::state::{App, DATA_DIR_VAR};

/// The data directory: `$ACCORD_DESKTOP_DATA_DIR`, else the platform's
/// app data directory.
fn data_dir(app: &tauri::App) -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(DATA_DIR_VAR).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    app.path()
        .app_data_dir()
        .map_err(|e| format!("no data directory ({e}); set {DATA_DIR_VAR}"))
}

/// Opens the store (keychain first) and starts the node.
pub(crate) async fn open(app: tauri::AppHandle) {
    let state = app.state::<App>();
    let dir = state.dir.clone();
    let opened = tokio::task::spawn_blocking(move || unlock::open_automatically(&dir)).await;
    match opened {
        Ok(Ok((vault, protector))) => {
            if let Err(error) = state.start(vault, protector).await {
                state.lock(accord_desktop_api::Lock::Failed { error }).await;
            }
        }
        Ok(Err(lock)) => state.lock(lock).await,
        Err(e) => {
            state
                .lock(accord_desktop_api::Lock::Failed {
                    error: accord_desktop_api::ApiError::new(
                        accord_desktop_api::ErrorCode::Internal,
                        e.to_string(),
                    ),
                })
                .await
        }
    }
}

/// Runs the app until its window closes.
pub fn run() -> Result<(), String> {
    bench::launched();
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let dir = data_dir(app)?;
            app.manage(App::new(dir, App::transport_from_env()));
            tauri::async_runtime::spawn(open(app.handle().clone()));
            tauri::async_runtime::spawn(notify::watch(app.handle().clone()));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::lock::status,
            commands::lock::unlock_with_passphrase,
            commands::lock::reopen,
            commands::wallets::pairing_ticket,
            commands::wallets::create_wallet,
            commands::wallets::wallets,
            commands::wallets::balances,
            commands::wallets::presence,
            commands::send::prepare_send,
            commands::send::send,
            commands::approvals::approvals,
            commands::approvals::decide,
            commands::devices::devices,
            commands::devices::add_device,
            commands::devices::remove_device,
            commands::activity::activity,
            commands::settings::settings,
            commands::settings::save_settings,
            commands::policy::policy,
            commands::policy::propose_policy,
            commands::policy::sign_policy,
            commands::policy::cancel_transfer,
            commands::backup::export_backup,
            commands::backup::refresh_wallet,
            commands::backup::replace_device,
            commands::backup::cancel_replacement,
            commands::backup::restore_backup,
            commands::proposals::proposals,
            commands::proposals::vote_proposal,
            commands::proposals::propose_draft,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    /// The main window is granted exactly the app's commands: one left out
    /// is refused at run time ("not allowed by ACL").
    #[test]
    fn the_capability_grants_every_command_and_nothing_else() {
        let text = include_str!("../capabilities/main.json");
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut granted: Vec<String> = json["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let mut wanted: Vec<String> = accord_desktop_api::Command::ALL
            .iter()
            .map(|c| format!("allow-{}", c.name().replace('_', "-")))
            .collect();
        granted.sort();
        wanted.sort();
        assert_eq!(granted, wanted);
    }
}
