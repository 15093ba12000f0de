//! `accord backup export | verify | restore` (`accord_node::backup`): this
//! device's part of a wallet in a file sealed under a passphrase
//! (Argon2id, XChaCha20-Poly1305), checked and restored into an empty data
//! directory. The passphrase comes from `$ACCORD_BACKUP_PASSPHRASE`, else
//! it is asked on the terminal (twice for an export).

use std::io::{IsTerminal as _, Write as _};

use accord_node::backup::{self, BackupSummary};
use accord_node::runner::now;
use accord_node::wallet::WalletRef;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::cli::{BackupExportArgs, BackupFileArgs, Global};
use crate::error::CliError;
use crate::node;

/// The variable the passphrase may come from.
const PASSPHRASE_VAR: &str = "ACCORD_BACKUP_PASSPHRASE";

fn passphrase(confirm: bool) -> Result<Zeroizing<String>, CliError> {
    if let Some(p) = std::env::var_os(PASSPHRASE_VAR) {
        return p
            .into_string()
            .map(Zeroizing::new)
            .map_err(|_| CliError::Input(format!("{PASSPHRASE_VAR} is not valid UTF-8")));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Input(format!(
            "set {PASSPHRASE_VAR} (standard input is not a terminal, so no passphrase can be asked)"
        )));
    }
    let first = node::ask_passphrase("Backup passphrase: ")?;
    if confirm {
        let again = node::ask_passphrase("Repeat the backup passphrase: ")?;
        if *again != *first {
            return Err(CliError::Input("the passphrases do not match".into()));
        }
    }
    Ok(first)
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    let len = std::fs::metadata(path)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?
        .len();
    if len > backup::format::MAX_FILE as u64 {
        return Err(CliError::Input(format!(
            "{} is larger than any backup",
            path.display()
        )));
    }
    std::fs::read(path).map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))
}

fn summary_json(s: &BackupSummary) -> Value {
    json!({
        "wallet": s.wallet,
        "wallet_id": s.wallet_id,
        "party": s.party,
        "epoch": s.epoch,
        "schemes": s.schemes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "device_id": s.device,
    })
}

/// Writes the backup of a wallet (refuses an existing file).
pub fn export(global: &Global, args: &BackupExportArgs) -> Result<String, CliError> {
    let mut vault = node::open(global)?;
    let wallet = WalletRef::name(&args.wallet);
    vault.record(&wallet)?;
    let passphrase = passphrase(true)?;
    let file = vault.export_backup(&wallet, &passphrase, u64::try_from(now()).unwrap_or(0))?;
    let summary = backup::verify(&file, &passphrase)?;
    write_new(&args.out, &file)?;
    let mut v = summary_json(&summary);
    v["file"] = json!(args.out.display().to_string());
    Ok(super::wallet::print(global, &v))
}

/// Writes `bytes` to a new file, owner-only, synced.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::Io(format!("cannot write {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(fail)?;
    f.write_all(bytes).map_err(fail)?;
    f.sync_all().map_err(fail)
}

/// Opens and checks a backup; writes nothing.
pub fn verify(global: &Global, args: &BackupFileArgs) -> Result<String, CliError> {
    let file = read(&args.file)?;
    backup::format::peek(&file).map_err(backup::RestoreError::from)?;
    let summary = backup::verify(&file, &passphrase(false)?)?;
    Ok(super::wallet::print(global, &summary_json(&summary)))
}

/// Restores a backup into the data directory.
pub fn restore(global: &Global, args: &BackupFileArgs) -> Result<String, CliError> {
    let file = read(&args.file)?;
    backup::format::peek(&file).map_err(backup::RestoreError::from)?;
    let passphrase = passphrase(false)?;
    let mut vault = node::open(global)?;
    let summary = vault.restore_backup(&file, &passphrase, now())?;
    Ok(super::wallet::print(global, &summary_json(&summary)))
}
