//! [`ProposerStore`] on SQLite: the grants of proposer-only devices (on a
//! member) and the wallets a proposer-only device may propose to (their
//! cards, as JSON).

use iroh::EndpointAddr;
use rusqlite::{OptionalExtension, params};

use super::persist::ProposerStore;
use super::{Store, StoreError, records};
use crate::team::{Grant, WalletCard};

impl ProposerStore for Store {
    fn add_grant(&mut self, g: &Grant, addr: &EndpointAddr) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "INSERT INTO team_proposers (wallet_id, device, name, active, by, at, signature, addr)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (wallet_id, device) DO UPDATE SET name = excluded.name,
                 active = excluded.active, by = excluded.by, at = excluded.at,
                 signature = excluded.signature, addr = excluded.addr
             WHERE excluded.at > team_proposers.at",
            params![
                g.wallet_id,
                g.device,
                g.name,
                g.active,
                g.by,
                g.at,
                g.signature,
                records::addr_text(addr)
            ],
        )?;
        Ok(n > 0)
    }

    fn grants(&self, wallet_id: &str) -> Result<Vec<(Grant, EndpointAddr)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT device, name, active, by, at, signature, addr FROM team_proposers
             WHERE wallet_id = ?1 ORDER BY at, device",
        )?;
        let rows = stmt.query_map(params![wallet_id], |r| {
            Ok((
                Grant {
                    wallet_id: wallet_id.to_owned(),
                    device: r.get(0)?,
                    name: r.get(1)?,
                    active: r.get(2)?,
                    by: r.get(3)?,
                    at: r.get(4)?,
                    signature: r.get(5)?,
                },
                r.get::<_, String>(6)?,
            ))
        })?;
        rows.map(|r| {
            let (g, addr) = r?;
            let id = records::device_id(&g.device)?;
            Ok((g, records::addr(&addr, id)?))
        })
        .collect()
    }

    fn watch(&mut self, card: &WalletCard, now: i64) -> Result<String, StoreError> {
        let json = serde_json::to_string(card)
            .map_err(|e| StoreError::Corrupt(format!("a wallet card: {e}")))?;
        let tx = self.conn.transaction()?;
        let kept: Option<String> = tx
            .query_row(
                "SELECT name FROM team_watched WHERE id = ?1",
                [&card.id],
                |r| r.get(0),
            )
            .optional()?;
        let name = match kept {
            Some(name) => name,
            None => {
                let taken = |n: &str| -> rusqlite::Result<bool> {
                    tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM wallets WHERE name = ?1)
                             OR EXISTS (SELECT 1 FROM team_watched WHERE name = ?1)",
                        [n],
                        |r| r.get(0),
                    )
                };
                let mut name = card.name.clone();
                let mut i = 2;
                while taken(&name)? {
                    name = format!("{} ({i})", card.name);
                    i += 1;
                }
                name
            }
        };
        tx.execute(
            "INSERT INTO team_watched (id, name, card, received_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET card = excluded.card, received_at = excluded.received_at",
            params![card.id, name, json, now],
        )?;
        tx.commit()?;
        Ok(name)
    }

    fn watched(&self) -> Result<Vec<(String, WalletCard)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, card FROM team_watched ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (name, json) = r?;
            let card = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("the card of wallet {name}: {e}")))?;
            Ok((name, card))
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use iroh::SecretKey;
    use zeroize::Zeroizing;

    use super::*;
    use crate::secret::Protector;
    use crate::store::TeamStore as _;
    use crate::team::{TeamProposal, VoteKind, grant, vote};

    fn protector() -> Protector {
        Protector::Key(Zeroizing::new([3; 32]))
    }

    fn proposal(wallet: &str) -> TeamProposal {
        TeamProposal {
            wallet_id: wallet.into(),
            chain: "ethereum".into(),
            unsigned: vec![2, 1],
            note: String::new(),
            created_at: 10,
            expires_at: 20,
            proposer: "p".into(),
        }
    }

    #[test]
    fn unsigned_proposals_for_one_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("accord.db"), &protector(), 1).unwrap();
        let mut other_tx = proposal("w1");
        other_tx.unsigned = vec![9];
        let mut later = proposal("w1");
        later.created_at = 12;
        let mut signed = proposal("w1");
        signed.created_at = 11;
        for p in [
            proposal("w1"),
            proposal("w2"),
            other_tx,
            later.clone(),
            signed.clone(),
        ] {
            assert!(store.add_proposal(&p, 1).unwrap());
        }
        let done = crate::store::ProposalDone {
            signatures: vec![],
            encoded: "00".into(),
            txid: "t".into(),
            at: 13,
        };
        assert!(store.finish_proposal(&signed.id_hex(), &done).unwrap());
        let ids = |chain: &str, tx: &[u8]| -> Vec<String> {
            store
                .unsigned_proposals_for("w1", chain, tx)
                .unwrap()
                .into_iter()
                .map(|p| p.id)
                .collect()
        };
        assert_eq!(
            ids("ethereum", &[2, 1]),
            [proposal("w1").id_hex(), later.id_hex()]
        );
        assert!(ids("solana", &[2, 1]).is_empty());
        assert!(ids("ethereum", &[2]).is_empty());
    }

    #[test]
    fn a_version_10_store_keeps_its_proposals_and_votes_and_takes_other_wallets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accord.db");
        drop(Store::open(&path, &protector(), 1).unwrap());
        // Back to version 10: proposals must name a wallet held here.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE team_proposers;
             DROP TABLE team_watched;
             DROP TABLE team_votes;
             DROP TABLE team_proposals;
             CREATE TABLE team_proposals (
                 id TEXT PRIMARY KEY, wallet_id TEXT NOT NULL REFERENCES wallets(id),
                 chain TEXT NOT NULL, unsigned BLOB NOT NULL, note TEXT NOT NULL,
                 created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
                 proposer TEXT NOT NULL, received_at INTEGER NOT NULL, signatures TEXT,
                 encoded TEXT, txid TEXT, done_at INTEGER) STRICT;
             CREATE TABLE team_votes (
                 proposal_id TEXT NOT NULL REFERENCES team_proposals(id),
                 device TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL,
                 at INTEGER NOT NULL, signature TEXT NOT NULL, arrived INTEGER NOT NULL,
                 PRIMARY KEY (proposal_id, device)) STRICT;
             INSERT INTO wallets (id, name, threshold, parties, party, network, created_at)
                 VALUES ('w1', 'team', 2, 3, 1, 'regtest', 1);
             PRAGMA user_version = 10;",
        )
        .unwrap();
        let p = proposal("w1");
        let v = vote(
            &SecretKey::from_bytes(&[4; 32]),
            &p,
            VoteKind::Approve,
            "",
            11,
        );
        conn.execute(
            "INSERT INTO team_proposals (id, wallet_id, chain, unsigned, note, created_at,
                 expires_at, proposer, received_at) VALUES (?1, 'w1', 'ethereum', ?2, '', 10, 20, 'p', 10)",
            params![p.id_hex(), p.unsigned],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO team_votes VALUES (?1, ?2, 'approve', '', 11, ?3, 1)",
            params![p.id_hex(), v.device, v.signature],
        )
        .unwrap();
        // A proposal of a wallet not here is refused at version 10.
        assert!(
            conn.execute(
                "INSERT INTO team_proposals (id, wallet_id, chain, unsigned, note, created_at,
                     expires_at, proposer, received_at) VALUES ('x', 'w9', 'ethereum', x'00', '', 1, 2, 'p', 1)",
                [],
            )
            .is_err()
        );
        drop(conn);

        let mut store = Store::open(&path, &protector(), 2).unwrap();
        let kept = store.team_proposals(None).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].proposal, p);
        assert_eq!(kept[0].votes, vec![v]);
        // Version 11: a proposal of a wallet this device only proposes to.
        assert!(store.add_proposal(&proposal("w9"), 3).unwrap());
        assert_eq!(store.team_count("w9").unwrap(), 1);
        // The team's generation still moves on a write.
        let before = store.team_generation().unwrap();
        let mut other = proposal("w9");
        other.note = "another".into();
        store.add_proposal(&other, 3).unwrap();
        assert!(store.team_generation().unwrap() > before);
    }

    #[test]
    fn the_latest_grant_of_a_device_counts() {
        let mut store = Store::in_memory(&protector(), 1).unwrap();
        store
            .conn
            .execute(
                "INSERT INTO wallets (id, name, threshold, parties, party, network, created_at)
                 VALUES ('w1', 'team', 2, 3, 1, 'regtest', 1)",
                [],
            )
            .unwrap();
        let member = SecretKey::from_bytes(&[1; 32]);
        let pat = SecretKey::from_bytes(&[9; 32]).public();
        let device = hex::encode(pat.as_bytes());
        let addr = EndpointAddr::new(pat);
        let granted = grant(&member, "w1", &device, "Pat", true, 10);
        let withdrawn = grant(&member, "w1", &device, "Pat", false, 20);
        assert!(store.add_grant(&granted, &addr).unwrap());
        assert!(store.pinned_ids_contains(pat));
        assert!(store.add_grant(&withdrawn, &addr).unwrap());
        // An older statement arriving late changes nothing.
        assert!(!store.add_grant(&granted, &addr).unwrap());
        let grants = store.grants("w1").unwrap();
        assert_eq!(grants, vec![(withdrawn, addr)]);
        assert!(!store.pinned_ids_contains(pat));
    }

    #[test]
    fn the_team_wallets_are_those_with_proposals_or_grants_and_no_others() {
        let mut store = Store::in_memory(&protector(), 1).unwrap();
        for id in ["w1", "w2", "w3"] {
            store
                .conn
                .execute(
                    "INSERT INTO wallets (id, name, threshold, parties, party, network, created_at)
                     VALUES (?1, ?1, 2, 3, 1, 'regtest', 1)",
                    params![id],
                )
                .unwrap();
        }
        assert!(store.team_wallets().unwrap().is_empty());
        store.add_proposal(&proposal("w1"), 3).unwrap();
        store.add_proposal(&proposal("w9"), 3).unwrap();
        let mut other = proposal("w1");
        other.note = "another".into();
        store.add_proposal(&other, 3).unwrap();
        let member = SecretKey::from_bytes(&[1; 32]);
        let pat = SecretKey::from_bytes(&[9; 32]).public();
        let device = hex::encode(pat.as_bytes());
        let g = grant(&member, "w3", &device, "Pat", true, 10);
        store.add_grant(&g, &EndpointAddr::new(pat)).unwrap();
        let mut ids = store.team_wallets().unwrap();
        ids.sort();
        // w2 has neither; w9 is a wallet this device only proposes to.
        assert_eq!(ids, vec!["w1", "w3", "w9"]);
    }

    impl Store {
        fn pinned_ids_contains(&self, id: iroh::EndpointId) -> bool {
            crate::store::DeviceStore::pinned_ids(self)
                .unwrap()
                .contains(&id)
        }
    }
}
