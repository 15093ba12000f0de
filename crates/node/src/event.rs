//! The vocabulary of the device's event log: what happened ([`EventKind`])
//! to which wallet, when, in words. Stored as text (its `name`), read back
//! typed; a kind this build does not know (written by a newer one) is kept
//! as [`EventKind::Other`], never an error.

use serde::{Deserialize, Serialize};

/// What an event records.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A wallet was created (its keys generated and stored by every member).
    Created,
    /// This device proposed and finished signing a transaction.
    Signed,
    /// This device co-signed another member's transaction.
    Cosigned,
    /// A transaction was broadcast and confirmed.
    Sent,
    /// Something from a peer, or a request, was refused.
    Rejected,
    /// An operation failed.
    Failed,
    /// A signing session ended with its result.
    SessionDone,
    /// A signing session ended without one.
    SessionAborted,
    /// A party was excluded from a scheme's sessions for good.
    Banned,
    /// A device was paired.
    Paired,
    /// A device was removed.
    Unpaired,
    /// The wallet's policy changed.
    Policy,
    /// A wallet whose creation did not complete everywhere was dropped.
    Dropped,
    /// A wallet's shares moved to a new key epoch (refresh, replacement).
    Refreshed,
    /// A team proposal was made here or arrived ([`crate::team`]).
    Proposed,
    /// A member approved or rejected a team proposal (the detail carries
    /// the signed vote).
    Voted,
    /// A proposer-only device was granted or withdrawn on a wallet (the
    /// detail carries the member's signed grant).
    Granted,
    /// A kind written by a newer build.
    Other(String),
}

impl EventKind {
    /// The stored name.
    pub fn name(&self) -> &str {
        match self {
            EventKind::Created => "created",
            EventKind::Signed => "signed",
            EventKind::Cosigned => "cosigned",
            EventKind::Sent => "sent",
            EventKind::Rejected => "rejected",
            EventKind::Failed => "failed",
            EventKind::SessionDone => "session_done",
            EventKind::SessionAborted => "session_aborted",
            EventKind::Banned => "banned",
            EventKind::Paired => "paired",
            EventKind::Unpaired => "unpaired",
            EventKind::Policy => "policy",
            EventKind::Dropped => "dropped",
            EventKind::Refreshed => "refreshed",
            EventKind::Proposed => "proposed",
            EventKind::Voted => "voted",
            EventKind::Granted => "granted",
            EventKind::Other(name) => name,
        }
    }

    /// The kind stored as `name`.
    pub fn from_name(name: &str) -> EventKind {
        const KNOWN: [EventKind; 17] = [
            EventKind::Created,
            EventKind::Signed,
            EventKind::Cosigned,
            EventKind::Sent,
            EventKind::Rejected,
            EventKind::Failed,
            EventKind::SessionDone,
            EventKind::SessionAborted,
            EventKind::Banned,
            EventKind::Paired,
            EventKind::Unpaired,
            EventKind::Policy,
            EventKind::Dropped,
            EventKind::Refreshed,
            EventKind::Proposed,
            EventKind::Voted,
            EventKind::Granted,
        ];
        KNOWN
            .into_iter()
            .find(|k| k.name() == name)
            .unwrap_or_else(|| EventKind::Other(name.to_owned()))
    }
}

impl core::fmt::Display for EventKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// One entry of the event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Order of writing.
    pub seq: i64,
    /// The wallet, if any.
    pub wallet_id: Option<String>,
    /// Seconds since the epoch.
    pub at: i64,
    /// What happened.
    pub kind: EventKind,
    /// In words.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_kinds_are_kept() {
        for name in ["created", "session_aborted", "dropped", "banned"] {
            assert_eq!(EventKind::from_name(name).name(), name);
        }
        assert_eq!(
            EventKind::from_name("future_kind"),
            EventKind::Other("future_kind".into())
        );
    }
}
