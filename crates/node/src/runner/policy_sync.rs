//! Members exchange their wallets' policy versions and the signed
//! statements about them: each device pushes what it holds to every other
//! member when it changes here (a change made by this node, or by the
//! `accord` CLI in the same store) and every [`PUSH_EVERY`] in any case (a
//! member that was offline gets it when back). A receiver keeps only what
//! verifies: a member's document for that wallet, and statements whose
//! signatures check and come from members. Which version is in force is
//! then decided by each device alone ([`crate::policy::resolve`]).
//!
//! Every wallet gets its first policy here too, if it has none: the
//! default ([`crate::policy::defaults`]), approved by this device — in
//! force once every member's approval has arrived.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use iroh::{EndpointAddr, EndpointId};

use super::{Shared, now};
use crate::event::EventKind;
use crate::policy::signed::{self, Statement};
use crate::policy::{self, PolicyDocument, defaults};
use crate::store::{Persist, StoreError, WalletRecord};
use crate::wire::{Control, PolicySync};

/// How often everything is pushed to every member.
const PUSH_EVERY: Duration = Duration::from_secs(20);

/// How often changes are looked for.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// How long one push to a member may take (an offline one costs this).
const SEND_LIMIT: Duration = Duration::from_secs(2);

/// The most versions a wallet keeps from its members.
pub const MAX_VERSIONS: usize = 256;

/// What to push for one wallet.
struct Push {
    wallet: String,
    fingerprint: usize,
    to: Vec<EndpointAddr>,
    messages: Vec<Control>,
}

/// The routing id of the answers to a pull.
pub(crate) fn pull_session(nonce: u64) -> crate::wire::SessionBytes {
    let mut id = [0u8; 32];
    id[..8].copy_from_slice(b"polpull\0");
    id[24..].copy_from_slice(&nonce.to_be_bytes());
    id
}

/// Answers a member's pull: what this device holds of the wallet's
/// policy, then the end marker (on the same stream, so after them).
pub(crate) async fn answer_pull(shared: Arc<Shared>, from: EndpointId, wallet: String, nonce: u64) {
    let Some(p) = pushes(&shared, Some(wallet))
        .await
        .ok()
        .and_then(|p| p.into_iter().next())
    else {
        return;
    };
    let Some(addr) = p.to.iter().find(|a| a.id == from).cloned() else {
        // Not a member of that wallet: nothing.
        return;
    };
    for m in &p.messages {
        if shared.send_control(&addr, m).await.is_err() {
            return;
        }
    }
    let _ = shared
        .send_control(&addr, &Control::PolicyPulled { nonce })
        .await;
}

/// Asks every other member of `wallet` for what it holds of the wallet's
/// policy and waits (at most `timeout`) until each reachable one has
/// answered; how many did.
pub(crate) async fn pull(
    shared: &Arc<Shared>,
    wallet: String,
    timeout: Duration,
) -> Result<usize, StoreError> {
    let w = wallet.clone();
    let members = shared
        .with_store(move |store| -> Result<_, StoreError> {
            let me = crate::transport::identity::device_id(store)?;
            let record = store.wallet_by_id(&w)?;
            Ok(store
                .members(&record)?
                .into_iter()
                .filter(|m| m.device != me)
                .map(|m| m.addr)
                .collect::<Vec<_>>())
        })
        .await?;
    let nonce = rand_core::RngCore::next_u64(&mut rand_core::OsRng);
    let Some((_route, mut rx)) = shared.router.register(&[pull_session(nonce)]) else {
        return Ok(0);
    };
    let ask = Control::PolicyPull {
        wallet_id: wallet,
        nonce,
    };
    let asked = async {
        // Concurrently: a member that is offline costs a connect timeout.
        let sends = members
            .iter()
            .map(|addr| async { shared.send_control(addr, &ask).await.ok().map(|()| addr.id) });
        let mut waiting: Vec<EndpointId> = futures_util::future::join_all(sends)
            .await
            .into_iter()
            .flatten()
            .collect();
        let expected = waiting.len();
        while !waiting.is_empty() {
            let Some(inbound) = rx.recv().await else {
                break;
            };
            waiting.retain(|id| *id != inbound.from);
        }
        expected
    };
    Ok(tokio::time::timeout(timeout, asked).await.unwrap_or(0))
}

/// Pushes the policy versions of wallet `only` (every wallet: `None`) to
/// its members now, each message handed to the transport before this
/// returns (so a proposal sent after it arrives after it).
pub(crate) async fn push_now(shared: &Arc<Shared>, only: Option<String>) -> Result<(), StoreError> {
    for p in pushes(shared, only).await? {
        send(shared, &p).await;
    }
    Ok(())
}

async fn send(shared: &Shared, p: &Push) {
    let sends = p.to.iter().map(|addr| async move {
        for m in &p.messages {
            let sent = tokio::time::timeout(SEND_LIMIT, shared.send_control(addr, m)).await;
            if !matches!(sent, Ok(Ok(()))) {
                return;
            }
        }
    });
    futures_util::future::join_all(sends).await;
}

/// Pushes policy changes to members, forever.
pub(crate) async fn sync(shared: Arc<Shared>) {
    let mut last: HashMap<String, usize> = HashMap::new();
    let mut quiet = Duration::ZERO;
    let mut asked = std::collections::HashSet::new();
    let mut seen = None;
    while !shared.stopping() {
        let full = quiet >= PUSH_EVERY;
        // Nothing changed since the last look: nothing to push (but the
        // full push), nothing new to ask about.
        let generation = shared
            .with_store(|store| store.policy_generation().ok())
            .await;
        if !full && generation.is_some() && generation == seen {
            tokio::time::sleep(LOOK_EVERY).await;
            quiet += LOOK_EVERY;
            continue;
        }
        match pushes(&shared, None).await {
            Ok(pushes) => {
                for p in pushes {
                    if full || last.get(&p.wallet) != Some(&p.fingerprint) {
                        send(&shared, &p).await;
                        last.insert(p.wallet, p.fingerprint);
                    }
                }
            }
            Err(e) => shared.log(None, EventKind::Failed, &format!("policy sync: {e}")),
        }
        super::policy_prompt::ask_new(&shared, &mut asked).await;
        seen = generation;
        if full {
            quiet = Duration::ZERO;
        }
        tokio::time::sleep(LOOK_EVERY).await;
        quiet += LOOK_EVERY;
    }
}

/// Every wallet's versions (or wallet `only`'s), as messages to its other
/// members — a few wallets per store turn, so that sessions are not kept
/// waiting for a pass over every wallet.
async fn pushes(shared: &Arc<Shared>, only: Option<String>) -> Result<Vec<Push>, StoreError> {
    let me = shared.transport.id();
    let records = shared
        .with_store(move |store| -> Result<Vec<WalletRecord>, StoreError> {
            match only {
                Some(id) => match store.wallet_by_id(&id) {
                    Ok(r) => Ok(vec![r]),
                    Err(StoreError::NotFound(_)) => Ok(Vec::new()),
                    Err(e) => Err(e),
                },
                None => store.wallets(),
            }
        })
        .await?;
    Ok(shared
        .in_chunks("policy sync", records, move |store, record| {
            push_for(store, me, record, now()).map(Some)
        })
        .await)
}

/// Wallet `record`'s versions, as messages to its members other than `me`
/// (and the default first policy, approved here, if it has none).
fn push_for(
    store: &mut dyn Persist,
    me: EndpointId,
    record: WalletRecord,
    now: i64,
) -> Result<Push, StoreError> {
    let mut versions = store.policy_versions(&record)?;
    if versions.is_empty() {
        let first = defaults::first_policy(&record.id, record.network);
        approve(store, &record, &first, now)?;
        versions = store.policy_versions(&record)?;
    }
    let members = store.members(&record)?;
    let (delayed, delayed_rows) =
        super::delayed_sync::messages(store, &record, u64::try_from(now).unwrap_or(0))?;
    let fingerprint =
        versions.len() + versions.iter().map(|v| v.statements.len()).sum::<usize>() + delayed_rows;
    Ok(Push {
        wallet: record.id.clone(),
        fingerprint,
        to: members
            .iter()
            .filter(|m| m.device != me)
            .map(|m| m.addr.clone())
            .collect(),
        messages: versions
            .into_iter()
            .map(|v| {
                Control::Policy(PolicySync {
                    wallet_id: record.id.clone(),
                    document: v.document.to_json(),
                    statements: v.statements.into_iter().map(|(e, _)| e).collect(),
                })
            })
            .chain(delayed)
            .collect(),
    })
}

/// Signs `statement` about `doc` with this device's identity key and keeps
/// both.
pub(crate) fn sign_and_keep(
    store: &mut dyn Persist,
    record: &crate::store::WalletRecord,
    doc: &PolicyDocument,
    statement: Statement,
    now: i64,
) -> Result<(), StoreError> {
    let key = iroh::SecretKey::from_bytes(&*store.device_secret()?);
    let e = signed::endorse(&key, doc, statement);
    store.add_policy(record, doc, &[e], now)?;
    Ok(())
}

fn approve(
    store: &mut dyn Persist,
    record: &crate::store::WalletRecord,
    doc: &PolicyDocument,
    now: i64,
) -> Result<(), StoreError> {
    sign_and_keep(store, record, doc, Statement::Approve, now)
}

/// Keeps what a member sent of a wallet's policy, after checking it; how
/// many new rows, or why it was refused.
pub(crate) fn receive(
    store: &mut dyn Persist,
    from: EndpointId,
    sync: &PolicySync,
    now: i64,
) -> Result<Result<usize, String>, StoreError> {
    // A wallet stored but not committed yet counts: the members that
    // committed first push their approvals of its first policy at once.
    let record = match store.wallet_by_id(&sync.wallet_id) {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => {
            let pending = store
                .pending_wallets()?
                .into_iter()
                .find(|p| p.record.id == sync.wallet_id);
            match pending {
                Some(p) => p.record,
                None => return Ok(Err("a policy for a wallet not here".into())),
            }
        }
        Err(e) => return Err(e),
    };
    let members = store.members(&record)?;
    if !members.iter().any(|m| m.device == from) {
        return Ok(Err(format!(
            "a policy of wallet {} from a device that is not a member",
            record.name
        )));
    }
    let doc = match PolicyDocument::from_json(&sync.document) {
        Ok(d) if d.wallet_id == record.id => d,
        Ok(_) => return Ok(Err("a policy document for another wallet".into())),
        Err(e) => return Ok(Err(format!("a policy of wallet {}: {e}", record.name))),
    };
    // Nothing new (every member's periodic push, and its first at start):
    // the same statements were verified when they were kept — nothing to
    // check, and no version read (this runs before the sender's next
    // message is looked at).
    if store.holds_policy(&record, &doc, &sync.statements)? {
        return Ok(Ok(0));
    }
    let held = store.policy_versions(&record)?;
    let known = held.iter().any(|v| v.document == doc);
    if !known && held.len() >= MAX_VERSIONS {
        return Ok(Err(format!(
            "wallet {} holds {MAX_VERSIONS} policy versions already",
            record.name
        )));
    }
    let signers = policy::signers_of(&members, record.threshold);
    let mut valid = Vec::new();
    let mut refused = Vec::new();
    for e in &sync.statements {
        match signed::verify(&doc, e) {
            Ok(())
                if signers.user_devices.contains(&e.device)
                    || signers.others.contains(&e.device) =>
            {
                valid.push(e.clone());
            }
            Ok(()) => refused.push(format!("{} is not a member", e.device)),
            Err(err) => refused.push(err.to_string()),
        }
    }
    if !refused.is_empty() {
        store.log(
            Some(&record.id),
            EventKind::Rejected,
            &format!(
                "policy v{} of wallet {} from {from}: left out {}",
                doc.version,
                record.name,
                refused.join("; ")
            ),
            now,
        )?;
    }
    // A version nobody vouches for is not kept.
    if valid.is_empty() && !known {
        return Ok(Err(format!(
            "policy v{} of wallet {} without a valid member's signature",
            doc.version, record.name
        )));
    }
    let added = store.add_policy(&record, &doc, &valid, now)?;
    if added > 0 {
        store.log(
            Some(&record.id),
            EventKind::Policy,
            &format!(
                "policy v{} ({}) of wallet {}: now signed by {} device(s)",
                doc.version,
                &doc.hash_hex()[..12],
                record.name,
                store
                    .policy_versions(&record)?
                    .iter()
                    .find(|v| v.document == doc)
                    .map_or(0, |v| v.statements.len())
            ),
            now,
        )?;
    }
    Ok(Ok(added))
}
