//! Fault injection for the crash tests (`tests/`): when the environment
//! variable `ACCORD_FAULT_CRASH_AT` names a step, the process aborts
//! there — like `kill -9`, nothing is flushed or cleaned up. Unset (always,
//! outside those tests) it does nothing.

/// The variable naming the step to crash at.
pub const CRASH_AT: &str = "ACCORD_FAULT_CRASH_AT";
/// The variable delaying each outgoing threshold message, in milliseconds
/// (so a test can kill a process mid-session).
pub const DELAY_MS: &str = "ACCORD_FAULT_DELAY_MS";

/// Aborts the process if the crash step is `step`.
pub fn point(step: &str) {
    if std::env::var(CRASH_AT).is_ok_and(|s| s == step) {
        eprintln!("accord: fault injection: crashing at {step}");
        std::process::abort();
    }
}

/// The injected delay before each outgoing threshold message, if any.
pub fn delay() -> Option<std::time::Duration> {
    static DELAY: std::sync::OnceLock<Option<std::time::Duration>> = std::sync::OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var(DELAY_MS)
            .ok()
            .and_then(|v| v.parse().ok())
            .map(std::time::Duration::from_millis)
    })
}
