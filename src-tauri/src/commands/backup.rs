//! A wallet's lifecycle on this device: a backup of its part written to a
//! file (sealed by the node: `Vault::export_backup`), a refresh of its
//! shares with every member (`Node::refresh_wallet`), and the replacement of
//! a lost device (`Node::replace_device`, `cancel_replacement`), progress
//! streamed.

use accord_desktop_api::{
    ApiError, BackupMade, BackupRestored, ErrorCode, ExportBackup, ProgressEvent, ReplaceCancelled,
    ReplaceDevice, ReplaceResult, RestoreBackup, WalletRef as WalletId, WalletView,
};
use accord_node::backup::RestoreError;
use accord_node::facade::Replaced;
use accord_node::pairing::ticket::Ticket;
use accord_node::session::Progress;
use accord_node::wallet::WalletRef;
use tauri::State;
use tauri::ipc::Channel;
use zeroize::Zeroizing;

use super::{stored, with_vault};
use crate::state::App;
use crate::{error, views};

/// Writes this device's part of a wallet to `path`, sealed under the
/// passphrase (refused if a file is there).
#[tauri::command]
pub async fn export_backup(
    app: State<'_, App>,
    request: ExportBackup,
) -> Result<BackupMade, ApiError> {
    let node = app.node().await?;
    let ExportBackup {
        wallet_id,
        passphrase,
        path,
    } = request;
    let passphrase = Zeroizing::new(passphrase);
    let path = home_path(&path).ok_or_else(|| error::input("choose where to write the backup"))?;
    let now = u64::try_from(accord_node::runner::now()).unwrap_or(0);
    let wallet = WalletRef::Id(wallet_id);
    let (file, epoch) = with_vault(&node, move |vault| {
        let file = vault
            .export_backup(&wallet, &passphrase, now)
            .map_err(backup_error)?;
        let epoch = stored(vault.record(&wallet))?.epoch;
        Ok((file, epoch))
    })
    .await?;
    write_new(&path, &file)?;
    Ok(BackupMade {
        path: path.display().to_string(),
        epoch,
    })
}

/// Refreshes the wallet's shares with every member.
#[tauri::command]
pub async fn refresh_wallet(
    app: State<'_, App>,
    request: WalletId,
    on_progress: Channel<ProgressEvent>,
) -> Result<WalletView, ApiError> {
    let node = app.node().await?;
    let report = move |p: Progress| {
        let _ = on_progress.send(views::progress(p));
    };
    let wallet = WalletRef::Id(request.wallet_id);
    node.refresh_wallet(&wallet, &report)
        .await
        .map_err(error::keygen)?;
    let me = node.id();
    with_vault(&node, move |vault| {
        Ok(views::summary(&stored(vault.wallet(&wallet))?, &me))
    })
    .await
}

/// A path typed by the user: a bare file name is in the home folder, not
/// wherever the app started.
fn home_path(text: &str) -> Option<std::path::PathBuf> {
    let path = std::path::PathBuf::from(text.trim());
    if path.as_os_str().is_empty() {
        return None;
    }
    Some(match std::env::var_os("HOME") {
        Some(home) if path.is_relative() => std::path::Path::new(&home).join(path),
        _ => path,
    })
}

/// Restores a backup into this device (the first-run screen): every share
/// checked first; then the node starts again as the device of the backup
/// (its identity, so its peers recognise it without pairing again).
#[tauri::command]
pub async fn restore_backup(
    handle: tauri::AppHandle,
    app: State<'_, App>,
    request: RestoreBackup,
) -> Result<BackupRestored, ApiError> {
    let node = app.node().await?;
    let RestoreBackup { path, passphrase } = request;
    let passphrase = Zeroizing::new(passphrase);
    let path = home_path(&path).ok_or_else(|| error::input("choose the backup file"))?;
    let file = std::fs::read(&path)
        .map_err(|e| error::input(format!("cannot read {}: {e}", path.display())))?;
    let now = accord_node::runner::now();
    let summary = with_vault(&node, move |vault| {
        vault
            .restore_backup(&file, &passphrase, now)
            .map_err(backup_error)
    })
    .await?;
    // The node runs under the identity this device had before: start it
    // again under the restored one.
    node.shutdown().await;
    drop(node);
    app.lock(accord_desktop_api::Lock::Opening).await;
    crate::open(handle).await;
    Ok(BackupRestored {
        wallet: summary.wallet,
        party: summary.party,
        epoch: summary.epoch,
    })
}

fn backup_error(e: RestoreError) -> ApiError {
    let code = match &e {
        RestoreError::ShortPassphrase
        | RestoreError::Exists(_)
        | RestoreError::Stale { .. }
        | RestoreError::Backup(_)
        | RestoreError::Inconsistent(_) => ErrorCode::InvalidInput,
        RestoreError::Store(_) => ErrorCode::Storage,
        _ => ErrorCode::Internal,
    };
    ApiError::new(code, e.to_string())
}

/// Writes `bytes` to a new file at `path`, readable by its owner only.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> Result<(), ApiError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let fail = |e: std::io::Error| error::input(format!("cannot write {}: {e}", path.display()));
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)
}

/// Replaces a wallet's lost device with the device of a ticket (or says
/// until when the replacement waits for its delay).
#[tauri::command]
pub async fn replace_device(
    app: State<'_, App>,
    request: ReplaceDevice,
    on_progress: Channel<ProgressEvent>,
) -> Result<ReplaceResult, ApiError> {
    let node = app.node().await?;
    let lost = request
        .lost_device_id
        .trim()
        .parse()
        .map_err(|_| error::input("choose the lost device"))?;
    let ticket = Ticket::decode(request.ticket.trim())
        .map_err(|e| error::input(format!("the new device's ticket: {e}")))?;
    let report = move |p: Progress| {
        let _ = on_progress.send(views::progress(p));
    };
    let wallet = WalletRef::Id(request.wallet_id);
    let done = node
        .replace_device(&wallet, lost, &ticket, &report)
        .await
        .map_err(error::keygen)?;
    Ok(match done {
        Replaced::Done { epoch, by, .. } => ReplaceResult {
            pending_until: None,
            epoch: Some(epoch),
            by: Some(by.to_string()),
        },
        Replaced::Pending { until } => ReplaceResult {
            pending_until: Some(until),
            epoch: None,
            by: None,
        },
    })
}

/// Cancels a replacement of a device of the wallet waiting for its delay.
#[tauri::command]
pub async fn cancel_replacement(
    app: State<'_, App>,
    request: WalletId,
) -> Result<ReplaceCancelled, ApiError> {
    let node = app.node().await?;
    let members_told = stored(
        node.cancel_replacement(&WalletRef::Id(request.wallet_id))
            .await,
    )?;
    Ok(ReplaceCancelled { members_told })
}
