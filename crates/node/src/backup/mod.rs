//! Backups of one device's part of a wallet ([`format`]): exported under a
//! passphrase, checked, restored into an empty data directory.
//!
//! A backup holds this device's shares of the three schemes, what it needs
//! to rejoin its wallet (the members, their ids and addresses, the group
//! keys, the policy versions its members signed) and its device identity
//! (the Ed25519 key of its iroh endpoint). The identity is included so the
//! restored device *is* the device its peers pinned: they accept its
//! connections and it theirs, without pairing again and without a change
//! of the wallet's membership — which is what replacing a device is for,
//! with the delay a thief cannot skip. The cost: whoever opens the backup
//! can also act as that device; the passphrase and Argon2id protect both
//! alike.
//!
//! Restore checks every share against the group keys in the header — and
//! the identity against the device id — before writing anything, and
//! refuses a wallet that exists here.

pub mod format;

use std::collections::BTreeMap;

use accord_mpc::{KeyShare, Scheme};
use iroh::SecretKey;
use zeroize::Zeroizing;

pub use format::{BackupError, Header};
use format::{Kdf, MemberEntry, PolicyEntry, Secrets};

use crate::facade::Vault;
use crate::policy::PolicyDocument;
use crate::store::{Member, NewWalletOwned, StoreError, WalletState, group_key_bytes};
use crate::wallet::{Network, WalletRef};

/// What a backup is of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSummary {
    /// The wallet's name.
    pub wallet: String,
    /// Its id.
    pub wallet_id: String,
    /// This device's party.
    pub party: u8,
    /// The key epoch.
    pub epoch: u64,
    /// The schemes whose shares it holds.
    pub schemes: Vec<Scheme>,
    /// The device's id (hex).
    pub device: String,
}

/// Why a backup was not made, checked or restored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// The file.
    #[error(transparent)]
    Backup(#[from] BackupError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Opened, but its contents do not hold together.
    #[error("the backup is not consistent: {0}")]
    Inconsistent(String),
    /// The wallet is here already.
    #[error("wallet {0:?} is here already: a backup restores a wallet this device does not hold")]
    Exists(String),
    /// The passphrase is shorter than [`MIN_PASSPHRASE`].
    #[error(
        "the passphrase is too short: use at least {MIN_PASSPHRASE} characters (a few random words)"
    )]
    ShortPassphrase,
    /// The backup is of an older key epoch than the wallet's here.
    #[error(
        "this backup is stale: its shares are of key epoch {backup}, the wallet is on epoch \
         {current} (a refresh or replacement made them useless); replace the device instead"
    )]
    Stale {
        /// The backup's epoch.
        backup: u64,
        /// The wallet's.
        current: u64,
    },
}

/// Where a wallet's backup stands on this device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupState {
    /// One was made of the current epoch.
    Current,
    /// The last one is of an older epoch: make a new one.
    Stale,
    /// None was made here.
    None,
}

impl BackupState {
    /// `current`, `stale`, `none`.
    pub const fn name(self) -> &'static str {
        match self {
            BackupState::Current => "current",
            BackupState::Stale => "stale",
            BackupState::None => "none",
        }
    }
}

/// The settings key recording the epoch of the wallet's last backup.
fn setting_key(wallet_id: &str) -> String {
    format!("backup:{wallet_id}")
}

/// The settings key recording when the wallet's last backup was made.
fn made_at_key(wallet_id: &str) -> String {
    format!("backup_at:{wallet_id}")
}

/// The shortest passphrase a backup is sealed under (a few random words).
pub const MIN_PASSPHRASE: usize = 12;

fn scheme_named(name: &str) -> Option<Scheme> {
    Scheme::ALL.into_iter().find(|s| s.to_string() == name)
}

impl Vault {
    /// Exports this device's part of `wallet` sealed under `passphrase`.
    pub fn export_backup(
        &mut self,
        wallet: &WalletRef,
        passphrase: &str,
        now: u64,
    ) -> Result<Vec<u8>, RestoreError> {
        if passphrase.chars().count() < MIN_PASSPHRASE {
            return Err(RestoreError::ShortPassphrase);
        }
        let record = self.record(wallet)?;
        let members = self.read().members(&record)?;
        let mut group_keys = BTreeMap::new();
        let mut shares = BTreeMap::new();
        for scheme in Scheme::ALL {
            let share = self.read().share(&record, scheme)?;
            group_keys.insert(
                scheme.to_string(),
                hex::encode(group_key_bytes(&share.group_key())),
            );
            let bytes = share
                .to_bytes()
                .map_err(|e| RestoreError::Inconsistent(e.to_string()))?;
            shares.insert(scheme.to_string(), hex::encode(bytes.as_slice()));
        }
        let secret = self.store().device_secret()?;
        let device = SecretKey::from_bytes(&secret).public();
        let policy = self
            .read()
            .policy_versions(&record)?
            .into_iter()
            .map(|v| PolicyEntry {
                document: v.document.to_json(),
                statements: v.statements.into_iter().map(|(e, _)| e).collect(),
            })
            .collect();
        let header = Header {
            wallet_id: record.id.clone(),
            name: record.name.clone(),
            network: record.network.name().to_owned(),
            threshold: record.threshold,
            parties: record.parties,
            party: record.party,
            epoch: record.epoch,
            group_keys,
            members: members
                .iter()
                .map(|m| MemberEntry {
                    party: m.party,
                    device: m.device.to_string(),
                    name: m.name.clone(),
                    addr: serde_json::to_value(&m.addr).unwrap_or_default(),
                    role: m.role.name().to_owned(),
                })
                .collect(),
            device: device.to_string(),
            created_at: now,
            kdf: Kdf::new(&mut rand_core::OsRng),
            sealed_len: 0,
        };
        let secrets = Secrets {
            shares,
            device_secret: hex::encode(secret.as_slice()),
            policy,
        };
        let file = format::seal(&header, &secrets, passphrase, &mut rand_core::OsRng)?;
        self.store()
            .set_setting(&setting_key(&record.id), &header.epoch.to_string())?;
        self.store()
            .set_setting(&made_at_key(&record.id), &now.to_string())?;
        Ok(file)
    }

    /// Where the backup of `wallet` stands.
    pub fn backup_state(&self, wallet: &WalletRef) -> Result<BackupState, StoreError> {
        let record = self.record(wallet)?;
        Ok(match self.read().setting(&setting_key(&record.id))? {
            None => BackupState::None,
            Some(epoch) if epoch == record.epoch.to_string() => BackupState::Current,
            Some(_) => BackupState::Stale,
        })
    }

    /// When the wallet's last backup was made here (seconds since the
    /// epoch), if one was.
    pub fn backup_made_at(&self, wallet: &WalletRef) -> Result<Option<i64>, StoreError> {
        let record = self.record(wallet)?;
        Ok(self
            .read()
            .setting(&made_at_key(&record.id))?
            .and_then(|t| t.parse().ok()))
    }

    /// Restores `file` into this data directory: the wallet, its shares, its
    /// policy and the device's identity — everything checked first.
    pub fn restore_backup(
        &mut self,
        file: &[u8],
        passphrase: &str,
        now: i64,
    ) -> Result<BackupSummary, RestoreError> {
        let (checked, header, secrets) = check(file, passphrase)?;
        if let Ok(here) = self.record(&WalletRef::Id(header.wallet_id.clone()))
            && here.epoch > header.epoch
        {
            return Err(RestoreError::Stale {
                backup: header.epoch,
                current: here.epoch,
            });
        }
        let exists = |r: &WalletRef| match self.record(r) {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound(_)) => Ok(false),
            Err(e) => Err(e),
        };
        if exists(&WalletRef::Id(header.wallet_id.clone()))?
            || exists(&WalletRef::name(&header.name))?
        {
            return Err(RestoreError::Exists(header.name.clone()));
        }
        let network: Network = header
            .network
            .parse()
            .map_err(|_| RestoreError::Inconsistent(format!("network {:?}", header.network)))?;
        let mut members = Vec::new();
        for m in &header.members {
            let device = m
                .device
                .parse()
                .map_err(|_| RestoreError::Inconsistent(format!("device id {:?}", m.device)))?;
            let addr = serde_json::from_value(m.addr.clone())
                .map_err(|_| RestoreError::Inconsistent(format!("the address of {}", m.name)))?;
            members.push(Member {
                party: m.party,
                device,
                name: m.name.clone(),
                addr,
                role: crate::store::role_of(&m.role, &m.name),
            });
        }
        let me = members
            .iter()
            .find(|m| m.party == header.party)
            .ok_or_else(|| RestoreError::Inconsistent("this device is not a member".into()))?;
        let port = me.addr.ip_addrs().next().map(std::net::SocketAddr::port);
        let initiator = me.device;
        let mut policy = Vec::new();
        for p in &secrets.policy {
            let doc = PolicyDocument::from_json(&p.document)
                .map_err(|e| RestoreError::Inconsistent(format!("a policy version: {e}")))?;
            policy.push((doc, p.statements.clone()));
        }
        let identity = device_secret(&secrets)?;
        self.store().import_device_secret(&identity)?;
        let new = NewWalletOwned {
            id: header.wallet_id.clone(),
            name: header.name.clone(),
            network,
            shares: checked.into_iter().map(std::sync::Arc::new).collect(),
            members,
            session: [0; 32],
            epoch: header.epoch,
            initiator,
            policy: None,
            policy_approval: Vec::new(),
        };
        let record = self.store().store_wallet(&new, WalletState::Active, now)?;
        for (doc, statements) in &policy {
            self.store().add_policy(&record, doc, statements, now)?;
        }
        // The device's own port (its peers dial it there): the identity is
        // this device's now.
        if let Some(port) = port {
            self.store().set_bound_port(port)?;
        }
        self.store()
            .set_setting(&setting_key(&record.id), &header.epoch.to_string())?;
        self.store().log(
            Some(&record.id),
            crate::event::EventKind::Created,
            &format!(
                "wallet {} restored from a backup (party {}, epoch {})",
                record.name, header.party, header.epoch
            ),
            now,
        )?;
        Ok(summary(&header))
    }
}

/// Opens `file` with `passphrase` and checks it holds together: every
/// share parses and validates, is this party's, has the wallet's threshold
/// and the header's group key; the identity is the header's device. Writes
/// nothing.
pub fn verify(file: &[u8], passphrase: &str) -> Result<BackupSummary, RestoreError> {
    let (_, header, _) = check(file, passphrase)?;
    Ok(summary(&header))
}

fn summary(header: &Header) -> BackupSummary {
    BackupSummary {
        wallet: header.name.clone(),
        wallet_id: header.wallet_id.clone(),
        party: header.party,
        epoch: header.epoch,
        schemes: header
            .group_keys
            .keys()
            .filter_map(|s| scheme_named(s))
            .collect(),
        device: header.device.clone(),
    }
}

fn device_secret(secrets: &Secrets) -> Result<Zeroizing<[u8; 32]>, RestoreError> {
    let mut out = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(&secrets.device_secret, out.as_mut_slice())
        .map_err(|_| RestoreError::Inconsistent("the device identity is not 32 bytes".into()))?;
    Ok(out)
}

fn check(file: &[u8], passphrase: &str) -> Result<(Vec<KeyShare>, Header, Secrets), RestoreError> {
    let (header, secrets) = format::open(file, passphrase)?;
    let bad = |what: String| Err(RestoreError::Inconsistent(what));
    if !crate::wire::valid_name(&header.name) {
        return bad(format!("wallet name {:?}", header.name));
    }
    let identity = device_secret(&secrets)?;
    if SecretKey::from_bytes(&identity).public().to_string() != header.device {
        return bad("the device identity is not the header's device".into());
    }
    if !header
        .members
        .iter()
        .any(|m| m.party == header.party && m.device == header.device)
    {
        return bad("this device is not the member of its party".into());
    }
    if secrets.shares.len() != Scheme::ALL.len() || header.group_keys.len() != Scheme::ALL.len() {
        return bad("a share of each of the three schemes is needed".into());
    }
    let mut shares = Vec::new();
    for (name, text) in &secrets.shares {
        let Some(scheme) = scheme_named(name) else {
            return bad(format!("unknown scheme {name:?}"));
        };
        let bytes = Zeroizing::new(
            hex::decode(text).map_err(|_| RestoreError::Inconsistent(format!("{name}: hex")))?,
        );
        let share = KeyShare::from_bytes(&bytes)
            .map_err(|e| RestoreError::Inconsistent(format!("the {name} share: {e}")))?;
        let params = share.parameters();
        if share.scheme() != scheme
            || share.party().get() != header.party
            || params.threshold() != header.threshold
            || params.parties() != header.parties
        {
            return bad(format!("the {name} share is another party's or wallet's"));
        }
        let key = hex::encode(group_key_bytes(&share.group_key()));
        if header.group_keys.get(name) != Some(&key) {
            return bad(format!("the {name} share is not of the wallet's group key"));
        }
        shares.push(share);
    }
    Ok((shares, header, secrets))
}
