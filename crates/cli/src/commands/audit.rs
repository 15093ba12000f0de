//! `accord audit export | verify` (`accord_node::audit`): this device's
//! event log as a hash chain signed by the device, and the check of such a
//! file, which names where it was cut, edited or reordered. Works while a
//! `cosigner serve` of the same data directory runs (SQLite's WAL lets
//! both read and write it).

use std::io::Write as _;

use accord_node::audit;
use accord_node::runner::now;
use serde_json::json;

use crate::cli::{AuditExportArgs, AuditVerifyArgs, Global};
use crate::error::CliError;
use crate::node;

/// Writes the whole log to `--out` (through a temporary file beside it, so
/// a reader never sees half of it).
pub fn export(global: &Global, args: &AuditExportArgs) -> Result<String, CliError> {
    let mut vault = node::open(global)?;
    let file = vault.export_audit(now())?;
    let summary = audit::verify(&file)?;
    let fail =
        |e: std::io::Error| CliError::Io(format!("cannot write {}: {e}", args.out.display()));
    let tmp = args.out.with_extension("partial");
    {
        let mut f = std::fs::File::create(&tmp).map_err(fail)?;
        f.write_all(&file).map_err(fail)?;
        f.sync_all().map_err(fail)?;
    }
    std::fs::rename(&tmp, &args.out).map_err(fail)?;
    Ok(super::wallet::print(
        global,
        &json!({
            "file": args.out.display().to_string(),
            "device": summary.device,
            "events": summary.events,
            "head": summary.head,
        }),
    ))
}

/// Checks an exported log; writes nothing.
pub fn verify(global: &Global, args: &AuditVerifyArgs) -> Result<String, CliError> {
    let path = &args.file;
    let len = std::fs::metadata(path)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?
        .len();
    if usize::try_from(len).map_or(true, |l| l > audit::MAX_FILE) {
        return Err(CliError::Audit(audit::AuditError::TooLarge));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", path.display())))?;
    let summary = audit::verify(&bytes)?;
    Ok(super::wallet::print(
        global,
        &json!({
            "ok": true,
            "device": summary.device,
            "name": summary.name,
            "exported_at": summary.exported_at,
            "events": summary.events,
            "statements": summary.statements,
            "head": summary.head,
        }),
    ))
}
