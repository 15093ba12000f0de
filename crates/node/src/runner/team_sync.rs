//! Members exchange team proposals ([`crate::team`]), their signed votes
//! and their signed results: each device pushes what it holds to every
//! other member when something changes here (this node, or the `accord`
//! CLI on the same store: a generation counter) and every [`PUSH_EVERY`]
//! in any case; a device that starts asks every member for what it holds
//! for it (`TeamPull`, one per device), so a member that was offline
//! catches up from whichever member it reaches — every member is a mailbox
//! for its wallets. A
//! receiver keeps only what verifies: a proposal from a member, with its
//! proposer's signed approval; votes signed by members; a result whose
//! signatures make a valid transaction under the wallet's keys (checked
//! by the chain's library).
//!
//! The approving member with the lowest party index signs a proposal that
//! a quorum approved, with the other approvers only, as soon as its node
//! sees it ([`advance`]) — nobody acts twice.

use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use accord_chains::Chain;
use iroh::{EndpointAddr, EndpointId};

pub(crate) use super::team_receive::{check_proposal, log_proposal, log_vote, receive};
use super::team_wallet::team_wallet;
use super::{Shared, now};
use crate::event::EventKind;
use crate::facade::SignRequest;
use crate::store::{Member, Persist, ProposalDone, StoreError, StoredProposal};
use crate::team::{Status, TeamProposal, tally};
use crate::wallet::WalletRef;
use crate::wire::{Control, GrantRelay, TeamItem};

/// How often everything is pushed to every member.
const PUSH_EVERY: Duration = Duration::from_secs(20);
/// How often changes are looked for.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// How long one push to a member may take (an offline one costs this).
const SEND_LIMIT: Duration = Duration::from_secs(2);
/// A closed proposal is still relayed this long after it was made.
const RELAY_CLOSED: i64 = 7 * 24 * 3600;
/// How long the signer waits before trying a failed signing again.
const RETRY_AFTER: Duration = Duration::from_secs(10);
/// The most proposals a wallet keeps from its members.
pub const MAX_PROPOSALS: usize = 10_000;

/// Device ids (hex) of `members` in party order.
pub(crate) fn member_ids(members: &[Member]) -> Vec<String> {
    let mut m: Vec<&Member> = members.iter().collect();
    m.sort_by_key(|m| m.party);
    m.iter().map(|m| hex::encode(m.device.as_bytes())).collect()
}

/// Who a pushed message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Audience {
    /// A proposal made at `created_at`: members and proposer-only devices
    /// — a withdrawn one only if it was made before the withdrawal (the
    /// votes on its own proposals still reach it; later ones do not).
    Everyone { created_at: i64 },
    /// Members only.
    Members,
    /// One device.
    Device(EndpointId),
}

/// What a recipient of a push is to the wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reader {
    /// A member.
    Member,
    /// A proposer-only device.
    Proposer,
    /// A proposer-only device withdrawn at `at` (told so for as long as
    /// closed proposals are relayed).
    Withdrawn { at: i64 },
}

/// Whether `audience` includes device `id`, which is `reader`.
pub(super) fn reaches(audience: Audience, reader: Reader, id: EndpointId) -> bool {
    match (audience, reader) {
        (Audience::Everyone { created_at }, Reader::Withdrawn { at }) => created_at < at,
        (Audience::Everyone { .. }, _) => true,
        (Audience::Members, reader) => reader == Reader::Member,
        (Audience::Device(device), _) => device == id,
    }
}

/// What to push for one wallet: one message per proposal, with what it
/// holds now (its votes and result, counted) to tell a change; on a
/// member, the grants of proposer-only devices (to members) and the
/// wallet's card (to each proposer).
pub(super) struct Push {
    wallet: String,
    /// Where to, and what each is to the wallet.
    pub(super) to: Vec<(EndpointAddr, Reader)>,
    pub(super) messages: Vec<(String, usize, Audience, Control)>,
}

/// What to push for every wallet that has something to push (or `only`
/// that one): a wallet without proposals or grants costs nothing, and the
/// others are read a few per store turn.
async fn pushes(shared: &Arc<Shared>, only: Option<String>) -> Result<Vec<Push>, StoreError> {
    let ids = match only {
        Some(id) => vec![id],
        None => shared.with_store(|store| store.team_wallets()).await?,
    };
    Ok(shared
        .in_chunks("team sync", ids, |store, id| push_for(&*store, &id, now()))
        .await)
}

/// What to push for wallet `id`, if anything.
pub(super) fn push_for(
    store: &dyn Persist,
    id: &str,
    now: i64,
) -> Result<Option<Push>, StoreError> {
    let proposals: Vec<StoredProposal> = store
        .team_proposals(Some(id))?
        .into_iter()
        .filter(|sp| {
            let live = sp.done.is_none() && now < sp.proposal.expires_at;
            live || sp.proposal.created_at >= now.saturating_sub(RELAY_CLOSED)
        })
        .collect();
    let has_grants = !store.grants(id)?.is_empty();
    if proposals.is_empty() && !has_grants {
        return Ok(None);
    }
    let Some(tw) = team_wallet(store, id)? else {
        return Ok(None);
    };
    if tw.withdrawn() {
        return Ok(None);
    }
    let mut messages = Vec::new();
    for sp in proposals {
        let held = sp.votes.len() + usize::from(sp.done.is_some());
        let created_at = sp.proposal.created_at;
        messages.push((
            sp.id,
            held,
            Audience::Everyone { created_at },
            Control::Team(TeamItem {
                proposal: sp.proposal,
                votes: sp.votes,
                signatures: sp.done.map(|d| d.signatures),
            }),
        ));
    }
    let mut to: Vec<(EndpointAddr, Reader)> = tw
        .other_members()
        .into_iter()
        .map(|a| (a, Reader::Member))
        .collect();
    for (g, addr) in &tw.grants {
        let held = usize::try_from(g.at).unwrap_or_default();
        messages.push((
            format!("grant:{}:{}", tw.id, g.device),
            held,
            Audience::Members,
            Control::TeamGrant(Box::new(GrantRelay {
                grant: g.clone(),
                addr: addr.clone(),
            })),
        ));
        // A withdrawn device is told, for as long as closed proposals
        // are relayed.
        if g.active || g.at >= now.saturating_sub(RELAY_CLOSED) {
            messages.push((
                format!("card:{}:{}", tw.id, g.device),
                held,
                Audience::Device(addr.id),
                Control::TeamCard(Box::new(tw.card(g.clone()))),
            ));
            let reader = if g.active {
                Reader::Proposer
            } else {
                Reader::Withdrawn { at: g.at }
            };
            to.push((addr.clone(), reader));
        }
    }
    if messages.is_empty() {
        return Ok(None);
    }
    Ok(Some(Push {
        wallet: tw.id.clone(),
        to,
        messages,
    }))
}

async fn send(shared: &Shared, p: &Push) {
    let sends = p.to.iter().map(|(addr, reader)| async move {
        for (_, _, audience, m) in &p.messages {
            if !reaches(*audience, *reader, addr.id) {
                continue;
            }
            let sent = tokio::time::timeout(SEND_LIMIT, shared.send_control(addr, m)).await;
            if !matches!(sent, Ok(Ok(()))) {
                return;
            }
        }
    });
    futures_util::future::join_all(sends).await;
}

/// Asks every device this one shares a wallet with (the other members,
/// the members of the wallets it proposes to) and every paired device
/// for all it holds for this one — one pull per device, whatever the
/// number of wallets.
pub(crate) async fn pull_all(shared: &Arc<Shared>) {
    let asks = async {
        let records = shared.with_store(|store| store.wallets()).await?;
        let members = shared
            .in_chunks("team pull", records, |store, record| {
                let others: Vec<EndpointAddr> = store
                    .members(&record)?
                    .into_iter()
                    .filter(|m| m.party != record.party)
                    .map(|m| m.addr)
                    .collect();
                Ok(Some(others))
            })
            .await;
        let mut out: Vec<EndpointAddr> = members.into_iter().flatten().collect();
        let rest = shared
            .with_store(|store| -> Result<Vec<EndpointAddr>, StoreError> {
                let mut rest = Vec::new();
                for (_, card) in store.watched()? {
                    if card.grant.active {
                        rest.extend(card.members.into_iter().map(|m| m.addr));
                    }
                }
                rest.extend(store.devices()?.into_iter().map(|d| d.addr));
                Ok(rest)
            })
            .await?;
        out.extend(rest);
        let mut seen = std::collections::HashSet::new();
        out.retain(|a| seen.insert(a.id));
        Ok::<_, StoreError>(out)
    }
    .await
    .unwrap_or_default();
    let sends = asks.iter().map(|addr| async move {
        let ask = Control::TeamPull {
            wallet_id: String::new(),
        };
        let _ = tokio::time::timeout(SEND_LIMIT, shared.send_control(addr, &ask)).await;
    });
    futures_util::future::join_all(sends).await;
}

/// Answers a pull with what this device holds for `from`: of one wallet,
/// or (an empty wallet id) of every wallet `from` is a member of or may
/// propose to — proposals, votes, results, and the cards of the wallets it
/// proposes to.
pub(crate) async fn answer_pull(shared: Arc<Shared>, from: EndpointId, wallet: String) {
    let only = (!wallet.is_empty()).then(|| wallet.clone());
    let Ok(pushes) = pushes(&shared, only).await else {
        return;
    };
    for p in pushes {
        let Some(to) = p.to.iter().find(|(a, _)| a.id == from).cloned() else {
            continue;
        };
        let only = Push {
            to: vec![to],
            messages: p.messages,
            wallet: p.wallet,
        };
        send(&shared, &only).await;
    }
}

/// Pushes every wallet's proposals to its members now.
pub(crate) async fn push_now(shared: &Arc<Shared>) -> Result<(), StoreError> {
    for p in &pushes(shared, None).await? {
        send(shared, p).await;
    }
    Ok(())
}

/// Pushes changes to members and signs what is ready here, forever: each
/// proposal whose votes or result changed since the last push, and every
/// proposal every [`PUSH_EVERY`]; woken at once by what arrives or is
/// voted through the node ([`Shared::team_wake`]), else looking every
/// [`LOOK_EVERY`] (the CLI writes to the store).
pub(crate) async fn sync(shared: Arc<Shared>) {
    pull_all(&shared).await;
    let mut last: HashMap<String, usize> = HashMap::new();
    let mut tried: HashMap<String, Instant> = HashMap::new();
    let mut quiet = Duration::ZERO;
    let mut seen = None;
    while !shared.stopping() {
        let full = quiet >= PUSH_EVERY;
        let generation = shared
            .with_store(|store| store.team_generation().ok())
            .await;
        if full || generation.is_none() || generation != seen {
            match pushes(&shared, None).await {
                Ok(pushes) => {
                    for mut p in pushes {
                        p.messages
                            .retain(|(id, held, _, _)| full || last.get(id) != Some(held));
                        if p.messages.is_empty() {
                            continue;
                        }
                        send(&shared, &p).await;
                        for (id, held, _, _) in &p.messages {
                            last.insert(id.clone(), *held);
                        }
                    }
                }
                Err(e) => shared.log(None, EventKind::Failed, &format!("team sync: {e}")),
            }
            seen = generation;
            if full {
                quiet = Duration::ZERO;
            }
            // Something became ready only through a change here (a vote,
            // a proposal, a result); a failed signing is tried again with
            // the full push.
            advance(&shared, &mut tried).await;
        }
        let started = Instant::now();
        tokio::select! {
            () = tokio::time::sleep(LOOK_EVERY) => {}
            () = shared.team_wake.notified() => {}
        }
        quiet += started.elapsed();
    }
}

/// The signed proposals among `all`.
pub(crate) fn signed_proposals(all: &[StoredProposal]) -> Vec<&TeamProposal> {
    all.iter()
        .filter(|sp| sp.done.is_some())
        .map(|sp| &sp.proposal)
        .collect()
}

/// Whether one of the `signed` proposals spends what `p` spends.
pub(crate) fn superseded(signed: &[&TeamProposal], p: &TeamProposal) -> bool {
    signed.iter().any(|s| crate::team::conflicts(s, p))
}

/// A proposal this device is to sign now.
struct ToSign {
    id: String,
    wallet_id: String,
    chain: Chain,
    unsigned: Vec<u8>,
    others: Vec<u8>,
}

/// The proposals of wallet `id` that are ready and whose signer this
/// device is.
fn ready_in(store: &dyn Persist, id: &str, now: i64) -> Result<Vec<ToSign>, StoreError> {
    // A wallet this device only proposes to: nothing to sign here.
    let record = match store.wallet_by_id(id) {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let members = store.members(&record)?;
    let ids = member_ids(&members);
    let Some(me) = members.iter().find(|m| m.party == record.party) else {
        return Ok(Vec::new());
    };
    let me = hex::encode(me.device.as_bytes());
    let all = store.team_proposals(Some(&record.id))?;
    let signed = signed_proposals(&all);
    let mut out = Vec::new();
    for sp in all.iter().filter(|sp| sp.done.is_none()).cloned() {
        let t = tally(
            &sp.votes,
            &ids,
            record.threshold,
            false,
            sp.proposal.expires_at,
            now,
        )
        .superseded_if(superseded(&signed, &sp.proposal));
        if t.status != Status::Ready || t.approvers.first() != Some(&me) {
            continue;
        }
        let Ok(chain) = Chain::from_str(&sp.proposal.chain) else {
            continue;
        };
        let others = t
            .approvers
            .iter()
            .skip(1)
            .take(usize::from(record.threshold).saturating_sub(1))
            .filter_map(|d| {
                members
                    .iter()
                    .find(|m| hex::encode(m.device.as_bytes()) == *d)
                    .map(|m| m.party)
            })
            .collect();
        out.push(ToSign {
            id: sp.id,
            wallet_id: record.id.clone(),
            chain,
            unsigned: sp.proposal.unsigned,
            others,
        });
    }
    Ok(out)
}

/// Signs every proposal that is ready and whose signer this device is
/// (each at most once per [`RETRY_AFTER`]); keeps and pushes the results.
pub(crate) async fn advance(shared: &Arc<Shared>, tried: &mut HashMap<String, Instant>) {
    let wallets = match shared.with_store(|store| store.team_wallets()).await {
        Ok(w) => w,
        Err(e) => {
            return shared.log(None, EventKind::Failed, &format!("team proposals: {e}"));
        }
    };
    let ready: Vec<ToSign> = shared
        .in_chunks("team proposals", wallets, |store, id| {
            ready_in(&*store, &id, now()).map(Some)
        })
        .await
        .into_iter()
        .flatten()
        .collect();
    for r in ready {
        if tried.get(&r.id).is_some_and(|t| t.elapsed() < RETRY_AFTER) {
            continue;
        }
        tried.insert(r.id.clone(), Instant::now());
        let request = SignRequest {
            wallet: WalletRef::Id(r.wallet_id.clone()),
            chain: r.chain,
            unsigned: r.unsigned,
            prefer: r.others,
            only: true,
        };
        let quiet = |_| {};
        match crate::facade::sign::sign_with(shared, &request, &quiet).await {
            Ok(out) => {
                let done = ProposalDone {
                    signatures: out
                        .signatures
                        .iter()
                        .map(|s| (s.bytes.to_vec(), s.recovery_id))
                        .collect(),
                    encoded: out.signed.encoded,
                    txid: out.signed.txid,
                    at: now(),
                };
                let id = r.id.clone();
                let kept = shared
                    .with_store(move |store| -> Result<(), StoreError> {
                        store.finish_proposal(&id, &done)?;
                        store.log(
                            Some(&r.wallet_id),
                            EventKind::Proposed,
                            &format!("team proposal {id} signed: {}", done.txid),
                            now(),
                        )
                    })
                    .await;
                if let Err(e) = kept {
                    shared.log(None, EventKind::Failed, &format!("team proposal: {e}"));
                }
                let _ = push_now(shared).await;
            }
            Err(e) => shared.log(
                Some(&r.wallet_id),
                EventKind::Failed,
                &format!("signing team proposal {}: {e}", r.id),
            ),
        }
    }
}
