//! The one error every command returns: a stable machine-readable code
//! and a message for people.

use serde::{Deserialize, Serialize};

/// What kind of failure; stable across versions (the UI branches on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The store is not unlocked yet.
    Locked,
    /// No OS keychain is reachable; the passphrase protector is offered.
    KeychainUnavailable,
    /// The store exists but its wrapping key is gone from the keychain:
    /// the shares cannot be opened.
    KeyMissing,
    /// The passphrase (or key) does not open the store.
    WrongKey,
    /// Something the user typed is not valid.
    InvalidInput,
    /// No such wallet, device, draft or request.
    NotFound,
    /// A chain node (RPC endpoint) failed or answered nonsense.
    Rpc,
    /// Pairing failed.
    Pairing,
    /// Key generation failed.
    Keygen,
    /// Co-signing failed (no quorum, timeouts, a member refused).
    Signing,
    /// The transaction was broadcast but failed or was not confirmed.
    Broadcast,
    /// The local store failed.
    Storage,
    /// Not supported by this build.
    Unsupported,
    /// A bug.
    Internal,
}

/// A device a failure is blamed on (it declined, went silent, misbehaved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CulpritView {
    /// Its party id in the wallet.
    pub party: u8,
    /// Its device id.
    pub device_id: String,
    /// Its name.
    pub name: String,
}

/// A failed command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// The kind.
    pub code: ErrorCode,
    /// One line for people.
    pub message: String,
    /// Whom a failed session blames, if anyone (left out when no one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub culprits: Vec<CulpritView>,
}

impl ApiError {
    /// An error of kind `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            culprits: Vec::new(),
        }
    }

    /// The same error, blaming `culprits`.
    pub fn blaming(mut self, culprits: Vec<CulpritView>) -> Self {
        self.culprits = culprits;
        self
    }
}

impl core::fmt::Display for ApiError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}
