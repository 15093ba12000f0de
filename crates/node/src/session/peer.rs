//! The other devices of a session: who they are (party, device id, name,
//! role) and how to reach them.

use accord_mpc::PartyId;
use iroh::{EndpointAddr, EndpointId};
use serde::{Deserialize, Serialize};

/// What a device is to a wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The user's desktop app.
    Desktop,
    /// The user's phone (here: the headless stand-in).
    Phone,
    /// The recovery server: signs what the wallet's policy allows.
    Recovery,
    /// Another member's device (a team member's desktop).
    Member,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Desktop, Role::Phone, Role::Recovery, Role::Member];

    /// `desktop`, `phone`, `recovery`, `member`.
    pub const fn name(self) -> &'static str {
        match self {
            Role::Desktop => "desktop",
            Role::Phone => "phone",
            Role::Recovery => "recovery",
            Role::Member => "member",
        }
    }
}

impl core::fmt::Display for Role {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// Not a role.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: desktop, phone, recovery or member")]
pub struct UnknownRole(pub String);

impl core::str::FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UnknownRole(s.chars().take(40).collect()))
    }
}

/// Another member of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// Its party id in the wallet.
    pub party: PartyId,
    /// Its device id, proven by every connection.
    pub id: EndpointId,
    /// How to reach it.
    pub addr: EndpointAddr,
    /// Its name, as it told us.
    pub name: String,
    /// What it is to the wallet.
    pub role: Role,
}

/// Who a failure is blamed on (or who ended a session), as the user sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Culprit {
    /// Its party id.
    pub party: u8,
    /// Its device id.
    pub device_id: String,
    /// Its name.
    pub name: String,
}

impl From<&Peer> for Culprit {
    fn from(p: &Peer) -> Culprit {
        Culprit {
            party: p.party.get(),
            device_id: p.id.to_string(),
            name: p.name.clone(),
        }
    }
}

/// The peer with device id `id`.
pub(crate) fn by_id<'a>(peers: &'a [Peer], id: &EndpointId) -> Option<&'a Peer> {
    peers.iter().find(|p| p.id == *id)
}

/// The peer with party `party`.
pub(crate) fn by_party(peers: &[Peer], party: PartyId) -> Option<&Peer> {
    peers.iter().find(|p| p.party == party)
}

/// `a, b, c`.
pub(crate) fn names(peers: &[Peer]) -> String {
    peers
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
