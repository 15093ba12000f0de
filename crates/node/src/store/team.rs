//! [`TeamStore`] on SQLite: team proposals, the members' votes (the first
//! vote of a device counts) and the signed result.

use rusqlite::{OptionalExtension, params};

use super::persist::{ProposalDone, StoredProposal, TeamStore};
use super::{Store, StoreError};
use crate::team::{TeamProposal, Vote, VoteKind};

const PROPOSAL_COLUMNS: &str =
    "SELECT id, wallet_id, chain, unsigned, note, created_at, expires_at,
    proposer, received_at, signatures, encoded, txid, done_at FROM team_proposals";

type Row = (
    String,
    TeamProposal,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        TeamProposal {
            wallet_id: r.get(1)?,
            chain: r.get(2)?,
            unsigned: r.get(3)?,
            note: r.get(4)?,
            created_at: r.get(5)?,
            expires_at: r.get(6)?,
            proposer: r.get(7)?,
        },
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
    ))
}

impl Store {
    fn votes_of(&self, id: &str) -> Result<Vec<Vote>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device, kind, reason, at, signature FROM team_votes
             WHERE proposal_id = ?1 ORDER BY arrived, device",
        )?;
        let rows = stmt.query_map(params![id], |r| {
            let kind: String = r.get(1)?;
            Ok(Vote {
                proposal: id.to_owned(),
                device: r.get(0)?,
                kind: if kind == "approve" {
                    VoteKind::Approve
                } else {
                    VoteKind::Reject
                },
                reason: r.get(2)?,
                at: r.get(3)?,
                signature: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn stored(
        &self,
        (id, proposal, received_at, sigs, encoded, txid, done_at): Row,
    ) -> Result<StoredProposal, StoreError> {
        let done = match (sigs, encoded, txid, done_at) {
            (Some(sigs), Some(encoded), Some(txid), Some(at)) => {
                let signatures: Vec<(String, Option<u8>)> = serde_json::from_str(&sigs)
                    .map_err(|e| StoreError::Corrupt(format!("a proposal's signatures: {e}")))?;
                let signatures = signatures
                    .into_iter()
                    .map(|(s, r)| {
                        hex::decode(s).map(|b| (b, r)).map_err(|e| {
                            StoreError::Corrupt(format!("a proposal's signature: {e}"))
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Some(ProposalDone {
                    signatures,
                    encoded,
                    txid,
                    at,
                })
            }
            _ => None,
        };
        let votes = self.votes_of(&id)?;
        Ok(StoredProposal {
            id,
            proposal,
            votes,
            done,
            received_at,
        })
    }
}

impl TeamStore for Store {
    fn add_proposal(&mut self, p: &TeamProposal, now: i64) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO team_proposals (id, wallet_id, chain, unsigned, note,
                 created_at, expires_at, proposer, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                p.id_hex(),
                p.wallet_id,
                p.chain,
                p.unsigned,
                p.note,
                p.created_at,
                p.expires_at,
                p.proposer,
                now
            ],
        )?;
        Ok(n > 0)
    }

    fn add_vote(&mut self, v: &Vote) -> Result<bool, StoreError> {
        let arrived: i64 = self.conn.query_row(
            "SELECT COALESCE(MAX(arrived), 0) + 1 FROM team_votes",
            [],
            |r| r.get(0),
        )?;
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO team_votes (proposal_id, device, kind, reason, at, signature, arrived)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![v.proposal, v.device, v.kind.name(), v.reason, v.at, v.signature, arrived],
        )?;
        Ok(n > 0)
    }

    fn finish_proposal(&mut self, id: &str, done: &ProposalDone) -> Result<bool, StoreError> {
        let sigs: Vec<(String, Option<u8>)> = done
            .signatures
            .iter()
            .map(|(s, r)| (hex::encode(s), *r))
            .collect();
        let n = self.conn.execute(
            "UPDATE team_proposals SET signatures = ?2, encoded = ?3, txid = ?4, done_at = ?5
             WHERE id = ?1 AND done_at IS NULL",
            params![
                id,
                serde_json::to_string(&sigs).unwrap_or_default(),
                done.encoded,
                done.txid,
                done.at
            ],
        )?;
        Ok(n > 0)
    }

    fn team_proposals(&self, wallet_id: Option<&str>) -> Result<Vec<StoredProposal>, StoreError> {
        let rows: Vec<Row> = {
            let mut stmt = self.conn.prepare_cached(&format!(
                "{PROPOSAL_COLUMNS} WHERE (?1 IS NULL OR wallet_id = ?1) ORDER BY created_at, id"
            ))?;
            stmt.query_map(params![wallet_id], row)?
                .collect::<Result<_, _>>()?
        };
        rows.into_iter().map(|r| self.stored(r)).collect()
    }

    fn team_proposal(&self, id: &str) -> Result<Option<StoredProposal>, StoreError> {
        let r = self
            .conn
            .query_row(
                &format!("{PROPOSAL_COLUMNS} WHERE id = ?1"),
                params![id],
                row,
            )
            .optional()?;
        r.map(|r| self.stored(r)).transpose()
    }

    fn unsigned_proposals_for(
        &self,
        wallet_id: &str,
        chain: &str,
        unsigned: &[u8],
    ) -> Result<Vec<StoredProposal>, StoreError> {
        let rows: Vec<Row> = {
            let mut stmt = self.conn.prepare_cached(&format!(
                "{PROPOSAL_COLUMNS} WHERE wallet_id = ?1 AND chain = ?2 AND unsigned = ?3
                 AND done_at IS NULL ORDER BY created_at, id"
            ))?;
            stmt.query_map(params![wallet_id, chain, unsigned], row)?
                .collect::<Result<_, _>>()?
        };
        rows.into_iter().map(|r| self.stored(r)).collect()
    }

    fn team_count(&self, wallet_id: &str) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM team_proposals WHERE wallet_id = ?1",
            params![wallet_id],
            |r| r.get(0),
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn team_wallets(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT wallet_id FROM team_proposals UNION SELECT wallet_id FROM team_proposers",
        )?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    fn team_generation(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT n FROM generations WHERE name = 'team'", [], |r| {
                r.get(0)
            })?)
    }
}
