//! Proposer-only devices ([`crate::team::Grant`]) from a member: grant a
//! paired device the right to propose to a wallet (it holds no share and
//! cannot approve), withdraw it, list them; and, on a proposer-only
//! device, the wallets it may propose to.

use iroh::EndpointId;

use super::team::TeamError;
use super::{Node, Vault};
use crate::runner::team_grants::log_grant;
use crate::runner::team_wallet::{of_card, team_wallet_ref};
use crate::store::StoreError;
use crate::team::{Grant, MAX_NAME, grant};
use crate::transport::identity;
use crate::wallet::WalletRef;

/// A proposer-only device of a wallet, as a member sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposerView {
    /// The device (hex).
    pub device: String,
    /// Its person's name.
    pub name: String,
    /// Whether it may propose now.
    pub active: bool,
    /// The member who granted (or withdrew) it, by name.
    pub by: String,
    /// When.
    pub at: i64,
}

/// A wallet this device only proposes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposingTo {
    /// The wallet's name here.
    pub wallet: String,
    /// Its id.
    pub wallet_id: String,
    /// `t`.
    pub threshold: u16,
    /// Its members' names.
    pub members: Vec<String>,
    /// Whether this device may propose to it now.
    pub active: bool,
    /// The member whose grant stands, by name.
    pub by: String,
}

impl Vault {
    /// Lets paired `device` propose to `wallet` (`active`), or no longer;
    /// `name` defaults to the name it paired under.
    pub fn grant_proposer(
        &mut self,
        wallet: &WalletRef,
        device: EndpointId,
        name: Option<&str>,
        active: bool,
        now: i64,
    ) -> Result<Grant, TeamError> {
        let tw = team_wallet_ref(self.read(), wallet)?;
        if !tw.member_here() {
            return Err(TeamError::ProposerOnly(tw.name));
        }
        let hex_id = hex::encode(device.as_bytes());
        if tw.is_member(&hex_id) {
            return Err(TeamError::Invalid(format!(
                "{device} is a member of wallet {}: it approves already",
                tw.name
            )));
        }
        let paired = self.read().devices()?.into_iter().find(|d| d.id == device);
        let known = tw.grants.iter().find(|(g, _)| g.device == hex_id);
        let (addr, default_name) = match (paired, known) {
            (Some(d), _) => (d.addr, d.name),
            (None, Some((g, addr))) if !active => (addr.clone(), g.name.clone()),
            _ => {
                return Err(TeamError::Invalid(format!(
                    "{device} is not paired with this device: pair it first (accord device add)"
                )));
            }
        };
        let name = name.map_or(default_name, str::to_owned);
        if name.is_empty() || name.len() > MAX_NAME {
            return Err(TeamError::Invalid(format!(
                "a proposer's name must be 1 to {MAX_NAME} bytes"
            )));
        }
        let key = identity::secret_key(self.store())?;
        let at = known.map_or(now, |(g, _)| now.max(g.at.saturating_add(1)));
        let g = grant(&key, &tw.id, &hex_id, &name, active, at);
        let store = self.store();
        store.add_grant(&g, &addr)?;
        log_grant(store, &tw.id, &tw.name_of(&tw.me), &g, now)?;
        Ok(g)
    }

    /// The proposer-only devices of `wallet` (withdrawn ones too).
    pub fn proposers(&self, wallet: &WalletRef) -> Result<Vec<ProposerView>, StoreError> {
        let tw = team_wallet_ref(self.read(), wallet)?;
        Ok(tw
            .grants
            .iter()
            .map(|(g, _)| ProposerView {
                device: g.device.clone(),
                name: g.name.clone(),
                active: g.active,
                by: tw.name_of(&g.by),
                at: g.at,
            })
            .collect())
    }

    /// The wallets this device only proposes to.
    pub fn proposing_to(&self) -> Result<Vec<ProposingTo>, StoreError> {
        Ok(self
            .read()
            .watched()?
            .into_iter()
            .filter_map(|(name, card)| of_card(name, card))
            .map(|tw| {
                let grant = tw.proposer_grant.clone();
                ProposingTo {
                    by: grant
                        .as_ref()
                        .map_or_else(String::new, |g| tw.name_of(&g.by)),
                    active: grant.is_some_and(|g| g.active),
                    members: tw.members.iter().map(|m| m.name.clone()).collect(),
                    wallet: tw.name,
                    wallet_id: tw.id,
                    threshold: tw.threshold,
                }
            })
            .collect())
    }
}

impl Node {
    /// [`Vault::grant_proposer`], then the device is let in (or no longer)
    /// and the grant relayed to the members and the card to the device at
    /// once.
    pub async fn grant_proposer(
        &self,
        wallet: WalletRef,
        device: EndpointId,
        name: Option<String>,
        active: bool,
    ) -> Result<Grant, TeamError> {
        let made = self
            .with_vault(move |v| {
                v.grant_proposer(
                    &wallet,
                    device,
                    name.as_deref(),
                    active,
                    crate::runner::now(),
                )
            })
            .await?;
        self.shared.repin(vec![device]).await;
        self.shared.team_wake.notify_one();
        Ok(made)
    }
}
