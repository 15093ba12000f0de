//! [`WalletStore`] on SQLite: wallets (usable, or stored before every
//! member confirmed), this device's sealed shares, the group keys (readable
//! without opening a share) and the members.

use std::collections::BTreeMap;

use accord_mpc::{GroupKey, Scheme};
use rand_core::OsRng;
use rusqlite::{OptionalExtension, params};

use super::persist::{WalletState, WalletStore};
use super::records::{
    self, KeygenOutcome, Member, NewWalletOwned, PendingWallet, WalletRecord, group_key_bytes,
    parse_group_key,
};
use super::{SealedShare, Store, StoreError, share_aad};
use crate::secret;
use crate::wire::SessionBytes;

const WALLET_COLUMNS: &str =
    "SELECT id, name, threshold, parties, party, network, created_at, epoch FROM wallets";

type Row = (String, String, u16, u16, u8, String, i64, i64);

fn wallet_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn record(row: Row) -> Result<WalletRecord, StoreError> {
    let (id, name, threshold, parties, party, network, created_at, epoch) = row;
    Ok(WalletRecord {
        epoch: u64::try_from(epoch)
            .map_err(|_| StoreError::Corrupt(format!("the epoch of {id}")))?,
        network: records::network(&network)?,
        id,
        name,
        threshold,
        parties,
        party,
        created_at,
    })
}

impl Store {
    fn one_wallet(
        &self,
        filter: &str,
        value: &str,
        what: String,
    ) -> Result<WalletRecord, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("{WALLET_COLUMNS} WHERE state = 'active' AND {filter} = ?1"),
                [value],
                wallet_row,
            )
            .optional()?
            .ok_or(StoreError::NotFound(what))?;
        record(row)
    }
}

impl WalletStore for Store {
    fn wallets(&self) -> Result<Vec<WalletRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{WALLET_COLUMNS} WHERE state = 'active' ORDER BY name"
        ))?;
        let rows = stmt.query_map([], wallet_row)?;
        rows.map(|r| record(r?)).collect()
    }

    fn wallet(&self, name: &str) -> Result<WalletRecord, StoreError> {
        self.one_wallet("name", name, format!("wallet named {name:?}"))
    }

    fn wallet_by_id(&self, id: &str) -> Result<WalletRecord, StoreError> {
        self.one_wallet("id", id, format!("wallet with id {id}"))
    }

    fn members(&self, wallet: &WalletRecord) -> Result<Vec<Member>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT party, endpoint_id, name, addr, role FROM peers WHERE wallet_id = ?1 ORDER BY party",
        )?;
        let rows = stmt.query_map([&wallet.id], |r| {
            Ok((
                r.get::<_, u8>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        rows.map(|r| {
            let (party, id, name, addr, role) = r?;
            let device = records::device_id(&id)?;
            Ok(Member {
                party,
                device,
                addr: records::addr(&addr, device)?,
                role: records::role(&role, &name),
                name,
            })
        })
        .collect()
    }

    fn group_keys(&self, wallet: &WalletRecord) -> Result<BTreeMap<Scheme, GroupKey>, StoreError> {
        let mut keys = BTreeMap::new();
        for scheme in Scheme::ALL {
            let bytes: Option<Vec<u8>> = self
                .conn
                .query_row(
                    "SELECT public FROM wallet_keys WHERE wallet_id = ?1 AND scheme = ?2",
                    params![wallet.id, scheme.code()],
                    |r| r.get(0),
                )
                .optional()?;
            // Every wallet made here has all three; one made with fewer
            // schemes (the simulations') has what it has.
            let Some(bytes) = bytes else { continue };
            let key = parse_group_key(scheme, &bytes).ok_or_else(|| StoreError::CorruptShare {
                wallet: wallet.name.clone(),
                scheme,
                reason: "stored public key has the wrong length".into(),
            })?;
            keys.insert(scheme, key);
        }
        if keys.is_empty() {
            return Err(StoreError::NotFound(format!(
                "keys of wallet {}",
                wallet.name
            )));
        }
        Ok(keys)
    }

    fn sealed_share(
        &self,
        wallet: &WalletRecord,
        scheme: Scheme,
    ) -> Result<SealedShare, StoreError> {
        let sealed: Vec<u8> = self
            .conn
            .query_row(
                "SELECT sealed FROM shares WHERE wallet_id = ?1 AND scheme = ?2",
                params![wallet.id, scheme.code()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::NotFound(format!("{scheme} share for wallet {}", wallet.name))
            })?;
        Ok(SealedShare {
            sealed,
            key: self.key.clone(),
            wallet_id: wallet.id.clone(),
            wallet_name: wallet.name.clone(),
            party: wallet.party,
            scheme,
        })
    }

    fn store_wallet(
        &mut self,
        new: &NewWalletOwned,
        state: WalletState,
        now: i64,
    ) -> Result<WalletRecord, StoreError> {
        let shares = &new.shares;
        let first = shares.first().ok_or(StoreError::Mismatched("no shares"))?;
        let (params, party) = (first.parameters(), first.party());
        if shares
            .iter()
            .any(|s| s.parameters() != params || s.party() != party)
        {
            return Err(StoreError::Mismatched("different parties or thresholds"));
        }
        let mut schemes: Vec<Scheme> = shares.iter().map(|s| s.scheme()).collect();
        schemes.sort();
        schemes.dedup();
        if schemes.len() != shares.len() {
            return Err(StoreError::Mismatched("two shares of one scheme"));
        }
        let record = WalletRecord {
            id: new.id.clone(),
            name: new.name.clone(),
            threshold: params.threshold(),
            parties: params.parties(),
            party: party.get(),
            network: new.network,
            created_at: now,
            epoch: new.epoch,
        };
        let state_text = match state {
            WalletState::Active => "active",
            WalletState::Pending => "pending",
        };
        let tx = self.conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM wallets WHERE name = ?1 OR id = ?2)",
            params![record.name, record.id],
            |r| r.get(0),
        )?;
        if exists {
            return Err(StoreError::WalletExists(record.name));
        }
        tx.execute(
            "INSERT INTO wallets (id, name, threshold, parties, party, network, created_at, state, session, initiator, epoch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                record.id,
                record.name,
                record.threshold,
                record.parties,
                record.party,
                record.network.name(),
                now,
                state_text,
                new.session.to_vec(),
                new.initiator.to_string(),
                i64::try_from(new.epoch).map_err(|_| StoreError::Mismatched("epoch out of range"))?
            ],
        )?;
        for share in shares {
            let bytes = share
                .to_bytes()
                .map_err(|_| StoreError::Mismatched("a share does not serialize"))?;
            let aad = share_aad(&record.id, share.scheme(), record.party);
            let sealed = secret::seal(&self.key, &bytes, &aad, &mut OsRng);
            tx.execute(
                "INSERT INTO shares (wallet_id, scheme, sealed) VALUES (?1, ?2, ?3)",
                params![record.id, share.scheme().code(), sealed],
            )?;
            tx.execute(
                "INSERT INTO wallet_keys (wallet_id, scheme, public) VALUES (?1, ?2, ?3)",
                params![
                    record.id,
                    share.scheme().code(),
                    group_key_bytes(&share.group_key())
                ],
            )?;
        }
        for m in &new.members {
            tx.execute(
                "INSERT INTO peers (wallet_id, party, endpoint_id, name, addr, role) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    record.id,
                    m.party,
                    m.device.to_string(),
                    m.name,
                    records::addr_text(&m.addr),
                    m.role.name()
                ],
            )?;
        }
        if let Some(doc) = &new.policy {
            super::policies::insert_policy(&tx, &record.id, doc, &new.policy_approval, now)?;
        }
        if state == WalletState::Active {
            created_event(&tx, &record, now)?;
        }
        tx.commit()?;
        Ok(record)
    }

    fn commit_wallet(&mut self, id: &str, now: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let row = tx
            .query_row(
                &format!("{WALLET_COLUMNS} WHERE id = ?1 AND state = 'pending'"),
                [id],
                wallet_row,
            )
            .optional()?;
        if let Some(row) = row {
            let record = record(row)?;
            tx.execute("UPDATE wallets SET state = 'active' WHERE id = ?1", [id])?;
            created_event(&tx, &record, now)?;
        } else {
            let active: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM wallets WHERE id = ?1 AND state = 'active')",
                [id],
                |r| r.get(0),
            )?;
            if !active {
                return Err(StoreError::NotFound(format!("pending wallet with id {id}")));
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn drop_wallet(&mut self, id: &str, reason: &str, now: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let name: Option<String> = tx
            .query_row(
                "SELECT name FROM wallets WHERE id = ?1 AND state = 'pending'",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(name) = name {
            for table in [
                "shares",
                "wallet_keys",
                "peers",
                "policies",
                "policy_statements",
                "policy_versions",
                "spend_ledger",
                "signatures",
                "banned",
                "sessions",
                "team_proposers",
            ] {
                tx.execute(&format!("DELETE FROM {table} WHERE wallet_id = ?1"), [id])?;
            }
            tx.execute("DELETE FROM wallets WHERE id = ?1", [id])?;
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, ?1, 'dropped', ?2)",
                params![
                    now,
                    format!("wallet {name:?} was not created everywhere: {reason}")
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn pending_wallets(&self) -> Result<Vec<PendingWallet>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{}, session, initiator FROM wallets WHERE state = 'pending' ORDER BY name",
            WALLET_COLUMNS.trim_end_matches(" FROM wallets")
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                wallet_row(r)?,
                r.get::<_, Option<Vec<u8>>>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        rows.map(|r| {
            let (row, session, initiator) = r?;
            let record = record(row)?;
            let session: SessionBytes =
                session.and_then(|s| s.try_into().ok()).ok_or_else(|| {
                    StoreError::Corrupt(format!("the session of wallet {}", record.name))
                })?;
            let initiator = records::device_id(initiator.as_deref().unwrap_or_default())?;
            Ok(PendingWallet {
                record,
                session,
                initiator,
            })
        })
        .collect()
    }

    fn keygen_outcome(&self, session: &SessionBytes) -> Result<KeygenOutcome, StoreError> {
        let state: Option<String> = self
            .conn
            .query_row(
                "SELECT state FROM wallets WHERE session = ?1",
                [session.to_vec()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match state.as_deref() {
            Some("active") => KeygenOutcome::Committed,
            Some(_) => KeygenOutcome::Pending,
            None => KeygenOutcome::Unknown,
        })
    }
}

fn created_event(
    tx: &rusqlite::Transaction<'_>,
    w: &WalletRecord,
    now: i64,
) -> rusqlite::Result<usize> {
    tx.execute(
        "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'created', ?3)",
        params![
            w.id,
            now,
            format!("{}-of-{} wallet {:?}", w.threshold, w.parties, w.name)
        ],
    )
}
