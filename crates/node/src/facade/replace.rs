//! Replacing a lost device from another member: the new device is paired
//! (its ticket redeemed), then every other member repairs its shares and
//! all refresh ([`crate::session::keygen`]); the lost device is removed
//! from the wallet and banned. A member whose approvals follow the policy
//! (the recovery server) takes part only once the replacement has waited
//! for its delay there (the wallet policy's `replace_delay`, 72 hours by
//! default, or the server operator's setting); until then the session is
//! refused with the time it ends, and any member can cancel the
//! replacement ([`Node::cancel_replacement`]), which starts the wait over.

use iroh::EndpointId;
use rand_core::OsRng;

use super::{KeygenError, Node};
use crate::pairing::ticket::Ticket;
use crate::runner::{ProgressFn, drive, host, now};
use crate::session::{Failure, KeygenPlan, KeygenSession, Role};
use crate::store::StoreError;
use crate::wallet::WalletRef;
use crate::wire::{Control, InvitedMember};

/// How a replacement ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// Done everywhere: the new device holds the lost one's party.
    Done {
        /// The wallet's id.
        wallet: String,
        /// The key epoch every member is on now.
        epoch: u64,
        /// The lost device.
        replaced: EndpointId,
        /// The new device.
        by: EndpointId,
    },
    /// A member takes part only after the delay, which ends then (seconds
    /// since the epoch): ask again after it (any member may cancel
    /// meanwhile).
    Pending {
        /// When.
        until: i64,
    },
}

/// The end of a replacement's delay, if `failure` is a refusal for it.
fn pending_until(failure: &Failure) -> Option<i64> {
    let Failure::Declined { reason, .. } = failure else {
        return None;
    };
    let at = reason.find(host::PENDING_UNTIL)? + host::PENDING_UNTIL.len();
    reason[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

impl Node {
    /// Replaces the member `lost` of `wallet` with the device of `ticket`.
    pub async fn replace_device(
        &self,
        wallet: &WalletRef,
        lost: EndpointId,
        ticket: &Ticket,
        progress: ProgressFn<'_>,
    ) -> Result<Replaced, KeygenError> {
        let local = self.local_wallet(wallet).await?;
        if !local.members.iter().any(|m| m.device == lost) {
            return Err(KeygenError::Invalid(format!(
                "device {lost} is not a member of wallet {}",
                local.record.name
            )));
        }
        // Paired by an earlier attempt already (a ticket is used once).
        let id = ticket.addr.id;
        let paired = self
            .with_vault(move |v| v.devices())
            .await?
            .into_iter()
            .find(|d| d.id == id);
        let device = match paired {
            Some(d) => d,
            None => self.redeem(ticket).await?,
        };
        let new = InvitedMember {
            party: 0,
            addr: ticket.addr.clone(),
            role: device.name.parse().unwrap_or(Role::Member),
            name: device.name,
        };
        let by = new.addr.id;
        // Every member is told (the device being replaced too: it may not
        // be lost but stolen from, and cancel), each at once, while the
        // session runs.
        let mut notices = tokio::task::JoinSet::new();
        if let Some(party) = local
            .members
            .iter()
            .find(|m| m.device == lost)
            .map(|m| m.party)
        {
            let notice = Control::ReplacementAsked {
                wallet_id: local.record.id.clone(),
                party,
                new_device: by,
                new_name: new.name.clone(),
            };
            let me = self.id();
            let to: Vec<_> = local
                .members
                .iter()
                .filter(|m| m.device != me)
                .map(|m| m.addr.clone())
                .collect();
            for addr in to {
                let (shared, notice) = (self.shared.clone(), notice.clone());
                notices.spawn(async move {
                    let _ = shared.send_control(&addr, &notice).await;
                });
            }
        }
        let plan = KeygenPlan::replace(local, lost, new, self.shared.timeouts, &mut OsRng)
            .map_err(KeygenError::NotRefreshed)?;
        let outcome = drive(
            self.shared.clone(),
            KeygenSession::lead(plan),
            None,
            None,
            progress,
        )
        .await;
        // The notices to devices that answer are out by now; one to a
        // device that is gone gives up here.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
            while notices.join_next().await.is_some() {}
        })
        .await;
        match outcome {
            Ok(done) => Ok(Replaced::Done {
                wallet: done.wallet,
                epoch: done.epoch,
                replaced: lost,
                by,
            }),
            Err(failure) => match pending_until(&failure) {
                Some(until) => Ok(Replaced::Pending { until }),
                None => Err(KeygenError::NotRefreshed(failure)),
            },
        }
    }

    /// Cancels a replacement of a device of `wallet` waiting for its delay:
    /// every member is told (those online now); each forgets it.
    pub async fn cancel_replacement(&self, wallet: &WalletRef) -> Result<usize, StoreError> {
        let wallet = wallet.clone();
        let (id, members) = self
            .with_vault(move |v| {
                let record = v.record(&wallet)?;
                let members = v.read().members(&record)?;
                v.store().cancel_replacement(&record.id, now())?;
                Ok::<_, StoreError>((record.id, members))
            })
            .await?;
        let me = self.id();
        let control = Control::CancelReplacement { wallet_id: id };
        let mut told = 0;
        for m in members.iter().filter(|m| m.device != me) {
            if self.shared.send_control(&m.addr, &control).await.is_ok() {
                told += 1;
            }
        }
        Ok(told)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Culprit;

    #[test]
    fn the_end_of_the_delay_is_read_from_the_refusal() {
        let declined = |reason: &str| Failure::Declined {
            who: Culprit {
                party: 3,
                device_id: String::new(),
                name: "recovery".into(),
            },
            reason: reason.into(),
        };
        let f = declined("the replacement waits for its delay: pending_until=1765000000 (any …)");
        assert_eq!(pending_until(&f), Some(1_765_000_000));
        assert_eq!(pending_until(&declined("no")), None);
    }
}
