//! The device's store, embedded SQLite (one file, WAL, `synchronous=FULL`,
//! foreign keys on, the file 0600 in a 0700 directory), behind the
//! persister traits of [`persist`]. Key shares are sealed under the
//! wrapping key (XChaCha20-Poly1305), bound to their wallet, scheme and
//! party; a wrong key is detected at open by a sealed check value, before
//! anything else is read. Every write that matters is one transaction. A
//! node starting on it marks sessions a crash left running as aborted
//! ([`SessionJournal::recover`] — not a mere open: a command reading the
//! store beside a running daemon must not end the daemon's sessions), so
//! none stays "in progress" forever; consumed nonces are a primary key, so a
//! session can never be signed twice, also across crashes. Time comes in as
//! an argument (seconds since the epoch).

mod delayed;
mod devices;
mod epochs;
mod events;
mod journal;
pub mod persist;
mod policies;
mod proposers;
mod records;
mod schema;
mod sealed_share;
mod team;
mod wallets;

use std::path::Path;

use accord_mpc::{Scheme, SessionId};
use rand_core::{OsRng, RngCore};
use rusqlite::{Connection, OptionalExtension, params};

use crate::secret::{self, ProtectError, Protector, WrappingKey};

pub use delayed::QueuedTransfer;
pub use devices::TicketRefused;
pub use epochs::{NewEpoch, PendingEpoch};
pub use persist::{
    DeviceStore, EpochStore, EventLog, Persist, PolicyStore, ProposalDone, ProposerStore,
    SessionJournal, SigningBegin, SigningEnd, StoredProposal, TeamStore, WalletState, WalletStore,
};
pub(crate) use records::parse_group_key;
pub use records::{
    KeygenOutcome, Member, NewWalletOwned, PairedDevice, PendingWallet, WalletRecord,
    group_key_bytes,
};
pub use schema::SCHEMA_VERSION;
pub use sealed_share::SealedShare;

/// A member's role as stored (`desktop`, `phone`, `recovery`, `member`),
/// else guessed from its name.
pub fn role_of(text: &str, name: &str) -> crate::session::Role {
    records::role(text, name)
}

const KEY_CHECK: &[u8] = b"accord wrapping key check v1";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed (I/O, a locked or corrupt database file).
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// The data directory or file could not be created or protected.
    #[error("cannot set up {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
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
    /// A stored record that does not parse.
    #[error("a stored record is corrupt: {0}")]
    Corrupt(String),
    /// The shares given do not form one wallet.
    #[error("the shares do not belong together: {0}")]
    Mismatched(&'static str),
    /// The sealed device secret does not open or has the wrong length.
    #[error("the device secret is corrupt: {0}")]
    CorruptDeviceSecret(String),
    /// The data directory is another device's: it holds an identity that
    /// wallets or paired devices rely on.
    #[error(
        "this data directory is another device's (it holds wallets or paired devices); use an empty one"
    )]
    OtherDevice,
    /// This session's nonces were consumed already.
    #[error("session {0:?} already produced a signature share; it cannot sign again")]
    NonceConsumed(SessionId),
}

/// The SQLite store, open with its wrapping key.
pub struct Store {
    conn: Connection,
    key: std::sync::Arc<WrappingKey>,
}

impl core::fmt::Debug for Store {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// Creates `path` readable by its owner only (0600), or makes an existing
/// file so.
#[cfg(unix)]
fn owner_only_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let io = |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)
}

#[cfg(not(unix))]
fn owner_only_file(_path: &Path) -> Result<(), StoreError> {
    Ok(())
}

/// Creates the directory `dir` (and its parents) accessible by its owner
/// only (0700), or makes an existing one so.
pub fn owner_only_dir(dir: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: dir.display().to_string(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(io)
    }
}

pub(crate) fn share_aad(wallet: &str, scheme: Scheme, party: u8) -> Vec<u8> {
    format!("accord/share/v1/{wallet}/{}/{party}", scheme.name()).into_bytes()
}

impl Store {
    /// Opens (or creates) the store at `path` (the file 0600; SQLite gives
    /// its WAL the same mode) with the wrapping key from `protector`.
    pub fn open(path: &Path, protector: &Protector, now: i64) -> Result<Self, StoreError> {
        owner_only_file(path)?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Every query of a co-signature is parsed once per connection.
        conn.set_prepared_statement_cache_capacity(128);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Self::setup(conn, protector, now)
    }

    /// The connection, for tests that set up rows directly.
    #[cfg(test)]
    pub(crate) fn conn_for_tests(&self) -> &Connection {
        &self.conn
    }

    /// A store in memory (simulations and tests): the same schema and rules,
    /// nothing on disk. What it committed survives [`SessionJournal::recover`],
    /// which is what a restart does.
    pub fn in_memory(protector: &Protector, now: i64) -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory()?, protector, now)
    }

    fn setup(mut conn: Connection, protector: &Protector, now: i64) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::register_functions(&conn)?;
        // What is deleted (the shares of an epoch left behind) is
        // overwritten, not left in free pages.
        conn.pragma_update(None, "secure_delete", true)?;
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
        tx.commit()?;
        let _ = now;
        Ok(Store {
            conn,
            key: std::sync::Arc::new(key),
        })
    }
}
