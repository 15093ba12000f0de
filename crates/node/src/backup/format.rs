//! The backup file: one device's part of one wallet, sealed under a
//! passphrase.
//!
//! Layout (version 1): `"ACCORDBK"` ‖ version `1` ‖ header length (u32,
//! big-endian, at most [`MAX_HEADER`]) ‖ header (JSON) ‖ 24-byte nonce ‖
//! ciphertext and tag. The secret part is sealed with XChaCha20-Poly1305
//! (RFC 8439 with the 192-bit-nonce XChaCha construction) under a key
//! derived from the passphrase with Argon2id (RFC 9106); the whole header
//! — wallet, party, epoch, group keys, members, this device's id and the
//! KDF parameters — is the associated data, so nothing in it can be changed
//! without the file failing to open. The KDF parameters are read back only
//! within floors and ceilings ([`Kdf::check`]): a file cannot make a
//! restore take a gigabyte and an hour, nor weaken the key derivation.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The file's magic bytes.
const MAGIC: &[u8; 8] = b"ACCORDBK";

/// The format version this build writes and reads.
pub const VERSION: u8 = 1;

/// The longest header read.
pub const MAX_HEADER: usize = 64 * 1024;

/// The longest file read (three shares, a policy history, a header).
pub const MAX_FILE: usize = 16 * 1024 * 1024;

const NONCE_LEN: usize = 24;

/// Poly1305's tag.
const TAG_LEN: usize = 16;

/// Argon2id's memory for new backups: 64 MiB.
pub const KDF_MEMORY_KIB: u32 = 64 * 1024;

/// Argon2id's passes for new backups.
pub const KDF_PASSES: u32 = 3;

/// What is read back: at least these (nothing weaker is accepted)...
const MIN_MEMORY_KIB: u32 = 64 * 1024;
const MIN_PASSES: u32 = 3;
/// ...and at most these (a hostile file cannot make a restore hang).
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_PASSES: u32 = 16;
const MAX_LANES: u32 = 8;

/// The key derivation's parameters, as written in the header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kdf {
    /// Always `argon2id`.
    pub algorithm: String,
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub passes: u32,
    /// Lanes.
    pub lanes: u32,
    /// The salt (hex, 16 bytes).
    pub salt: String,
}

impl Kdf {
    /// The parameters of a new backup, with a fresh salt.
    pub fn new(rng: &mut (impl RngCore + CryptoRng)) -> Kdf {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        Kdf {
            algorithm: "argon2id".into(),
            memory_kib: KDF_MEMORY_KIB,
            passes: KDF_PASSES,
            lanes: 1,
            salt: hex::encode(salt),
        }
    }

    /// Checks the parameters are within the floors and ceilings.
    pub fn check(&self) -> Result<(), BackupError> {
        let bad = |what: String| Err(BackupError::Kdf(what));
        if self.algorithm != "argon2id" {
            return bad(format!("unknown key derivation {:?}", self.algorithm));
        }
        if !(MIN_MEMORY_KIB..=MAX_MEMORY_KIB).contains(&self.memory_kib) {
            return bad(format!(
                "memory {} KiB is outside {MIN_MEMORY_KIB}..={MAX_MEMORY_KIB}",
                self.memory_kib
            ));
        }
        if !(MIN_PASSES..=MAX_PASSES).contains(&self.passes) {
            return bad(format!(
                "{} passes is outside {MIN_PASSES}..={MAX_PASSES}",
                self.passes
            ));
        }
        if !(1..=MAX_LANES).contains(&self.lanes) {
            return bad(format!("{} lanes is outside 1..={MAX_LANES}", self.lanes));
        }
        if hex::decode(&self.salt).map(|s| s.len()) != Ok(16) {
            return bad("the salt is not 16 bytes of hex".into());
        }
        Ok(())
    }

    fn key(&self, passphrase: &str) -> Result<Zeroizing<[u8; 32]>, BackupError> {
        self.check()?;
        if passphrase.is_empty() {
            return Err(BackupError::EmptyPassphrase);
        }
        let salt = hex::decode(&self.salt).map_err(|_| BackupError::Kdf("salt".into()))?;
        let params = Params::new(self.memory_kib, self.passes, self.lanes, Some(32))
            .map_err(|e| BackupError::Kdf(e.to_string()))?;
        let mut key = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut())
            .map_err(|e| BackupError::Kdf(e.to_string()))?;
        Ok(key)
    }
}

/// A member as the header records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberEntry {
    /// Its party index.
    pub party: u8,
    /// Its device id (hex).
    pub device: String,
    /// Its name.
    pub name: String,
    /// How to reach it (iroh's endpoint address, JSON).
    pub addr: serde_json::Value,
    /// `desktop`, `phone`, `recovery`, `member`.
    pub role: String,
}

/// The header: public, authenticated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The wallet's id.
    pub wallet_id: String,
    /// Its name.
    pub name: String,
    /// Its network.
    pub network: String,
    /// Signatures needed.
    pub threshold: u16,
    /// Members.
    pub parties: u16,
    /// This device's party.
    pub party: u8,
    /// The key epoch the shares belong to (0 until a refresh).
    pub epoch: u64,
    /// The group key of each scheme (scheme name → hex).
    pub group_keys: std::collections::BTreeMap<String, String>,
    /// Every member, this device included.
    pub members: Vec<MemberEntry>,
    /// This device's id (hex): the restored device is the same device to
    /// its peers.
    pub device: String,
    /// When it was made (seconds since the epoch).
    pub created_at: u64,
    /// The key derivation.
    pub kdf: Kdf,
    /// The length of the sealed part (set by [`seal`]): a truncated file
    /// says so instead of failing to open.
    pub sealed_len: u64,
}

/// The sealed part.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// Each scheme's share ([`accord_mpc::KeyShare::to_bytes`], hex), by
    /// scheme name.
    pub shares: std::collections::BTreeMap<String, String>,
    /// The device's identity secret key (hex).
    pub device_secret: String,
    /// The wallet's policy versions and the statements about them (public,
    /// carried so the restored device enforces what its members agreed).
    pub policy: Vec<PolicyEntry>,
}

impl Drop for Secrets {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        for v in self.shares.values_mut() {
            v.zeroize();
        }
        self.device_secret.zeroize();
    }
}

impl core::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Secrets").finish_non_exhaustive()
    }
}

/// One policy version in a backup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    /// The document (JSON).
    pub document: String,
    /// Members' statements about it.
    pub statements: Vec<crate::policy::Endorsement>,
}

/// Why a backup cannot be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// Not a backup of this format.
    #[error("not an Accord backup file")]
    NotABackup,
    /// A version this build does not read.
    #[error("backup format version {0} is not one this build reads (it reads {VERSION})")]
    Version(u8),
    /// Shorter than its header says.
    #[error("the backup file is truncated")]
    Truncated,
    /// Larger than any backup.
    #[error("the file is larger than any backup ({0} bytes)")]
    TooLarge(usize),
    /// The header is not valid.
    #[error("the backup's header is not valid: {0}")]
    Header(String),
    /// Key derivation parameters out of bounds, or failing.
    #[error("the backup's key derivation: {0}")]
    Kdf(String),
    /// No passphrase.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// The wrong passphrase, or altered bytes.
    #[error("the backup does not open: wrong passphrase, or the file was altered")]
    Authentication,
    /// The sealed part is not valid (after it opened).
    #[error("the backup's contents are not valid: {0}")]
    Contents(String),
}

/// Seals `secrets` under `passphrase` with `header` (whose `kdf` is used).
pub fn seal(
    header: &Header,
    secrets: &Secrets,
    passphrase: &str,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Vec<u8>, BackupError> {
    let plain = Zeroizing::new(
        serde_json::to_vec(secrets).map_err(|e| BackupError::Contents(e.to_string()))?,
    );
    let header = Header {
        sealed_len: u64::try_from(plain.len() + TAG_LEN).unwrap_or(u64::MAX),
        ..header.clone()
    };
    let head = serde_json::to_vec(&header).map_err(|e| BackupError::Header(e.to_string()))?;
    if head.len() > MAX_HEADER {
        return Err(BackupError::Header("too large".into()));
    }
    let key = header.kdf.key(passphrase)?;
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let sealed = XChaCha20Poly1305::new((&*key).into())
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &plain,
                aad: &head,
            },
        )
        .map_err(|_| BackupError::Contents("encryption failed".into()))?;
    let mut out = Vec::with_capacity(MAGIC.len() + 5 + head.len() + NONCE_LEN + sealed.len());
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    // At most MAX_HEADER: fits.
    out.extend_from_slice(&u32::try_from(head.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The header of `file`, unauthenticated (to show what a file claims to be
/// before asking for its passphrase); [`open`] authenticates it.
pub fn peek(file: &[u8]) -> Result<Header, BackupError> {
    split(file).map(|(header, _, _, _)| header)
}

type Parts<'a> = (Header, &'a [u8], [u8; NONCE_LEN], &'a [u8]);

fn split(file: &[u8]) -> Result<Parts<'_>, BackupError> {
    if file.len() > MAX_FILE {
        return Err(BackupError::TooLarge(file.len()));
    }
    let rest = file
        .strip_prefix(MAGIC.as_slice())
        .ok_or(BackupError::NotABackup)?;
    let (&version, rest) = rest.split_first().ok_or(BackupError::Truncated)?;
    if version != VERSION {
        return Err(BackupError::Version(version));
    }
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or(BackupError::Truncated)?;
    let len = usize::try_from(u32::from_be_bytes(*len)).unwrap_or(usize::MAX);
    if len > MAX_HEADER {
        return Err(BackupError::Header("longer than any header".into()));
    }
    if rest.len() < len {
        return Err(BackupError::Truncated);
    }
    let (head, rest) = rest.split_at(len);
    let (nonce, sealed) = rest
        .split_first_chunk::<NONCE_LEN>()
        .ok_or(BackupError::Truncated)?;
    let header: Header =
        serde_json::from_slice(head).map_err(|e| BackupError::Header(e.to_string()))?;
    header.kdf.check()?;
    let expected = usize::try_from(header.sealed_len).unwrap_or(usize::MAX);
    if sealed.len() < expected.max(TAG_LEN) {
        return Err(BackupError::Truncated);
    }
    if sealed.len() > expected {
        return Err(BackupError::Header(
            "the file is longer than its header says".into(),
        ));
    }
    Ok((header, head, *nonce, sealed))
}

/// Opens `file` with `passphrase`: the authenticated header and the
/// secrets.
pub fn open(file: &[u8], passphrase: &str) -> Result<(Header, Secrets), BackupError> {
    let (header, head, nonce, sealed) = split(file)?;
    let key = header.kdf.key(passphrase)?;
    let plain = Zeroizing::new(
        XChaCha20Poly1305::new((&*key).into())
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: head,
                },
            )
            .map_err(|_| BackupError::Authentication)?,
    );
    let secrets: Secrets =
        serde_json::from_slice(&plain).map_err(|e| BackupError::Contents(e.to_string()))?;
    Ok((header, secrets))
}
