//! The device's wrapping key in the OS keychain, through the `keyring`
//! crate: Secret Service (D-Bus) on Linux, Keychain Services on macOS,
//! Credential Manager on Windows. The key is 32 random bytes made here;
//! it wraps the encrypted share files of `accord-node` (see
//! `accord_node::secret`). It never leaves this process except into the
//! keychain, and is zeroized after use.

use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

/// The keychain service every entry of the app is filed under.
pub const SERVICE: &str = "org.accord.desktop";

/// Why the keychain could not give or keep the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    /// No keychain is reachable (no Secret Service on the session bus, no
    /// session bus, a locked keychain that cannot prompt).
    #[error("no OS keychain is available: {0}")]
    Unavailable(String),
    /// The keychain works but holds no such entry.
    #[error("the keychain has no entry {0:?}")]
    Missing(String),
    /// The entry holds something that is not a 32-byte key.
    #[error("the keychain entry {0:?} does not hold a 32-byte key")]
    Corrupt(String),
    /// The keychain refused an operation.
    #[error("the keychain failed: {0}")]
    Failed(String),
}

fn classify(entry: &str, e: keyring::Error) -> KeychainError {
    use keyring::Error as K;
    match e {
        K::NoEntry => KeychainError::Missing(entry.to_owned()),
        K::NoDefaultStore => KeychainError::Unavailable(match keyring::Entry::store_status() {
            Err(cause) => cause.to_string(),
            Ok(()) => "no default credential store".into(),
        }),
        K::NoStorageAccess(cause) | K::PlatformFailure(cause) => {
            KeychainError::Unavailable(cause.to_string())
        }
        other => KeychainError::Failed(other.to_string()),
    }
}

fn entry(name: &str) -> Result<keyring::Entry, KeychainError> {
    keyring::Entry::new(SERVICE, name).map_err(|e| classify(name, e))
}

/// Whether a keychain answers: `Err(Unavailable)` if not. Reads entry
/// `name` (which need not exist).
pub fn probe(name: &str) -> Result<(), KeychainError> {
    match entry(name)?.get_secret() {
        Ok(mut bytes) => {
            zeroize::Zeroize::zeroize(&mut bytes);
            Ok(())
        }
        Err(e) => match classify(name, e) {
            KeychainError::Missing(_) => Ok(()),
            other => Err(other),
        },
    }
}

/// Makes a new random key and stores it as entry `name` (refusing to
/// replace an existing entry: that would orphan a store).
pub fn create(name: &str) -> Result<Zeroizing<[u8; 32]>, KeychainError> {
    let e = entry(name)?;
    match e.get_secret() {
        Ok(mut old) => {
            zeroize::Zeroize::zeroize(&mut old);
            return Err(KeychainError::Failed(format!(
                "entry {name:?} exists already; refusing to replace a key"
            )));
        }
        Err(keyring::Error::NoEntry) => {}
        Err(other) => return Err(classify(name, other)),
    }
    let mut key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(key.as_mut());
    e.set_secret(key.as_ref()).map_err(|e| classify(name, e))?;
    // Read it back: a keychain that accepts and forgets is no keychain.
    let back = load(name)?;
    if *back != *key {
        return Err(KeychainError::Failed(
            "the keychain returned a different key than was stored".into(),
        ));
    }
    Ok(key)
}

/// The key stored as entry `name`.
pub fn load(name: &str) -> Result<Zeroizing<[u8; 32]>, KeychainError> {
    let bytes = Zeroizing::new(entry(name)?.get_secret().map_err(|e| classify(name, e))?);
    let key = <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| KeychainError::Corrupt(name.to_owned()))?;
    Ok(Zeroizing::new(key))
}

/// Deletes entry `name`.
pub fn remove(name: &str) -> Result<(), KeychainError> {
    entry(name)?
        .delete_credential()
        .map_err(|e| classify(name, e))
}
