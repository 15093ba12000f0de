//! Members exchange the transfers their policies delay
//! ([`crate::policy::delayed`]) and the cancels of them: each device pushes
//! its own queue entries (not used, not forgotten) and every cancel it
//! holds, with the policy sync ([`super::policy_sync`]). A receiver keeps a
//! member's entry as that member's report — only an entry this device
//! queued itself counts for its own delay — and a cancel only when its
//! signature is a member's.

use iroh::EndpointId;

use crate::event::EventKind;
use crate::policy::delayed::{self, DelayedTransfer, READY_FOR};
use crate::policy::{self};
use crate::store::{Persist, StoreError, WalletRecord};
use crate::wire::{Control, DelayedReport, DelayedSync};

/// The longest summary kept from a member.
const MAX_SUMMARY: usize = 512;

/// The most cancels one message may carry.
const MAX_CANCELS: usize = 16;

/// The most entries one wallet keeps from members.
const MAX_REPORTED: usize = 1024;

/// What this device pushes of `record`'s delayed transfers, and a count
/// of its rows (for the change fingerprint).
pub(crate) fn messages(
    store: &dyn Persist,
    record: &WalletRecord,
    now: u64,
) -> Result<(Vec<Control>, usize), StoreError> {
    let queued = store.delayed(record)?;
    let rows = queued.len() + queued.iter().map(|q| q.cancels.len()).sum::<usize>();
    let mut out: Vec<DelayedSync> = Vec::new();
    for q in &queued {
        let own = q.origin.is_empty()
            && q.transfer.used_by.is_none()
            && now <= q.transfer.eligible_at.saturating_add(READY_FOR);
        if !own && q.cancels.is_empty() {
            continue;
        }
        let entry = match out.iter_mut().position(|s| s.intent == q.transfer.intent) {
            Some(i) => &mut out[i],
            None => {
                out.push(DelayedSync {
                    wallet_id: record.id.clone(),
                    intent: q.transfer.intent,
                    queued: None,
                    cancels: q.cancels.clone(),
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        if own {
            entry.queued = Some(DelayedReport {
                summary: q.transfer.summary.clone(),
                first_seen: q.transfer.first_seen,
                eligible_at: q.transfer.eligible_at,
            });
        }
    }
    Ok((out.into_iter().map(Control::Delayed).collect(), rows))
}

/// Keeps what member `from` sent of a delayed transfer; how many rows were
/// new, or why it was refused.
pub(crate) fn receive(
    store: &mut dyn Persist,
    from: EndpointId,
    sync: &DelayedSync,
    now: i64,
) -> Result<Result<usize, String>, StoreError> {
    let record = match store.wallet_by_id(&sync.wallet_id) {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Ok(Err("a transfer of a wallet not here".into())),
        Err(e) => return Err(e),
    };
    let members = store.members(&record)?;
    if !members.iter().any(|m| m.device == from) {
        return Ok(Err(format!(
            "a delayed transfer of wallet {} from a device that is not a member",
            record.name
        )));
    }
    if sync.cancels.len() > MAX_CANCELS {
        return Ok(Err("too many cancels in one message".into()));
    }
    let mut added = 0;
    if let Some(r) = &sync.queued {
        let held = store.delayed(&record)?;
        if held.len() >= MAX_REPORTED && !held.iter().any(|q| q.transfer.intent == sync.intent) {
            return Ok(Err(format!(
                "wallet {} holds {MAX_REPORTED} delayed transfers already",
                record.name
            )));
        }
        let summary: String = crate::approve::sanitize(&r.summary)
            .chars()
            .take(MAX_SUMMARY)
            .collect();
        let transfer = DelayedTransfer {
            intent: sync.intent,
            summary,
            first_seen: r.first_seen,
            eligible_at: r.eligible_at,
            used_by: None,
            cancelled_by: Vec::new(),
        };
        added +=
            usize::from(store.queue_delayed(&record.id, &policy::device_hex(&from), &transfer)?);
    }
    let member_ids: Vec<String> = members
        .iter()
        .map(|m| policy::device_hex(&m.device))
        .collect();
    for c in &sync.cancels {
        if !member_ids.contains(&c.device) {
            continue;
        }
        if delayed::verify_cancel(&record.id, &sync.intent, c).is_err() {
            store.log(
                Some(&record.id),
                EventKind::Rejected,
                &format!(
                    "a cancel of transfer {} from {from} whose signature does not verify",
                    delayed::short(&sync.intent)
                ),
                now,
            )?;
            continue;
        }
        match store.cancel_delayed(&record.id, &sync.intent, c, now) {
            Ok(true) => {
                added += 1;
                store.log(
                    Some(&record.id),
                    EventKind::Policy,
                    &format!(
                        "delayed transfer {} of wallet {} cancelled by member {}",
                        delayed::short(&sync.intent),
                        record.name,
                        &c.device[..16.min(c.device.len())]
                    ),
                    now,
                )?;
            }
            Ok(false) | Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Ok(added))
}
