//! [`SessionJournal`] on SQLite: signing sessions and the nonce journal
//! (a primary key per consumed session part, so a part is signed at most
//! once, also across crashes), finished signatures, bans.

use std::collections::BTreeSet;

use accord_mpc::{Scheme, SessionId, Signature};
use rusqlite::{OptionalExtension, params};

use super::persist::{SessionJournal, SigningBegin, SigningEnd};
use super::records::WalletRecord;
use super::{Store, StoreError};

impl SessionJournal for Store {
    fn begin_signing(&mut self, begin: &SigningBegin<'_>, now: i64) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let conflict = |e: rusqlite::Error, session| match e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StoreError::NonceConsumed(session)
            }
            e => StoreError::Db(e),
        };
        tx.execute(
            "INSERT INTO sessions (id, wallet_id, kind, state, started_at, deadline) VALUES (?1, ?2, 'sign', 'running', ?3, ?4)",
            params![begin.session.0.to_vec(), begin.wallet, now, begin.deadline],
        )
        .map_err(|e| conflict(e, begin.session))?;
        for (part, scheme) in begin.parts {
            tx.execute(
                "INSERT INTO consumed_nonces (session_id, scheme, at) VALUES (?1, ?2, ?3)",
                params![part.0.to_vec(), scheme.code(), now],
            )
            .map_err(|e| conflict(e, *part))?;
        }
        if let Some((digest, spends)) = begin.spends {
            super::policies::record_spends(&tx, begin.wallet, digest, spends, now)?;
            if let Some(intent) = begin.uses {
                super::delayed::mark_used(&tx, begin.wallet, intent, digest)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn end_signing(&mut self, end: &SigningEnd<'_>, now: i64) -> Result<(), StoreError> {
        let (state, detail) = match end.outcome {
            Ok(detail) => ("done", detail),
            Err(reason) => ("aborted", reason),
        };
        let tx = self.conn.transaction()?;
        let updated = tx.execute(
            "UPDATE sessions SET state = ?2, detail = ?3 WHERE id = ?1 AND state = 'running'",
            params![end.session.0.to_vec(), state, detail],
        )?;
        if updated == 0 {
            return Err(StoreError::NotFound("running session with that id".into()));
        }
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            params![end.wallet, now, format!("session_{state}"), detail],
        )?;
        for (scheme, message, signature) in end.signatures {
            tx.execute(
                "INSERT OR IGNORE INTO signatures (wallet_id, scheme, message, signature, recovery_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    end.wallet,
                    scheme.code(),
                    message,
                    signature.to_bytes().to_vec(),
                    signature.recovery_id(),
                    now
                ],
            )?;
        }
        if let Some((scheme, party, reason)) = end.ban {
            tx.execute(
                "INSERT OR IGNORE INTO banned (wallet_id, scheme, party, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![end.wallet, scheme.code(), party, reason, now],
            )?;
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'banned', ?3)",
                params![
                    end.wallet,
                    now,
                    format!("party {party} banned from {scheme}: {reason}")
                ],
            )?;
        }
        if let Some((kind, detail)) = end.event {
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
                params![end.wallet, now, kind.name(), detail],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn seen(&self, session: SessionId) -> Result<bool, StoreError> {
        let id = session.0.to_vec();
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = ?1)
                 OR EXISTS (SELECT 1 FROM consumed_nonces WHERE session_id = ?1)",
            params![id],
            |r| r.get(0),
        )?)
    }

    fn finished_signature(
        &self,
        wallet: &WalletRecord,
        scheme: Scheme,
        message: &[u8],
    ) -> Result<Option<Signature>, StoreError> {
        let row: Option<(Vec<u8>, Option<u8>)> = self
            .conn
            .query_row(
                "SELECT signature, recovery_id FROM signatures WHERE wallet_id = ?1 AND scheme = ?2 AND message = ?3",
                params![wallet.id, scheme.code(), message],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((bytes, recovery_id)) = row else {
            return Ok(None);
        };
        let corrupt = || StoreError::CorruptShare {
            wallet: wallet.name.clone(),
            scheme,
            reason: "a stored signature is malformed".into(),
        };
        let bytes: [u8; 64] = bytes.try_into().map_err(|_| corrupt())?;
        let (r, s) = bytes.split_at(32);
        Ok(Some(match scheme {
            Scheme::FrostTaproot => Signature::Bip340(bytes),
            Scheme::FrostEd25519 => Signature::Ed25519(bytes),
            Scheme::Ecdsa => Signature::Ecdsa {
                r: r.try_into().map_err(|_| corrupt())?,
                s: s.try_into().map_err(|_| corrupt())?,
                recovery_id: recovery_id.ok_or_else(corrupt)?,
            },
        }))
    }

    fn banned(&self, wallet: &WalletRecord, scheme: Scheme) -> Result<BTreeSet<u8>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT party FROM banned WHERE wallet_id = ?1 AND scheme = ?2")?;
        let rows = stmt.query_map(params![wallet.id, scheme.code()], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn recover(&mut self, now: i64) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let interrupted = tx.execute(
            "UPDATE sessions SET state = 'aborted', detail = 'interrupted: the device stopped mid-session' WHERE state = 'running'",
            [],
        )?;
        if interrupted > 0 {
            tx.execute(
                "INSERT INTO events (wallet_id, at, kind, detail) VALUES (NULL, ?1, 'session_aborted', ?2)",
                params![now, format!("{interrupted} session(s) interrupted by a restart")],
            )?;
        }
        tx.commit()?;
        Ok(interrupted)
    }
}
