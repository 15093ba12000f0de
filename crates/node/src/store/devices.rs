//! [`DeviceStore`] on SQLite: this device's sealed secret, paired devices
//! and one-time pairing tickets (a ticket's secret is stored only as its
//! SHA-256; redeeming checks expiry and single use and pins the redeemer in
//! one transaction, so two redemptions of one ticket cannot both succeed,
//! also across processes), settings.

use iroh::EndpointId;
use rand_core::{OsRng, RngCore};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::persist::DeviceStore;
use super::records::{self, PairedDevice};
use super::{Store, StoreError};
use crate::secret;

const DEVICE_SECRET_AAD: &[u8] = b"device_secret";

/// Why a pairing ticket was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TicketRefused {
    /// No ticket with that secret was issued here.
    #[error("unknown pairing ticket")]
    Unknown,
    /// Past its expiry.
    #[error("the pairing ticket has expired")]
    Expired,
    /// Redeemed already.
    #[error("the pairing ticket was used already")]
    Used,
}

fn secret_hash(secret: &[u8]) -> Vec<u8> {
    Sha256::digest(secret).to_vec()
}

fn upsert_device(tx: &rusqlite::Transaction<'_>, device: &PairedDevice) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO devices (endpoint_id, name, addr, paired_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (endpoint_id) DO UPDATE SET name = excluded.name, addr = excluded.addr, removed_at = NULL",
        params![
            device.id.to_string(),
            device.name,
            records::addr_text(&device.addr),
            device.paired_at,
            device.last_seen
        ],
    )
}

/// The sealed device secret, if one was made.
fn sealed_device_secret(tx: &rusqlite::Transaction<'_>) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'device_secret'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

impl DeviceStore for Store {
    fn device_secret(&mut self) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        // IMMEDIATE: two processes opening one store cannot both create it.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sealed = sealed_device_secret(&tx)?;
        let secret = match sealed {
            Some(sealed) => {
                let opened = secret::open(&self.key, &sealed, DEVICE_SECRET_AAD)
                    .map_err(|e| StoreError::CorruptDeviceSecret(e.to_string()))?;
                let mut bytes = Zeroizing::new([0u8; 32]);
                if opened.len() != bytes.len() {
                    return Err(StoreError::CorruptDeviceSecret(format!(
                        "{} bytes instead of 32",
                        opened.len()
                    )));
                }
                bytes.copy_from_slice(&opened);
                bytes
            }
            None => {
                let mut bytes = Zeroizing::new([0u8; 32]);
                OsRng.fill_bytes(bytes.as_mut_slice());
                let sealed =
                    secret::seal(&self.key, bytes.as_slice(), DEVICE_SECRET_AAD, &mut OsRng);
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('device_secret', ?1)",
                    params![sealed],
                )?;
                bytes
            }
        };
        tx.commit()?;
        Ok(secret)
    }

    fn import_device_secret(&mut self, secret: &[u8; 32]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sealed = sealed_device_secret(&tx)?;
        if let Some(sealed) = sealed {
            let same = secret::open(&self.key, &sealed, DEVICE_SECRET_AAD)
                .is_ok_and(|held| held.as_slice() == secret.as_slice());
            let relied_on: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM wallets) OR EXISTS (SELECT 1 FROM devices)",
                [],
                |r| r.get(0),
            )?;
            if same {
                return Ok(());
            }
            if relied_on {
                return Err(StoreError::OtherDevice);
            }
        }
        let sealed = secret::seal(&self.key, secret, DEVICE_SECRET_AAD, &mut OsRng);
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('device_secret', ?1)",
            params![sealed],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn devices(&self) -> Result<Vec<PairedDevice>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT endpoint_id, name, addr, paired_at, last_seen FROM devices
             WHERE removed_at IS NULL ORDER BY name, endpoint_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })?;
        rows.map(|r| {
            let (id, name, addr, paired_at, last_seen) = r?;
            let id = records::device_id(&id)?;
            Ok(PairedDevice {
                addr: records::addr(&addr, id)?,
                id,
                name,
                paired_at,
                last_seen,
            })
        })
        .collect()
    }

    fn pair_device(&mut self, device: &PairedDevice, now: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        upsert_device(&tx, device)?;
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, ?1, 'paired', ?2)",
            params![now, format!("paired with {} ({})", device.name, device.id)],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn remove_device(&mut self, id: &EndpointId, now: i64) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let removed = tx.execute(
            "UPDATE devices SET removed_at = ?2 WHERE endpoint_id = ?1 AND removed_at IS NULL",
            params![id.to_string(), now],
        )?;
        if removed > 0 {
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, ?1, 'unpaired', ?2)",
                params![now, format!("removed {id}")],
            )?;
        }
        tx.commit()?;
        Ok(removed > 0)
    }

    fn seen_device(&mut self, id: &EndpointId, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE devices SET last_seen = ?2 WHERE endpoint_id = ?1",
            params![id.to_string(), now],
        )?;
        Ok(())
    }

    fn add_ticket(&mut self, secret: &[u8; 32], expires_at: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO tickets (secret_hash, expires_at) VALUES (?1, ?2)",
            params![secret_hash(secret), expires_at],
        )?;
        Ok(())
    }

    fn has_open_ticket(&self, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM tickets WHERE used_at IS NULL AND expires_at > ?1)",
            [now],
            |r| r.get(0),
        )?)
    }

    fn redeem_ticket(
        &mut self,
        secret: &[u8],
        device: &PairedDevice,
        now: i64,
    ) -> Result<Result<(), TicketRefused>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(i64, Option<i64>)> = tx
            .query_row(
                "SELECT expires_at, used_at FROM tickets WHERE secret_hash = ?1",
                [secret_hash(secret)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let refused = match row {
            None => Some(TicketRefused::Unknown),
            Some((_, Some(_))) => Some(TicketRefused::Used),
            Some((expires, None)) if expires <= now => Some(TicketRefused::Expired),
            Some(_) => None,
        };
        if let Some(refused) = refused {
            return Ok(Err(refused));
        }
        tx.execute(
            "UPDATE tickets SET used_at = ?2, used_by = ?3 WHERE secret_hash = ?1",
            params![secret_hash(secret), now, device.id.to_string()],
        )?;
        upsert_device(&tx, device)?;
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, ?1, 'paired', ?2)",
            params![
                now,
                format!("{} ({}) redeemed a pairing ticket", device.name, device.id)
            ],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    fn known_ids(&self) -> Result<Vec<EndpointId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT endpoint_id FROM devices WHERE removed_at IS NULL
             UNION SELECT endpoint_id FROM peers WHERE endpoint_id NOT IN
                 (SELECT endpoint_id FROM devices WHERE removed_at IS NOT NULL)",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|r| records::device_id(&r?)).collect()
    }

    fn pinned_ids(&self) -> Result<Vec<EndpointId>, StoreError> {
        let mut ids = self.known_ids()?;
        // Proposer-only devices granted on a wallet here; on a proposer-only
        // device, the members of the wallets it proposes to.
        let mut granted = self.conn.prepare_cached(
            "SELECT device FROM team_proposers WHERE active = 1 AND device NOT IN
                 (SELECT endpoint_id FROM devices WHERE removed_at IS NOT NULL)",
        )?;
        for d in granted.query_map([], |r| r.get::<_, String>(0))? {
            ids.push(records::device_id(&d?)?);
        }
        for (_, card) in super::persist::ProposerStore::watched(self)? {
            if card.grant.active {
                ids.extend(card.members.iter().map(|m| m.addr.id));
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    fn is_known(&self, id: &EndpointId) -> Result<bool, StoreError> {
        Ok(self.known_ids()?.contains(id))
    }

    fn bound_port(&self) -> Result<Option<u16>, StoreError> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'port'", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(bytes.and_then(|b| Some(u16::from_be_bytes(b.try_into().ok()?))))
    }

    fn set_bound_port(&mut self, port: u16) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('port', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [port.to_be_bytes().to_vec()],
        )?;
        Ok(())
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [format!("setting:{key}")],
                |r| r.get(0),
            )
            .optional()?;
        Ok(bytes.and_then(|b| String::from_utf8(b).ok()))
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![format!("setting:{key}"), value.as_bytes().to_vec()],
        )?;
        Ok(())
    }
}
