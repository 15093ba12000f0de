//! [`EpochStore`] on SQLite: a refresh's new shares stored beside the ones
//! in use (`pending_shares`), then switched to in one transaction — the old
//! shares deleted (the store overwrites deleted content: `secure_delete`)
//! and the wallet's epoch moved on — or dropped.

use std::sync::Arc;

use accord_mpc::KeyShare;
use iroh::EndpointId;
use rand_core::OsRng;
use rusqlite::{OptionalExtension, params};

use super::persist::{EpochStore, WalletStore};
use super::records::{self, KeygenOutcome, Member, WalletRecord};
use super::{Store, StoreError, share_aad};
use crate::secret;
use crate::wire::SessionBytes;

/// A refresh's shares for this device, to store beside the ones in use.
#[derive(Debug)]
pub struct NewEpoch {
    /// The wallet's id.
    pub wallet: String,
    /// The epoch they are of (the wallet's + 1).
    pub epoch: u64,
    /// The session that made them.
    pub session: SessionBytes,
    /// The device that decides whether every member switches.
    pub initiator: EndpointId,
    /// One per scheme, of the same group keys as the shares in use.
    pub shares: Vec<Arc<KeyShare>>,
    /// A replacement: the new member at the lost one's party, and the lost
    /// device (banned from the wallet when the epoch is switched to).
    pub replace: Option<(Member, EndpointId)>,
}

/// A refresh stored here and not switched to (or dropped) yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEpoch {
    /// The wallet (as in use: its current epoch).
    pub wallet: WalletRecord,
    /// The epoch stored.
    pub epoch: u64,
    /// The session that made it.
    pub session: SessionBytes,
    /// Who decides.
    pub initiator: EndpointId,
}

/// A replacement's new member as `pending_epochs.replace` keeps it (JSON).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredMember {
    party: u8,
    device: String,
    name: String,
    addr: String,
    role: String,
}

fn epoch_value(epoch: u64) -> Result<i64, StoreError> {
    i64::try_from(epoch).map_err(|_| StoreError::Mismatched("epoch out of range"))
}

impl EpochStore for Store {
    fn store_epoch(&mut self, new: &NewEpoch, now: i64) -> Result<(), StoreError> {
        let wallet = self.wallet_by_id(&new.wallet)?;
        if new.epoch != wallet.epoch.saturating_add(1) {
            return Err(StoreError::Mismatched("not the epoch after the wallet's"));
        }
        let keys = self.group_keys(&wallet)?;
        if new.shares.len() != keys.len() {
            return Err(StoreError::Mismatched("not one share per scheme"));
        }
        for share in &new.shares {
            let params = share.parameters();
            if share.party().get() != wallet.party
                || params.threshold() != wallet.threshold
                || params.parties() != wallet.parties
                || keys.get(&share.scheme()) != Some(&share.group_key())
            {
                return Err(StoreError::Mismatched(
                    "a refreshed share is not of this wallet's party and group key",
                ));
            }
        }
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM pending_shares WHERE wallet_id = ?1",
            [&wallet.id],
        )?;
        tx.execute(
            "DELETE FROM pending_epochs WHERE wallet_id = ?1",
            [&wallet.id],
        )?;
        let replace = new
            .replace
            .as_ref()
            .map(|(m, lost)| {
                serde_json::to_string(&(
                    StoredMember {
                        party: m.party,
                        device: m.device.to_string(),
                        name: m.name.clone(),
                        addr: records::addr_text(&m.addr),
                        role: m.role.name().to_owned(),
                    },
                    lost.to_string(),
                ))
            })
            .transpose()
            .map_err(|_| StoreError::Mismatched("a replacement does not serialize"))?;
        tx.execute(
            "INSERT INTO pending_epochs (wallet_id, epoch, session, initiator, at, replacing)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                wallet.id,
                epoch_value(new.epoch)?,
                new.session.to_vec(),
                new.initiator.to_string(),
                now,
                replace
            ],
        )?;
        for share in &new.shares {
            let bytes = share
                .to_bytes()
                .map_err(|_| StoreError::Mismatched("a share does not serialize"))?;
            let aad = share_aad(&wallet.id, share.scheme(), wallet.party);
            let sealed = secret::seal(&self.key, &bytes, &aad, &mut OsRng);
            tx.execute(
                "INSERT INTO pending_shares (wallet_id, scheme, sealed) VALUES (?1, ?2, ?3)",
                params![wallet.id, share.scheme().code(), sealed],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn commit_epoch(
        &mut self,
        wallet: &str,
        session: &SessionBytes,
        now: i64,
    ) -> Result<u64, StoreError> {
        let tx = self.conn.transaction()?;
        let pending: Option<i64> = tx
            .query_row(
                "SELECT epoch FROM pending_epochs WHERE wallet_id = ?1 AND session = ?2",
                params![wallet, session.to_vec()],
                |r| r.get(0),
            )
            .optional()?;
        let replace: Option<String> = tx
            .query_row(
                "SELECT replacing FROM pending_epochs WHERE wallet_id = ?1 AND session = ?2",
                params![wallet, session.to_vec()],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(epoch) = pending else {
            let done: Option<i64> = tx
                .query_row(
                    "SELECT epoch FROM wallets WHERE id = ?1 AND epoch_session = ?2",
                    params![wallet, session.to_vec()],
                    |r| r.get(0),
                )
                .optional()?;
            return done
                .and_then(|e| u64::try_from(e).ok())
                .ok_or_else(|| StoreError::NotFound(format!("pending epoch of wallet {wallet}")));
        };
        tx.execute("DELETE FROM shares WHERE wallet_id = ?1", [wallet])?;
        tx.execute(
            "INSERT INTO shares (wallet_id, scheme, sealed)
             SELECT wallet_id, scheme, sealed FROM pending_shares WHERE wallet_id = ?1",
            [wallet],
        )?;
        tx.execute("DELETE FROM pending_shares WHERE wallet_id = ?1", [wallet])?;
        tx.execute("DELETE FROM pending_epochs WHERE wallet_id = ?1", [wallet])?;
        tx.execute(
            "UPDATE wallets SET epoch = ?2, epoch_session = ?3 WHERE id = ?1",
            params![wallet, epoch, session.to_vec()],
        )?;
        if let Some(text) = replace {
            let (new, lost): (StoredMember, String) = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("a pending replacement: {e}")))?;
            tx.execute(
                "UPDATE peers SET endpoint_id = ?3, name = ?4, addr = ?5, role = ?6
                 WHERE wallet_id = ?1 AND party = ?2",
                params![wallet, new.party, new.device, new.name, new.addr, new.role],
            )?;
            // The lost device is out: of the allow-list, of every session.
            tx.execute(
                "INSERT INTO devices (endpoint_id, name, addr, paired_at, removed_at)
                 VALUES (?1, 'replaced device', '', ?2, ?2)
                 ON CONFLICT (endpoint_id) DO UPDATE SET removed_at = ?2",
                params![lost, now],
            )?;
            tx.execute("DELETE FROM replacements WHERE wallet_id = ?1", [wallet])?;
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'unpaired', ?3)",
                params![
                    wallet,
                    now,
                    format!(
                        "party {} replaced: device {lost} removed, {} ({}) in its place",
                        new.party, new.name, new.device
                    )
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'refreshed', ?3)",
            params![
                wallet,
                now,
                format!("the shares are now of key epoch {epoch}; the previous ones are erased")
            ],
        )?;
        tx.commit()?;
        u64::try_from(epoch).map_err(|_| StoreError::Corrupt("an epoch".into()))
    }

    fn drop_epoch(
        &mut self,
        wallet: &str,
        session: &SessionBytes,
        reason: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let found = tx.execute(
            "DELETE FROM pending_shares WHERE wallet_id = ?1
             AND EXISTS (SELECT 1 FROM pending_epochs WHERE wallet_id = ?1 AND session = ?2)",
            params![wallet, session.to_vec()],
        )?;
        let epochs = tx.execute(
            "DELETE FROM pending_epochs WHERE wallet_id = ?1 AND session = ?2",
            params![wallet, session.to_vec()],
        )?;
        if found + epochs > 0 {
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'failed', ?3)",
                params![
                    wallet,
                    now,
                    format!("the refresh was not completed by every member: {reason}")
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn pending_epochs(&self) -> Result<Vec<PendingEpoch>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT wallet_id, epoch, session, initiator FROM pending_epochs ORDER BY wallet_id",
        )?;
        let rows: Vec<(String, i64, Vec<u8>, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(wallet, epoch, session, initiator)| {
                let corrupt = || StoreError::Corrupt(format!("the pending epoch of {wallet}"));
                Ok(PendingEpoch {
                    wallet: self.wallet_by_id(&wallet)?,
                    epoch: u64::try_from(epoch).map_err(|_| corrupt())?,
                    session: session.try_into().map_err(|_| corrupt())?,
                    initiator: records::device_id(&initiator)?,
                })
            })
            .collect()
    }

    fn replacement_seen(
        &mut self,
        wallet: &str,
        party: u8,
        new_device: &EndpointId,
        now: i64,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        let seen: Option<(u8, String, i64)> = tx
            .query_row(
                "SELECT party, new_device, first_seen FROM replacements WHERE wallet_id = ?1",
                [wallet],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((p, device, first)) = seen
            && p == party
            && device == new_device.to_string()
        {
            return Ok(first);
        }
        tx.execute(
            "INSERT INTO replacements (wallet_id, party, new_device, first_seen)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (wallet_id) DO UPDATE SET party = ?2, new_device = ?3, first_seen = ?4",
            params![wallet, party, new_device.to_string(), now],
        )?;
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'rejected', ?3)",
            params![
                wallet,
                now,
                format!(
                    "asked to replace party {party} by device {new_device}: waits for the delay"
                )
            ],
        )?;
        tx.commit()?;
        Ok(now)
    }

    fn cancel_replacement(&mut self, wallet: &str, now: i64) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute("DELETE FROM replacements WHERE wallet_id = ?1", [wallet])?;
        if n > 0 {
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'rejected', ?3)",
                params![
                    wallet,
                    now,
                    "a member cancelled the replacement of a device"
                ],
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    fn epoch_outcome(&self, session: &SessionBytes) -> Result<KeygenOutcome, StoreError> {
        let committed: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM wallets WHERE epoch_session = ?1)",
            [session.to_vec()],
            |r| r.get(0),
        )?;
        let pending: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pending_epochs WHERE session = ?1)",
            [session.to_vec()],
            |r| r.get(0),
        )?;
        Ok(if committed {
            KeygenOutcome::Committed
        } else if pending {
            KeygenOutcome::Pending
        } else {
            KeygenOutcome::Unknown
        })
    }
}
