//! [`EventLog`] on SQLite: append-only (triggers refuse UPDATE and DELETE)
//! and hash-chained as it is written (`crate::audit`; schema version 9).

use rusqlite::params;

use super::persist::EventLog;
use super::{Store, StoreError};
use crate::audit::ChainedEvent;
use crate::event::{Event, EventKind};

impl EventLog for Store {
    fn log(
        &mut self,
        wallet: Option<&str>,
        kind: EventKind,
        detail: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            params![wallet, now, kind.name(), detail],
        )?;
        Ok(())
    }

    fn chained_events(&self) -> Result<Vec<ChainedEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, wallet_id, at, kind, detail, prev, hash FROM events ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            let hex_of = |i: usize| -> rusqlite::Result<String> {
                Ok(hex::encode(
                    r.get::<_, Option<Vec<u8>>>(i)?.unwrap_or_default(),
                ))
            };
            Ok(ChainedEvent {
                seq: r.get(0)?,
                wallet: r.get(1)?,
                at: r.get(2)?,
                kind: r.get(3)?,
                detail: r.get(4)?,
                prev: hex_of(5)?,
                hash: hex_of(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn events(&self, wallet: Option<&str>, after: i64) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, wallet_id, at, kind, detail FROM events
             WHERE (?1 IS NULL OR wallet_id = ?1) AND seq > ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![wallet, after], |r| {
            Ok(Event {
                seq: r.get(0)?,
                wallet_id: r.get(1)?,
                at: r.get(2)?,
                kind: EventKind::from_name(&r.get::<_, String>(3)?),
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
