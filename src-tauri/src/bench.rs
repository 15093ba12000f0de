//! The launch benchmark's probe: with `ACCORD_DESKTOP_LAUNCH_REPORT=PATH`
//! set, the moment the app first answers `status` with the store open is
//! written to PATH (milliseconds since the start of `main`), once. That
//! answer is what lets the UI leave the lock screen for its first screen,
//! so everything before it counts: the window and the UI loading, the
//! keychain read, opening the store and starting the node, and the UI's
//! own wait between two `status` polls while the store is opening. An
//! answer with the store not (yet) open writes nothing. Off unless the
//! variable is set.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// The variable naming the report file.
pub const REPORT_VAR: &str = "ACCORD_DESKTOP_LAUNCH_REPORT";

static LAUNCHED: OnceLock<Instant> = OnceLock::new();
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Notes the launch time.
pub fn launched() {
    let _ = LAUNCHED.set(Instant::now());
}

/// Called by every `status` with whether its answer says the store is
/// open: the first such answer writes the report.
pub fn status_answered(store_open: bool) {
    if !store_open || REPORTED.swap(true, Ordering::Relaxed) {
        return;
    }
    let (Some(path), Some(start)) = (std::env::var_os(REPORT_VAR), LAUNCHED.get()) else {
        return;
    };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let _ = std::fs::write(path, format!("{ms:.1}\n"));
}
