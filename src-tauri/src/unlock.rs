//! Opening this device's store: where its wrapping key comes from and
//! what to tell the user when it cannot be had.
//!
//! The choice of protector is recorded in `protector.json` beside the
//! store (not a secret: `{"kind":"keychain","entry":…}` or
//! `{"kind":"passphrase"}`), so a store made with the keychain is never
//! silently opened another way, and the key never lives in a plain file.
//! A new device uses the OS keychain; when none is reachable the app says
//! so and offers a passphrase (Argon2id in `accord_node::secret`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use accord_desktop_api::{ApiError, ErrorCode, Lock};
use accord_node::Vault;
use accord_node::facade::OpenError;
use accord_node::secret::Protector;
use accord_node::store::StoreError;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keychain::{self, KeychainError};

/// The record of how the store's key is protected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProtectorRecord {
    /// In the OS keychain under this entry name.
    Keychain {
        /// The entry (user name) under [`keychain::SERVICE`].
        entry: String,
    },
    /// A passphrase the user types.
    Passphrase,
}

impl ProtectorRecord {
    /// `keychain` or `passphrase`.
    pub fn kind(&self) -> &'static str {
        match self {
            ProtectorRecord::Keychain { .. } => "keychain",
            ProtectorRecord::Passphrase => "passphrase",
        }
    }
}

const RECORD: &str = "protector.json";

fn db(dir: &Path) -> PathBuf {
    dir.join("accord.db")
}

fn failed(code: ErrorCode, message: impl Into<String>) -> Lock {
    Lock::Failed {
        error: ApiError::new(code, message),
    }
}

/// The recorded protector of the store in `dir`, if any.
pub fn record(dir: &Path) -> Result<Option<ProtectorRecord>, Lock> {
    let path = dir.join(RECORD);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            failed(
                ErrorCode::Storage,
                format!("{} is not a protector record: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(failed(
            ErrorCode::Storage,
            format!("cannot read {}: {e}", path.display()),
        )),
    }
}

/// Writes the record atomically (temporary file, fsync, rename).
fn write_record(dir: &Path, record: &ProtectorRecord) -> Result<(), Lock> {
    let err = |e: std::io::Error| failed(ErrorCode::Storage, format!("cannot write {RECORD}: {e}"));
    fs::create_dir_all(dir).map_err(err)?;
    let tmp = dir.join(format!(".{RECORD}.tmp"));
    let bytes =
        serde_json::to_vec(record).map_err(|e| failed(ErrorCode::Internal, e.to_string()))?;
    let mut file = fs::File::create(&tmp).map_err(err)?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(err)?;
    fs::rename(&tmp, dir.join(RECORD)).map_err(err)
}

fn open(dir: &Path, protector: &Protector) -> Result<Vault, Lock> {
    Vault::open(dir, protector).map_err(|e| match e {
        OpenError::Store(StoreError::WrongKey) => failed(
            ErrorCode::WrongKey,
            "the key does not open this store (wrong passphrase, or a keychain entry that is not this store's)",
        ),
        other => failed(ErrorCode::Storage, other.to_string()),
    })
}

/// Opens the store in `dir` without asking the user: with the keychain
/// (creating the key on first run), or says what is needed.
pub fn open_automatically(dir: &Path) -> Result<(Vault, ProtectorRecord), Lock> {
    let store_exists = db(dir).exists();
    match record(dir)? {
        Some(ProtectorRecord::Passphrase) => Err(Lock::PassphraseRequired {
            new_store: !store_exists,
        }),
        // A store made elsewhere (the CLI): its passphrase.
        None if store_exists => Err(Lock::PassphraseRequired { new_store: false }),
        None => {
            let mut id = [0u8; 16];
            OsRng.fill_bytes(&mut id);
            let entry = format!("wrapping-key/{}", hex::encode(id));
            let key = keychain::create(&entry).map_err(|e| match e {
                KeychainError::Unavailable(reason) => Lock::KeychainUnavailable {
                    reason,
                    store_exists: false,
                },
                other => failed(ErrorCode::Storage, other.to_string()),
            })?;
            let record = ProtectorRecord::Keychain {
                entry: entry.clone(),
            };
            let opened = write_record(dir, &record).and_then(|()| open(dir, &Protector::Key(key)));
            match opened {
                Ok(store) => Ok((store, record)),
                Err(lock) => {
                    // Undo: no orphaned keychain entry, no record of a
                    // store that was never made.
                    let _ = keychain::remove(&entry);
                    let _ = fs::remove_file(dir.join(RECORD));
                    Err(lock)
                }
            }
        }
        Some(ProtectorRecord::Keychain { entry }) => {
            let key = keychain::load(&entry).map_err(|e| match e {
                KeychainError::Missing(_) | KeychainError::Corrupt(_) => Lock::KeyMissing {
                    reason: format!(
                        "{e}. This device's share cannot be opened without it: restore the \
                         keychain entry, or recover the wallet with your other devices."
                    ),
                },
                KeychainError::Unavailable(reason) => failed(
                    ErrorCode::KeychainUnavailable,
                    format!(
                        "this device's key is in the OS keychain, which is not available now ({reason}); \
                         unlock or start the keychain and restart Accord"
                    ),
                ),
                KeychainError::Failed(reason) => failed(ErrorCode::Storage, reason),
            })?;
            if !store_exists {
                return Err(Lock::KeyMissing {
                    reason: format!("the store {} is gone", db(dir).display()),
                });
            }
            let store = open(dir, &Protector::Key(key))?;
            Ok((store, ProtectorRecord::Keychain { entry }))
        }
    }
}

/// Opens (or creates) the store in `dir` with a passphrase: allowed when
/// the store is passphrase-protected, or — `may_create` — new and no
/// keychain is at hand.
pub fn open_with_passphrase(
    dir: &Path,
    passphrase: Zeroizing<String>,
    may_create: bool,
) -> Result<(Vault, ProtectorRecord), Lock> {
    let store_exists = db(dir).exists();
    if !store_exists {
        if !may_create {
            return Err(failed(
                ErrorCode::InvalidInput,
                "a new store is protected by the OS keychain when there is one; a passphrase only when there is none",
            ));
        }
        if passphrase.chars().count() < 8 {
            return Err(failed(
                ErrorCode::InvalidInput,
                "the passphrase must have at least 8 characters",
            ));
        }
    }
    match record(dir)? {
        Some(ProtectorRecord::Keychain { .. }) => {
            return Err(failed(
                ErrorCode::InvalidInput,
                "this store's key is in the OS keychain; a passphrase cannot open it",
            ));
        }
        Some(ProtectorRecord::Passphrase) => {}
        None if store_exists => {}
        None => write_record(dir, &ProtectorRecord::Passphrase)?,
    }
    let store = open(dir, &Protector::Passphrase(passphrase))?;
    Ok((store, ProtectorRecord::Passphrase))
}
