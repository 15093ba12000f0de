//! A refresh is wallet creation's session run on an existing wallet: the
//! same invitation (naming the wallet, its members and the key epoch every
//! member is on), approvals, rounds (each scheme's refresh instead of its
//! key generation: [`accord_mpc::Keygen::refresh`]), key comparison and
//! two-phase commit — where "store" keeps the new shares beside the ones in
//! use ([`crate::store::EpochStore`]) and "commit" switches to them, so a
//! member that fails or is killed at any step is on the epoch every member
//! confirmed, never on a mix, never without a usable share.

use std::sync::Arc;

use accord_mpc::{KeyShare, Parameters, PartyId};
use iroh::EndpointId;
use rand_core::CryptoRngCore;

use super::{KeygenPlan, KeygenSession, Phase, peers_of};
use crate::approve::{self, KeygenRequest};
use crate::session::clock::Timeouts;
use crate::session::cosign::Refusal;
use crate::session::failure::Failure;
use crate::store::{Member, WalletRecord, group_key_bytes};
use crate::wire::{Invitation, InvitedMember, Replacement};

/// What this device holds of the wallet a refresh is about.
#[derive(Debug)]
pub struct LocalWallet {
    /// The wallet.
    pub record: WalletRecord,
    /// Its members.
    pub members: Vec<Member>,
    /// This device's shares of its current epoch, one per scheme.
    pub shares: Vec<Arc<KeyShare>>,
    /// Whether a refresh of it is stored here and not decided yet.
    pub pending: bool,
}

pub(crate) fn invited(members: &[Member]) -> Vec<InvitedMember> {
    members
        .iter()
        .map(|m| InvitedMember {
            party: m.party,
            addr: m.addr.clone(),
            name: m.name.clone(),
            role: m.role,
        })
        .collect()
}

fn params_of(record: &WalletRecord) -> Result<Parameters, Failure> {
    Parameters::new(record.threshold, record.parties).map_err(|e| Failure::Invalid(e.to_string()))
}

impl KeygenPlan {
    /// The initiator's plan for refreshing `wallet` with every member.
    pub fn refresh(
        wallet: LocalWallet,
        timeouts: Timeouts,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<KeygenPlan, Failure> {
        if wallet.pending {
            return Err(Failure::Invalid(
                "a refresh of this wallet is stored here and not decided yet".into(),
            ));
        }
        let record = &wallet.record;
        let me = PartyId::new(u16::from(record.party))
            .ok_or_else(|| Failure::Invalid("party 0".into()))?;
        let my_id = wallet
            .members
            .iter()
            .find(|m| m.party == record.party)
            .map(|m| m.device)
            .ok_or_else(|| Failure::Invalid("this device is not a member".into()))?;
        let mut session = [0u8; 32];
        rng.fill_bytes(&mut session);
        let invitation = Invitation {
            session,
            wallet_id: record.id.clone(),
            name: record.name.clone(),
            threshold: record.threshold,
            network: record.network.name().to_owned(),
            members: invited(&wallet.members),
            policy: None,
            refresh: Some(record.epoch),
            replace: None,
        };
        Ok(KeygenPlan {
            peers: peers_of(&invitation, my_id),
            params: params_of(record)?,
            schemes: wallet.shares.iter().map(|s| s.scheme()).collect(),
            current: wallet.shares,
            invitation,
            me,
            leader: me,
            timeouts,
        })
    }
}

/// `members` with the one at `party` replaced by `new`.
fn swapped(members: &[Member], party: u8, new: &InvitedMember) -> Vec<InvitedMember> {
    invited(members)
        .into_iter()
        .map(|m| if m.party == party { new.clone() } else { m })
        .collect()
}

impl KeygenPlan {
    /// The initiator's plan for replacing the member `lost` of `wallet` with
    /// the device `new` (paired with this one): every other member repairs
    /// its shares, then all refresh.
    pub fn replace(
        wallet: LocalWallet,
        lost: EndpointId,
        new: InvitedMember,
        timeouts: Timeouts,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<KeygenPlan, Failure> {
        let party = wallet
            .members
            .iter()
            .find(|m| m.device == lost)
            .map(|m| m.party)
            .ok_or_else(|| Failure::Invalid("that device is not a member of the wallet".into()))?;
        if party == wallet.record.party {
            return Err(Failure::Invalid(
                "this device cannot replace itself: run the replacement from another member".into(),
            ));
        }
        if wallet.members.iter().any(|m| m.device == new.addr.id) {
            return Err(Failure::Invalid(
                "the new device is a member of the wallet already".into(),
            ));
        }
        let new = InvitedMember { party, ..new };
        let replace = Replacement {
            party,
            lost,
            helpers: wallet
                .members
                .iter()
                .map(|m| m.party)
                .filter(|p| *p != party)
                .collect(),
            keys: wallet
                .shares
                .iter()
                .map(|s| (s.scheme().code(), group_key_bytes(&s.group_key())))
                .collect(),
        };
        let members = swapped(&wallet.members, party, &new);
        let mut plan = KeygenPlan::refresh(wallet, timeouts, rng)?;
        plan.invitation.members = members;
        plan.invitation.replace = Some(Box::new(replace));
        let my_id = plan
            .invitation
            .members
            .iter()
            .find(|m| m.party == plan.me.get())
            .map(|m| m.addr.id)
            .ok_or_else(|| Failure::Invalid("this device is not a member".into()))?;
        plan.peers = peers_of(&plan.invitation, my_id);
        Ok(plan)
    }
}

impl KeygenSession {
    /// Checks a refresh invitation `from` sent against what this device
    /// holds of the wallet; the member's side of it.
    pub fn admit_refresh(
        invitation: Invitation,
        from: EndpointId,
        wallet: LocalWallet,
        timeouts: Timeouts,
    ) -> Result<KeygenSession, Refusal> {
        let record = &wallet.record;
        let Some(epoch) = invitation.refresh else {
            return Err(Refusal::veto("not a refresh"));
        };
        if invitation.wallet_id != record.id {
            return Err(Refusal::veto("the refresh names another wallet"));
        }
        if wallet.pending {
            return Err(Refusal::cannot(
                "a refresh of this wallet is stored here and not decided yet; try again once \
                 its initiator answered",
            ));
        }
        if epoch != record.epoch {
            return Err(Refusal::cannot(format!(
                "this device's shares are of key epoch {}, the initiator's of epoch {epoch}",
                record.epoch
            )));
        }
        // A replacement: the lost member swapped for the new device, every
        // other member helping, the wallet's own keys.
        let mut expected = wallet.members.clone();
        let mut replaced = None;
        if let Some(r) = &invitation.replace {
            let lost = wallet
                .members
                .iter()
                .find(|m| m.party == r.party && m.device == r.lost)
                .ok_or_else(|| Refusal::veto("the device to replace is not that member"))?;
            let new = invitation
                .members
                .iter()
                .find(|m| m.party == r.party)
                .ok_or_else(|| Refusal::veto("the replacement names no new device"))?;
            let helpers: Vec<u8> = wallet
                .members
                .iter()
                .map(|m| m.party)
                .filter(|p| *p != r.party)
                .collect();
            let mut keys: Vec<(u8, Vec<u8>)> = wallet
                .shares
                .iter()
                .map(|s| (s.scheme().code(), group_key_bytes(&s.group_key())))
                .collect();
            keys.sort();
            let mut theirs = r.keys.clone();
            theirs.sort();
            if r.helpers != helpers || keys != theirs || r.party == record.party {
                return Err(Refusal::veto(
                    "the replacement's helpers or keys are not this wallet's",
                ));
            }
            if wallet.members.iter().any(|m| m.device == new.addr.id) {
                return Err(Refusal::veto("the new device is a member already"));
            }
            for m in &mut expected {
                if m.party == r.party {
                    m.device = new.addr.id;
                    m.addr = new.addr.clone();
                    m.name = new.name.clone();
                    m.role = new.role;
                }
            }
            replaced = Some(lost.clone());
        }
        let same_members = invitation.members.len() == expected.len()
            && invitation.members.iter().all(|m| {
                expected
                    .iter()
                    .any(|w| w.party == m.party && w.device == m.addr.id)
            });
        if !same_members || invitation.threshold != record.threshold {
            return Err(Refusal::veto(
                "the refresh lists other members or another threshold than this wallet has",
            ));
        }
        let member_of = |id: EndpointId| wallet.members.iter().find(|m| m.device == id);
        let sender = member_of(from)
            .ok_or_else(|| Refusal::veto("the initiator is not a member of the wallet"))?;
        let leader = PartyId::new(u16::from(sender.party))
            .ok_or_else(|| Refusal::veto("the initiator is not a member of the wallet"))?;
        let me = PartyId::new(u16::from(record.party))
            .ok_or_else(|| Refusal::cannot("this device has no party"))?;
        let my_id = wallet
            .members
            .iter()
            .find(|m| m.party == record.party)
            .map(|m| m.device)
            .ok_or_else(|| Refusal::cannot("this device is not a member of its wallet"))?;
        let params = params_of(record).map_err(|e| Refusal::cannot(e.to_string()))?;
        let member = |m: &Member| approve::Member {
            party: m.party,
            device_id: m.device.to_string(),
            name: m.name.clone(),
            role: m.role,
            known: true,
        };
        let request = KeygenRequest {
            wallet: record.name.clone(),
            threshold: record.threshold,
            parties: record.parties,
            network: record.network.name().to_owned(),
            members: wallet.members.iter().map(member).collect(),
            from: member(sender),
            policy: Vec::new(),
            refresh: Some(epoch),
            replaced: replaced.as_ref().map(member),
        };
        // Members are reached at the addresses this device holds (the new
        // device at the one the invitation gives).
        let members = match &invitation.replace {
            Some(r) => {
                let new = invitation
                    .members
                    .iter()
                    .find(|m| m.party == r.party)
                    .cloned();
                match new {
                    Some(new) => swapped(&wallet.members, r.party, &new),
                    None => invited(&wallet.members),
                }
            }
            None => invited(&wallet.members),
        };
        let local = Invitation {
            members,
            ..invitation
        };
        Ok(KeygenSession {
            plan: KeygenPlan {
                peers: peers_of(&local, my_id),
                invitation: local,
                me,
                leader,
                params,
                schemes: wallet.shares.iter().map(|s| s.scheme()).collect(),
                current: wallet.shares,
                timeouts,
            },
            lead: false,
            approval: Some(request),
            pinned: Vec::new(),
            stored: Default::default(),
            aborted: None,
            phase: Phase::Idle,
        })
    }

    /// The new device's side of a replacement: it holds nothing of the
    /// wallet yet; `known` says whether it was paired with a device.
    pub fn admit_replacement(
        invitation: Invitation,
        from: EndpointId,
        me: EndpointId,
        known: &dyn Fn(&EndpointId) -> bool,
        timeouts: Timeouts,
    ) -> Result<KeygenSession, Refusal> {
        let refuse = |s: &str| Refusal::veto(s);
        let (Some(epoch), Some(r)) = (invitation.refresh, invitation.replace.clone()) else {
            return Err(refuse("not a replacement"));
        };
        if !known(&from) {
            return Err(refuse("the initiator is not paired with this device"));
        }
        let parties =
            u16::try_from(invitation.members.len()).map_err(|_| refuse("too many members"))?;
        let params = Parameters::new(invitation.threshold, parties)
            .map_err(|e| Refusal::veto(e.to_string()))?;
        let party_of = |id: EndpointId| {
            invitation
                .members
                .iter()
                .find(|m| m.addr.id == id)
                .map(|m| m.party)
        };
        if party_of(me) != Some(r.party) {
            return Err(refuse(
                "this device is not the replacement the invitation names",
            ));
        }
        let leader = party_of(from)
            .and_then(|p| PartyId::new(u16::from(p)))
            .ok_or_else(|| refuse("the initiator is not a member"))?;
        let me_party = PartyId::new(u16::from(r.party))
            .ok_or_else(|| refuse("the member list is malformed"))?;
        let schemes: Vec<accord_mpc::Scheme> = r
            .keys
            .iter()
            .filter_map(|(code, _)| accord_mpc::Scheme::from_code(*code))
            .collect();
        if schemes.len() != r.keys.len() || schemes.is_empty() {
            return Err(refuse("the replacement names unknown keys"));
        }
        let member = |m: &InvitedMember| approve::Member {
            party: m.party,
            device_id: m.addr.id.to_string(),
            name: m.name.clone(),
            role: m.role,
            known: m.addr.id == me || known(&m.addr.id),
        };
        let from_member = invitation
            .members
            .iter()
            .find(|m| m.addr.id == from)
            .map(member)
            .ok_or_else(|| refuse("the initiator is not a member"))?;
        let lost = approve::Member {
            party: r.party,
            device_id: r.lost.to_string(),
            name: "lost device".into(),
            role: crate::session::Role::Member,
            known: false,
        };
        let request = KeygenRequest {
            wallet: invitation.name.clone(),
            threshold: invitation.threshold,
            parties,
            network: invitation.network.clone(),
            members: invitation.members.iter().map(member).collect(),
            from: from_member,
            policy: Vec::new(),
            refresh: Some(epoch),
            replaced: Some(lost),
        };
        Ok(KeygenSession {
            plan: KeygenPlan {
                peers: peers_of(&invitation, me),
                invitation,
                me: me_party,
                leader,
                params,
                schemes,
                current: Vec::new(),
                timeouts,
            },
            lead: false,
            approval: Some(request),
            pinned: Vec::new(),
            stored: Default::default(),
            aborted: None,
            phase: Phase::Idle,
        })
    }

    /// Whether this session refreshes an existing wallet.
    pub(crate) fn refreshing(&self) -> bool {
        self.plan.invitation.refresh.is_some()
    }

    /// Whether this device is a replacement's new device.
    pub(crate) fn is_target(&self) -> bool {
        self.plan
            .invitation
            .replace
            .as_ref()
            .is_some_and(|r| r.party == self.plan.me.get())
    }

    /// Ids to pin once approved: a new wallet's members (or, for a
    /// replacement's new device, every member); for the other members of a
    /// replacement, the new device; nothing for a plain refresh.
    pub(crate) fn to_pin(&self) -> Vec<EndpointId> {
        let peers = || self.plan.peers.iter().map(|p| p.id).collect();
        match &self.plan.invitation.replace {
            _ if !self.refreshing() => peers(),
            Some(_) if self.is_target() => peers(),
            Some(r) => self
                .plan
                .invitation
                .members
                .iter()
                .filter(|m| m.party == r.party)
                .map(|m| m.addr.id)
                .collect(),
            None => Vec::new(),
        }
    }

    /// A member's view of a replacement: the new member and the lost device.
    pub(crate) fn replacing(&self) -> Option<(Member, EndpointId)> {
        let r = self.plan.invitation.replace.as_ref()?;
        let m = self
            .plan
            .invitation
            .members
            .iter()
            .find(|m| m.party == r.party)?;
        Some((
            Member {
                party: m.party,
                device: m.addr.id,
                name: m.name.clone(),
                addr: m.addr.clone(),
                role: m.role,
            },
            r.lost,
        ))
    }

    /// "creating wallet …" or "refreshing wallet …", for logs.
    pub(crate) fn doing(&self) -> String {
        let verb = if self.refreshing() {
            "refreshing"
        } else {
            "creating"
        };
        format!("{verb} wallet {:?}", self.plan.invitation.name)
    }
}
