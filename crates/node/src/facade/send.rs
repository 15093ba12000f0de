//! Sending: build the transfer from the chain's node (nonce, coins, fees,
//! blockhash) and preview it without signing ([`Node::prepare_send`]);
//! then, once the user confirmed that preview, co-sign it, broadcast it,
//! wait for its block and record it ([`Node::send`]). Both faces call
//! these two; neither composes the steps itself.

use accord_chains::signing::Prepared;
use accord_chains::{Amount, Chain};

use super::sign::{SignOutcome, SignRequest};
use super::{Node, SendError};
use crate::event::EventKind;
use crate::policy::PolicyCheck;
use crate::rpc::{self, Http, Transfer};
use crate::runner::ProgressFn;
use crate::session::{Progress, ProgressState};
use crate::store::StoreError;
use crate::wallet::{WalletRef, public_keys};

/// A transfer built and previewed, waiting for the user's confirmation.
#[derive(Clone, Debug)]
pub struct Draft {
    /// The wallet (by id).
    pub wallet: WalletRef,
    /// The wallet's name.
    pub wallet_name: String,
    /// The chain.
    pub chain: Chain,
    /// The unsigned transaction.
    pub unsigned: Vec<u8>,
    /// Its preview and messages, computed here from the raw bytes.
    pub prepared: Prepared,
    /// The verdict of the policy in force here (what the recovery server
    /// will decide, by this device's count of the windows), if any.
    pub policy: Option<PolicyCheck>,
    /// The chain's API it was built from and goes to.
    pub endpoint: String,
}

/// A transfer sent and confirmed.
#[derive(Debug)]
pub struct SendOutcome {
    /// The signing.
    pub signed: SignOutcome,
    /// The block (height, number or slot) it is in.
    pub block: u64,
}

impl Node {
    /// Builds `transfer` from the wallet with the chain's API at `endpoint`
    /// and previews it; nothing is signed.
    pub async fn prepare_send(
        &self,
        wallet: &WalletRef,
        transfer: &Transfer,
        endpoint: &str,
    ) -> Result<Draft, SendError> {
        let http = Http::new(endpoint)?;
        let r = wallet.clone();
        let (record, keys) = self
            .with_vault(move |v| -> Result<_, StoreError> {
                let record = v.record(&r)?;
                let keys = public_keys(&v.read().group_keys(&record)?).ok_or_else(|| {
                    StoreError::Corrupt(format!("the public keys of wallet {}", record.name))
                })?;
                Ok((record, keys))
            })
            .await?;
        let unsigned = rpc::build(&http, transfer, record.network.name(), &keys).await?;
        let (r, bytes, chain) = (record.clone(), unsigned.clone(), transfer.chain);
        let (prepared, policy) = self
            .with_vault(move |v| -> Result<_, SendError> {
                let prepared = v.prepare_for(&r, chain, &bytes)?;
                let policy = v.recovery_verdict(
                    &WalletRef::Id(r.id.clone()),
                    chain,
                    &prepared.preview,
                    &bytes,
                )?;
                Ok((prepared, policy))
            })
            .await?;
        Ok(Draft {
            wallet: WalletRef::Id(record.id),
            wallet_name: record.name,
            chain,
            unsigned,
            prepared,
            policy,
            endpoint: endpoint.to_owned(),
        })
    }

    /// Co-signs `draft`, broadcasts it, waits for its block (at most
    /// [`rpc::CONFIRM_TIMEOUT`]) and records it in the event log.
    pub async fn send(
        &self,
        draft: &Draft,
        progress: ProgressFn<'_>,
    ) -> Result<SendOutcome, SendError> {
        let http = Http::new(&draft.endpoint)?;
        let request = SignRequest {
            wallet: draft.wallet.clone(),
            chain: draft.chain,
            unsigned: draft.unsigned.clone(),
            prefer: Vec::new(),
            only: false,
        };
        let signed = self.sign(&request, progress).await?;
        let txid = signed.signed.txid.clone();
        let network = |state, detail: String| Progress {
            party: 0,
            name: "network".into(),
            state,
            detail,
        };
        progress(network(
            ProgressState::Broadcast,
            format!("transaction {txid} sent to the node"),
        ));
        let wallet_id = match &draft.wallet {
            WalletRef::Id(id) => id.clone(),
            WalletRef::Name(_) => String::new(),
        };
        match rpc::broadcast(&http, draft.chain, &signed.signed).await {
            Ok(block) => {
                progress(network(
                    ProgressState::Confirmed,
                    format!("in block {block}"),
                ));
                self.shared.log(
                    Some(&wallet_id),
                    EventKind::Sent,
                    &format!("{} transaction {txid} in block {block}", draft.chain),
                );
                Ok(SendOutcome { signed, block })
            }
            Err(e) => {
                self.shared.log(
                    Some(&wallet_id),
                    EventKind::Failed,
                    &format!("sending {} transaction {txid}: {e}", draft.chain),
                );
                Err(e.into())
            }
        }
    }

    /// The wallet's native balance on `chain`, from the chain's API at `endpoint`.
    pub async fn balance(
        &self,
        wallet: &WalletRef,
        chain: Chain,
        endpoint: &str,
    ) -> Result<Amount, SendError> {
        let http = Http::new(endpoint)?;
        let r = wallet.clone();
        let (network, keys) = self
            .with_vault(move |v| -> Result<_, StoreError> {
                let record = v.record(&r)?;
                let keys = public_keys(&v.read().group_keys(&record)?).ok_or_else(|| {
                    StoreError::Corrupt(format!("the public keys of wallet {}", record.name))
                })?;
                Ok((record.network, keys))
            })
            .await?;
        Ok(rpc::balance(&http, chain, network.name(), &keys).await?)
    }
}
