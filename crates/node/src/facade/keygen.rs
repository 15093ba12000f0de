//! Creating a wallet from this device: the members' pairing tickets are
//! redeemed, the invitation names every member (device id, name, role),
//! and the inviter's side of the key generation session runs to its end
//! ([`crate::session::KeygenSession`]): the wallet exists only once every
//! member stored its shares.

use std::collections::BTreeSet;

use accord_mpc::{Parameters, Scheme};
use rand_core::OsRng;

use super::{KeygenError, Node, WalletSummary};
use crate::pairing::ticket::Ticket;
use crate::runner::{ProgressFn, drive};
use crate::session::{
    Failure, KeygenPlan, KeygenSession, Progress, ProgressState, Role, WalletSpec,
};
use crate::wallet::{Network, WalletRef};
use crate::wire::{InvitedMember, valid_name};

/// A wallet to create.
#[derive(Clone, Debug)]
pub struct CreateWallet {
    /// Its name (unique on every member).
    pub name: String,
    /// How many members must sign.
    pub threshold: u16,
    /// Its network.
    pub network: Network,
    /// The other members' pairing tickets.
    pub peers: Vec<Ticket>,
    /// The wallet's first policy (its `wallet_id`, `version` and
    /// `previous` are set here); `None`: the default for its network
    /// ([`crate::policy::defaults`]).
    pub policy: Option<crate::policy::PolicyDocument>,
}

impl Node {
    /// Creates a `threshold`-of-(1 + peers) wallet with the devices whose
    /// pairing tickets are given (redeemed first).
    pub async fn create_wallet(
        &self,
        request: &CreateWallet,
        progress: ProgressFn<'_>,
    ) -> Result<WalletSummary, KeygenError> {
        let name = request.name.trim().to_owned();
        if !valid_name(&name) {
            return Err(KeygenError::Invalid(format!(
                "invalid wallet name {name:?}: 1 to 64 characters, no control characters"
            )));
        }
        let parties = u16::try_from(request.peers.len() + 1).unwrap_or(u16::MAX);
        Parameters::new(request.threshold, parties)
            .map_err(|e| KeygenError::Invalid(e.to_string()))?;
        let taken = name.clone();
        if self
            .with_vault(move |v| v.record(&WalletRef::Name(taken)).is_ok())
            .await
        {
            return Err(KeygenError::Invalid(format!(
                "a wallet named {name:?} exists already"
            )));
        }
        let mut members = vec![InvitedMember {
            party: 1,
            addr: self.addr(),
            name: self.name(),
            role: self.role(),
        }];
        let mut seen = BTreeSet::from([self.id()]);
        for (i, ticket) in request.peers.iter().enumerate() {
            if !seen.insert(ticket.addr.id) {
                return Err(KeygenError::Invalid(
                    "the same device was given twice".into(),
                ));
            }
            let device = self.redeem(ticket).await?;
            let party = u8::try_from(i + 2).unwrap_or(u8::MAX);
            progress(Progress {
                party,
                name: device.name.clone(),
                state: ProgressState::Paired,
                detail: device.id.to_string(),
            });
            members.push(InvitedMember {
                party,
                addr: ticket.addr.clone(),
                role: device.name.parse().unwrap_or(Role::Member),
                name: device.name,
            });
        }
        let wallet = WalletSpec {
            name,
            threshold: request.threshold,
            network: request.network,
            policy: request.policy.clone(),
        };
        let plan = KeygenPlan::invite(
            wallet,
            members,
            Scheme::ALL.to_vec(),
            self.shared.timeouts,
            &mut OsRng,
        )
        .map_err(KeygenError::Failed)?;
        let session = KeygenSession::lead(plan);
        let created = drive(self.shared.clone(), session, None, None, progress)
            .await
            .map_err(|f: Failure| KeygenError::Failed(f))?;
        let id = WalletRef::Id(created.wallet);
        // Every member approved the first policy as it stored the wallet;
        // this device's approval goes out now, before anything is proposed.
        self.push_policies(Some(&id)).await?;
        Ok(self.with_vault(move |v| v.wallet(&id)).await?)
    }
}
