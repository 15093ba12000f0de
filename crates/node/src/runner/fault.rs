//! Fault injection for the crash tests (`tests/`), compiled only with the
//! `fault-injection` feature (the tests enable it; release builds of
//! `accord` and `accord-desktop` do not have it). Then, when the
//! environment variable `ACCORD_FAULT_CRASH_AT` names a session step
//! ([`crate::session::Milestone::name`]), the process aborts there — like
//! `kill -9`, nothing is flushed or cleaned up — and
//! `ACCORD_FAULT_DELAY_MS` delays each outgoing threshold message.

/// The variable naming the step to crash at.
pub const CRASH_AT: &str = "ACCORD_FAULT_CRASH_AT";
/// The variable delaying each outgoing threshold message, in milliseconds
/// (so a test can kill a process mid-session).
pub const DELAY_MS: &str = "ACCORD_FAULT_DELAY_MS";

/// Whether this build has fault injection.
pub const ENABLED: bool = cfg!(feature = "fault-injection");

/// Aborts the process if the crash step is `step`.
#[cfg(feature = "fault-injection")]
pub fn point(step: &str) {
    if std::env::var(CRASH_AT).is_ok_and(|s| s == step) {
        eprintln!("accord: fault injection: crashing at {step}");
        std::process::abort();
    }
}

/// Without the feature: nothing.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn point(_step: &str) {}

/// The injected delay before each outgoing threshold message, if any.
#[cfg(feature = "fault-injection")]
pub fn delay() -> Option<std::time::Duration> {
    static DELAY: std::sync::OnceLock<Option<std::time::Duration>> = std::sync::OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var(DELAY_MS)
            .ok()
            .and_then(|v| v.parse().ok())
            .map(std::time::Duration::from_millis)
    })
}

/// Without the feature: none.
#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub fn delay() -> Option<std::time::Duration> {
    None
}
