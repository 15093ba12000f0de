//! Devices: pairing tickets, pairing, removing a device (cut off at once:
//! unpinned from the live allow-list; its wallet memberships change only
//! through a wallet change), and who is online.

use std::time::Duration;

use futures_util::future::join_all;
use iroh::EndpointId;

use super::{Node, PairingError};
use crate::pairing::ticket::Ticket;
use crate::runner::{now, pair};
use crate::store::{Member, PairedDevice, StoreError};
use crate::wallet::WalletRef;

impl Node {
    /// Issues a one-time pairing ticket valid for `ttl`.
    pub fn issue_ticket(&self, ttl: Duration) -> Result<Ticket, PairingError> {
        let addr = self.shared.transport.addr();
        Ok(pair::issue_ticket(
            &mut *self.shared.store(),
            &self.shared.name(),
            addr,
            ttl,
        )?)
    }

    /// Redeems `ticket`: pins its device here and this device there.
    pub async fn redeem(&self, ticket: &Ticket) -> Result<PairedDevice, PairingError> {
        pair::redeem(&self.shared, ticket).await
    }

    /// Removes device `id`: it is cut off at once and no longer let in,
    /// also as a member of a wallet (its membership changes only through a
    /// wallet change). `false` if it was not paired.
    pub async fn remove_device(&self, id: EndpointId) -> Result<bool, StoreError> {
        self.shared.transport.allowlist().unpin(&id);
        self.shared
            .with_store(move |store| store.remove_device(&id, now()))
            .await
    }

    /// The paired devices, each with whether it answered a ping within `timeout`.
    pub async fn devices_online(
        &self,
        timeout: Duration,
    ) -> Result<Vec<(PairedDevice, bool)>, StoreError> {
        let devices = self.shared.with_store(|store| store.devices()).await?;
        let asks = devices.into_iter().map(|d| async move {
            let online = self.ping(d.addr.clone(), timeout).await;
            (d, online)
        });
        Ok(join_all(asks).await)
    }

    /// The wallet's other members, each with whether it answered a ping
    /// within `timeout`.
    pub async fn presence(
        &self,
        wallet: &WalletRef,
        timeout: Duration,
    ) -> Result<Vec<(Member, bool)>, StoreError> {
        let wallet = wallet.clone();
        let members = self
            .with_vault(move |v| {
                let record = v.record(&wallet)?;
                v.read().members(&record)
            })
            .await?;
        let me = self.id();
        let asks = members
            .into_iter()
            .filter(|m| m.device != me)
            .map(|m| async move {
                let online = self.ping(m.addr.clone(), timeout).await;
                (m, online)
            });
        Ok(join_all(asks).await)
    }
}
