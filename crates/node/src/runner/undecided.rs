//! Wallet creations, refreshes and replacements that no longer run here
//! but are undecided somewhere (the two-phase commit's recovery): a member
//! that stored asks the initiator, which answers from its store (committed,
//! or — presumed abort — drop); an initiator that restarts drops what it
//! had not committed and tells the members.

use iroh::{EndpointAddr, EndpointId};

use crate::store::{KeygenOutcome, Persist, StoreError};
use crate::wire::{Control, SessionBytes};

/// A key generation message for a session that does not run here: a
/// member asking the outcome (answered from the store: committed, or —
/// presumed abort — drop), or the inviter's late decision for a wallet
/// still pending here. Returns the answer to send, if any.
pub fn resolve(
    store: &mut dyn Persist,
    from: EndpointId,
    control: &Control,
    now: i64,
) -> Result<Option<Control>, StoreError> {
    match control {
        Control::Outcome { session } => {
            let member = store
                .pending_wallets()?
                .iter()
                .any(|w| w.session == *session)
                || store
                    .pending_epochs()?
                    .iter()
                    .any(|p| p.session == *session && p.initiator != from);
            let outcome = match store.keygen_outcome(session)? {
                KeygenOutcome::Unknown => store.epoch_outcome(session)?,
                known => known,
            };
            let answer = match outcome {
                KeygenOutcome::Committed => Control::Commit { session: *session },
                // Not committed here and no longer running: it never will be.
                KeygenOutcome::Pending | KeygenOutcome::Unknown if !member => Control::Abort {
                    session: *session,
                    reason: "the wallet was not created".into(),
                },
                _ => return Ok(None),
            };
            let _ = from;
            Ok(Some(answer))
        }
        Control::Commit { session } | Control::Abort { session, .. } => {
            let epochs = store.pending_epochs()?;
            if let Some(p) = epochs
                .iter()
                .find(|p| p.session == *session && p.initiator == from)
            {
                if matches!(control, Control::Commit { .. }) {
                    store.commit_epoch(&p.wallet.id, session, now)?;
                } else {
                    let reason = "the initiator did not complete the refresh";
                    store.drop_epoch(&p.wallet.id, session, reason, now)?;
                }
                return Ok(None);
            }
            let pending = store.pending_wallets()?;
            let Some(w) = pending
                .iter()
                .find(|w| w.session == *session && w.initiator == from)
            else {
                return Ok(None);
            };
            if matches!(control, Control::Commit { .. }) {
                store.commit_wallet(&w.record.id, now)?;
            } else {
                store.drop_wallet(&w.record.id, "the inviter did not create it", now)?;
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// At start: for every wallet whose creation was interrupted here, what to
/// send to whom. A wallet this device invited and did not commit is dropped
/// (its members are told); one another device invited is asked about.
pub fn interrupted_creations(
    store: &mut dyn Persist,
    now: i64,
) -> Result<Vec<(EndpointAddr, Control)>, StoreError> {
    let me = crate::transport::identity::device_id(store)?;
    let mut out = Vec::new();
    for p in store.pending_epochs()? {
        let members = store.members(&p.wallet)?;
        if p.initiator == me {
            // This device decides and had not committed: nobody did.
            let reason = "interrupted before every member confirmed";
            store.drop_epoch(&p.wallet.id, &p.session, reason, now)?;
            for m in members.iter().filter(|m| m.device != me) {
                out.push((
                    m.addr.clone(),
                    Control::Abort {
                        session: p.session,
                        reason: "the refresh was not completed".into(),
                    },
                ));
            }
        } else if let Some(initiator) = members.iter().find(|m| m.device == p.initiator) {
            out.push((
                initiator.addr.clone(),
                Control::Outcome { session: p.session },
            ));
        }
    }
    for w in store.pending_wallets()? {
        let members = store.members(&w.record)?;
        if w.initiator == me {
            store.drop_wallet(
                &w.record.id,
                "interrupted before every member confirmed",
                now,
            )?;
            for m in members.iter().filter(|m| m.device != me) {
                out.push((
                    m.addr.clone(),
                    Control::Abort {
                        session: w.session,
                        reason: "the wallet was not created".into(),
                    },
                ));
            }
        } else if let Some(inviter) = members.iter().find(|m| m.device == w.initiator) {
            out.push((
                inviter.addr.clone(),
                Control::Outcome { session: w.session },
            ));
        }
    }
    Ok(out)
}

/// For every wallet pending here that another device invited, the question
/// to ask it (sent at start and then now and then, until it answers).
pub fn pending_questions(
    store: &dyn Persist,
) -> Result<Vec<(SessionBytes, EndpointAddr, Control)>, StoreError> {
    let me_known: Vec<_> = store.pending_wallets()?;
    let mut out = Vec::new();
    for p in store.pending_epochs()? {
        let members = store.members(&p.wallet)?;
        let mine = members
            .iter()
            .any(|m| m.party == p.wallet.party && m.device == p.initiator);
        if let Some(initiator) = members.iter().find(|m| m.device == p.initiator)
            && !mine
        {
            out.push((
                p.session,
                initiator.addr.clone(),
                Control::Outcome { session: p.session },
            ));
        }
    }
    for w in me_known {
        let members = store.members(&w.record)?;
        if let Some(inviter) = members.iter().find(|m| m.device == w.initiator)
            && members
                .iter()
                .any(|m| m.party == w.record.party && m.device != w.initiator)
        {
            out.push((
                w.session,
                inviter.addr.clone(),
                Control::Outcome { session: w.session },
            ));
        }
    }
    Ok(out)
}

/// Whether a key generation message needs [`resolve`] when its session is
/// not running.
pub fn resolvable(control: &Control) -> Option<SessionBytes> {
    match control {
        Control::Outcome { session }
        | Control::Commit { session }
        | Control::Abort { session, .. } => Some(*session),
        _ => None,
    }
}
