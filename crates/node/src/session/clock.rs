//! Time as sessions see it: a [`Time`] handed in by the runner with every
//! input (milliseconds on a monotonic clock the runner chooses — the tokio
//! runner's `Instant` since it started, a simulation's virtual clock), and
//! the [`Timeouts`] deadlines are computed from. A session never reads a
//! clock (STYLE: quinn-proto).

use std::time::Duration;

/// A point in time, in milliseconds since the runner's origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(u64);

impl Time {
    /// The runner's origin.
    pub const ZERO: Time = Time(0);

    /// `ms` milliseconds after the origin.
    pub const fn from_millis(ms: u64) -> Time {
        Time(ms)
    }

    /// Milliseconds since the origin.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `self + d`, saturating.
    pub fn after(self, d: Duration) -> Time {
        Time(
            self.0
                .saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        )
    }

    /// How long from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: Time) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

/// The deadlines of sessions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// A member silent this long during signing (no message, no
    /// heartbeat) is gone: the attempt aborts and another quorum is tried.
    pub sign_round: Duration,
    /// The same for key generation (DKLs23 rounds compute for a while).
    pub keygen_round: Duration,
    /// How long a member's user may take to approve.
    pub approval: Duration,
    /// The longest a session may run once approved.
    pub session: Duration,
    /// How often a member deciding sends a heartbeat.
    pub heartbeat: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            sign_round: Duration::from_secs(2),
            keygen_round: Duration::from_secs(20),
            approval: Duration::from_secs(300),
            session: Duration::from_secs(120),
            heartbeat: Duration::from_millis(400),
        }
    }
}

/// The earliest of some deadlines.
pub(crate) fn earliest(deadlines: impl IntoIterator<Item = Option<Time>>) -> Option<Time> {
    deadlines.into_iter().flatten().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Time::from_millis(5);
        assert_eq!(t.after(Duration::from_millis(7)).as_millis(), 12);
        assert_eq!(t.since(Time::from_millis(9)), Duration::ZERO);
        assert_eq!(
            Time::from_millis(u64::MAX).after(Duration::MAX).as_millis(),
            u64::MAX
        );
        assert_eq!(
            earliest([None, Some(t), Some(Time::ZERO)]),
            Some(Time::ZERO)
        );
    }
}
