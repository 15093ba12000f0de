//! `status` and `unlock_with_passphrase`.

use accord_desktop_api::{ApiError, DeviceInfo, Lock, Status, Unlock};
use tauri::State;
use zeroize::Zeroizing;

use crate::state::App;
use crate::unlock;

/// Where the app stands.
#[tauri::command]
pub async fn status(app: State<'_, App>) -> Result<Status, ApiError> {
    let (lock, open) = app.phase().await;
    crate::bench::status_answered(open.is_some());
    let (device, wallets, protector) = match open {
        Some((node, protector)) => {
            let wallets = node.vault().wallets().map(|w| w.len()).unwrap_or(0);
            (
                Some(DeviceInfo {
                    id: node.id().to_string(),
                    name: node.name(),
                }),
                u32::try_from(wallets).unwrap_or(u32::MAX),
                Some(protector.to_owned()),
            )
        }
        None => (None, 0, None),
    };
    Ok(Status {
        lock,
        device,
        wallets,
        protector,
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Opens the store with a passphrase (no keychain, or a passphrase store).
#[tauri::command]
pub async fn unlock_with_passphrase(
    app: State<'_, App>,
    request: Unlock,
) -> Result<Status, ApiError> {
    // One unlock at a time: a second click waits, then finds it open.
    let _unlocking = app.unlocking.lock().await;
    let (lock, _) = app.phase().await;
    let may_create = match &lock {
        Lock::Unlocked | Lock::Opening => return status(app.clone()).await,
        Lock::KeychainUnavailable { store_exists, .. } => !store_exists,
        Lock::PassphraseRequired { new_store } => *new_store,
        Lock::KeyMissing { .. } | Lock::Failed { .. } => false,
    };
    let passphrase = Zeroizing::new(request.passphrase);
    let dir = app.dir.clone();
    let opened = tokio::task::spawn_blocking(move || {
        unlock::open_with_passphrase(&dir, passphrase, may_create)
    })
    .await
    .map_err(|e| ApiError::new(accord_desktop_api::ErrorCode::Internal, e.to_string()))?;
    match opened {
        Ok((vault, protector)) => app.start(vault, protector).await?,
        Err(Lock::Failed { error }) => return Err(error),
        Err(other) => app.lock(other).await,
    }
    status(app.clone()).await
}

/// Tries opening the store again when it could not be opened (a keychain
/// entry restored, a failure fixed); otherwise just the status.
#[tauri::command]
pub async fn reopen(handle: tauri::AppHandle, app: State<'_, App>) -> Result<Status, ApiError> {
    {
        let _unlocking = app.unlocking.lock().await;
        let (lock, _) = app.phase().await;
        if matches!(lock, Lock::KeyMissing { .. } | Lock::Failed { .. }) {
            app.lock(Lock::Opening).await;
            crate::open(handle).await;
        }
    }
    status(app.clone()).await
}
