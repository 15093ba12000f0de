//! Asking this device's person about pending policy versions it has not
//! signed: a change proposed on another member device reaches this one by
//! the policy sync ([`super::policy_sync`]); an approver that asks a
//! person ([`crate::approve::Approver::asks_about_policies`]) is shown it
//! once per run, on a thread of its own, and a yes signs it here with the
//! device's identity key (then pushed to the members like any statement).
//! A no signs nothing; cancelling is `accord policy cancel`.

use std::collections::HashSet;
use std::sync::Arc;

use super::{Shared, now};
use crate::approve::{Decision, PolicyRequest};
use crate::event::EventKind;
use crate::policy::{self, PolicyDocument, Standing, Statement, describe::describe};
use crate::store::{Persist, StoreError, WalletRecord};

/// A question to ask: the request, and what a yes signs.
struct Question {
    record: WalletRecord,
    document: PolicyDocument,
    request: PolicyRequest,
}

/// Asks about every pending version not asked about yet (`asked` holds
/// their hashes).
pub(crate) async fn ask_new(shared: &Arc<Shared>, asked: &mut HashSet<String>) {
    if !shared.approver.asks_about_policies() {
        return;
    }
    let questions = match shared.with_store(|store| questions(store, now())).await {
        Ok(q) => q,
        Err(e) => {
            shared.log(None, EventKind::Failed, &format!("policy prompt: {e}"));
            return;
        }
    };
    for q in questions {
        if asked.insert(q.request.hash.clone()) {
            tokio::spawn(ask(shared.clone(), q));
        }
    }
}

async fn ask(shared: Arc<Shared>, q: Question) {
    let approver = shared.approver.clone();
    let request = q.request.clone();
    let handle = tokio::runtime::Handle::current();
    let decided =
        tokio::task::spawn_blocking(move || handle.block_on(approver.policy(&request))).await;
    let Question {
        record,
        document,
        request,
    } = q;
    let what = format!(
        "policy v{} ({}) of wallet {}",
        request.version,
        &request.hash[..12],
        request.wallet
    );
    match decided {
        Ok(Decision::Approve) => {
            let signed = shared
                .with_store(move |store| {
                    super::policy_sync::sign_and_keep(
                        store,
                        &record,
                        &document,
                        Statement::Approve,
                        now(),
                    )
                })
                .await;
            match signed {
                Ok(()) => shared.log(
                    Some(&request.wallet_id),
                    EventKind::Policy,
                    &format!("{what}: approved here"),
                ),
                Err(e) => shared.log(
                    Some(&request.wallet_id),
                    EventKind::Failed,
                    &format!("{what}: could not sign the approval: {e}"),
                ),
            }
        }
        Ok(Decision::Reject(why)) => shared.log(
            Some(&request.wallet_id),
            EventKind::Rejected,
            &format!("{what}: not approved here ({why})"),
        ),
        Err(_) => {}
    }
}

/// The pending versions this device has not signed, of every wallet.
fn questions(store: &mut dyn Persist, now: i64) -> Result<Vec<Question>, StoreError> {
    let me = policy::device_hex(&crate::transport::identity::device_id(store)?);
    let now = u64::try_from(now).unwrap_or(0);
    let mut out = Vec::new();
    for record in store.wallets()? {
        let members = store.members(&record)?;
        let signers = policy::signers_of(&members, record.threshold);
        if !signers.user_devices.contains(&me) {
            continue;
        }
        let versions = store.policy_versions(&record)?;
        let resolved = policy::resolve(&versions, &signers, now);
        let name = |d: &String| {
            members
                .iter()
                .find(|m| &policy::device_hex(&m.device) == d)
                .map_or_else(|| d.clone(), |m| m.name.clone())
        };
        for p in &resolved.pending {
            let Standing::Pending { needs, loosens, .. } = &p.standing else {
                continue;
            };
            let mine = versions
                .iter()
                .find(|v| v.document == p.document)
                .is_some_and(|v| v.statements.iter().any(|(e, _)| e.device == me));
            if *needs == 0 || mine {
                continue;
            }
            out.push(Question {
                record: record.clone(),
                document: p.document.clone(),
                request: PolicyRequest {
                    wallet: record.name.clone(),
                    wallet_id: record.id.clone(),
                    version: p.document.version,
                    hash: p.document.hash_hex(),
                    replaces: resolved.active.as_ref().map(|a| a.version),
                    rules: describe(&p.document),
                    loosens: loosens.clone(),
                    approved_by: p.approved_by.iter().map(name).collect(),
                },
            });
        }
    }
    Ok(out)
}
