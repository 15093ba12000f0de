//! The tamper-evident audit log: every device's event log is a hash chain
//! (each event's hash covers the one before it), kept by the store itself
//! as events are written (an SQLite trigger calls [`event_hash`]), exported
//! as a file whose end is signed by the device's identity key (Ed25519,
//! RFC 8032, the key of its iroh endpoint), and checked by [`verify`],
//! which says where a chain was cut, edited or reordered.
//!
//! What it proves: that the file is the log this device had when it was
//! exported, whole and in order, as far back as its first event — an event
//! edited, removed or moved in the file breaks the chain at that place; a
//! chain rewritten after an edit no longer matches the signed end. What it
//! cannot prove: that a device whose own key was stolen did not rewrite its
//! whole log before signing it (compare exports taken at different times:
//! the older head must be an event of the newer chain).

mod chain;
mod file;

pub use chain::{GENESIS, event_hash};
pub use file::{
    AuditError, AuditHeader, AuditSummary, ChainedEvent, FORMAT, MAX_FILE, SIGNED_GRANT,
    SIGNED_VOTE, write,
};

/// Checks an exported log: see [`file::verify`].
pub use file::verify;

#[cfg(test)]
mod tests;
