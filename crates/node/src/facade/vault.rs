//! [`Vault`]: this device's data, open — wallets, devices, settings, the
//! event log — without the network. The CLI's offline commands use it
//! directly; a running [`super::Node`] owns one and lends it out.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use accord_chains::Chain;
use accord_chains::signing::{Prepared, prepare};
use accord_mpc::{GroupKey, Scheme};
use iroh::{EndpointAddr, EndpointId};

use super::error::{OpenError, SignError};
use crate::event::{Event, EventKind};
use crate::pairing::ticket::Ticket;
use crate::runner::{now, pair};
use crate::secret::Protector;
use crate::store::{
    Member, PairedDevice, Persist, Store, StoreError, WalletRecord, owner_only_dir,
};
use crate::transport::identity;
use crate::wallet::{WalletRef, public_keys};

/// A wallet with what the faces show of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletSummary {
    /// The wallet.
    pub wallet: WalletRecord,
    /// Its members.
    pub members: Vec<Member>,
    /// The group key of each scheme.
    pub keys: BTreeMap<Scheme, GroupKey>,
    /// Its address on each chain.
    pub addresses: BTreeMap<Chain, String>,
    /// Its watch-only output descriptor per chain that has them: Bitcoin's
    /// `tr(<internal key>)#<checksum>` (BIP-386/380), for Bitcoin Core's
    /// `importdescriptors`.
    pub descriptors: BTreeMap<Chain, String>,
    /// Where this device's backup of it stands.
    pub backup: crate::backup::BackupState,
    /// When the last backup was made here.
    pub backup_at: Option<i64>,
}

/// This device's data, open.
pub struct Vault {
    store: Box<dyn Persist>,
}

impl core::fmt::Debug for Vault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Vault").finish_non_exhaustive()
    }
}

impl Vault {
    /// Opens the store in `dir` (created 0700 if missing, the file 0600)
    /// with the wrapping key from `protector`.
    pub fn open(dir: &Path, protector: &Protector) -> Result<Vault, OpenError> {
        owner_only_dir(dir)?;
        let store = Store::open(&dir.join("accord.db"), protector, now())?;
        Ok(Vault::with(store))
    }

    /// A vault over any backend.
    pub fn with(store: impl Persist + 'static) -> Vault {
        Vault {
            store: Box::new(store),
        }
    }

    pub(crate) fn store(&mut self) -> &mut (dyn Persist + 'static) {
        &mut *self.store
    }

    pub(crate) fn read(&self) -> &(dyn Persist + 'static) {
        &*self.store
    }

    /// This device's id (its identity is created on first use).
    pub fn device_id(&mut self) -> Result<EndpointId, StoreError> {
        identity::device_id(self.store())
    }

    /// The name this device last ran under, if any.
    pub fn name(&self) -> Result<Option<String>, StoreError> {
        self.store.setting("name")
    }

    /// The wallet `r` names.
    pub fn record(&self, r: &WalletRef) -> Result<WalletRecord, StoreError> {
        match r {
            WalletRef::Name(n) => self.store.wallet(n),
            WalletRef::Id(id) => self.store.wallet_by_id(id),
        }
    }

    /// A wallet with its members, keys and addresses.
    pub fn summary(&self, wallet: WalletRecord) -> Result<WalletSummary, StoreError> {
        let members = self.store.members(&wallet)?;
        let keys = self.store.group_keys(&wallet)?;
        let mut addresses = BTreeMap::new();
        let mut descriptors = BTreeMap::new();
        if let Some(pk) = public_keys(&keys) {
            for chain in Chain::ALL {
                if let Ok(a) = pk.address(chain, wallet.network.name()) {
                    addresses.insert(chain, a);
                }
            }
            if let Ok(Some(d)) = pk.bitcoin_descriptor(wallet.network.name()) {
                descriptors.insert(Chain::Bitcoin, d);
            }
        }
        let r = WalletRef::Id(wallet.id.clone());
        let backup = self.backup_state(&r)?;
        let backup_at = self.backup_made_at(&r)?;
        Ok(WalletSummary {
            wallet,
            members,
            keys,
            addresses,
            descriptors,
            backup,
            backup_at,
        })
    }

    /// Every wallet, by name.
    pub fn wallets(&self) -> Result<Vec<WalletSummary>, StoreError> {
        self.store
            .wallets()?
            .into_iter()
            .map(|w| self.summary(w))
            .collect()
    }

    /// One wallet.
    pub fn wallet(&self, r: &WalletRef) -> Result<WalletSummary, StoreError> {
        self.summary(self.record(r)?)
    }

    /// The events of a wallet (or all, with `None`) after `after` (0: all),
    /// oldest first.
    pub fn events(&self, wallet: Option<&WalletRef>, after: i64) -> Result<Vec<Event>, StoreError> {
        let record = wallet.map(|r| self.record(r)).transpose()?;
        self.store
            .events(record.as_ref().map(|w| w.id.as_str()), after)
    }

    /// Appends an event to this device's log (chained like every other).
    pub fn log_event(
        &mut self,
        wallet_id: Option<&str>,
        kind: EventKind,
        detail: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        self.store().log(wallet_id, kind, detail, at)
    }

    /// This device's whole event log as an audit file (`crate::audit`):
    /// the hash chain, with its end signed by the device's identity key.
    pub fn export_audit(&mut self, exported_at: i64) -> Result<Vec<u8>, StoreError> {
        let key = identity::secret_key(self.store())?;
        let name = self.name()?;
        let events = self.store.chained_events()?;
        let header = crate::audit::AuditHeader::new(&key.public(), name, exported_at);
        Ok(crate::audit::write(&header, &events, &key))
    }

    /// The paired devices.
    pub fn devices(&self) -> Result<Vec<PairedDevice>, StoreError> {
        self.store.devices()
    }

    /// Issues a pairing ticket for this device without running it (a
    /// daemon running on the same store honours it): its id and, in
    /// loopback mode, the loopback port it keeps. `None` in loopback mode
    /// when no daemon ever ran here (the port is unknown).
    pub fn issue_ticket(
        &mut self,
        loopback: bool,
        ttl: Duration,
    ) -> Result<Option<Ticket>, StoreError> {
        let id = self.device_id()?;
        let mut addr = EndpointAddr::new(id);
        if loopback {
            let Some(port) = self.store.bound_port()? else {
                return Ok(None);
            };
            addr = addr.with_ip_addr(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
        }
        let name = self.name()?.unwrap_or_else(|| "device".into());
        pair::issue_ticket(self.store(), &name, addr, ttl).map(Some)
    }

    /// A text setting of this device.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.store.setting(key)
    }

    /// Sets a text setting.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.store.set_setting(key, value)
    }

    /// The preview and messages of `unsigned` for wallet `wallet` on `chain`,
    /// computed here from the raw bytes.
    pub fn prepare(
        &self,
        wallet: &WalletRef,
        chain: Chain,
        unsigned: &[u8],
    ) -> Result<Prepared, SignError> {
        let record = self.record(wallet)?;
        self.prepare_for(&record, chain, unsigned)
    }

    pub(crate) fn prepare_for(
        &self,
        record: &WalletRecord,
        chain: Chain,
        unsigned: &[u8],
    ) -> Result<Prepared, SignError> {
        let keys = public_keys(&self.store.group_keys(record)?).ok_or_else(|| {
            StoreError::Corrupt(format!("the public keys of wallet {}", record.name))
        })?;
        Ok(prepare(chain, record.network.name(), unsigned, &keys)?)
    }
}
