//! Where the wrapping key comes from (the port of issue 4): a passphrase
//! stretched with Argon2id (RFC 9106; 19 MiB, 2 passes — OWASP's minimum for
//! Argon2id), a 32-byte key file (servers), or an environment secret
//! (servers, containers), or a key its caller fetched from the OS keychain
//! (the desktop app owns the keychain binding). A protector never falls
//! back to another one silently.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use super::WrappingKey;

/// The environment variable [`Protector::Env`] reads by default.
pub const ENV_VAR: &str = "ACCORD_WRAPPING_KEY";

/// A source of the wrapping key.
pub enum Protector {
    /// A passphrase, stretched with Argon2id and the store's salt.
    Passphrase(Zeroizing<String>),
    /// A file holding exactly 32 random bytes (or their 64 hex digits).
    KeyFile(PathBuf),
    /// An environment variable holding 64 hex digits.
    Env(String),
    /// 32 random bytes its caller holds (read from the OS keychain).
    Key(Zeroizing<[u8; 32]>),
}

impl core::fmt::Debug for Protector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Protector::Passphrase(_) => f.write_str("Passphrase(<redacted>)"),
            Protector::KeyFile(p) => f.debug_tuple("KeyFile").field(p).finish(),
            Protector::Env(v) => f.debug_tuple("Env").field(v).finish(),
            Protector::Key(_) => f.write_str("Key(<redacted>)"),
        }
    }
}

/// Why no wrapping key could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtectError {
    /// An empty passphrase.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// Argon2 refused (a bug here: parameters are fixed).
    #[error("key derivation failed: {0}")]
    Kdf(String),
    /// The key file cannot be read or created.
    #[error("key file {path}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The environment variable is missing or not 64 hex digits.
    #[error("environment variable {var}: {reason}")]
    Env {
        /// The variable.
        var: String,
        /// Why.
        reason: String,
    },
}

fn parse_key(bytes: &[u8]) -> Option<[u8; 32]> {
    if let Ok(raw) = <[u8; 32]>::try_from(bytes) {
        return Some(raw);
    }
    let text = core::str::from_utf8(bytes).ok()?.trim();
    let mut key = [0u8; 32];
    hex::decode_to_slice(text, &mut key).ok()?;
    Some(key)
}

impl Protector {
    /// The wrapping key, for a store whose Argon2 salt is `salt`.
    pub fn wrapping_key(&self, salt: &[u8; 16]) -> Result<WrappingKey, ProtectError> {
        match self {
            Protector::Passphrase(passphrase) => {
                if passphrase.is_empty() {
                    return Err(ProtectError::EmptyPassphrase);
                }
                let params = Params::new(19 * 1024, 2, 1, Some(32))
                    .map_err(|e| ProtectError::Kdf(e.to_string()))?;
                let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                let mut key = Zeroizing::new([0u8; 32]);
                argon
                    .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
                    .map_err(|e| ProtectError::Kdf(e.to_string()))?;
                Ok(WrappingKey::from_bytes(*key))
            }
            Protector::KeyFile(path) => {
                let err = |reason: String| ProtectError::KeyFile {
                    path: path.display().to_string(),
                    reason,
                };
                let bytes = Zeroizing::new(fs::read(path).map_err(|e| err(e.to_string()))?);
                let key = parse_key(&bytes)
                    .ok_or_else(|| err("expected 32 bytes or 64 hex digits".into()))?;
                Ok(WrappingKey::from_bytes(key))
            }
            Protector::Env(var) => {
                let err = |reason: &str| ProtectError::Env {
                    var: var.clone(),
                    reason: reason.to_owned(),
                };
                let value = Zeroizing::new(std::env::var(var).map_err(|_| err("not set"))?);
                let key =
                    parse_key(value.as_bytes()).ok_or_else(|| err("expected 64 hex digits"))?;
                Ok(WrappingKey::from_bytes(key))
            }
            Protector::Key(key) => Ok(WrappingKey::from_bytes(**key)),
        }
    }
}

/// Creates a key file of 32 random bytes, readable by its owner only;
/// refuses to overwrite an existing one. Written atomically (temporary
/// file, fsync, rename, fsync of the directory).
pub fn create_key_file(
    path: &Path,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(), ProtectError> {
    let err = |reason: String| ProtectError::KeyFile {
        path: path.display().to_string(),
        reason,
    };
    if path.exists() {
        return Err(err("already exists; refusing to overwrite a key".into()));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key")
    ));
    let mut key = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(key.as_mut());
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(|e| err(e.to_string()))?;
    let written = file.write_all(key.as_ref()).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(err(e.to_string()));
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn passphrase_key_is_deterministic_per_salt() {
        let p = Protector::Passphrase(Zeroizing::new("correct horse".into()));
        let a = p.wrapping_key(&[1; 16]).unwrap();
        let b = p.wrapping_key(&[1; 16]).unwrap();
        let c = p.wrapping_key(&[2; 16]).unwrap();
        assert_eq!(a.expose(), b.expose());
        assert_ne!(a.expose(), c.expose());
        let empty = Protector::Passphrase(Zeroizing::new(String::new()));
        assert_eq!(
            empty.wrapping_key(&[1; 16]).unwrap_err(),
            ProtectError::EmptyPassphrase
        );
        assert_eq!(format!("{p:?}"), "Passphrase(<redacted>)");
        let k = Protector::Key(Zeroizing::new([7; 32]));
        assert_eq!(k.wrapping_key(&[1; 16]).unwrap().expose(), &[7; 32]);
        assert_eq!(format!("{k:?}"), "Key(<redacted>)");
    }

    #[test]
    fn key_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrapping.key");
        create_key_file(&path, &mut OsRng).unwrap();
        assert!(
            create_key_file(&path, &mut OsRng).is_err(),
            "never overwrites"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let k = Protector::KeyFile(path.clone())
            .wrapping_key(&[0; 16])
            .unwrap();
        fs::write(dir.path().join("hex.key"), hex::encode(k.expose())).unwrap();
        let h = Protector::KeyFile(dir.path().join("hex.key"))
            .wrapping_key(&[0; 16])
            .unwrap();
        assert_eq!(k.expose(), h.expose());
        fs::write(dir.path().join("bad.key"), b"short").unwrap();
        assert!(
            Protector::KeyFile(dir.path().join("bad.key"))
                .wrapping_key(&[0; 16])
                .is_err()
        );
        assert!(
            Protector::KeyFile(dir.path().join("missing"))
                .wrapping_key(&[0; 16])
                .is_err()
        );
        assert!(matches!(
            Protector::Env("ACCORD_TEST_UNSET_VARIABLE".into()).wrapping_key(&[0; 16]),
            Err(ProtectError::Env { .. })
        ));
    }
}
