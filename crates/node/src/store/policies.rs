//! [`PolicyStore`] on SQLite: every version of a wallet's policy this
//! device received, the member devices' signed statements about each, and
//! the spend ledger. Nothing here decides what is in force: that is
//! [`crate::policy::resolve`], which verifies every signature, so a row
//! written into the database by hand is never enforced.

use accord_chains::Chain;
use rusqlite::params;

use super::persist::PolicyStore;
use super::records::WalletRecord;
use super::{Store, StoreError};
use crate::policy::PolicyDocument;
use crate::policy::ledger::{LedgerEntry, Spend};
use crate::policy::resolve::StoredVersion;
use crate::policy::signed::{Endorsement, Statement};

fn statement_name(s: Statement) -> &'static str {
    match s {
        Statement::Approve => "approve",
        Statement::Cancel => "cancel",
    }
}

impl PolicyStore for Store {
    fn policy_versions(&self, wallet: &WalletRecord) -> Result<Vec<StoredVersion>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT hash, document, received_at FROM policy_versions
             WHERE wallet_id = ?1 ORDER BY received_at, version, hash",
        )?;
        let rows = stmt
            .query_map([&wallet.id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        let mut statements = self.conn.prepare_cached(
            "SELECT device, statement, signature, at FROM policy_statements
             WHERE wallet_id = ?1 AND hash = ?2 ORDER BY at, device",
        )?;
        for (hash, text, received_at) in rows {
            // A document that no longer parses, or is not the one its
            // statements were kept for (edited in place), makes the whole
            // policy unreadable: falling back to the version before it (a
            // looser one, perhaps) is what an edit would be made for.
            let document = PolicyDocument::from_json(&text)
                .ok()
                .filter(|d| d.hash_hex() == hash)
                .ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "a policy version of wallet {} was altered in the store",
                        wallet.name
                    ))
                })?;
            let said = statements
                .query_map(params![wallet.id, hash], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter_map(|(device, statement, signature, at)| {
                    let statement = match statement.as_str() {
                        "approve" => Statement::Approve,
                        "cancel" => Statement::Cancel,
                        _ => return None,
                    };
                    Some((
                        Endorsement {
                            device,
                            statement,
                            signature,
                        },
                        u64::try_from(at).unwrap_or(0),
                    ))
                })
                .collect();
            out.push(StoredVersion {
                document,
                statements: said,
                received_at: u64::try_from(received_at).unwrap_or(0),
            });
        }
        Ok(out)
    }

    fn add_policy(
        &mut self,
        wallet: &WalletRecord,
        document: &PolicyDocument,
        statements: &[Endorsement],
        now: i64,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let added = insert_policy(&tx, &wallet.id, document, statements, now)?;
        tx.commit()?;
        Ok(added)
    }

    fn holds_policy(
        &self,
        wallet: &WalletRecord,
        document: &PolicyDocument,
        statements: &[Endorsement],
    ) -> Result<bool, StoreError> {
        let hash = document.hash_hex();
        let known: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM policy_versions WHERE wallet_id = ?1 AND hash = ?2)",
            params![wallet.id, hash],
            |r| r.get(0),
        )?;
        if !known {
            return Ok(false);
        }
        let mut held = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM policy_statements WHERE wallet_id = ?1 AND hash = ?2
                 AND device = ?3 AND statement = ?4 AND signature = ?5)",
        )?;
        for e in statements {
            let has: bool = held.query_row(
                params![
                    wallet.id,
                    hash,
                    e.device,
                    statement_name(e.statement),
                    e.signature
                ],
                |r| r.get(0),
            )?;
            if !has {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn policy_generation(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT n FROM generations WHERE name = 'policy'", [], |r| {
                r.get(0)
            })?)
    }

    fn delayed(&self, wallet: &WalletRecord) -> Result<Vec<super::QueuedTransfer>, StoreError> {
        self.read_delayed(wallet)
    }

    fn queue_delayed(
        &mut self,
        wallet_id: &str,
        origin: &str,
        transfer: &crate::policy::DelayedTransfer,
    ) -> Result<bool, StoreError> {
        self.write_delayed(wallet_id, origin, transfer)
    }

    fn cancel_delayed(
        &mut self,
        wallet_id: &str,
        intent: &crate::policy::Intent,
        cancel: &Endorsement,
        now: i64,
    ) -> Result<bool, StoreError> {
        self.write_cancel(wallet_id, intent, cancel, now)
    }

    fn spends(&self, wallet: &WalletRecord, since: i64) -> Result<Vec<LedgerEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT chain, chain_id, asset, amount, at, tx FROM spend_ledger
             WHERE wallet_id = ?1 AND at > ?2 ORDER BY at",
        )?;
        let rows = stmt
            .query_map(params![wallet.id, since], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(chain, chain_id, asset, amount, at, tx)| {
                let corrupt = || StoreError::Corrupt(format!("a spend of wallet {}", wallet.name));
                let chain: Chain = chain.parse().map_err(|_| corrupt())?;
                let amount = crate::policy::document::parse_units(&amount).ok_or_else(corrupt)?;
                Ok(LedgerEntry {
                    spend: Spend {
                        chain,
                        chain_id: chain_id.and_then(|id| u64::try_from(id).ok()),
                        asset,
                        amount,
                    },
                    at: u64::try_from(at).unwrap_or(0),
                    tx: tx.try_into().map_err(|_| corrupt())?,
                })
            })
            .collect()
    }
}

/// Keeps `document` (once) and `statements` about it within `tx`; how
/// many rows were new.
pub(super) fn insert_policy(
    tx: &rusqlite::Transaction<'_>,
    wallet: &str,
    document: &PolicyDocument,
    statements: &[Endorsement],
    now: i64,
) -> Result<usize, StoreError> {
    let hash = document.hash_hex();
    let version = i64::try_from(document.version).unwrap_or(i64::MAX);
    let mut added = tx.execute(
        "INSERT OR IGNORE INTO policy_versions (wallet_id, hash, version, document, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![wallet, hash, version, document.to_json(), now],
    )?;
    for e in statements {
        added += tx.execute(
            "INSERT OR IGNORE INTO policy_statements (wallet_id, hash, device, statement, signature, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                wallet,
                hash,
                e.device,
                statement_name(e.statement),
                e.signature,
                now
            ],
        )?;
    }
    Ok(added)
}

/// Writes `spends` of transaction `tx` within `db` (the nonce journal's
/// transaction): a transaction already recorded adds nothing, so a retry
/// cannot spend a window twice.
pub(super) fn record_spends(
    db: &rusqlite::Transaction<'_>,
    wallet: &str,
    tx: &[u8; 32],
    spends: &[Spend],
    now: i64,
) -> Result<(), StoreError> {
    for s in spends {
        db.execute(
            "INSERT OR IGNORE INTO spend_ledger (wallet_id, tx, chain, chain_id, asset, amount, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                wallet,
                tx.to_vec(),
                s.chain.to_string(),
                s.chain_id.and_then(|id| i64::try_from(id).ok()),
                s.asset,
                s.amount.to_string(),
                now
            ],
        )?;
    }
    Ok(())
}
