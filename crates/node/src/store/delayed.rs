//! Delayed transfers on SQLite ([`crate::policy::delayed`]): the queue of
//! each wallet, this device's own entries (origin `""`) and those members
//! reported, with the members' signed cancels. The caller checks a
//! cancel's signature before it is kept here.

use rusqlite::{OptionalExtension, params};

use super::records::WalletRecord;
use super::{Store, StoreError};
use crate::policy::delayed::{DelayedTransfer, Intent};
use crate::policy::signed::{Endorsement, Statement};

/// A queued transfer and where it came from (`""`: this device).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedTransfer {
    /// `""` for this device's own entry, else the reporting member (hex).
    pub origin: String,
    /// The entry.
    pub transfer: DelayedTransfer,
    /// The members' signed cancels of it.
    pub cancels: Vec<Endorsement>,
}

impl Store {
    pub(super) fn read_delayed(
        &self,
        wallet: &WalletRecord,
    ) -> Result<Vec<QueuedTransfer>, StoreError> {
        let corrupt =
            || StoreError::Corrupt(format!("a delayed transfer of wallet {}", wallet.name));
        let mut stmt = self.conn.prepare_cached(
            "SELECT intent, origin, summary, first_seen, eligible_at, used_by
             FROM delayed_transfers WHERE wallet_id = ?1 ORDER BY first_seen, origin",
        )?;
        let rows = stmt
            .query_map([&wallet.id], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<Vec<u8>>>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut cancels = self.conn.prepare_cached(
            "SELECT device, signature FROM delayed_cancels
             WHERE wallet_id = ?1 AND intent = ?2 ORDER BY at, device",
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (intent, origin, summary, first_seen, eligible_at, used_by) in rows {
            let intent: Intent = intent.try_into().map_err(|_| corrupt())?;
            let used_by = match used_by {
                Some(d) => Some(<[u8; 32]>::try_from(d).map_err(|_| corrupt())?),
                None => None,
            };
            let said: Vec<Endorsement> = cancels
                .query_map(params![wallet.id, intent.to_vec()], |r| {
                    Ok(Endorsement {
                        device: r.get(0)?,
                        statement: Statement::Cancel,
                        signature: r.get(1)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            out.push(QueuedTransfer {
                origin,
                transfer: DelayedTransfer {
                    intent,
                    summary,
                    first_seen: u64::try_from(first_seen).unwrap_or(0),
                    eligible_at: u64::try_from(eligible_at).unwrap_or(0),
                    used_by,
                    cancelled_by: said.iter().map(|c| c.device.clone()).collect(),
                },
                cancels: said,
            });
        }
        Ok(out)
    }

    pub(super) fn write_delayed(
        &mut self,
        wallet_id: &str,
        origin: &str,
        t: &DelayedTransfer,
    ) -> Result<bool, StoreError> {
        let at = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        // This device's own entry is replaced (a used or forgotten one
        // queued again); a member's report is kept as first received.
        let verb = if origin.is_empty() {
            "INSERT OR REPLACE"
        } else {
            "INSERT OR IGNORE"
        };
        let n = self.conn.execute(
            &format!(
                "{verb} INTO delayed_transfers
                 (wallet_id, intent, origin, summary, first_seen, eligible_at, used_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ),
            params![
                wallet_id,
                t.intent.to_vec(),
                origin,
                t.summary,
                at(t.first_seen),
                at(t.eligible_at),
                t.used_by.map(|d| d.to_vec())
            ],
        )?;
        Ok(n > 0)
    }

    pub(super) fn write_cancel(
        &mut self,
        wallet_id: &str,
        intent: &Intent,
        cancel: &Endorsement,
        now: i64,
    ) -> Result<bool, StoreError> {
        let known: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM delayed_transfers WHERE wallet_id = ?1 AND intent = ?2 LIMIT 1",
                params![wallet_id, intent.to_vec()],
                |r| r.get(0),
            )
            .optional()?;
        if known.is_none() {
            return Err(StoreError::NotFound(format!(
                "delayed transfer {}",
                crate::policy::delayed::short(intent)
            )));
        }
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO delayed_cancels (wallet_id, intent, device, signature, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                wallet_id,
                intent.to_vec(),
                cancel.device,
                cancel.signature,
                now
            ],
        )?;
        Ok(n > 0)
    }
}

/// Marks this device's entry of `intent` used by transaction `tx`, within
/// `db` (the nonce journal's transaction).
pub(super) fn mark_used(
    db: &rusqlite::Transaction<'_>,
    wallet: &str,
    intent: &Intent,
    tx: &[u8; 32],
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE delayed_transfers SET used_by = ?1
         WHERE wallet_id = ?2 AND intent = ?3 AND origin = ''",
        params![tx.to_vec(), wallet, intent.to_vec()],
    )?;
    Ok(())
}
