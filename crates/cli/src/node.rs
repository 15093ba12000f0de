//! What the commands that use the device's store share: the data
//! directory, the wrapping key that unlocks the store, the async runtime,
//! starting a node, and printing progress and events.
//!
//! The wrapping key comes from, in this order: `--key-file PATH`,
//! `$ACCORD_WRAPPING_KEY` (64 hex digits), `$ACCORD_PASSPHRASE`, or a
//! passphrase asked on the terminal. It is never written anywhere.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use accord_node::approve::Approver;
use accord_node::event::Event;
use accord_node::secret::Protector;
use accord_node::session::Progress;
use accord_node::transport::Config;
use accord_node::{Node, NodeOptions, Role, Timeouts, Vault};
use zeroize::Zeroizing;

use crate::cli::Global;
use crate::error::CliError;

/// The environment variable holding the wrapping key (64 hex digits).
pub const KEY_VAR: &str = "ACCORD_WRAPPING_KEY";
/// The environment variable holding the passphrase.
pub const PASSPHRASE_VAR: &str = "ACCORD_PASSPHRASE";
/// The environment variable naming the data directory.
pub const DATA_DIR_VAR: &str = "ACCORD_DATA_DIR";

/// The data directory: `--data-dir`, `$ACCORD_DATA_DIR`, else the
/// platform's (`$XDG_DATA_HOME/accord`, `~/.local/share/accord`; macOS
/// `~/Library/Application Support/accord`; Windows `%APPDATA%\accord`).
pub fn data_dir(global: &Global) -> Result<PathBuf, CliError> {
    if let Some(dir) = &global.data_dir {
        return Ok(dir.clone());
    }
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var(DATA_DIR_VAR) {
        return Ok(dir);
    }
    let platform = if cfg!(windows) {
        var("APPDATA").map(|d| d.join("accord"))
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library/Application Support/accord"))
    } else {
        var("XDG_DATA_HOME")
            .filter(|d| d.is_absolute())
            .map(|d| d.join("accord"))
            .or_else(|| var("HOME").map(|h| h.join(".local/share/accord")))
    };
    platform.ok_or_else(|| {
        CliError::Setup(format!(
            "no data directory: pass --data-dir DIR or set {DATA_DIR_VAR}"
        ))
    })
}

/// Where the wrapping key comes from (see the module docs).
pub fn protector(global: &Global, dir: &Path) -> Result<Protector, CliError> {
    if let Some(path) = &global.key_file {
        return Ok(Protector::KeyFile(path.clone()));
    }
    if std::env::var_os(KEY_VAR).is_some() {
        return Ok(Protector::Env(KEY_VAR.into()));
    }
    if let Some(passphrase) = std::env::var_os(PASSPHRASE_VAR) {
        let passphrase = passphrase
            .into_string()
            .map_err(|_| CliError::Setup(format!("{PASSPHRASE_VAR} is not valid UTF-8")))?;
        return Ok(Protector::Passphrase(Zeroizing::new(passphrase)));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Setup(format!(
            "no key to unlock the store: pass --key-file PATH, or set {KEY_VAR} \
             (64 hex digits) or {PASSPHRASE_VAR} (standard input is not a terminal, \
             so no passphrase can be asked)"
        )));
    }
    let new = !dir.join("accord.db").exists();
    let passphrase = ask_passphrase("Passphrase for the Accord store: ")?;
    if new {
        let again = ask_passphrase("New store: repeat the passphrase: ")?;
        if *again != *passphrase {
            return Err(CliError::Setup("the passphrases do not match".into()));
        }
    }
    Ok(Protector::Passphrase(passphrase))
}

/// Asks for a passphrase on standard error and reads a line from standard
/// input, with echo off when `stty` can turn it off.
pub fn ask_passphrase(prompt: &str) -> Result<Zeroizing<String>, CliError> {
    let silent = stty("-echo");
    let mut err = std::io::stderr();
    let note = if silent {
        ""
    } else {
        "(input will be visible) "
    };
    let _ = write!(err, "{prompt}{note}");
    let _ = err.flush();
    let mut line = Zeroizing::new(String::new());
    let read = std::io::stdin().lock().read_line(&mut line);
    if silent {
        stty("echo");
        let _ = writeln!(err);
    }
    read.map_err(|e| CliError::Setup(format!("cannot read the passphrase: {e}")))?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    Ok(trimmed)
}

/// Runs `stty ARG` on the terminal; whether it worked.
fn stty(arg: &str) -> bool {
    cfg!(unix)
        && Command::new("stty")
            .arg(arg)
            .stdin(Stdio::inherit())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// Opens the device's data in the data directory (created if missing).
pub fn open(global: &Global) -> Result<Vault, CliError> {
    let dir = data_dir(global)?;
    let protector = protector(global, &dir)?;
    Ok(Vault::open(&dir, &protector)?)
}

/// A multi-threaded async runtime.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Io(format!("cannot start the async runtime: {e}")))
}

/// Runs `f` to completion on a fresh runtime, then stops the runtime
/// without waiting for a prompt still blocked on the terminal.
pub fn block_on<T>(f: impl Future<Output = Result<T, CliError>>) -> Result<T, CliError> {
    let rt = runtime()?;
    let out = rt.block_on(f);
    rt.shutdown_timeout(Duration::from_millis(500));
    out
}

/// Starts a node as `role` on `vault`, runs `body` with it and shuts it
/// down, whether `body` succeeded or not.
pub async fn with_node<T>(
    vault: Vault,
    role: Role,
    global: &Global,
    approver: Arc<dyn Approver>,
    body: impl AsyncFnOnce(&Node) -> Result<T, CliError>,
) -> Result<T, CliError> {
    with_named_node(vault, role, role.name(), global, approver, body).await
}

/// The file a running `cosigner serve` holds locked in its data directory.
const SERVE_LOCK: &str = "serve.lock";

/// Locks this data directory's serve lock for as long as the returned
/// file lives: commands run meanwhile leave relaying and signing to it.
pub fn hold_serve_lock(global: &Global) -> Result<std::fs::File, CliError> {
    let path = data_dir(global)?.join(SERVE_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| CliError::Io(format!("cannot open {}: {e}", path.display())))?;
    file.try_lock().map_err(|e| {
        CliError::Setup(format!(
            "another `accord cosigner serve` runs on this data directory ({}: {e})",
            path.display()
        ))
    })?;
    Ok(file)
}

/// Whether a `cosigner serve` of this data directory runs now.
pub fn serve_running(global: &Global) -> bool {
    let Ok(dir) = data_dir(global) else {
        return false;
    };
    let Ok(file) = std::fs::OpenOptions::new()
        .write(true)
        .open(dir.join(SERVE_LOCK))
    else {
        return false;
    };
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

/// [`with_node`] under the name `name` (what other members see).
pub async fn with_named_node<T>(
    vault: Vault,
    role: Role,
    name: &str,
    global: &Global,
    approver: Arc<dyn Approver>,
    body: impl AsyncFnOnce(&Node) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let transport = if global.no_relay {
        Config::loopback()
    } else {
        Config::production()
    };
    let options = NodeOptions {
        name: name.to_owned(),
        role,
        transport,
        timeouts: Timeouts::default(),
        approver,
    };
    let node = Node::start(vault, options).await?;
    let result = body(&node).await;
    node.shutdown().await;
    result
}

/// Runs `body` on this device's node as the desktop (a person at the
/// terminal approves what peers ask) with a progress printer on standard
/// error: the commands that run a session from here.
pub fn as_desktop<T>(
    vault: Vault,
    global: &Global,
    body: impl AsyncFnOnce(&Node, accord_node::runner::ProgressFn<'_>) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let approver = Arc::new(accord_node::approve::Interactive::terminal());
    block_on(with_node(
        vault,
        Role::Desktop,
        global,
        approver,
        async |node| {
            let printer = ProgressPrinter::default();
            let progress = |p| printer.print(p);
            body(node, &progress).await
        },
    ))
}

/// Prints a session's progress on standard error, `party name state
/// detail`, once per change (heartbeats repeat `pending`).
#[derive(Debug, Default)]
pub struct ProgressPrinter {
    last: Mutex<BTreeMap<(u8, String), (String, String)>>,
}

impl ProgressPrinter {
    /// Prints `p` unless it repeats the party's last line.
    pub fn print(&self, p: Progress) {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let now = (p.state.name().to_owned(), p.detail.clone());
        if last.insert((p.party, p.name.clone()), now.clone()) == Some(now) {
            return;
        }
        let line = format!("{} {} {} {}", p.party, p.name, p.state, p.detail);
        eprintln!("{}", safe(line.trim_end()));
    }
}

/// One event of the log as a line: `time kind: detail`.
pub fn event_line(e: &Event) -> String {
    safe(&format!("{} {}: {}", utc(e.at), e.kind, e.detail))
}

/// `text` on one line, safe for a terminal (names and details come from
/// peers).
pub fn safe(text: &str) -> String {
    accord_node::approve::sanitize(&crate::error::one_line(text))
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc(at: i64) -> String {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn safe_is_one_line_without_controls() {
        assert_eq!(safe("a\nb\x1b[31m"), "a b\\u{1b}[31m");
    }
}
