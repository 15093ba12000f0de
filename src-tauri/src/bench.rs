//! The launch benchmark's probe: with `ACCORD_DESKTOP_LAUNCH_REPORT=PATH`
//! set, the time from the start of `main` to the UI's first command (the
//! Leptos app calls `status` as soon as it is mounted and listening) is
//! written to PATH in milliseconds, once. Off unless the variable is set.

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

/// Called by every `status`: the first writes the report.
pub fn first_call() {
    if REPORTED.swap(true, Ordering::Relaxed) {
        return;
    }
    let (Some(path), Some(start)) = (std::env::var_os(REPORT_VAR), LAUNCHED.get()) else {
        return;
    };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let _ = std::fs::write(path, format!("{ms:.1}\n"));
}
