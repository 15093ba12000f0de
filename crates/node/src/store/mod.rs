//! The device's store: one SQLite file (WAL, `synchronous=FULL`, foreign
//! keys on). Key shares are sealed under the wrapping key, bound to their
//! wallet, scheme and party; a wrong key is detected at open by a sealed
//! check value, before anything else is read. Every write that matters is
//! one transaction. Opening marks sessions left running by a crash as
//! aborted, so none stays "in progress" forever; consumed nonces are a
//! primary key, so a session can never be signed twice, also across crashes.
//! Time comes in as an argument (seconds since the epoch).

mod devices;
mod schema;
mod wallet_data;

use std::path::Path;

use accord_mpc::{KeyShare, Scheme, SessionId};
use rand_core::{OsRng, RngCore};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use zeroize::Zeroizing;

use crate::secret::{self, ProtectError, Protector, SealError, WrappingKey};

pub use devices::{Device, TicketRefused};
pub use schema::SCHEMA_VERSION;
pub use wallet_data::{Member, NewWallet, group_key_bytes};

const KEY_CHECK: &[u8] = b"accord wrapping key check v1";
const DEVICE_SECRET_AAD: &[u8] = b"device_secret";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed (I/O, a locked or corrupt database file).
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// A database written by a newer Accord.
    #[error("the database has schema version {0}, newer than this build reads ({SCHEMA_VERSION})")]
    NewerSchema(i64),
    /// No wrapping key.
    #[error(transparent)]
    Protector(#[from] ProtectError),
    /// The wrapping key is not the one this store was created with.
    #[error("wrong passphrase or key: it does not open this store")]
    WrongKey,
    /// A wallet of that name exists already.
    #[error("a wallet named {0:?} exists already")]
    WalletExists(String),
    /// No such wallet or share.
    #[error("no {0}")]
    NotFound(String),
    /// A stored share that does not open or does not validate.
    #[error("the {scheme} share of wallet {wallet} is corrupt: {reason}")]
    CorruptShare {
        /// The wallet.
        wallet: String,
        /// The scheme.
        scheme: Scheme,
        /// What was wrong.
        reason: String,
    },
    /// The shares given do not form one wallet.
    #[error("the shares do not belong together: {0}")]
    Mismatched(&'static str),
    /// The sealed device secret does not open or has the wrong length.
    #[error("the device secret is corrupt: {0}")]
    CorruptDeviceSecret(String),
    /// This session's nonces were consumed already.
    #[error("session {0:?} already produced a signature share; it cannot sign again")]
    NonceConsumed(SessionId),
}

/// A wallet as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletRecord {
    /// Its id (hex of 16 random bytes).
    pub id: String,
    /// Its unique name.
    pub name: String,
    /// `t`.
    pub threshold: u16,
    /// `n`.
    pub parties: u16,
    /// This device's party id.
    pub party: u8,
    /// `mainnet`, `testnet`, `signet`, `regtest`.
    pub network: String,
    /// Seconds since the epoch.
    pub created_at: i64,
}

/// One entry of the event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Order of writing.
    pub seq: i64,
    /// The wallet, if any.
    pub wallet_id: Option<String>,
    /// Seconds since the epoch.
    pub at: i64,
    /// `created`, `signed`, `sent`, `rejected`, `failed`, `session_aborted`…
    pub kind: String,
    /// Free text.
    pub detail: String,
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionOutcome {
    /// With a result.
    Done,
    /// Without one.
    Aborted,
}

/// The store, open with its wrapping key.
pub struct Store {
    conn: Connection,
    key: WrappingKey,
}

impl core::fmt::Debug for Store {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

const WALLET_COLUMNS: &str =
    "SELECT id, name, threshold, parties, party, network, created_at FROM wallets";

fn wallet_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WalletRecord> {
    Ok(WalletRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        threshold: r.get(2)?,
        parties: r.get(3)?,
        party: r.get(4)?,
        network: r.get(5)?,
        created_at: r.get(6)?,
    })
}

fn share_aad(wallet: &str, scheme: Scheme, party: u8) -> Vec<u8> {
    format!("accord/share/v1/{wallet}/{}/{party}", scheme.name()).into_bytes()
}

impl Store {
    /// Opens (or creates) the store at `path` with the wrapping key from
    /// `protector`; sessions a crash left running are marked aborted.
    pub fn open(path: &Path, protector: &Protector, now: i64) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn)?.map_err(StoreError::NewerSchema)?;

        let tx = conn.transaction()?;
        let salt: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = 'kdf_salt'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let salt: [u8; 16] = match salt {
            Some(s) => s.try_into().map_err(|_| StoreError::WrongKey)?,
            None => {
                let mut s = [0u8; 16];
                OsRng.fill_bytes(&mut s);
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('kdf_salt', ?1)",
                    params![s.to_vec()],
                )?;
                s
            }
        };
        let key = protector.wrapping_key(&salt)?;
        let check: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match check {
            Some(sealed) => {
                let opened =
                    secret::open(&key, &sealed, b"key_check").map_err(|_| StoreError::WrongKey)?;
                if opened.as_slice() != KEY_CHECK {
                    return Err(StoreError::WrongKey);
                }
            }
            None => {
                let sealed = secret::seal(&key, KEY_CHECK, b"key_check", &mut OsRng);
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('key_check', ?1)",
                    params![sealed],
                )?;
            }
        }
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
        Ok(Store { conn, key })
    }

    /// This device's long-term secret (32 random bytes; its iroh endpoint key,
    /// see `transport::identity`), sealed in `meta` under the key
    /// `device_secret`. Created on the first call, in one transaction; every
    /// later call returns the same bytes, also across reopening.
    pub fn device_secret(&mut self) -> Result<Zeroizing<[u8; 32]>, StoreError> {
        // IMMEDIATE: two processes opening one store cannot both create it.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let sealed: Option<Vec<u8>> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'device_secret'",
                [],
                |r| r.get(0),
            )
            .optional()?;
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

    /// Creates a wallet with this device's shares (one per scheme) and a
    /// fresh random id, in one transaction. Never creates over an existing
    /// wallet of that name.
    pub fn create_wallet(
        &mut self,
        name: &str,
        network: &str,
        shares: &[&KeyShare],
        now: i64,
    ) -> Result<WalletRecord, StoreError> {
        let mut raw = [0u8; 16];
        OsRng.fill_bytes(&mut raw);
        self.create_wallet_with(
            &NewWallet {
                id: hex::encode(raw),
                name,
                network,
                shares,
                members: &[],
            },
            now,
        )
    }

    /// Creates a wallet: its record, this device's sealed shares, the
    /// group's public keys and its members, in one transaction. Never
    /// creates over an existing wallet of that name or id.
    pub fn create_wallet_with(
        &mut self,
        new: &NewWallet<'_>,
        now: i64,
    ) -> Result<WalletRecord, StoreError> {
        let shares = new.shares;
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
        let name = new.name;
        let record = WalletRecord {
            id: new.id.clone(),
            name: name.to_owned(),
            threshold: params.threshold(),
            parties: params.parties(),
            party: party.get(),
            network: new.network.to_owned(),
            created_at: now,
        };
        let tx = self.conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM wallets WHERE name = ?1 OR id = ?2)",
            params![name, record.id],
            |r| r.get(0),
        )?;
        if exists {
            return Err(StoreError::WalletExists(name.to_owned()));
        }
        tx.execute(
            "INSERT INTO wallets (id, name, threshold, parties, party, network, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![record.id, record.name, record.threshold, record.parties, record.party, record.network, now],
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
                    wallet_data::group_key_bytes(&share.group_key())
                ],
            )?;
        }
        for m in new.members {
            tx.execute(
                "INSERT INTO peers (wallet_id, party, endpoint_id, name, addr) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![record.id, m.party, m.endpoint_id, m.name, m.addr],
            )?;
        }
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'created', ?3)",
            params![
                record.id,
                now,
                format!("{}-of-{} wallet {name:?}", record.threshold, record.parties)
            ],
        )?;
        tx.commit()?;
        Ok(record)
    }

    /// Every wallet, by name.
    pub fn wallets(&self) -> Result<Vec<WalletRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("{WALLET_COLUMNS} ORDER BY name"))?;
        let rows = stmt.query_map([], wallet_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The wallet named `name`.
    pub fn wallet(&self, name: &str) -> Result<WalletRecord, StoreError> {
        self.conn
            .query_row(
                &format!("{WALLET_COLUMNS} WHERE name = ?1"),
                [name],
                wallet_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("wallet named {name:?}")))
    }

    /// The wallet with id `id`.
    pub fn wallet_by_id(&self, id: &str) -> Result<WalletRecord, StoreError> {
        self.conn
            .query_row(&format!("{WALLET_COLUMNS} WHERE id = ?1"), [id], wallet_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("wallet with id {id}")))
    }

    /// Opens and validates this device's `scheme` share of `wallet`. A share
    /// that does not open (altered, or moved from another wallet) or does not
    /// validate is an error, and nothing else is touched.
    pub fn share(&self, wallet: &WalletRecord, scheme: Scheme) -> Result<KeyShare, StoreError> {
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
        let corrupt = |reason: String| StoreError::CorruptShare {
            wallet: wallet.name.clone(),
            scheme,
            reason,
        };
        let bytes = secret::open(
            &self.key,
            &sealed,
            &share_aad(&wallet.id, scheme, wallet.party),
        )
        .map_err(|e: SealError| corrupt(e.to_string()))?;
        let share = KeyShare::from_bytes(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if share.scheme() != scheme || share.party().get() != wallet.party {
            return Err(corrupt(
                "the share belongs to another party or scheme".into(),
            ));
        }
        Ok(share)
    }

    /// Records a session as running until `deadline`.
    pub fn begin_session(
        &mut self,
        id: SessionId,
        wallet: &WalletRecord,
        kind: &str,
        now: i64,
        deadline: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sessions (id, wallet_id, kind, state, started_at, deadline) VALUES (?1, ?2, ?3, 'running', ?4, ?5)",
            params![id.0.to_vec(), wallet.id, kind, now, deadline],
        )?;
        Ok(())
    }

    /// Ends a running session, with an event.
    pub fn end_session(
        &mut self,
        id: SessionId,
        outcome: SessionOutcome,
        detail: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let state = match outcome {
            SessionOutcome::Done => "done",
            SessionOutcome::Aborted => "aborted",
        };
        let tx = self.conn.transaction()?;
        let wallet: Option<String> = tx
            .query_row(
                "UPDATE sessions SET state = ?2, detail = ?3 WHERE id = ?1 AND state = 'running' RETURNING wallet_id",
                params![id.0.to_vec(), state, detail],
                |r| r.get(0),
            )
            .optional()?;
        let wallet =
            wallet.ok_or_else(|| StoreError::NotFound("running session with that id".into()))?;
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            params![wallet, now, format!("session_{state}"), detail],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The state of a session (`running`, `done`, `aborted`), if known.
    pub fn session_state(&self, id: SessionId) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT state FROM sessions WHERE id = ?1",
                params![id.0.to_vec()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records a signing session as running and journals the nonces of every
    /// one of its `parts` (derived session id, scheme) as consumed — one
    /// transaction, committed before any signature share leaves the device.
    /// Fails with [`StoreError::NonceConsumed`] (nothing written) if the
    /// session or any part was seen before: a replayed proposal cannot make
    /// this device sign twice.
    pub fn begin_signing(
        &mut self,
        id: SessionId,
        wallet: &WalletRecord,
        parts: &[(SessionId, Scheme)],
        now: i64,
        deadline: i64,
    ) -> Result<(), StoreError> {
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
            params![id.0.to_vec(), wallet.id, now, deadline],
        )
        .map_err(|e| conflict(e, id))?;
        for (part, scheme) in parts {
            tx.execute(
                "INSERT INTO consumed_nonces (session_id, scheme, at) VALUES (?1, ?2, ?3)",
                params![part.0.to_vec(), scheme.code(), now],
            )
            .map_err(|e| conflict(e, *part))?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether the nonces of session (part) `session` were consumed here.
    pub fn nonce_consumed(&self, session: SessionId) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM consumed_nonces WHERE session_id = ?1)",
            params![session.0.to_vec()],
            |r| r.get(0),
        )?)
    }

    /// Journals that `session`'s nonces for `scheme` are being used. Call it
    /// (and let it commit) before the signature share leaves the device: a
    /// second call for the same session fails, also after a crash.
    pub fn consume_nonce(
        &mut self,
        session: SessionId,
        scheme: Scheme,
        now: i64,
    ) -> Result<(), StoreError> {
        match self.conn.execute(
            "INSERT INTO consumed_nonces (session_id, scheme, at) VALUES (?1, ?2, ?3)",
            params![session.0.to_vec(), scheme.code(), now],
        ) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::NonceConsumed(session))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Bans `party` from `scheme` sessions of `wallet` for good.
    pub fn ban(
        &mut self,
        wallet: &WalletRecord,
        scheme: Scheme,
        party: u8,
        reason: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO banned (wallet_id, scheme, party, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![wallet.id, scheme.code(), party, reason, now],
        )?;
        tx.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, 'banned', ?3)",
            params![
                wallet.id,
                now,
                format!("party {party} banned from {scheme}: {reason}")
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether `party` is banned from `scheme` sessions of `wallet`.
    pub fn is_banned(
        &self,
        wallet: &WalletRecord,
        scheme: Scheme,
        party: u8,
    ) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM banned WHERE wallet_id = ?1 AND scheme = ?2 AND party = ?3)",
            params![wallet.id, scheme.code(), party],
            |r| r.get(0),
        )?)
    }

    /// Appends to the event log.
    pub fn log(
        &mut self,
        wallet: Option<&WalletRecord>,
        kind: &str,
        detail: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO events (wallet_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4)",
            params![wallet.map(|w| w.id.as_str()), now, kind, detail],
        )?;
        Ok(())
    }

    /// The event log of `wallet` (or of the device, with `None`), oldest first.
    pub fn events(&self, wallet: Option<&WalletRecord>) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, wallet_id, at, kind, detail FROM events WHERE ?1 IS NULL OR wallet_id = ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![wallet.map(|w| w.id.as_str())], |r| {
            Ok(Event {
                seq: r.get(0)?,
                wallet_id: r.get(1)?,
                at: r.get(2)?,
                kind: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The raw connection, for tests of the store's own guarantees.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
