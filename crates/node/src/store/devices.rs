//! Paired devices and one-time pairing tickets. A ticket's secret is stored
//! only as its SHA-256; redeeming checks expiry and single use and pins the
//! redeemer, in one transaction, so two redemptions of one ticket cannot
//! both succeed, also across processes.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::{Store, StoreError};

/// A device this one is paired with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// Its endpoint id (hex), which is its device id.
    pub endpoint_id: String,
    /// What it calls itself (`phone`, `recovery`, `desktop`, …).
    pub name: String,
    /// How to reach it (JSON of an iroh `EndpointAddr`), as last learned.
    pub addr: String,
    /// Seconds since the epoch.
    pub paired_at: i64,
    /// When a message from it last arrived.
    pub last_seen: Option<i64>,
}

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

impl Store {
    /// Records a ticket with `secret`, valid until `expires_at`.
    pub fn add_ticket(&mut self, secret: &[u8; 32], expires_at: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO tickets (secret_hash, expires_at) VALUES (?1, ?2)",
            params![secret_hash(secret), expires_at],
        )?;
        Ok(())
    }

    /// Whether any ticket is unused and unexpired at `now`.
    pub fn has_open_ticket(&self, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM tickets WHERE used_at IS NULL AND expires_at > ?1)",
            [now],
            |r| r.get(0),
        )?)
    }

    /// Redeems the ticket with `secret` for `device` and pins it: one
    /// transaction, so a ticket pins at most one device.
    pub fn redeem_ticket(
        &mut self,
        secret: &[u8],
        device: &Device,
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
            params![secret_hash(secret), now, device.endpoint_id],
        )?;
        upsert_device(&tx, device)?;
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, ?1, 'paired', ?2)",
            params![
                now,
                format!(
                    "{} ({}) redeemed a pairing ticket",
                    device.name, device.endpoint_id
                )
            ],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Pins `device` (the redeemer's side of pairing, or an update of its
    /// address).
    pub fn pair_device(&mut self, device: &Device, now: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        upsert_device(&tx, device)?;
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, ?1, 'paired', ?2)",
            params![
                now,
                format!("paired with {} ({})", device.name, device.endpoint_id)
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every paired device, by name.
    pub fn devices(&self) -> Result<Vec<Device>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT endpoint_id, name, addr, paired_at, last_seen FROM devices ORDER BY name, endpoint_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Device {
                endpoint_id: r.get(0)?,
                name: r.get(1)?,
                addr: r.get(2)?,
                paired_at: r.get(3)?,
                last_seen: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Unpairs a device (its wallet memberships stay recorded, but it is no
    /// longer let in unless it is a member of a wallet).
    pub fn remove_device(&mut self, endpoint_id: &str, now: i64) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let removed = tx.execute("DELETE FROM devices WHERE endpoint_id = ?1", [endpoint_id])?;
        if removed > 0 {
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, ?1, 'unpaired', ?2)",
                params![now, format!("unpaired {endpoint_id}")],
            )?;
        }
        tx.commit()?;
        Ok(removed > 0)
    }

    /// Notes that `endpoint_id` was heard from at `now`.
    pub fn seen(&mut self, endpoint_id: &str, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE devices SET last_seen = ?2 WHERE endpoint_id = ?1",
            params![endpoint_id, now],
        )?;
        Ok(())
    }

    /// The UDP port this device listened on last (loopback mode keeps it,
    /// so peers find a restarted device where they left it).
    pub fn bound_port(&self) -> Result<Option<u16>, StoreError> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'port'", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(bytes.and_then(|b| Some(u16::from_be_bytes(b.try_into().ok()?))))
    }

    /// Remembers the UDP port.
    pub fn set_bound_port(&mut self, port: u16) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('port', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [port.to_be_bytes().to_vec()],
        )?;
        Ok(())
    }

    /// A text setting of this device (e.g. `name`), if set.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
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

    /// Sets a text setting.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![format!("setting:{key}"), value.as_bytes().to_vec()],
        )?;
        Ok(())
    }

    /// Every endpoint id to let in: paired devices and members of wallets.
    pub fn pinned_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT endpoint_id FROM devices UNION SELECT endpoint_id FROM peers")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn upsert_device(tx: &rusqlite::Transaction<'_>, device: &Device) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO devices (endpoint_id, name, addr, paired_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (endpoint_id) DO UPDATE SET name = excluded.name, addr = excluded.addr",
        params![
            device.endpoint_id,
            device.name,
            device.addr,
            device.paired_at,
            device.last_seen
        ],
    )
}
