//! Refreshing a wallet's shares from this device: every member takes part
//! (each approves: a person at its prompt, the recovery server by rule) and
//! the wallet keeps its keys and addresses while every share — and so every
//! copy and backup of one — from before stops working
//! ([`crate::session::keygen`]'s two-phase commit on key epochs).

use rand_core::OsRng;

use super::{KeygenError, Node};
use crate::runner::{ProgressFn, drive, host};
use crate::session::{Failure, KeygenPlan, KeygenSession};
use crate::wallet::WalletRef;

/// A refresh done everywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refreshed {
    /// The wallet's id.
    pub wallet: String,
    /// The key epoch every member is on now.
    pub epoch: u64,
}

impl Node {
    /// What this device holds of `wallet`, for a refresh or replacement.
    pub(super) async fn local_wallet(
        &self,
        wallet: &WalletRef,
    ) -> Result<crate::session::keygen::LocalWallet, crate::store::StoreError> {
        let wallet = wallet.clone();
        self.with_vault(move |v| {
            let id = v.record(&wallet)?.id;
            host::local_wallet(v.read(), &id)
        })
        .await
    }

    /// Refreshes `wallet`'s shares with every member (all must be online).
    pub async fn refresh_wallet(
        &self,
        wallet: &WalletRef,
        progress: ProgressFn<'_>,
    ) -> Result<Refreshed, KeygenError> {
        let local = self.local_wallet(wallet).await?;
        let plan = KeygenPlan::refresh(local, self.shared.timeouts, &mut OsRng)
            .map_err(KeygenError::NotRefreshed)?;
        let done = drive(
            self.shared.clone(),
            KeygenSession::lead(plan),
            None,
            None,
            progress,
        )
        .await
        .map_err(|f: Failure| KeygenError::NotRefreshed(f))?;
        Ok(Refreshed {
            wallet: done.wallet,
            epoch: done.epoch,
        })
    }
}
