//! A wallet as its team sees it ([`crate::team`]), whether this device is a
//! member (it holds a share) or a proposer-only device (it holds the
//! wallet's card, [`crate::team::WalletCard`]): the members, the proposers
//! granted, the public keys, and who this device is in it.

use std::collections::BTreeMap;
use std::str::FromStr as _;

use accord_chains::signing::WalletPublicKeys;
use accord_mpc::Scheme;
use iroh::EndpointAddr;

use crate::store::{Member, Persist, StoreError, WalletRecord};
use crate::team::{Grant, WalletCard};
use crate::wallet::{Network, WalletRef, public_keys};

/// A wallet as the team code uses it.
#[derive(Clone, Debug)]
pub(crate) struct TeamWallet {
    /// Its id.
    pub id: String,
    /// Its name here.
    pub name: String,
    /// `t`.
    pub threshold: u16,
    /// Its network.
    pub network: Network,
    /// When it was created.
    pub created_at: i64,
    /// Who approves and signs.
    pub members: Vec<Member>,
    /// The latest grant of each proposer-only device, with its address
    /// (on a member; none on a proposer-only device).
    pub grants: Vec<(Grant, EndpointAddr)>,
    /// Its public keys (`None`: not readable).
    pub keys: Option<WalletPublicKeys>,
    /// The same, as a card carries them: scheme code and key bytes.
    pub key_bytes: Vec<(u8, Vec<u8>)>,
    /// This device (hex).
    pub me: String,
    /// The grant under which this device proposes, when it holds no share.
    pub proposer_grant: Option<Grant>,
}

impl TeamWallet {
    /// Whether this device holds a share (else it only proposes).
    pub fn member_here(&self) -> bool {
        self.proposer_grant.is_none()
    }

    /// Whether this device's grant to propose was withdrawn.
    pub fn withdrawn(&self) -> bool {
        self.proposer_grant.as_ref().is_some_and(|g| !g.active)
    }

    /// Members' device ids (hex) in party order.
    pub fn member_ids(&self) -> Vec<String> {
        super::team_sync::member_ids(&self.members)
    }

    /// Whether `device` (hex) is a member.
    pub fn is_member(&self, device: &str) -> bool {
        self.members
            .iter()
            .any(|m| hex::encode(m.device.as_bytes()) == device)
    }

    /// The standing grant of `device` (hex), if it may propose.
    pub fn proposer(&self, device: &str) -> Option<&Grant> {
        self.grants
            .iter()
            .map(|(g, _)| g)
            .find(|g| g.active && g.device == device)
    }

    /// A member's name, or a proposer's with "(proposer)", by device (hex).
    pub fn name_of(&self, device: &str) -> String {
        if let Some(m) = self
            .members
            .iter()
            .find(|m| hex::encode(m.device.as_bytes()) == device)
        {
            return m.name.clone();
        }
        let grant = self
            .grants
            .iter()
            .map(|(g, _)| g)
            .chain(self.proposer_grant.as_ref())
            .find(|g| g.device == device);
        grant.map_or_else(|| device.to_owned(), |g| format!("{} (proposer)", g.name))
    }

    /// The other members' addresses.
    pub fn other_members(&self) -> Vec<EndpointAddr> {
        self.members
            .iter()
            .filter(|m| hex::encode(m.device.as_bytes()) != self.me)
            .map(|m| m.addr.clone())
            .collect()
    }

    /// What a proposer-only device granted by `grant` is sent.
    pub fn card(&self, grant: Grant) -> WalletCard {
        WalletCard {
            id: self.id.clone(),
            name: self.name.clone(),
            threshold: self.threshold,
            network: self.network.name().to_owned(),
            created_at: self.created_at,
            keys: self.key_bytes.clone(),
            members: crate::session::keygen::refresh::invited(&self.members),
            grant,
        }
    }
}

fn of_record(store: &dyn Persist, record: WalletRecord) -> Result<TeamWallet, StoreError> {
    let members = store.members(&record)?;
    let me = members
        .iter()
        .find(|m| m.party == record.party)
        .map(|m| hex::encode(m.device.as_bytes()))
        .ok_or_else(|| StoreError::Corrupt(format!("this device in wallet {}", record.name)))?;
    let keys = store.group_keys(&record)?;
    Ok(TeamWallet {
        keys: public_keys(&keys),
        key_bytes: keys
            .iter()
            .map(|(s, k)| (s.code(), crate::store::group_key_bytes(k)))
            .collect(),
        grants: store.grants(&record.id)?,
        id: record.id,
        name: record.name,
        threshold: record.threshold,
        network: record.network,
        created_at: record.created_at,
        members,
        me,
        proposer_grant: None,
    })
}

/// The wallet a card describes; `None` if the card is not readable.
pub(crate) fn of_card(name: String, card: WalletCard) -> Option<TeamWallet> {
    let mut keys = BTreeMap::new();
    for (code, bytes) in &card.keys {
        let scheme = Scheme::from_code(*code)?;
        keys.insert(scheme, crate::store::parse_group_key(scheme, bytes)?);
    }
    Some(TeamWallet {
        key_bytes: card.keys.clone(),
        id: card.id,
        name,
        threshold: card.threshold,
        network: Network::from_str(&card.network).ok()?,
        created_at: card.created_at,
        members: card
            .members
            .into_iter()
            .map(|m| Member {
                party: m.party,
                device: m.addr.id,
                name: m.name,
                addr: m.addr,
                role: m.role,
            })
            .collect(),
        grants: Vec::new(),
        keys: public_keys(&keys),
        me: card.grant.device.clone(),
        proposer_grant: Some(card.grant),
    })
}

/// The wallet `id`, as a member or a proposer-only device holds it.
pub(crate) fn team_wallet(store: &dyn Persist, id: &str) -> Result<Option<TeamWallet>, StoreError> {
    match store.wallet_by_id(id) {
        Ok(record) => return of_record(store, record).map(Some),
        Err(StoreError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    Ok(store
        .watched()?
        .into_iter()
        .find(|(_, c)| c.id == id)
        .and_then(|(name, card)| of_card(name, card)))
}

/// The wallet a face names.
pub(crate) fn team_wallet_ref(
    store: &dyn Persist,
    wallet: &WalletRef,
) -> Result<TeamWallet, StoreError> {
    let found = match wallet {
        WalletRef::Id(id) => team_wallet(store, id)?,
        WalletRef::Name(name) => match store.wallet(name) {
            Ok(record) => Some(of_record(store, record)?),
            Err(StoreError::NotFound(_)) => store
                .watched()?
                .into_iter()
                .find(|(n, _)| n == name)
                .and_then(|(name, card)| of_card(name, card)),
            Err(e) => return Err(e),
        },
    };
    found.ok_or_else(|| StoreError::NotFound(wallet.to_string()))
}
