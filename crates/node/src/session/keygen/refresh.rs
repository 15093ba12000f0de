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
use crate::store::{Member, WalletRecord};
use crate::wire::{Invitation, InvitedMember};

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

fn invited(members: &[Member]) -> Vec<InvitedMember> {
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
        let same_members = invitation.members.len() == wallet.members.len()
            && invitation.members.iter().all(|m| {
                wallet
                    .members
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
        };
        // Members are reached at the addresses this device holds.
        let local = Invitation {
            members: invited(&wallet.members),
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

    /// Whether this session refreshes an existing wallet.
    pub(crate) fn refreshing(&self) -> bool {
        self.plan.invitation.refresh.is_some()
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
