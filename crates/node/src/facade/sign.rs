//! Co-signing from this device: the plan (wallet, share, members, bans,
//! signatures already finished) is read from the store, the proposer
//! session runs to its end ([`crate::session::Proposer`]), and the
//! signatures — verified again by the chain's own library — make the
//! transaction.

use std::collections::BTreeSet;
use std::sync::Arc;

use accord_chains::signing::{Prepared, Signed, ThresholdSignature, prepare};
use accord_chains::{Chain, Preview};
use accord_mpc::PartyId;

use super::{Node, SignError};
use crate::event::EventKind;
use crate::runner::{ProgressFn, drive};
use crate::session::cosign::MAX_PARTS;
use crate::session::{Failure, Peer, Proposer, SignPlan, Timeouts};
use crate::store::{Persist, StoreError};
use crate::wallet::{WalletRef, public_keys, scheme_of};
use crate::wire::MAX_UNSIGNED;

/// What to sign.
#[derive(Clone, Debug)]
pub struct SignRequest {
    /// The wallet.
    pub wallet: WalletRef,
    /// The chain.
    pub chain: Chain,
    /// The unsigned transaction, raw.
    pub unsigned: Vec<u8>,
    /// Party ids of members to try first, in order (then the others in
    /// party order).
    pub prefer: Vec<u8>,
    /// Sign with the members in `prefer` only (a team proposal: its
    /// approvers), never asking another.
    pub only: bool,
}

/// A signed transaction.
#[derive(Debug)]
pub struct SignOutcome {
    /// What was signed.
    pub preview: Preview,
    /// The transaction, ready to broadcast.
    pub signed: Signed,
    /// The names of the devices that signed (this one first).
    pub signers: Vec<String>,
    /// Attempts made (1 if the first quorum signed; 0 if every signature
    /// was already known).
    pub attempts: u32,
    /// The signatures the transaction was assembled from, in order.
    pub signatures: Vec<ThresholdSignature>,
}

impl Node {
    /// Co-signs `request.unsigned` with a quorum of the wallet's members and
    /// returns the verified, assembled transaction. Quorums are tried in
    /// order of preference (2-of-3 on the desktop: the phone, else the
    /// recovery server); a member's refusal ends it.
    pub async fn sign(
        &self,
        request: &SignRequest,
        progress: ProgressFn<'_>,
    ) -> Result<SignOutcome, SignError> {
        if request.unsigned.len() > MAX_UNSIGNED {
            return Err(SignError::TooLarge {
                len: request.unsigned.len(),
                max: MAX_UNSIGNED,
            });
        }
        sign_with(&self.shared, request, progress).await
    }
}

/// [`Node::sign`] on the runner's shared state (a team proposal's signer
/// runs it from the runner).
pub(crate) async fn sign_with(
    shared: &Arc<crate::runner::Shared>,
    request: &SignRequest,
    progress: ProgressFn<'_>,
) -> Result<SignOutcome, SignError> {
    let req = request.clone();
    let (me, timeouts) = (shared.name(), shared.timeouts);
    let plan = move |store: &mut dyn crate::store::Persist| sign_plan(&*store, &req, &me, timeouts);
    let (prepared, plan) = shared.store_for_tx(request.unsigned.len(), plan).await?;
    let plan_wallet = plan.wallet.clone();
    let result = drive(shared.clone(), Proposer::new(plan), None, None, progress).await;
    let result = match result {
        Ok(r) => r,
        Err(Failure::Declined { who, reason }) => {
            return Err(SignError::Declined { who, reason });
        }
        Err(f) => return Err(SignError::Failed(f)),
    };
    let sigs: Vec<ThresholdSignature> = result
        .signatures
        .iter()
        .map(|s| ThresholdSignature {
            bytes: s.to_bytes(),
            recovery_id: s.recovery_id(),
        })
        .collect();
    let signed = prepared.finish(&sigs)?;
    let mut signers = vec![shared.name()];
    signers.extend(result.cosigners.into_iter().map(|c| c.name));
    if result.attempts > 0 {
        shared.log(
            Some(&plan_wallet),
            EventKind::Signed,
            &format!(
                "{} transaction {} with {}",
                request.chain,
                signed.txid,
                signers.get(1..).unwrap_or_default().join(", ")
            ),
        );
    }
    Ok(SignOutcome {
        preview: prepared.preview,
        signed,
        signers,
        attempts: result.attempts,
        signatures: sigs,
    })
}

/// What the proposer needs, read from `store` (the wallet, this device's
/// share, the members in order of preference, bans, signatures already
/// finished) and the transaction's preview and messages, computed here.
pub fn sign_plan(
    store: &dyn Persist,
    request: &SignRequest,
    me: &str,
    timeouts: Timeouts,
) -> Result<(Prepared, SignPlan), SignError> {
    let record = match &request.wallet {
        WalletRef::Name(n) => store.wallet(n)?,
        WalletRef::Id(id) => store.wallet_by_id(id)?,
    };
    let keys = public_keys(&store.group_keys(&record)?)
        .ok_or_else(|| StoreError::Corrupt(format!("the public keys of wallet {}", record.name)))?;
    let prepared = prepare(
        request.chain,
        record.network.name(),
        &request.unsigned,
        &keys,
    )?;
    if prepared.messages.len() > MAX_PARTS {
        return Err(SignError::TooManySignatures {
            count: prepared.messages.len(),
            max: MAX_PARTS,
        });
    }
    let scheme = scheme_of(prepared.kind);
    let share = Arc::new(store.share(&record, scheme)?);
    let mut members: Vec<Peer> = store
        .members(&record)?
        .into_iter()
        .filter(|m| m.party != record.party)
        .map(|m| {
            Ok(Peer {
                party: PartyId::new(u16::from(m.party))
                    .ok_or_else(|| StoreError::Corrupt("a member's party".into()))?,
                id: m.device,
                addr: m.addr,
                name: m.name,
                role: m.role,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    if request.only {
        members.retain(|p| request.prefer.contains(&p.party.get()));
    }
    members.sort_by_key(|p| {
        request
            .prefer
            .iter()
            .position(|q| *q == p.party.get())
            .unwrap_or(usize::MAX)
    });
    let banned: BTreeSet<PartyId> = store
        .banned(&record, scheme)?
        .into_iter()
        .filter_map(|p| PartyId::new(u16::from(p)))
        .collect();
    let done = prepared
        .messages
        .iter()
        .map(|m| store.finished_signature(&record, scheme, m))
        .collect::<Result<_, _>>()?;
    let plan = SignPlan {
        wallet: record.id.clone(),
        threshold: record.threshold,
        epoch: record.epoch,
        me: me.to_owned(),
        share,
        members,
        banned,
        chain: request.chain,
        unsigned: request.unsigned.clone(),
        messages: prepared.messages.clone(),
        done,
        timeouts,
    };
    Ok((prepared, plan))
}
